"""``maximum`` and ``minimum``: elementwise max/min of two tensors.

Piecewise ops (maximum, clamp, ...) differentiate through constant masks computed from the saved
inputs, so their rules are ``grad · mask`` in engine ops and double backward works.
"""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor, _make
from ._math_util import _add, _cast, _const, _gate, _needs, _promoted
from ._samples import sampler
from ._util import sum_to
from .compare import where

_rand = sampler()


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
