"""``F.max_pool1d/2d``, ``F.avg_pool1d/2d``, ``F.adaptive_{avg,max}_pool{1,2}d`` with PyTorch's checks.

The 1-D forms run the 2-D kernels on ``input.unsqueeze(-2)`` and squeeze the result, which is the
graph PyTorch builds (``UnsqueezeBackward0`` -> ``MaxPool2DWithIndicesBackward0`` ->
``SqueezeBackward1``). An adaptive average pool to 1x1 is a mean (``MeanBackward1``), as in PyTorch.
"""

from __future__ import annotations

from .._tensor import Tensor
from ..ops._linear_map import Separable
from ..ops.conv import squeeze_dim
from ..ops.pooling import (
    AdaptiveAvgPool2D,
    AdaptiveMaxPool2D,
    AvgPool2D,
    AvgWindow,
    MaxPool2DWithIndices,
    Window,
    averaging_matrix,
    pool_grid,
)
from ._functional_conv import ntuple


def _stride(stride, kernel: tuple, n: int) -> tuple:
    if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0):
        return kernel
    return ntuple(stride, n)


_ARITY = {
    "kernel_size": "{fn}: kernel_size must either be a single int, or a tuple of two ints",
    "stride": "{fn}: stride must either be omitted, a single int, or a tuple of two ints",
    "padding": "{fn}: padding must either be a single int, or a tuple of two ints",
    "dilation": "{fn}: dilation must be either a single int, or a tuple of two ints",
}


def _pair_arg(value, what: str, fn: str) -> tuple:
    """A 2-D pooling argument as a pair, with PyTorch's message for any other length."""
    if isinstance(value, (tuple, list)) and len(value) not in (1, 2) and not (what == "stride" and len(value) == 0):
        raise RuntimeError(_ARITY[what].format(fn=fn))
    return ntuple(value, 2)


def _check_pool(input: Tensor, win: Window, dims_word: str) -> None:
    # PyTorch's order: stride, padding sign and size, kernel / stride / dilation signs, input rank, output size.
    (kh, kw), (sh, sw), (dh, dw) = win.kernel, win.stride, win.dilation
    if sh == 0 or sw == 0:
        raise RuntimeError("stride should not be zero")
    for p in win.padding:
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    if kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sh < 0 or sw < 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} dilationW: {dw}")
    if input.dim() not in (3, 4) or input.numel() == 0:
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    for i in range(2):
        effective = (win.kernel[i] - 1) * win.dilation[i] + 1
        if win.padding[i] > effective // 2:
            raise RuntimeError(
                "pad should be at most half of effective kernel size, but got "
                f"pad={win.padding[i]}, kernel_size={win.kernel[i]} and dilation={win.dilation[i]}"
            )
    hw = tuple(input.shape[-2:])
    grid = pool_grid(hw, win)
    if grid[0] < 1 or grid[1] < 1:
        c = input.shape[-3]
        raise RuntimeError(
            f"Given input size: ({c}x{hw[0]}x{hw[1]}). Calculated output size: ({c}x{grid[0]}x{grid[1]}). "
            "Output size is too small"
        )


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    kernel = _pair_arg(kernel_size, "kernel_size", "max_pool2d")
    given_stride = () if stride is None else _pair_arg(stride, "stride", "max_pool2d")
    win = Window(kernel, _stride(given_stride, kernel, 2), _pair_arg(padding, "padding", "max_pool2d"),
                 _pair_arg(dilation, "dilation", "max_pool2d"), bool(ceil_mode))
    _check_pool(input, win, "2d")
    out, indices = MaxPool2DWithIndices.apply(input, win=win, **_saved_args(win, given_stride))
    return (out, indices) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(
            "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
            f"but got:[{', '.join(map(str, input.shape))}]"
        )
    (k,) = ntuple(kernel_size, 1)
    (s,) = _stride(stride, (k,), 1)
    (p,) = ntuple(padding, 1)
    (d,) = ntuple(dilation, 1)
    if p > k // 2:
        raise RuntimeError(
            f"max_pool1d() padding should be at most half of kernel size, but got padding={p} and kernel_size={k}"
        )
    n_out = pool_grid((1, input.shape[-1]), Window((1, k), (1, s), (0, p), (1, d), bool(ceil_mode)))[1]
    if n_out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {n_out}")
    win = Window((1, k), (1, s), (0, p), (1, d), bool(ceil_mode))
    out, indices = MaxPool2DWithIndices.apply(input.unsqueeze(-2), win=win, **_saved_args(win, win.stride))
    out = squeeze_dim(out, -2)
    return (out, indices.squeeze(-2)) if return_indices else out


