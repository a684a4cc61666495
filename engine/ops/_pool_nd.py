"""Window arithmetic and the max/average pooling kernels over any number of spatial dims.

The 2-D ops (``pooling.py``) and the 3-D ops (``pooling3d.py``) differ only in node names; both
run these. The input's planes (N·C) go innermost (contiguous), the spatial dims are padded once,
and each kernel offset (never one per pixel) is one strided slice over all output positions. Max
pooling returns flat indices into each input plane/volume, as PyTorch does.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np

from ._windows import out_size


class Window(NamedTuple):
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    ceil_mode: bool


def pool_grid(sizes, win: Window) -> tuple:
    """The output's spatial sizes."""
    return tuple(out_size(sizes[i], win.kernel[i], win.stride[i], win.padding[i], win.dilation[i], win.ceil_mode)
                 for i in range(len(win.kernel)))


def _extra(sizes, grid, win: Window) -> tuple:
    """Padding past the far edge that ceil_mode's last window reaches into."""
    return tuple(max(0, (grid[i] - 1) * win.stride[i] + win.dilation[i] * (win.kernel[i] - 1) + 1 - sizes[i]
                     - 2 * win.padding[i]) for i in range(len(win.kernel)))


def _planes(shape, nd: int) -> tuple:
    """(number of planes N·C, spatial sizes) of an input with ``nd`` spatial dims."""
    return int(np.prod(shape[:-nd])), tuple(shape[-nd:])


def _inner(x: np.ndarray, nd: int, padding, fill, extra) -> np.ndarray:
    """(…, *spatial) -> padded, contiguous (*spatial', planes): the planes innermost, so each strided
    window slice moves long contiguous runs instead of rows."""
    planes, sizes = _planes(x.shape, nd)
    t = np.ascontiguousarray(np.moveaxis(x.reshape(planes, *sizes), 0, -1))
    if any(padding) or any(extra):
        t = np.pad(t, [(p, p + e) for p, e in zip(padding, extra)] + [(0, 0)], constant_values=fill)
    return t


def _outer(t: np.ndarray, lead: tuple) -> np.ndarray:
    """(*spatial, planes) -> (*lead, *spatial)."""
    return np.ascontiguousarray(np.moveaxis(t, -1, 0)).reshape(lead + t.shape[:-1])


def _offsets(win: Window, grid):
    """(kernel offset, slices selecting that window entry for every output position)."""
    for offset in itertools.product(*(range(k) for k in win.kernel)):
        yield offset, tuple(slice(o * d, o * d + s * (g - 1) + 1, s)
                            for o, d, s, g in zip(offset, win.dilation, win.stride, grid))


# ---- max pooling -----------------------------------------------------------------------------------


class Scatter(NamedTuple):
    """Where each output element's gradient goes: flat positions in the input planes (``nd`` spatial dims)."""

    flat: np.ndarray  # int64, shape of the pooled output
    in_shape: tuple
    nd: int = 2


def _scatter(g: np.ndarray, cfg: Scatter) -> np.ndarray:
    planes, sizes = _planes(cfg.in_shape, cfg.nd)
    volume = int(np.prod(sizes))
    positions = (cfg.flat.reshape(planes, -1) + (np.arange(planes) * volume)[:, None]).ravel()
    out = np.bincount(positions, weights=g.ravel(), minlength=planes * volume)
    return out.astype(g.dtype, copy=False).reshape(cfg.in_shape)


def _gather(x: np.ndarray, cfg: Scatter) -> np.ndarray:
    planes, _ = _planes(cfg.in_shape, cfg.nd)
    picked = np.take_along_axis(x.reshape(planes, -1), cfg.flat.reshape(planes, -1), axis=1)
    return picked.reshape(cfg.flat.shape)


