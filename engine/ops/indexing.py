"""Indexing: ``x[...]`` reads and writes, ``select``, ``index_select``, ``gather``, ``scatter``, ``masked_fill``.

Reading ``x[...]`` builds the nodes PyTorch builds: integers give ``SelectBackward0``, slices
``SliceBackward0`` (one per sliced dim, so ``x[1:, :2]`` is a chain of two), ``None`` an
``UnsqueezeBackward0``, and tensor/list/bool-mask indices one ``IndexBackward0`` applied after the
basic indices. Basic-index results are views (they share storage and the version counter).

Writing ``x[idx] = value`` copies into the view ``x[idx]`` (or, for tensor indices, runs
``index_put_``); when autograd records it, the in-place machinery of ``Op.apply_`` makes the base's
``grad_fn`` a ``CopySlices`` node (see ``ops/inplace.py``).
"""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op
from .._state import STATE
from .._tensor import Tensor, _make, _wrap_dim
from ._util import sum_to, wrap
from .shape import _ViewOp, _view_result, unsqueeze
from ._samples import sampler


_rand = sampler(seed=11)


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
    from .compare import where

    return where(_make(mask), _make(np.zeros((), dtype=grad._data.dtype)), grad)


# ---- basic indexing: select / slice / alias --------------------------------------------------------


class Select(_ViewOp):
    """``x.select(dim, index)`` and ``x[i]``: a view without dimension ``dim``."""

    node_name = "SelectBackward0"
    aten = "aten::select"

    def forward(self, x):
        # The trailing Ellipsis keeps a 0-d result a view instead of a numpy scalar.
        return x[_dims_before(self.dim) + (self.index, Ellipsis)]

    def vjp(self, grad):
        shape = self._in_meta[0][0]
        return (SelectBackwardBackward.apply(grad, input_shape=shape, dim=self.dim, index=self.index),)

    def jvp(self, tangents):
        return Select.apply(tangents[0], dim=self.dim, index=self.index)

    def rule(self) -> str:
        return f"grad_input = zeros of the input's shape, with grad placed at index {self.index} of dim {self.dim}"

    @staticmethod
    def samples():
        return [((_rand(3, 4),), {"dim": 1, "index": 2}), ((_rand(3),), {"dim": 0, "index": 0})]


class SelectBackwardBackward(Op):
    """Double backward of select: embed a gradient into zeros (PyTorch's ``select_backward``)."""

    node_name = "SelectBackwardBackward0"
    aten = "aten::select_backward"

    def forward(self, g):
        out = np.zeros(self.input_shape, dtype=g.dtype)
        out[_dims_before(self.dim) + (self.index, Ellipsis)] = g
        return out

    def vjp(self, grad):
        return (Select.apply(grad, dim=self.dim, index=self.index),)

    def jvp(self, tangents):
        return SelectBackwardBackward.apply(tangents[0], input_shape=self.input_shape, dim=self.dim, index=self.index)

    def rule(self) -> str:
        return f"grad_input = grad.select({self.dim}, {self.index})"

    @staticmethod
    def samples():
        return [((_rand(4),), {"input_shape": (3, 4), "dim": 0, "index": 1})]


class Slice(_ViewOp):
    """``x[start:end:step]`` along one dim (also ``narrow``); start/end are already clamped."""

    node_name = "SliceBackward0"
    aten = "aten::slice"

    def forward(self, x):
        return x[_dims_before(self.dim) + (slice(self.start, self.end, self.step),)]

    def vjp(self, grad):
        shape = self._in_meta[0][0]
        return (
            SliceBackwardBackward.apply(
                grad, input_shape=shape, dim=self.dim, start=self.start, end=self.end, step=self.step
            ),
        )

    def jvp(self, tangents):
        return Slice.apply(tangents[0], dim=self.dim, start=self.start, end=self.end, step=self.step)

    def rule(self) -> str:
        return (
            f"grad_input = zeros of the input's shape, with grad placed at "
            f"[{self.start}:{self.end}:{self.step}] of dim {self.dim}"
        )

    @staticmethod
    def samples():
        return [((_rand(4, 5),), {"dim": 1, "start": 1, "end": 5, "step": 2}), ((_rand(4, 5),), {"dim": 0, "start": 0, "end": 2, "step": 1})]


