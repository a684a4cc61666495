"""Einstein summation in practice: bilinear scoring, batched attention, traces and tensor
contractions, each compared with the explicit matmul form, with the graphs einsum builds."""
import numpy as np
import torch

rng = np.random.default_rng(9)


def t(*shape, grad=True):
    return torch.tensor(rng.normal(0, 1, shape), dtype=torch.float32, requires_grad=grad)


def chain(out, depth=6):
    names, fn = [], out.grad_fn
    while fn is not None and len(names) < depth:
        names.append(fn.name())
        fn = fn.next_functions[0][0] if fn.next_functions else None
    return " <- ".join(names)


# Bilinear score s[b, k] = x[b]^T W[k] y[b], as nn.Bilinear computes it.
x, y, W = t(4, 3), t(4, 5), t(2, 3, 5)
s = torch.einsum("bi,kij,bj->bk", x, W, y)
bilinear = torch.nn.functional.bilinear(x, y, W)
print("bilinear:", s.shape, torch.allclose(s, bilinear, atol=1e-5))
print("graph:", chain(s, 8))
s.sum().backward()
print("dW norm:", round(W.grad.norm().item(), 4))

# Multi-head attention scores and weighted values.
q, k, v = t(2, 2, 3, 4), t(2, 2, 5, 4), t(2, 2, 5, 4)
scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / 2.0
attn = scores.softmax(-1)
out = torch.einsum("bhqk,bhkd->bhqd", attn, v)
ref = (q @ k.transpose(-2, -1) / 2.0).softmax(-1) @ v
print("attention:", out.shape, torch.allclose(out, ref, atol=1e-5))
print("graph:", chain(out))
loss = out.pow(2).mean()
loss.backward()
print("dq, dk, dv norms:", [round(g.norm().item(), 4) for g in (q.grad, k.grad, v.grad)])

# Traces, diagonals, outer products and reductions.
m = t(4, 4)
print("trace:", torch.allclose(torch.einsum("ii", m), torch.trace(m)), chain(torch.einsum("ii", m)))
print("diagonal:", torch.allclose(torch.einsum("ii->i", m), m.diagonal()))
a, b = t(3), t(4)
outer = torch.einsum("i,j->ij", a, b)
print("outer:", torch.allclose(outer, torch.outer(a, b)), chain(outer))
print("column sums:", torch.allclose(torch.einsum("ij->j", m), m.sum(0)), chain(torch.einsum("ij->j", m)))
print("transpose:", chain(torch.einsum("ij->ji", m)))

# A contraction of a 3-operand tensor network, with ellipsis batch dims.
A, B, C = t(2, 3, 4), t(4, 5), t(2, 5, 6)
net = torch.einsum("...ij,jk,...kl->...il", A, B, C)
print("network:", net.shape, torch.allclose(net, A @ B @ C, atol=1e-4))
net.sum().backward()
print("dB:", B.grad.round(decimals=3))

try:
    torch.einsum("ij,jk->ik", t(2, 3), t(4, 5))
except RuntimeError as e:
    print("error:", e)
