"""The loss functions PyTorch implements as single autograd nodes, one Op subclass each.

``l1_loss`` and probability-target ``cross_entropy`` are not here: PyTorch builds them from
elementary ops (``MeanBackward0 <- AbsBackward0 <- SubBackward0``), so ``nn.functional`` does too.
Reductions use PyTorch's enum: 0 = 'none', 1 = 'mean', 2 = 'sum' (``grad_fn._saved_reduction``).
"""

from __future__ import annotations

import numpy as np

from .._api import FUNCTIONS
from .._op import Op
from .._tensor import Tensor, _make
from ..ops._util import sum_to

NONE, MEAN, SUM = 0, 1, 2
# PyTorch clamps the denominator of binary_cross_entropy's gradient at this value.
_BCE_EPS = 1e-12


def _reduce(losses: np.ndarray, reduction: int) -> np.ndarray:
    if reduction == MEAN:
        return losses.mean(dtype=losses.dtype)
    if reduction == SUM:
        return losses.sum(dtype=losses.dtype)
    return losses


def _reduce_tensor(t: Tensor, reduction: int) -> Tensor:
    if reduction == MEAN:
        return t.mean()
    if reduction == SUM:
        return t.sum()
    return t


_REDUCTIONS = {"none": NONE, "mean": MEAN, "sum": SUM}


def _reduction_enum(reduction: str, size_average=None, reduce=None) -> int:
    """PyTorch's reduction argument (and the legacy size_average/reduce pair) as 0/1/2."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _REDUCTIONS[reduction]


def _class_weight_view(weight: Tensor, input: Tensor, class_dim: int) -> Tensor:
    """A per-class weight viewed so it broadcasts along ``class_dim`` of ``input``."""
    shape = [1] * input.dim()
    shape[class_dim] = weight.shape[0]
    return weight.reshape(tuple(shape))


def _const(value, like: Tensor | np.ndarray) -> Tensor:
    """A constant (no-grad) tensor in ``like``'s dtype, for use inside rules."""
    dt = like._data.dtype if isinstance(like, Tensor) else like.dtype
    return _make(np.asarray(value, dtype=dt))


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


class DivScalar(Op):
    """``tensor / number`` as PyTorch's C++ code calls it (div.Scalar: DivBackward1, one edge).

    Used by probability-target cross_entropy, whose 'mean' divides by the batch size in C++. (Python's
    ``t / 2`` goes through div.Tensor instead: DivBackward0.)
    """

    node_name = "DivBackward1"
    aten = "aten::div"
    inputs = ("self",)
    other = 1.0

    def forward(self, a):
        return (a / self.other).astype(a.dtype, copy=False)

    def vjp(self, grad):
        return (DivScalar.apply(grad, other=self.other),)

    def jvp(self, tangents):
        return DivScalar.apply(tangents[0], other=self.other)

    def rule(self) -> str:
        return f"grad_input = grad / {self.other}"

    @staticmethod
    def samples():
        return [((_rng(10).normal(size=(2, 3)),), {"other": 4})]


class MseLoss(Op):
    node_name = "MseLossBackward0"
    aten = "aten::mse_loss"
    inputs = ("self", "target")
    saves = ("self", "target")
    reduction = MEAN
    out_dtype = None  # PyTorch's promotion of input and target when numpy's would differ

    def forward(self, x, t):
        diff = x - t
        if self.out_dtype is not None:
            diff = diff.astype(self.out_dtype, copy=False)
        return _reduce(diff * diff, self.reduction)

    def _scale(self, x: Tensor) -> float:
        return 2.0 / x.numel() if self.reduction == MEAN else 2.0

    def vjp(self, grad):
        x, t = self.saved
        rx, rt = self.next_functions
        g = grad * (x - t) * self._scale(x)
        return (g if rx[0] is not None else None, -g if rt[0] is not None else None)

    def jvp(self, tangents):
        tx, tt = tangents
        x, t = self.fw_inputs
        dt = tx if tt is None else (-tt if tx is None else tx - tt)
        return _reduce_tensor((x - t) * dt * 2.0, self.reduction)

    def rule(self) -> str:
        return "grad_self = 2·(self − target)·grad [/ numel for mean];  grad_target = −grad_self"

    @staticmethod
    def samples():
        r = _rng(11)
        return [
            ((r.normal(size=(3, 4)), r.normal(size=(3, 4))), {"reduction": red}) for red in (NONE, MEAN, SUM)
        ]


