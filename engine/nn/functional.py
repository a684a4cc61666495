"""``torch.nn.functional``: layers and losses as functions, building the graphs PyTorch builds."""

from __future__ import annotations

import importlib
import warnings

import numpy as np

from .._api import FUNCTIONS
from .._factories import default_generator
from .._tensor import Tensor, _make
from ..ops._util import promote_all
from ..ops.shape import Squeeze, _view_result
from . import _loss_ops
from ._loss_ops import MEAN, NONE, SUM, _class_weight_view, _reduction_enum  # noqa: F401  (F._reduction_enum: nn.modules.loss)


def _engine(name: str):
    """An engine function looked up at call time (some are contributed by other op files):
    ``engine.<name>``, or one of the activation functions ``engine.ops.nn_ops`` keeps for nn."""
    fn = FUNCTIONS.get(name)
    if fn is None:
        nn_ops = importlib.import_module("..ops.nn_ops", __package__)
        fn = getattr(nn_ops, name, None)
    if fn is None:
        raise NotImplementedError(f"engine.{name} is not available in this build of the engine")
    return fn


# ---- linear ------------------------------------------------------------------------------------


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` with PyTorch's graph for each input rank.

    2-D input: ``AddmmBackward0(bias, input, TBackward0(weight))``. Other ranks with a bias fold the
    input into rows with a view, run addmm, and view back (``ViewBackward0`` on both sides); without
    a bias PyTorch goes through matmul (``MmBackward0``, then ``SqueezeBackward4`` for 1-D input or
    ``UnsafeViewBackward0`` for >2-D input).
    """
    wt = weight.t()
    nd = input.dim()
    if bias is None:
        if nd == 1:
            out = input.unsqueeze(0).mm(wt)
            # PyTorch squeezes matmul's 1-row result in place (squeeze_(0)): SqueezeBackward4.
            node_out = Squeeze.apply(out, out_shape=out._data.shape[1:], node_name="SqueezeBackward4")
            return _view_result(node_out, out)
        return _engine("matmul")(input, wt)
    if nd == 2:
        return _engine("addmm")(bias, input, wt)
    if nd == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are 0D and 2D")
    if not input._data.flags.c_contiguous:
        # ATen folds only contiguous input into one addmm; otherwise matmul, then add the bias.
        return _engine("matmul")(input, wt) + bias
    rows = input.reshape(-1, input.shape[-1])
    out = _engine("addmm")(bias, rows, wt)
    return out.view(tuple(input.shape[:-1]) + (weight.shape[0],))


# ---- activations -------------------------------------------------------------------------------


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    return _engine("relu_")(input) if inplace else _engine("relu")(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _engine("leaky_relu")(input, negative_slope, inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _engine("elu")(input, alpha, inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    return _engine("gelu")(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    return _engine("silu")(input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return _engine("softplus")(input, beta, threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    return _engine("hardtanh")(input, min_val, max_val, inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    return _engine("relu6")(input, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    return _engine("logsigmoid")(input)


def sigmoid(input: Tensor) -> Tensor:
    return _engine("sigmoid")(input)


def tanh(input: Tensor) -> Tensor:
    return _engine("tanh")(input)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _engine("softmax")(input, dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return _engine("log_softmax")(input, dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)`` (engine's RNG).

    Like PyTorch on the CPU this is ``input * mask`` (MulBackward0 with no edge for the mask), and
    ``p == 0`` or ``training=False`` returns ``input`` itself.
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    dt = input._data.dtype
    if p == 1:
        mask = np.zeros(input._data.shape, dtype=dt)
    else:
        keep = default_generator.rng.random(input._data.shape) < (1 - p)
        mask = keep.astype(dt) / np.asarray(1 - p, dtype=dt)
    mask_t = _make(mask)
    return input.mul_(mask_t) if inplace else input * mask_t


# ---- losses ------------------------------------------------------------------------------------


def _tensor_param(value):
    return value if value is None or isinstance(value, Tensor) else _make(np.asarray(value))


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    red = _reduction_enum(reduction, size_average, reduce)
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=2,
        )
        shape = np.broadcast_shapes(input._data.shape, target._data.shape)
        input, target = input.expand(shape), target.expand(shape)
    dt = promote_all(input, target)
    if dt is not None:
        return _loss_ops.MseLoss.apply(input, target, reduction=red, out_dtype=dt)
    return _loss_ops.MseLoss.apply(input, target, reduction=red)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    # PyTorch builds this from elementary ops: (input - target).abs() then mean/sum.
    red = _reduction_enum(reduction, size_average, reduce)
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}). "
            "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=2,
        )
    losses = (input - target).abs()
    return _loss_ops._reduce_tensor(losses, red)


def nll_loss(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    ignore_index: int = -100,
    reduce=None,
    reduction: str = "mean",
) -> Tensor:
    red = _reduction_enum(reduction, size_average, reduce)
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    # PyTorch 2.13's checks, in its order: target rank, then dtype (int64 or uint8).
    if nd <= 2 and target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if nd == 4 and target.dim() != 3:
        raise RuntimeError(
            f"only batches of spatial targets supported (3D tensors) but got targets of dimension: {target.dim()}"
        )
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_word(target)}")
    if nd == 4 and (input.shape[0], *input.shape[2:]) != tuple(target.shape):
        raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: {list(target.shape)}")
    if nd >= 2 and target.dim() >= 1 and input.shape[0] != target.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({target.shape[0]})."
        )
    class_dim = 1 if nd >= 2 else 0
    expected = tuple(s for i, s in enumerate(input.shape) if i != class_dim)
    if tuple(target.shape) != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    params = {"weight": _tensor_param(weight), "reduction": red, "ignore_index": ignore_index}
    if nd <= 2:
        return _loss_ops.NllLoss.apply(input, target=target, **params)
    # PyTorch runs images through nll_loss2d (NllLoss2DBackward0); other ranks > 2 are viewed as
    # (N, C, 1, -1) first and the unreduced result viewed back.
    if nd == 4:
        return _loss_ops.NllLoss.apply(input, target=target, node_name="NllLoss2DBackward0", **params)
    n, c = input.shape[0], input.shape[1]
    flat_input = input.contiguous().view(n, c, 1, -1)
    flat_target = _make(np.ascontiguousarray(target._data).reshape(n, 1, -1))
    out = _loss_ops.NllLoss.apply(flat_input, target=flat_target, node_name="NllLoss2DBackward0", **params)
    return out.view((n,) + tuple(input.shape[2:])) if red == NONE else out


def _type_word(t: Tensor) -> str:
    # PyTorch's scalar type names (c10::ScalarType): Float, Double, Int, Long, Short, ...
    words = {"float32": "Float", "float64": "Double", "float16": "Half", "int32": "Int", "int64": "Long",
             "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    return words.get(t.dtype.name, t.dtype.name.capitalize())


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None, reduce=None, reduction: str = "mean"
) -> Tensor:
    red = _reduction_enum(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size ({input.size()}) is "
            "deprecated. Please ensure they have the same size."
        )
    if weight is not None:
        weight = _make(np.broadcast_to(weight._data, np.broadcast_shapes(target._data.shape, weight._data.shape)))
    return _loss_ops.BinaryCrossEntropy.apply(input, target, weight=weight, reduction=red)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Tensor,
    weight: Tensor | None = None,
    size_average=None,
    reduce=None,
    reduction: str = "mean",
    pos_weight: Tensor | None = None,
) -> Tensor:
    red = _reduction_enum(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size ({input.size()})")
    return _loss_ops.BinaryCrossEntropyWithLogits.apply(
        input, target, weight=_tensor_param(weight), pos_weight=_tensor_param(pos_weight), reduction=red
    )


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _engine("flatten")(input, start_dim, end_dim)


# ---- norm branch: normalisation, embedding, distances, more activations and losses ---------------
# elu is re-bound: elu(inplace=True) gets PyTorch's EluBackward1 node; cross_entropy (class indices,
# probabilities, label_smoothing) lives with the other composite losses; threshold is bound by assignment
# because softplus's `threshold` parameter would shadow an imported name.
from ._activation_functional import (  # noqa: E402,F401,F811
    celu,
    elu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    mish,
    prelu,
    selu,
    softmin,
    softshrink,
    softsign,
    tanhshrink,
    threshold_,
)
from ._activation_functional import threshold as _threshold  # noqa: E402
from ._loss_functional import (  # noqa: E402,F401,F811
    cosine_embedding_loss,
    cross_entropy,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    margin_ranking_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    triplet_margin_loss,
)
from ._norm_functional import (  # noqa: E402,F401
    batch_norm,
    cosine_similarity,
    dropout1d,
    dropout2d,
    embedding,
    group_norm,
    normalize,
    one_hot,
    pairwise_distance,
)

threshold = _threshold
# ---- convolution, pooling, padding and resampling (implemented in their own files) --------------
from ..ops.bilinear import bilinear  # noqa: E402,F401  (nnbreadth branch)
from ..ops.pixel_shuffle import pixel_shuffle, pixel_unshuffle  # noqa: E402,F401  (nodefixture)

# ---- 3-D convolution and pooling (nnbreadth branch) --------------------------------------------
from ._functional_3d import (  # noqa: E402,F401  # noqa: E402,F401  (nodefixture)
    adaptive_avg_pool3d,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool3d,
    conv3d,
    conv_transpose3d,
    max_pool3d,
    max_pool3d_with_indices,
)
from ._functional_conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold  # noqa: E402,F401
from ._functional_embedding_bag import embedding_bag  # noqa: E402,F401  (nodefixture)
from ._functional_pool import (  # noqa: E402,F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d,
    adaptive_max_pool2d_with_indices,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool1d_with_indices,
    max_pool2d,
    max_pool2d_with_indices,
)
from ._functional_resample import interpolate, pad, upsample, upsample_bilinear, upsample_nearest  # noqa: E402,F401

# ---- sequence layers (LayerNorm, attention): defined in their own module ----------------------
from ._functional_sequence import *  # noqa: E402,F401,F403
