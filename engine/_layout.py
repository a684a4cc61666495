"""Where the elements of a new tensor "like" another go: PyTorch's ``memory_format`` rules for
``empty_like`` and the other ``*_like`` factories.

``preserve_format`` (the default) keeps the input's strides exactly when the input is
non-overlapping and dense (a transposed or channels-last tensor gives a transposed or channels-last
result); otherwise it falls back to ``suggest_memory_format``: channels-last when the input's strides
are ordered like channels-last (``is_channels_last_strides_2d/3d``), else contiguous. The engine keeps
numpy's strides as the tensor's strides, so a layout is just an array with the right strides.
"""

from __future__ import annotations

import numpy as np

from ._memory_format import channels_last, channels_last_3d, contiguous_format, preserve_format


def _elem_strides(x: np.ndarray) -> tuple:
    return tuple(s // x.itemsize for s in x.strides)


def is_non_overlapping_and_dense(shape: tuple, strides: tuple) -> bool:
    """PyTorch's test: sorted by stride, each dim of size > 1 starts where the previous ones end."""
    if any(s < 0 for s in strides):
        return False
    expected = 1
    for d in sorted(range(len(shape)), key=lambda d: (strides[d], shape[d])):
        if shape[d] == 1:
            continue
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def _is_channels_last_strides(shape: tuple, strides: tuple, order: tuple) -> bool:
    """PyTorch's ``is_channels_last_strides_2d/3d``: the dims, innermost first in ``order``, have
    non-decreasing strides; an N×C×1×1 tensor with equal N and C strides is not channels-last."""
    if strides[1] == 0:
        return False
    minimum = 0
    for d in order:
        if shape[d] == 0 or strides[d] < minimum:
            return False
        if d == 0 and minimum == strides[1]:
            return False
        minimum = strides[d] * (shape[d] if shape[d] > 1 else 1)
    return True


def suggest_memory_format(shape: tuple, strides: tuple):
    if len(shape) == 4 and _is_channels_last_strides(shape, strides, (1, 3, 2, 0)):
        return channels_last
    if len(shape) == 5 and _is_channels_last_strides(shape, strides, (1, 4, 3, 2, 0)):
        return channels_last_3d
    return contiguous_format


def _channels_last_strides(shape: tuple) -> tuple:
    """Strides with the channel dim innermost, then the spatial dims, then the batch (NHWC / NDHWC)."""
    order = (1, *range(len(shape) - 1, 1, -1), 0)
    strides, step = [0] * len(shape), 1
    for d in order:
        strides[d] = step
        step *= max(shape[d], 1)
    return tuple(strides)


def _with_strides(shape: tuple, elem_strides: tuple, dtype) -> np.ndarray:
    """A fresh zero-filled array of ``shape`` whose element strides are ``elem_strides`` (dense)."""
    itemsize = np.dtype(dtype).itemsize
    buffer = np.zeros(max(int(np.prod(shape, dtype=np.int64)), 1), dtype=dtype)
    return np.lib.stride_tricks.as_strided(buffer, shape, tuple(s * itemsize for s in elem_strides))


def empty_like_array(x: np.ndarray, dtype, memory_format=None) -> np.ndarray:
    """A zero-filled array shaped like ``x``, laid out as ``memory_format`` (None: preserve_format)."""
    shape = x.shape
    if memory_format is None or memory_format is preserve_format:
        strides = _elem_strides(x)
        if x.flags.c_contiguous or x.ndim < 2:
            return np.zeros(shape, dtype=dtype)
        if is_non_overlapping_and_dense(shape, strides):
            return _with_strides(shape, strides, dtype)
        memory_format = suggest_memory_format(shape, strides)
    if memory_format is channels_last or memory_format is channels_last_3d:
        want = 4 if memory_format is channels_last else 5
        if len(shape) != want:
            name = "channels_last" if want == 4 else "channels_last_3d"
            raise RuntimeError(f"required rank {want} tensor to use {name} format")
        return _with_strides(shape, _channels_last_strides(shape), dtype)
    return np.zeros(shape, dtype=dtype)


def fill_like(x: np.ndarray, values: np.ndarray, memory_format=None) -> np.ndarray:
    """``values`` (any layout, x's shape) copied into an array laid out like ``x``."""
    out = empty_like_array(x, values.dtype, memory_format)
    out[...] = values
    return out


def is_contiguous_as(x: np.ndarray, memory_format) -> bool:
    """``Tensor.is_contiguous(memory_format)``: the strides ``memory_format`` would give (size-1 dims
    may have any stride, as in PyTorch)."""
    if memory_format is None or memory_format is contiguous_format:
        return bool(x.flags.c_contiguous)
    if memory_format is preserve_format:  # PyTorch answers plain contiguity here
        return bool(x.flags.c_contiguous)
    if x.ndim != (4 if memory_format is channels_last else 5):
        return False
    expected = _channels_last_strides(x.shape)
    return all(n == 1 or s == e for s, e, n in zip(_elem_strides(x), expected, x.shape))
