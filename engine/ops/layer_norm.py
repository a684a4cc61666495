"""``layer_norm``: PyTorch's one fused node, ``NativeLayerNormBackward0``.

The node always has three edges (input, weight, bias) as in PyTorch; a missing weight or bias is a
constant placeholder without grad, so its edge is ``(None, 0)`` exactly like PyTorch's. The rules
recompute mean and 1/std from the saved input with engine ops, so they can be differentiated again.
"""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor, _make
from ._samples import sampler

_rand = sampler(low=-2.0, high=2.0, seed=57)


class NativeLayerNorm(Op):
    node_name = "NativeLayerNormBackward0"
    aten = "aten::native_layer_norm"
    inputs = ("input", "weight", "bias")
    saves = ("input", "weight", "bias")
    has_weight = True
    has_bias = True
    eps = 1e-5

    def _dims(self, ndim: int) -> tuple:
        return tuple(range(ndim - len(self.normalized_shape), ndim))

    def forward(self, x, w, b):
        dims = self._dims(x.ndim)
        mean = x.mean(axis=dims, keepdims=True)
        centered = x - mean
        var = np.mean(centered * centered, axis=dims, keepdims=True)
        rstd = 1.0 / np.sqrt(var + self.eps)
        # PyTorch saves these as result1/result2 (flattened to the batch shape with trailing ones).
        self.result1 = _make(mean)
        self.result2 = _make(rstd)
        out = centered * rstd
        if self.has_weight:
            out = out * w
        if self.has_bias:
            out = out + b
        return out.astype(x.dtype, copy=False)

    def _normalized(self, x: Tensor):
        dims = self._dims(x.dim())
        centered = x - x.mean(dim=dims, keepdim=True)
        rstd = ((centered * centered).mean(dim=dims, keepdim=True) + self.eps).rsqrt()
        return centered * rstd, rstd, dims

    def vjp(self, grad):
        x, w, _ = self.saved
        xhat, rstd, dims = self._normalized(x)
        batch_dims = tuple(range(x.dim() - len(dims)))
        g = grad * w if self.has_weight else grad
        gx = rstd * (g - g.mean(dim=dims, keepdim=True) - xhat * (g * xhat).mean(dim=dims, keepdim=True))
        gw = (grad * xhat).sum(dim=batch_dims) if self.has_weight else None
        gb = grad.sum(dim=batch_dims) if self.has_bias else None
        if gw is not None and not batch_dims:
            gw = grad * xhat
        if gb is not None and not batch_dims:
            gb = grad
        return gx, gw, gb

    def jvp(self, tangents):
        x, w, b = self.fw_inputs
        tx, tw, tb = tangents
        xhat, rstd, dims = self._normalized(x)
        out = None
        if tx is not None:
            centered = tx - tx.mean(dim=dims, keepdim=True)
            dxhat = rstd * (centered - xhat * (xhat * centered).mean(dim=dims, keepdim=True))
            out = dxhat * w if self.has_weight else dxhat
        if tw is not None and self.has_weight:
            out = xhat * tw if out is None else out + xhat * tw
        if tb is not None and self.has_bias:
            out = tb.expand(tuple(x.shape)) if out is None else out + tb
        return out

    def rule(self) -> str:
        return (
            "x̂ = (x − mean)·rstd;  grad_input = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = grad·weight;  "
            "grad_weight = Σ grad·x̂;  grad_bias = Σ grad"
        )

    @staticmethod
    def samples():
        return [
            ((_rand(2, 3, 4), _rand(4), _rand(4, seed=1)), {"normalized_shape": (4,)}),
            ((_rand(3, 2, 3), _rand(2, 3), _rand(2, 3, seed=1)), {"normalized_shape": (2, 3), "eps": 1e-3}),
        ]


@public()
def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5, cudnn_enable: bool = True) -> Tensor:
    """Normalise over the trailing ``normalized_shape`` dims, then scale by weight and shift by bias."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x_shape = tuple(input._data.shape)
    if len(x_shape) < len(shape) or x_shape[len(x_shape) - len(shape):] != shape:
        expected = "[*, " + ", ".join(map(str, shape)) + "]"
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape {expected}, "
            f"but got input of size{list(x_shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(t._data.shape)} and normalized_shape = {list(shape)}"
            )
    dt = input._data.dtype
    w = weight if weight is not None else _make(np.ones(shape, dtype=dt))
    b = bias if bias is not None else _make(np.zeros(shape, dtype=dt))
    return NativeLayerNorm.apply(
        input, w, b, normalized_shape=shape, eps=eps, has_weight=weight is not None, has_bias=bias is not None
    )
