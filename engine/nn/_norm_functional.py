"""``nn.functional`` for normalisation, embedding and the distance helpers, with PyTorch's graphs.

``batch_norm``, ``group_norm`` and ``embedding`` are one node each. ``normalize``,
``cosine_similarity``, ``pairwise_distance`` and the channel dropouts are composites, built from the
same elementary ops PyTorch's ATen code uses so the graph shows the same node names.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._factories import default_generator
from .._tensor import Size, Tensor, _make
from ..autograd.grad_mode import no_grad
from ..ops.embedding import Embedding, embedding_renorm_
from ..ops.feature_norm import NativeBatchNorm, NativeGroupNorm
from ..ops.norms import Norm
from ..ops.scalar_ops import add_scalar


class NormDim(Norm):
    """``at::norm(self, p, dim, keepdim)``, the overload ATen composites call (NormBackward1)."""

    node_name = "NormBackward1"
    aten = "aten::norm"


def _ones_const(n: int, like: Tensor) -> Tensor:
    # A missing weight/bias is still an edge slot in PyTorch's node ((None, 0)); a constant fills it.
    return _make(np.ones((n,), dtype=like._data.dtype))


def _zeros_const(n: int, like: Tensor) -> Tensor:
    return _make(np.zeros((n,), dtype=like._data.dtype))


def _check_vector(t: Tensor | None, name: str, c: int) -> None:
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each channel (axis 1) by the batch statistics (training) or the running ones."""
    if training:
        size = input._data.shape
        per_channel = int(np.prod(size)) // size[1] if len(size) > 1 and size[1] else 1
        if per_channel == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {Size(size)}")
    c = input._data.shape[1] if input._data.ndim > 1 else 1
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"), (weight, "weight"), (bias, "bias")):
        _check_vector(t, name, c)
    w = weight if weight is not None else _ones_const(c, input)
    b = bias if bias is not None else _zeros_const(c, input)
    return NativeBatchNorm.apply(
        input, w, b, running_mean=running_mean, running_var=running_var, training=training,
        momentum=momentum, eps=eps, weight_defined=weight is not None,
    )


def group_norm(
    input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Normalise each sample over groups of ``C / num_groups`` channels (and all spatial positions)."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    shape = list(input._data.shape)
    c = shape[1]
    for t in (weight, bias):
        if t is not None and (t.dim() != 1 or t.numel() != c):
            which = "weight" if t is weight else "bias"
            raise RuntimeError(
                f"Expected {which} to be a vector of size equal to the number of channels in input, but got "
                f"{which} of shape {list(t.shape)} and input of shape {shape}"
            )
    if c % num_groups != 0:
        raise RuntimeError(
            "Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{shape} and num_groups={num_groups}"
        )
    w = weight if weight is not None else _ones_const(c, input)
    b = bias if bias is not None else _zeros_const(c, input)
    return NativeGroupNorm.apply(input, w, b, group=num_groups, eps=eps, weight_defined=weight is not None)


def embedding(
    input: Tensor,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` picked by the integer ``input`` (EmbeddingBackward0 on weight)."""
    n = weight.shape[0]
    if padding_idx is not None:
        if padding_idx > 0 and padding_idx >= n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            if padding_idx < -n:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    if input._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {input.type()} instead (while checking arguments for embedding)"
        )
    idx = input._data
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        with no_grad():
            embedding_renorm_(weight, input, max_norm, norm_type)
    return Embedding.apply(
        weight, indices=input, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse
    )


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding with a new last dimension of ``num_classes`` (max + 1 when -1)."""
    data = tensor._data
    if data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if data.size and data.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if data.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(data.max()) + 1
    elif data.size and data.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return _make((data[..., None] == np.arange(num_classes)).astype(np.int64))


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Tensor | None = None) -> Tensor:
    """``input / max(‖input‖_p over dim, eps)``: PyTorch's Python composite (Div, Expand, ClampMin, norm)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is not None:
        out.copy_(input / denom)
        return out
    return input / denom


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ (x1/‖x1‖)·(x2/‖x2‖) over ``dim``, each norm clamped at ``eps`` (ATen's composite)."""
    if x1._data.shape != x2._data.shape:
        # ATen's expand_outplace: once the shapes differ, both operands are expanded (two Expand nodes).
        shape = np.broadcast_shapes(x1._data.shape, x2._data.shape)
        x1, x2 = x1.expand(shape), x2.expand(shape)
    # ATen clones the norms and clamps the clones in place without grad: the clamp is no node.
    n1 = Norm.apply(x1, ord=2, dim=(dim,), keepdim=True).clone()
    n2 = Norm.apply(x2, ord=2, dim=(dim,), keepdim=True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x1 − x2 + eps‖_p over the last dimension (ATen: norm(x1 - x2 + eps, p, -1))."""
    diff = add_scalar(x1 - x2, eps)
    last = max(diff.dim() - 1, 0)
    return NormDim.apply(diff, ord=p, dim=(last,) if diff.dim() else None, keepdim=keepdim)


def _feature_dropout(input: Tensor, p: float, training: bool, inplace: bool) -> Tensor:
    """Zero whole channels: one Bernoulli draw per (N, C), broadcast over the spatial dims."""
    if not training or p == 0:
        return input
    dt = input._data.dtype
    shape = input._data.shape[:2] + (1,) * (input._data.ndim - 2)
    if p == 1:
        mask = np.zeros(shape, dtype=dt)
    else:
        keep = default_generator.rng.random(shape) < (1 - p)
        mask = keep.astype(dt) / np.asarray(1 - p, dtype=dt)
    mask_t = _make(mask)
    return input.mul_(mask_t) if inplace else input * mask_t


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. Note that dropout1d exists to "
            "provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an "
            "optional batch dimension (i.e. 2D or 3D inputs)."
        )
    if nd == 3:
        return _feature_dropout(input, p, training, inplace)
    batched = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    out = _feature_dropout(batched, p, training, inplace)
    return out.squeeze_(0) if inplace else out.squeeze(0)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an error "
            "in a future release. To retain the behavior and silence this warning, please use dropout instead. "
            "Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a "
            "channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    return _feature_dropout(input, p, training, inplace)
