"""``engine.save`` / ``engine.load``: state dicts in a format whose default loading never runs code.

The file is a numpy ``.npz`` archive: every tensor becomes an array entry ``t0``, ``t1``, ... and
the surrounding structure (dicts, lists, tuples, numbers, strings, None) is one JSON document in
the entry ``__structure__``. Loading uses ``np.load(allow_pickle=False)`` and ``json``, so a
malicious file can at worst fail to load -- unlike pickle, which PyTorch's format is built on.
Objects outside that set (a whole ``nn.Module``) are stored pickled and, as in PyTorch 2.6+, only
``load(..., weights_only=False)`` unpickles them.
"""

from __future__ import annotations

import io
import json
import os
import pickle
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from ._tensor import Tensor, _make
from .nn.parameter import Parameter

_STRUCTURE_KEY = "__structure__"
FORMAT_VERSION = 1


class _Encoder:
    """Turns an object tree into JSON-able data plus a list of arrays."""

    def __init__(self) -> None:
        self.arrays: list[np.ndarray] = []
        self._seen: dict[int, int] = {}

    def encode(self, obj: Any) -> Any:
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, (int, float)):
            return obj
        if isinstance(obj, (np.integer, np.floating, np.bool_)):
            return obj.item()
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if isinstance(obj, dict):
            kind = "ordereddict" if isinstance(obj, OrderedDict) else "dict"
            return {"type": kind, "items": [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        if isinstance(obj, tuple):
            return {"type": "tuple", "items": [self.encode(v) for v in obj]}
        if isinstance(obj, list):
            return [self.encode(v) for v in obj]
        if isinstance(obj, np.ndarray):
            return self._array(obj, "ndarray")
        return self._pickled(obj)

    def _pickled(self, obj: Any) -> dict:
        # Anything else (a whole nn.Module, a custom class) is pickled, as PyTorch always does; load
        # unpickles it only with weights_only=False, so the default load still never runs code.
        try:
            payload = pickle.dumps(obj)
        except Exception as error:  # noqa: BLE001 - report what cannot be saved, like PyTorch
            raise TypeError(f"engine.save cannot store objects of type {type(obj).__name__}: {error}") from None
        entry = self._array(np.frombuffer(payload, dtype=np.uint8), "pickle")
        entry["class"] = f"{type(obj).__module__}.{type(obj).__qualname__}"
        return entry

    def _array(self, data: np.ndarray, kind: str) -> dict:
        index = len(self.arrays)
        # (np.ascontiguousarray would turn a 0-d array -- num_batches_tracked, a scalar -- into shape (1,).)
        self.arrays.append(data if data.flags.c_contiguous else data.copy(order="C"))
        return {"type": kind, "index": index}

    def _tensor(self, t: Tensor) -> dict:
        # A tensor stored twice in the tree is written once and comes back as one object.
        key = id(t)
        if key in self._seen:
            return {"type": "ref", "index": self._seen[key]}
        entry = self._array(t._data, "parameter" if isinstance(t, Parameter) else "tensor")
        entry["requires_grad"] = bool(t._requires_grad)
        self._seen[key] = entry["index"]
        return entry


_WEIGHTS_ONLY_MESSAGE = (
    "Weights only load failed. This file can still be loaded, to do so you have two options, "
    "\x1b[1mdo those steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In PyTorch 2.6, we "
    "changed the default value of the `weights_only` argument in `torch.load` from `False` to `True`. Re-running "
    "`torch.load` with `weights_only` set to `False` will likely succeed, but it can result in arbitrary code "
    "execution. Do it only if you got the file from a trusted source.\n\t(2) Alternatively, to load with "
    "`weights_only=True` please check the recommended steps in the following error message.\n\tWeightsUnpickler "
    "error: Unsupported global: GLOBAL {cls} was not an allowed global by default. Please use "
    "`torch.serialization.add_safe_globals([{cls}])` or the `torch.serialization.safe_globals([{cls}])` context "
    "manager to allowlist this global if you trust this class/function.\n\nCheck the documentation of torch.load "
    "to learn more about types accepted by default with weights_only "
    "https://pytorch.org/docs/stable/generated/torch.load.html."
)


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], weights_only: bool = True) -> None:
        self.arrays = arrays
        self.weights_only = weights_only
        self._made: dict[int, Any] = {}

    def decode(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self.decode(v) for v in data]
        if not isinstance(data, dict):
            return data
        kind = data.get("type")
        if kind in ("dict", "ordereddict"):
            pairs = [(self._key(k), self.decode(v)) for k, v in data["items"]]
            return OrderedDict(pairs) if kind == "ordereddict" else dict(pairs)
        if kind == "tuple":
            return tuple(self.decode(v) for v in data["items"])
        if kind == "ref":
            return self._made[data["index"]]
        if kind == "pickle":
            if self.weights_only:
                raise pickle.UnpicklingError(_WEIGHTS_ONLY_MESSAGE.format(cls=data.get("class", "?")))
            return pickle.loads(self.arrays[f"t{int(data['index'])}"].tobytes())
        if kind in ("tensor", "parameter", "ndarray"):
            array = self.arrays[f"t{int(data['index'])}"]
            if kind == "ndarray":
                return array
            if kind == "parameter":
                obj = Parameter(_make(array), requires_grad=bool(data.get("requires_grad", True)))
            else:
                obj = _make(array)
                if data.get("requires_grad"):
                    obj.requires_grad_(True)
            self._made[data["index"]] = obj
            return obj
        raise ValueError(f"engine.load: unknown entry type {kind!r} in the file's structure")

    def _key(self, key: Any) -> Any:
        # JSON keeps the key's type because keys are encoded like values (optimizer state uses ints).
        key = self.decode(key)
        return tuple(key) if isinstance(key, list) else key


def save(obj: Any, f: str | os.PathLike | BinaryIO, **kwargs: Any) -> None:
    """Write ``obj`` (tensors and plain containers of them) to a path or binary file object."""
    encoder = _Encoder()
    structure = {"format": "engine-npz", "version": FORMAT_VERSION, "root": encoder.encode(obj)}
    entries = {f"t{i}": a for i, a in enumerate(encoder.arrays)}
    entries[_STRUCTURE_KEY] = np.array(json.dumps(structure))
    if isinstance(f, (str, os.PathLike)):
        # np.savez would append ".npz" to a bare path; write through a file object to keep the name.
        with open(f, "wb") as fh:
            np.savez(fh, **entries)
    else:
        np.savez(f, **entries)


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, weights_only: bool = True, **kwargs: Any) -> Any:
    """Read an object written by :func:`save`; never unpickles (``allow_pickle=False``)."""
    if isinstance(f, (bytes, bytearray)):
        f = io.BytesIO(f)
    with np.load(f, allow_pickle=False) as archive:
        if _STRUCTURE_KEY not in archive.files:
            raise RuntimeError("engine.load: not a file written by engine.save (no structure entry)")
        structure = json.loads(str(archive[_STRUCTURE_KEY]))
        arrays = {name: archive[name] for name in archive.files if name != _STRUCTURE_KEY}
    if structure.get("format") != "engine-npz":
        raise RuntimeError("engine.load: not a file written by engine.save")
    return _Decoder(arrays, weights_only is not False).decode(structure["root"])
