"""Exponentials, logarithms, roots and the functions built on them: exp, log, sqrt, rsqrt, exp2,
log2, log10, log1p, expm1, erf, sigmoid.

Each is one class: its forward and its local derivative (``_pointwise.Pointwise``), or the
``denominator`` where PyTorch writes the rule as a division; the class attributes make the
function, the method and the in-place form.
"""

from __future__ import annotations

import math

import numpy as np

from ._pointwise import Pointwise
from ._samples import sampler
from .arithmetic_core import mul_scalar
from .backward_ops import SigmoidBackward

_rand = sampler(low=0.2, high=1.4, seed=7)

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))
_TWO_OVER_SQRT_PI = float(2.0 / np.sqrt(np.pi))
_erf_ufunc = np.frompyfunc(math.erf, 1, 1)


class Exp(Pointwise):
    node_name = "ExpBackward0"
    aten = "aten::exp"
    function, method, inplace = "exp", True, True
    saves_result = True

    def forward(self, x):
        return np.exp(x)

    def d_input(self, x, r):
        return r

    def rule(self) -> str:
        return "grad_input = grad · result   (d/dx eˣ = eˣ)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Log(Pointwise):
    node_name = "LogBackward0"
    aten = "aten::log"
    function, method, inplace = "log", True, True
    saves = ("self",)

    def forward(self, x):
        return np.log(x)

    def denominator(self, x, r):
        return x

    def rule(self) -> str:
        return "grad_input = grad / input"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Sqrt(Pointwise):
    node_name = "SqrtBackward0"
    aten = "aten::sqrt"
    function, method, inplace = "sqrt", True, True
    saves_result = True

    def forward(self, x):
        return np.sqrt(x)

    def denominator(self, x, r):
        return r * 2

    def rule(self) -> str:
        return "grad_input = grad / (2 · result)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Rsqrt(Pointwise):
    node_name = "RsqrtBackward0"
    aten = "aten::rsqrt"
    function, method, inplace = "rsqrt", True, True
    saves_result = True

    def forward(self, x):
        return (1 / np.sqrt(x)).astype(x.dtype, copy=False)

    def d_input(self, x, r):
        return r * r * r * -0.5

    def rule(self) -> str:
        return "grad_input = −grad · result³ / 2"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Exp2(Pointwise):
    node_name = "Exp2Backward0"
    aten = "aten::exp2"
    function, method, inplace = "exp2", True, True
    saves_result = True

    def forward(self, x):
        return np.exp2(x)

    def d_input(self, x, r):
        return r * _LN2

    def vjp(self, grad):
        # PyTorch: grad * result * ln 2, the number last (MulBackward1 under create_graph)
        return (mul_scalar(grad * self.result, _LN2),)

    def rule(self) -> str:
        return "grad_input = grad · result · ln 2"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1, high=1),), {})]


class Log2(Pointwise):
    node_name = "Log2Backward0"
    aten = "aten::log2"
    function, method, inplace = "log2", True, True
    saves = ("self",)

    def forward(self, x):
        return np.log2(x)

    def denominator(self, x, r):
        return x * _LN2

    def rule(self) -> str:
        return "grad_input = grad / (input · ln 2)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Log10(Pointwise):
    node_name = "Log10Backward0"
    aten = "aten::log10"
    function, method, inplace = "log10", True, True
    saves = ("self",)

    def forward(self, x):
        return np.log10(x)

    def denominator(self, x, r):
        return x * _LN10

    def rule(self) -> str:
        return "grad_input = grad / (input · ln 10)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Log1p(Pointwise):
    node_name = "Log1PBackward0"  # sic: PyTorch capitalises the P
    aten = "aten::log1p"
    function, method, inplace = "log1p", True, True
    saves = ("self",)

    def forward(self, x):
        return np.log1p(x)

    def denominator(self, x, r):
        return x + 1

    def rule(self) -> str:
        return "grad_input = grad / (1 + input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-0.5, high=1.5),), {})]


class Expm1(Pointwise):
    node_name = "Expm1Backward0"
    aten = "aten::expm1"
    function, method, inplace = "expm1", True, True
    saves_result = True

    def forward(self, x):
        return np.expm1(x)

    def d_input(self, x, r):
        return r + 1

    def rule(self) -> str:
        return "grad_input = grad · (result + 1)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1, high=1),), {})]


class Erf(Pointwise):
    node_name = "ErfBackward0"
    aten = "aten::erf"
    function, method, inplace = "erf", True, True
    saves = ("self",)

    def forward(self, x):
        # numpy has no erf; math.erf is exact to the last bit, applied elementwise.
        return np.asarray(_erf_ufunc(x), dtype=x.dtype).reshape(x.shape)

    def d_input(self, x, r):
        return (-(x * x)).exp() * _TWO_OVER_SQRT_PI

    def rule(self) -> str:
        return "grad_input = grad · 2/√π · exp(−input²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1.5, high=1.5),), {})]


class Sigmoid(Pointwise):
    node_name = "SigmoidBackward0"
    aten = "aten::sigmoid"
    function, method, inplace = "sigmoid", True, True
    saves_result = True

    def forward(self, x):
        # Split by sign so neither branch overflows exp().
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def d_input(self, x, r):
        return r * (1 - r)

    def vjp(self, grad):
        return (SigmoidBackward.apply(grad, self.result),)  # PyTorch's sigmoid_backward kernel

    def rule(self) -> str:
        return "grad_input = grad · result · (1 − result)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-2, high=2),), {})]
