"""Pooling: max (with indices), average and adaptive average / max over 2-D planes.

PyTorch's 1-D pools are its 2-D kernels on an unsqueezed input (``UnsqueezeBackward0`` ->
``MaxPool2DWithIndicesBackward0`` -> ``SqueezeBackward1``), so only 2-D ops exist here; the nn
wrappers add the views. Each op takes (N, C, H, W) or unbatched (C, H, W) planes.

The gradient of a max pool sends each output gradient to the input position its window picked
(a scatter-add; the adjoint of the gather that the forward rule uses), so the pair
scatter/gather gives exact gradients of every order. Average pools and adaptive average pools
are linear maps paired with their adjoints (``_linear_map``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._op import Op
from .._tensor import _make
from ._linear_map import LinearMap, Separable, pair, separable_adjoint, separable_forward
from ._windows import out_size
from ._samples import distinct


_rand = distinct


def _planes(shape) -> tuple:
    """(N·C, H, W) view sizes of a 3-D or 4-D input."""
    return (int(np.prod(shape[:-2])),) + tuple(shape[-2:])


class Window(NamedTuple):
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    ceil_mode: bool


def pool_grid(hw, win: Window) -> tuple:
    return tuple(out_size(hw[i], win.kernel[i], win.stride[i], win.padding[i], win.dilation[i], win.ceil_mode) for i in range(2))


def _extra(hw, grid, win: Window) -> tuple:
    """Padding beyond the right/bottom edge that ceil_mode's last window reaches into."""
    return tuple(
        max(0, (grid[i] - 1) * win.stride[i] + win.dilation[i] * (win.kernel[i] - 1) + 1 - hw[i] - 2 * win.padding[i])
        for i in range(2)
    )


# ---- max pooling -----------------------------------------------------------------------------------


class Scatter(NamedTuple):
    """Where each output element's gradient goes: flat positions in the (N·C, H·W) input planes."""

    flat: np.ndarray  # int64, shape of the pooled output
    in_shape: tuple


def _scatter(g: np.ndarray, cfg: Scatter) -> np.ndarray:
    planes, h, w = _planes(cfg.in_shape)
    positions = (cfg.flat.reshape(planes, -1) + (np.arange(planes) * (h * w))[:, None]).ravel()
    out = np.bincount(positions, weights=g.ravel(), minlength=planes * h * w)
    return out.astype(g.dtype, copy=False).reshape(cfg.in_shape)


def _gather(x: np.ndarray, cfg: Scatter) -> np.ndarray:
    planes, h, w = _planes(cfg.in_shape)
    picked = np.take_along_axis(x.reshape(planes, h * w), cfg.flat.reshape(planes, -1), axis=1)
    return picked.reshape(cfg.flat.shape)


class PoolScatter(LinearMap):
    """max_pool's input gradient: each output gradient added at its window's arg-max."""

    node_name = "MaxPool2DWithIndicesBackwardBackward0"
    aten = "aten::max_pool2d_with_indices_backward"

    def forward(self, g):
        return _scatter(g, self.cfg)

    @staticmethod
    def samples():
        flat = np.array([[[0, 3], [5, 5]]])
        return [((_rand(1, 2, 2),), {"cfg": Scatter(flat, (1, 3, 3))})]


class PoolGather(LinearMap):
    """The adjoint of :class:`PoolScatter`: read each output's arg-max position."""

    # PyTorch differentiates max_pool's backward with a gather at the indices (max_pool_double_backward).
    node_name = "GatherBackward0"
    aten = "aten::gather"

    def forward(self, x):
        return _gather(x, self.cfg)

    @staticmethod
    def samples():
        flat = np.array([[[0, 3], [5, 8]], [[1, 1], [2, 7]]])
        return [((_rand(2, 3, 3),), {"cfg": Scatter(flat, (2, 3, 3))})]


pair(PoolScatter, PoolGather)


class AdaptivePoolScatter(PoolScatter):
    """adaptive_max_pool's input gradient (same scatter, PyTorch's name for it)."""

    node_name = "AdaptiveMaxPool2DBackwardBackward0"
    aten = "aten::adaptive_max_pool2d_backward"


