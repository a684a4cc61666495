"""``torch.cdist``: p-norm distances between the rows of two batches of matrices.

As ATen: for p = 2 with more than 25 rows on either side (or ``compute_mode='use_mm_for_euclid_dist'``)
the distances come from one matrix product, ``‖a‖² − 2a·b + ‖b‖²`` clamped at 0 (one
EuclideanDistBackward0 node); otherwise from the differences directly (CdistBackward0). Both
rules are written with engine ops (ATen's ``_euclidean_dist_backward`` and ``_cdist_backward``
formulas), so they can be differentiated again.
"""

from __future__ import annotations

import math

import numpy as np

from .._api import public
from .._op import Op
from .._tensor import Tensor
from ._samples import sampler
from ._util import fresh_zeros_like, sum_to

_rand = sampler(seed=83)


def _safe_ratio(grad: Tensor, dist: Tensor) -> Tensor:
    """grad / dist with 0 where the distance is 0 (PyTorch's subgradient there)."""
    zero = dist == 0
    return (grad / dist.masked_fill(zero, 1.0)).masked_fill(zero, 0.0)


class EuclideanDist(Op):
    node_name = "EuclideanDistBackward0"
    aten = "aten::_euclidean_dist"
    inputs = ("x1", "x2")
    saves = ("x1", "x2")
    saves_result = True

    def forward(self, a, b):
        sq = (a * a).sum(-1, keepdims=True) + np.swapaxes((b * b).sum(-1, keepdims=True), -1, -2)
        return np.sqrt(np.maximum(sq - 2 * (a @ np.swapaxes(b, -1, -2)), 0)).astype(a.dtype, copy=False)

    def vjp(self, grad):
        x1, x2 = self.saved
        ratio = _safe_ratio(grad, self.result)
        return (x1 * ratio.sum(-1, True) - ratio.matmul(x2),
                x2 * ratio.sum(-2, False).unsqueeze(-1) - ratio.mT.matmul(x1))

    def jvp(self, tangents):
        x1, x2 = self.fw_inputs
        t1, t2 = tangents
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        dt = (t1.unsqueeze(-2) if t1 is not None else 0) - (t2.unsqueeze(-3) if t2 is not None else 0)
        return _safe_ratio((diff * dt).sum(-1), self.fw_result)

    def rule(self) -> str:
        return "grad_x1 = x1·Σ_j r − r·x2,  r = grad / dist (0 where dist = 0)"

    @staticmethod
    def samples():
        return [((_rand(4, 3), _rand(5, 3)), {})]


class Cdist(Op):
    node_name = "CdistBackward0"
    aten = "aten::_cdist_forward"
    inputs = ("x1", "x2")
    saves = ("x1", "x2")
    saves_result = True
    p = 2.0

    def forward(self, a, b):
        diff = np.abs(a[..., :, None, :] - b[..., None, :, :])
        p = self.p
        if p == 0:
            out = (diff != 0).sum(-1)
        elif math.isinf(p):
            out = diff.max(-1) if diff.shape[-1] else np.zeros(diff.shape[:-1])
        elif p == 1:
            out = diff.sum(-1)
        elif p == 2:
            out = np.sqrt((diff * diff).sum(-1))
        else:
            out = (diff ** p).sum(-1) ** (1.0 / p)
        return np.asarray(out, dtype=a.dtype)

    def vjp(self, grad):
        x1, x2 = self.saved
        p = self.p
        if p == 0:  # _cdist_backward returns zeros_like(x1): diff * 0 would be nan at an inf input
            return fresh_zeros_like(x1), fresh_zeros_like(x2)
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        g = grad.unsqueeze(-1)
        dist = self.result.unsqueeze(-1)
        if p == 1:
            local = g * diff.sign()
        elif math.isinf(p):
            local = g * diff.sign() * (diff.abs() == dist).to(diff.dtype)
        elif p < 2:
            local = _safe_ratio(g * diff.sign() * diff.abs().pow(p - 1), dist.pow(p - 1))
        else:
            local = _safe_ratio(g * diff * diff.abs().pow(p - 2), dist.pow(p - 1))
        return sum_to(local.sum(-2), tuple(x1.shape)), sum_to(-local.sum(-3), tuple(x2.shape))

    def jvp(self, tangents):
        x1, x2 = self.fw_inputs
        t1, t2 = tangents
        dt = (t1.unsqueeze(-2) if t1 is not None else 0) - (t2.unsqueeze(-3) if t2 is not None else 0)
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        dist = self.fw_result.unsqueeze(-1)
        p = self.p
        if p == 0:
            return (diff * dt * 0).sum(-1)
        if p == 1:
            return (diff.sign() * dt).sum(-1)
        if math.isinf(p):
            return (diff.sign() * (diff.abs() == dist).to(diff.dtype) * dt).sum(-1)
        return _safe_ratio((diff.sign() * diff.abs().pow(p - 1) * dt).sum(-1, True), dist.pow(p - 1)).squeeze(-1)

    def rule(self) -> str:
        return f"grad_x1[i] = Σ_j grad[i,j] · sign(d)|d|^(p−1) / dist^(p−1),  d = x1[i] − x2[j],  p = {self.p}"

    @staticmethod
    def samples():
        # (p < 2 other than 1 has a second derivative ∝ |d|^(p−2): too steep for finite differences;
        # the PyTorch fixtures check its values and first derivatives.)
        return [((_rand(2, 3, 4), _rand(2, 5, 4)), {"p": p}) for p in (1.0, 2.0, 3.0)] + [
            ((_rand(3, 4), _rand(2, 4, seed=5)), {"p": 4.0})]


_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1, "donot_use_mm_for_euclid_dist": 2}


@public()
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    if compute_mode not in _MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if x1.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.dim()}D")
    if x2.dim() < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.dim()}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    mode = _MODES[compute_mode]
    r1, r2 = x1.shape[-2], x2.shape[-2]
    if p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))) and x1.numel() and x2.numel():
        batch = tuple(np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
        n = int(np.prod(batch)) if batch else 1
        if n == 1:  # ATen then views the result to the output shape (ViewBackward0), even when it is one
            return EuclideanDist.apply(x1, x2).view(*batch, r1, r2)
        a = x1.expand(*batch, r1, x1.shape[-1]).reshape(n, r1, x1.shape[-1])
        b = x2.expand(*batch, r2, x2.shape[-1]).reshape(n, r2, x2.shape[-1])
        return EuclideanDist.apply(a, b).view(*batch, r1, r2)
    return Cdist.apply(x1, x2, p=float(p))
