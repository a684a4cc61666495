"""``F.conv1d/conv2d/conv_transpose1d/conv_transpose2d`` and ``F.unfold/fold``, with PyTorch's checks.

Every convolution is one ``ConvolutionBackward0`` node (input, weight, bias -- bias ``(None, 0)``
when absent, as PyTorch). Unbatched inputs go through ``unsqueeze(0)`` and ``squeeze(0)``; an
asymmetric ``padding='same'`` pads the input first (``ConstantPadNdBackward0``), like PyTorch.
"""

from __future__ import annotations

import warnings

from .._tensor import Tensor
from ..ops.conv import convolution, squeeze_dim
from ..ops.resample import Col2Im, Columns, Im2Col
from . import functional as F  # the module, not its names: functional imports this file at its end

_DTYPE_WORDS = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int"}


def ntuple(value, n: int, name: str = "") -> tuple:
    if isinstance(value, (tuple, list)):
        if len(value) == 1 and n > 1:
            return tuple(value) * n
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _as2(t: tuple, fill: int) -> tuple:
    """1-D geometry as the 2-D geometry of a height-1 plane."""
    return (fill,) + t if len(t) == 1 else t


def _size(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_conv(input, weight, bias, stride, padding, dilation, groups, transposed, output_padding, nd):
    name = f"conv_transpose{nd}d" if transposed else f"conv{nd}d"
    dim = input.dim()
    if dim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input of size: {_size(input.shape)}"
        )
    if input._data.dtype != weight._data.dtype:
        raise RuntimeError(
            f"expected scalar type {_DTYPE_WORDS.get(input._data.dtype.name)} but found {_DTYPE_WORDS.get(weight._data.dtype.name)}"
        )
    if bias is not None and bias._data.dtype != input._data.dtype:
        words = {"float32": "float", "float64": "double", "float16": "half", "int64": "long", "int32": "int"}
        raise RuntimeError(
            f"Input type ({words.get(input._data.dtype.name)}) and bias type ({words.get(bias._data.dtype.name)}) should be the same"
        )
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    shape = tuple(input.shape) if dim == nd + 2 else (1,) + tuple(input.shape)
    w = tuple(weight.shape)
    # PyTorch's order: parameter arity for the weight's dims, signs, the weight's rank, then channels.
    k = len(w) - 2
    for what, values in (("stride", stride), ("padding", padding), ("dilation", dilation)):
        if len(values) not in (1, k):
            raise RuntimeError(
                f"expected {what} to be a single integer value or a list of {k} values to match the convolution "
                f"dimensions, but got {what}={list(values)}"
            )
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if len(w) != len(shape):
        raise RuntimeError(
            f"Expected {len(w)}-dimensional input for {len(w)}-dimensional weight {_size(w)}, but got "
            f"{len(shape)}-dimensional input of size {_size(shape)} instead"
        )
    if w[0] % groups:
        raise RuntimeError(
            # PyTorch prints this size in double brackets.
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight of size [{_size(w)}] instead"
        )
    if not transposed:
        if shape[1] != w[1] * groups:
            raise RuntimeError(
                f"Given groups={groups}, weight of size {_size(w)}, expected input{_size(shape)} to have "
                f"{w[1] * groups} channels, but got {shape[1]} channels instead"
            )
        out_channels = w[0]
        padded = [shape[2 + i] + 2 * padding[i] for i in range(nd)]
        kernel = [(w[2 + i] - 1) * dilation[i] + 1 for i in range(nd)]
        if any(k > p for k, p in zip(kernel, padded)):
            raise RuntimeError(
                f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                f"Kernel size: ({' x '.join(map(str, kernel))}). Kernel size can't be greater than actual input size"
            )
    else:
        if shape[1] != w[0]:
            raise RuntimeError(
                f"Given transposed=1, weight of size {_size(w)}, expected input{_size(shape)} to have "
                f"{w[0]} channels, but got {shape[1]} channels instead"
            )
        out_channels = w[1] * groups
        for i in range(nd):
            if output_padding[i] >= stride[i] and output_padding[i] >= dilation[i]:
                parts = " ".join(
                    f"{what}_{axis}: {vals[j]}"
                    for what, vals in (("output_padding", output_padding), ("stride", stride), ("dilation", dilation))
                    for j, axis in enumerate(("depth", "height", "width")[-nd:])
                )
                raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got {parts}")
    if bias is not None and (bias.dim() != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(
            f"Given weight of size {_size(w)}, expected bias to be 1-dimensional with {out_channels} elements, "
            f"but got bias of size {_size(bias.shape)} instead"
        )


def _same_padding(weight: Tensor, dilation: tuple, nd: int):
    """(symmetric padding, extra right padding per dim) for padding='same'."""
    sym, extra = [], []
    for i in range(nd):
        total = dilation[i] * (weight.shape[2 + i] - 1)
        sym.append(total // 2)
        extra.append(total - 2 * (total // 2))
    return tuple(sym), tuple(extra)


def _conv(input, weight, bias, stride, padding, dilation, groups, nd, transposed=False, output_padding=0):
    stride = ntuple(stride, nd)
    dilation = ntuple(dilation, nd)
    output_padding = ntuple(output_padding, nd)
    valid = padding == "valid"
    if isinstance(padding, str):
        if padding == "valid":
            padding = (0,) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            padding, extra = _same_padding(weight, dilation, nd)
            if any(extra):
                warnings.warn(
                    "Using padding='same' with even kernel lengths and odd dilation may require a zero-padded copy "
                    "of the input be created (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/Convolution.cpp:1101.)",
                    stacklevel=3,
                )
                pads = []
                for e in reversed(extra):
                    pads += [0, e]
                input = F.pad(input, tuple(pads))
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = ntuple(padding, nd)
    _check_conv(input, weight, bias, stride, padding, dilation, groups, transposed, output_padding, nd)
    unbatched = input.dim() == nd + 1
    if unbatched:
        input = input.unsqueeze(0)
    one_d = nd == 1
    out = convolution(
        input, weight, bias, _as2(stride, 1), _as2(padding, 0), _as2(dilation, 1), transposed,
        _as2(output_padding, 0), groups, one_d, valid,
    )
    return squeeze_dim(out, 0) if unbatched else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, True, output_padding)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, True, output_padding)


# ---- unfold / fold ---------------------------------------------------------------------------------


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding windows as columns: (N, C, H, W) -> (N, C·kh·kw, L) (``Im2ColBackward0``)."""
    if input.dim() not in (3, 4):
        raise RuntimeError(
            f"Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, "
            f"but got: {_size(input.shape)}"
        )
    cfg = Columns(tuple(input.shape[-2:]), ntuple(kernel_size, 2), ntuple(dilation, 2), ntuple(padding, 2), ntuple(stride, 2))
    blocks = tuple(
        (cfg.size[i] + 2 * cfg.padding[i] - cfg.dilation[i] * (cfg.kernel[i] - 1) - 1) // cfg.stride[i] + 1 for i in range(2)
    )
    if blocks[0] < 1 or blocks[1] < 1:
        raise RuntimeError(
            f"Given input with spatial size ({cfg.size[0]}, {cfg.size[1]}), kernel_size=({cfg.kernel[0]}, {cfg.kernel[1]}), "
            f"dilation=({cfg.dilation[0]}, {cfg.dilation[1]}), padding=({cfg.padding[0]}, {cfg.padding[1]}), "
            f"calculated shape of the array of sliding blocks as ({blocks[0]}, {blocks[1]}), but its components must be at least one."
        )
    return Im2Col.apply(input, cfg=cfg)  # a 3-D input is one unbatched image, handled by the op


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """The adjoint of unfold: (N, C·kh·kw, L) -> (N, C, *output_size), overlaps summed (``Col2ImBackward0``)."""
    cfg = Columns(ntuple(output_size, 2), ntuple(kernel_size, 2), ntuple(dilation, 2), ntuple(padding, 2), ntuple(stride, 2))
    if input.dim() not in (2, 3):
        raise RuntimeError(
            f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, "
            f"but got: {_size(input.shape)}"
        )
    k = cfg.kernel[0] * cfg.kernel[1]
    c_k = input.shape[-2]
    if c_k % k:
        raise RuntimeError(
            f"Expected size of input's dimension {input.dim() - 2} to be divisible by the product of kernel_size, "
            f"but got input.size({input.dim() - 2})={c_k} and kernel_size=({cfg.kernel[0]}, {cfg.kernel[1]})."
        )
    blocks = [
        (cfg.size[i] + 2 * cfg.padding[i] - cfg.dilation[i] * (cfg.kernel[i] - 1) - 1) // cfg.stride[i] + 1 for i in range(2)
    ]
    if blocks[0] * blocks[1] != input.shape[-1]:
        raise RuntimeError(
            f"Given output_size=({cfg.size[0]}, {cfg.size[1]}), kernel_size=({cfg.kernel[0]}, {cfg.kernel[1]}), "
            f"dilation=({cfg.dilation[0]}, {cfg.dilation[1]}), padding=({cfg.padding[0]}, {cfg.padding[1]}), "
            f"stride=({cfg.stride[0]}, {cfg.stride[1]}), expected size of input's dimension 2 to match the calculated "
            f"number of sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={input.shape[-1]}."
        )
    return Col2Im.apply(input, cfg=cfg)

