"""``floor_divide``, ``remainder``, ``fmod`` and the ``//`` and ``%`` operators."""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op
from .._tensor import Tensor
from ._math_util import _add, _cast, _needs, _promoted
from ._util import promote, sum_to, wrap

# ---- floor_divide, remainder, fmod -----------------------------------------------------------------


class FloorDivide(Op):
    """``a // b``. PyTorch has no derivative for it: the node is ``NotImplemented`` and backward fails."""

    # PyTorch's node is the C++ class NotImplemented: type name 'NotImplemented', name() namespaced.
    node_name = "NotImplemented"

    def name(self) -> str:
        return "torch::autograd::NotImplemented"
    aten = "aten::floor_divide"
    inputs = ("self", "other")
    out_dtype = None

    def forward(self, a, b):
        _check_int_divisor(a, b, "div_floor_cpu")
        with np.errstate(divide="ignore", invalid="ignore"):
            return _cast(np.floor_divide(a, b), self.out_dtype)

    def vjp(self, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")

    def jvp(self, tangents):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")

    def rule(self) -> str:
        return "no derivative (PyTorch raises on backward)"


class _Modulo(Op):
    """remainder / fmod: ``self − other · q`` where q is a rounded quotient (flat almost everywhere)."""

    abstract = True
    inputs = ("self", "other")
    out_dtype = None

    def _quotient(self, a: Tensor, b: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def vjp(self, grad):
        if self.num_tensor_inputs == 1:
            return (grad,)
        a, b = self.saved
        ga = sum_to(grad, a._data.shape) if _needs(self, 0) else None
        gb = sum_to(-grad * self._quotient(a, b), b._data.shape) if _needs(self, 1) else None
        return ga, gb

    def jvp(self, tangents):
        if self.num_tensor_inputs == 1:
            return tangents[0]
        ta, tb = tangents
        a, b = self.fw_inputs
        return _add(ta, -tb * self._quotient(a, b) if tb is not None else None)


def _check_int_divisor(a: np.ndarray, b: np.ndarray, kernel: str = "") -> None:
    if kernel and a.dtype == np.bool_ and b.dtype == np.bool_:
        # Two bool operands compute in bool, which has no kernel for these (numpy would use int8).
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and np.any(b == 0):
        raise RuntimeError("ZeroDivisionError")


class RemainderScalar(_Modulo):
    node_name = "RemainderBackward0"
    aten = "aten::remainder"
    inputs = ("self",)
    num_tensor_inputs = 1

    def forward(self, a):
        other = np.asarray(self.other)
        _check_int_divisor(a, other)
        return _cast(np.remainder(a, other), self.out_dtype or a.dtype)

    def rule(self) -> str:
        return "grad_self = grad"

    @staticmethod
    def samples():
        return [((np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]]),), {"other": 0.75})]


class Remainder(_Modulo):
    """Python's ``%``: the result takes the sign of the divisor."""

    node_name = "RemainderBackward1"
    aten = "aten::remainder"
    saves = ("self", "other")
    num_tensor_inputs = 2

    def forward(self, a, b):
        _check_int_divisor(a, b, "remainder_cpu")
        return _cast(np.remainder(a, b), self.out_dtype)

    def _quotient(self, a, b):
        # PyTorch's formula reads self.div(other, rounding_mode="floor"), recorded under create_graph
        return a.div(b, rounding_mode="floor")

    def rule(self) -> str:
        return "grad_self = grad;  grad_other = −grad · floor(self / other)"

    @staticmethod
    def samples():
        a = np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]])
        b = np.array([[0.7, -0.5, 0.45], [0.9, 0.65, -0.35]])
        return [((a, b), {})]


class FmodScalar(_Modulo):
    node_name = "FmodBackward0"
    aten = "aten::fmod"
    inputs = ("self",)
    num_tensor_inputs = 1

    def forward(self, a):
        other = np.asarray(self.other)
        _check_int_divisor(a, other)
        return _cast(np.fmod(a, other), self.out_dtype or a.dtype)

    def rule(self) -> str:
        return "grad_self = grad"

    @staticmethod
    def samples():
        return [((np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]]),), {"other": 0.75})]


class Fmod(_Modulo):
    """C's ``fmod``: the result takes the sign of the dividend."""

    node_name = "FmodBackward1"
    aten = "aten::fmod"
    saves = ("self", "other")
    num_tensor_inputs = 2

    def forward(self, a, b):
        _check_int_divisor(a, b, "fmod_cpu")
        return _cast(np.fmod(a, b), self.out_dtype)

    def _quotient(self, a, b):
        # PyTorch's formula reads self.div(other, rounding_mode="trunc"), recorded under create_graph
        return a.div(b, rounding_mode="trunc")

    def rule(self) -> str:
        return "grad_self = grad;  grad_other = −grad · trunc(self / other)"

    @staticmethod
    def samples():
        a = np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]])
        b = np.array([[0.7, -0.5, 0.45], [0.9, 0.65, -0.35]])
        return [((a, b), {})]


def _modulo_call(scalar_cls, tensor_cls, input, other, inplace: bool) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
        return _promoted(tensor_cls, input, other)
    if isinstance(other, Tensor):
        if inplace:
            return tensor_cls.apply_(input, other)
        return _promoted(tensor_cls, input, other)
    params = {"other": other}
    dt = promote(input, wrap(other, input))
    if dt is not None:
        params["out_dtype"] = dt
    return scalar_cls.apply_(input, **params) if inplace else scalar_cls.apply(input, **params)


@public(method=True)
def remainder(input, other) -> Tensor:
    """Python-style modulus (sign of the divisor), like ``%``."""
    return _modulo_call(RemainderScalar, Remainder, input, other, False)


@public(method=True)
def fmod(input, other) -> Tensor:
    """C-style modulus (sign of the dividend)."""
    return _modulo_call(FmodScalar, Fmod, input, other, False)


@method("remainder_")
def remainder_(self, other) -> Tensor:
    return _modulo_call(RemainderScalar, Remainder, self, other, True)


@method("fmod_")
def fmod_(self, other) -> Tensor:
    return _modulo_call(FmodScalar, Fmod, self, other, True)


@public(method=True)
def floor_divide(input, other) -> Tensor:
    """Division rounded down (``//``); it has no gradient in PyTorch."""
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    return _promoted(FloorDivide, input, other)


@method("floor_divide_")
def floor_divide_(self, other) -> Tensor:
    if not isinstance(other, Tensor):
        other = wrap(other, self)
    return FloorDivide.apply_(self, other)


Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = lambda self, other: floor_divide(wrap(other, self), self)
Tensor.__ifloordiv__ = floor_divide_
Tensor.__mod__ = remainder
Tensor.__rmod__ = lambda self, other: remainder(wrap(other, self), self)
Tensor.__imod__ = remainder_
