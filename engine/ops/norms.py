"""``norm`` (``linalg.vector_norm``), ``var`` and ``std``."""

from __future__ import annotations

import warnings

import numpy as np

from .._api import public
from .._op import Op
from ._index_util import _zero_where
from ._reduce_util import _const, _keep, _LocalGradReduction, _out_shape
from ._samples import sampler
from ._util import normalize_dims

_rand = sampler(seed=11)


class Norm(_LocalGradReduction):
    """``linalg.vector_norm`` (what ``Tensor.norm`` runs): ord 2/'fro', 1, inf, -inf, 0 or any p."""

    node_name = "LinalgVectorNormBackward0"
    aten = "aten::linalg_vector_norm"
    ord = 2
    dim = None

    def forward(self, x):
        self.dims = self._dims_of(x.ndim)
        p, ax, kd = float(self.ord), self.dims, self.keepdim
        a = np.abs(x)
        if p == 2:
            return np.sqrt(np.sum(x * x, axis=ax, keepdims=kd))
        if p == 1:
            return np.sum(a, axis=ax, keepdims=kd)
        if p == np.inf:
            return np.max(a, axis=ax, keepdims=kd) if a.size else np.zeros(_out_shape(a.shape, ax, kd), a.dtype)
        if p == -np.inf:
            return np.min(a, axis=ax, keepdims=kd)
        if p == 0:
            return np.sum(a != 0, axis=ax, keepdims=kd).astype(x.dtype)
        return np.power(np.sum(np.power(a, p), axis=ax, keepdims=kd), 1.0 / p)

    def vjp(self, grad):
        p = float(self.ord)
        if p == 0:
            # PyTorch's 0-norm backward gives an undefined gradient (x.grad stays None), but it unpacks
            # the saved input and result first: modified in place, they still raise.
            _ = (self.saved, self.result)
            return (None,)
        if p in (np.inf, -np.inf):
            return super().vjp(grad)
        if p == 1:
            # PyTorch: self.sgn() * grad, recorded under create_graph (sign is sgn for real tensors)
            (x,) = self.saved
            return (x.sign() * _keep(grad, x._data.shape, self.dims, self.keepdim),)
        # PyTorch's norm_backward term by term, grad inside its masked_fill_ (a selection here): a nan
        # gradient arriving at a zero norm is zeroed, and second order is nan exactly where PyTorch's is.
        (x,) = self.saved
        xd, shape = x._data, x._data.shape
        r = _keep(self.result, shape, self.dims, self.keepdim)
        g = _keep(grad, shape, self.dims, self.keepdim)
        zero_norm = r._data == 0
        with np.errstate(divide="ignore", invalid="ignore"):
            if p == 2:
                return (g * _zero_where(zero_norm, x / r),)
            if p < 1:
                return (x.sign() * _zero_where(xd == 0, x.abs() ** (p - 1)) * g * r ** (1 - p),)
            scale = _zero_where(np.broadcast_to(zero_norm, shape), g / r ** (p - 1))
            if p < 2:
                return (x.sign() * x.abs() ** (p - 1) * scale,)
            return (x * x.abs() ** (p - 2) * scale,)

    def local_grad(self, x, r):
        p = float(self.ord)
        xd = x._data
        if p == 0:
            return _const(np.zeros(xd.shape), x)
        if p == 1:
            return _const(np.sign(xd), x)
        if p in (np.inf, -np.inf):
            # The gradient goes to the elements that reach the norm, split evenly between ties.
            hit = np.abs(xd) == r._data
            count = np.sum(hit, axis=self.dims, keepdims=True)
            return _const(np.sign(xd) * hit / np.maximum(count, 1), x)
        # Forward mode (reverse mode is vjp above): PyTorch's terms, a zero norm gives zero.
        with np.errstate(divide="ignore", invalid="ignore"):
            zero_norm = r._data == 0
            if p == 2:
                return x * _zero_where(zero_norm, r.reciprocal())
            if p < 1:
                # times norm^(1-p): a zero norm (a negative p with a zero element) zeroes everything
                return x.sign() * _zero_where(xd == 0, x.abs() ** (p - 1)) * r ** (1 - p)
            scale = _zero_where(zero_norm, (r ** (p - 1)).reciprocal())
            if p < 2:
                return x.sign() * x.abs() ** (p - 1) * scale
            return x * x.abs() ** (p - 2) * scale

    def rule(self) -> str:
        p = self.ord
        if float(p) == 2:
            return "grad_input = grad · input / result   (0 where the norm is 0)"
        if float(p) == 1:
            return "grad_input = grad · sign(input)"
        if float(p) in (np.inf, -np.inf):
            return "grad_input = grad · sign(input) at the extreme |input| (split evenly between ties)"
        return f"grad_input = grad · sign(input) · |input|^{p}−1 / result^{p}−1"

    @staticmethod
    def samples():
        x = _rand(2, 3, 4)
        return [
            ((x,), {}),
            ((x,), {"ord": 1, "dim": (1,), "keepdim": False}),
            ((x,), {"ord": np.inf, "dim": (2,), "keepdim": True}),
            ((x,), {"ord": 3.0, "dim": (0, 2)}),
            ((x,), {"ord": 2, "dim": (-1,)}),
        ]


