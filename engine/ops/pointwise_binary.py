"""Elementwise functions of two tensors declared by their partial derivatives: atan2, hypot.

What one such op is: a class with its node name, its public surface (function, method, in-place
form, aliases, dtype promotion), a numpy forward and the two local derivatives; the
``BinaryPointwise`` base turns those into the reverse rule (summed back over broadcast dims) and the
forward rule, and ``samples()`` feeds the registry-driven gradient tests.
"""

from __future__ import annotations

import numpy as np

from .._tensor import _make
from ._pointwise import BinaryPointwise
from ._samples import sampler
from .unary_rounding import type_name

_rand = sampler(low=0.3, high=1.5, seed=23)


class Atan2(BinaryPointwise):
    """Elementwise arctangent of input / other, in the quadrant of the point (other, input)."""

    node_name = "Atan2Backward0"
    aten = "aten::atan2"
    function, method, inplace, aliases = "atan2", True, "method", ("arctan2",)
    promote = "float"  # integer and bool inputs compute in the default float
    numbers = False  # Tensor-only in PyTorch: atan2(t, 2) is a TypeError

    def forward(self, a, b):
        return np.arctan2(a, b)

    # PyTorch's atan2_backward: grad * other * recip and grad * -self * recip, recip computed once.
    def d_self(self, a, b, r):
        return b

    def d_other(self, a, b, r):
        return -a

    def scale(self, a, b, r):
        """1 / (a² + b²), 0 where both are 0 (PyTorch masks that point: atan2's gradient there is 0)."""
        norm2 = a * a + b * b
        return norm2.reciprocal().masked_fill(_make(norm2._data == 0), 0)  # MaskedFillBackward0, as PyTorch

    def rule(self) -> str:
        return "grad_self = grad · other / (self² + other²);  grad_other = −grad · self / (self² + other²)"

    @staticmethod
    def samples():
        signs = np.array([[1.0, -1.0, 1.0], [-1.0, 1.0, -1.0]])
        return [((_rand(2, 3) * signs, _rand(2, 3)), {}), ((_rand(2, 3), -_rand(3)), {})]


class Hypot(BinaryPointwise):
    """Elementwise √(input² + other²), without overflow for large inputs."""

    node_name = "HypotBackward0"
    aten = "aten::hypot"
    function, method, inplace = "hypot", True, "method"
    saves_result = True
    numbers = False  # Tensor-only in PyTorch

    def forward(self, a, b):
        for x in (a, b):
            if x.dtype.kind != "f":  # no integer kernel: PyTorch does not promote hypot to float
                raise NotImplementedError(f'"hypot_cpu" not implemented for \'{type_name(x)}\'')
        return np.hypot(a, b)

    # PyTorch: grad * self / result (DivBackward0 under create_graph), so a shared denominator.
    def d_self(self, a, b, r):
        return a

    def d_other(self, a, b, r):
        return b

    def denominator(self, a, b, r):
        return r

    def rule(self) -> str:
        return "grad_self = grad · self / result;  grad_other = grad · other / result"

    @staticmethod
    def samples():
        return [((_rand(2, 3), -_rand(2, 3)), {}), ((_rand(2, 1), _rand(3)), {})]
