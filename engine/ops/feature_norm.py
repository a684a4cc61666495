"""Batch and group normalisation: ``native_batch_norm`` and ``native_group_norm``, one node each.

Both normalise ``x`` over some axes to ``x̂ = (x − mean) · invstd`` with the biased variance, then
apply a per-channel affine ``x̂ · weight + bias``. The reverse rule of the normalisation is the same
for both (only the axes differ), so it is written once in :func:`_normalize_vjp`; it is self-adjoint
in structure, so the forward rule uses the same expression on the tangent.

All rules recompute mean and invstd from the saved input with engine ops: that makes double
backward (and forward-over-reverse) differentiate through the statistics, as PyTorch's does.
Like PyTorch, a missing weight or bias is still an edge slot: ``next_functions`` has three entries
(``(None, 0)`` for the missing ones).
"""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._state import STATE
from .._tensor import Tensor, _make
from ._samples import sampler

_rand = sampler(low=-2.0, high=2.0, seed=97)


def _channel_shape(ndim: int, channels: int) -> tuple:
    """(1, C, 1, ...): a per-channel vector viewed to broadcast against an (N, C, *) input."""
    return (1, channels) + (1,) * (ndim - 2)


def _stats(x: Tensor, dims: tuple, eps: float):
    """mean, invstd (biased variance) and x̂ of ``x`` over ``dims``, as differentiable engine ops."""
    mean = x.mean(dim=dims, keepdim=True)
    centered = x - mean
    invstd = ((centered * centered).mean(dim=dims, keepdim=True) + eps).rsqrt()
    return mean, invstd, centered * invstd


def _normalize_vjp(g_hat: Tensor, x_hat: Tensor, invstd: Tensor, dims: tuple) -> Tensor:
    """The gradient of x̂ = normalise(x) over ``dims``: invstd · (ĝ − mean ĝ − x̂ · mean(ĝ · x̂))."""
    return (g_hat - g_hat.mean(dim=dims, keepdim=True) - x_hat * (g_hat * x_hat).mean(dim=dims, keepdim=True)) * invstd


def _edge_live(node: Op, i: int) -> bool:
    return node.next_functions[i][0] is not None


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """Σ over every axis but 1 of an (N, C, *) array, kept as (1, C, 1, ...): summing the contiguous
    trailing axis first is much faster in numpy than one reduction over axes (0, 2, ...)."""
    n, c = a.shape[0], a.shape[1]
    return np.ascontiguousarray(a).reshape(n, c, -1).sum(axis=2).sum(axis=0).reshape(_channel_shape(a.ndim, c))


def _plain(node: Op, grads) -> tuple:
    """Wrap numpy gradients as constant tensors, None where an input has no edge."""
    return tuple(_make(g) if g is not None and _edge_live(node, i) else None for i, g in enumerate(grads))


class _AffineNorm(Op):
    """Shared by both: a missing weight is filled by a constant, but ``_saved_weight`` is None as in PyTorch."""

    abstract = True
    weight_defined = True

    @property
    def _saved_weight(self):
        return self.saved[1] if self.weight_defined else None


