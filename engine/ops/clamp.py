"""The clamp family: ``clamp``, ``clamp_min``, ``clamp_max`` (scalar or tensor bounds) and their in-place forms."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._api import public
from .._op import Op
from .._tensor import Tensor, _make
from ._math_util import _add, _cast, _const, _gate, _needs, _promoted
from ._samples import sampler
from ._util import promote, promote_all, sum_to, wrap

_rand = sampler()


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
