"""Masks, casts and promotion the piecewise math ops (extremum, clamp, modulo, lerp/addc) share."""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._tensor import Tensor, _make
from ._index_util import _zero_where
from ._util import promote, wrap


def _const(mask: np.ndarray, like: Tensor) -> Tensor:
    """A 0/1 (or weight) array as a no-grad tensor of ``like``'s dtype."""
    return _make(np.asarray(mask, dtype=like._data.dtype))


def _cast(out: np.ndarray, dt) -> np.ndarray:
    return out if dt is None or out.dtype == dt else out.astype(dt)


def _gate(grad: Tensor, keep: np.ndarray) -> Tensor:
    """``grad`` where ``keep`` holds, else 0, selected (``where``) rather than multiplied by a 0/1 mask,
    as PyTorch's rules do: an inf/nan gradient from downstream (``sqrt_`` at 0) must not turn into
    nan where the input received no gradient (inf · 0 = nan, ``where`` gives 0)."""
    return _zero_where(~np.asarray(keep, dtype=bool), grad)


def _needs(node: Op, i: int) -> bool:
    return node.next_functions[i][0] is not None


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


def _promoted(cls, a: Tensor, b, **params) -> Tensor:
    if not isinstance(b, Tensor):
        b = wrap(b, a)
    dt = promote(a, b)
    if dt is not None:
        params["out_dtype"] = dt
    return cls.apply(a, b, **params)
