"""Trigonometric and hyperbolic functions: sin, cos, tan, asin, acos, atan, sinh, cosh, tanh.

Each is one class: its forward and its local derivative (``_pointwise.Pointwise``); the class
attributes make ``engine.<name>``, ``Tensor.<name>``, the in-place ``<name>_`` and the aliases.
"""

from __future__ import annotations

import numpy as np

from ._pointwise import Pointwise
from ._samples import sampler
from .backward_ops import TanhBackward

_rand = sampler(low=0.2, high=1.4, seed=7)


class Sin(Pointwise):
    node_name = "SinBackward0"
    aten = "aten::sin"
    function, method, inplace = "sin", True, True
    saves = ("self",)

    def forward(self, x):
        return np.sin(x)

    def d_input(self, x, r):
        return x.cos()

    def rule(self) -> str:
        return "grad_input = grad · cos(input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Cos(Pointwise):
    node_name = "CosBackward0"
    aten = "aten::cos"
    function, method, inplace = "cos", True, True
    saves = ("self",)

    def forward(self, x):
        return np.cos(x)

    def d_input(self, x, r):
        return -x.sin()

    def rule(self) -> str:
        return "grad_input = −grad · sin(input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Tan(Pointwise):
    node_name = "TanBackward0"
    aten = "aten::tan"
    function, method, inplace = "tan", True, True
    saves_result = True

    def forward(self, x):
        return np.tan(x)

    def d_input(self, x, r):
        return r * r + 1

    def rule(self) -> str:
        return "grad_input = grad · (1 + result²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Asin(Pointwise):
    node_name = "AsinBackward0"
    aten = "aten::asin"
    function, method, inplace, aliases = "asin", True, True, ("arcsin",)
    saves = ("self",)

    def forward(self, x):
        return np.arcsin(x)

    def d_input(self, x, r):
        return (1 - x * x).rsqrt()

    def rule(self) -> str:
        return "grad_input = grad / √(1 − input²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-0.8, high=0.8),), {})]


class Acos(Pointwise):
    node_name = "AcosBackward0"
    aten = "aten::acos"
    function, method, inplace, aliases = "acos", True, True, ("arccos",)
    saves = ("self",)

    def forward(self, x):
        return np.arccos(x)

    def d_input(self, x, r):
        return -(1 - x * x).rsqrt()

    def rule(self) -> str:
        return "grad_input = −grad / √(1 − input²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-0.8, high=0.8),), {})]


class Atan(Pointwise):
    node_name = "AtanBackward0"
    aten = "aten::atan"
    function, method, inplace, aliases = "atan", True, True, ("arctan",)
    saves = ("self",)

    def forward(self, x):
        return np.arctan(x)

    def denominator(self, x, r):  # PyTorch: grad / (self * self + 1), a DivBackward0 under create_graph
        return x * x + 1

    def rule(self) -> str:
        return "grad_input = grad / (1 + input²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-2, high=2),), {})]


class Sinh(Pointwise):
    node_name = "SinhBackward0"
    aten = "aten::sinh"
    function, method, inplace = "sinh", True, True
    saves = ("self",)

    def forward(self, x):
        return np.sinh(x)

    def d_input(self, x, r):
        return x.cosh()

    def rule(self) -> str:
        return "grad_input = grad · cosh(input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1.5, high=1.5),), {})]


class Cosh(Pointwise):
    node_name = "CoshBackward0"
    aten = "aten::cosh"
    function, method, inplace = "cosh", True, True
    saves = ("self",)

    def forward(self, x):
        return np.cosh(x)

    def d_input(self, x, r):
        return x.sinh()

    def rule(self) -> str:
        return "grad_input = grad · sinh(input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1.5, high=1.5),), {})]


class Tanh(Pointwise):
    node_name = "TanhBackward0"
    aten = "aten::tanh"
    function, method, inplace = "tanh", True, True
    saves_result = True

    def forward(self, x):
        return np.tanh(x)

    def d_input(self, x, r):
        return 1 - r * r

    def vjp(self, grad):
        return (TanhBackward.apply(grad, self.result),)  # PyTorch's tanh_backward kernel

    def rule(self) -> str:
        return "grad_input = grad · (1 − result²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1.5, high=1.5),), {})]
