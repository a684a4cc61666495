"""``index_select``, ``gather``, ``scatter`` and ``scatter_add`` along one dimension."""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op
from .._tensor import Tensor, _wrap_dim
from ._index_util import _dims_before, _positions_mask, _zero_where, _zeros_like_meta
from ._samples import sampler
from ._util import fresh_zeros_like
from .advanced_index import IndexPutImpl, _pad_to

_rand = sampler(seed=11)


class IndexSelect(Op):
    node_name = "IndexSelectBackward0"
    aten = "aten::index_select"

    def forward(self, x):
        # A 0-d input selects itself with index [0] (PyTorch wraps its dim as rank 1): still 0-d.
        return np.take(x, self.index, axis=self.dim) if x.ndim else x.copy()

    def _indices(self) -> tuple:
        return _dims_before(self.dim) + (self.index,)

    def vjp(self, grad):
        zeros = _zeros_like_meta(self._in_meta[0])
        if not self._in_meta[0][0]:
            return (grad.sum().reshape(()),)
        return (IndexPutImpl.apply(zeros, grad, indices=self._indices(), accumulate=True),)

    def jvp(self, tangents):
        return IndexSelect.apply(tangents[0], dim=self.dim, index=self.index)

    def rule(self) -> str:
        return f"grad_input = zeros; grad rows added back at index along dim {self.dim} (index_add)"

    @staticmethod
    def samples():
        return [((_rand(4, 3),), {"dim": 0, "index": np.array([3, 0, 3])}), ((_rand(4, 3),), {"dim": 1, "index": np.array([2])})]


