"""The kernel's wire format: one message is one dict of plain data, arrays as out-of-band buffers.

A message is pickled with protocol 5 and a ``buffer_callback``, so every contiguous numpy array in it
is *not* copied into the pickle stream: the stream carries a small placeholder and the array's
memory travels as a separate frame right behind it (``Connection.send_bytes`` writes straight from
the array's buffer). On the other side the arrays are rebuilt over the received frames without
another copy. Nothing is ever turned into a Python list.

Frames on the pipe (``multiprocessing.connection.Connection`` does the length-prefixing):
``header`` = 4-byte big-endian buffer count + the pickle stream, then one frame per buffer.

The app side unpickles with :class:`_PlainDataUnpickler`, which admits only builtins' plain types and
numpy's array/dtype reconstructors: the kernel runs user code, and a script must not be able to make
the app import or call anything by sending a crafted pickle.
"""

from __future__ import annotations

import io
import math
import pickle
import struct

import numpy as np

_COUNT = struct.Struct("!I")

# What a message may contain besides dict/list/tuple/str/int/float/bool/None/bytes (which pickle
# encodes without find_class): numpy arrays, scalars and dtypes.
_ALLOWED_GLOBALS = {
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "complex"),
}


class ProtocolError(Exception):
    """A message that is not plain data (or a broken frame)."""


class _PlainDataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED_GLOBALS or (module == "numpy" and name.startswith("dtype")) or (
            module.startswith("numpy.dtypes") and name.endswith("DType")
        ):
            return super().find_class(module, name)
        raise ProtocolError(f"refusing to unpickle {module}.{name}: kernel messages are plain data")


def encode(message: dict) -> tuple[bytes, list[pickle.PickleBuffer]]:
    """The header frame and the out-of-band buffers of ``message``."""
    buffers: list[pickle.PickleBuffer] = []
    stream = pickle.dumps(message, protocol=5, buffer_callback=buffers.append)
    return _COUNT.pack(len(buffers)) + stream, buffers


def decode(header: bytes, frames: list, *, trusted: bool = False) -> dict:
    """Rebuild a message from its header and buffer frames (arrays view the frames' memory)."""
    (count,) = _COUNT.unpack_from(header)
    if count != len(frames):
        raise ProtocolError(f"expected {count} buffers, got {len(frames)}")
    stream = memoryview(header)[_COUNT.size:]
    if trusted:
        return pickle.loads(stream, buffers=frames)
    return _PlainDataUnpickler(io.BytesIO(stream), buffers=frames).load()


def send(conn, message: dict) -> None:
    """Write one message to a ``multiprocessing.connection.Connection``."""
    header, buffers = encode(message)
    conn.send_bytes(header)
    for buffer in buffers:
        conn.send_bytes(buffer.raw())


def receive(conn, *, trusted: bool = False) -> dict:
    """Read one message (blocks); EOFError when the other side has gone."""
    header = conn.recv_bytes()
    (count,) = _COUNT.unpack_from(header)
    # The arrays are rebuilt over these bytes objects without a copy, so they are read-only: the
    # app side only displays values (np.array(value) gives a writable copy where one is needed).
    frames = [conn.recv_bytes() for _ in range(count)]
    return decode(header, frames, trusted=trusted)


def contiguous(array) -> np.ndarray:
    """``array`` as a C-contiguous ndarray, so pickle sends it out of band (strided arrays would
    be copied into the stream)."""
    return np.ascontiguousarray(array)


# ---- many small arrays as one buffer ----------------------------------------------------------------
# A step state carries one gradient per edge that ran: 8,000 arrays of a few dozen bytes at 5,000
# nodes. Pickled one by one (each its own out-of-band frame) they cost 0.3-0.6 s to send and read,
# ten times what building the state costs; packed into one buffer, a few milliseconds. Arrays above
# this size still travel as frames of their own (no copy).
PACK_LIMIT = 1 << 16
_ALIGN = 16  # each packed array starts on a 16-byte boundary, so the views are aligned


def pack_arrays(arrays: dict) -> dict:
    """``{key: ndarray}`` as ``{"keys", "dtypes", "shapes", "offsets", "data", "large"}``: the small
    numeric arrays copied into one uint8 buffer (``data``), the others left as they are (``large``).
    The keys are plain data (strings, tuples)."""
    keys, dtypes, shapes, offsets, small = [], [], [], [], []
    large = {}
    total = 0
    for key, array in arrays.items():
        array = np.asarray(array)
        if array.nbytes > PACK_LIMIT or array.dtype.hasobject:
            large[key] = contiguous(array)
            continue
        keys.append(key)
        dtypes.append(array.dtype.str)
        shapes.append(array.shape)
        offsets.append(total)
        small.append(array)
        total += -(-array.nbytes // _ALIGN) * _ALIGN
    data = np.empty(total, dtype=np.uint8)
    for offset, array in zip(offsets, small):
        data[offset:offset + array.nbytes] = np.ascontiguousarray(array).reshape(-1).view(np.uint8)
    return {"keys": keys, "dtypes": dtypes, "shapes": shapes, "offsets": offsets, "data": data, "large": large}


def unpack_arrays(packed: dict) -> dict:
    """The ``{key: ndarray}`` that :func:`pack_arrays` packed (the small arrays are read-only views
    of the one received buffer, as arrays received on their own are views of their frames)."""
    data = packed["data"]
    arrays = {}
    dtypes: dict[str, np.dtype] = {}
    frombuffer, prod = np.frombuffer, math.prod
    for key, name, shape, offset in zip(packed["keys"], packed["dtypes"], packed["shapes"], packed["offsets"]):
        dtype = dtypes.get(name)
        if dtype is None:
            dtype = dtypes[name] = np.dtype(name)
        arrays[key] = frombuffer(data, dtype=dtype, count=prod(shape), offset=offset).reshape(shape)
    arrays.update(packed["large"])
    return arrays


# The step state's gradient maps travel packed (the kernel packs, the client unpacks: the answer a
# caller of ``KernelClient.step_state`` sees is unchanged).
_PACKED_STATE_KEYS = ("edge_grads", "leaf_grads")


def pack_step_state(state: dict) -> dict:
    return {**state, **{key: pack_arrays(state[key]) for key in _PACKED_STATE_KEYS if key in state}}


def unpack_step_state(state: dict) -> dict:
    return {**state, **{key: unpack_arrays(state[key]) for key in _PACKED_STATE_KEYS if key in state}}