def _hwp(x: np.ndarray, padding, fill, extra) -> np.ndarray:
    """(…, H, W) -> padded, contiguous (H', W', planes): the planes innermost, so each strided
    window slice below moves long contiguous runs instead of rows of W."""
    planes, h, w = _planes(x.shape)
    (ph, pw), (eh, ew) = padding, extra
    t = np.ascontiguousarray(x.reshape(planes, h, w).transpose(1, 2, 0))
    if ph or pw or eh or ew:
        t = np.pad(t, ((ph, ph + eh), (pw, pw + ew), (0, 0)), constant_values=fill)
    return t


def _offset_slices(win: Window, grid):
    """(i, j, slice rows, slice cols) of the window entry (i, j) for every output position."""
    (kh, kw), (sh, sw), (dh, dw) = win.kernel, win.stride, win.dilation
    for i in range(kh):
        for j in range(kw):
            yield i, j, slice(i * dh, i * dh + sh * (grid[0] - 1) + 1, sh), slice(j * dw, j * dw + sw * (grid[1] - 1) + 1, sw)


def _max_windows(x: np.ndarray, win: Window):
    """(values, flat arg-max positions) of every window of a (…, H, W) input.

    One vectorised pass per kernel offset (kh·kw of them, never one per pixel). As in PyTorch's
    kernel a later entry wins when it is greater or NaN, so ties keep the first maximum.
    """
    shape = x.shape
    _, h, w = _planes(shape)
    grid = pool_grid((h, w), win)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    xt = _hwp(x, win.padding, fill, _extra((h, w), grid, win))
    check_nan = x.dtype.kind == "f" and bool(np.isnan(xt).any())
    kw = win.kernel[1]
    best = arg = None
    offsets = []  # flat offset in the input plane of each window entry
    for i, j, rows, cols in _offset_slices(win, grid):
        offsets.append(i * win.dilation[0] * w + j * win.dilation[1])
        v = xt[rows, cols]
        if best is None:
            best = v.copy()
            arg = np.zeros(best.shape, dtype=np.int16 if win.kernel[0] * kw < 32767 else np.int64)
            continue
        better = v > best
        if check_nan:
            better |= np.isnan(v)
        np.maximum(best, v, out=best)  # NaN propagates like PyTorch's max
        # arg = where(better, o, arg), in plain arithmetic (masked writes are several times slower)
        arg += better * (arg.dtype.type(i * kw + j) - arg)
    origin = (np.arange(grid[0]) * win.stride[0] - win.padding[0])[:, None] * w + (
        np.arange(grid[1]) * win.stride[1] - win.padding[1]
    )[None, :]
    out_shape = shape[:-2] + grid
    values = np.ascontiguousarray(best.transpose(2, 0, 1)).reshape(out_shape)
    flat = (np.take(np.asarray(offsets, dtype=np.int64), arg.transpose(2, 0, 1)) + origin).reshape(out_shape)
    return values, flat


class MaxPool2DWithIndices(Op):
    """``aten::max_pool2d_with_indices``: (values, int64 indices into each input plane)."""

    node_name = "MaxPool2DWithIndicesBackward0"
    aten = "aten::max_pool2d_with_indices"
    saves = ("self",)  # as PyTorch (so modifying the input in place before backward is an error)
    num_outputs = 2
    nondiff_outputs = (1,)
    smooth = False

    def forward(self, x):
        values, flat = _max_windows(x, self.win)
        self.indices = flat
        return values, flat.astype(np.int64, copy=False)

    def _cfg(self) -> Scatter:
        return Scatter(self.indices, self._in_meta[0][0])

    scatter = PoolScatter  # the op of the input gradient

    def vjp(self, grad, _):
        self.saved  # noqa: B018 - checks the saved input's version, as PyTorch does
        return (self.scatter.apply(grad, cfg=self._cfg()),)

    @property
    def _saved_result1(self):
        return _make(self.indices)

    def jvp(self, tangents):
        return PoolGather.apply(tangents[0], cfg=Scatter(self.indices, self.fw_inputs[0]._data.shape)), None

    def rule(self) -> str:
        return "grad_input[argmax of each window] += grad   (other positions get 0)"

    @staticmethod
    def samples():
        return [
            ((_rand(2, 2, 5, 5),), {"win": Window((2, 2), (2, 2), (0, 0), (1, 1), False)}),
            ((_rand(1, 3, 5, 6),), {"win": Window((3, 2), (2, 1), (1, 1), (1, 2), True)}),
            ((_rand(2, 4, 4),), {"win": Window((3, 3), (1, 1), (1, 1), (1, 1), False)}),
        ]


