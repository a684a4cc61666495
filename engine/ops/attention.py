"""Attention: ``scaled_dot_product_attention`` as PyTorch 2.13 runs it on the CPU, and ``baddbmm``.

With 4-D inputs and no dropout PyTorch uses its fused CPU flash kernel, one node
``ScaledDotProductFlashAttentionForCpuBackward0`` with edges (query, key, value); the mask is an
argument, not an edge. Otherwise (dropout, 2-D/3-D inputs) it runs the math decomposition: both
operands scaled by √scale (``MulBackward1``), matmul, mask added, ``SafeSoftmaxBackward0`` (a
softmax whose fully masked rows are zero instead of NaN), dropout, matmul.
"""

from __future__ import annotations

import math

import numpy as np

from .._api import public
from .._factories import default_generator
from .._op import Op
from .._tensor import Tensor, _make
from ._bilinear_base import product_rule
from ._samples import sampler
from ._util import sum_to
from .arithmetic import mul_scalar
from .linalg import Bmm
from .softmax import Softmax

_rand = sampler(seed=73)


class Baddbmm(Op):
    """``beta · input + alpha · (batch1 @ batch2)``."""

    node_name = "BaddbmmBackward0"
    aten = "aten::baddbmm"
    inputs = ("self", "batch1", "batch2")
    saves = ("batch1", "batch2")
    beta = 1.0
    alpha = 1.0

    def forward(self, c, a, b):
        out = np.matmul(a, b)
        if self.alpha != 1:
            out = out * self.alpha
        return (out + (c if self.beta == 1 else c * self.beta)).astype(a.dtype, copy=False)

    def vjp(self, grad):
        a, b = self.saved
        g_c = sum_to(grad if self.beta == 1 else grad * self.beta, self._in_meta[0][0])
        g = grad if self.alpha == 1 else grad * self.alpha
        return g_c, g.bmm(b.transpose(1, 2)), a.transpose(1, 2).bmm(g)

    def jvp(self, tangents):
        tc, ta, tb = tangents
        c, a, b = self.fw_inputs
        out = product_rule(Bmm.product, a, b, ta, tb)  # the bilinear part: ṫa·b + a·ṫb
        out = a.bmm(b) * 0 if out is None else out * self.alpha  # zeros: the output's shape for tc alone
        if tc is not None:
            out = out + tc * self.beta
        return out

    def rule(self) -> str:
        return "grad_self = beta · grad;  grad_batch1 = alpha · grad · batch2ᵀ;  grad_batch2 = alpha · batch1ᵀ · grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3, 4), _rand(2, 3, 5), _rand(2, 5, 4)), {}),
                ((_rand(1, 3, 4), _rand(2, 3, 2), _rand(2, 2, 4)), {"beta": 0.5, "alpha": 2.0})]


@public(method=True)
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta=1, alpha=1) -> Tensor:
    return Baddbmm.apply(input, batch1, batch2, beta=beta, alpha=alpha)


class SafeSoftmax(Softmax):
    """``_safe_softmax``: softmax whose rows that are entirely -inf give zeros, not NaN."""

    node_name = "SafeSoftmaxBackward0"
    aten = "aten::_safe_softmax"

    def forward(self, x):
        out = Softmax.forward(self, x)
        dead = np.all(x == -np.inf, axis=self.dim, keepdims=True)
        return np.where(dead, 0, out).astype(x.dtype, copy=False) if dead.any() else out


def _attention_probs(q: Tensor, k: Tensor, scale: float, mask) -> Tensor:
    scores = q.matmul(k.transpose(-2, -1)) * scale
    if mask is not None:
        scores = scores + _make(mask)
    return scores.softmax(-1)


