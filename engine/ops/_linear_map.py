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
from .._tensor import _make


class LinearMap(Op):
    """A linear op of one tensor: ``vjp = adjoint(grad)``, ``jvp = self(tangent)``."""

    abstract = True
    adjoint: type = None  # the partner class, set by :func:`pair`

    def vjp(self, grad):
        saved = self.saved if self.saves else ()  # maps that save their input (as PyTorch does) check its version
        if issubclass(self.adjoint, InputAdjoint):
            # PyTorch's backward op also takes this map's input (for its shape); a map that does not
            # save it (a gather, at third order) passes zeros of that shape, an input without history.
            x = saved[0] if saved else _make(np.zeros(*self._in_meta[0]))
            return (self.adjoint.apply(grad, x, cfg=self.cfg),)
        return (self.adjoint.apply(grad, cfg=self.cfg),)

    def jvp(self, tangents):
        return type(self).apply(tangents[0], cfg=self.cfg)


class InputAdjoint(LinearMap):
    """The adjoint half whose PyTorch backward op also takes the forward input ``self``
    (``avg_pool2d_backward(grad_output, self, ...)``, the max-pool scatters, the reflection and
    replication pads' backward): its node has a second edge, to that input, whose gradient is
    ``zeros_like(self)`` (derivatives.yaml), so a create_graph gradient has PyTorch's edges.
    Subclasses write ``forward(self, g)`` and single-input ``samples()`` as for any LinearMap; the
    input is appended here (its values never matter)."""

    abstract = True
    inputs = ("grad_output", "self")

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        one = cls.__dict__.get("forward")
        if one is not None:
            cls.forward = lambda self, g, _input=None, _one=one: _one(self, g)
        single = cls.__dict__.get("samples")
        if single is not None:
            cls.samples = staticmethod(lambda _single=single.__func__, _cls=cls: _with_input(_cls, _single()))

    def vjp(self, grad):
        shape, dtype = self._in_meta[1]
        return (self.adjoint.apply(grad, cfg=self.cfg), _make(np.zeros(shape, dtype=dtype)))

    def jvp(self, tangents):
        t = tangents[0]
        return None if t is None else type(self).apply(t, self.fw_inputs[1], cfg=self.cfg)


def _with_input(cls, samples: list) -> list:
    """Single-input samples of an InputAdjoint with the forward input appended (shaped like the output)."""
    out = []
    for arrays, params in samples:
        probe = object.__new__(cls)
        for key, value in params.items():
            setattr(probe, key, value)
        shape = np.shape(cls.forward(probe, arrays[0]))
        out.append(((arrays[0], np.linspace(-1.0, 1.0, int(np.prod(shape))).reshape(shape)), params))
    return out


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
