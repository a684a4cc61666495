"""In-place fills and copies: ``zero_``, ``fill_``, ``copy_`` and function forms like ``engine.neg_``."""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op
from .._tensor import Tensor, _make
from ._samples import sampler
from ._util import sum_to
from .arithmetic import PowScalar, Reciprocal
from .unary import ZeroGradient

_rand = sampler(seed=17)


# ---- in-place ops ---------------------------------------------------------------------------------------


class Zero(ZeroGradient):
    node_name = "ZeroBackward0"
    aten = "aten::zero_"
    fills = True  # one value everywhere: allowed into overlapping memory (an expand), as in PyTorch

    def forward(self, x):
        return np.zeros_like(x)

    def rule(self) -> str:
        return "grad_input = 0 (the old values no longer matter)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Fill(ZeroGradient):
    """``fill(x, number)`` (FillBackward0); ``x.fill_(number)`` records FillBackward2."""

    node_name = "FillBackward0"
    aten = "aten::fill"
    fills = True

    def forward(self, x):
        return np.full_like(x, self.value)

    def rule(self) -> str:
        return "grad_input = 0"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"value": 2.5})]


class FillTensor(Op):
    """``fill(x, value)`` with a 0-d tensor (FillBackward1; in place FillBackward3)."""

    node_name = "FillBackward1"
    aten = "aten::fill"
    fills = True
    inputs = ("self", "value")

    def forward(self, x, v):
        return np.full_like(x, v)

    def vjp(self, grad):
        rs, rv = self.next_functions
        return (grad * 0 if rs[0] is not None else None), (grad.sum() if rv[0] is not None else None)

    def jvp(self, tangents):
        tv = tangents[1]
        if tv is None:
            return self.fw_result * 0
        return tv.expand(self.fw_result._data.shape)

    def rule(self) -> str:
        return "grad_self = 0;  grad_value = sum(grad)"

    @staticmethod
    def samples():
        return [((_rand(2, 3), np.array(0.4)), {})]


class Copy(Op):
    """``self.copy_(src)``: src broadcast and cast into self's shape and dtype."""

    # PyTorch's node is a hand-written C++ class: its name() carries the namespace.
    node_name = "CopyBackwards"
    aten = "aten::copy_"
    inputs = ("self", "src")

    def name(self) -> str:
        return "torch::autograd::CopyBackwards"

    def forward(self, a, src):
        try:
            out = np.broadcast_to(src, a.shape)
        except ValueError:
            raise RuntimeError(_broadcast_message(a.shape, src.shape)) from None
        return out.astype(a.dtype, copy=True)

    def vjp(self, grad):
        rs, rsrc = self.next_functions
        g_self = grad * 0 if rs[0] is not None else None
        g_src = sum_to(grad, self._in_meta[1][0]) if rsrc[0] is not None else None
        return g_self, g_src

    def jvp(self, tangents):
        ts = tangents[1]
        if ts is None:
            return self.fw_result * 0
        return ts.expand(self.fw_result._data.shape)

    def rule(self) -> str:
        return "grad_self = 0;  grad_src = grad (summed over broadcast dims, cast to src's dtype)"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {}), ((_rand(2, 3), _rand(3)), {})]


class _CopyIntoItself(Copy):
    """``x.copy_(x)``: PyTorch records the copy (CopyBackwards, a version bump) and its kernel writes
    nothing, so it is allowed even into an expanded tensor (``fills`` lets the write through)."""

    abstract = True
    fills = True


def _broadcast_message(dst: tuple, src: tuple) -> str:
    n = max(len(dst), len(src))
    a = (1,) * (n - len(dst)) + tuple(dst)
    b = (1,) * (n - len(src)) + tuple(src)
    for d in range(n - 1, -1, -1):
        if a[d] != b[d] and b[d] != 1:
            return (
                f"The size of tensor a ({a[d]}) must match the size of tensor b ({b[d]}) at non-singleton "
                f"dimension {d}"
            )
    return f"output with shape {list(dst)} doesn't match the broadcast shape {list(src)}"


# ---- public functions ----------------------------------------------------------------------------------


@public(method=True)
def zero_(input: Tensor) -> Tensor:
    """Fill with zeros in place (ZeroBackward0)."""
    return Zero.apply_(input)


@public(method=True)
def fill_(input: Tensor, value) -> Tensor:
    """Fill with a number (FillBackward2) or a 0-d tensor (FillBackward3) in place."""
    if isinstance(value, Tensor):
        _check_fill_value(value)
        return FillTensor.apply_(input, value, node_name="FillBackward3")
    return Fill.apply_(input, value=value, node_name="FillBackward2")


@public()
def fill(input: Tensor, value) -> Tensor:
    if isinstance(value, Tensor):
        _check_fill_value(value)
        return FillTensor.apply(input, value)
    return Fill.apply(input, value=value)


def _check_fill_value(value: Tensor) -> None:
    if value._data.ndim != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
        )


@method("copy_")
def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into self (CopyBackwards; CopySlices on the base of a view)."""
    if isinstance(src, (bool, int, float)):
        # PyTorch's copy_ accepts a Python number (it becomes a 0-d tensor of self's dtype).
        src = _make(np.asarray(src, dtype=self._data.dtype))
    elif not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not {type(src).__name__}")
    if src is self:
        return _CopyIntoItself.apply_(self, src)
    return Copy.apply_(self, src)


def _function_form(name: str, method_name: str | None = None):
    """``engine.<name>(t)`` for an in-place method that exists only on Tensor so far (PyTorch has both)."""

    def inplace(input: Tensor, *args, **kwargs) -> Tensor:
        return getattr(input, method_name or name)(*args, **kwargs)

    inplace.__name__ = inplace.__qualname__ = name
    inplace.__doc__ = f"``input.{method_name or name}(...)`` as a function."
    return inplace


# PyTorch has torch.neg_ / negative_ / reciprocal_ / square_ as functions; the methods live elsewhere.
public("neg_")(_function_form("neg_"))
public("negative_", method=True)(_function_form("negative_", "neg_"))


@public(method=True)
def reciprocal_(input: Tensor) -> Tensor:
    return Reciprocal.apply_(input)


@public(method=True)
def square_(input: Tensor) -> Tensor:
    return PowScalar.apply_(input, exponent=2)
