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

import itertools
from typing import NamedTuple

import numpy as np

from .._op import Op
from .._tensor import _make
from ._linear_map import LinearMap, pair
from ._windows import out_size
from .pooling import Window, averaging_matrix
from ._samples import distinct

ND = 3


_rand = distinct


def pool_grid(sizes, win: Window) -> tuple:
    return tuple(out_size(sizes[i], win.kernel[i], win.stride[i], win.padding[i], win.dilation[i], win.ceil_mode)
                 for i in range(ND))


def _extra(sizes, grid, win: Window) -> tuple:
    """Padding past the far edge that ceil_mode's last window reaches into."""
    return tuple(max(0, (grid[i] - 1) * win.stride[i] + win.dilation[i] * (win.kernel[i] - 1) + 1 - sizes[i]
                     - 2 * win.padding[i]) for i in range(ND))


def _volumes(shape) -> tuple:
    return int(np.prod(shape[:-ND])), tuple(shape[-ND:])


def _inner(x: np.ndarray, padding, fill, extra) -> np.ndarray:
    """(…, D, H, W) -> padded contiguous (D', H', W', planes)."""
    planes, sizes = _volumes(x.shape)
    t = np.ascontiguousarray(np.moveaxis(x.reshape(planes, *sizes), 0, -1))
    if any(padding) or any(extra):
        t = np.pad(t, [(p, p + e) for p, e in zip(padding, extra)] + [(0, 0)], constant_values=fill)
    return t


def _outer(t: np.ndarray, lead: tuple) -> np.ndarray:
    """(D, H, W, planes) -> (*lead, D, H, W)."""
    return np.ascontiguousarray(np.moveaxis(t, -1, 0)).reshape(lead + t.shape[:-1])


def _offsets(win: Window, grid):
    """(kernel offset, slices selecting that window entry for every output position)."""
    for offset in itertools.product(*(range(k) for k in win.kernel)):
        yield offset, tuple(slice(o * d, o * d + s * (g - 1) + 1, s)
                            for o, d, s, g in zip(offset, win.dilation, win.stride, grid))


# ---- max pooling -------------------------------------------------------------------------------------


class Scatter3(NamedTuple):
    flat: np.ndarray  # int64 positions in each input volume, shape of the pooled output
    in_shape: tuple


def _scatter(g: np.ndarray, cfg: Scatter3) -> np.ndarray:
    planes, sizes = _volumes(cfg.in_shape)
    volume = int(np.prod(sizes))
    positions = (cfg.flat.reshape(planes, -1) + (np.arange(planes) * volume)[:, None]).ravel()
    out = np.bincount(positions, weights=g.ravel(), minlength=planes * volume)
    return out.astype(g.dtype, copy=False).reshape(cfg.in_shape)


def _gather(x: np.ndarray, cfg: Scatter3) -> np.ndarray:
    planes, sizes = _volumes(cfg.in_shape)
    picked = np.take_along_axis(x.reshape(planes, -1), cfg.flat.reshape(planes, -1), axis=1)
    return picked.reshape(cfg.flat.shape)


def _scatter_sample():
    flat = np.array([[[[0, 7], [12, 26]]]])
    return Scatter3(flat, (1, 3, 3, 3))


class Pool3DScatter(LinearMap):
    node_name = "MaxPool3DWithIndicesBackwardBackward0"
    aten = "aten::max_pool3d_with_indices_backward"

    def forward(self, g):
        return _scatter(g, self.cfg)

    @staticmethod
    def samples():
        return [((_rand(1, 1, 2, 2),), {"cfg": _scatter_sample()})]


class Pool3DGather(LinearMap):
    node_name = "GatherBackward0"  # PyTorch's max_pool double backward is a gather at the indices
    aten = "aten::gather"

    def forward(self, x):
        return _gather(x, self.cfg)

    @staticmethod
    def samples():
        return [((_rand(1, 3, 3, 3),), {"cfg": _scatter_sample()})]


pair(Pool3DScatter, Pool3DGather)


def _max_windows(x: np.ndarray, win: Window) -> tuple:
    """(values, flat arg-max positions); a later entry wins only when greater or NaN (ties: the first)."""
    lead, sizes = x.shape[:-ND], x.shape[-ND:]
    grid = pool_grid(sizes, win)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    t = _inner(x, win.padding, fill, _extra(sizes, grid, win))
    check_nan = x.dtype.kind == "f" and bool(np.isnan(t).any())
    strides = [int(np.prod(sizes[i + 1:])) for i in range(ND)]  # of each input volume, flattened
    best = arg = None
    flat_offsets = []
    for k, (offset, index) in enumerate(_offsets(win, grid)):
        flat_offsets.append(sum(o * d * st for o, d, st in zip(offset, win.dilation, strides)))
        v = t[index]
        if best is None:
            best, arg = v.copy(), np.zeros(v.shape, dtype=np.int64)
            continue
        better = v > best
        if check_nan:
            better |= np.isnan(v)
        np.maximum(best, v, out=best)
        arg[better] = k
    origin = sum((np.arange(grid[i]) * win.stride[i] - win.padding[i]).reshape([-1 if j == i else 1 for j in range(ND)])
                 * strides[i] for i in range(ND))
    flat = np.take(np.asarray(flat_offsets, dtype=np.int64), arg) + origin[..., None]
    return _outer(best, lead), _outer(flat, lead)


