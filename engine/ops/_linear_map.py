"""Ops that are linear maps of one input (pooling windows, im2col, padding, resampling).

For a linear map ``A`` the reverse rule is its adjoint ``Aᵀ`` and the forward rule is ``A`` itself.
Each such op is declared as a pair of classes -- the map and its adjoint -- whose ``vjp`` applies
the other one with the same configuration, so gradients of any order stay exact (the adjoint of the
adjoint is the map again). The configuration (shapes, window sizes, index arrays) is the single
param ``cfg``; ``forward`` receives it through ``self.cfg``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._op import Op


class LinearMap(Op):
    """A linear op of one tensor: ``vjp = adjoint(grad)``, ``jvp = self(tangent)``."""

    abstract = True
    adjoint: type = None  # the partner class, set by :func:`pair`

    def vjp(self, grad):
        if self.saves:
            self.saved  # noqa: B018 - maps that save their input (as PyTorch does) check its version
        return (self.adjoint.apply(grad, cfg=self.cfg),)

    def jvp(self, tangents):
        return type(self).apply(tangents[0], cfg=self.cfg)


def pair(forward_cls: type, adjoint_cls: type) -> None:
    """Make two LinearMap classes each other's adjoint."""
    forward_cls.adjoint = adjoint_cls
    adjoint_cls.adjoint = forward_cls


class Separable(NamedTuple):
    """``out = rows @ x @ colsᵀ`` on the last two axes (rows None: the height is kept)."""

    rows: np.ndarray | None
    cols: np.ndarray


def separable_forward(x: np.ndarray, cfg: Separable) -> np.ndarray:
    out = x @ cfg.cols.T.astype(x.dtype, copy=False)
    if cfg.rows is not None:
        out = cfg.rows.astype(x.dtype, copy=False) @ out
    return out


def separable_adjoint(g: np.ndarray, cfg: Separable) -> np.ndarray:
    out = g @ cfg.cols.astype(g.dtype, copy=False)
    if cfg.rows is not None:
        out = cfg.rows.T.astype(g.dtype, copy=False) @ out
    return out
