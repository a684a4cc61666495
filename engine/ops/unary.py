"""Elementwise functions of one tensor: relu and abs here; the families live beside this file.

``unary_trig`` (sin … tanh), ``unary_exp_log`` (exp, log, sqrt, erf, sigmoid, …) and
``unary_rounding`` (sign, floor, round, frac). Each op is one class whose attributes make its
public function, method, in-place form and aliases (``_api.expose``); only ``round`` keeps a
hand-written wrapper, for its keyword-only ``decimals`` (a second node type, RoundBackward1).
"""

from __future__ import annotations

import numpy as np

from .._api import method, public
from ._pointwise import Pointwise
from ._samples import sampler
from .backward_ops import ThresholdBackward
from .unary_exp_log import Erf, Exp, Log, Sigmoid, Sqrt  # noqa: F401  (imported from here by other modules)
from .unary_rounding import Round, RoundDecimals, ZeroGradient, no_bool  # noqa: F401  (ZeroGradient: inplace, _random_fills)
from .unary_trig import Cos, Sin, Tanh  # noqa: F401  (imported from here by other modules)

_rand = sampler(low=0.2, high=1.4, seed=7)


class Relu(Pointwise):
    node_name = "ReluBackward0"
    aten = "aten::relu"
    function, method, inplace = "relu", True, True
    promote = None  # relu keeps integer dtypes
    saves_result = True
    smooth = False

    def forward(self, x):
        if x.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        return np.maximum(x, 0).astype(x.dtype, copy=False)

    def d_input(self, x, r):
        return r > 0

    def vjp(self, grad):
        # PyTorch's threshold_backward(grad, result, 0) selects (result <= 0 ? 0 : grad) rather than
        # multiplying by a mask: an inf/nan gradient from downstream (sqrt at 0) stays 0 where the unit
        # is off; under create_graph its node is ThresholdBackwardBackward0.
        return (ThresholdBackward.apply(grad, self.result, threshold=0.0),)

    def rule(self) -> str:
        return "grad_input = grad · [result > 0]   (zero where the unit is off)"

    @staticmethod
    def samples():
        x = _rand(3, 4, low=-1, high=1)
        x[np.abs(x) < 0.05] = 0.3  # keep away from the kink for finite differences
        return [((x,), {})]


class Abs(Pointwise):
    node_name = "AbsBackward0"
    aten = "aten::abs"
    function, method, inplace, aliases = "abs", True, True, ("absolute",)
    promote = None  # abs keeps integer dtypes
    saves = ("self",)
    smooth = False

    def forward(self, x):
        no_bool(x, "abs_cpu")
        return np.abs(x)

    def d_input(self, x, r):
        return x.sign()

    def rule(self) -> str:
        return "grad_input = grad · sign(input)"

    @staticmethod
    def samples():
        x = _rand(3, 4, low=-1, high=1)
        x[np.abs(x) < 0.05] = 0.3
        return [((x,), {})]


@method("__abs__")
def _abs(self):
    return Abs.apply(self)


# Hand-written: the keyword-only ``decimals`` picks a second node type (RoundBackward1).
@public(method=True)
def round(input, *, decimals: int = 0):
    """Round half to even; ``decimals`` rounds to that many decimal places (RoundBackward1)."""
    if decimals:
        return RoundDecimals.apply(input, decimals=decimals)
    return Round.apply(input)


@public(method=True)
def round_(input, *, decimals: int = 0):
    if decimals:
        return RoundDecimals.apply_(input, decimals=decimals)
    return Round.apply_(input)
