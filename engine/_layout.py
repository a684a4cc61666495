"""Where the elements of a new tensor "like" another go: PyTorch's ``memory_format`` rules for
``empty_like`` and the other ``*_like`` factories.

``preserve_format`` (the default) keeps the input's strides exactly when the input is
non-overlapping and dense (a transposed or channels-last tensor gives a transposed or channels-last
result); otherwise (a slice with a step, a broadcast) it infers dense strides keeping the dims' order
in memory (ATen's ``infer_dense_strides``). The engine keeps
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


def infer_dense_strides(shape: tuple, strides: tuple) -> tuple:
    """Dense strides keeping the dims' order in memory (ATen's ``infer_dense_strides``): the dims
    insertion-sorted innermost first by stride (equal strides: the smaller size first), a stride-0
    (broadcast) dim comparing as ambiguous so it stays where contiguous order puts it."""
    def should_swap(d0: int, d1: int) -> int:
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return 1 if s0 > s1 else -1
        return 1 if shape[d0] > shape[d1] else 0

    ndim = len(shape)
    perm = list(range(ndim - 1, -1, -1))  # innermost first, as contiguous order has it
    for i in range(1, ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            comparison = should_swap(perm[d0], perm[d1])
            if comparison > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif comparison < 0:
                break
    out, step = [0] * ndim, 1
    for d in perm:
        out[d] = step
        if shape[d] > 1:
            step *= shape[d]
    return tuple(out)


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
        return _with_strides(shape, infer_dense_strides(shape, strides), dtype)
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
