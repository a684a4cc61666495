"""Running sums: ``cumsum`` (``CumsumBackward0``)."""

from __future__ import annotations

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import _wrap_dim


class Cumsum(Op):
    node_name = "CumsumBackward0"
    aten = "aten::cumsum"

    def forward(self, x):
        if x.ndim == 0:
            return x.astype(self.out_dtype)
        return np.cumsum(x, axis=self.dim, dtype=self.out_dtype)

    def vjp(self, grad):
        # Each input element feeds every later output: the reversed running sum of the gradient.
        if grad._data.ndim == 0:
            return (grad,)
        return (grad.flip(self.dim).cumsum(self.dim).flip(self.dim),)

    def jvp(self, tangents):
        return tangents[0].cumsum(self.dim) if tangents[0]._data.ndim else tangents[0]

    def rule(self) -> str:
        return f"grad_input = grad.flip({self.dim}).cumsum({self.dim}).flip({self.dim})"

    @staticmethod
    def samples():
        x = np.random.default_rng(3).uniform(-1, 1, (3, 4))
        return [((x,), {"dim": 1, "out_dtype": np.float64}), ((x,), {"dim": 0, "out_dtype": np.float64})]


@public(method=True)
def cumsum(input, dim, *, dtype=None, out=None):
    x = input._data
    d = _wrap_dim(dim, x.ndim)
    if dtype is not None:
        out_dtype = dtype.numpy
    elif x.dtype.kind in "biu":
        out_dtype = np.dtype(np.int64)  # PyTorch sums integers and bools in int64
    else:
        out_dtype = x.dtype
    return Cumsum.apply(input, dim=d, out_dtype=out_dtype)