class ScaledDotProductFlashAttentionForCpu(Op):
    """softmax(q kᵀ · scale + mask) v in one node; the rules recompute the probabilities with engine ops."""

    node_name = "ScaledDotProductFlashAttentionForCpuBackward0"
    aten = "aten::_scaled_dot_product_flash_attention_for_cpu"
    inputs = ("query", "key", "value")
    saves = ("query", "key", "value")
    # PyTorch saves the output too, so modifying it in place makes backward fail; so does ours.
    saves_result = True
    mask = None  # additive float mask (numpy, broadcastable to the scores), or None
    attn_mask = None  # the caller's mask tensor (grad_fn._saved_attn_mask)
    dropout_p = 0.0
    is_causal = False

    def __getattr__(self, name: str):
        # PyTorch's saved arguments; _saved_scale is None unless the caller gave a scale.
        if name == "_saved_scale":
            return self.__dict__.get("_saved_scale_arg")
        if name in ("_saved_dropout_p", "_saved_is_causal", "_saved_attn_mask"):
            return getattr(self, name[7:])
        return super().__getattr__(name)

    groups = 1  # grouped-query attention: each key/value head serves this many query heads

    def forward(self, q, k, v):
        if self.groups != 1:
            k, v = np.repeat(k, self.groups, axis=-3), np.repeat(v, self.groups, axis=-3)
        s = np.matmul(q, np.swapaxes(k, -1, -2)) * self.scale
        if self.mask is not None:
            s = s + self.mask
        s = s - np.max(s, axis=-1, keepdims=True)
        e = np.exp(s)
        p = e / np.sum(e, axis=-1, keepdims=True)
        # PyTorch allocates the output like the query (same strides), which MultiheadAttention relies on:
        # its permute(2, 0, 1, 3).contiguous() is then free.
        out = np.empty_like(q)
        out[...] = np.matmul(p, v)
        return out

    def vjp(self, grad):
        q, k, v = self.saved
        self.result  # noqa: B018 - checks the saved output's version, as PyTorch does
        k, v = _repeat_heads(k, self.groups), _repeat_heads(v, self.groups)
        p = _attention_probs(q, k, self.scale, self.mask)
        dp = grad.matmul(v.transpose(-2, -1))
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))
        g_k = _sum_heads(ds.transpose(-2, -1).matmul(q) * self.scale, self.groups)
        return ds.matmul(k) * self.scale, g_k, _sum_heads(p.transpose(-2, -1).matmul(grad), self.groups)

    def jvp(self, tangents):
        tq, tk, tv = tangents
        q, k, v = self.fw_inputs
        k, v = _repeat_heads(k, self.groups), _repeat_heads(v, self.groups)
        tk = None if tk is None else _repeat_heads(tk, self.groups)
        tv = None if tv is None else _repeat_heads(tv, self.groups)
        p = _attention_probs(q, k, self.scale, self.mask)
        out = p.matmul(tv) if tv is not None else None
        ds = None
        if tq is not None:
            ds = tq.matmul(k.transpose(-2, -1)) * self.scale
        if tk is not None:
            dk = q.matmul(tk.transpose(-2, -1)) * self.scale
            ds = dk if ds is None else ds + dk
        if ds is not None:
            dp = p * (ds - (ds * p).sum(-1, keepdim=True))
            out = dp.matmul(v) if out is None else out + dp.matmul(v)
        return out

    def rule(self) -> str:
        return (
            "P = softmax(q kᵀ·scale + mask);  dP = grad vᵀ;  dS = P ⊙ (dP − Σ dP⊙P);  "
            "grad_q = dS k · scale;  grad_k = dSᵀ q · scale;  grad_v = Pᵀ grad"
        )

    @staticmethod
    def samples():
        q, k, v = _rand(1, 2, 3, 4), _rand(1, 2, 5, 4, seed=1), _rand(1, 2, 5, 4, seed=2)
        mask = np.where(np.random.default_rng(5).random((3, 5)) < 0.3, -np.inf, 0.0)
        mask[:, 0] = 0.0
        kg, vg = _rand(1, 1, 5, 4, seed=3), _rand(1, 1, 5, 4, seed=4)
        return [((q, k, v), {"scale": 0.5}), ((q, k, v), {"scale": 0.4, "mask": mask}),
                ((q, kg, vg), {"scale": 0.5, "groups": 2})]


def _repeat_heads(t: Tensor, groups: int) -> Tensor:
    """(…, Hk, S, E) → (…, Hk·groups, S, E), each head repeated ``groups`` times (repeat_interleave)."""
    if groups == 1:
        return t
    shape = tuple(t.shape)
    wide = t.unsqueeze(-3).expand(shape[:-2] + (groups,) + shape[-2:])
    return wide.reshape(shape[:-3] + (shape[-3] * groups,) + shape[-2:])


def _sum_heads(g: Tensor, groups: int) -> Tensor:
    if groups == 1:
        return g
    shape = tuple(g.shape)
    return g.reshape(shape[:-3] + (shape[-3] // groups, groups) + shape[-2:]).sum(-3)


def _float_mask(attn_mask, is_causal: bool, q: Tensor, k: Tensor):
    """The additive mask as a numpy array in q's dtype (bool masks: False → -inf), or None.

    PyTorch 2.13 accepts ``is_causal`` together with an explicit mask and applies both."""
    dt = q._data.dtype
    mask = None
    if attn_mask is not None:
        m = attn_mask._data
        mask = np.where(m, 0.0, -np.inf).astype(dt) if m.dtype == np.bool_ else m.astype(dt, copy=False)
    if is_causal:
        L, S = q._data.shape[-2], k._data.shape[-2]
        causal = np.where(np.tril(np.ones((L, S), dtype=bool)), 0.0, -np.inf).astype(dt)
        mask = causal if mask is None else mask + causal
    return mask


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor | None = None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q kᵀ / √E + mask) v, with PyTorch's choice between the fused CPU kernel and the math path."""
    groups = 1
    hq, hk = (query._data.shape[-3], key._data.shape[-3]) if query.dim() >= 3 and key.dim() >= 3 else (1, 1)
    if hq != hk:
        if not enable_gqa or hk == 0 or hq % hk or value._data.shape[-3] != hk:
            raise RuntimeError(
                f"The size of tensor a ({hq}) must match the size of tensor b ({hk}) at non-singleton dimension "
                f"{query.dim() - 3}"
            )
        groups = hq // hk
    e = query._data.shape[-1]
    s = 1.0 / math.sqrt(e) if scale is None else scale
    mask = _float_mask(attn_mask, is_causal, query, key)
    fused = query.dim() == 4 and key.dim() == 4 and value.dim() == 4 and dropout_p == 0.0
    if fused and not (attn_mask is not None and attn_mask.requires_grad):
        # grad_fn._saved_scale is None unless a scale was given, as in PyTorch.
        return ScaledDotProductFlashAttentionForCpu.apply(query, key, value, scale=s, mask=mask, is_causal=is_causal,
                                                          attn_mask=attn_mask, _saved_scale_arg=scale, groups=groups)
    key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    root = math.sqrt(s)
    scores = mul_scalar(query, root).matmul(mul_scalar(key.transpose(-2, -1), root))
    if attn_mask is not None and attn_mask.requires_grad:
        scores = scores + attn_mask
    elif mask is not None:
        scores = scores + _make(mask)
    probs = SafeSoftmax.apply(scores, dim=scores.dim() - 1)
    if dropout_p > 0.0:
        keep = default_generator.rng.random(probs._data.shape, dtype=np.float32) >= dropout_p
        probs = probs * _make((keep / (1.0 - dropout_p)).astype(probs._data.dtype))
    return probs.matmul(value)
