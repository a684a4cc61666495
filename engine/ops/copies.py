"""Copies and dtype conversion: ``clone``, ``contiguous``, ``to``, ``float()``/``double()``/... (Clone, ToCopy)."""

from __future__ import annotations

import numpy as np

from .. import _dtype
from .._api import method, public
from .._memory_format import numpy_order
from .._op import Op
from .._tensor import Tensor, _make
from ._samples import sampler

_rand = sampler(seed=3)


def _preserving_copy(x: np.ndarray) -> np.ndarray:
    """A copy laid out as PyTorch's ``preserve_format`` lays it out: dense, its dims in the input's
    stride order (a transposed input stays transposed); C order when a dim is broadcast (stride 0)."""
    strides = [st for st, n in zip(x.strides, x.shape) if n > 1]
    if x.ndim < 2 or x.flags.c_contiguous or 0 in strides:
        return x.copy()
    order = sorted(range(x.ndim), key=lambda d: -abs(x.strides[d]) if x.shape[d] > 1 else 0)
    if order == list(range(x.ndim)):
        return x.copy()
    return np.ascontiguousarray(x.transpose(order)).transpose(np.argsort(order))


class Clone(Op):
    node_name = "CloneBackward0"
    aten = "aten::clone"
    order = "K"  # "K": PyTorch's preserve_format (clone's default); "C" for contiguous() and reshape

    def forward(self, x):
        return _preserving_copy(x) if self.order == "K" else x.copy()

    def vjp(self, grad):
        return (grad,)

    def jvp(self, tangents):
        return tangents[0].clone()

    def rule(self) -> str:
        return "grad_input = grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class ToCopy(Op):
    node_name = "ToCopyBackward0"
    aten = "aten::_to_copy"

    def forward(self, x):
        return x.astype(self.dtype.numpy)

    def vjp(self, grad):
        return (grad.to(_dtype.from_numpy(self._in_meta[0][1])),)

    def jvp(self, tangents):
        return tangents[0].to(self.dtype)

    def rule(self) -> str:
        return "grad_input = grad converted back to the input's dtype"


@public(method=True)
def clone(input, *, memory_format=None):
    return Clone.apply(input, order=numpy_order(memory_format))


@method("contiguous")
def contiguous(self, memory_format=None):
    if self._data.flags.c_contiguous:
        return self
    return Clone.apply(self, order="C")


@method("to")
def to(self, *args, dtype=None, **kwargs):
    """``to(dtype)`` (a ToCopyBackward0 node when the dtype changes); devices other than cpu raise."""
    for a in args:
        if isinstance(a, _dtype.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype = a.dtype
        elif a is not None and str(a) != "cpu":
            raise RuntimeError(f"engine runs on the CPU only; cannot move a tensor to {a!r}")
    device = kwargs.get("device")
    if device is not None and str(device) != "cpu":
        raise RuntimeError(f"engine runs on the CPU only; cannot move a tensor to {device!r}")
    if dtype is None or _dtype.from_numpy(self._data.dtype) is dtype:
        return self
    if not dtype.is_floating_point and self._requires_grad:
        return _make(self._data.astype(dtype.numpy))
    return ToCopy.apply(self, dtype=dtype)


def _caster(dt):
    def cast(self, memory_format=None):
        return to(self, dt)

    return cast


for _name, _dt in {
    "float": _dtype.float32, "double": _dtype.float64, "half": _dtype.float16, "long": _dtype.int64,
    "int": _dtype.int32, "bool": _dtype.bool_, "short": _dtype.int16, "byte": _dtype.uint8,
}.items():
    method(_name)(_caster(_dt))

method("cpu")(lambda self, *a, **k: self)
method("type_as")(lambda self, other: to(self, other.dtype))
