"""Elementwise two-and-more-argument math: maximum/minimum, clamp, remainder/fmod, floor_divide, lerp,
addcmul/addcdiv, and the ``//`` and ``%`` operators.

Piecewise ops (maximum, clamp, ...) differentiate through constant masks computed from the saved
inputs, so their rules are ``grad · mask`` in engine ops and double backward works.
"""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op
from .._tensor import Tensor, _make
from ._util import promote, promote_all, sum_to, wrap
from ._samples import sampler


_rand = sampler()


def _const(mask: np.ndarray, like: Tensor) -> Tensor:
    """A 0/1 (or weight) array as a no-grad tensor of ``like``'s dtype."""
    return _make(np.asarray(mask, dtype=like._data.dtype))


def _cast(out: np.ndarray, dt) -> np.ndarray:
    return out if dt is None or out.dtype == dt else out.astype(dt)


def _gate(grad: Tensor, keep: np.ndarray) -> Tensor:
    """``grad`` where ``keep`` holds, else 0, selected (``where``) rather than multiplied by a 0/1 mask,
    as PyTorch's rules do: an inf/nan gradient from downstream (``sqrt_`` at 0) must not turn into
    nan where the input received no gradient (inf · 0 = nan, ``where`` gives 0)."""
    from .indexing import _zero_where

    return _zero_where(~np.asarray(keep, dtype=bool), grad)


def _needs(node: Op, i: int) -> bool:
    return node.next_functions[i][0] is not None


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


# ---- maximum / minimum -----------------------------------------------------------------------------


