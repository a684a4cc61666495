"""Helpers the ops share: turning arguments into tensors, type promotion and undoing broadcasting."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._dtype import _NUMPY_TO_DTYPE
from .._promotion import float_dtype_for, promote, wrap  # noqa: F401  (re-exported: the ops import them from here)
from .._tensor import Tensor, _make, _wrap_dim


def as_tensor_arg(value, name: str = "input") -> Tensor:
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        dt = _dtype.DEFAULTS.float_dtype if isinstance(value, float) else (
            _dtype.bool_ if isinstance(value, bool) else _dtype.int64
        )
        return _make(np.array(value, dtype=dt.numpy))
    raise TypeError(f"{name} (): argument '{name}' must be Tensor, not {type(value).__name__}")


def promote_all(*tensors: Tensor):
    """The numpy dtype PyTorch's promotion gives an op over all ``tensors`` (0-d ones only win a
    higher category), or None when they all agree. numpy alone would let a 0-d float64 win."""
    first = tensors[0]._data.dtype
    if all(t._data.dtype is first for t in tensors):
        return None
    dt, nd = _NUMPY_TO_DTYPE[first], tensors[0]._data.ndim
    for t in tensors[1:]:
        dt = _dtype.result_type(dt, nd, _NUMPY_TO_DTYPE[t._data.dtype], t._data.ndim)
        nd = max(nd, t._data.ndim)
    return dt.numpy


def sum_to(grad: Tensor, shape: tuple) -> Tensor:
    """Undo broadcasting: sum ``grad`` down to ``shape`` (the one place every rule does it)."""
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    if not shape:
        return grad.sum()  # PyTorch's sum_to: a 0-d target is a full sum (SumBackward0)
    lead = len(gshape) - len(shape)
    dims = list(range(lead))
    for i, s in enumerate(shape):
        if s == 1 and gshape[lead + i] != 1:
            dims.append(lead + i)
    if dims:
        grad = grad.sum(dim=tuple(dims), keepdim=True)
    if lead:
        grad = grad.reshape(shape)  # PyTorch's sum_to views the summed tensor as shape (ViewBackward0)
    elif grad._data.shape != shape:
        grad = grad.reshape(shape)
    return grad


def normalize_dims(dim, ndim: int) -> tuple:
    """``dim`` (int, tuple or None) as a sorted tuple of non-negative axes; None means all."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, int):
        _wrap_dim(dim, ndim)
        # PyTorch wraps dims of a 0-d tensor as if it had one dim (0 and -1 are valid); numpy has no
        # axis there, so the reduction runs over no axes.
        return (dim % ndim,) if ndim else ()
    wrapped = [_wrap_dim(d, ndim) for d in dim]
    seen = set()
    for d in wrapped:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return tuple(sorted(wrapped)) if ndim else ()
