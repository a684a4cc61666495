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

import numpy as np

from .._op import Op
from .._tensor import _make
from ._linear_map import (
    InputAdjoint,
    LinearMap,
    Separable,
    pair,
    separable_adjoint,
    separable_forward,
)
from ._pool_nd import (  # noqa: F401  (Window, pool_grid: nn)
    AvgWindow,
    Scatter,
    Window,
    _avg_adjoint,
    _avg_forward,
    _gather,
    _max_windows,
    _planes,
    _scatter,
    pool_grid,
)
from ._samples import distinct

_rand = distinct


class PoolScatter(InputAdjoint):
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
        return Scatter(self.indices, self._in_meta[0][0], self.nd)

    nd = 2  # spatial dims (MaxPool3DWithIndices: 3)
    scatter = PoolScatter  # the op of the input gradient
    gather = PoolGather  # the op of the forward-mode tangent

    def vjp(self, grad, _):
        (x,) = self.saved  # checks the saved input's version, as PyTorch does
        return (self.scatter.apply(grad, x, cfg=self._cfg()),)

    @property
    def _saved_result1(self):
        return _make(self.indices)

    def jvp(self, tangents):
        return self.gather.apply(tangents[0], cfg=Scatter(self.indices, self.fw_inputs[0]._data.shape, self.nd)), None

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


class AvgPool2DAdjoint(InputAdjoint):
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


class AdaptiveAvgPool2DAdjoint(InputAdjoint):
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
    planes, (h, w) = _planes(x.shape, 2)
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