def _max_windows(x: np.ndarray, win: Window) -> tuple:
    """(values, flat int64 arg-max positions) of every window.

    One vectorised pass per kernel offset. As in PyTorch's kernel a later entry wins when it is
    greater or NaN, so ties keep the first maximum.
    """
    nd = len(win.kernel)
    lead, sizes = x.shape[:-nd], x.shape[-nd:]
    grid = pool_grid(sizes, win)
    fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    t = _inner(x, nd, win.padding, fill, _extra(sizes, grid, win))
    check_nan = x.dtype.kind == "f" and bool(np.isnan(t).any())
    strides = [int(np.prod(sizes[i + 1:])) for i in range(nd)]  # of each input plane, flattened
    best = arg = None
    flat_offsets = []  # flat offset in the input plane of each window entry
    for k, (offset, index) in enumerate(_offsets(win, grid)):
        flat_offsets.append(sum(o * d * st for o, d, st in zip(offset, win.dilation, strides)))
        v = t[index]
        if best is None:
            best = v.copy()
            arg = np.zeros(best.shape, dtype=np.int16 if np.prod(win.kernel) < 32767 else np.int64)
            continue
        better = v > best
        if check_nan:
            better |= np.isnan(v)
        np.maximum(best, v, out=best)  # NaN propagates like PyTorch's max
        # arg = where(better, k, arg), in plain arithmetic (masked writes are several times slower)
        arg += better * (arg.dtype.type(k) - arg)
    origin = sum((np.arange(grid[i]) * win.stride[i] - win.padding[i]).reshape([-1 if j == i else 1 for j in range(nd)])
                 * strides[i] for i in range(nd))
    flat = np.take(np.asarray(flat_offsets, dtype=np.int64), arg) + origin[..., None]
    return _outer(best, lead), _outer(flat, lead)


# ---- average pooling -------------------------------------------------------------------------------


class AvgWindow(NamedTuple):
    win: Window
    count_include_pad: bool
    divisor_override: int | None
    in_shape: tuple


def _divisors(sizes, grid, cfg: AvgWindow) -> np.ndarray:
    """PyTorch's divisor for each output position (window size clipped to padded/real input)."""
    if cfg.divisor_override:
        return np.full(grid, float(cfg.divisor_override))
    win, total = cfg.win, None
    nd = len(win.kernel)
    for i in range(nd):
        start = np.arange(grid[i]) * win.stride[i] - win.padding[i]
        end = np.minimum(start + win.kernel[i], sizes[i] + win.padding[i])
        size = (end - start) if cfg.count_include_pad else (np.minimum(end, sizes[i]) - np.maximum(start, 0))
        size = size.reshape([-1 if j == i else 1 for j in range(nd)])
        total = size if total is None else total * size
    return total


def _avg_forward(x: np.ndarray, cfg: AvgWindow) -> np.ndarray:
    win = cfg.win
    nd = len(win.kernel)
    lead, sizes = x.shape[:-nd], x.shape[-nd:]
    grid = pool_grid(sizes, win)
    t = _inner(x, nd, win.padding, 0.0, _extra(sizes, grid, win))
    total = None
    for _, index in _offsets(win, grid):
        total = t[index].copy() if total is None else np.add(total, t[index], out=total)
    total /= _divisors(sizes, grid, cfg).astype(x.dtype)[..., None]
    return _outer(total, lead)


def _avg_adjoint(g: np.ndarray, cfg: AvgWindow) -> np.ndarray:
    win = cfg.win
    nd = len(win.kernel)
    lead, sizes = cfg.in_shape[:-nd], cfg.in_shape[-nd:]
    grid = pool_grid(sizes, win)
    extra = _extra(sizes, grid, win)
    share = _inner(g, nd, (0,) * nd, 0.0, (0,) * nd) / _divisors(sizes, grid, cfg).astype(g.dtype)[..., None]
    acc = np.zeros(tuple(s + 2 * p + e for s, p, e in zip(sizes, win.padding, extra)) + share.shape[-1:], g.dtype)
    for _, index in _offsets(win, grid):
        acc[index] += share
    crop = tuple(slice(p, p + s) for p, s in zip(win.padding, sizes))
    return _outer(acc[crop], lead)