class SliceBackwardBackward(Op):
    node_name = "SliceBackwardBackward0"
    aten = "aten::slice_backward"

    def forward(self, g):
        out = np.zeros(self.input_shape, dtype=g.dtype)
        out[_dims_before(self.dim) + (slice(self.start, self.end, self.step),)] = g
        return out

    def vjp(self, grad):
        return (Slice.apply(grad, dim=self.dim, start=self.start, end=self.end, step=self.step),)

    def jvp(self, tangents):
        return SliceBackwardBackward.apply(
            tangents[0], input_shape=self.input_shape, dim=self.dim, start=self.start, end=self.end, step=self.step
        )

    def rule(self) -> str:
        return f"grad_input = grad[{self.start}:{self.end}:{self.step}] along dim {self.dim}"

    @staticmethod
    def samples():
        return [((_rand(2, 5),), {"input_shape": (4, 5), "dim": 0, "start": 1, "end": 3, "step": 1})]


class Alias(_ViewOp):
    """``x[...]`` / ``x[:, :]``: PyTorch returns an alias (a new view of the whole tensor)."""

    node_name = "AliasBackward0"
    aten = "aten::alias"

    def forward(self, x):
        return x[...]

    def vjp(self, grad):
        return (grad,)

    def jvp(self, tangents):
        return tangents[0]

    def rule(self) -> str:
        return "grad_input = grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


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
        ts = ts if ts is not None else self.fw_inputs[0] * 0
        tsrc = tsrc if tsrc is not None else self.fw_inputs[1] * 0
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
        ts = ts if ts is not None else self.fw_inputs[0] * 0
        tsrc = tsrc if tsrc is not None else self.fw_inputs[1] * 0
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


def _pad_to(g: Tensor, meta) -> Tensor:
    """A gradient for the leading block of ``src`` as a gradient for all of ``src`` (zeros elsewhere)."""
    shape = meta[0]
    if g._data.shape == shape:
        return g
    block = tuple(slice(0, s) for s in g._data.shape)
    return IndexPutImpl.apply(_zeros_like_meta(meta), g, indices=block, accumulate=True)


class MaskedFill(Op):
    """``masked_fill(mask, number)``; the mask is a param (no edge), as in PyTorch."""

    node_name = "MaskedFillBackward0"
    aten = "aten::masked_fill"

    def forward(self, a):
        return np.where(self.mask, np.asarray(self.value, dtype=a.dtype), a)

    def vjp(self, grad):
        return (_zero_where(np.broadcast_to(self.mask, self._in_meta[0][0]), grad),)

    def jvp(self, tangents):
        return _zero_where(np.broadcast_to(self.mask, tangents[0]._data.shape), tangents[0])

    def rule(self) -> str:
        return "grad_input = grad where mask is False, else 0"

    @staticmethod
    def samples():
        rng = np.random.default_rng(5)
        return [((_rand(3, 4),), {"mask": rng.uniform(size=(3, 4)) > 0.5, "value": 1.5}), ((_rand(3, 4),), {"mask": np.array([True, False, False, True]), "value": -2.0})]


class MaskedFillTensor(Op):
    """``masked_fill(mask, value)`` with a 0-d tensor value: the value gets the masked gradient's sum."""

    node_name = "MaskedFillBackward1"
    aten = "aten::masked_fill"
    inputs = ("self", "value")

    def forward(self, a, v):
        return np.where(self.mask, v.astype(a.dtype, copy=False), a)

    def vjp(self, grad):
        from .compare import where

        rs, rv = self.next_functions
        mask = np.broadcast_to(self.mask, self._in_meta[0][0])
        g_self = _zero_where(mask, grad) if rs[0] is not None else None
        g_value = None
        if rv[0] is not None:
            g_value = where(_make(mask), grad, _make(np.zeros((), dtype=grad._data.dtype))).sum()
        return g_self, g_value

    def jvp(self, tangents):
        ts, tv = tangents
        ts = ts if ts is not None else self.fw_inputs[0] * 0
        tv = tv if tv is not None else self.fw_inputs[1] * 0
        return MaskedFillTensor.apply(ts, tv, mask=self.mask)

    def rule(self) -> str:
        return "grad_self = grad where mask is False, else 0;  grad_value = sum of grad where mask"

    @staticmethod
    def samples():
        rng = np.random.default_rng(6)
        return [((_rand(3, 4), np.array(0.7)), {"mask": rng.uniform(size=(3, 4)) > 0.5})]


