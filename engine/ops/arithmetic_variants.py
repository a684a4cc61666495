"""Elementwise arithmetic, the variants: reversed subtraction (tensor and Scalar overloads), division
with a rounding mode, ``tensor ** tensor`` and ``number ** tensor`` -- each PyTorch node of its own.
"""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._tensor import Tensor, _make
from ._samples import sampler
from ._util import float_dtype_for, sum_to
from .arithmetic_core import _add_tangents, _Binary
from .compare import where

_rand = sampler(low=0.5, high=1.5)


class Rsub(_Binary):
    """``torch.rsub(tensor, tensor)``: other - alpha · self (the Scalar overload is RsubScalar)."""

    node_name = "RsubBackward0"
    aten = "aten::rsub"
    alpha = 1

    def forward(self, a, b):
        return self._cast(b - a if self.alpha == 1 else b - self.alpha * a)

    def vjp(self, grad):
        (sa, _), (sb, _) = self._in_meta
        ra, rb = self.next_functions
        ga = sum_to(-grad if self.alpha == 1 else grad * -self.alpha, sa) if ra[0] is not None else None
        gb = sum_to(grad, sb) if rb[0] is not None else None
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        if ta is not None:
            ta = -ta if self.alpha == 1 else ta * -self.alpha
        return _add_tangents(ta, tb)

    def rule(self) -> str:
        return "grad_self = −grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {})]


class RsubScalar(Op):
    """``number - tensor`` and ``torch.rsub(tensor, number)``: one tensor input, like PyTorch's Scalar overload."""

    node_name = "RsubBackward1"
    aten = "aten::rsub"
    inputs = ("self",)
    alpha = 1
    out_dtype = None

    def forward(self, a):
        out = self.other - (a if self.alpha == 1 else self.alpha * a)
        return out if self.out_dtype is None or out.dtype == self.out_dtype else out.astype(self.out_dtype)

    def vjp(self, grad):
        return (-grad if self.alpha == 1 else grad * -self.alpha,)

    def jvp(self, tangents):
        return -tangents[0] if self.alpha == 1 else tangents[0] * -self.alpha

    def rule(self) -> str:
        return "grad_input = −alpha · grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"other": np.array(2.0)}), ((_rand(3),), {"other": np.array(1.5), "alpha": 2.0})]


class DivRounding(_Binary):
    """``div(a, b, rounding_mode="trunc" | "floor")`` (DivBackward2, for a number b too).

    derivatives.yaml gives both inputs ``grad * 0``: flat almost everywhere, and differentiable (the
    floor_divide op, by contrast, has no derivative at all).
    """

    node_name = "DivBackward2"
    aten = "aten::div"
    rounding_mode = "trunc"

    def forward(self, a, b):
        if a.dtype.kind in "iub" and b.dtype.kind in "iub" and np.any(b == 0):
            raise RuntimeError("ZeroDivisionError")
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.rounding_mode == "floor":
                out = np.floor_divide(a, b)
            elif a.dtype.kind == "f" or b.dtype.kind == "f":
                out = np.trunc(np.true_divide(a, b))
            else:  # integer division rounded toward zero
                q = np.floor_divide(a, b)
                out = q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))
        return self._cast(np.asarray(out))

    def vjp(self, grad):
        (sa, _), (sb, _) = self._in_meta
        ra, rb = self.next_functions
        zero = grad * 0
        return (sum_to(zero, sa) if ra[0] is not None else None, sum_to(zero, sb) if rb[0] is not None else None)

    def jvp(self, tangents):
        return self.fw_result * 0

    def rule(self) -> str:
        return f"grad_self = grad_other = grad · 0   ({self.rounding_mode}-rounded quotient)"

    @staticmethod
    def samples():
        a = np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]])
        b = np.array([[0.7, -0.5, 0.45], [0.9, 0.65, -0.35]])
        return [((a, b), {}), ((a, b), {"rounding_mode": "floor"})]


def _int_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer ``a ** b`` with negative exponents as PyTorch computes them (numpy refuses): 1 and -1
    keep their powers, every other base (0 included) gives 0."""
    out = np.power(a, np.where(b < 0, 0, b))
    neg_pow = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(b < 0, neg_pow, out).astype(out.dtype, copy=False)


class Pow(_Binary):
    """``tensor ** tensor``."""

    node_name = "PowBackward1"
    aten = "aten::pow"
    inputs = ("self", "exponent")
    saves = ("self", "exponent")
    saves_result = True

    def forward(self, a, b):
        if a.dtype == np.bool_ and b.dtype == np.bool_:
            raise NotImplementedError('"pow" not implemented for \'Bool\'')  # numpy would give int8
        if b.dtype.kind in "iub" and a.dtype.kind in "iub" and np.any(b < 0):
            return self._cast(_int_power(a, b))
        return self._cast(np.power(a, b))

    def vjp(self, grad):
        a, b = self.saved
        ra, rb = self.next_functions
        ga = gb = None
        if ra[0] is not None:
            # PyTorch's pow_backward_self: where(exponent == 0, 0, grad * (exponent * self^(exponent-1))),
            # so 0 ** 0 has gradient 0, not 0 * inf = nan (and the node is WhereBackward0).
            full = grad * (b * a ** (b - 1))
            zero_exp = _make(np.broadcast_to(b._data == 0, full._data.shape))
            full = where(zero_exp, _make(np.zeros((), full._data.dtype)), full)
            ga = sum_to(full, a._data.shape)
        if rb[0] is not None:
            r = self.result
            # PyTorch masks the log(0) term where the base is 0 so 0**b has a finite gradient.
            gb = sum_to(grad * r * where_positive_log(a), b._data.shape)
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        a, b = self.fw_inputs
        r = self.fw_result
        return _add_tangents(
            ta * b * a ** (b - 1) if ta is not None else None,
            tb * r * where_positive_log(a) if tb is not None else None,
        )

    def rule(self) -> str:
        return "grad_self = grad · exponent · self^(exponent−1);  grad_exponent = grad · result · ln(self)"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {})]


class RPow(Op):
    """``number ** tensor``."""

    node_name = "PowBackward2"
    aten = "aten::pow"
    inputs = ("exponent",)
    saves_result = True

    def forward(self, b):
        base = self.base
        return np.power(np.asarray(base, dtype=float_dtype_for(b)), b)

    def vjp(self, grad):
        return (grad * self.result * float(np.log(self.base)),)

    def jvp(self, tangents):
        return tangents[0] * self.fw_result * float(np.log(self.base))

    def rule(self) -> str:
        return f"grad_exponent = grad · result · ln({self.base})"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"base": 2.5})]


def where_positive_log(a: Tensor) -> Tensor:
    return where(a > 0, a.log(), a * 0)
