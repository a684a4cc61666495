"""``nn.functional`` losses added by the norm branch, building the graphs PyTorch 2.13 builds.

``smooth_l1_loss`` and ``huber_loss`` are single nodes. The others are composites in ATen (C++)
or in PyTorch's Python; they are written here from the same elementary ops, including the Scalar
overloads C++ uses (``AddBackward1``/``SubBackward1``/``MulBackward1``) and its in-place steps
(``clamp_min_`` → ``ClampMinBackward0``), so the node names match.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._api import FUNCTIONS
from .._tensor import Tensor, _make
from ..autograd.grad_mode import no_grad
from ..ops.arithmetic import mul_scalar
from ..ops.scalar_ops import add_scalar, sub_scalar
from . import _more_losses as L
from ._loss_ops import MEAN, NONE, SUM, DivScalar, _class_weight_view, _reduction_enum
from ._loss_ops import (
    _reduce_tensor as _reduce,  # ATen's apply_loss_reduction: mean() / sum() / unchanged
)
from ._norm_functional import pairwise_distance

_NAMES = {NONE: "none", MEAN: "mean", SUM: "sum"}


def _size_warning(input: Tensor, target: Tensor) -> None:
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )


def _broadcast(input: Tensor, target: Tensor):
    shape = np.broadcast_shapes(input._data.shape, target._data.shape)
    if input._data.shape != shape:
        input = input.expand(shape)
    if target._data.shape != shape:
        target = target.expand(shape)
    return input, target


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    _size_warning(input, target)
    red = _reduction_enum(reduction, size_average, reduce)
    input, target = _broadcast(input, target)
    if beta == 0.0:
        # PyTorch switches to l1_loss here (MeanBackward0 <- AbsBackward0 <- SubBackward0).
        return _reduce((input - target).abs(), red)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    return L.SmoothL1Loss.apply(input, target, reduction=red, beta=beta)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight: Tensor | None = None
) -> Tensor:
    _size_warning(input, target)
    red = _reduction_enum(reduction)
    input, target = _broadcast(input, target)
    if weight is None:
        return L.HuberLoss.apply(input, target, reduction=red, delta=delta)
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    return _reduce(L.HuberLoss.apply(input, target, reduction=NONE, delta=delta) * weight, red)


def kl_div(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean", log_target: bool = False
) -> Tensor:
    """Σ target · (log target − input), ATen's composite; 'batchmean' divides the sum by the batch size."""
    if size_average is not None or reduce is not None:
        red = _reduction_enum(reduction, size_average, reduce)
    else:
        if reduction == "mean":
            warnings.warn(
                "reduction: 'mean' divides the total loss by both the batch size and the support size."
                "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                stacklevel=2,
            )
        red = SUM if reduction == "batchmean" else _reduction_enum(reduction)
    if log_target:
        losses = target.exp() * (target - input)
    else:
        losses = L.xlogy(target, target) - target * input
    reduced = _reduce(losses, red)
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.size()[0]
    return reduced


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None, reduce=None,
    reduction: str = "mean",
) -> Tensor:
    red = _reduction_enum(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} "
        )
    unclamped = add_scalar(-target * (input1 - input2), margin)
    return _reduce(unclamped.clamp_min_(0), red)


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, size_average=None, reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """1 − cos(x1, x2) where target = 1, max(0, cos − margin) where target = −1 (ATen's composite)."""
    red = _reduction_enum(reduction, size_average, reduce)
    targ_dim = target.dim()
    if targ_dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if targ_dim == 1:
        if input1.dim() != 2 or input2.dim() != 2:
            raise RuntimeError(
                f"1D target tensor expects 2D input tensors, but found inputs with sizes {list(input1.shape)} "
                f"and {list(input2.shape)}."
            )
    elif input1.dim() != 1 or input2.dim() != 1:
        raise RuntimeError(
            f"0D target tensor expects 1D input tensors, but found inputs with sizes {list(input1.shape)} "
            f"and {list(input2.shape)}."
        )
    eps = 1e-12  # ATen's EPSILON
    prod_sum = (input1 * input2).sum(targ_dim)
    mag_square1 = add_scalar((input1 * input1).sum(targ_dim), eps)
    mag_square2 = add_scalar((input2 * input2).sum(targ_dim), eps)
    denom = (mag_square1 * mag_square2).sqrt_()
    cos = prod_sum / denom
    zeros = _make(np.zeros(cos._data.shape, cos._data.dtype))
    # ATen's `1 - cos` with a Scalar on the left is empty_like(cos).fill_(1).sub_(cos): SubBackward0.
    pos = _make(np.ones(cos._data.shape, cos._data.dtype)) - cos
    neg = sub_scalar(cos, margin).clamp_min_(0)
    where = FUNCTIONS["where"]
    output = where(target == 1, pos, zeros) + where(target == -1, neg, zeros)
    return _reduce(output, red)


def triplet_margin_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2, eps: float = 1e-6,
    swap: bool = False, size_average=None, reduce=None, reduction: str = "mean",
) -> Tensor:
    red = _reduction_enum(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd == nd):
        raise RuntimeError(
            "The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {a}D, positive {pd}D, and negative {nd}D inputs"
        )
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = FUNCTIONS["minimum"](dist_neg, pairwise_distance(positive, negative, p, eps))
    output = (add_scalar(dist_pos, margin) - dist_neg).clamp_min(0)
    return _reduce(output, red)


