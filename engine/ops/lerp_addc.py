"""``lerp``, ``addcmul`` and ``addcdiv``: three-input pointwise blends."""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op
from .._tensor import Tensor
from ._math_util import _add, _needs
from ._samples import sampler
from ._util import promote_all, sum_to

_rand = sampler()


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