class _Extremum(Op):
    """Elementwise max/min of two tensors. Ties split the gradient in half between both, as PyTorch does."""

    abstract = True
    inputs = ("self", "other")
    saves = ("self", "other")
    out_dtype = None
    smooth = False

    def _wins(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _weights(self, a: Tensor, b: Tensor, like: Tensor):
        ad, bd = a._data, b._data
        w = np.where(self._wins(ad, bd), 1.0, np.where(ad == bd, 0.5, 0.0))
        return _const(w, like), _const(1.0 - w, like)

    def vjp(self, grad):
        # derivatives.yaml: where(self == other, grad / 2, grad).masked_fill_(self loses, 0) for each
        # side. NaN compares false both ways, so both inputs get the full gradient there, as in PyTorch.
        a, b = self.saved
        ad, bd = a._data, b._data
        tie = ad == bd
        if tie.any():
            from .compare import where

            grad = where(_make(np.asarray(tie)), grad / 2, grad)
        ga = sum_to(_gate(grad, ~self._wins(bd, ad)), ad.shape) if _needs(self, 0) else None
        gb = sum_to(_gate(grad, ~self._wins(ad, bd)), bd.shape) if _needs(self, 1) else None
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        a, b = self.fw_inputs
        wa, wb = self._weights(a, b, self.fw_result)
        return _add(ta * wa if ta is not None else None, tb * wb if tb is not None else None)

    @staticmethod
    def samples():
        a, b = _rand(2, 3), _rand(2, 3, seed=1)
        return [((a, b), {}), ((_rand(2, 3), _rand(3, seed=4)), {})]


class Maximum(_Extremum):
    node_name = "MaximumBackward0"
    aten = "aten::maximum"

    def forward(self, a, b):
        return _cast(np.maximum(a, b), self.out_dtype)

    def _wins(self, a, b):
        return a > b

    def rule(self) -> str:
        return "grad_self = grad · [self > other] (½ on ties);  grad_other = grad · [other > self] (½ on ties)"


class Minimum(_Extremum):
    node_name = "MinimumBackward0"
    aten = "aten::minimum"

    def forward(self, a, b):
        return _cast(np.minimum(a, b), self.out_dtype)

    def _wins(self, a, b):
        return a < b

    def rule(self) -> str:
        return "grad_self = grad · [self < other] (½ on ties);  grad_other = grad · [other < self] (½ on ties)"


def _promoted(cls, a: Tensor, b, **params) -> Tensor:
    if not isinstance(b, Tensor):
        b = wrap(b, a)
    dt = promote(a, b)
    if dt is not None:
        params["out_dtype"] = dt
    return cls.apply(a, b, **params)


@public(method=True)
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum (NaN propagates)."""
    _require_tensor("maximum", other, "other")
    return _promoted(Maximum, input, other)


@public(method=True)
def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum (NaN propagates)."""
    _require_tensor("minimum", other, "other")
    return _promoted(Minimum, input, other)


def _require_tensor(fn: str, value, name: str) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be Tensor, not {type(value).__name__}")


# ---- clamp -----------------------------------------------------------------------------------------


class _ClampScalar(Op):
    """Clamp with number bounds: one input; the gradient passes where the bound did not bite.

    PyTorch lets the gradient through at the bounds themselves (``min <= x <= max``).
    """

    abstract = True
    saves = ("self",)
    min = None
    max = None
    smooth = False

    def forward(self, x):
        lo, hi = self.min, self.max
        dt = x.dtype
        if dt.kind != "f" and (isinstance(lo, float) or isinstance(hi, float)):
            from .. import _dtype

            dt = _dtype.DEFAULTS.float_dtype.numpy
        out = x.astype(dt, copy=False)
        if lo is not None:
            out = np.maximum(out, np.asarray(lo, dtype=dt))
        if hi is not None:
            out = np.minimum(out, np.asarray(hi, dtype=dt))
        # np.maximum keeps NaN like PyTorch; copy so the result never aliases the input
        return out if out is not x else out.copy()

    def _mask(self, x: Tensor, like: Tensor) -> Tensor:
        xd = x._data
        keep = np.ones(xd.shape, dtype=bool)
        if self.min is not None:
            keep &= xd >= self.min
        if self.max is not None:
            keep &= xd <= self.max
        return _const(keep, like)

    def vjp(self, grad):
        (x,) = self.saved
        return (_gate(grad, self._mask(x, grad)._data != 0),)

    def jvp(self, tangents):
        return tangents[0] * self._mask(self.fw_inputs[0], self.fw_result)

    def rule(self) -> str:
        return f"grad_input = grad · [{self.min} ≤ input ≤ {self.max}]"


class Clamp(_ClampScalar):
    node_name = "ClampBackward1"
    aten = "aten::clamp"

    @staticmethod
    def samples():
        x = np.array([[-0.9, -0.3, 0.2], [0.45, 0.7, 1.3]])
        return [((x,), {"min": -0.5, "max": 0.5}), ((x,), {"min": 0.0}), ((x,), {"max": 0.1})]


class ClampMin(_ClampScalar):
    node_name = "ClampMinBackward0"
    aten = "aten::clamp_min"

    @staticmethod
    def samples():
        return [((np.array([[-0.9, -0.3, 0.2], [0.45, 0.7, 1.3]]),), {"min": 0.1})]


class ClampMax(_ClampScalar):
    node_name = "ClampMaxBackward0"
    aten = "aten::clamp_max"

    @staticmethod
    def samples():
        return [((np.array([[-0.9, -0.3, 0.2], [0.45, 0.7, 1.3]]),), {"max": 0.1})]


class ClampTensor(Op):
    """``clamp(self, min, max)`` with tensor bounds: three edges (an absent bound is a ``(None, 0)`` edge).

    The gradient goes to ``self`` where it is inside the bounds, to ``min`` where self < min and to
    ``max`` where self > max.
    """

    node_name = "ClampBackward0"
    aten = "aten::clamp"
    inputs = ("self", "min", "max")
    saves = ("self", "min", "max")
    has_min = True
    has_max = True
    out_dtype = None
    smooth = False

    def forward(self, x, lo, hi):
        out = x
        if self.has_min:
            out = np.maximum(out, lo)
        if self.has_max:
            out = np.minimum(out, hi)
        out = _cast(np.asarray(out), self.out_dtype)
        return out.copy() if out is x else out

    def _masks(self, x: Tensor, lo: Tensor, hi: Tensor, like: Tensor):
        # PyTorch's clamp_backward_min_max predicates: NaN in self sends no gradient anywhere, and with
        # min > max (the result is max everywhere) max takes the gradient, min none.
        xd, lod, hid = x._data, lo._data, hi._data
        shape = np.broadcast_shapes(xd.shape, lod.shape, hid.shape)
        inside = np.ones(shape, dtype=bool)
        below = np.zeros(shape, dtype=bool)
        above = np.zeros(shape, dtype=bool)
        if self.has_min:
            inside = inside & (xd >= lod)
            below = xd < lod
        if self.has_max:
            inside = inside & (xd <= hid)
            above = xd > hid
        if self.has_min and self.has_max:
            below = below & (lod < hid)
            above = above | (hid < lod)
        below, above = np.broadcast_to(below, shape), np.broadcast_to(above, shape)
        return _const(inside, like), _const(below, like), _const(above, like)

    def vjp(self, grad):
        x, lo, hi = self.saved
        inside, below, above = (m._data != 0 for m in self._masks(x, lo, hi, grad))
        return (
            sum_to(_gate(grad, inside), x._data.shape) if _needs(self, 0) else None,
            sum_to(_gate(grad, below), lo._data.shape) if _needs(self, 1) else None,
            sum_to(_gate(grad, above), hi._data.shape) if _needs(self, 2) else None,
        )

    def jvp(self, tangents):
        x, lo, hi = self.fw_inputs
        masks = self._masks(x, lo, hi, self.fw_result)
        out = None
        for t, m in zip(tangents, masks):
            if t is not None:
                out = _add(out, t * m)
        return out

    def rule(self) -> str:
        return "grad_self = grad · [min ≤ self ≤ max];  grad_min = grad · [self < min];  grad_max = grad · [self > max]"

    @staticmethod
    def samples():
        x, lo = _rand(2, 3), _rand(2, 3, seed=2) - 0.3
        hi = lo + 0.8
        return [((x, lo, hi), {}), ((x, lo, np.zeros(())), {"has_max": False})]


class _ClampBoundTensor(Op):
    """clamp_min / clamp_max with a tensor bound: ClampMinBackward1 / ClampMaxBackward1."""

    abstract = True
    inputs = ("self", "other")
    saves = ("self", "other")
    out_dtype = None
    smooth = False

    def _self_wins(self, x, bound):  # pragma: no cover - abstract
        raise NotImplementedError

    def _masks(self, x: Tensor, bound: Tensor, like: Tensor):
        shape = np.broadcast_shapes(x._data.shape, bound._data.shape)
        keep = np.broadcast_to(self._self_wins(x._data, bound._data), shape)
        # The bound's share is its own comparison, not ~keep: at a NaN self neither gets a gradient.
        clamped = np.broadcast_to(self._self_wins(bound._data, x._data) & (x._data != bound._data), shape)
        return _const(keep, like), _const(clamped, like)

    def vjp(self, grad):
        x, bound = self.saved
        keep, clamped = (m._data != 0 for m in self._masks(x, bound, grad))
        return (
            sum_to(_gate(grad, keep), x._data.shape) if _needs(self, 0) else None,
            sum_to(_gate(grad, clamped), bound._data.shape) if _needs(self, 1) else None,
        )

    def jvp(self, tangents):
        tx, tb = tangents
        x, bound = self.fw_inputs
        keep, clamped = self._masks(x, bound, self.fw_result)
        return _add(tx * keep if tx is not None else None, tb * clamped if tb is not None else None)

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3, seed=3)), {}), ((_rand(2, 3), _rand(3, seed=5)), {})]


