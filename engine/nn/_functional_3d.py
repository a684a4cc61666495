"""``F.conv3d``, ``F.conv_transpose3d``, ``F.max_pool3d``, ``F.avg_pool3d``, ``F.adaptive_avg_pool3d``,
``F.adaptive_max_pool3d``.

Convolutions share ``F.conv2d``'s checks and its one ``ConvolutionBackward0`` node. The pooling
checks run in ATen's order (argument arity, input rank, the per-dim output size with its stride
and padding checks, then ``pool3d_shape_check``), with its messages.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..ops._pool_nd import AvgWindow, Window, pool_grid
from ..ops.adaptive_max3d import AdaptiveMaxPool3D
from ..ops.pooling3d import (
    Adaptive3,
    AdaptiveAvgPool3D,
    AvgPool3D,
    MaxPool3DWithIndices,
)
from ._functional_conv import _conv, ntuple

_ARITY = {
    "max_pool3d": {"kernel_size": "kernel_size must either be a single int, or a tuple of three ints",
                   "stride": "stride must either be omitted, a single int, or a tuple of three ints",
                   "padding": "padding must either be a single int, or a tuple of three ints",
                   "dilation": "dilation must be either a single int, or a tuple of three ints"},
    "avg_pool3d": {"kernel_size": "kernel_size must be a single int, or a tuple of three ints",
                   "stride": "stride must be omitted, a single int, or a tuple of three ints",
                   "padding": "padding must be a single int, or a tuple of three ints"},
}


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1) -> Tensor:
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, True, output_padding)


def _triple(value, what: str, fn: str) -> tuple:
    if isinstance(value, (tuple, list)) and len(value) not in (1, 3) and not (what == "stride" and len(value) == 0):
        raise RuntimeError(f"{fn}: {_ARITY[fn][what]}")
    return ntuple(value, 3)


def _window(fn, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    kernel = _triple(kernel_size, "kernel_size", fn)
    given = () if stride is None else _triple(stride, "stride", fn)
    pad = _triple(padding, "padding", fn)
    dil = _triple(dilation, "dilation", fn) if fn == "max_pool3d" else (1, 1, 1)
    return Window(kernel, given or kernel, pad, dil, bool(ceil_mode)), given


def _check(input: Tensor, win: Window, check_input_size: bool, divisor_override=None) -> None:
    if input.dim() not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    for i in range(3):  # pooling_output_shape's checks, dim by dim
        if win.stride[i] == 0:
            raise RuntimeError("stride should not be zero")
        if win.padding[i] < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {win.padding[i]}")
        effective = (win.kernel[i] - 1) * win.dilation[i] + 1
        if win.padding[i] > effective // 2:
            raise RuntimeError("pad should be at most half of effective kernel size, but got "
                               f"pad={win.padding[i]}, kernel_size={win.kernel[i]} and dilation={win.dilation[i]}")
    k, s, d = win.kernel, win.stride, win.dilation
    if min(k) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {k[0]} kH: {k[1]} kW: {k[2]}")
    if min(s) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dT: {s[0]} dH: {s[1]} dW: {s[2]}")
    if min(d) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationT: {d[0]} dilationH: {d[1]} "
                           f"dilationW: {d[2]}")
    if input.numel() == 0:
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    sizes = tuple(input.shape[-3:])
    if check_input_size and any(sizes[i] < k[i] for i in range(3)):
        raise RuntimeError(f"input image (T: {sizes[0]} H: {sizes[1]} W: {sizes[2]}) smaller than kernel size "
                           f"(kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    grid = pool_grid(sizes, win)
    if min(grid) < 1:
        c = input.shape[-4]
        raise RuntimeError(f"Given input size: ({c}x{sizes[0]}x{sizes[1]}x{sizes[2]}). Calculated output size: "
                           f"({c}x{grid[0]}x{grid[1]}x{grid[2]}). Output size is too small")


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    win, given = _window("max_pool3d", kernel_size, stride, padding, dilation, ceil_mode)
    _check(input, win, False)
    out, indices = MaxPool3DWithIndices.apply(input, win=win, kernel_size=win.kernel, stride=given,
                                              padding=win.padding, dilation=win.dilation, ceil_mode=win.ceil_mode)
    return (out, indices) if return_indices else out


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None) -> Tensor:
    win, given = _window("avg_pool3d", kernel_size, stride, padding, 1, ceil_mode)
    _check(input, win, True, divisor_override)
    cfg = AvgWindow(win, bool(count_include_pad), divisor_override, tuple(input.shape))
    return AvgPool3D.apply(input, cfg=cfg, kernel_size=win.kernel, stride=given, padding=win.padding,
                           ceil_mode=win.ceil_mode, count_include_pad=bool(count_include_pad),
                           divisor_override=divisor_override)


def adaptive_avg_pool3d(input, output_size) -> Tensor:
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got {list(input.shape)}")
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 3
    if len(sizes) == 1:
        sizes = tuple(sizes) * 3
    spatial = tuple(input.shape[-3:])
    out = tuple(spatial[i] if s is None else int(s) for i, s in enumerate(sizes))
    if out == (1, 1, 1):  # PyTorch takes a mean here (MeanBackward1)
        return input.mean((-1, -2, -3), keepdim=True)
    return AdaptiveAvgPool3D.apply(input, cfg=Adaptive3(spatial, out))


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over each adaptive region of (N, C, D, H, W) or (C, D, H, W) input (AdaptiveMaxPool3DBackward0);
    ``return_indices`` also gives each maximum's flat index into its D·H·W volume."""
    if not isinstance(output_size, int):
        # torch.nn.functional's _list_with_default: None keeps the input's size along that dim.
        if input.dim() <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        output_size = [input.shape[i - len(output_size)] if s is None else s for i, s in enumerate(output_size)]
    if input.dim() not in (4, 5):
        raise RuntimeError(f"adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: {list(input.shape)}")
    sizes = (output_size,) * 3 if isinstance(output_size, int) else tuple(int(s) for s in output_size)
    if len(sizes) != 3:
        raise RuntimeError("adaptive_max_pool3d(): internal error: output_size.size() must be 3")
    for d in range(1, input.dim()):
        if input.shape[d] == 0:
            raise RuntimeError("adaptive_max_pool3d(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(input.shape)} with dimension {d} being empty")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"adaptive_max_pool3d_cpu\" not implemented for '{_TYPE_NAME[str(input.dtype)]}'")
    out, indices = AdaptiveMaxPool3D.apply(input, output_size=sizes)
    return (out, indices) if return_indices else out


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool3d(input, output_size, True)


# ATen's scalar type names in "not implemented for" messages.
_TYPE_NAME = {"torch.int64": "Long", "torch.int32": "Int", "torch.int16": "Short", "torch.int8": "Char",
              "torch.uint8": "Byte", "torch.bool": "Bool"}