# ---- average pooling -------------------------------------------------------------------------------


class AvgWindow(NamedTuple):
    win: Window
    count_include_pad: bool
    divisor_override: int | None
    in_shape: tuple


def _divisors(hw, grid, cfg: AvgWindow) -> np.ndarray:
    """PyTorch's divisor for each output position (window size clipped to padded/real input)."""
    if cfg.divisor_override:
        return np.full(grid, float(cfg.divisor_override))
    win = cfg.win
    sizes = []
    for i in range(2):
        start = np.arange(grid[i]) * win.stride[i] - win.padding[i]
        end = np.minimum(start + win.kernel[i], hw[i] + win.padding[i])
        padded = end - start
        real = np.minimum(end, hw[i]) - np.maximum(start, 0)
        sizes.append(padded if cfg.count_include_pad else real)
    return sizes[0][:, None] * sizes[1][None, :]


def _avg_forward(x: np.ndarray, cfg: AvgWindow) -> np.ndarray:
    _, h, w = _planes(x.shape)
    win = cfg.win
    grid = pool_grid((h, w), win)
    xt = _hwp(x, win.padding, 0.0, _extra((h, w), grid, win))
    total = None
    for _i, _j, rows, cols in _offset_slices(win, grid):
        total = xt[rows, cols].copy() if total is None else np.add(total, xt[rows, cols], out=total)
    total /= _divisors((h, w), grid, cfg).astype(x.dtype)[:, :, None]
    return np.ascontiguousarray(total.transpose(2, 0, 1)).reshape(x.shape[:-2] + grid)


def _avg_adjoint(g: np.ndarray, cfg: AvgWindow) -> np.ndarray:
    in_shape = cfg.in_shape
    planes, h, w = _planes(in_shape)
    win = cfg.win
    grid = pool_grid((h, w), win)
    extra = _extra((h, w), grid, win)
    ph, pw = win.padding
    share = _hwp(g, (0, 0), 0.0, (0, 0)) / _divisors((h, w), grid, cfg).astype(g.dtype)[:, :, None]
    acc = np.zeros((h + 2 * ph + extra[0], w + 2 * pw + extra[1], planes), dtype=g.dtype)
    for _i, _j, rows, cols in _offset_slices(win, grid):
        acc[rows, cols] += share
    return np.ascontiguousarray(acc[ph : ph + h, pw : pw + w].transpose(2, 0, 1)).reshape(in_shape)


class AvgPool2D(LinearMap):
    node_name = "AvgPool2DBackward0"
    aten = "aten::avg_pool2d"
    saves = ("self",)

    def forward(self, x):
        return _avg_forward(x, self.cfg)

    def rule(self) -> str:
        return "grad_input = grad / window size, spread over each window"

    @staticmethod
    def samples():
        return [
            ((_rand(2, 2, 5, 5),), {"cfg": AvgWindow(Window((2, 2), (2, 2), (0, 0), (1, 1), False), True, None, (2, 2, 5, 5))}),
            ((_rand(1, 2, 5, 6),), {"cfg": AvgWindow(Window((3, 2), (2, 1), (1, 1), (1, 1), True), False, None, (1, 2, 5, 6))}),
            ((_rand(2, 4, 4),), {"cfg": AvgWindow(Window((3, 3), (2, 2), (1, 1), (1, 1), True), True, 4, (2, 4, 4))}),
        ]


class AvgPool2DAdjoint(LinearMap):
    node_name = "AvgPool2DBackwardBackward0"
    aten = "aten::avg_pool2d_backward"

    def forward(self, g):
        return _avg_adjoint(g, self.cfg)

    @staticmethod
    def samples():
        cfg = AvgWindow(Window((3, 2), (2, 1), (1, 1), (1, 1), True), False, None, (1, 2, 5, 6))
        return [((_rand(1, 2, 3, 7),), {"cfg": cfg})]


pair(AvgPool2D, AvgPool2DAdjoint)


# ---- adaptive pooling ------------------------------------------------------------------------------


