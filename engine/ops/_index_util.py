"""Zero-filled gradients and position masks the indexing, reduction and clamp ops share."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _make
from .compare import where


def _dims_before(dim: int) -> tuple:
    """A numpy index prefix that leaves the first ``dim`` axes untouched."""
    return (slice(None),) * dim


def _zeros_like_meta(meta) -> Tensor:
    shape, dt = meta
    return _make(np.zeros(shape, dtype=dt))


def _positions_mask(shape: tuple, indices: tuple) -> np.ndarray:
    """True at every element ``indices`` reaches: the positions a write through them replaces."""
    mask = np.zeros(shape, dtype=bool)
    mask[indices] = True
    return mask


def _zero_where(mask: np.ndarray, grad: Tensor) -> Tensor:
    """``grad`` with the masked positions set to zero, written as a differentiable ``where``."""
    return where(_make(mask), _make(np.zeros((), dtype=grad._data.dtype)), grad)
