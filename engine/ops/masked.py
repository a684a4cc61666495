"""``masked_fill`` and ``masked_select``: ops that take a boolean mask."""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._dtype import _NUMPY_TO_DTYPE
from .._op import Op
from .._tensor import Tensor, _make
from ._index_util import _zero_where, _zeros_like_meta
from ._samples import sampler
from .advanced_index import IndexPutImpl
from .compare import where

_rand = sampler(seed=11)


class MaskedFill(Op):
    """``masked_fill(mask, number)``; the mask is a param (no edge), as in PyTorch."""

    node_name = "MaskedFillBackward0"
    aten = "aten::masked_fill"

    def forward(self, a):
        return np.where(self.mask, np.asarray(self.value, dtype=a.dtype), a)

    def vjp(self, grad):
        return (_zero_where(np.broadcast_to(self.mask, self._in_meta[0][0]), grad),)

    def jvp(self, tangents):
        return _zero_where(np.broadcast_to(self.mask, tangents[0]._data.shape), tangents[0])

    def rule(self) -> str:
        return "grad_input = grad where mask is False, else 0"

    @staticmethod
    def samples():
        rng = np.random.default_rng(5)
        return [((_rand(3, 4),), {"mask": rng.uniform(size=(3, 4)) > 0.5, "value": 1.5}), ((_rand(3, 4),), {"mask": np.array([True, False, False, True]), "value": -2.0})]


class MaskedFillTensor(Op):
    """``masked_fill(mask, value)`` with a 0-d tensor value: the value gets the masked gradient's sum."""

    node_name = "MaskedFillBackward1"
    aten = "aten::masked_fill"
    inputs = ("self", "value")

    def forward(self, a, v):
        return np.where(self.mask, v.astype(a.dtype, copy=False), a)

    def vjp(self, grad):
        rs, rv = self.next_functions
        mask = np.broadcast_to(self.mask, self._in_meta[0][0])
        g_self = _zero_where(mask, grad) if rs[0] is not None else None
        g_value = None
        if rv[0] is not None:
            g_value = where(_make(mask), grad, _make(np.zeros((), dtype=grad._data.dtype))).sum()
        return g_self, g_value

    def jvp(self, tangents):
        ts, tv = tangents
        ts = ts if ts is not None else self.fw_inputs[0] * 0
        tv = tv if tv is not None else self.fw_inputs[1] * 0
        return MaskedFillTensor.apply(ts, tv, mask=self.mask)

    def rule(self) -> str:
        return "grad_self = grad where mask is False, else 0;  grad_value = sum of grad where mask"

    @staticmethod
    def samples():
        rng = np.random.default_rng(6)
        return [((_rand(3, 4), np.array(0.7)), {"mask": rng.uniform(size=(3, 4)) > 0.5})]


class MaskedSelect(Op):
    node_name = "MaskedSelectBackward0"
    aten = "aten::masked_select"

    def forward(self, a):
        return a[self.mask]

    def vjp(self, grad):
        zeros = _zeros_like_meta(self._in_meta[0])
        return (IndexPutImpl.apply(zeros, grad, indices=(self.mask,), accumulate=True),)

    def jvp(self, tangents):
        return MaskedSelect.apply(tangents[0], mask=self.mask)

    def rule(self) -> str:
        return "grad_input = zeros with grad written back at the masked positions"

    @staticmethod
    def samples():
        rng = np.random.default_rng(8)
        return [((_rand(3, 4),), {"mask": rng.uniform(size=(3, 4)) > 0.4})]


def _bool_mask(mask) -> np.ndarray:
    arr = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if arr.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {_dtype_name(arr)}")
    return arr


def _dtype_name(arr: np.ndarray) -> str:
    return repr(_NUMPY_TO_DTYPE[arr.dtype]).replace("torch.", "")


def _mask_for(self: Tensor, mask) -> np.ndarray:
    m = _bool_mask(mask)
    try:
        if np.broadcast_shapes(m.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must match the size of "
            f"tensor b ({m.shape[-1] if m.ndim else 1}) at non-singleton dimension {max(m.ndim, self._data.ndim) - 1}"
        ) from None
    return m


def _fill_value(self: Tensor, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        return value
    return value


@public(method=True)
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` with ``value`` where ``mask`` is True (MaskedFillBackward0, or 1 for a tensor value)."""
    m = _mask_for(input, mask)
    value = _fill_value(input, value)
    if isinstance(value, Tensor):
        return MaskedFillTensor.apply(input, value, mask=m)
    return MaskedFill.apply(input, mask=m, value=value)


@method("masked_fill_")
def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    m = _mask_for(self, mask)
    value = _fill_value(self, value)
    if isinstance(value, Tensor):
        return MaskedFillTensor.apply_(self, value, mask=m)
    return MaskedFill.apply_(self, mask=m, value=value)


@public(method=True)
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    m = _bool_mask(mask)
    shape = np.broadcast_shapes(m.shape, input._data.shape)
    if shape != input._data.shape:
        input = input.expand(shape)
    return MaskedSelect.apply(input, mask=np.broadcast_to(m, shape))
