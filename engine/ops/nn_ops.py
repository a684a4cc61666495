"""The activation functions networks are made of: leaky_relu, elu, gelu, silu, softplus, hardtanh, logsigmoid.

They are plain functions here for ``engine.nn.functional`` to expose; PyTorch has no
``torch.<name>`` for most of them. The forwards split by sign so large inputs do not overflow exp().
"""

from __future__ import annotations

import math

import numpy as np

from .._op import Op
from .._tensor import Tensor, _make
from ._index_util import _zero_where
from ._samples import sampler
from .compare import where
from .unary import Erf, Sigmoid

_rand = sampler(low=-2.0, high=2.0, seed=31)
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_GELU_K = math.sqrt(2.0 / math.pi)


def _mask(values, like: Tensor) -> Tensor:
    """A constant (no-grad) tensor in ``like``'s dtype, used as a 0/1 mask or weight in the rules."""
    return _make(np.asarray(values, dtype=like._data.dtype))


def _type_name(x: np.ndarray) -> str:
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "int16": "Short", "uint8": "Byte"}.get(
        x.dtype.name, x.dtype.name
    )


# ---- activations -----------------------------------------------------------------------------------


class _Activation(Op):
    """Elementwise activation f(x): reverse rule grad · f'(x), forward rule tangent · f'(x)."""

    abstract = True
    saves = ("self",)
    # Piecewise activations whose PyTorch kernel *selects* 0 in the flat region (threshold, hardtanh,
    # shrink, hardsigmoid/hardswish): there an inf/nan gradient gives 0, not inf · 0 = nan.
    selects_zero = False

    def local_grad(self, x: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def vjp(self, grad):
        (x,) = self.saved
        lg = self.local_grad(x)
        if self.selects_zero:
            return (_zero_where(np.broadcast_to(lg._data == 0, grad._data.shape), grad * lg),)
        return (grad * lg,)

    def jvp(self, tangents):
        return tangents[0] * self.local_grad(self.fw_inputs[0])

    @staticmethod
    def samples():
        x = _rand(3, 4)
        x[np.abs(x) < 0.05] = 0.4  # away from the kink at 0 for the piecewise ones
        return [((x,), {})]


class LeakyRelu(_Activation):
    node_name = "LeakyReluBackward0"
    aten = "aten::leaky_relu"
    negative_slope = 0.01
    smooth = False

    def forward(self, x):
        return np.where(x > 0, x, x * self.negative_slope).astype(x.dtype, copy=False)

    def local_grad(self, x):
        return _mask(np.where(x._data > 0, 1.0, self.negative_slope), x)

    def rule(self) -> str:
        return f"grad_input = grad where input > 0, else {self.negative_slope} · grad"


class Elu(_Activation):
    node_name = "EluBackward0"
    aten = "aten::elu"
    alpha = 1.0
    scale = 1.0
    input_scale = 1.0
    smooth = False  # the second derivative jumps at 0 unless alpha = 1

    def forward(self, x):
        neg = self.alpha * np.expm1(np.minimum(x, 0) * self.input_scale)
        return (self.scale * np.where(x > 0, x, neg)).astype(x.dtype, copy=False)

    def local_grad(self, x):
        # elu_backward selects by (x <= 0): nan inputs take the positive branch (gradient scale),
        # and a large positive x never meets the overflowing exp.
        neg_part = (x * self.input_scale).exp() * (self.scale * self.alpha * self.input_scale)
        return where(_make(x._data <= 0), neg_part, _mask(self.scale, x))

    def rule(self) -> str:
        return "grad_input = grad · scale where input > 0, else grad · scale · alpha · input_scale · exp(input · input_scale)"


class Gelu(_Activation):
    node_name = "GeluBackward0"
    aten = "aten::gelu"
    approximate = "none"

    def forward(self, x):
        if self.approximate == "tanh":
            inner = _TANH_GELU_K * (x + 0.044715 * x**3)
            return 0.5 * x * (1 + np.tanh(inner))
        return 0.5 * x * (1 + Erf.forward(None, x * _SQRT_HALF))

    def local_grad(self, x):
        if self.approximate == "tanh":
            t = ((x + x * x * x * 0.044715) * _TANH_GELU_K).tanh()
            dinner = (x * x * (3 * 0.044715) + 1) * _TANH_GELU_K
            return (t + 1) * 0.5 + x * 0.5 * (1 - t * t) * dinner
        cdf = ((x * _SQRT_HALF).erf() + 1) * 0.5
        pdf = (x * x * -0.5).exp() * _INV_SQRT_2PI
        return cdf + x * pdf

    def rule(self) -> str:
        if self.approximate == "tanh":
            return "grad_input = grad · d/dx [x/2 · (1 + tanh(√(2/π)(x + 0.044715x³)))]"
        return "grad_input = grad · (Φ(input) + input · φ(input))"

    @staticmethod
    def samples():
        x = _rand(3, 4)
        return [((x,), {}), ((x,), {"approximate": "tanh"})]


class Silu(_Activation):
    node_name = "SiluBackward0"
    aten = "aten::silu"

    def forward(self, x):
        return x * Sigmoid.forward(None, x)

    def local_grad(self, x):
        s = x.sigmoid()
        return s * (x * (1 - s) + 1)

    def rule(self) -> str:
        return "grad_input = grad · σ(input) · (1 + input · (1 − σ(input)))"


class Softplus(_Activation):
    node_name = "SoftplusBackward0"
    aten = "aten::softplus"
    beta = 1.0
    threshold = 20.0

    def forward(self, x):
        bx = x * self.beta
        # log(1 + e^bx) / beta, linear above the threshold as PyTorch does
        return np.where(bx > self.threshold, x, np.logaddexp(0, bx) / self.beta).astype(x.dtype, copy=False)

    def local_grad(self, x):
        linear = _mask(x._data * self.beta > self.threshold, x)
        return (x * self.beta).sigmoid() * (1 - linear) + linear

    def rule(self) -> str:
        return "grad_input = grad · σ(beta · input)   (grad where beta · input > threshold)"

    @staticmethod
    def samples():
        x = _rand(3, 4)
        return [((x,), {}), ((x,), {"beta": 2.0, "threshold": 1.5})]


class Hardtanh(_Activation):
    node_name = "HardtanhBackward0"
    aten = "aten::hardtanh"
    min_val = -1.0
    max_val = 1.0
    smooth = False
    selects_zero = True

    def forward(self, x):
        return np.clip(x, self.min_val, self.max_val)

    def local_grad(self, x):
        # PyTorch stops the gradient at the bounds themselves (strict interior only).
        xd = x._data
        return _mask((xd > self.min_val) & (xd < self.max_val), x)

    def rule(self) -> str:
        return f"grad_input = grad where {self.min_val} < input < {self.max_val}, else 0"

    @staticmethod
    def samples():
        x = np.array([[-1.7, -0.6, 0.2], [0.9, 1.4, -0.2]])
        return [((x,), {}), ((x,), {"min_val": 0.0, "max_val": 6.0})]


class LogSigmoid(_Activation):
    node_name = "LogSigmoidBackward0"
    aten = "aten::log_sigmoid"

    def forward(self, x):
        return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    def local_grad(self, x):
        return (-x).sigmoid()

    def rule(self) -> str:
        return "grad_input = grad · σ(−input)"


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """max(0, x) + negative_slope · min(0, x)."""
    if inplace:
        return LeakyRelu.apply_(input, negative_slope=negative_slope)
    return LeakyRelu.apply(input, negative_slope=negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha · (exp(x) − 1) otherwise."""
    if inplace:
        return Elu.apply_(input, alpha=alpha)
    return Elu.apply(input, alpha=alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x · Φ(x), or its tanh approximation."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(input, approximate=approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x · σ(x)."""
    return Silu.apply_(input) if inplace else Silu.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta · x)) / beta, linear above ``threshold``."""
    return Softplus.apply(input, beta=beta, threshold=threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]."""
    if inplace:
        return Hardtanh.apply_(input, min_val=min_val, max_val=max_val)
    return Hardtanh.apply(input, min_val=min_val, max_val=max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """hardtanh(x, 0, 6): PyTorch's node for it is HardtanhBackward0."""
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """log σ(x), computed without overflow."""
    return LogSigmoid.apply(input)
