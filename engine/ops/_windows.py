"""Sliding windows in numpy: im2col / col2im and the window-count arithmetic pooling shares.

Everything works on 2-D planes ``(N, C, H, W)``; 1-D ops add a height of 1 first. ``im2col`` is a
strided view (``as_strided``) copied once into ``(N, C·kh·kw, L)``; ``col2im`` is its adjoint and
loops over the ``kh·kw`` kernel offsets (never over pixels), adding one strided slice per offset.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def out_size(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil_mode: bool = False) -> int:
    """Number of window positions along one axis (PyTorch's pooling/conv output-size formula)."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        n = -(-span // stride) + 1
        # PyTorch drops a last window that would start inside the right padding.
        if (n - 1) * stride >= size + padding:
            n -= 1
        return n
    return span // stride + 1


def windows(x: np.ndarray, kernel, stride, dilation, grid) -> np.ndarray:
    """A read-only view ``(N, C, Ho, Wo, kh, kw)`` of the windows of an already padded ``x``."""
    sn, sc, sh, sw = x.strides
    return as_strided(
        x,
        (x.shape[0], x.shape[1], grid[0], grid[1], kernel[0], kernel[1]),
        (sn, sc, sh * stride[0], sw * stride[1], sh * dilation[0], sw * dilation[1]),
        writeable=False,
    )


def pad2(x: np.ndarray, padding, value=0.0, extra=(0, 0)) -> np.ndarray:
    """Pad the last two axes by ``padding`` on both sides (plus ``extra`` at the end of each)."""
    ph, pw = padding
    if not (ph or pw or extra[0] or extra[1]):
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph + extra[0]), (pw, pw + extra[1])), constant_values=value)


def grid_of(hw, kernel, stride, padding, dilation) -> tuple:
    return tuple(out_size(hw[i], kernel[i], stride[i], padding[i], dilation[i]) for i in range(2))


def im2col(x: np.ndarray, kernel, stride, padding, dilation) -> np.ndarray:
    """``(N, C, H, W)`` -> ``(N, C·kh·kw, L)``: every window as a column (F.unfold's layout)."""
    n, c = x.shape[:2]
    grid = grid_of(x.shape[2:], kernel, stride, padding, dilation)
    win = windows(pad2(x, padding), kernel, stride, dilation, grid)  # (N, C, Ho, Wo, kh, kw)
    cols = np.ascontiguousarray(win.transpose(0, 1, 4, 5, 2, 3))
    return cols.reshape(n, c * kernel[0] * kernel[1], grid[0] * grid[1])


def col2im(cols: np.ndarray, size, kernel, stride, padding, dilation) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column back into an ``(N, C, *size)`` plane."""
    n = cols.shape[0]
    kh, kw = kernel
    c = cols.shape[1] // (kh * kw)
    gh, gw = grid_of(size, kernel, stride, padding, dilation)
    ph, pw = padding
    sh, sw = stride
    dh, dw = dilation
    out = np.zeros((n, c, size[0] + 2 * ph, size[1] + 2 * pw), dtype=cols.dtype)
    blocks = cols.reshape(n, c, kh, kw, gh, gw)
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh : i * dh + sh * (gh - 1) + 1 : sh, j * dw : j * dw + sw * (gw - 1) + 1 : sw] += blocks[
                :, :, i, j
            ]
    return out[:, :, ph : ph + size[0], pw : pw + size[1]]
