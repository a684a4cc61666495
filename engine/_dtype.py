"""Tensor dtypes with PyTorch's names, backed by numpy dtypes."""

from __future__ import annotations

import numpy as np


class dtype:  # noqa: N801 - PyTorch's spelling
    """A tensor element type. ``repr`` prints ``torch.float32`` like PyTorch, so tutorial output matches."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, np_type: type, category: int) -> None:
        self.name = name
        self.numpy = np.dtype(np_type)
        self.is_floating_point = category == 2
        self.is_signed = category != 0 and name != "uint8"
        self.itemsize = self.numpy.itemsize
        # 0 bool, 1 integer, 2 floating: the categories of PyTorch's type promotion.
        self._category = category

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)

ALL = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
_NUMPY_TO_DTYPE = {d.numpy: d for d in ALL}
_BY_NAME = {d.name: d for d in ALL}


def _by_name(name: str) -> dtype:
    return _BY_NAME[name]


class _Defaults:
    float_dtype = float32


DEFAULTS = _Defaults()


def from_numpy(np_dtype) -> dtype:
    """The engine dtype for a numpy dtype; unsupported ones raise TypeError like ``torch.from_numpy``."""
    try:
        return _NUMPY_TO_DTYPE[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def get_default_dtype() -> dtype:
    return DEFAULTS.float_dtype


def set_default_dtype(d: dtype) -> None:
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    DEFAULTS.float_dtype = d


def is_default_for_repr(d: dtype) -> bool:
    """PyTorch omits ``dtype=`` in a repr for the default float type, int64 and bool."""
    return d is DEFAULTS.float_dtype or d is int64 or d is bool_


def result_type(a: dtype, a_dim: int, b: dtype, b_dim: int) -> dtype:
    """PyTorch's promotion of two tensor operands; zero-dim tensors only win a higher category."""
    if a is b:
        return a
    ca, cb = a._category, b._category
    if (a_dim == 0) != (b_dim == 0):
        # A dimensioned tensor keeps its dtype against a zero-dim one of the same or lower category.
        dimd, zero = (a, b) if a_dim else (b, a)
        if zero._category <= dimd._category:
            return dimd
        return zero
    if ca != cb:
        return a if ca > cb else b
    return _NUMPY_TO_DTYPE[np.promote_types(a.numpy, b.numpy)]


def scalar_dtype(value, other: dtype) -> dtype:
    """The dtype a Python number takes when combined with a tensor of dtype ``other``."""
    if isinstance(value, bool):
        return other
    if isinstance(value, int):
        return other if other._category >= 1 else int64
    if isinstance(value, float):
        return other if other._category == 2 else DEFAULTS.float_dtype
    raise TypeError(f"unsupported scalar type {type(value).__name__}")