def _along_dim(index: np.ndarray, dim: int) -> tuple:
    """The numpy index that reads ``x[i][index[i][j]]`` style positions (gather/scatter's addressing)."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


class Gather(Op):
    node_name = "GatherBackward0"
    aten = "aten::gather"

    def forward(self, x):
        if x.ndim == 0:  # a 0-d tensor (dim 0 wraps as rank 1) gathers itself
            return x.copy()
        return x[_along_dim(self.index, self.dim)]

    def vjp(self, grad):
        if not self._in_meta[0][0]:
            return (grad.reshape(()),)
        zeros = _zeros_like_meta(self._in_meta[0])
        return (ScatterAdd.apply(zeros, grad, dim=self.dim, index=self.index),)

    def jvp(self, tangents):
        return Gather.apply(tangents[0], dim=self.dim, index=self.index)

    def rule(self) -> str:
        return f"grad_input = zeros.scatter_add({self.dim}, index, grad)"

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"dim": 1, "index": np.array([[0, 0], [3, 1], [2, 2]])}), ((_rand(3, 4),), {"dim": 0, "index": np.array([[2, 0, 1, 1]])})]


class ScatterAdd(Op):
    node_name = "ScatterAddBackward0"
    aten = "aten::scatter_add"
    inputs = ("self", "src")

    def forward(self, a, src):
        out = a.copy()
        np.add.at(out, _along_dim(self.index, self.dim), _fit_src(src, self.index).astype(a.dtype, copy=False))
        return out

    def vjp(self, grad):
        rs, rsrc = self.next_functions
        g_src = None
        if rsrc[0] is not None:
            g_src = _pad_to(Gather.apply(grad, dim=self.dim, index=self.index), self._in_meta[1])
        return (grad if rs[0] is not None else None), g_src

    def jvp(self, tangents):
        ts, tsrc = tangents
        ts = ts if ts is not None else fresh_zeros_like(self.fw_inputs[0])
        tsrc = tsrc if tsrc is not None else fresh_zeros_like(self.fw_inputs[1])
        return ScatterAdd.apply(ts, tsrc, dim=self.dim, index=self.index)

    def rule(self) -> str:
        return f"grad_self = grad;  grad_src = grad.gather({self.dim}, index)"

    @staticmethod
    def samples():
        return [((_rand(3, 4), _rand(3, 2)), {"dim": 1, "index": np.array([[0, 0], [3, 1], [2, 2]])})]


class Scatter(Op):
    """``scatter(dim, index, src)`` (ScatterBackward0) or ``scatter(dim, index, value)`` (ScatterBackward1)."""

    node_name = "ScatterBackward0"
    aten = "aten::scatter"
    inputs = ("self", "src")

    def forward(self, a, src):
        out = a.copy()
        out[_along_dim(self.index, self.dim)] = _fit_src(src, self.index)
        return out

    def vjp(self, grad):
        rs, rsrc = self.next_functions
        g_self = g_src = None
        if rs[0] is not None:
            g_self = _zero_where(_positions_mask(self._in_meta[0][0], _along_dim(self.index, self.dim)), grad)
        if rsrc[0] is not None:
            g_src = _pad_to(Gather.apply(grad, dim=self.dim, index=self.index), self._in_meta[1])
        return g_self, g_src

    def jvp(self, tangents):
        ts, tsrc = tangents
        ts = ts if ts is not None else fresh_zeros_like(self.fw_inputs[0])
        tsrc = tsrc if tsrc is not None else fresh_zeros_like(self.fw_inputs[1])
        return Scatter.apply(ts, tsrc, dim=self.dim, index=self.index)

    def rule(self) -> str:
        return f"grad_self = grad with the scattered positions zeroed;  grad_src = grad.gather({self.dim}, index)"

    @staticmethod
    def samples():
        # Distinct targets per row: with repeated targets the written value is order dependent.
        return [((_rand(3, 4), _rand(3, 2)), {"dim": 1, "index": np.array([[0, 1], [3, 1], [2, 0]])})]


class ScatterValue(Op):
    node_name = "ScatterBackward1"
    aten = "aten::scatter"

    def forward(self, a):
        out = a.copy()
        out[_along_dim(self.index, self.dim)] = self.value
        return out

    def vjp(self, grad):
        return (_zero_where(_positions_mask(self._in_meta[0][0], _along_dim(self.index, self.dim)), grad),)

    def jvp(self, tangents):
        return ScatterValue.apply(tangents[0], dim=self.dim, index=self.index, value=0.0)

    def rule(self) -> str:
        return "grad_self = grad with the scattered positions zeroed"

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"dim": 1, "index": np.array([[0], [3], [2]]), "value": 2.0})]


def _fit_src(src: np.ndarray, index: np.ndarray) -> np.ndarray:
    """scatter reads only the leading ``index.shape`` block of ``src``."""
    if src.ndim == 0:
        return src
    return src[tuple(slice(0, s) for s in index.shape)]


# ---- public functions --------------------------------------------------------------------------------


def _int_index(index: Tensor | np.ndarray, name: str = "index") -> np.ndarray:
    arr = index._data if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return arr.astype(np.intp, copy=False)


@public(method=True)
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    idx = _int_index(index, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    size = input._data.shape[d] if nd else 1
    bad = idx[(idx < -size) | (idx >= size)] if idx.size else idx
    if bad.size:
        raise IndexError("index out of range in self")
    return IndexSelect.apply(input, dim=d, index=idx % size if size else idx)


def _check_along_dim(input: Tensor, dim: int, index: np.ndarray, name: str) -> int:
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    if index.ndim != nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    size = input._data.shape[d] if nd else 1
    if index.size and (index.min() < -size or index.max() >= size):
        bad = index[(index < -size) | (index >= size)].flat[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return d


@public(method=True)
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    idx = _int_index(index, "gather")
    d = _check_along_dim(input, dim, idx, "gather")
    return Gather.apply(input, dim=d, index=idx % (input._data.shape[d] if input._data.ndim else 1))


@public(method=True)
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    if reduce is not None:
        raise NotImplementedError("engine's scatter does not support reduce=")
    idx = _int_index(index, "scatter")
    d = _check_along_dim(input, dim, idx, "scatter")
    idx = idx % input._data.shape[d]
    if src is None:
        src = value
    if isinstance(src, Tensor):
        return Scatter.apply(input, src, dim=d, index=idx)
    return ScatterValue.apply(input, dim=d, index=idx, value=src)


@public(method=True)
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    idx = _int_index(index, "scatter_add")
    d = _check_along_dim(input, dim, idx, "scatter_add")
    return ScatterAdd.apply(input, src, dim=d, index=idx % input._data.shape[d])


@method("scatter_")
def scatter_(self: Tensor, dim: int, index: Tensor, src=None, *, value=None, reduce=None) -> Tensor:
    idx = _int_index(index, "scatter_")
    d = _check_along_dim(self, dim, idx, "scatter_")
    idx = idx % self._data.shape[d]
    if src is None:
        src = value
    if isinstance(src, Tensor):
        return Scatter.apply_(self, src, dim=d, index=idx)
    return ScatterValue.apply_(self, dim=d, index=idx, value=src)


@method("scatter_add_")
def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    idx = _int_index(index, "scatter_add_")
    d = _check_along_dim(self, dim, idx, "scatter_add_")
    return ScatterAdd.apply_(self, src, dim=d, index=idx % self._data.shape[d])
