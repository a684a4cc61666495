"""Ops for sliding windows and series: ``Tensor.unfold`` (a view: UnfoldBackward0), ``roll``
(RollBackward0), ``diff`` (PyTorch's composite: ``narrow`` differences, SubBackward0 over
SliceBackward0) and ``std_mean`` / ``var_mean`` (one two-output node: StdMeanBackward0,
VarMeanBackward0).

``unfold(dim, size, step)`` replaces ``dim`` by the window count and appends the window: a strided
view sharing storage, as in PyTorch. Its reverse rule adds each window back (``unfold_backward``,
UnfoldBackwardBackward0), whose reverse rule is the unfold again: a :class:`LinearMap` pair.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor, _make, _wrap_dim
from ._linear_map import LinearMap, pair
from ._samples import distinct
from .joining import cat
from .shape import _view_result
from .views import narrow


class UnfoldCfg(NamedTuple):
    dim: int
    size: int
    step: int
    input_shape: tuple


def unfold_view(x: np.ndarray, cfg: UnfoldCfg) -> np.ndarray:
    d = cfg.dim
    n = x.shape[d] if x.ndim else 1
    count = (n - cfg.size) // cfg.step + 1
    if x.ndim == 0:
        # PyTorch gives a 0-d input the window dim with stride 1 (its size is 1 anyway).
        return np.lib.stride_tricks.as_strided(x, (cfg.size,), (x.itemsize,), writeable=x.flags.writeable)
    shape = list(x.shape)
    strides = list(x.strides)
    shape[d], strides[d] = count, x.strides[d] * cfg.step
    return np.lib.stride_tricks.as_strided(x, (*shape, cfg.size), (*strides, x.strides[d]),
                                           writeable=x.flags.writeable)


def unfold_adjoint(g: np.ndarray, cfg: UnfoldCfg) -> np.ndarray:
    """Each window's gradient added back at its place (windows may overlap): one strided add per
    position inside the window, never one per window."""
    out = np.zeros(cfg.input_shape, dtype=g.dtype)
    if not cfg.input_shape:
        return np.asarray(g.sum(), dtype=g.dtype)
    d, count = cfg.dim, g.shape[cfg.dim]
    for k in range(cfg.size):
        index = [slice(None)] * len(cfg.input_shape)
        index[d] = slice(k, k + cfg.step * (count - 1) + 1, cfg.step)
        out[tuple(index)] += g[..., k]
    return out


class Unfold(LinearMap):
    node_name = "UnfoldBackward0"
    aten = "aten::unfold"
    is_view = True

    def forward(self, x):
        return unfold_view(x, self.cfg)

    def rule(self) -> str:
        return "grad_input = every window's gradient added back where the window was taken"

    @staticmethod
    def samples():
        return [((distinct(7),), {"cfg": UnfoldCfg(0, 3, 2, (7,))}),
                ((distinct(2, 5, 3),), {"cfg": UnfoldCfg(1, 2, 1, (2, 5, 3))})]


class UnfoldAdjoint(LinearMap):
    node_name = "UnfoldBackwardBackward0"
    aten = "aten::unfold_backward"

    def forward(self, g):
        return unfold_adjoint(g, self.cfg)

    @staticmethod
    def samples():
        return [((distinct(3, 3),), {"cfg": UnfoldCfg(0, 3, 2, (7,))})]


pair(Unfold, UnfoldAdjoint)


@public(method=True, function=False)
def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    nd = self._data.ndim
    d = _wrap_dim(dimension, nd)
    n = self._data.shape[d] if nd else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    cfg = UnfoldCfg(d, int(size), int(step), tuple(self._data.shape))
    return _view_result(Unfold.apply(self, cfg=cfg), self)


# ---- roll ----------------------------------------------------------------------------------------------


class Roll(Op):
    node_name = "RollBackward0"
    aten = "aten::roll"

    def forward(self, x):
        return np.roll(x, self.shifts, self.dims)

    def vjp(self, grad):
        back = tuple(-s for s in self.shifts) if self.dims is not None else -self.shifts
        return (Roll.apply(grad, shifts=back, dims=self.dims),)

    def jvp(self, tangents):
        return Roll.apply(tangents[0], shifts=self.shifts, dims=self.dims)

    def rule(self) -> str:
        return "grad_input = grad rolled back by -shifts"

    @staticmethod
    def samples():
        return [((distinct(2, 3),), {"shifts": (1,), "dims": (1,)}),
                ((distinct(2, 3),), {"shifts": 2, "dims": None}),
                ((distinct(3, 4),), {"shifts": (1, -1), "dims": (0, 1)})]


@public(method=True)
def roll(input: Tensor, shifts, dims=None) -> Tensor:
    shifts_t = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    if dims is None:
        if len(shifts_t) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:0")
        return Roll.apply(input, shifts=int(shifts_t[0]), dims=None)
    dims_t = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, dims:{len(dims_t)}")
    nd = input._data.ndim
    return Roll.apply(input, shifts=tuple(int(s) for s in shifts_t), dims=tuple(_wrap_dim(d, nd) for d in dims_t))


# ---- diff ----------------------------------------------------------------------------------------------


@public(method=True)
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend=None, append=None) -> Tensor:
    """``n``-th forward difference along ``dim``, as PyTorch composes it: ``prepend``/``append`` are
    concatenated first, then each difference is ``x.narrow(dim, 1, len-1) - x.narrow(dim, 0, len-1)``
    (``logical_xor`` for bool)."""
    if input._data.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = _wrap_dim(dim, input._data.ndim)
    if n == 0:
        # ATen's diff_helper: zeros_like(self).copy_(self), ignoring prepend/append. A new tensor
        # whose node is CopyBackwards, never the input itself.
        return _make(np.zeros_like(input._data)).copy_(input)
    x = input
    if prepend is not None or append is not None:
        parts = [t for t in (prepend, input, append) if t is not None]
        x = cat(parts, d)
    for _ in range(n):
        length = x._data.shape[d]
        if length == 0:
            break
        a, b = narrow(x, d, 1, length - 1), narrow(x, d, 0, length - 1)
        x = a.logical_xor(b) if x._data.dtype == np.bool_ else a - b
    return x


# ---- std_mean / var_mean -------------------------------------------------------------------------------


def _dims(dim, ndim: int) -> tuple:
    if dim is None:
        return tuple(range(ndim))
    return tuple(sorted(_wrap_dim(d, ndim) for d in ((dim,) if isinstance(dim, int) else dim)))


class VarMean(Op):
    """(var or std, mean) over ``dims`` with ``correction``: one node for both outputs."""

    node_name = "VarMeanBackward0"
    aten = "aten::var_mean"
    saves = ("self",)
    num_outputs = 2
    take_sqrt = False

    def forward(self, x):
        var = np.var(x, axis=self.dims, ddof=self.correction, keepdims=self.keepdim)
        mean = np.mean(x, axis=self.dims, keepdims=self.keepdim)
        first = np.sqrt(var) if self.take_sqrt else var
        return np.asarray(first, dtype=x.dtype), np.asarray(mean, dtype=x.dtype)

    def _keep(self, t: Tensor) -> Tensor:
        if self.keepdim or not self.dims:
            return t
        shape = list(self._in_meta[0][0])
        for d in self.dims:
            shape[d] = 1
        return t.reshape(shape)

    def _count(self, shape: tuple) -> int:
        return int(np.prod([shape[d] for d in self.dims], dtype=np.int64))

    def vjp(self, grad_first, grad_mean):
        (x,) = self.saved
        n = self._count(self._in_meta[0][0])
        centred = x - x.mean(self.dims, keepdim=True)
        total = None
        if grad_first is not None:
            if self.take_sqrt:  # d std = (x - mean) / ((N - c) · std)
                std = ((centred * centred).sum(self.dims, keepdim=True) / (n - self.correction)).sqrt()
                total = centred * (self._keep(grad_first) / (std * (n - self.correction)))
            else:  # d var = 2 (x - mean) / (N - c)
                total = centred * (self._keep(grad_first) * (2.0 / (n - self.correction)))
        if grad_mean is not None:
            part = (self._keep(grad_mean) / n).expand(x.shape)
            total = part if total is None else total + part
        return (total,)

    def jvp(self, tangents):
        (t,) = tangents
        x = self.fw_inputs[0]
        n = self._count(tuple(x.shape))
        centred = x - x.mean(self.dims, keepdim=True)
        dvar = (centred * t).sum(self.dims, keepdim=self.keepdim) * (2.0 / (n - self.correction))
        if self.take_sqrt:  # d std = d var / (2 std)
            var = (centred * centred).sum(self.dims, keepdim=self.keepdim) / (n - self.correction)
            first = dvar / (2 * var.sqrt())
        else:
            first = dvar
        return first, t.mean(self.dims, keepdim=self.keepdim)

    def rule(self) -> str:
        return "grad_input = grad_var · 2(x − mean)/(N − correction) + grad_mean / N"

    @staticmethod
    def samples():
        return [((distinct(3, 4),), {"dims": (1,), "correction": 1, "keepdim": False}),
                ((distinct(2, 3),), {"dims": (0, 1), "correction": 0, "keepdim": True})]


class StdMean(VarMean):
    node_name = "StdMeanBackward0"
    aten = "aten::std_mean"
    take_sqrt = True

    def rule(self) -> str:
        return "grad_input = grad_std · (x − mean)/((N − correction) · std) + grad_mean / N"


def _moments(cls, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):  # std_mean(input, unbiased)
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return cls.apply(input, dims=_dims(dim, input._data.ndim), correction=int(correction), keepdim=bool(keepdim))


@public()
def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _moments(StdMean, input, dim, unbiased, keepdim, correction)


@public()
def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return _moments(VarMean, input, dim, unbiased, keepdim, correction)
