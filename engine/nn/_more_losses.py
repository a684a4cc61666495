"""Loss ops PyTorch implements as single nodes: smooth_l1_loss, huber_loss, and xlogy (kl_div's term).

Reductions use PyTorch's enum (0 'none', 1 'mean', 2 'sum'). The piecewise derivatives are built
from a constant mask and engine ops on ``self − target``, so double backward works.
"""

from __future__ import annotations

import numpy as np

from .._api import FUNCTIONS
from .._op import Op
from .._tensor import Tensor, _make
from ._loss_ops import MEAN, NONE, _reduce, _reduce_tensor


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _diff_samples(seed: int, width: float) -> list:
    """(input, target) pairs whose differences stay away from ±width, the kinks of the loss."""
    r = _rng(seed)
    x, t = r.normal(size=(4, 3)), r.normal(size=(4, 3))
    d = x - t
    near = np.abs(np.abs(d) - width) < 0.1
    x[near] += 0.3
    return [((x, t), {"reduction": red}) for red in (NONE, MEAN, 2)]


class _PiecewiseLoss(Op):
    """A loss of d = self − target that is quadratic for |d| ≤ width and linear outside."""

    abstract = True
    inputs = ("self", "target")
    saves = ("self", "target")
    reduction = MEAN
    smooth = False

    def _width(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def _losses(self, d: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _slope(self, d: Tensor) -> Tensor:
        """d loss / d d: d · k inside the quadratic zone, ±outer slope outside (k, outer per loss)."""
        inside = _make((np.abs(d._data) <= self._width()).astype(d._data.dtype))
        k, outer = self._inner_scale(), self._outer_slope()
        return inside * d * k + (1 - inside) * d.sign() * outer

    def forward(self, x, t):
        return _reduce(self._losses(x - t).astype(x.dtype, copy=False), self.reduction)

    def _grad_self(self, grad: Tensor, x: Tensor, t: Tensor) -> Tensor:
        g = grad * self._slope(x - t)
        return g / x.numel() if self.reduction == MEAN else g

    def vjp(self, grad):
        x, t = self.saved
        g = self._grad_self(grad, x, t)
        gx = g if self.next_functions[0][0] is not None else None
        gt = -g if self.next_functions[1][0] is not None else None
        return gx, gt

    def jvp(self, tangents):
        tx, tt = tangents
        x, t = self.fw_inputs
        td = tx if tt is None else (tt * -1 if tx is None else tx - tt)
        return _reduce_tensor(td * self._slope(x - t), self.reduction)


class SmoothL1Loss(_PiecewiseLoss):
    """0.5 d²/beta for |d| < beta, |d| − 0.5 beta otherwise."""

    node_name = "SmoothL1LossBackward0"
    aten = "aten::smooth_l1_loss"
    beta = 1.0

    def _width(self):
        return self.beta

    def _inner_scale(self):
        return 1.0 / self.beta

    def _outer_slope(self):
        return 1.0

    def _losses(self, d):
        a = np.abs(d)
        return np.where(a < self.beta, 0.5 * d * d / self.beta, a - 0.5 * self.beta)

    def rule(self) -> str:
        return f"d = self − target;  grad_self = grad · (d/{self.beta} if |d| ≤ {self.beta} else sign d);  grad_target = −grad_self"

    @staticmethod
    def samples():
        return _diff_samples(81, 1.0) + [(s[0], {**s[1], "beta": 0.5}) for s in _diff_samples(82, 0.5)[:1]]


class HuberLoss(_PiecewiseLoss):
    """0.5 d² for |d| < delta, delta · (|d| − 0.5 delta) otherwise."""

    node_name = "HuberLossBackward0"
    aten = "aten::huber_loss"
    delta = 1.0

    def _width(self):
        return self.delta

    def _inner_scale(self):
        return 1.0

    def _outer_slope(self):
        return self.delta

    def _losses(self, d):
        a = np.abs(d)
        return np.where(a < self.delta, 0.5 * d * d, self.delta * (a - 0.5 * self.delta))

    def rule(self) -> str:
        return f"d = self − target;  grad_self = grad · (d if |d| ≤ {self.delta} else {self.delta}·sign d);  grad_target = −grad_self"

    @staticmethod
    def samples():
        return _diff_samples(83, 1.0) + [(s[0], {**s[1], "delta": 0.4}) for s in _diff_samples(84, 0.4)[:1]]


class Xlogy(Op):
    """``self · log(other)``, defined as 0 where self == 0 (kl_div's target · log target)."""

    node_name = "XlogyBackward0"
    aten = "aten::xlogy"
    inputs = ("self", "other")
    saves = ("self", "other")

    def forward(self, x, y):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x == 0, np.zeros((), x.dtype), x * np.log(y))
        return out.astype(np.result_type(x, y), copy=False)

    def vjp(self, grad):
        x, y = self.saved
        gx = gy = None
        if self.next_functions[0][0] is not None:
            gx = grad * y.log()
            undefined = (x._data == 0) & (y._data <= 0)
            if undefined.any():  # PyTorch masks 0 · log(≤ 0) to 0 instead of nan
                gx = FUNCTIONS["where"](_make(undefined), _make(np.zeros((), gx._data.dtype)), gx)
        if self.next_functions[1][0] is not None:
            gy = grad * x / y
        return gx, gy

    def jvp(self, tangents):
        tx, ty = tangents
        x, y = self.fw_inputs
        out = None
        if tx is not None:
            out = tx * y.log()
        if ty is not None:
            term = ty * x / y
            out = term if out is None else out + term
        return out

    def rule(self) -> str:
        return "grad_self = grad · log(other) (0 where self = 0 and other ≤ 0);  grad_other = grad · self / other"

    @staticmethod
    def samples():
        r = _rng(85)
        return [((r.uniform(0.1, 1.0, (3, 4)), r.uniform(0.2, 2.0, (3, 4))), {})]


def xlogy(x: Tensor, y: Tensor) -> Tensor:
    return Xlogy.apply(x, y)
