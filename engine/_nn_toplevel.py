"""The ``torch.<name>`` forms of nn functions that PyTorch also exposes at the top level.

``torch.conv2d``, ``torch.max_pool2d``, ``torch.dropout``, ``torch.embedding``, ... are the ATen ops
that ``torch.nn.functional`` wraps. Where the signatures agree they are the functional forms
themselves; where ATen's differs (positional ``train``, ``embedding(weight, indices)``, losses
taking ``reduction`` as an int, ``batch_norm``'s argument order) a thin adapter translates. The
graph is the same either way, as in PyTorch.
"""

from __future__ import annotations

from .nn import functional as F

# Same signature as the functional form.
_SAME = (
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d",
    "adaptive_avg_pool1d", "hardshrink",
)
# ATen's loss reductions are an enum: 0 none, 1 mean, 2 sum; at torch.<loss> the default is 0
# (PyTorch 2.13: torch.kl_div(a, b) is elementwise), unlike the functional forms' 'mean'.
_REDUCTIONS = ("none", "mean", "sum")


def _reduction(value) -> str:
    return _REDUCTIONS[value] if isinstance(value, int) else value


def dropout(input, p, train):
    return F.dropout(input, p, training=train)


def batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps, cudnn_enabled=True):
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    return F.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    return F.max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d(input, output_size):
    # ATen's form always returns (values, indices).
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


def kl_div(input, target, reduction=0, *, log_target=False):
    reduction = _reduction(reduction)
    if reduction == "mean":  # F.kl_div warns about 'mean'; ATen's kl_div does not
        return F.kl_div(input, target, reduction="none", log_target=log_target).mean()
    return F.kl_div(input, target, reduction=reduction, log_target=log_target)


def binary_cross_entropy_with_logits(input, target, weight=None, pos_weight=None, reduction=0):
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction(reduction),
                                              pos_weight=pos_weight)


def margin_ranking_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def cosine_embedding_loss(input1, input2, target, margin=0.0, reduction=0):
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_reduction(reduction))


def poisson_nll_loss(input, target, log_input, full, eps, reduction):
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps, reduction=_reduction(reduction))


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, reduction=0):
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_reduction(reduction))


_ADAPTERS = (
    dropout, batch_norm, embedding, max_pool1d_with_indices, adaptive_max_pool1d, kl_div,
    binary_cross_entropy_with_logits, margin_ranking_loss, cosine_embedding_loss, poisson_nll_loss,
    triplet_margin_loss,
)


def install(namespace: dict) -> None:
    """Add the names to ``engine``'s namespace, never replacing one it already has."""
    for name in _SAME:
        namespace.setdefault(name, getattr(F, name))
    for fn in _ADAPTERS:
        namespace.setdefault(fn.__name__, fn)