class NllLoss(Op):
    """Negative log likelihood: ``-weight[t]·input[t]`` per sample; target and weight get no edge."""

    node_name = "NllLossBackward0"
    aten = "aten::nll_loss_nd"
    inputs = ("self",)
    saves = ("self",)
    reduction = MEAN
    ignore_index = -100
    weight = None  # Tensor of per-class weights, or None
    target = None  # int64 Tensor of class indices

    def forward(self, x):
        class_dim = 1 if x.ndim >= 2 else 0
        tgt = np.asarray(self.target._data)
        valid = tgt != self.ignore_index
        safe = np.where(valid, tgt, 0)
        n_classes = x.shape[class_dim]
        bad = valid & ((tgt < 0) | (tgt >= n_classes))
        if bad.any():
            raise IndexError(f"Target {int(tgt[bad].flat[0])} is out of bounds.")
        w = np.ones(n_classes, dtype=x.dtype) if self.weight is None else self.weight._data.astype(x.dtype)
        per_sample_weight = w[safe] * valid.astype(x.dtype)
        index = np.expand_dims(safe, class_dim)
        picked = np.take_along_axis(x, index, axis=class_dim).squeeze(class_dim)
        losses = -per_sample_weight * picked
        total_weight = per_sample_weight.sum(dtype=x.dtype)
        self.total_weight = _make(np.asarray(total_weight))
        # d loss / d input: -weight[t] at the target entries (divided by the total weight for 'mean').
        coef_at_target = -per_sample_weight
        if self.reduction == MEAN:
            with np.errstate(divide="ignore", invalid="ignore"):
                coef_at_target = coef_at_target / total_weight
        coef = np.zeros_like(x)
        np.put_along_axis(coef, index, np.expand_dims(coef_at_target.astype(x.dtype), class_dim), axis=class_dim)
        self._coef = coef
        self._class_dim = class_dim
        if self.reduction == NONE:
            return losses
        total = losses.sum(dtype=x.dtype)
        if self.reduction == SUM:
            return total
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray(total / total_weight, dtype=x.dtype)

    def vjp(self, grad):
        coef = _make(self._coef)
        if self.reduction == NONE and self._coef.ndim > 1:
            grad = grad.unsqueeze(self._class_dim)
        return (grad * coef,)

    def jvp(self, tangents):
        weighted = tangents[0] * _make(self._coef)
        if self.reduction == NONE and self._coef.ndim > 1:
            return weighted.sum(self._class_dim)
        return weighted.sum()

    def rule(self) -> str:
        return "grad_self[i, target_i] = −weight[target_i]·grad [/ total_weight for mean]; 0 elsewhere"

    @staticmethod
    def samples():
        r = _rng(12)
        target = _make(np.array([0, 2, 1, 2]))
        weight = _make(np.array([0.5, 1.0, 2.0]))
        return [
            ((r.normal(size=(4, 3)),), {"target": target, "reduction": MEAN}),
            ((r.normal(size=(4, 3)),), {"target": target, "reduction": SUM, "weight": weight}),
            ((r.normal(size=(4, 3)),), {"target": target, "reduction": NONE, "ignore_index": 2}),
            ((r.normal(size=(2, 3, 2)),), {"target": _make(np.array([[0, 2], [1, 1]])), "reduction": NONE}),
            ((r.normal(size=(3,)),), {"target": _make(np.array(1)), "reduction": MEAN}),
        ]


class _WeightedTargetLoss(Op):
    """A loss of (self, target) with an optional per-element weight (the two BCE ops): the reverse
    rule scales by weight and the mean's 1/numel, the forward rule weights and reduces the tangent."""

    inputs = ("self", "target")
    saves = ("self", "target")
    reduction = MEAN
    weight = None

    def _finish(self, g: Tensor, x: Tensor) -> Tensor:
        if self.weight is not None:
            g = g * self.weight
        if self.reduction == MEAN:
            g = g / x.numel()
        return sum_to(g, x._data.shape)

    def _reduce_tangent(self, out: Tensor) -> Tensor:
        if self.weight is not None:
            out = out * self.weight
        return _reduce_tensor(out, self.reduction)


