"""Tensor-index reads and writes: ``x[idx_tensor]`` (Index) and ``index_put``/``index_put_``."""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor
from ._index_util import _positions_mask, _zero_where, _zeros_like_meta
from ._samples import sampler
from ._util import sum_to

_rand = sampler(seed=11)


# ---- advanced indexing ---------------------------------------------------------------------------------


class Index(Op):
    """``x[tensor]``, ``x[list]``, ``x[mask]``: a copy; ``indices`` is a numpy index tuple."""

    node_name = "IndexBackward0"
    aten = "aten::index"

    def forward(self, x):
        return x[self.indices]

    def vjp(self, grad):
        # Repeated indices each send their gradient to the same element: they accumulate.
        zeros = _zeros_like_meta(self._in_meta[0])
        return (IndexPutImpl.apply(zeros, grad, indices=self.indices, accumulate=True),)

    def jvp(self, tangents):
        return Index.apply(tangents[0], indices=self.indices)

    def rule(self) -> str:
        return "grad_input = zeros of the input's shape; grad added at the indexed positions (repeats accumulate)"

    @staticmethod
    def samples():
        x = _rand(4, 3)
        return [
            ((x,), {"indices": (np.array([0, 2, 0]),)}),
            ((x,), {"indices": (x > 0,)}),
            ((x,), {"indices": (slice(None), np.array([[2, 1], [0, 2]]))}),
            ((x,), {"indices": (np.array([1, 3]), np.array([0, 2]))}),
        ]


class IndexPut(Op):
    """``self.index_put_(indices, values)`` (and ``x[tensor] = values``): a copy of self with values written in."""

    node_name = "IndexPutBackward0"
    aten = "aten::index_put_"
    inputs = ("self", "values")
    accumulate = False

    def forward(self, a, v):
        out = a.copy()
        v = v.astype(a.dtype, copy=False)
        if self.accumulate:
            np.add.at(out, self.indices, v)
        else:
            out[self.indices] = v
        return out

    def vjp(self, grad):
        rs, rv = self.next_functions
        g_self = g_values = None
        if rs[0] is not None:
            if self.accumulate:
                g_self = grad
            else:
                # Overwritten elements of self no longer influence the output.
                g_self = _zero_where(_positions_mask(self._in_meta[0][0], self.indices), grad)
        if rv[0] is not None:
            g_values = sum_to(Index.apply(grad, indices=self.indices), self._in_meta[1][0])
        return g_self, g_values

    def jvp(self, tangents):
        ts, tv = tangents
        ts = ts if ts is not None else self.fw_inputs[0] * 0
        tv = tv if tv is not None else self.fw_inputs[1] * 0
        return type(self).apply(ts, tv, indices=self.indices, accumulate=self.accumulate)

    def rule(self) -> str:
        if self.accumulate:
            return "grad_self = grad;  grad_values = grad[indices]"
        return "grad_self = grad with the written positions zeroed;  grad_values = grad[indices] (summed over broadcast)"

    @staticmethod
    def samples():
        return [
            ((_rand(4, 3), _rand(2, 3)), {"indices": (np.array([0, 2]),)}),
            ((_rand(4, 3), _rand(3)), {"indices": (np.array([3, 1]),)}),
            ((_rand(4, 3), _rand(3)), {"indices": (np.array([0, 0, 2]),), "accumulate": True}),
        ]


class IndexPutImpl(IndexPut):
    """What the backward of indexing runs (``zeros._index_put_impl_(indices, grad, accumulate=True)``)."""

    node_name = "IndexPutImplBackward0"
    aten = "aten::_index_put_impl_"
    accumulate = True


def _pad_to(g: Tensor, meta) -> Tensor:
    """A gradient for the leading block of ``src`` as a gradient for all of ``src`` (zeros elsewhere)."""
    shape = meta[0]
    if g._data.shape == shape:
        return g
    block = tuple(slice(0, s) for s in g._data.shape)
    return IndexPutImpl.apply(_zeros_like_meta(meta), g, indices=block, accumulate=True)


def _index_tuple(indices) -> tuple:
    return tuple(
        (i._data.astype(np.intp) if i._data.dtype.kind in "iu" else i._data) if isinstance(i, Tensor) else
        (slice(None) if i is None else np.asarray(i))
        for i in indices
    )


@public(method=True)
def index_put(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    return IndexPut.apply(input, values, indices=_index_tuple(indices), accumulate=bool(accumulate))


@public(method=True)
def index_put_(input: Tensor, indices, values: Tensor, accumulate: bool = False) -> Tensor:
    return IndexPut.apply_(input, values, indices=_index_tuple(indices), accumulate=bool(accumulate))
