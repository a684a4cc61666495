"""``F.bilinear``: ``out[b, k] = Σ_ij x1[b, i] · W[k, i, j] · x2[b, j] (+ bias[k])``.

ATen flattens both inputs to 2-D (``reshape``: ViewBackward0), calls ``_trilinear`` (one
TrilinearBackward0 node over input1, weight, input2), reshapes to the batch shape and adds the
bias. The trilinear's rules are the same contraction with one factor replaced by the gradient
(or the tangent), written with ``einsum`` so they are differentiable again.
"""

from __future__ import annotations

import numpy as np

from .._einsum import einsum
from .._op import Op
from .._tensor import Tensor
from ._samples import sampler

_rand = sampler(seed=71)


class Trilinear(Op):
    node_name = "TrilinearBackward0"
    aten = "aten::_trilinear"
    inputs = ("i1", "i2", "i3")
    saves = ("i1", "i2", "i3")
    # The expansion PyTorch's bilinear passes to _trilinear (readable as grad_fn._saved_*).
    _saved_expand1, _saved_expand2, _saved_expand3, _saved_sumdim = (1, 3), (0,), (1, 2), (2, 3)

    def forward(self, x1, w, x2):
        return np.einsum("bi,kij,bj->bk", x1, w, x2, optimize=True)

    def vjp(self, grad):
        x1, w, x2 = self.saved
        return (einsum("bk,kij,bj->bi", grad, w, x2), einsum("bk,bi,bj->kij", grad, x1, x2),
                einsum("bk,kij,bi->bj", grad, w, x1))

    def jvp(self, tangents):
        x1, w, x2 = self.fw_inputs
        parts = [Trilinear.apply(t if i == 0 else x1, t if i == 1 else w, t if i == 2 else x2)
                 for i, t in enumerate(tangents) if t is not None]
        out = parts[0]
        for p in parts[1:]:
            out = out + p
        return out

    def rule(self) -> str:
        return "grad_x1 = Σ grad·W·x2;  grad_W[k] = Σ_b grad[b,k]·x1[b]⊗x2[b];  grad_x2 = Σ grad·W·x1"

    @staticmethod
    def samples():
        return [((_rand(4, 3), _rand(2, 3, 5), _rand(4, 5)), {})]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and {input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {input1.shape[i]} and "
                               f"{input2.shape[i]}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but "
                           f"expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but "
                           f"expected {weight.shape[2]}")
    if bias is not None and bias.shape[0] != weight.shape[0]:
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[0]} but expected "
                           f"{weight.shape[0]}")
    out_shape = tuple(input1.shape[:-1]) + (weight.shape[0],)
    out = Trilinear.apply(input1.reshape(-1, input1.shape[-1]), weight, input2.reshape(-1, input2.shape[-1]))
    out = out.reshape(out_shape)
    return out if bias is None else out + bias