@public(method=True)
def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm of all elements or over ``dim`` (grad_fn LinalgVectorNormBackward0)."""
    if input._data.dtype.kind != "f":
        name = {"int64": "Long", "int32": "Int", "bool": "Bool"}.get(input._data.dtype.name, input._data.dtype.name)
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {name}")
    if dtype is not None:
        input = input.to(dtype)
    if p == "fro" or p is None:
        p = 2
    elif p == "nuc":
        raise RuntimeError("engine: the nuclear norm (p='nuc') is not supported")
    if isinstance(dim, int):
        dim = (dim,)
    return Norm.apply(input, ord=p, dim=tuple(dim) if dim is not None else None, keepdim=keepdim)


class _Moment(Op):
    """var / std over ``dims`` with ``correction`` (1 = unbiased, Bessel's correction)."""

    abstract = True
    saves = ("self",)
    dim = None
    correction = None
    keepdim = False

    def _stats(self, x: np.ndarray):
        self.dims = normalize_dims(self.dim, x.ndim) if self.dim is not None else tuple(range(x.ndim))
        n = int(np.prod([x.shape[d] for d in self.dims])) if self.dims else 1
        c = 1 if self.correction is None else self.correction
        self.dof = n - c
        if self.dof <= 0:
            warnings.warn(
                f"{self.aten.rsplit(':', 1)[-1]}(): degrees of freedom is <= 0. Correction should be strictly less than the reduction "
                "factor (input numel divided by output numel). (Triggered internally at "
                "/pytorch/aten/src/ATen/native/ReduceOps.cpp:1861.)",
                UserWarning,
                stacklevel=4,
            )
        centered = x - x.mean(axis=self.dims, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.sum(centered * centered, axis=self.dims, keepdims=self.keepdim) / (self.dof if self.dof > 0 else 0)
        return var.astype(x.dtype, copy=False)

    def _var_grad(self, x):
        """d var / d input = 2 (input − mean) / (N − correction)."""
        centered = x - x.mean(dim=self.dims, keepdim=True)
        # PyTorch divides by N − correction as it is: 0 gives inf (so 0·inf = nan, as torch prints
        # for one element), a negative value flips the sign.
        return centered * (2.0 / self.dof if self.dof else float("inf"))


class Var(_Moment):
    node_name = "VarBackward0"
    aten = "aten::var"

    def forward(self, x):
        return self._stats(x)

    def vjp(self, grad):
        (x,) = self.saved
        shape = x._data.shape
        if self.dof <= 0 and (self.dim is None or x._data.ndim == 0):
            # PyTorch's var_backward over all elements with no degrees of freedom left:
            # grad * where(self == mean, nan, inf), constants (no graph under create_graph).
            xd = x._data
            at_mean = xd == xd.mean(axis=self.dims, keepdims=True)
            local = _const(np.where(at_mean, np.nan, np.inf), x)
            return (_keep(grad, shape, self.dims, self.keepdim) * local,)
        return (_keep(grad, shape, self.dims, self.keepdim) * self._var_grad(x),)

    def jvp(self, tangents):
        x = self.fw_inputs[0]
        return (tangents[0] * self._var_grad(x)).sum(dim=self.dims, keepdim=self.keepdim)

    def rule(self) -> str:
        return "grad_input = grad · 2 (input − mean) / (N − correction)"

    @staticmethod
    def samples():
        x = _rand(3, 4)
        return [((x,), {}), ((x,), {"dim": 1, "correction": 0}), ((x,), {"dim": (0,), "keepdim": True})]


class Std(_Moment):
    node_name = "StdBackward0"
    aten = "aten::std"
    saves_result = True

    def forward(self, x):
        return np.sqrt(self._stats(x))

    def _local(self, x, r):
        kept = _keep(r, x._data.shape, self.dims, self.keepdim)
        # d std = d var / (2 std); a zero std gives a zero gradient rather than 0/0.
        safe = kept + _const(kept._data == 0, kept)
        return self._var_grad(x) / (safe * 2)

    def vjp(self, grad):
        (x,) = self.saved
        shape = x._data.shape
        if self.dof <= 0 and (self.dim is None or x._data.ndim == 0):
            # PyTorch's std_backward: var_backward((grad / (2 result)).masked_fill_(result == 0, 0)),
            # whose no-degrees-of-freedom branch multiplies by where(self == mean, nan, inf).
            r = self.result
            with np.errstate(divide="ignore", invalid="ignore"):
                g_var = _zero_where(r._data == 0, grad / (r * 2))
            xd = x._data
            local = _const(np.where(xd == xd.mean(axis=self.dims, keepdims=True), np.nan, np.inf), x)
            return (_keep(g_var, shape, self.dims, self.keepdim) * local,)
        return (_keep(grad, shape, self.dims, self.keepdim) * self._local(x, self.result),)

    def jvp(self, tangents):
        x = self.fw_inputs[0]
        return (tangents[0] * self._local(x, self.fw_result)).sum(dim=self.dims, keepdim=self.keepdim)

    def rule(self) -> str:
        return "grad_input = grad · (input − mean) / ((N − correction) · result)"

    @staticmethod
    def samples():
        x = _rand(3, 4)
        return [((x,), {}), ((x,), {"dim": 0, "correction": 0, "keepdim": True})]


def _moment_args(name: str, input, dim, unbiased, keepdim, correction):
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):  # the old overload var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{name}: can't specify both unbiased and correction")
    if unbiased is not None:
        correction = 1 if unbiased else 0
    if isinstance(dim, list):
        dim = tuple(dim)
    return {"dim": dim, "correction": correction, "keepdim": keepdim}


@public(method=True)
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Variance over ``dim`` (all by default) with Bessel's correction unless told otherwise."""
    return Var.apply(input, **_moment_args("var", input, dim, unbiased, keepdim, correction))


@public(method=True)
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Standard deviation: the square root of :func:`var`."""
    return Std.apply(input, **_moment_args("std", input, dim, unbiased, keepdim, correction))
