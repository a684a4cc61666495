"""``tensor + number`` and ``tensor - number`` as PyTorch's C++ composites call them (add.Scalar /
sub.Scalar: AddBackward1 / SubBackward1, one edge).

Python's ``t + 1e-6`` wraps the number into a tensor (AddBackward0); C++ composites such as
``pairwise_distance``, ``margin_ranking_loss`` and ``cosine_embedding_loss`` use the Scalar
overload, so their graphs show these nodes.
"""

from __future__ import annotations

from .._op import Op
from ._samples import uniform


class AddScalar(Op):
    node_name = "AddBackward1"
    aten = "aten::add"
    inputs = ("self",)
    other = 0.0

    def forward(self, a):
        return (a + self.other).astype(a.dtype, copy=False)

    def vjp(self, grad):
        return (grad,)

    def jvp(self, tangents):
        return tangents[0]

    def rule(self) -> str:
        return "grad_input = grad"

    @staticmethod
    def samples():
        return [((uniform(2, 3, low=-2.0, high=2.0, seed=61),), {"other": 0.5})]


class SubScalar(AddScalar):
    """``self − other`` for a number ``other`` (the gradient passes unchanged)."""

    node_name = "SubBackward1"
    aten = "aten::sub"

    def forward(self, a):
        return (a - self.other).astype(a.dtype, copy=False)


def add_scalar(t, number):
    return AddScalar.apply(t, other=number)


def sub_scalar(t, number):
    return SubScalar.apply(t, other=number)
