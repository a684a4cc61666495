"""Elementwise arithmetic, the public surface: add, sub, mul, div, pow, ... with PyTorch's promotion,
the Python operators on Tensor (``a + b`` one call deep for the common case) and the in-place methods.

The ops themselves are in ``arithmetic_core`` (Add, Sub, Mul, Div, Neg, Reciprocal, PowScalar,
MulScalar) and ``arithmetic_variants`` (Rsub, DivRounding, Pow, RPow); their wrappers stay
hand-written here because the signatures are special (``alpha=``, ``rounding_mode=``, overloads on
the argument types, numbers on the left).
"""

from __future__ import annotations

import numpy as np

from .._api import FUNCTIONS, method, public
from .._tensor import Tensor, _make
from ._util import promote, wrap
from .arithmetic_core import (  # noqa: F401  (re-exported: other modules import these from here)
    Add,
    Div,
    Mul,
    MulScalar,
    Neg,
    PowScalar,
    Reciprocal,
    Sub,
    mul_scalar,
)
from .arithmetic_variants import DivRounding, Pow, RPow, Rsub, RsubScalar, where_positive_log  # noqa: F401


def _binary(cls, a: Tensor, b, **params) -> Tensor:
    if not isinstance(b, Tensor):
        b = wrap(b, a)
    if a._data.dtype is not b._data.dtype:
        dt = promote(a, b)
        if dt is not None:
            params["out_dtype"] = dt
    return cls.apply(a, b, **params)


@public(method=True)
def add(input, other, *, alpha=1) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    return _binary(Add, input, other, alpha=alpha) if alpha != 1 else _binary(Add, input, other)


@public(method=True)
def sub(input, other, *, alpha=1) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    return _binary(Sub, input, other, alpha=alpha) if alpha != 1 else _binary(Sub, input, other)


subtract = public("subtract", method=True)(sub)


@public(method=True)
def rsub(input, other, *, alpha=1) -> Tensor:
    params = {"alpha": alpha} if alpha != 1 else {}
    if isinstance(other, Tensor):
        # rsub(tensor, tensor) is a different overload in PyTorch: RsubBackward0, two edges.
        return _binary(Rsub, input, other, **params)
    return _rsub_scalar(input, other, **params)


def _rsub_scalar(input: Tensor, number, **params) -> Tensor:
    other = wrap(number, input)
    dt = promote(input, other)
    if dt is not None:
        params["out_dtype"] = dt
    return RsubScalar.apply(input, other=other._data, **params)


@public(method=True)
def mul(input, other) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    return _binary(Mul, input, other)


multiply = public("multiply", method=True)(mul)


@public(method=True)
def div(input, other, *, rounding_mode=None) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(
                f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
            )
        # a number is wrapped as a tensor, as PyTorch's Tensor_mode overload does (DivBackward2 too)
        return _binary(DivRounding, input, other, rounding_mode=rounding_mode)
    return _binary(Div, input, other)


divide = public("divide", method=True)(div)
true_divide = public("true_divide", method=True)(div)


@public(method=True)
def pow(input, exponent) -> Tensor:
    if not isinstance(input, Tensor):
        return RPow.apply(exponent, base=input)
    if isinstance(exponent, Tensor):
        return _binary(Pow, input, exponent)
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if isinstance(exponent, float) and input._data.dtype.kind != "f":
            # int tensor ** float -> default float, like PyTorch
            pass
        return PowScalar.apply(input, exponent=exponent)
    raise TypeError(f"pow(): exponent must be a Tensor or a number, got {type(exponent).__name__}")


@public(method=True)
def square(input) -> Tensor:
    return PowScalar.apply(input, exponent=2)


def _rtruediv(self, other):
    # PyTorch evaluates `number / tensor` as reciprocal(tensor) * number.
    return Reciprocal.apply(self) * other


def _rpow(self, other):
    return RPow.apply(self, base=other)


def _rsub(self, other):
    if isinstance(other, Tensor):
        return _binary(Rsub, self, other)
    return _rsub_scalar(self, other)


def _operator(cls):
    """``tensor <op> other`` with the common case (another tensor of the same dtype) one call deep."""
    apply = cls.apply

    def operator(self, other):
        oc = other.__class__
        if oc is not Tensor:
            dt = self._data.dtype
            if (oc is float or oc is int) and dt.kind == "f":
                # wrap()'s common case: a number meeting a float tensor takes the tensor's dtype.
                return apply(self, _make(np.array(other, dt)))
            if not isinstance(other, Tensor):
                other = wrap(other, self)
        if self._data.dtype is other._data.dtype:
            return apply(self, other)
        return _binary(cls, self, other)

    return operator


Tensor.__add__ = _operator(Add)
Tensor.__radd__ = Tensor.__add__
Tensor.__sub__ = _operator(Sub)
Tensor.__rsub__ = _rsub
Tensor.__mul__ = _operator(Mul)
Tensor.__rmul__ = Tensor.__mul__
Tensor.__truediv__ = _operator(Div)
Tensor.__rtruediv__ = _rtruediv
Tensor.__pow__ = pow
Tensor.__rpow__ = _rpow
Tensor.__neg__ = FUNCTIONS["neg"]  # generated from Neg's attributes


def _inplace(cls):
    def method(self, other, **params):
        if not isinstance(other, Tensor):
            other = wrap(other, self)
        dt = promote(self, other)
        if dt is not None:
            # Compute in the promoted type so a refused cast names it as PyTorch does (Float, not Double).
            params["out_dtype"] = dt
        return cls.apply_(self, other, **params)

    return method


_iadd, _isub, _imul, _idiv = _inplace(Add), _inplace(Sub), _inplace(Mul), _inplace(Div)


@method("add_")
def add_(self, other, *, alpha=1):
    return _iadd(self, other, alpha=alpha) if alpha != 1 else _iadd(self, other)


@method("sub_")
def sub_(self, other, *, alpha=1):
    return _isub(self, other, alpha=alpha) if alpha != 1 else _isub(self, other)


@method("mul_")
def mul_(self, other):
    return _imul(self, other)


@method("div_")
def div_(self, other):
    return _idiv(self, other)


@method("neg_")
def neg_(self):
    return Neg.apply_(self)


@method("pow_")
def pow_(self, exponent):
    if isinstance(exponent, Tensor):
        return Pow.apply_(self, exponent)
    return PowScalar.apply_(self, exponent=exponent)


Tensor.__iadd__ = add_
Tensor.__isub__ = sub_
Tensor.__imul__ = mul_
Tensor.__itruediv__ = div_