class MaxPool3DWithIndices(Op):
    node_name = "MaxPool3DWithIndicesBackward0"
    aten = "aten::max_pool3d_with_indices"
    saves = ("self",)
    num_outputs = 2
    nondiff_outputs = (1,)
    smooth = False

    def forward(self, x):
        values, flat = _max_windows(x, self.win)
        self.indices = flat
        return values, flat

    def vjp(self, grad, _):
        self.saved  # noqa: B018 - checks the saved input's version, as PyTorch does
        return (Pool3DScatter.apply(grad, cfg=Scatter3(self.indices, self._in_meta[0][0])),)

    @property
    def _saved_result1(self):
        return _make(self.indices)

    def jvp(self, tangents):
        return Pool3DGather.apply(tangents[0], cfg=Scatter3(self.indices, self.fw_inputs[0]._data.shape)), None

    def rule(self) -> str:
        return "grad_input[argmax of each window] += grad   (other positions get 0)"

    @staticmethod
    def samples():
        return [((_rand(1, 2, 4, 4, 4),), {"win": Window((2, 2, 2), (2, 2, 2), (0, 0, 0), (1, 1, 1), False)}),
                ((_rand(2, 3, 4, 5),), {"win": Window((3, 2, 2), (1, 2, 1), (1, 1, 0), (1, 1, 2), True)})]


# ---- average pooling ---------------------------------------------------------------------------------


class AvgWindow3(NamedTuple):
    win: Window
    count_include_pad: bool
    divisor_override: int | None
    in_shape: tuple


def _divisors(sizes, grid, cfg: AvgWindow3) -> np.ndarray:
    if cfg.divisor_override:
        return np.full(grid, float(cfg.divisor_override))
    win, total = cfg.win, None
    for i in range(ND):
        start = np.arange(grid[i]) * win.stride[i] - win.padding[i]
        end = np.minimum(start + win.kernel[i], sizes[i] + win.padding[i])
        size = (end - start) if cfg.count_include_pad else (np.minimum(end, sizes[i]) - np.maximum(start, 0))
        size = size.reshape([-1 if j == i else 1 for j in range(ND)])
        total = size if total is None else total * size
    return total


def _avg_forward(x: np.ndarray, cfg: AvgWindow3) -> np.ndarray:
    lead, sizes = x.shape[:-ND], x.shape[-ND:]
    grid = pool_grid(sizes, cfg.win)
    t = _inner(x, cfg.win.padding, 0.0, _extra(sizes, grid, cfg.win))
    total = None
    for _, index in _offsets(cfg.win, grid):
        total = t[index].copy() if total is None else np.add(total, t[index], out=total)
    total /= _divisors(sizes, grid, cfg).astype(x.dtype)[..., None]
    return _outer(total, lead)


def _avg_adjoint(g: np.ndarray, cfg: AvgWindow3) -> np.ndarray:
    lead, sizes = cfg.in_shape[:-ND], cfg.in_shape[-ND:]
    win = cfg.win
    grid = pool_grid(sizes, win)
    extra = _extra(sizes, grid, win)
    share = _inner(g, (0,) * ND, 0.0, (0,) * ND) / _divisors(sizes, grid, cfg).astype(g.dtype)[..., None]
    acc = np.zeros(tuple(s + 2 * p + e for s, p, e in zip(sizes, win.padding, extra)) + share.shape[-1:], g.dtype)
    for _, index in _offsets(win, grid):
        acc[index] += share
    crop = tuple(slice(p, p + s) for p, s in zip(win.padding, sizes))
    return _outer(acc[crop], lead)


def _avg_cfg(shape, kernel, stride, padding, ceil, include, divisor):
    return AvgWindow3(Window(kernel, stride, padding, (1, 1, 1), ceil), include, divisor, shape)


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


class AvgPool3DAdjoint(LinearMap):
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
    for i in range(ND):
        m = averaging_matrix(cfg.in_sizes[i], cfg.out_sizes[i], x.dtype)
        m = m.T if adjoint else m
        axis = out.ndim - ND + i
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


class AdaptiveAvgPool3DAdjoint(LinearMap):
    node_name = "AdaptiveAvgPool3DBackwardBackward0"
    aten = "aten::_adaptive_avg_pool3d_backward"

    def forward(self, g):
        return _adaptive_apply(g, self.cfg, True)

    @staticmethod
    def samples():
        return [((_rand(1, 2, 2, 3, 1),), {"cfg": Adaptive3((5, 4, 3), (2, 3, 1))})]


pair(AdaptiveAvgPool3D, AdaptiveAvgPool3DAdjoint)
