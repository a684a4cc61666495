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
