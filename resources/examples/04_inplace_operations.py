"""Autograd and in-place operations: an in-place op on a leaf that requires grad is an error.

From the tutorial's "Autograd and In-place Operations" section. ``torch.sin_(a)`` would overwrite
values autograd needs, so PyTorch refuses with "a leaf Variable that requires grad is being used
in an in-place operation." The tutorial shows the traceback; here the error is caught and printed
so the script runs to the end.
"""

import math

import engine as torch

a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
try:
    torch.sin_(a)
except RuntimeError as error:
    print(f"RuntimeError: {error}")
