"""Ordering and selection: ``topk``, ``sort``, ``argsort``, ``nonzero``, ``all``, ``any``.

``topk``/``sort`` return ``(values, indices)``; the gradient goes back to the selected positions
(``TopkBackward0``/``SortBackward0`` scatter it there, as PyTorch's ``value_selecting_reduction_backward``
does). The rest carry no gradient.
"""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import _wrap_dim
from ._index_util import _zeros_like_meta
from ._samples import distinct
from ._util import normalize_dims
from .compare import _nondiff
from .gather_scatter import Gather, ScatterAdd
from .max_min import _return_type

_rand = distinct


def _order(x: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """Stable order along ``axis``; descending keeps equal elements in their original order."""
    if x.dtype == np.bool_:
        x = x.astype(np.int8)
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # Reversing, sorting stably and mapping back keeps ties in order (negation would overflow ints).
    flipped = np.flip(x, axis)
    idx = np.argsort(flipped, axis=axis, kind="stable")
    idx = x.shape[axis] - 1 - idx
    return np.flip(idx, axis)


class _SelectAlongDim(Op):
    """(values, indices) picked along ``self.axis``; grad_input = zeros with grad scattered to indices."""

    abstract = True
    num_outputs = 2
    nondiff_outputs = (1,)
    smooth = False

    def _indices(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x):
        if x.ndim == 0:
            self.indices = np.zeros((), dtype=np.int64)
            return x.copy(), self.indices
        self.indices = self._indices(x).astype(np.int64)
        return np.take_along_axis(x, self.indices, axis=self.axis), self.indices

    def vjp(self, grad_values, grad_indices=None):
        if not self._in_meta[0][0]:
            return (grad_values,)
        zeros = _zeros_like_meta(self._in_meta[0])
        return (ScatterAdd.apply(zeros, grad_values, dim=self.axis, index=self.indices),)

    def jvp(self, tangents):
        if tangents[0]._data.ndim == 0:
            return tangents[0], None
        return Gather.apply(tangents[0], dim=self.axis, index=self.indices), None

    def rule(self) -> str:
        return f"grad_input = zeros.scatter({self.axis}, indices, grad)"


class Topk(_SelectAlongDim):
    node_name = "TopkBackward0"
    aten = "aten::topk"

    def _indices(self, x):
        order = _order(x, self.axis, self.largest)
        return np.take(order, np.arange(self.k), axis=self.axis)

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"k": 2, "axis": 1, "largest": True}), ((_rand(3, 4),), {"k": 1, "axis": 0, "largest": False})]


class Sort(_SelectAlongDim):
    node_name = "SortBackward0"
    aten = "aten::sort"

    def _indices(self, x):
        return _order(x, self.axis, self.descending)

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"axis": 1, "descending": False}), ((_rand(3, 4),), {"axis": 0, "descending": True})]


topk_return = _return_type("topk")
sort_return = _return_type("sort")


@public(method=True)
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) elements along ``dim``, always in sorted order."""
    nd = input._data.ndim
    if input._data.dtype == np.bool_:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    axis = _wrap_dim(dim, nd)
    size = input._data.shape[axis] if nd else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = Topk.apply(input, k=int(k), axis=axis, largest=bool(largest))
    return topk_return(values, indices)


@public(method=True)
def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sorted values along ``dim`` and where they came from (ties keep their order)."""
    nd = input._data.ndim
    axis = _wrap_dim(dim, nd)
    values, indices = Sort.apply(input, axis=axis, descending=bool(descending))
    return sort_return(values, indices)


@public(method=True)
def argsort(input, dim=-1, descending=False, stable=False):
    nd = input._data.ndim
    axis = _wrap_dim(dim, nd)
    return _nondiff("aten::sort", lambda a: _order(a, axis, descending).astype(np.int64) if a.ndim else
                    np.zeros((), np.int64), input)


@public(method=True)
def nonzero(input, *, out=None, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one tensor per dim."""
    if as_tuple:
        a = input._data if input._data.ndim else input._data.reshape(1)
        return tuple(_nondiff("aten::nonzero", lambda _, i=i: np.nonzero(a)[i].astype(np.int64), input)
                     for i in range(a.ndim))
    return _nondiff("aten::nonzero", lambda a: np.argwhere(a).astype(np.int64), input)


@public(method=True)
def argwhere(input):
    return nonzero(input)


def _logical_reduction(name: str, fn):
    def reduce(input, dim=None, keepdim=False, *, out=None):
        dims = None if dim is None else normalize_dims(dim, input._data.ndim)
        # PyTorch returns uint8 for uint8 input and bool for everything else.
        dtype = np.uint8 if input._data.dtype == np.uint8 else np.bool_
        return _nondiff(f"aten::{name}", lambda a: np.asarray(fn(a, axis=dims, keepdims=keepdim), dtype=dtype), input)

    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = f"``{name}`` over ``dim`` (every element when None): a bool tensor."
    return reduce


all = public("all", method=True)(_logical_reduction("all", np.all))  # noqa: A001 - torch.all
any = public("any", method=True)(_logical_reduction("any", np.any))  # noqa: A001 - torch.any


@public(method=True)
def count_nonzero(input, dim=None):
    dims = None if dim is None else normalize_dims(dim, input._data.ndim)
    return _nondiff("aten::count_nonzero", lambda a: np.asarray(np.count_nonzero(a, axis=dims), dtype=np.int64), input)

