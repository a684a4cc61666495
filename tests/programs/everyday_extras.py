"""Everyday helpers seen in small projects: cumsum, outer, meshgrid, tile, repeat_interleave,
take_along_dim, linalg norms, pad_sequence, ParameterList/Dict, Unflatten, checkpoint, compile."""
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pad_sequence
from torch.utils.checkpoint import checkpoint

x = torch.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], requires_grad=True)
c = x.cumsum(dim=1)
print(c, torch.cumsum(torch.tensor([1, 2, 3]), 0), torch.tensor([True, True]).cumsum(0).dtype)
c.sum().backward()
print(x.grad)
v = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0], requires_grad=True)
o = torch.outer(v, w)
print(o, o.grad_fn, o.grad_fn.next_functions[0][0].name())
o.sum().backward()
print(v.grad, w.grad)
gx, gy = torch.meshgrid(torch.arange(3), torch.arange(2), indexing='ij')
print(gx, gy)
gx, gy = torch.meshgrid(torch.arange(3.), torch.arange(2.), indexing='xy')
print(gx.shape, gy)
print(x.tile(2), x.tile((2, 1)).shape, x.tile(2).grad_fn.name())
r = v.repeat_interleave(2)
print(r, [n.name() for n in [r.grad_fn, r.grad_fn.next_functions[0][0]]])
print(torch.repeat_interleave(x, 2, dim=0).shape)
idx = torch.tensor([[2], [0]])
t = torch.take_along_dim(x, idx, dim=1)
print(t, t.grad_fn)
print(torch.take_along_dim(x, torch.argmax(x, dim=1, keepdim=True), dim=1))
print(torch.linalg.vector_norm(x), torch.linalg.norm(x, dim=1), torch.linalg.vector_norm(x, ord=1, dim=0))
print(torch.linalg.matrix_norm(x), torch.linalg.vector_norm(x).grad_fn)
seqs = [torch.tensor([1, 2, 3]), torch.tensor([4]), torch.tensor([5, 6])]
print(pad_sequence(seqs), pad_sequence(seqs, batch_first=True, padding_value=-1))
emb_seqs = [torch.ones(2, 3), torch.ones(1, 3) * 2]
print(pad_sequence(emb_seqs, batch_first=True).shape)


class Mixture(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.ones(2) * i) for i in range(3)])
        self.extra = nn.ParameterDict({'scale': nn.Parameter(torch.tensor(2.0)), 'shift': nn.Parameter(torch.zeros(2))})
        self.body = nn.Sequential(nn.Linear(4, 6), nn.Unflatten(1, (2, 3)))

    def forward(self, x):
        y = sum(w for w in self.weights) * self.extra['scale'] + self.extra['shift']
        return checkpoint(self.body, x, use_reentrant=False), y


m = Mixture()
print(m)
print([n for n, _ in m.named_parameters()], len(m.weights), 'scale' in m.extra, list(m.extra.keys()))
with torch.no_grad():
    m.body[0].weight.copy_(torch.arange(24.).view(6, 4) / 24)
    m.body[0].bias.zero_()
out, y = m(torch.ones(2, 4))
print(out.shape, out.grad_fn, y)
compiled = torch.compile(m)
print(torch.equal(compiled(torch.ones(2, 4))[0], out))
torch.testing.assert_close(out, out.clone())
try:
    torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
except AssertionError as e:
    print(str(e).splitlines()[0])
print(x.nbytes, x.itemsize, x.mT.shape, x.H.shape)
print(x.sum(axis=0), torch.mean(x, axis=1, keepdims=True), x.max(axis=1).indices, x.detach().std(axis=0))
print(torch.dropout(x, 0.5, False), torch.embedding(torch.eye(3), torch.tensor([2, 0])))
print(torch.kl_div(torch.tensor([-1.0, -2.0]), torch.tensor([0.3, 0.7])), torch.conv1d(torch.ones(1, 1, 4), torch.ones(1, 1, 2)))
print(torch.batch_norm(x.detach(), None, None, None, None, True, 0.1, 1e-5, False))
print(torch.binary_cross_entropy_with_logits(x.detach(), torch.ones(2, 3)), torch.avg_pool1d(torch.arange(6.).view(1, 1, 6), 2))