class ClampMinTensor(_ClampBoundTensor):
    node_name = "ClampMinBackward1"
    aten = "aten::clamp_min"

    def forward(self, x, bound):
        return _cast(np.maximum(x, bound), self.out_dtype)

    def _self_wins(self, x, bound):
        return x >= bound

    def rule(self) -> str:
        return "grad_self = grad · [self ≥ min];  grad_min = grad · [self < min]"


class ClampMaxTensor(_ClampBoundTensor):
    node_name = "ClampMaxBackward1"
    aten = "aten::clamp_max"

    def forward(self, x, bound):
        return _cast(np.minimum(x, bound), self.out_dtype)

    def _self_wins(self, x, bound):
        return x <= bound

    def rule(self) -> str:
        return "grad_self = grad · [self ≤ max];  grad_max = grad · [self > max]"


def _clamp_call(input: Tensor, min, max, inplace: bool) -> Tensor:
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        lo = min if isinstance(min, Tensor) or min is None else wrap(min, input)
        hi = max if isinstance(max, Tensor) or max is None else wrap(max, input)
        params: dict = {}
        if lo is None:
            params["has_min"] = False
        if hi is None:
            params["has_max"] = False
        # PyTorch's promotion over self and the given bounds only (an absent bound's placeholder
        # must not take part: a 0-d float64 self clamped by a float32 tensor is float32).
        dt = promote_all(input, *[b for b in (lo, hi) if b is not None]) or input._data.dtype
        placeholder = _make(np.zeros((), dtype=input._data.dtype))
        lo = placeholder if lo is None else lo
        hi = placeholder if hi is None else hi
        # Always cast: numpy's maximum(float32, int64 0-d bound) is float64, PyTorch's float32.
        params["out_dtype"] = dt
        if inplace:
            return ClampTensor.apply_(input, lo, hi, **params)
        return ClampTensor.apply(input, lo, hi, **params)
    if input._data.dtype.kind in "biu":
        # bool/int input, wider number bounds: PyTorch promotes (see _bound_call); no gradient involved.
        # In place, the promoted result cannot be cast back ("result type Long can't be cast ...").
        lo = None if min is None else wrap(min, input)
        hi = None if max is None else wrap(max, input)
        if any(b is not None and promote(input, b) is not None for b in (lo, hi)):
            return _clamp_call(input, lo, hi, inplace=inplace)
    params = {}
    if min is not None:
        params["min"] = min.item() if isinstance(min, np.generic) else min
    if max is not None:
        params["max"] = max.item() if isinstance(max, np.generic) else max
    return Clamp.apply_(input, **params) if inplace else Clamp.apply(input, **params)


