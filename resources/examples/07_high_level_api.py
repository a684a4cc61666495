"""The high-level API: ``torch.autograd.functional.jacobian`` and ``vjp``.

From the tutorial's "The High-Level API" section. The Jacobian of ``2 * exp(x) + 3 * y`` is
``2 * exp(x)`` with respect to ``x`` and ``3`` with respect to ``y`` (diagonal matrices for
three-element inputs); ``vjp`` returns the function's output and the vector-Jacobian product.
The tutorial evaluates these as notebook cells; here each result is printed.
"""

import engine as torch


def exp_adder(x, y):
    return 2 * x.exp() + 3 * y


inputs = (torch.rand(1), torch.rand(1))  # arguments for the function
print(inputs)
print(torch.autograd.functional.jacobian(exp_adder, inputs))

inputs = (torch.rand(3), torch.rand(3))  # arguments for the function
print(inputs)
print(torch.autograd.functional.jacobian(exp_adder, inputs))


def do_some_doubling(x):
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    return y


inputs = torch.randn(3)
my_gradients = torch.tensor([0.1, 1.0, 0.0001])
print(torch.autograd.functional.vjp(do_some_doubling, inputs, v=my_gradients))

# What jacobian() and vjp() differentiate is an ordinary autograd graph: the same function on
# inputs that require grad. This is the graph the app and `gradviz export` draw for this script.
x = torch.rand(3, requires_grad=True)
y = torch.rand(3, requires_grad=True)
result = exp_adder(x, y)