def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None, eps: float = 1e-8,
    reduce=None, reduction: str = "mean",
) -> Tensor:
    if size_average is not None or reduce is not None:
        reduction = _NAMES[_reduction_enum(reduction, size_average, reduce)]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * add_scalar(input, eps).log()
    if full:
        t = target._data
        with np.errstate(divide="ignore", invalid="ignore"):
            stirling = t * np.log(t) - t + 0.5 * np.log(2 * np.pi * t)
        stirling = np.where(t <= 1, 0, stirling).astype(t.dtype)
        loss = loss + _make(stirling) if not target.requires_grad else loss + _stirling_tensor(target)
    return _reduce(loss, _reduction_enum(reduction))


def _stirling_tensor(target: Tensor) -> Tensor:
    # ATen: target * log(target) - target + 0.5 * log(2π · target), Scalar products (MulBackward1).
    term = target * target.log() - target + mul_scalar(mul_scalar(target, 2 * math.pi).log(), 0.5)
    return term.masked_fill(target <= 1, 0)


def gaussian_nll_loss(
    input: Tensor, target: Tensor, var, full: bool = False, eps: float = 1e-6, reduction: str = "mean"
) -> Tensor:
    """0.5 · (log var + (input − target)² / var), PyTorch's Python composite."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * FUNCTIONS["ones_like"](input)
    elif bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if tuple(input.size())[:-1] == tuple(var.size()):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and sum(y for x, y in zip(input.size(), var.size()) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# This module is imported from the end of ``functional`` (after its log_softmax and nll_loss are
# defined), which re-exports the cross_entropy below.
from . import functional as _functional  # noqa: E402


def cross_entropy(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross entropy of logits against class indices or class probabilities, with label smoothing:
    ``nll_loss(log_softmax(input, class_dim), target)`` for class indices without smoothing."""
    # As in ATen, a floating target means class probabilities only when its shape is the input's;
    # otherwise it takes the class-index path, whose checks raise PyTorch's dtype/rank errors.
    probabilities = target.is_floating_point() and target.shape == input.shape
    red = _reduction_enum(reduction, size_average, reduce)
    if label_smoothing == 0.0 and not probabilities:
        logp = _functional.log_softmax(input, 1 if input.dim() >= 2 else 0)
        return _functional.nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=_NAMES[red])
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if probabilities:
        return _probability_cross_entropy(input, target, weight, red, label_smoothing)
    return _cross_entropy_with_smoothing(input, target, weight, ignore_index, red, label_smoothing)


def _probability_cross_entropy(input: Tensor, target: Tensor, weight, red: int, label_smoothing: float) -> Tensor:
    """ATen's cross_entropy_loss_prob_target: −Σ log_softmax · target (· weight), 'mean' dividing by
    the number of positions (numel / C, a number: DivBackward1)."""
    class_dim = 1 if input.dim() >= 2 else 0
    n_classes = input.shape[class_dim]
    if target.shape != input.shape:
        raise RuntimeError(f"Expected target size {list(input.shape)}, got {list(target.shape)}")
    if label_smoothing > 0.0:
        if target.requires_grad:
            target = add_scalar(mul_scalar(target, 1 - label_smoothing), label_smoothing / n_classes)
        else:
            smoothed = target._data * (1 - label_smoothing) + label_smoothing / n_classes
            target = _make(smoothed.astype(target._data.dtype))
    logp = _functional.log_softmax(input, class_dim)
    weighted = logp * target
    if weight is not None:
        weighted = weighted * _class_weight_view(weight, input, class_dim)
    if red == NONE:
        return -(weighted.sum(class_dim))
    total = -(weighted.sum())
    if red == SUM:
        return total
    return DivScalar.apply(total, other=input.numel() // n_classes)


def _cross_entropy_with_smoothing(
    input: Tensor, target: Tensor, weight, ignore_index: int, red: int, label_smoothing: float
) -> Tensor:
    """ATen's cross_entropy_loss_label_smoothing for class indices: (1 − ε)·nll + ε/C · smooth loss."""
    class_dim = 1 if input.dim() >= 2 else 0
    n_classes = input.shape[class_dim]
    logp = _functional.log_softmax(input, class_dim)
    nll = _functional.nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=_NAMES[red])
    ignore_mask = target == ignore_index
    if weight is not None:
        smooth = -(logp * _class_weight_view(weight, input, class_dim)).sum(class_dim)
    else:
        smooth = -(logp.sum(class_dim))
    smooth = smooth.masked_fill_(ignore_mask, 0.0)
    if red == MEAN:
        keep = ~ignore_mask
        if weight is not None:
            denom = weight.gather(0, target.masked_select(keep).flatten()).sum()
        else:
            denom = keep.sum()
        ret = smooth.sum() / denom
    elif red == SUM:
        ret = smooth.sum()
    else:
        ret = smooth
    return mul_scalar(nll, 1 - label_smoothing) + mul_scalar(ret, label_smoothing / n_classes)


__all__ = [
    "cosine_embedding_loss", "cross_entropy", "gaussian_nll_loss", "huber_loss", "kl_div", "margin_ranking_loss",
    "poisson_nll_loss", "smooth_l1_loss", "triplet_margin_loss",
]
