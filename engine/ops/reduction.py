"""Sums, means and products (the reductions every loss ends with)."""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from ._reduce_util import _const, _expand_back, _keep
from ._samples import sampler
from ._util import normalize_dims

_rand = sampler(seed=11)


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


class _ProdBase(Op):
    """Product of elements. The rule is the product of the *other* elements, exact with zeros.

    With z the zero mask of the input, k the number of zeros in a slice, x' the input with its zeros
    replaced by ones and P' = prod(x'): prod_{j≠i} x_j = (P' / x'_i) · W_i, where W_i is the product
    of the zeros other than i. W is 1 when k = 0; S (the sum of the slice's zero entries, i.e. the
    zero itself) off the zero and 1 on it when k = 1; S − x_i on the zeros when k = 2; 0 otherwise
    (products of two or more zeros, flat to first order). Writing W with the zero entries as tensors
    keeps the rule right to second order, so double backward through prod is exact even at zeros.
    """

    abstract = True
    saves = ("self",)
    saves_result = True
    out_dtype = None
    keepdim = False

    def _prod_kept(self, t):
        if self.__class__ is Prod:
            return t.prod()
        return t.prod(dim=self.dims[0], keepdim=True)

    def _others_product(self, x, result):
        xd = x._data
        axes = self.dims
        zero = xd == 0
        if not zero.any():
            kept = _keep(result, xd.shape, axes, self.keepdim)
            return kept / x
        k = np.sum(zero, axis=axes, keepdims=True)
        x_ones = x * _const(~zero, x) + _const(zero, x)  # zeros become ones (and pass no gradient)
        p_ones = self._prod_kept(x_ones)
        zero_entries = x * _const(zero, x)  # the zeros themselves, still connected to x
        s = zero_entries.sum() if self.__class__ is Prod else zero_entries.sum(dim=axes[0], keepdim=True)
        w = _const((k == 0) | ((k == 1) & zero), x)
        w = w + s * _const((k == 1) & ~zero, x)
        w = w + (s - x) * _const((k == 2) & zero, x)
        return p_ones / x_ones * w

    def vjp(self, grad):
        (x,) = self.saved
        return (_keep(grad, x._data.shape, self.dims, self.keepdim) * self._others_product(x, self.result),)

    def jvp(self, tangents):
        x = self.fw_inputs[0]
        out = tangents[0] * self._others_product(x, self.fw_result)
        if self.__class__ is Prod:
            return out.sum()
        return out.sum(dim=self.dims[0], keepdim=self.keepdim)

    def rule(self) -> str:
        return "grad_input = grad · (product of the other elements)   (exact when inputs contain zeros)"


class Prod(_ProdBase):
    node_name = "ProdBackward0"
    aten = "aten::prod"

    def forward(self, x):
        self.dims = tuple(range(x.ndim))
        return np.prod(x, dtype=self.out_dtype)

    @staticmethod
    def samples():
        x = _rand(2, 3)
        one_zero = x.copy()
        one_zero[0, 1] = 0.0
        two_zeros = one_zero.copy()
        two_zeros[1, 2] = 0.0
        return [((x,), {}), ((one_zero,), {}), ((two_zeros,), {})]


class ProdDim(_ProdBase):
    node_name = "ProdBackward1"
    aten = "aten::prod"

    def forward(self, x):
        self.dims = normalize_dims(self.dim, x.ndim)
        return np.prod(x, axis=self.dims, keepdims=self.keepdim, dtype=self.out_dtype)

    @staticmethod
    def samples():
        x = _rand(3, 4)
        x[1, 2] = 0.0
        x[2, 0] = x[2, 3] = 0.0
        return [((x,), {"dim": 1}), ((x,), {"dim": 0, "keepdim": True})]


@public(method=True)
def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product of all elements (ProdBackward0) or along one ``dim`` (ProdBackward1)."""
    kind = input._data.dtype.kind
    out_dtype = dtype.numpy if dtype is not None else (np.dtype(np.int64) if kind in "biu" else None)
    params = {"out_dtype": out_dtype} if out_dtype is not None else {}
    if dtype is not None and kind == "f":
        input, params = input.to(dtype), {}
    if dim is None:
        return Prod.apply(input, **params)
    return ProdDim.apply(input, dim=dim, keepdim=keepdim, **params)
