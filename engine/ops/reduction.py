"""Sums and means (the reductions every loss ends with)."""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from ._util import normalize_dims


def _rand(*shape):
    return np.random.default_rng(11 + sum(shape)).uniform(-1, 1, shape)


def _keepdim_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _expand_back(grad, in_shape: tuple, dims: tuple, keepdim: bool):
    """Broadcast a reduced gradient back over the reduced dims."""
    if not keepdim and dims:
        grad = grad.reshape(_keepdim_shape(in_shape, dims))
    return grad.expand(in_shape)


class Sum(Op):
    """``x.sum()`` over every element."""

    node_name = "SumBackward0"
    aten = "aten::sum"

    def forward(self, x):
        out = x.sum(dtype=self.out_dtype)
        return out

    out_dtype = None

    def vjp(self, grad):
        shape = self._in_meta[0][0]
        return (grad.expand(shape),)

    def jvp(self, tangents):
        return tangents[0].sum()

    def rule(self) -> str:
        return "grad_input = grad broadcast to the input's shape"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class SumDim(Op):
    """``x.sum(dim, keepdim)``."""

    node_name = "SumBackward1"
    aten = "aten::sum"
    out_dtype = None

    def forward(self, x):
        self.dims = normalize_dims(self.dim, x.ndim)
        return x.sum(axis=self.dims, keepdims=self.keepdim, dtype=self.out_dtype)

    def vjp(self, grad):
        return (_expand_back(grad, self._in_meta[0][0], self.dims, self.keepdim),)

    def jvp(self, tangents):
        return tangents[0].sum(dim=self.dim, keepdim=self.keepdim)

    def rule(self) -> str:
        return f"grad_input = grad broadcast back over dim {self.dim}"

    @staticmethod
    def samples():
        return [((_rand(2, 3, 4),), {"dim": 1, "keepdim": False}), ((_rand(2, 3),), {"dim": (0, 1), "keepdim": True})]


class Mean(Op):
    node_name = "MeanBackward0"
    aten = "aten::mean"

    def forward(self, x):
        return x.mean(dtype=self.out_dtype) if self.out_dtype is not None else x.mean()

    out_dtype = None

    def vjp(self, grad):
        shape = self._in_meta[0][0]
        n = int(np.prod(shape))
        return ((grad / n).expand(shape),)

    def jvp(self, tangents):
        return tangents[0].mean()

    def rule(self) -> str:
        return "grad_input = grad / numel, broadcast to the input's shape"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class MeanDim(Op):
    node_name = "MeanBackward1"
    aten = "aten::mean"

    def forward(self, x):
        self.dims = normalize_dims(self.dim, x.ndim)
        return x.mean(axis=self.dims, keepdims=self.keepdim)

    def vjp(self, grad):
        shape = self._in_meta[0][0]
        n = int(np.prod([shape[d] for d in self.dims]))
        return (_expand_back(grad / n, shape, self.dims, self.keepdim),)

    def jvp(self, tangents):
        return tangents[0].mean(dim=self.dim, keepdim=self.keepdim)

    def rule(self) -> str:
        return f"grad_input = grad / n broadcast back over dim {self.dim}"

    @staticmethod
    def samples():
        return [((_rand(2, 3, 4),), {"dim": -1, "keepdim": False}), ((_rand(2, 3),), {"dim": 0, "keepdim": True})]


@public(method=True)
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of all elements, or over ``dim`` (int or tuple)."""
    kind = input._data.dtype.kind
    out_dtype = dtype.numpy if dtype is not None else (np.dtype(np.int64) if kind in "bi" else None)
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dim = None
        return SumDim.apply(input, dim=tuple(range(input._data.ndim)), keepdim=keepdim, out_dtype=out_dtype)
    if dim is None:
        if out_dtype is not None:
            return Sum.apply(input, out_dtype=out_dtype)
        return Sum.apply(input)
    return SumDim.apply(input, dim=dim, keepdim=keepdim, out_dtype=out_dtype)


@public(method=True)
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements, or over ``dim``; integer tensors need an explicit float dtype."""
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {input.dtype.name.capitalize().replace('Int64', 'Long')}"
        )
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        return Mean.apply(input)
    return MeanDim.apply(input, dim=dim, keepdim=keepdim)