def adaptive_bounds(size: int, out: int) -> tuple:
    """PyTorch's adaptive windows: [floor(i·size/out), ceil((i+1)·size/out))."""
    i = np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def averaging_matrix(size: int, out: int, dtype) -> np.ndarray:
    start, end = adaptive_bounds(size, out)
    cols = np.arange(size)
    inside = (cols[None, :] >= start[:, None]) & (cols[None, :] < end[:, None])
    return (inside / (end - start)[:, None]).astype(dtype)


def _separable_sample(shape, rows: bool):
    cfg = Separable(averaging_matrix(shape[-2], 2, np.float64) if rows else None, averaging_matrix(shape[-1], 3, np.float64))
    return [((_rand(*shape),), {"cfg": cfg})]


class AdaptiveAvgPool2D(LinearMap):
    node_name = "AdaptiveAvgPool2DBackward0"
    aten = "aten::_adaptive_avg_pool2d"
    saves = ("self",)

    def forward(self, x):
        return separable_forward(x, self.cfg)

    def rule(self) -> str:
        return "grad_input = grad / region size, spread over each adaptive region"

    @staticmethod
    def samples():
        return _separable_sample((2, 2, 5, 7), True)


class AdaptiveAvgPool2DAdjoint(LinearMap):
    node_name = "AdaptiveAvgPool2DBackwardBackward0"
    aten = "aten::_adaptive_avg_pool2d_backward"

    def forward(self, g):
        return separable_adjoint(g, self.cfg)

    @staticmethod
    def samples():
        cfg = Separable(averaging_matrix(5, 2, np.float64), averaging_matrix(7, 3, np.float64))
        return [((_rand(2, 2, 2, 3),), {"cfg": cfg})]


pair(AdaptiveAvgPool2D, AdaptiveAvgPool2DAdjoint)


def _region_index(size: int, out: int):
    """(out, k) input positions of each adaptive region (padded to the longest) and which are real."""
    start, end = adaptive_bounds(size, out)
    idx = start[:, None] + np.arange(int((end - start).max()))[None, :]
    return np.minimum(idx, size - 1), idx < end[:, None]


def _adaptive_max(x: np.ndarray, out_hw) -> tuple:
    """Every adaptive region gathered at once (padded with -inf to the longest), then one arg-max."""
    planes, h, w = _planes(x.shape)
    (rows, row_ok), (cols, col_ok) = _region_index(h, out_hw[0]), _region_index(w, out_hw[1])
    kh, kw = rows.shape[1], cols.shape[1]
    blocks = x.reshape(planes, h, w)[:, rows[:, :, None, None], cols[None, None, :, :]]  # (P, oh, kh, ow, kw)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    blocks = np.where(row_ok[:, :, None, None] & col_ok[None, None, :, :], blocks, fill).astype(x.dtype, copy=False)
    blocks = blocks.transpose(0, 1, 3, 2, 4).reshape(planes, out_hw[0], out_hw[1], kh * kw)
    arg = blocks.argmax(axis=-1)  # the first maximum, as PyTorch's strict '>' scan
    values = np.take_along_axis(blocks, arg[..., None], axis=-1)[..., 0]
    r = np.take_along_axis(np.broadcast_to(rows[None, :, None, :], (planes, out_hw[0], out_hw[1], kh)), (arg // kw)[..., None], -1)
    c = np.take_along_axis(np.broadcast_to(cols[None, None, :, :], (planes, out_hw[0], out_hw[1], kw)), (arg % kw)[..., None], -1)
    out_shape = x.shape[:-2] + tuple(out_hw)
    return values.reshape(out_shape), (r[..., 0] * w + c[..., 0]).reshape(out_shape)


class AdaptiveMaxPool2D(MaxPool2DWithIndices):
    node_name = "AdaptiveMaxPool2DBackward0"
    aten = "aten::adaptive_max_pool2d"
    scatter = AdaptivePoolScatter

    def forward(self, x):
        values, flat = _adaptive_max(x, self.output_size)
        self.indices = flat
        return values, flat

    def rule(self) -> str:
        return "grad_input[argmax of each adaptive region] += grad"

    @staticmethod
    def samples():
        return [((_rand(2, 2, 5, 7),), {"output_size": (2, 3)}), ((_rand(2, 4, 4),), {"output_size": (4, 3)})]
