"""Backward from a non-scalar output: ``y.backward(v)`` computes the vector-Jacobian product.

From the tutorial's "Advanced Topic: More Autograd Detail" section: ``y`` is ``x`` doubled until
its norm reaches 1000 (a data-dependent loop, so the number of ``MulBackward0`` nodes depends on
``x``). ``y`` has three elements, so ``backward`` needs a vector ``v``; ``x.grad`` becomes
v^T J = v * 2**k for the k doublings.
"""

import engine as torch

x = torch.randn(3, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print(y)

v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)  # stand-in for gradients
y.backward(v)

print(x.grad)
