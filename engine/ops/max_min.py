"""The max/min reductions: ``max``, ``min``, ``amax``, ``amin``, ``argmax``, ``argmin`` and their return types."""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor, _make, _wrap_dim
from ._reduce_util import _const, _LocalGradReduction
from ._samples import sampler
from .compare import _nondiff
from .extremum import maximum, minimum

_rand = sampler(seed=11)


# ---- max / min / amax / amin / argmax / argmin -----------------------------------------------------


class _EvenExtremum(_LocalGradReduction):
    """Full max/min and amax/amin: the gradient is split evenly between the elements that reach it."""

    abstract = True
    saves = ("self",)
    saves_result = True
    smooth = False
    dim = None
    is_max = True

    def forward(self, x):
        self.dims = self._dims_of(x.ndim)
        fn = np.max if self.is_max else np.min
        if not self.dims:
            return x.copy()
        return fn(x, axis=self.dims, keepdims=self.keepdim)

    def local_grad(self, x, r):
        hit = x._data == r._data
        count = np.sum(hit, axis=self.dims, keepdims=True)
        return _const(hit / np.maximum(count, 1), x)

    def rule(self) -> str:
        which = "maximal" if self.is_max else "minimal"
        return f"grad_input = grad at the {which} elements, split evenly between ties"

    @staticmethod
    def samples():
        x = _rand(3, 4)
        tied = np.array([[0.5, 0.9, 0.9], [0.2, -0.3, 0.1]])
        return [((x,), {}), ((tied,), {})]


class _EvenExtremumAll(_EvenExtremum):
    """Full max()/min(): PyTorch's CPU rule (evenly_distribute_backward) *fills* grad / count into
    the extremal places of a zero tensor instead of multiplying by a mask, so an infinite incoming
    gradient leaves the other elements 0, not nan."""

    abstract = True

    def vjp(self, grad):
        (x,) = self.saved
        hit = x._data == self.result._data
        share = grad / float(np.count_nonzero(hit) or 1)
        return (share.expand(x._data.shape).where(_make(hit), 0.0),)


class MaxAll(_EvenExtremumAll):
    node_name = "MaxBackward1"
    aten = "aten::max"


class MinAll(_EvenExtremumAll):
    node_name = "MinBackward1"
    aten = "aten::min"
    is_max = False


class Amax(_EvenExtremum):
    node_name = "AmaxBackward0"
    aten = "aten::amax"

    @staticmethod
    def samples():
        x = _rand(3, 4)
        return [((x,), {}), ((x,), {"dim": (1,)}), ((x,), {"dim": (0,), "keepdim": True})]


class Amin(_EvenExtremum):
    node_name = "AminBackward0"
    aten = "aten::amin"
    is_max = False

    @staticmethod
    def samples():
        x = _rand(3, 4)
        return [((x,), {}), ((x,), {"dim": (1,)})]


class _ExtremumDim(Op):
    """max/min along one dim: (values, indices); the gradient goes to the selected index only."""

    abstract = True
    num_outputs = 2
    nondiff_outputs = (1,)
    smooth = False
    keepdim = False
    is_max = True

    def forward(self, x):
        d = _wrap_dim(self.dim, x.ndim)
        self.axis = d
        self.in_shape = x.shape  # forward mode needs it even when no graph is built
        if x.ndim == 0:
            self.indices = np.zeros((), dtype=np.int64)
            return x.copy(), self.indices
        idx = (np.argmax if self.is_max else np.argmin)(x, axis=d)
        idx = np.expand_dims(idx, d)
        values = np.take_along_axis(x, idx, axis=d)
        if not self.keepdim:
            values, idx = values.squeeze(d), idx.squeeze(d)
        self.indices = idx.astype(np.int64)
        return values, self.indices

    def _onehot(self, like):
        shape = self.in_shape
        if not shape:
            return _const(np.ones(()), like)
        idx = self.indices if self.keepdim else np.expand_dims(self.indices, self.axis)
        mask = np.zeros(shape, dtype=bool)
        np.put_along_axis(mask, idx, True, axis=self.axis)
        return _const(mask, like)

    def _kept(self, t):
        """The values' gradient with the reduced dim back (as size 1) so it broadcasts over the input."""
        if self.keepdim or t._data.ndim == len(self.in_shape):
            return t
        return t.unsqueeze(self.axis)

    def vjp(self, grad_values, grad_indices=None):
        return (self._kept(grad_values) * self._onehot(grad_values),)

    def jvp(self, tangents):
        t = tangents[0]
        picked = t * self._onehot(t)
        if t._data.ndim == 0:
            return picked, None
        return picked.sum(dim=self.axis, keepdim=self.keepdim), None

    def rule(self) -> str:
        return f"grad_input = grad placed at indices along dim {self.dim}, 0 elsewhere"

    @staticmethod
    def samples():
        x = _rand(3, 4)
        return [((x,), {"dim": 1}), ((x,), {"dim": 0, "keepdim": True})]


