"""Sums and means (the reductions every loss ends with)."""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from ._util import normalize_dims
from ._samples import sampler


_rand = sampler(seed=11)


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



# ---- norms, variance, products, extrema ------------------------------------------------------------
# These reductions share one shape of rule: with D the local derivative d result / d input (same shape
# as the input, built from engine ops or constant masks), the reverse rule is ``grad · D`` (grad put
# back over the reduced dims) and the forward rule is ``sum(tangent · D)`` over the same dims.


def _keep(t, in_shape: tuple, dims: tuple, keepdim: bool):
    """A reduced tensor reshaped so it broadcasts against the input (the reduced dims as size 1)."""
    if keepdim or not dims:
        return t if t._data.ndim == len(in_shape) or not dims else t.reshape(_keepdim_shape(in_shape, dims))
    return t.reshape(_keepdim_shape(in_shape, dims))


def _const(values, like):
    from .._tensor import _make

    return _make(np.asarray(values, dtype=like._data.dtype))


class _LocalGradReduction(Op):
    """A reduction over ``self.dims`` whose rules are ``grad · D`` and ``sum(tangent · D)``."""

    abstract = True
    saves = ("self",)
    saves_result = True
    keepdim = False

    def local_grad(self, x, r_kept):  # pragma: no cover - abstract
        raise NotImplementedError

    def _dims_of(self, ndim: int) -> tuple:
        return normalize_dims(self.dim, ndim) if getattr(self, "dim", None) not in (None, ()) else tuple(range(ndim))

    def vjp(self, grad):
        (x,) = self.saved
        shape = x._data.shape
        d = self.local_grad(x, _keep(self.result, shape, self.dims, self.keepdim))
        return (_keep(grad, shape, self.dims, self.keepdim) * d,)

    def jvp(self, tangents):
        x = self.fw_inputs[0]
        shape = x._data.shape
        d = self.local_grad(x, _keep(self.fw_result, shape, self.dims, self.keepdim))
        out = tangents[0] * d
        if not self.dims:
            return out
        return out.sum(dim=self.dims, keepdim=self.keepdim)


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
        from .indexing import _zero_where

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
        from .indexing import _zero_where

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


def _out_shape(shape: tuple, dims: tuple, keepdim: bool) -> tuple:
    if keepdim:
        return _keepdim_shape(shape, dims)
    return tuple(s for i, s in enumerate(shape) if i not in dims)


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
            import warnings

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
            from .indexing import _zero_where

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
        from .._tensor import _make

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
        from .._tensor import _wrap_dim

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
    from collections import namedtuple

    base = namedtuple(name, ["values", "indices"])

    def __repr__(self) -> str:
        return f"torch.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    cls = type(name, (base,), {"__repr__": __repr__, "__slots__": ()})
    cls.__module__ = "engine.return_types"
    return cls


max_return = _return_type("max")
min_return = _return_type("min")


def _extremum(name: str, full_cls, dim_cls, result_type, input, dim, keepdim, other):
    from .._tensor import Tensor

    if isinstance(dim, Tensor):  # max(a, b) is the elementwise maximum
        dim, other = None, dim
    if other is not None:
        from .math import maximum, minimum

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
    from .._tensor import _wrap_dim
    from .compare import _nondiff

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
