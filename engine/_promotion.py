"""Type promotion for op arguments: numbers meeting tensors, mixed dtypes, integer inputs of float functions.

Below ``ops`` in the import order (it needs only ``_dtype`` and ``_tensor``), so the public-surface
generator in ``_api`` and every op file can use it without an import cycle.
"""

from __future__ import annotations

import numpy as np

from . import _dtype
from ._dtype import _NUMPY_TO_DTYPE
from ._tensor import Tensor, _make


def wrap(value, like: Tensor) -> Tensor:
    """A Python number (or numpy array) as a tensor that can meet ``like`` in an op, no grad."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        dt = _dtype.scalar_dtype(value, _NUMPY_TO_DTYPE[like._data.dtype])
        return _make(np.array(value, dtype=dt.numpy))
    if isinstance(value, np.ndarray):
        return _make(value)
    if isinstance(value, np.generic):
        return _make(np.asarray(value))
    raise TypeError(
        f"unsupported operand type: expected a Tensor or a number, got {type(value).__name__}"
    )


def promote(a: Tensor, b: Tensor):
    """The numpy dtype PyTorch's promotion gives ``a op b``, or None when both already agree."""
    da, db = a._data.dtype, b._data.dtype
    if da is db:
        return None
    rt = _dtype.result_type(_NUMPY_TO_DTYPE[da], a._data.ndim, _NUMPY_TO_DTYPE[db], b._data.ndim)
    return rt.numpy


def float_dtype_for(x: np.ndarray):
    """Integer/bool inputs of float functions (sin, exp, division) compute in the default float type."""
    return x.dtype if x.dtype.kind == "f" else _dtype.DEFAULTS.float_dtype.numpy
