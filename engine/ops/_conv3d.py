"""The numpy kernels of 3-D convolutions (plain and transposed), built on the 2-D ones.

A 3-D convolution is a sum over the kernel's depth offsets of 2-D convolutions: for offset ``k``
the output depth ``o`` reads input depth ``o·stride + k·dilation − padding`` (zero outside). So
each kernel runs ``kd`` 2-D kernels on depth slices folded into the batch (``(N·D, C, H, W)``),
still one BLAS matmul per group each, never a loop over voxels. For a transposed convolution the
roles flip: input depth ``i`` writes output depth ``i·stride + k·dilation − padding``.
``gather`` picks those depth slices, ``scatter`` (its adjoint) adds them back.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np


def _plane_geometry(geo) -> SimpleNamespace:
    return SimpleNamespace(stride=tuple(geo.stride[1:]), padding=tuple(geo.padding[1:]),
                           dilation=tuple(geo.dilation[1:]), output_padding=tuple(geo.output_padding[1:]),
                           groups=geo.groups, transposed=geo.transposed)


def _depths(small: int, big: int, k: int, geo) -> tuple:
    """For offset k: (positions in the small-depth side that hit the big side, the big-side depths)."""
    idx = np.arange(small) * geo.stride[0] + k * geo.dilation[0] - geo.padding[0]
    ok = (idx >= 0) & (idx < big)
    return np.nonzero(ok)[0], idx[ok]


def _fold(a: np.ndarray) -> np.ndarray:
    """(N, C, D, H, W) -> (N·D, C, H, W)."""
    n, c, d = a.shape[:3]
    return np.ascontiguousarray(a.transpose(0, 2, 1, 3, 4)).reshape(n * d, c, *a.shape[3:])


def _unfold(a: np.ndarray, n: int) -> np.ndarray:
    """(N·D, C, H, W) -> (N, C, D, H, W)."""
    return a.reshape(n, -1, *a.shape[1:]).transpose(0, 2, 1, 3, 4)


def _gather(big: np.ndarray, small: int, k: int, geo) -> np.ndarray:
    """(N, C, small, H, W): big's depth slices for offset k, zeros where they fall in the padding."""
    pos, src = _depths(small, big.shape[2], k, geo)
    out = np.zeros(big.shape[:2] + (small,) + big.shape[3:], dtype=big.dtype)
    out[:, :, pos] = big[:, :, src]
    return out


def _scatter_add(acc: np.ndarray, part: np.ndarray, k: int, geo) -> None:
    """The adjoint of :func:`_gather`: add ``part`` (N, C, small, H, W) into ``acc`` at offset k."""
    pos, dst = _depths(part.shape[2], acc.shape[2], k, geo)
    acc[:, :, dst] += part[:, :, pos]  # one offset's destinations are distinct (stride ≥ 1)


def out_depth(x_depth: int, w, geo) -> int:
    kd = w.shape[2]
    if geo.transposed:
        return ((x_depth - 1) * geo.stride[0] - 2 * geo.padding[0] + geo.dilation[0] * (kd - 1)
                + geo.output_padding[0] + 1)
    return (x_depth + 2 * geo.padding[0] - geo.dilation[0] * (kd - 1) - 1) // geo.stride[0] + 1


def conv3d_forward(x, w, geo, kernels) -> np.ndarray:
    """``kernels`` is the 2-D module's (conv_forward, conv_grad_input, conv_grad_weight)."""
    forward, _, _ = kernels
    plane = _plane_geometry(geo)
    n, d_out = x.shape[0], out_depth(x.shape[2], w, geo)
    out = None
    for k in range(w.shape[2]):
        if geo.transposed:
            part = _unfold(forward(_fold(x), w[:, :, k], plane), n)
            if out is None:
                out = np.zeros(part.shape[:2] + (d_out,) + part.shape[3:], dtype=x.dtype)
            _scatter_add(out, part, k, geo)
        else:
            part = _unfold(forward(_fold(_gather(x, d_out, k, geo)), w[:, :, k], plane), n)
            out = part if out is None else out + part
    return np.ascontiguousarray(out)


def conv3d_grad_input(g, w, x_shape, geo, kernels) -> np.ndarray:
    _, grad_input, _ = kernels
    plane = _plane_geometry(geo)
    n = g.shape[0]
    if geo.transposed:
        out = None
        for k in range(w.shape[2]):
            part = grad_input(_fold(_gather(g, x_shape[2], k, geo)), w[:, :, k], (n * x_shape[2], *x_shape[1:2],
                                                                                 *x_shape[3:]), plane)
            out = part if out is None else out + part
        return _unfold(out, n)
    acc = np.zeros(x_shape, dtype=g.dtype)
    folded = _fold(g)
    for k in range(w.shape[2]):
        shape = (n * g.shape[2], x_shape[1], *x_shape[3:])
        _scatter_add(acc, _unfold(grad_input(folded, w[:, :, k], shape, plane), n), k, geo)
    return acc


def conv3d_grad_weight(x, g, w_shape, geo, kernels) -> np.ndarray:
    _, _, grad_weight = kernels
    plane = _plane_geometry(geo)
    gw = np.empty(w_shape, dtype=g.dtype)
    plane_w = w_shape[:2] + w_shape[3:]
    for k in range(w_shape[2]):
        if geo.transposed:
            gw[:, :, k] = grad_weight(_fold(x), _fold(_gather(g, x.shape[2], k, geo)), plane_w, plane)
        else:
            gw[:, :, k] = grad_weight(_fold(_gather(x, g.shape[2], k, geo)), _fold(g), plane_w, plane)
    return gw