def _saved_args(win: Window, given_stride: tuple) -> dict:
    """What PyTorch's pooling node exposes as _saved_kernel_size, _saved_stride (() when omitted), ..."""
    return {"kernel_size": win.kernel, "stride": tuple(given_stride), "padding": win.padding,
            "dilation": win.dilation, "ceil_mode": win.ceil_mode}


def _avg(input, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override, given_stride=None):
    win = Window(kernel, stride, padding, (1, 1), bool(ceil_mode))
    _check_pool(input, win, "2d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    cfg = AvgWindow(win, bool(count_include_pad), divisor_override, tuple(input.shape))
    saved = _saved_args(win, stride if given_stride is None else given_stride)
    del saved["dilation"]
    return AvgPool2D.apply(input, cfg=cfg, count_include_pad=bool(count_include_pad),
                           divisor_override=divisor_override, **saved)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
    kernel = _pair_arg(kernel_size, "kernel_size", "avg_pool2d")
    given_stride = () if stride is None else _pair_arg(stride, "stride", "avg_pool2d")
    stride = kernel if stride is None else given_stride
    padding = _pair_arg(padding, "padding", "avg_pool2d")
    return _avg(input, kernel, _stride(stride, kernel, 2), padding, ceil_mode, count_include_pad, divisor_override,
                given_stride)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"avg_pool1d() Expected input to have 2 or 3 dimensions, but got {input.dim()}")
    (k,) = ntuple(kernel_size, 1)
    (s,) = _stride(stride, (k,), 1)
    (p,) = ntuple(padding, 1)
    out = _avg(input.unsqueeze(-2), (1, k), (1, s), (0, p), ceil_mode, count_include_pad, None)
    return squeeze_dim(out, -2)


def _adaptive_size(output_size, input: Tensor, n: int) -> tuple:
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * n
    if len(sizes) == 1 and n == 2:
        sizes = tuple(sizes) * 2
    spatial = tuple(input.shape[-n:])
    return tuple(spatial[i] if s is None else int(s) for i, s in enumerate(sizes))


def _check_adaptive(input: Tensor, name: str) -> None:
    if input.dim() not in (3, 4):
        raise RuntimeError(f"{name}(): Expected 3D or 4D tensor, but got {list(input.shape)}")


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    _check_adaptive(input, "adaptive_avg_pool2d")
    out_hw = _adaptive_size(output_size, input, 2)
    if out_hw == (1, 1):
        return input.mean((-1, -2), keepdim=True)
    h, w = input.shape[-2:]
    dt = input._data.dtype
    cfg = Separable(averaging_matrix(h, out_hw[0], dt), averaging_matrix(w, out_hw[1], dt))
    return AdaptiveAvgPool2D.apply(input, cfg=cfg)


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d() argument 'input' should have 2 or 3 dimensions, but got {input.dim()}")
    (size,) = ntuple(output_size, 1)
    return squeeze_dim(adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)), -2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    _check_adaptive(input, "adaptive_max_pool2d")
    out_hw = _adaptive_size(output_size, input, 2)
    out, indices = AdaptiveMaxPool2D.apply(input, output_size=out_hw)
    return (out, indices) if return_indices else out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    if input.dim() not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d() argument 'input' should have 2 or 3 dimensions, but got {input.dim()}")
    (size,) = ntuple(output_size, 1)
    out, indices = AdaptiveMaxPool2D.apply(input.unsqueeze(-2), output_size=(1, size))
    out = squeeze_dim(out, -2)
    return (out, indices.squeeze(-2)) if return_indices else out



def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """max_pool2d that always returns (values, indices)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    return adaptive_max_pool1d(input, output_size, True)
