"""Attention written with torch.einsum, as many small projects do, checked against matmul."""
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(15)
q = torch.tensor(rng.standard_normal((2, 3, 4, 8)), dtype=torch.float32, requires_grad=True)
k = torch.tensor(rng.standard_normal((2, 3, 5, 8)), dtype=torch.float32, requires_grad=True)
v = torch.tensor(rng.standard_normal((2, 3, 5, 8)), dtype=torch.float32, requires_grad=True)
scores = torch.einsum('bhqd,bhkd->bhqk', q, k) / 8 ** 0.5
attn = scores.softmax(dim=-1)
out = torch.einsum('bhqk,bhkd->bhqd', attn, v)
ref = F.scaled_dot_product_attention(q, k, v)
print(out.shape, torch.allclose(out, ref, atol=1e-5))
out.square().sum().backward()
print(q.grad.abs().sum().round(decimals=2), k.grad.abs().sum().round(decimals=2), v.grad.abs().sum().round(decimals=2))
a = torch.arange(6.).view(2, 3)
b = torch.arange(12.).view(3, 4)
print(torch.einsum('ij,jk->ik', a, b), torch.einsum('ij,jk', a, b).shape)
print(torch.einsum('ij->ji', a), torch.einsum('ij->', a), torch.einsum('i,i->', a[0], a[1]))
print(torch.einsum('i,j->ij', a[0], a[1]), torch.einsum('...j,jk->...k', a, b).shape)
print(torch.einsum('bij,bjk->bik', a.expand(4, 2, 3), b.expand(4, 3, 4)).shape)
print(torch.einsum(' ij , jk -> ik ', [a, b]).sum())
try:
    torch.einsum('ij,jk->ik', a)
except Exception as e:
    print(type(e).__name__, e)
