"""PyTorch's memory-overlap check between the written-to tensor of an in-place op and its inputs.

PyTorch (``at::get_overlap_status``, used by TensorIterator for every in-place op and ``copy_``)
refuses a write when an input *partially* overlaps the output: both share storage, and their byte
ranges intersect without being the same elements in the same layout. Exactly the same layout
(``x.mul_(x)``, or ``x.copy_(x.detach())``) is allowed; layouts with gaps or repeats (an
``expand``, a slice with a step) are "too hard" to decide and are allowed too.
"""

from __future__ import annotations

import numpy as np

PARTIAL_OVERLAP_MESSAGE = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
    "memory location. Please clone() the tensor before performing the operation."
)


def _owner(a: np.ndarray):
    base = a.base
    return a if base is None else base


def check_no_partial_overlap(target, others: tuple) -> None:
    """Raise PyTorch's RuntimeError if an input in ``others`` partially overlaps ``target``."""
    out = target._data
    owner = _owner(out)
    for o in others:
        if o is target:
            continue  # the same tensor: PyTorch's is_same, always allowed
        a = o._data
        if _owner(a) is not owner and a is not owner and out is not _owner(a):
            continue  # different storage (the common case: one attribute lookup per input)
        if _partially_overlaps(out, a):
            raise RuntimeError(PARTIAL_OVERLAP_MESSAGE)


def _partially_overlaps(a: np.ndarray, b: np.ndarray) -> bool:
    if a.size == 0 or b.size == 0:
        return False
    if not (_dense(a) and _dense(b)):
        return False  # PyTorch's TooHard: not checked
    a_begin = a.__array_interface__["data"][0]
    b_begin = b.__array_interface__["data"][0]
    a_end = a_begin + a.size * a.itemsize
    b_end = b_begin + b.size * b.itemsize
    if a_begin == b_begin and a_end == b_end:
        return _strides(a) != _strides(b)
    return a_begin < b_end and b_begin < a_end


def _strides(a: np.ndarray) -> tuple:
    # PyTorch compares the whole stride lists. numpy's strides of size-1 dims are arbitrary (0 for a
    # None index), so those are compared by position only.
    return tuple(s if n != 1 else None for s, n in zip(a.strides, a.shape))


def _dense(a: np.ndarray) -> bool:
    """PyTorch's is_non_overlapping_and_dense: the elements tile one block of memory exactly."""
    dims = sorted((s, n) for s, n in zip(a.strides, a.shape) if n != 1)
    expected = a.itemsize
    for stride, size in dims:
        if stride != expected:
            return False
        expected *= size
    return True