@public(method=True)
def clamp(input: Tensor, min=None, max=None) -> Tensor:
    """Limit every element to ``[min, max]``; bounds may be numbers (ClampBackward1) or tensors (ClampBackward0)."""
    return _clamp_call(input, min, max, inplace=False)


@public(method=True)
def clamp_(input: Tensor, min=None, max=None) -> Tensor:
    return _clamp_call(input, min, max, inplace=True)


public("clip", method=True)(clamp)
public("clip_", method=True)(clamp_)


def _bound_call(scalar_cls, tensor_cls, input: Tensor, bound, key: str, inplace: bool) -> Tensor:
    if isinstance(bound, Tensor):
        if inplace:
            return tensor_cls.apply_(input, bound)
        return _promoted(tensor_cls, input, bound)
    if input._data.dtype.kind in "biu":
        # A bool/int tensor with a wider number promotes (True.clamp_max(0) is int64, clamp_max(0.5)
        # float); such inputs never need a gradient, so the tensor form gives the same graph. In place,
        # the promoted result cannot be cast back, and _write_into raises PyTorch's error.
        wrapped = wrap(bound, input)
        dt = promote(input, wrapped)
        if dt is not None:
            if inplace:
                return tensor_cls.apply_(input, wrapped, out_dtype=dt)
            return _promoted(tensor_cls, input, wrapped)
    call = scalar_cls.apply_ if inplace else scalar_cls.apply
    return call(input, **{key: bound})


@public(method=True)
def clamp_min(input: Tensor, min) -> Tensor:
    return _bound_call(ClampMin, ClampMinTensor, input, min, "min", False)


@public(method=True)
def clamp_max(input: Tensor, max) -> Tensor:
    return _bound_call(ClampMax, ClampMaxTensor, input, max, "max", False)


@public(method=True)
def clamp_min_(input: Tensor, min) -> Tensor:
    return _bound_call(ClampMin, ClampMinTensor, input, min, "min", True)


@public(method=True)
def clamp_max_(input: Tensor, max) -> Tensor:
    return _bound_call(ClampMax, ClampMaxTensor, input, max, "max", True)


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


# ---- lerp, addcmul, addcdiv ------------------------------------------------------------------------


def _lerp_forward(a, b, w):
    # PyTorch's formula: from the end nearer to the weight, so lerp(a, b, 1) is exactly b.
    return np.where(np.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))


class LerpScalar(Op):
    node_name = "LerpBackward0"
    aten = "aten::lerp"
    inputs = ("self", "end")

    def forward(self, a, b):
        w = self.weight
        return np.asarray(_lerp_forward(a, b, np.asarray(w, dtype=a.dtype))).astype(np.result_type(a, b), copy=False)

    def vjp(self, grad):
        (sa, _), (sb, _) = self._in_meta
        w = self.weight
        ga = sum_to(grad * (1 - w), sa) if _needs(self, 0) else None
        gb = sum_to(grad * w, sb) if _needs(self, 1) else None
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        w = self.weight
        return _add(ta * (1 - w) if ta is not None else None, tb * w if tb is not None else None)

    def rule(self) -> str:
        return f"grad_self = grad · (1 − {self.weight});  grad_end = grad · {self.weight}"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3, seed=6)), {"weight": 0.3}), ((_rand(2, 3), _rand(3, seed=6)), {"weight": 0.8})]


class Lerp(Op):
    node_name = "LerpBackward1"
    aten = "aten::lerp"
    inputs = ("self", "end", "weight")
    saves = ("self", "end", "weight")

    def forward(self, a, b, w):
        return np.asarray(_lerp_forward(a, b, w))

    def vjp(self, grad):
        a, b, w = self.saved
        return (
            sum_to(grad * (1 - w), a._data.shape) if _needs(self, 0) else None,
            sum_to(grad * w, b._data.shape) if _needs(self, 1) else None,
            sum_to(grad * (b - a), w._data.shape) if _needs(self, 2) else None,
        )

    def jvp(self, tangents):
        ta, tb, tw = tangents
        a, b, w = self.fw_inputs
        out = ta * (1 - w) if ta is not None else None
        out = _add(out, tb * w if tb is not None else None)
        return _add(out, tw * (b - a) if tw is not None else None)

    def rule(self) -> str:
        return "grad_self = grad · (1 − weight);  grad_end = grad · weight;  grad_weight = grad · (end − self)"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3, seed=7), _rand(2, 3, low=0, high=1, seed=8)), {})]


