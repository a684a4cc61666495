"""What the optimizers share: in-place writes with a version bump, float32 scalars, fresh state
buffers and step counters, and the gradient after maximize and L2 weight decay."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor, _make


def write(t: Tensor, values: np.ndarray) -> None:
    """Overwrite ``t``'s data in place (like PyTorch's ``param.add_``), so views and holders see it."""
    t._data[...] = values
    t._vc[0] += 1


def scalar(value: float, like: np.ndarray):
    """A Python number as a scalar of ``like``'s dtype: PyTorch's CPU kernels compute float32
    parameters in float32 arithmetic with the scalar converted first."""
    return like.dtype.type(value)


def step_counter() -> Tensor:
    """A fresh step count: PyTorch keeps it as a float32 scalar tensor in the state."""
    return _make(np.array(0.0, dtype=np.float32))


def float_scalar(value: float) -> Tensor:
    """A float32 scalar tensor (NAdam's ``mu_product``)."""
    return _make(np.array(value, dtype=np.float32))


def advance(step_t: Tensor) -> float:
    """``step_t += 1`` then its value as a Python float (PyTorch's ``_get_value``)."""
    write(step_t, step_t._data + np.float32(1))
    return float(step_t._data)


def zeros_like_param(p: Tensor) -> Tensor:
    """A zero buffer of ``p``'s shape and dtype."""
    return _make(np.zeros_like(p._data))


def grad_of(p: Tensor, group: dict) -> np.ndarray:
    """``p.grad`` (negated when the group maximizes), plus L2 weight decay ``wd·p`` when set."""
    g = p._grad._data
    if group.get("maximize"):
        g = -g
    wd = group.get("weight_decay", 0)
    if wd != 0 and not group.get("decoupled_weight_decay"):
        g = g + scalar(wd, p._data) * p._data
    return g
