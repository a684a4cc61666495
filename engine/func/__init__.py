"""``torch.func``: composable function transforms on the engine's autograd."""

from .forward import jacfwd, jvp
from .functional_call import functional_call
from .reverse import grad, grad_and_value, hessian, jacrev, vjp
from .vmap import vmap

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "jacfwd", "jacrev", "jvp", "vjp", "vmap"]
