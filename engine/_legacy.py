"""PyTorch's legacy spellings: ``torch.FloatTensor``-style typed constructors and
``torch.autograd.Variable``.

``torch.FloatTensor(2, 3)`` makes an uninitialised float32 tensor of that shape (the engine fills
it with zeros), ``torch.FloatTensor([1, 2])`` one from data, ``torch.FloatTensor()`` an empty one;
``isinstance(t, torch.FloatTensor)`` is true exactly for float32 CPU tensors, as in PyTorch.
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _dtype
from ._factories import tensor
from ._tensor import Tensor, _make


class _TypedTensorMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.numpy

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_constructor_error(args) -> TypeError:
    got = ", ".join(type(a).__name__ for a in args)
    return TypeError(f"new() received an invalid combination of arguments - got ({got})")


class _TypedTensor(metaclass=_TypedTensorMeta):
    dtype = _dtype.float32

    def __new__(cls, *args, device=None):
        np_dtype = cls.dtype.numpy
        if not args:
            return _make(np.zeros((0,), dtype=np_dtype))
        if all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return _make(np.zeros(args, dtype=np_dtype))  # PyTorch leaves it uninitialised
        if len(args) == 1:
            data = args[0]
            if isinstance(data, Tensor):
                if data._data.dtype != np_dtype:
                    raise TypeError(
                        f"expected TensorOptions(dtype={_c_name(np_dtype)}, device=cpu, layout=Strided, "
                        "requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt)) "
                        f"(got TensorOptions(dtype={_c_name(data._data.dtype)}, device=cpu, layout=Strided, "
                        "requires_grad=false (default), pinned_memory=false (default), memory_format=(nullopt)))"
                    )
                return data.detach()
            if isinstance(data, str):
                raise TypeError("new(): invalid data type 'str'")
            return tensor(data, dtype=cls.dtype)
        raise _legacy_constructor_error(args)


def _c_name(np_dtype) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int", "bool": "bool",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "float16": "c10::Half"}.get(
        np.dtype(np_dtype).name, np.dtype(np_dtype).name)


def _typed(name: str, dt) -> type:
    return _TypedTensorMeta(name, (_TypedTensor,), {"dtype": dt, "__module__": "torch"})


LEGACY_TYPES = {
    "FloatTensor": _typed("FloatTensor", _dtype.float32),
    "DoubleTensor": _typed("DoubleTensor", _dtype.float64),
    "HalfTensor": _typed("HalfTensor", _dtype.float16),
    "LongTensor": _typed("LongTensor", _dtype.int64),
    "IntTensor": _typed("IntTensor", _dtype.int32),
    "ShortTensor": _typed("ShortTensor", _dtype.int16),
    "CharTensor": _typed("CharTensor", _dtype.int8),
    "ByteTensor": _typed("ByteTensor", _dtype.uint8),
    "BoolTensor": _typed("BoolTensor", _dtype.bool_),
}


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)  # every tensor is a Variable since PyTorch 0.4


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)``: since PyTorch 0.4 just a tensor (a new one sharing
    the data, a leaf, with ``requires_grad`` as given)."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if data is None:
            return _make(np.zeros((0,), dtype=_dtype.get_default_dtype().numpy))
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        out = data.detach()
        if requires_grad:
            out.requires_grad_(True)
        return out


def legacy_type(self, dtype=None, non_blocking: bool = False, **kwargs):
    """``Tensor.type()``: the legacy type name, or a conversion to a dtype / legacy type / its name."""
    if dtype is None:
        return _ORIGINAL_TYPE[0](self)
    if isinstance(dtype, str):
        name = dtype.rsplit(".", 1)[-1]
        if name not in LEGACY_TYPES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = LEGACY_TYPES[name]
    if isinstance(dtype, type) and issubclass(dtype, _TypedTensor):
        dtype = dtype.dtype
    return self.to(dtype)


_ORIGINAL_TYPE: list = []


def install(namespace: dict) -> None:
    namespace.update(LEGACY_TYPES)
    _ORIGINAL_TYPE.append(Tensor.type)
    Tensor.type = legacy_type
