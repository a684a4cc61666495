"""A simple example: the graph autograd records for ``out = (2 * sin(a) + 1).sum()``.

From PyTorch's "Fundamentals of Autograd" tutorial: ``a`` is 25 points between 0 and 2*pi that
require grad; each operation adds a ``grad_fn`` node (``SinBackward0``, ``MulBackward0``,
``AddBackward0``, ``SumBackward0``) whose ``next_functions`` point back toward ``a``'s
``AccumulateGrad``. ``out.backward()`` then fills ``a.grad`` with d(out)/da = 2 * cos(a).
The plotting lines only run when matplotlib is installed (it is not a dependency).
"""

import engine as torch

try:
    import matplotlib.pyplot as plt
    import matplotlib.ticker as ticker  # noqa: F401
except ImportError:  # matplotlib is optional: the plots are skipped without it
    plt = None
import math

a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
print(a)

b = torch.sin(a)
if plt is not None:
    plt.plot(a.detach(), b.detach())

print(b)

c = 2 * b
print(c)

d = c + 1
print(d)

out = d.sum()
print(out)

print('d:')
print(d.grad_fn)
print(d.grad_fn.next_functions)
print(d.grad_fn.next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions[0][0].next_functions)
print('\nc:')
print(c.grad_fn)
print('\nb:')
print(b.grad_fn)
print('\na:')
print(a.grad_fn)

out.backward()
print(a.grad)
if plt is not None:
    plt.plot(a.detach(), a.grad.detach())