@public(method=True)
def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """``input + weight · (end − input)``."""
    if isinstance(weight, Tensor):
        return Lerp.apply(input, end, weight)
    return LerpScalar.apply(input, end, weight=weight)


@method("lerp_")
def lerp_(self, end: Tensor, weight) -> Tensor:
    if isinstance(weight, Tensor):
        return Lerp.apply_(self, end, weight)
    return LerpScalar.apply_(self, end, weight=weight)


class Addcmul(Op):
    node_name = "AddcmulBackward0"
    aten = "aten::addcmul"
    inputs = ("self", "tensor1", "tensor2")
    saves = ("tensor1", "tensor2")
    value = 1
    saves_for = {"tensor1": ("tensor2",), "tensor2": ("tensor1",)}

    out_dtype = None

    def forward(self, x, t1, t2):
        out = x + self.value * (t1 * t2)
        return out if self.out_dtype is None else out.astype(self.out_dtype, copy=False)

    def vjp(self, grad):
        t1, t2 = self.saved
        v = self.value
        return (
            sum_to(grad, self._in_meta[0][0]) if _needs(self, 0) else None,
            sum_to(grad * t2 * v, t1._data.shape) if _needs(self, 1) else None,
            sum_to(grad * t1 * v, t2._data.shape) if _needs(self, 2) else None,
        )

    def jvp(self, tangents):
        tx, t1t, t2t = tangents
        _, t1, t2 = self.fw_inputs
        v = self.value
        out = _add(tx, t1t * t2 * v if t1t is not None else None)
        return _add(out, t2t * t1 * v if t2t is not None else None)

    def rule(self) -> str:
        return "grad_self = grad;  grad_tensor1 = grad · value · tensor2;  grad_tensor2 = grad · value · tensor1"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3, seed=9), _rand(3, seed=10)), {"value": 0.5})]


class Addcdiv(Op):
    node_name = "AddcdivBackward0"
    aten = "aten::addcdiv"
    inputs = ("self", "tensor1", "tensor2")
    saves = ("tensor1", "tensor2")
    value = 1
    saves_for = {"tensor1": ("tensor2",), "tensor2": ("tensor1", "tensor2")}

    out_dtype = None

    def forward(self, x, t1, t2):
        out = x + self.value * (t1 / t2)
        return out if self.out_dtype is None else out.astype(self.out_dtype, copy=False)

    def vjp(self, grad):
        t1, t2 = self.saved
        v = self.value
        return (
            sum_to(grad, self._in_meta[0][0]) if _needs(self, 0) else None,
            sum_to(grad * v / t2, t1._data.shape) if _needs(self, 1) else None,
            sum_to(-grad * v * t1 / (t2 * t2), t2._data.shape) if _needs(self, 2) else None,
        )

    def jvp(self, tangents):
        tx, t1t, t2t = tangents
        _, t1, t2 = self.fw_inputs
        v = self.value
        out = _add(tx, t1t * v / t2 if t1t is not None else None)
        return _add(out, -t2t * v * t1 / (t2 * t2) if t2t is not None else None)

    def rule(self) -> str:
        return "grad_self = grad;  grad_tensor1 = grad · value / tensor2;  grad_tensor2 = −grad · value · tensor1 / tensor2²"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3, seed=11), _rand(2, 3, low=0.5, high=1.5, seed=12)), {"value": 2.0})]


@public(method=True)
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value · tensor1 · tensor2``."""
    if not (isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and isinstance(input, Tensor)):
        return Addcmul.apply(input, tensor1, tensor2, value=value)  # Op.apply raises PyTorch's TypeError
    return Addcmul.apply(input, tensor1, tensor2, value=value, out_dtype=promote_all(input, tensor1, tensor2))


@public(method=True)
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value · tensor1 / tensor2``."""
    if not (isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor) and isinstance(input, Tensor)):
        return Addcdiv.apply(input, tensor1, tensor2, value=value)  # Op.apply raises PyTorch's TypeError
    return Addcdiv.apply(input, tensor1, tensor2, value=value, out_dtype=promote_all(input, tensor1, tensor2))


@method("addcmul_")
def addcmul_(self, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    return Addcmul.apply_(self, tensor1, tensor2, value=value)


@method("addcdiv_")
def addcdiv_(self, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    return Addcdiv.apply_(self, tensor1, tensor2, value=value)