class BinaryCrossEntropy(_WeightedTargetLoss):
    """``-weight·(t·log x + (1−t)·log(1−x))`` with the logs clamped at −100 like PyTorch."""

    node_name = "BinaryCrossEntropyBackward0"
    aten = "aten::binary_cross_entropy"

    def forward(self, x, t):
        if ((x < 0) | (x > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log(1 - x), -100)
        losses = -(t * log_x + (1 - t) * log_1mx)
        if self.weight is not None:
            losses = losses * self.weight._data
        return _reduce(losses.astype(x.dtype, copy=False), self.reduction)

    def vjp(self, grad):
        x, t = self.saved
        rx, rt = self.next_functions
        gx = gt = None
        if rx[0] is not None:
            denom = (1 - x) * x
            eps = _const(_BCE_EPS, x)
            denom = FUNCTIONS["where"](denom > eps, denom, eps)
            gx = self._finish(grad * (x - t) / denom, x)
        if rt[0] is not None:
            gt = self._finish(grad * ((1 - x).log() - x.log()), x)
        return gx, gt

    def jvp(self, tangents):
        tx, tt = tangents
        x, t = self.fw_inputs
        out = None
        if tx is not None:
            denom = (1 - x) * x
            out = tx * (x - t) / denom
        if tt is not None:
            term = tt * ((1 - x).log() - x.log())
            out = term if out is None else out + term
        return self._reduce_tangent(out)

    def rule(self) -> str:
        return "grad_self = grad·weight·(self − target) / max(self·(1 − self), 1e-12);  grad_target = grad·weight·(log(1−self) − log self)"

    @staticmethod
    def samples():
        r = _rng(13)
        weight = _make(r.uniform(0.5, 1.5, size=(3,)))
        return [
            ((r.uniform(0.2, 0.8, (4, 3)), r.uniform(0, 1, (4, 3))), {"reduction": red}) for red in (NONE, MEAN, SUM)
        ] + [((r.uniform(0.2, 0.8, (4, 3)), r.uniform(0, 1, (4, 3))), {"weight": weight})]


class BinaryCrossEntropyWithLogits(_WeightedTargetLoss):
    """``(1−t)·x − (1 + (pos_weight−1)·t)·log σ(x)``, times weight: BCE on logits, stable for large |x|."""

    node_name = "BinaryCrossEntropyWithLogitsBackward0"
    aten = "aten::binary_cross_entropy_with_logits"
    pos_weight = None

    def forward(self, x, t):
        # log σ(x) = −(max(−x, 0) + log1p(exp(−|x|))), which never overflows.
        log_sig = -(np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x))))
        if self.pos_weight is not None:
            log_weight = (self.pos_weight._data - 1) * t + 1
            losses = (1 - t) * x - log_weight * log_sig
        else:
            losses = (1 - t) * x - log_sig
        if self.weight is not None:
            losses = losses * self.weight._data
        return _reduce(losses.astype(x.dtype, copy=False), self.reduction)

    @staticmethod
    def _log_sigmoid(x: Tensor) -> Tensor:
        return -((-x).relu() + (-(x.abs())).exp().log1p())

    def _d_self(self, x: Tensor, t: Tensor) -> Tensor:
        if self.pos_weight is not None:
            pt = self.pos_weight * t
            return (pt + 1 - t) * x.sigmoid() - pt
        return x.sigmoid() - t

    def _d_target(self, x: Tensor) -> Tensor:
        if self.pos_weight is not None:
            return (1 - self.pos_weight) * self._log_sigmoid(x) - x
        return -x

    def vjp(self, grad):
        x, t = self.saved
        rx, rt = self.next_functions
        gx = self._finish(grad * self._d_self(x, t), x) if rx[0] is not None else None
        gt = self._finish(grad * self._d_target(x), x) if rt[0] is not None else None
        return gx, gt

    def jvp(self, tangents):
        tx, tt = tangents
        x, t = self.fw_inputs
        out = None
        if tx is not None:
            out = tx * self._d_self(x, t)
        if tt is not None:
            term = tt * self._d_target(x)
            out = term if out is None else out + term
        return self._reduce_tangent(out)

    def rule(self) -> str:
        return "grad_self = grad·weight·((pos_weight·t + 1 − t)·σ(self) − pos_weight·t);  grad_target = grad·weight·((1 − pos_weight)·log σ(self) − self)"

    @staticmethod
    def samples():
        r = _rng(14)
        w = _make(r.uniform(0.5, 1.5, size=(3,)))
        pw = _make(r.uniform(0.5, 2.0, size=(3,)))
        return [
            ((r.normal(size=(4, 3)), r.uniform(0, 1, (4, 3))), {"reduction": red}) for red in (NONE, MEAN, SUM)
        ] + [((r.normal(size=(4, 3)), r.uniform(0, 1, (4, 3))), {"weight": w, "pos_weight": pw})]
