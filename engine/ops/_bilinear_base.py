"""A base for ops linear in each of two tensor arguments (mm, bmm, mv, dot; mul by a tensor).

Such an op declares its product once, as engine ops on tensors (``product(a, b)``), and the two
adjoint contractions its reverse rule needs (``grad_first(grad, b)``: the gradient of ⟨grad, a·b⟩
in a; ``grad_second(grad, a)``: in b) -- written with the same ops PyTorch's formulas use, so a
create_graph backward shows PyTorch's nodes (``grad.mm(mat2.t())``). The base skips the inputs that
need no gradient and derives the forward rule by the product rule: ``jvp = f(ṫa, b) + f(a, ṫb)``.
Ops with more inputs (``addmm``'s bias) use ``product_rule`` for their bilinear part.
"""

from __future__ import annotations

from .._op import Op
from .._tensor import Tensor


def product_rule(product, a: Tensor, b: Tensor, ta: Tensor | None, tb: Tensor | None):
    """The tangent of ``product(a, b)`` for input tangents ``ta``, ``tb`` (None: zero)."""
    out = product(ta, b) if ta is not None else None
    if tb is not None:
        term = product(a, tb)
        out = term if out is None else out + term
    return out


class Bilinear(Op):
    """``out = product(a, b)``, linear in ``a`` and in ``b``; saves each for the other's gradient."""

    abstract = True

    def __init_subclass__(cls, **kwargs) -> None:
        # Each input's gradient reads only the other input (derivatives.yaml: self: grad.mm(mat2.t())).
        first, second = cls.inputs
        if "saves" not in cls.__dict__:
            cls.saves = (first, second)
        if "saves_for" not in cls.__dict__:
            cls.saves_for = {first: (second,), second: (first,)}
        super().__init_subclass__(**kwargs)

    @staticmethod
    def product(a: Tensor, b: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad_first(self, grad: Tensor, b: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def grad_second(self, grad: Tensor, a: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def vjp(self, grad):
        a, b = self.saved
        ra, rb = self.next_functions
        return (
            self.grad_first(grad, b) if ra[0] is not None else None,
            self.grad_second(grad, a) if rb[0] is not None else None,
        )

    def jvp(self, tangents):
        a, b = self.fw_inputs
        return product_rule(self.product, a, b, *tangents)
