"""Bases for elementwise ops: declare the forward and the local derivative(s), get vjp and jvp.

A unary op writes ``d_input(x, result)`` (∂out/∂x, with engine ops so it can be differentiated
again); the base makes ``vjp = grad · d`` and ``jvp = tangent · d``. PyTorch writes some rules as a
division (``grad / (1 + x²)``): the gradient's node under create_graph is then ``DivBackward0``, so
such ops write ``denominator(x, result)`` instead, and the base divides in both modes.

A binary op writes ``d_self(a, b, result)`` and ``d_other(a, b, result)``; the base multiplies each
by the gradient, sums it back to that input's shape (broadcasting undone in ``sum_to``), skips the
inputs that need no gradient, and makes ``jvp = ṫa · d_self + ṫb · d_other``. With a shared
``denominator(a, b, result)`` the two are numerators: ``grad · d_self / denominator`` (PyTorch's
``grad * self / result`` for hypot, a DivBackward0 under create_graph) and
``jvp = (ṫa · d_self + ṫb · d_other) / denominator``; a shared ``scale(a, b, result)`` multiplies
instead (PyTorch's ``grad * other * recip`` for atan2). Either is computed once per backward.

``x``/``a``/``b`` are the saved inputs (``saves``), ``result`` the saved output (``saves_result``);
what is not saved arrives as None, so each op saves exactly what its PyTorch formula reads.
"""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._tensor import Tensor, _make
from ._util import sum_to
from .compare import where


def zero_where(mask: np.ndarray, grad: Tensor) -> Tensor:
    """``grad`` with the masked positions set to zero, as a differentiable ``where`` (WhereBackward0)."""
    return where(_make(mask), _make(np.zeros((), dtype=grad._data.dtype)), grad)


class Pointwise(Op):
    """An elementwise function of one tensor, from its local derivative."""

    abstract = True
    promote = "float"
    # Piecewise functions whose PyTorch kernel *selects* 0 in the flat region (threshold, shrink,
    # hardsigmoid): there an inf/nan incoming gradient gives 0, not inf · 0 = nan.
    selects_zero = False
    denominator = None

    def d_input(self, x: Tensor | None, result: Tensor | None) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.node_name} declares no local derivative")

    def vjp(self, grad):
        x = self.saved[0] if self.saves else None
        r = self.result if self.saves_result else None
        if self.denominator is not None:
            return (grad / self.denominator(x, r),)
        d = self.d_input(x, r)
        if self.selects_zero:
            return (zero_where(np.broadcast_to(d._data == 0, grad._data.shape), grad * d),)
        return (grad * d,)

    def jvp(self, tangents):
        x = self.fw_inputs[0] if self.saves else None
        r = self.fw_result if self.saves_result else None
        if self.denominator is not None:
            return tangents[0] / self.denominator(x, r)
        return tangents[0] * self.d_input(x, r)


class BinaryPointwise(Op):
    """An elementwise function of two broadcasting tensors, from its two partial derivatives."""

    abstract = True
    inputs = ("self", "other")
    saves = ("self", "other")
    promote = "binary"
    denominator = None
    scale = None

    def d_self(self, a: Tensor, b: Tensor, result: Tensor | None) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.node_name} declares no derivative for self")

    def d_other(self, a: Tensor, b: Tensor, result: Tensor | None) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError(f"{self.node_name} declares no derivative for other")

    def vjp(self, grad):
        a, b = self.saved
        r = self.result if self.saves_result else None
        ra, rb = self.next_functions
        (sa, _), (sb, _) = self._in_meta
        den = self.denominator(a, b, r) if self.denominator is not None else None
        scale = self.scale(a, b, r) if self.scale is not None else None
        ga = gb = None
        if ra[0] is not None:
            ga = sum_to(_shared(grad * self.d_self(a, b, r), den, scale), sa)
        if rb[0] is not None:
            gb = sum_to(_shared(grad * self.d_other(a, b, r), den, scale), sb)
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        a, b = self.fw_inputs
        r = self.fw_result if self.saves_result else None
        out = ta * self.d_self(a, b, r) if ta is not None else None
        if tb is not None:
            term = tb * self.d_other(a, b, r)
            out = term if out is None else out + term
        den = self.denominator(a, b, r) if self.denominator is not None else None
        return _shared(out, den, self.scale(a, b, r) if self.scale is not None else None)


def _shared(t: Tensor, den: Tensor | None, scale: Tensor | None) -> Tensor:
    """``t`` divided by the shared denominator / multiplied by the shared scale, when there is one."""
    if den is not None:
        t = t / den
    if scale is not None:
        t = t * scale
    return t