class MaskedSelect(Op):
    node_name = "MaskedSelectBackward0"
    aten = "aten::masked_select"

    def forward(self, a):
        return a[self.mask]

    def vjp(self, grad):
        zeros = _zeros_like_meta(self._in_meta[0])
        return (IndexPutImpl.apply(zeros, grad, indices=(self.mask,), accumulate=True),)

    def jvp(self, tangents):
        return MaskedSelect.apply(tangents[0], mask=self.mask)

    def rule(self) -> str:
        return "grad_input = zeros with grad written back at the masked positions"

    @staticmethod
    def samples():
        rng = np.random.default_rng(8)
        return [((_rand(3, 4),), {"mask": rng.uniform(size=(3, 4)) > 0.4})]


# ---- public functions --------------------------------------------------------------------------------


def _int_index(index: Tensor | np.ndarray, name: str = "index") -> np.ndarray:
    arr = index._data if isinstance(index, Tensor) else np.asarray(index)
    if arr.dtype.kind not in "iu":
        raise RuntimeError(f"{name}(): Expected dtype int64 for index")
    return arr.astype(np.intp, copy=False)


def _bool_mask(mask) -> np.ndarray:
    arr = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if arr.dtype != np.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {_dtype_name(arr)}")
    return arr


def _dtype_name(arr: np.ndarray) -> str:
    from .._dtype import _NUMPY_TO_DTYPE

    return repr(_NUMPY_TO_DTYPE[arr.dtype]).replace("torch.", "")


@public(method=True)
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The view ``input[..., index, ...]`` with ``dim`` removed (SelectBackward0)."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    size = input._data.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(input._data.shape)} at dimension {d}"
        )
    return _view_result(Select.apply(input, dim=d, index=int(index) % size), input)


def _clamped_slice(size: int, start, end, step) -> tuple:
    """PyTorch's slice bounds: negatives count from the end, everything is clamped into [0, size]."""
    step = 1 if step is None else int(step)
    if step <= 0:
        raise ValueError("step must be greater than zero")
    start = 0 if start is None else int(start)
    end = size if end is None else int(end)
    if start < 0:
        start += size
    if end < 0:
        end += size
    start = min(max(start, 0), size)
    end = min(max(end, start), size)
    return start, end, step


def slice_dim(input: Tensor, dim: int, start, end, step) -> Tensor:
    """The view ``input[start:end:step]`` along ``dim`` (SliceBackward0)."""
    start, end, step = _clamped_slice(input._data.shape[dim], start, end, step)
    return _view_result(Slice.apply(input, dim=dim, start=start, end=end, step=step), input)


@public(method=True)
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``input`` restricted to ``[start, start + length)`` along ``dim``: a view (SliceBackward0)."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    d = _wrap_dim(dim, nd)
    size = input._data.shape[d]
    if not -size <= start <= size:
        raise IndexError(
            f"start out of range (expected to be in range of [{-size}, {size}], but got {start})"
        )
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return _view_result(Slice.apply(input, dim=d, start=start, end=start + length, step=1), input)


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
        raise IndexError(f"index out of range in self")
    return IndexSelect.apply(input, dim=d, index=idx % size if size else idx)


def _check_along_dim(input: Tensor, dim: int, index: np.ndarray, name: str) -> int:
    nd = input._data.ndim
    d = _wrap_dim(dim, nd)
    if index.ndim != nd:
        raise RuntimeError(f"Index tensor must have the same number of dimensions as input tensor")
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


