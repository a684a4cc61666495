"""Custom autograd Functions in the style of the "Extending PyTorch" docs.

* ``StraightThroughSign``: sign in the forward pass, identity gradient (clipped) in the backward.
* ``SortedValues``: returns sorted values and their indices; the indices are marked
  non-differentiable, the values route gradients back through the permutation.
* ``Cube``: saves its input, supports double backward because its backward uses differentiable ops.
Each is checked with ``torch.autograd.gradcheck`` in float64 where it is differentiable.
"""
import numpy as np
import torch
from torch.autograd import Function, gradcheck, gradgradcheck


class StraightThroughSign(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.sign(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


class SortedValues(Function):
    @staticmethod
    def forward(ctx, x):
        values, indices = torch.sort(x, dim=-1, descending=True)
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        (indices,) = ctx.saved_tensors
        grad = torch.zeros_like(grad_values)
        grad.scatter_(-1, indices, grad_values)
        return grad


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2


rng = np.random.default_rng(0)
x = torch.tensor(rng.uniform(-2, 2, (2, 5)), dtype=torch.float32, requires_grad=True)
y = StraightThroughSign.apply(x)
print("sign:", y)
print("grad_fn:", type(y.grad_fn).__name__, y.grad_fn.name())
y.sum().backward()
print("straight-through grad:", x.grad)

values, indices = SortedValues.apply(x)
print("values:", values)
print("indices:", indices, "requires_grad:", indices.requires_grad)
x.grad = None
(values * torch.arange(5.0)).sum().backward()
print("grad through the sort:", x.grad)

x64 = torch.tensor(rng.uniform(-1, 1, (3, 4)), dtype=torch.float64, requires_grad=True)
print("gradcheck SortedValues:", gradcheck(lambda t: SortedValues.apply(t)[0], (x64,)))
print("gradcheck Cube:", gradcheck(Cube.apply, (x64,)))
print("gradgradcheck Cube:", gradgradcheck(Cube.apply, (x64,)))

z = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)
out = Cube.apply(z)
(g,) = torch.autograd.grad(out.sum(), z, create_graph=True)
print("first derivative:", g)
(h,) = torch.autograd.grad(g.sum(), z)
print("second derivative:", h)


# A tiny binarised layer trained with the straight-through estimator.
w = torch.tensor(rng.normal(0, 0.5, (4, 3)), dtype=torch.float32, requires_grad=True)
inputs = torch.tensor(rng.normal(0, 1, (16, 4)), dtype=torch.float32)
target = inputs @ torch.tensor([[1.0, -1.0, 1.0], [1.0, 1.0, -1.0], [-1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
opt = torch.optim.SGD([w], lr=0.05)
for step in range(30):
    pred = inputs @ StraightThroughSign.apply(w)
    loss = ((pred - target) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 10 == 9:
        print(f"step {step + 1}: loss {loss.item():.4f}")
print("binary weights:", torch.sign(w.detach()))
