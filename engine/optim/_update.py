"""In-place writes the optimizers share: new values into a tensor's storage, with a version bump."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor


def write(t: Tensor, values: np.ndarray) -> None:
    """Overwrite ``t``'s data in place (like PyTorch's ``param.add_``), so views and holders see it."""
    t._data[...] = values
    t._vc[0] += 1


def scalar(value: float, like: np.ndarray):
    """A Python number as a scalar of ``like``'s dtype: PyTorch's CPU kernels compute float32
    parameters in float32 arithmetic with the scalar converted first."""
    return like.dtype.type(value)
