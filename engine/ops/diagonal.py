"""``diagonal`` (a view: DiagonalBackward0) and ``trace`` (TraceBackward0).

``diagonal(input, offset, dim1, dim2)`` drops dims ``dim1`` and ``dim2`` and appends the diagonal
as the last dim; the result shares storage with the input (a strided view, writable, as in
PyTorch: ``x.diagonal().fill_(0)`` writes into ``x``). Its reverse rule writes the gradient onto the
diagonal of zeros (``diagonal_backward``), and that op's reverse rule is the diagonal again, so the
pair is a :class:`LinearMap` and gradients of any order are exact.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor, _make, _wrap_dim
from ._linear_map import LinearMap, pair
from .compare import where
from .shape import _view_result


class DiagCfg(NamedTuple):
    offset: int
    dim1: int
    dim2: int
    input_shape: tuple


def diagonal_view(x: np.ndarray, cfg: DiagCfg) -> np.ndarray:
    """The strided (writable) view numpy's read-only ``np.diagonal`` would return."""
    d1, d2, off = cfg.dim1, cfg.dim2, cfg.offset
    index = [slice(None)] * x.ndim
    if off >= 0:
        index[d2] = slice(min(off, x.shape[d2]), None)
    else:
        index[d1] = slice(min(-off, x.shape[d1]), None)
    start = x[tuple(index)]
    n = min(start.shape[d1], start.shape[d2])
    keep = [k for k in range(x.ndim) if k not in (d1, d2)]
    shape = [start.shape[k] for k in keep] + [n]
    strides = [start.strides[k] for k in keep] + [start.strides[d1] + start.strides[d2]]
    return np.lib.stride_tricks.as_strided(start, shape, strides, writeable=x.flags.writeable)


def _samples_cfg():
    return [((np.random.default_rng(5).uniform(-1, 1, (3, 4)),), {"cfg": DiagCfg(0, 0, 1, (3, 4))}),
            ((np.random.default_rng(6).uniform(-1, 1, (2, 3, 4)),), {"cfg": DiagCfg(-1, 2, 0, (2, 3, 4))})]


class Diagonal(LinearMap):
    node_name = "DiagonalBackward0"
    aten = "aten::diagonal"
    is_view = True

    def forward(self, x):
        return diagonal_view(x, self.cfg)

    def rule(self) -> str:
        return "grad_input = zeros with grad written on the diagonal"

    @staticmethod
    def samples():
        return _samples_cfg()


class DiagonalAdjoint(LinearMap):
    node_name = "DiagonalBackwardBackward0"
    aten = "aten::diagonal_backward"

    def forward(self, g):
        out = np.zeros(self.cfg.input_shape, dtype=g.dtype)
        diagonal_view(out, self.cfg)[...] = g
        return out

    @staticmethod
    def samples():
        rng = np.random.default_rng(7)
        return [((rng.uniform(-1, 1, (3,)),), {"cfg": DiagCfg(0, 0, 1, (3, 4))}),
                ((rng.uniform(-1, 1, (3, 2)),), {"cfg": DiagCfg(-1, 2, 0, (2, 3, 4))})]


pair(Diagonal, DiagonalAdjoint)


@public(method=True)
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    nd = input._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    cfg = DiagCfg(int(offset), d1, d2, tuple(input._data.shape))
    return _view_result(Diagonal.apply(input, cfg=cfg), input)


class Trace(Op):
    node_name = "TraceBackward0"
    aten = "aten::trace"
    inputs = ("self",)

    def forward(self, x):
        # Integers sum as int64, like sum (trace of int32/uint8 is int64 in PyTorch)
        return np.asarray(np.trace(x), dtype=np.int64 if x.dtype.kind in "iu" else x.dtype)

    def vjp(self, grad):
        # PyTorch's trace_backward index_fills grad into zeros: a selection, not grad · I (an inf
        # gradient would make the off-diagonal inf · 0 = nan).
        shape = self._in_meta[0][0]
        zero = _make(np.zeros((), dtype=grad._data.dtype))
        return (where(_make(np.eye(*shape, dtype=bool)), grad, zero),)

    def jvp(self, tangents):
        return Trace.apply(tangents[0])

    def rule(self) -> str:
        return "grad_input = grad · I"

    @staticmethod
    def samples():
        return [((np.random.default_rng(8).uniform(-1, 1, (3, 4)),), {})]


@public(method=True)
def trace(input: Tensor) -> Tensor:
    if input._data.dtype == np.bool_:  # PyTorch checks the kernel's dtype before the rank
        raise NotImplementedError('"trace" not implemented for \'Bool\'')
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return Trace.apply(input)
