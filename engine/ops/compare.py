"""Comparisons and other results without a gradient, plus ``where`` (which has one)."""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op, broadcast_error
from .._state import PROFILER
from .._tensor import Tensor, _make
from ._util import promote, sum_to, wrap


def _nondiff(aten: str, fn, *tensors: Tensor) -> Tensor:
    """Run a numpy function whose result carries no gradient (comparisons, isnan, ...)."""
    prof = PROFILER[0]
    if prof is not None:
        token = prof._op_start(aten, tensors)
    try:
        out = _make(np.asarray(fn(*[t._data for t in tensors])))
    except ValueError:  # shapes that do not broadcast: PyTorch's message, as Op.apply gives it
        raise RuntimeError(broadcast_error([t._data.shape for t in tensors]) or "shape mismatch") from None
    if prof is not None:
        prof._op_end(token)
    return out


def _comparison(name: str, ufunc):
    aten = f"aten::{name}"

    def compare(input, other):
        if not isinstance(input, Tensor):
            input = wrap(input, other)
        if not isinstance(other, Tensor):
            other = wrap(other, input)
        return _nondiff(aten, ufunc, input, other)

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"Elementwise ``{name}``: a bool tensor, never part of the graph."
    return compare


eq = public("eq", method=True)(_comparison("eq", np.equal))
ne = public("ne", method=True)(_comparison("ne", np.not_equal))
lt = public("lt", method=True)(_comparison("lt", np.less))
le = public("le", method=True)(_comparison("le", np.less_equal))
gt = public("gt", method=True)(_comparison("gt", np.greater))
ge = public("ge", method=True)(_comparison("ge", np.greater_equal))
public("greater", method=True)(gt)
public("less", method=True)(lt)
public("greater_equal", method=True)(ge)
public("less_equal", method=True)(le)
public("not_equal", method=True)(ne)
logical_and = public("logical_and", method=True)(_comparison("logical_and", np.logical_and))
logical_or = public("logical_or", method=True)(_comparison("logical_or", np.logical_or))
logical_xor = public("logical_xor", method=True)(_comparison("logical_xor", np.logical_xor))



def _equality_operator(compare):
    """``tensor == other``: for a non-number (a tuple, a list, None) PyTorch's operator gives up and
    Python falls back to identity (``False`` for ==, ``True`` for !=); ``torch.eq`` itself raises."""

    def operator(self, other):
        if not isinstance(other, (Tensor, bool, int, float, complex, np.ndarray, np.generic)):
            return NotImplemented
        return compare(self, other)

    operator.__name__ = operator.__qualname__ = f"__{compare.__name__}__"
    return operator


Tensor.__eq__ = _equality_operator(eq)
Tensor.__ne__ = _equality_operator(ne)
Tensor.__lt__ = lt
Tensor.__le__ = le
Tensor.__gt__ = gt
Tensor.__ge__ = ge
Tensor.__hash__ = object.__hash__


def _bitwise(ufunc, name):
    def op(self, other):
        if not isinstance(other, Tensor):
            other = wrap(other, self)
        return _nondiff(f"aten::{name}", ufunc, self, other)

    return op


Tensor.__and__ = _bitwise(np.bitwise_and, "bitwise_and")
Tensor.__or__ = _bitwise(np.bitwise_or, "bitwise_or")
Tensor.__xor__ = _bitwise(np.bitwise_xor, "bitwise_xor")
Tensor.__invert__ = lambda self: _nondiff("aten::bitwise_not", np.invert, self)


@public(method=True)
def logical_not(input):
    return _nondiff("aten::logical_not", np.logical_not, input)


@public(method=True)
def isnan(input):
    return _nondiff("aten::isnan", np.isnan, input)


@public(method=True)
def isinf(input):
    return _nondiff("aten::isinf", np.isinf, input)


@public(method=True)
def isfinite(input):
    return _nondiff("aten::isfinite", np.isfinite, input)


@public(method=True)
def equal(input, other) -> bool:
    return input._data.shape == other._data.shape and bool(np.array_equal(input._data, other._data))


@public(method=True)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


@public(method=True)
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    if not isinstance(other, Tensor):
        other = wrap(other, input)
    return _make(np.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


class Where(Op):
    """``where(condition, self, other)``; the condition is not an input of the node (no gradient)."""

    node_name = "WhereBackward0"
    aten = "aten::where"
    inputs = ("self", "other")
    out_dtype = None

    def forward(self, a, b):
        out = np.where(self.condition, a, b)
        return out if self.out_dtype is None else out.astype(self.out_dtype, copy=False)

    def vjp(self, grad):
        (sa, _), (sb, _) = self._in_meta
        cond = _make(self.condition)
        # A constant zero, not grad * 0: an inf/nan gradient must not leak into the unselected branch.
        zero = _make(np.zeros((), dtype=grad._data.dtype))
        ra, rb = self.next_functions
        ga = sum_to(where(cond, grad, zero), sa) if ra[0] is not None else None
        gb = sum_to(where(cond, zero, grad), sb) if rb[0] is not None else None
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        cond = _make(self.condition)
        ref = self.fw_result
        ta = ta if ta is not None else ref * 0
        tb = tb if tb is not None else ref * 0
        return where(cond, ta, tb)

    def rule(self) -> str:
        return "grad_self = grad where condition else 0;  grad_other = grad where not condition"

    @staticmethod
    def samples():
        rng = np.random.default_rng(0)
        return [((rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))), {"condition": rng.uniform(size=(2, 3)) > 0.5})]


@method("where")
def _where_method(self, condition, other):
    """``x.where(cond, y)``: the tensor itself is the value where cond holds (torch.where(cond, x, y))."""
    return where(condition, self, other)


@public()
def where(condition, input=None, other=None):
    if input is None and other is None:
        return tuple(_make(ix) for ix in np.nonzero(condition._data))
    if not isinstance(input, Tensor):
        input = wrap(input, other) if isinstance(other, Tensor) else _make(np.asarray(input, dtype=np.float32))
    if not isinstance(other, Tensor):
        other = wrap(other, input)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {condition.dtype.name.capitalize()}")
    dt = promote(input, other)
    if dt is not None:
        return Where.apply(input, other, condition=cond, out_dtype=dt)
    return Where.apply(input, other, condition=cond)
