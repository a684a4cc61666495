"""3-D pooling: ``max_pool3d_with_indices`` (MaxPool3DWithIndicesBackward0), ``avg_pool3d``
(AvgPool3DBackward0) and ``adaptive_avg_pool3d`` (AdaptiveAvgPool3DBackward0).

The input's (N·C) planes go innermost (contiguous), the three spatial dims are padded once, and
each kernel offset (kd·kh·kw of them, never one per voxel) is one strided slice over all output
positions -- the 2-D kernels' method with one more axis. Max pooling returns flat indices into each
input volume (D·H·W), as PyTorch does; its reverse rule scatters the gradient there and that
scatter's reverse rule gathers, so every op here is half of a :class:`LinearMap` pair (max pooling
itself is piecewise linear: its rules reuse the pair with the recorded arg-max).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._linear_map import InputAdjoint, LinearMap, pair
from ._pool_nd import AvgWindow, Scatter, Window, _avg_adjoint, _avg_forward
from ._samples import distinct
from .pooling import MaxPool2DWithIndices, PoolGather, PoolScatter, averaging_matrix

_rand = distinct


def _scatter_sample():
    flat = np.array([[[[0, 7], [12, 26]]]])
    return Scatter(flat, (1, 3, 3, 3), 3)


class Pool3DScatter(PoolScatter):
    node_name = "MaxPool3DWithIndicesBackwardBackward0"
    aten = "aten::max_pool3d_with_indices_backward"

    @staticmethod
    def samples():
        return [((_rand(1, 1, 2, 2),), {"cfg": _scatter_sample()})]


class Pool3DGather(PoolGather):
    node_name = "GatherBackward0"  # PyTorch's max_pool double backward is a gather at the indices
    aten = "aten::gather"

    @staticmethod
    def samples():
        return [((_rand(1, 3, 3, 3),), {"cfg": _scatter_sample()})]


pair(Pool3DScatter, Pool3DGather)


class MaxPool3DWithIndices(MaxPool2DWithIndices):
    """``aten::max_pool3d_with_indices``: the 2-D op's rules over three spatial dims."""

    node_name = "MaxPool3DWithIndicesBackward0"
    aten = "aten::max_pool3d_with_indices"
    nd = 3
    scatter = Pool3DScatter
    gather = Pool3DGather

    @staticmethod
    def samples():
        return [((_rand(1, 2, 4, 4, 4),), {"win": Window((2, 2, 2), (2, 2, 2), (0, 0, 0), (1, 1, 1), False)}),
                ((_rand(2, 3, 4, 5),), {"win": Window((3, 2, 2), (1, 2, 1), (1, 1, 0), (1, 1, 2), True)})]


def _avg_cfg(shape, kernel, stride, padding, ceil, include, divisor):
    return AvgWindow(Window(kernel, stride, padding, (1, 1, 1), ceil), include, divisor, shape)


class AvgPool3D(LinearMap):
    node_name = "AvgPool3DBackward0"
    aten = "aten::avg_pool3d"
    saves = ("self",)

    def forward(self, x):
        return _avg_forward(x, self.cfg)

    def rule(self) -> str:
        return "grad_input = grad / window size, spread over each window"

    @staticmethod
    def samples():
        return [((_rand(1, 2, 4, 4, 4),), {"cfg": _avg_cfg((1, 2, 4, 4, 4), (2, 2, 2), (2, 2, 2), (0, 0, 0), False,
                                                           True, None)}),
                ((_rand(2, 3, 4, 5),), {"cfg": _avg_cfg((2, 3, 4, 5), (3, 2, 2), (2, 1, 2), (1, 1, 0), True,
                                                        False, None)})]


class AvgPool3DAdjoint(InputAdjoint):
    node_name = "AvgPool3DBackwardBackward0"
    aten = "aten::avg_pool3d_backward"

    def forward(self, g):
        return _avg_adjoint(g, self.cfg)

    @staticmethod
    def samples():
        return [((_rand(2, 2, 5, 3),), {"cfg": _avg_cfg((2, 3, 4, 5), (3, 2, 2), (2, 1, 2), (1, 1, 0), True,
                                                        False, None)})]


pair(AvgPool3D, AvgPool3DAdjoint)


# ---- adaptive average pooling ------------------------------------------------------------------------


class Adaptive3(NamedTuple):
    in_sizes: tuple
    out_sizes: tuple


def _adaptive_apply(x: np.ndarray, cfg: Adaptive3, adjoint: bool) -> np.ndarray:
    """Each spatial axis multiplied by its (out, in) averaging matrix (transposed for the adjoint)."""
    out = x
    nd = len(cfg.in_sizes)
    for i in range(nd):
        m = averaging_matrix(cfg.in_sizes[i], cfg.out_sizes[i], x.dtype)
        m = m.T if adjoint else m
        axis = out.ndim - nd + i
        out = np.moveaxis(np.tensordot(out, m, axes=([axis], [1])), -1, axis)
    return np.ascontiguousarray(out)


class AdaptiveAvgPool3D(LinearMap):
    node_name = "AdaptiveAvgPool3DBackward0"
    aten = "aten::_adaptive_avg_pool3d"
    saves = ("self",)

    def forward(self, x):
        return _adaptive_apply(x, self.cfg, False)

    def rule(self) -> str:
        return "grad_input = grad spread evenly over each adaptive window"

    @staticmethod
    def samples():
        return [((_rand(1, 2, 5, 4, 3),), {"cfg": Adaptive3((5, 4, 3), (2, 3, 1))})]


class AdaptiveAvgPool3DAdjoint(InputAdjoint):
    node_name = "AdaptiveAvgPool3DBackwardBackward0"
    aten = "aten::_adaptive_avg_pool3d_backward"

    def forward(self, g):
        return _adaptive_apply(g, self.cfg, True)

    @staticmethod
    def samples():
        return [((_rand(1, 2, 2, 3, 1),), {"cfg": Adaptive3((5, 4, 3), (2, 3, 1))})]


pair(AdaptiveAvgPool3D, AdaptiveAvgPool3DAdjoint)