class NativeBatchNorm(_AffineNorm):
    """``y = (x − mean) / sqrt(var + eps) · weight + bias`` per channel (axis 1).

    ``training=True``: mean and biased var of the batch (over every axis but 1); the running stats
    (params, may be None) are updated in place with ``momentum`` and the *unbiased* variance, as
    PyTorch does. ``training=False``: the running stats are used and are constants for autograd.
    """

    node_name = "NativeBatchNormBackward0"
    aten = "aten::native_batch_norm"
    inputs = ("input", "weight", "bias")
    saves = ("input", "weight")
    running_mean = None
    running_var = None
    training = True
    momentum = 0.1
    eps = 1e-5

    def forward(self, x, w, b):
        cshape = _channel_shape(x.ndim, x.shape[1])
        n = x.size // x.shape[1]
        if self.training:
            mean = _channel_sum(x) / n
            centered = x - mean
            var = _channel_sum(centered * centered) / n
            self._update_running(mean, var, n)
        else:
            mean = self.running_mean._data.reshape(cshape)
            var = self.running_var._data.reshape(cshape)
            centered = x - mean
        invstd = 1.0 / np.sqrt(var + self.eps)
        # PyTorch's _saved_result1/_saved_result2: the batch mean and invstd in training, empty in eval.
        empty = np.zeros((0,), x.dtype)
        self.result1 = _make(mean.reshape(-1).astype(x.dtype) if self.training else empty)
        self.result2 = _make(invstd.reshape(-1).astype(x.dtype) if self.training else empty)
        out = centered * (invstd * w.reshape(cshape)) + b.reshape(cshape)
        return out.astype(x.dtype, copy=False)

    def _update_running(self, mean, var, n: int) -> None:
        m = self.momentum
        for stat, value in ((self.running_mean, mean), (self.running_var, var * n / max(n - 1, 1))):
            if stat is None:
                continue
            data = stat._data
            data[...] = (1 - m) * data + m * value.reshape(-1).astype(data.dtype)
            stat._vc[0] += 1

    def _parts(self, x: Tensor):
        """(axes, channel shape, x̂, invstd) from the saved input, differentiable in training mode."""
        axes = (0,) + tuple(range(2, x._data.ndim))
        cshape = _channel_shape(x._data.ndim, x._data.shape[1])
        if self.training:
            _, invstd, x_hat = _stats(x, axes, self.eps)
        else:
            dt = x._data.dtype
            mean = _make(self.running_mean._data.reshape(cshape).astype(dt))
            invstd = _make((1.0 / np.sqrt(self.running_var._data.reshape(cshape) + self.eps)).astype(dt))
            x_hat = (x - mean) * invstd
        return axes, cshape, x_hat, invstd

    def _input_grad(self, g_hat: Tensor, x_hat: Tensor, invstd: Tensor, axes: tuple) -> Tensor:
        if self.training:
            return _normalize_vjp(g_hat, x_hat, invstd, axes)
        return g_hat * invstd

    def vjp(self, grad):
        x, w = self.saved
        if not (STATE.grad_enabled or STATE.fw_level):  # a plain backward: no graph, no tangents
            return self._vjp_plain(grad._data, x._data, w._data)
        axes, cshape, x_hat, invstd = self._parts(x)
        gx = gw = gb = None
        if _edge_live(self, 0):
            gx = self._input_grad(grad * w.reshape(cshape), x_hat, invstd, axes)
        if _edge_live(self, 1):
            gw = (grad * x_hat).sum(dim=axes)
        if _edge_live(self, 2):
            gb = grad.sum(dim=axes)
        return gx, gw, gb

    def _vjp_plain(self, g: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple:
        # The rule above in fused numpy with the forward's statistics, for a plain backward (which
        # needs no graph of its own): about half the passes over the data of the engine-op rule.
        c = x.shape[1]
        cshape = _channel_shape(x.ndim, c)
        if self.training:
            mean, invstd = self.result1._data.reshape(cshape), self.result2._data.reshape(cshape)
        else:
            mean = self.running_mean._data.reshape(cshape).astype(x.dtype)
            invstd = (1.0 / np.sqrt(self.running_var._data.reshape(cshape) + self.eps)).astype(x.dtype)
        x_hat = (x - mean) * invstd
        g_sum = _channel_sum(g)
        gx_hat_sum = _channel_sum(g * x_hat)
        gx = None
        if _edge_live(self, 0):
            scale = w.reshape(cshape) * invstd
            if self.training:
                n = x.size // c
                gx = (g - g_sum / n - x_hat * (gx_hat_sum / n)) * scale
            else:
                gx = g * scale
        return _plain(self, (gx, gx_hat_sum.reshape(c), g_sum.reshape(c)))

    def jvp(self, tangents):
        tx, tw, tb = tangents
        x, w, _ = self.fw_inputs
        axes, cshape, x_hat, invstd = self._parts(x)
        out = None
        if tx is not None:
            out = self._input_grad(tx, x_hat, invstd, axes) * w.reshape(cshape)
        if tw is not None:
            term = x_hat * tw.reshape(cshape)
            out = term if out is None else out + term
        if tb is not None:
            term = tb.reshape(cshape).expand(x._data.shape)
            out = term if out is None else out + term
        return out

    def rule(self) -> str:
        if self.training:
            return (
                "x̂ = (input − mean)·invstd over (N, *);  grad_input = weight·invstd·(grad − mean(grad) − "
                "x̂·mean(grad·x̂));  grad_weight = Σ grad·x̂;  grad_bias = Σ grad"
            )
        return "grad_input = grad · weight / sqrt(running_var + eps);  grad_weight = Σ grad·x̂;  grad_bias = Σ grad"

    @staticmethod
    def samples():
        w, b = _rand(3, seed=1, low=0.5, high=1.5), _rand(3, seed=2)
        rm, rv = _make(_rand(3, seed=3)), _make(_rand(3, seed=4, low=0.5, high=2.0))
        return [
            ((_rand(4, 3), w, b), {}),
            ((_rand(2, 3, 4), w, b), {"eps": 1e-3}),
            ((_rand(2, 3, 2, 2), w, b), {}),
            ((_rand(4, 3), w, b), {"training": False, "running_mean": rm, "running_var": rv}),
        ]


class NativeGroupNorm(_AffineNorm):
    """Normalise each sample's channels in ``group`` groups, then a per-channel affine."""

    node_name = "NativeGroupNormBackward0"
    aten = "aten::native_group_norm"
    inputs = ("input", "weight", "bias")
    saves = ("input", "weight")
    group = 1
    eps = 1e-5

    def forward(self, x, w, b):
        n, c = x.shape[0], x.shape[1]
        # PyTorch's saved scalars (grad_fn._saved_N, _saved_C, _saved_HxW, _saved_group).
        self.N, self.C, self.HxW = n, c, x.size // max(n * c, 1)
        grouped = x.reshape(n, self.group, -1)
        mean = grouped.mean(axis=2, keepdims=True)
        var = ((grouped - mean) ** 2).mean(axis=2, keepdims=True)
        rstd = 1.0 / np.sqrt(var + self.eps)
        self.result1 = _make(mean.reshape(n, self.group).astype(x.dtype))
        self.result2 = _make(rstd.reshape(n, self.group).astype(x.dtype))
        cshape = _channel_shape(x.ndim, c)
        out = ((grouped - mean) * rstd).reshape(x.shape) * w.reshape(cshape) + b.reshape(cshape)
        return out.astype(x.dtype, copy=False)

    def _parts(self, x: Tensor):
        shape = x._data.shape
        grouped = x.reshape(shape[0], self.group, -1)
        _, rstd, x_hat_g = _stats(grouped, (2,), self.eps)
        axes = (0,) + tuple(range(2, len(shape)))
        return shape, axes, _channel_shape(len(shape), shape[1]), x_hat_g, rstd

    def vjp(self, grad):
        x, w = self.saved
        if not (STATE.grad_enabled or STATE.fw_level):  # a plain backward: no graph, no tangents
            return self._vjp_plain(grad._data, x._data, w._data)
        shape, axes, cshape, x_hat_g, rstd = self._parts(x)
        gx = gw = gb = None
        if _edge_live(self, 0):
            g_hat = (grad * w.reshape(cshape)).reshape(shape[0], self.group, -1)
            gx = _normalize_vjp(g_hat, x_hat_g, rstd, (2,)).reshape(shape)
        if _edge_live(self, 1):
            gw = (grad * x_hat_g.reshape(shape)).sum(dim=axes)
        if _edge_live(self, 2):
            gb = grad.sum(dim=axes)
        return gx, gw, gb

    def _vjp_plain(self, g: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple:
        # As NativeBatchNorm._vjp_plain: fused numpy with the forward's mean and rstd.
        shape = x.shape
        n, c = shape[0], shape[1]
        cshape = _channel_shape(len(shape), c)
        mean = self.result1._data.reshape(n, self.group, 1)
        rstd = self.result2._data.reshape(n, self.group, 1)
        x_hat = ((x.reshape(n, self.group, -1) - mean) * rstd).reshape(shape)
        gx = None
        if _edge_live(self, 0):
            g_hat = (g * w.reshape(cshape)).reshape(n, self.group, -1)
            x_hat_g = x_hat.reshape(n, self.group, -1)
            m = g_hat.shape[2]
            gx = (g_hat - g_hat.sum(axis=2, keepdims=True) / m
                  - x_hat_g * ((g_hat * x_hat_g).sum(axis=2, keepdims=True) / m)) * rstd
            gx = gx.reshape(shape)
        gw = _channel_sum(g * x_hat).reshape(c)
        gb = _channel_sum(g).reshape(c)
        return _plain(self, (gx, gw, gb))

    def jvp(self, tangents):
        tx, tw, tb = tangents
        x, w, _ = self.fw_inputs
        shape, axes, cshape, x_hat_g, rstd = self._parts(x)
        out = None
        if tx is not None:
            t_hat = _normalize_vjp(tx.reshape(shape[0], self.group, -1), x_hat_g, rstd, (2,))
            out = t_hat.reshape(shape) * w.reshape(cshape)
        if tw is not None:
            term = x_hat_g.reshape(shape) * tw.reshape(cshape)
            out = term if out is None else out + term
        if tb is not None:
            term = tb.reshape(cshape).expand(shape)
            out = term if out is None else out + term
        return out

    def rule(self) -> str:
        return (
            f"x̂ = normalise(input) within each of {self.group} groups;  grad_input = rstd·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)) "
            "with ĝ = grad·weight;  grad_weight = Σ grad·x̂;  grad_bias = Σ grad"
        )

    @staticmethod
    def samples():
        w, b = _rand(4, seed=5, low=0.5, high=1.5), _rand(4, seed=6)
        return [
            ((_rand(2, 4, 3), w, b), {"group": 2}),
            ((_rand(2, 4, 2, 2), w, b), {"group": 4, "eps": 1e-3}),
            ((_rand(3, 4), w, b), {"group": 1}),
        ]