class MaxDim(_ExtremumDim):
    node_name = "MaxBackward0"
    aten = "aten::max"


class MinDim(_ExtremumDim):
    node_name = "MinBackward0"
    aten = "aten::min"
    is_max = False


def _return_type(name: str):
    """A (values, indices) named tuple that prints like ``torch.return_types.<name>``."""
    base = namedtuple(name, ["values", "indices"])

    def __repr__(self) -> str:
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    cls = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
    cls.__module__ = "engine.return_types"
    return cls


max_return = _return_type("max")
min_return = _return_type("min")


def _extremum(name: str, full_cls, dim_cls, result_type, input, dim, keepdim, other):
    if isinstance(dim, Tensor):  # max(a, b) is the elementwise maximum
        dim, other = None, dim
    if other is not None:
        return maximum(input, other) if name == "max" else minimum(input, other)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        return full_cls.apply(input)
    values, indices = dim_cls.apply(input, dim=dim, keepdim=keepdim)
    return result_type(values, indices)


@public(method=True)
def max(input, dim=None, keepdim=False, *, other=None):
    """Largest element; with ``dim``, (values, indices); with a tensor, the elementwise maximum."""
    return _extremum("max", MaxAll, MaxDim, max_return, input, dim, keepdim, other)


@public(method=True)
def min(input, dim=None, keepdim=False, *, other=None):
    """Smallest element; with ``dim``, (values, indices); with a tensor, the elementwise minimum."""
    return _extremum("min", MinAll, MinDim, min_return, input, dim, keepdim, other)


def _amax_call(cls, name: str, input, dim, keepdim):
    if isinstance(dim, int):
        dim = (dim,)
    dim = tuple(dim)
    if not dim and input._data.size == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    return cls.apply(input, dim=dim, keepdim=keepdim)


@public(method=True)
def amax(input, dim=(), keepdim=False):
    """Maximum over ``dim`` (all by default); ties share the gradient evenly."""
    return _amax_call(Amax, "amax", input, dim, keepdim)


@public(method=True)
def amin(input, dim=(), keepdim=False):
    """Minimum over ``dim`` (all by default); ties share the gradient evenly."""
    return _amax_call(Amin, "amin", input, dim, keepdim)


def _arg_extremum(name: str, fn, input, dim, keepdim):
    x = input._data
    if x.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")

        def run(a):
            idx = np.asarray(fn(a), dtype=np.int64)
            return idx.reshape((1,) * a.ndim) if keepdim else idx

        return _nondiff(f"aten::{name}", run, input)
    d = _wrap_dim(dim, x.ndim)
    return _nondiff(
        f"aten::{name}",
        lambda a: np.asarray(fn(a, axis=d, keepdims=keepdim) if a.ndim else np.zeros((), np.int64), dtype=np.int64),
        input,
    )


@public(method=True)
def argmax(input, dim=None, keepdim=False):
    """Index of the largest element (flattened when ``dim`` is None); int64, no gradient."""
    return _arg_extremum("argmax", np.argmax, input, dim, keepdim)


@public(method=True)
def argmin(input, dim=None, keepdim=False):
    """Index of the smallest element (flattened when ``dim`` is None); int64, no gradient."""
    return _arg_extremum("argmin", np.argmin, input, dim, keepdim)