def _mask_for(self: Tensor, mask) -> np.ndarray:
    m = _bool_mask(mask)
    try:
        if np.broadcast_shapes(m.shape, self._data.shape) != self._data.shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must match the size of "
            f"tensor b ({m.shape[-1] if m.ndim else 1}) at non-singleton dimension {max(m.ndim, self._data.ndim) - 1}"
        ) from None
    return m


def _fill_value(self: Tensor, value):
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        return value
    return value


@public(method=True)
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` with ``value`` where ``mask`` is True (MaskedFillBackward0, or 1 for a tensor value)."""
    m = _mask_for(input, mask)
    value = _fill_value(input, value)
    if isinstance(value, Tensor):
        return MaskedFillTensor.apply(input, value, mask=m)
    return MaskedFill.apply(input, mask=m, value=value)


@method("masked_fill_")
def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    m = _mask_for(self, mask)
    value = _fill_value(self, value)
    if isinstance(value, Tensor):
        return MaskedFillTensor.apply_(self, value, mask=m)
    return MaskedFill.apply_(self, mask=m, value=value)


@public(method=True)
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    m = _bool_mask(mask)
    shape = np.broadcast_shapes(m.shape, input._data.shape)
    if shape != input._data.shape:
        input = input.expand(shape)
    return MaskedSelect.apply(input, mask=np.broadcast_to(m, shape))


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


# ---- x[...] ------------------------------------------------------------------------------------------


_BAD_INDEX = (
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
    "(got {})"
)


def _classify(item):
    """One index item as (kind, value): int, slice, none, ellipsis or adv (a numpy int/bool array)."""
    if isinstance(item, Tensor):
        arr = item._data
        if arr.dtype == np.bool_ or arr.dtype == np.uint8:
            return "adv", arr.astype(bool, copy=False)
        if arr.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if arr.ndim == 0:
            # A 0-d integer tensor indexes like an int (PyTorch builds SelectBackward0 for it).
            return "int", int(arr)
        return "adv", arr
    if isinstance(item, (bool, np.bool_)):
        raise IndexError("engine does not support indexing with a Python bool")
    if isinstance(item, (int, np.integer)):
        return "int", int(item)
    if isinstance(item, slice):
        return "slice", item
    if item is None:
        return "none", None
    if item is Ellipsis:
        return "ellipsis", None
    if isinstance(item, (list, np.ndarray)):
        arr = np.asarray([i._data if isinstance(i, Tensor) else i for i in item] if isinstance(item, list) else item)
        if arr.dtype == np.bool_:
            return "adv", arr
        if arr.size == 0:
            arr = arr.astype(np.intp)
        if arr.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return "adv", arr
    raise IndexError(_BAD_INDEX.format(type(item).__name__))


def _basic_part(self: Tensor, index) -> tuple:
    """Apply the int/slice/None/Ellipsis part of ``index`` as views, as PyTorch's applySlicing does.

    Returns ``(view, advanced)``: ``advanced`` maps a dim of ``view`` to the int/bool array indexing
    it (empty when the index is basic), in the order PyTorch dispatches them.
    """
    lone = not isinstance(index, tuple)
    items = [_classify(i) for i in ((index,) if lone else index)]
    ndim = self._data.ndim
    consumed = sum(
        (v.ndim if v.dtype == np.bool_ else 1) if k == "adv" else (1 if k in ("int", "slice") else 0)
        for k, v in items
    )
    if sum(k == "ellipsis" for k, _ in items) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    out = self
    d = 0
    advanced: dict = {}
    for kind, value in items:
        if kind == "ellipsis":
            d += ndim - consumed
        elif kind == "int":
            size = out._data.shape[d]
            if not -size <= value < size:
                raise IndexError(f"index {value} is out of bounds for dimension {d} with size {size}")
            out = _view_result(Select.apply(out, dim=d, index=value % size), out)
        elif kind == "slice":
            # A lone slice always makes a node (x[:] is SliceBackward0); in a tuple a slice that keeps
            # the whole dim (x[0:1, :] of a size-1 dim, x[..., 0:]) is skipped, like PyTorch's slice
            # optimisation, which compares the slice as written (x[-5:, :] is still a Slice).
            start = 0 if value.start is None else value.start
            step = 1 if value.step is None else value.step
            full = d < out._data.ndim and start == 0 and step == 1 and (
                value.stop is None or value.stop >= out._data.shape[d]
            )
            if lone or not full:
                out = slice_dim(out, d, value.start, value.stop, value.step)
            d += 1
        elif kind == "none":
            out = unsqueeze(out, d)
            d += 1
        else:
            advanced[d] = value
            d += value.ndim if value.dtype == np.bool_ else 1
    return out, advanced


def _advanced_tuple(view: Tensor, advanced: dict) -> tuple:
    """The numpy index for the advanced part, with bounds and mask-shape checks in PyTorch's words."""
    shape = view._data.shape
    parts = []
    d = 0
    last = max(advanced)
    while d <= last:
        arr = advanced.get(d)
        if arr is None:
            parts.append(slice(None))
            d += 1
            continue
        if arr.dtype == np.bool_:
            span = shape[d : d + arr.ndim]
            for k, (m, s) in enumerate(zip(arr.shape, span)):
                if m != s:
                    raise IndexError(
                        f"The shape of the mask {list(arr.shape)} at index {k} does not match the shape of "
                        f"the indexed tensor {list(shape)} at index {d + k}"
                    )
            d += arr.ndim
        else:
            size = shape[d]
            bad = arr[(arr < -size) | (arr >= size)]
            if bad.size:
                raise IndexError(f"index {int(bad.flat[0])} is out of bounds for dimension {d} with size {size}")
            arr = arr.astype(np.intp, copy=False)
            d += 1
        parts.append(arr)
    return tuple(parts)


def _getitem(self: Tensor, index) -> Tensor:
    view, advanced = _basic_part(self, index)
    if advanced:
        return Index.apply(view, indices=_advanced_tuple(view, advanced))
    if view is self:
        # x[...] / x[:, :]: PyTorch still returns a new tensor, an alias of x.
        return _view_result(Alias.apply(self), self)
    return view


def _setitem(self: Tensor, index, value) -> None:
    if not isinstance(value, Tensor):
        if isinstance(value, (bool, int, float)):
            value = _make(np.asarray(value, dtype=self._data.dtype))
        else:
            value = _make(np.asarray(value, dtype=self._data.dtype))
    # The view x[basic part] is only a place to write through: building it records no nodes.
    state = STATE
    mode = state.grad_enabled
    state.grad_enabled = False
    try:
        view, advanced = _basic_part(self, index)
    finally:
        state.grad_enabled = mode
    if view is not self:
        view._no_grad_view = self._no_grad_view  # built under no_grad here, but only x's own status counts
    from .inplace import copy_, regenerate_view

    # PyTorch drops the value's leading size-1 dims first (b[0] = tensor([5.]) writes a 0-d view).
    # Its strip records no node; here it is a reshape, so take only the dims the copy could not
    # broadcast anyway (those beyond the target's rank): a same-rank write (F.pad's circular
    # borders) keeps PyTorch's graph, CopySlices straight onto the value's own history.
    lead = 0
    while value._data.ndim - lead > view._data.ndim and value._data.shape[lead] == 1:
        lead += 1
    if lead:
        value = value.reshape(value._data.shape[lead:])
    if advanced:
        # index_put_ runs on the sliced view; with tensor indices only, that is x itself
        # (IndexPutBackward0 on x, no CopySlices), as in PyTorch.
        IndexPut.apply_(view, value, indices=_advanced_tuple(view, advanced))
    else:
        if view is self:
            # x[...] = v copies into an alias of x: PyTorch records CopySlices for it too.
            state.grad_enabled = False
            try:
                view = _view_result(Alias.apply(self), self)
            finally:
                state.grad_enabled = mode
            view._no_grad_view = self._no_grad_view  # an internal alias: only x's own status counts
        copy_(view, value)
    base = self._base
    if view is not self and base is not None and mode and base._requires_grad:
        # x is itself a view whose base was just rebased: like PyTorch, x now reads itself out of the
        # updated base (AsStridedBackward0 <- CopySlices).
        regenerate_view(self)


Tensor.__getitem__ = _getitem
Tensor.__setitem__ = _setitem
