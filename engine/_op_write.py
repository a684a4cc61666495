"""Writing an in-place op's result into its target's storage, refused where PyTorch refuses it."""

from __future__ import annotations

import numpy as np

from ._dtype import _NUMPY_TO_DTYPE
from ._tensor import Tensor


def _write_into(target: Tensor, out, cls=None) -> None:
    data = target._data
    out = np.asarray(out)
    if out.dtype != data.dtype and not np.can_cast(out.dtype, data.dtype, "same_kind"):
        src = _NUMPY_TO_DTYPE[out.dtype].name.capitalize()
        dst = _NUMPY_TO_DTYPE[data.dtype].name.capitalize()
        names = {"Float32": "Float", "Float64": "Double", "Int64": "Long", "Int32": "Int"}
        raise RuntimeError(
            f"result type {names.get(src, src)} can't be cast to the desired output type {names.get(dst, dst)}"
        )
    if out.shape != data.shape:
        try:
            np.broadcast_to(out, data.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(data.shape)} doesn't match the broadcast shape {list(out.shape)}"
            ) from None
    if not data.flags.writeable:
        data = _writable_target(data, getattr(cls, "fills", False))
    data[...] = out


def _writable_target(data: np.ndarray, fills: bool) -> np.ndarray:
    """Write access to a read-only numpy view (an ``expand``), refused like PyTorch where elements share memory.

    PyTorch lets ``fill_``/``zero_`` (ops with ``fills = True``: one value for every element) write into
    overlapping memory; any other in-place op on an expanded tensor is an error.
    """
    overlaps = any(s == 0 and n > 1 for s, n in zip(data.strides, data.shape))
    if overlaps and not fills:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )
    root = data
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not (root.flags.writeable and root.flags.c_contiguous):
        raise ValueError("assignment destination is read-only")
    offset = data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
    return np.ndarray(data.shape, data.dtype, buffer=root, offset=offset, strides=data.strides)
