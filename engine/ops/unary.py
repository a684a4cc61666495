"""Elementwise functions of one tensor: sin, cos, exp, log, tanh, sigmoid, relu, ..."""

from __future__ import annotations

import math

import numpy as np

from .._api import method, public
from .._op import Op
from .._tensor import _make
from ._util import float_dtype_for
from ._samples import sampler


_rand = sampler(low=0.2, high=1.4, seed=7)


def _f(x):
    """Float view of the input: integer tensors go through float functions as the default float."""
    return x if x.dtype.kind == "f" else x.astype(float_dtype_for(x))


class Sin(Op):
    node_name = "SinBackward0"
    aten = "aten::sin"
    saves = ("self",)

    def forward(self, x):
        return np.sin(_f(x))

    def vjp(self, grad):
        (x,) = self.saved
        return (grad * x.cos(),)

    def jvp(self, tangents):
        return tangents[0] * self.fw_inputs[0].cos()

    def rule(self) -> str:
        return "grad_input = grad · cos(input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Cos(Op):
    node_name = "CosBackward0"
    aten = "aten::cos"
    saves = ("self",)

    def forward(self, x):
        return np.cos(_f(x))

    def vjp(self, grad):
        (x,) = self.saved
        return (grad * -x.sin(),)

    def jvp(self, tangents):
        return tangents[0] * -self.fw_inputs[0].sin()

    def rule(self) -> str:
        return "grad_input = −grad · sin(input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Tan(Op):
    node_name = "TanBackward0"
    aten = "aten::tan"
    saves_result = True

    def forward(self, x):
        return np.tan(_f(x))

    def vjp(self, grad):
        r = self.result
        return (grad * (r * r + 1),)

    def jvp(self, tangents):
        r = self.fw_result
        return tangents[0] * (r * r + 1)

    def rule(self) -> str:
        return "grad_input = grad · (1 + result²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Exp(Op):
    node_name = "ExpBackward0"
    aten = "aten::exp"
    saves_result = True

    def forward(self, x):
        return np.exp(_f(x))

    def vjp(self, grad):
        return (grad * self.result,)

    def jvp(self, tangents):
        return tangents[0] * self.fw_result

    def rule(self) -> str:
        return "grad_input = grad · result   (d/dx eˣ = eˣ)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Log(Op):
    node_name = "LogBackward0"
    aten = "aten::log"
    saves = ("self",)

    def forward(self, x):
        return np.log(_f(x))

    def vjp(self, grad):
        (x,) = self.saved
        return (grad / x,)

    def jvp(self, tangents):
        return tangents[0] / self.fw_inputs[0]

    def rule(self) -> str:
        return "grad_input = grad / input"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Sqrt(Op):
    node_name = "SqrtBackward0"
    aten = "aten::sqrt"
    saves_result = True

    def forward(self, x):
        return np.sqrt(_f(x))

    def vjp(self, grad):
        return (grad / (self.result * 2),)

    def jvp(self, tangents):
        return tangents[0] / (self.fw_result * 2)

    def rule(self) -> str:
        return "grad_input = grad / (2 · result)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Tanh(Op):
    node_name = "TanhBackward0"
    aten = "aten::tanh"
    saves_result = True

    def forward(self, x):
        return np.tanh(_f(x))

    def vjp(self, grad):
        from .backward_ops import TanhBackward

        return (TanhBackward.apply(grad, self.result),)  # PyTorch's tanh_backward kernel

    def jvp(self, tangents):
        r = self.fw_result
        return tangents[0] * (1 - r * r)

    def rule(self) -> str:
        return "grad_input = grad · (1 − result²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1.5, high=1.5),), {})]


class Sigmoid(Op):
    node_name = "SigmoidBackward0"
    aten = "aten::sigmoid"
    saves_result = True

    def forward(self, x):
        x = _f(x)
        # Split by sign so neither branch overflows exp().
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def vjp(self, grad):
        from .backward_ops import SigmoidBackward

        return (SigmoidBackward.apply(grad, self.result),)  # PyTorch's sigmoid_backward kernel

    def jvp(self, tangents):
        r = self.fw_result
        return tangents[0] * (r * (1 - r))

    def rule(self) -> str:
        return "grad_input = grad · result · (1 − result)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-2, high=2),), {})]


class Relu(Op):
    node_name = "ReluBackward0"
    aten = "aten::relu"
    saves_result = True
    smooth = False

    def forward(self, x):
        if x.dtype == np.bool_:
            raise RuntimeError("Boolean inputs not supported for relu")
        return np.maximum(x, 0).astype(x.dtype, copy=False)

    def vjp(self, grad):
        from .backward_ops import ThresholdBackward

        # PyTorch's threshold_backward(grad, result, 0) selects (result <= 0 ? 0 : grad) rather than
        # multiplying by a mask: an inf/nan gradient from downstream (sqrt at 0) stays 0 where the unit
        # is off; under create_graph its node is ThresholdBackwardBackward0.
        return (ThresholdBackward.apply(grad, self.result, threshold=0.0),)

    def jvp(self, tangents):
        return tangents[0] * (self.fw_result > 0)

    def rule(self) -> str:
        return "grad_input = grad · [result > 0]   (zero where the unit is off)"

    @staticmethod
    def samples():
        x = _rand(3, 4, low=-1, high=1)
        x[np.abs(x) < 0.05] = 0.3  # keep away from the kink for finite differences
        return [((x,), {})]


class Abs(Op):
    node_name = "AbsBackward0"
    aten = "aten::abs"
    saves = ("self",)
    smooth = False

    def forward(self, x):
        _no_bool(x, "abs_cpu")
        return np.abs(x)

    def vjp(self, grad):
        (x,) = self.saved
        return (grad * x.sign(),)

    def jvp(self, tangents):
        return tangents[0] * self.fw_inputs[0].sign()

    def rule(self) -> str:
        return "grad_input = grad · sign(input)"

    @staticmethod
    def samples():
        x = _rand(3, 4, low=-1, high=1)
        x[np.abs(x) < 0.05] = 0.3
        return [((x,), {})]


def _no_bool(x: np.ndarray, kernel: str) -> None:
    """PyTorch has no bool kernel for these ops: its dispatcher raises NotImplementedError."""
    if x.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


class ZeroGradient(Op):
    """Ops whose gradient is zero everywhere it exists (sign, floor, zero_, fill): PyTorch returns
    zeros, not None. Subclasses give forward, node_name and aten."""

    abstract = True

    def vjp(self, grad):
        # PyTorch's rule is zeros_like(grad): fresh zeros, not grad * 0 (an inf gradient stays 0, and
        # under create_graph the zeros have no grad_fn).
        return (_make(np.zeros(grad._data.shape, dtype=grad._data.dtype)),)

    def jvp(self, tangents):
        t = tangents[0]
        return _make(np.zeros(t._data.shape, dtype=t._data.dtype))

    def rule(self) -> str:
        return "grad_input = 0   (piecewise constant)"

    @staticmethod
    def samples():
        # Away from the jumps, so finite differences see the flat pieces.
        x = np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]])
        return [((x,), {})]


class Sign(ZeroGradient):
    node_name = "SignBackward0"
    aten = "aten::sign"

    def forward(self, x):
        if x.dtype == np.bool_:
            return x.copy()  # numpy has no bool sign; PyTorch's is the identity
        if x.dtype.kind == "f":
            # PyTorch's sign of nan is 0 (numpy's is nan).
            return np.where(np.isnan(x), np.zeros((), x.dtype), np.sign(x))
        return np.sign(x)



# ---- more elementwise functions ----------------------------------------------------------------
# Each one states its local derivative once (``local_grad``); the base class turns it into the
# reverse rule (grad · f'(x)) and the forward rule (tangent · f'(x)), both written with engine ops
# so they can be differentiated again.

_LN2 = float(np.log(2.0))
_LN10 = float(np.log(10.0))
_TWO_OVER_SQRT_PI = float(2.0 / np.sqrt(np.pi))
_erf_ufunc = np.frompyfunc(math.erf, 1, 1)


class _Pointwise(Op):
    abstract = True

    def local_grad(self, x, result):  # pragma: no cover - abstract
        raise NotImplementedError

    # PyTorch writes some rules as a division (grad / (1 + x²)): the node of the gradient under
    # create_graph is then DivBackward0. Those classes define ``denominator`` instead.
    denominator = None

    def vjp(self, grad):
        x = self.saved[0] if self.saves else None
        r = self.result if self.saves_result else None
        if self.denominator is not None:
            return (grad / self.denominator(x, r),)
        return (grad * self.local_grad(x, r),)

    def jvp(self, tangents):
        return tangents[0] * self.local_grad(self.fw_inputs[0], self.fw_result)


class Exp2(_Pointwise):
    node_name = "Exp2Backward0"
    aten = "aten::exp2"
    saves_result = True

    def forward(self, x):
        return np.exp2(_f(x))

    def local_grad(self, x, r):
        return r * _LN2

    def vjp(self, grad):
        # PyTorch: grad * result * ln 2, the number last (MulBackward1 under create_graph)
        from .arithmetic import mul_scalar

        return (mul_scalar(grad * self.result, _LN2),)

    def rule(self) -> str:
        return "grad_input = grad · result · ln 2"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1, high=1),), {})]


class Log2(_Pointwise):
    node_name = "Log2Backward0"
    aten = "aten::log2"
    saves = ("self",)

    def forward(self, x):
        return np.log2(_f(x))

    def denominator(self, x, r):
        return x * _LN2

    def local_grad(self, x, r):
        return (x * _LN2).reciprocal()

    def rule(self) -> str:
        return "grad_input = grad / (input · ln 2)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Log10(_Pointwise):
    node_name = "Log10Backward0"
    aten = "aten::log10"
    saves = ("self",)

    def forward(self, x):
        return np.log10(_f(x))

    def denominator(self, x, r):
        return x * _LN10

    def local_grad(self, x, r):
        return (x * _LN10).reciprocal()

    def rule(self) -> str:
        return "grad_input = grad / (input · ln 10)"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Log1p(_Pointwise):
    node_name = "Log1PBackward0"  # sic: PyTorch capitalises the P
    aten = "aten::log1p"
    saves = ("self",)

    def forward(self, x):
        return np.log1p(_f(x))

    def denominator(self, x, r):
        return x + 1

    def local_grad(self, x, r):
        return (x + 1).reciprocal()

    def rule(self) -> str:
        return "grad_input = grad / (1 + input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-0.5, high=1.5),), {})]


class Expm1(_Pointwise):
    node_name = "Expm1Backward0"
    aten = "aten::expm1"
    saves_result = True

    def forward(self, x):
        return np.expm1(_f(x))

    def local_grad(self, x, r):
        return r + 1

    def rule(self) -> str:
        return "grad_input = grad · (result + 1)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1, high=1),), {})]


class Rsqrt(_Pointwise):
    node_name = "RsqrtBackward0"
    aten = "aten::rsqrt"
    saves_result = True

    def forward(self, x):
        x = _f(x)
        return (1 / np.sqrt(x)).astype(x.dtype, copy=False)

    def local_grad(self, x, r):
        return r * r * r * -0.5

    def rule(self) -> str:
        return "grad_input = −grad · result³ / 2"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Asin(_Pointwise):
    node_name = "AsinBackward0"
    aten = "aten::asin"
    saves = ("self",)

    def forward(self, x):
        return np.arcsin(_f(x))

    def local_grad(self, x, r):
        return (1 - x * x).rsqrt()

    def rule(self) -> str:
        return "grad_input = grad / √(1 − input²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-0.8, high=0.8),), {})]


class Acos(_Pointwise):
    node_name = "AcosBackward0"
    aten = "aten::acos"
    saves = ("self",)

    def forward(self, x):
        return np.arccos(_f(x))

    def local_grad(self, x, r):
        return -(1 - x * x).rsqrt()

    def rule(self) -> str:
        return "grad_input = −grad / √(1 − input²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-0.8, high=0.8),), {})]


class Atan(_Pointwise):
    node_name = "AtanBackward0"
    aten = "aten::atan"
    saves = ("self",)

    def forward(self, x):
        return np.arctan(_f(x))

    def denominator(self, x, r):
        return x * x + 1

    def local_grad(self, x, r):
        return (x * x + 1).reciprocal()

    def rule(self) -> str:
        return "grad_input = grad / (1 + input²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-2, high=2),), {})]


class Sinh(_Pointwise):
    node_name = "SinhBackward0"
    aten = "aten::sinh"
    saves = ("self",)

    def forward(self, x):
        return np.sinh(_f(x))

    def local_grad(self, x, r):
        return x.cosh()

    def rule(self) -> str:
        return "grad_input = grad · cosh(input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1.5, high=1.5),), {})]


class Cosh(_Pointwise):
    node_name = "CoshBackward0"
    aten = "aten::cosh"
    saves = ("self",)

    def forward(self, x):
        return np.cosh(_f(x))

    def local_grad(self, x, r):
        return x.sinh()

    def rule(self) -> str:
        return "grad_input = grad · sinh(input)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1.5, high=1.5),), {})]


class Erf(_Pointwise):
    node_name = "ErfBackward0"
    aten = "aten::erf"
    saves = ("self",)

    def forward(self, x):
        x = _f(x)
        # numpy has no erf; math.erf is exact to the last bit, applied elementwise.
        return np.asarray(_erf_ufunc(x), dtype=x.dtype).reshape(x.shape)

    def local_grad(self, x, r):
        return (-(x * x)).exp() * _TWO_OVER_SQRT_PI

    def rule(self) -> str:
        return "grad_input = grad · 2/√π · exp(−input²)"

    @staticmethod
    def samples():
        return [((_rand(2, 3, low=-1.5, high=1.5),), {})]


class Floor(ZeroGradient):
    node_name = "FloorBackward0"
    aten = "aten::floor"

    def forward(self, x):
        _no_bool(x, "floor_vml_cpu")
        return np.floor(x) if x.dtype.kind == "f" else x.copy()


class Ceil(ZeroGradient):
    node_name = "CeilBackward0"
    aten = "aten::ceil"

    def forward(self, x):
        _no_bool(x, "ceil_vml_cpu")
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()


class Trunc(ZeroGradient):
    node_name = "TruncBackward0"
    aten = "aten::trunc"

    def forward(self, x):
        _no_bool(x, "trunc_vml_cpu")
        return np.trunc(x) if x.dtype.kind == "f" else x.copy()


class Round(ZeroGradient):
    """``round`` (half to even, like PyTorch and numpy); with ``decimals`` it is RoundBackward1."""

    node_name = "RoundBackward0"
    aten = "aten::round"
    decimals = 0

    def forward(self, x):
        _no_bool(x, "round_vml_cpu")
        if x.dtype.kind != "f":
            return x.copy()
        return np.round(x, self.decimals) if self.decimals else np.round(x)


class RoundDecimals(Round):
    node_name = "RoundBackward1"


class Frac(Op):
    node_name = "FracBackward0"
    aten = "aten::frac"

    def forward(self, x):
        if x.dtype.kind != "f":
            raise NotImplementedError(f'"frac_cpu" not implemented for \'{_type_name(x)}\'')
        return x - np.trunc(x)

    def vjp(self, grad):
        return (grad,)

    def jvp(self, tangents):
        return tangents[0]

    def rule(self) -> str:
        return "grad_input = grad   (input − trunc(input), the trunc part is flat)"

    @staticmethod
    def samples():
        return [((np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]]),), {})]


def _type_name(x: np.ndarray) -> str:
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "int16": "Short", "int8": "Char", "uint8": "Byte"}.get(
        x.dtype.name, x.dtype.name
    )


_UNARY = {
    "sin": Sin, "cos": Cos, "tan": Tan, "exp": Exp, "log": Log, "sqrt": Sqrt,
    "tanh": Tanh, "sigmoid": Sigmoid, "relu": Relu, "abs": Abs, "sign": Sign,
    "exp2": Exp2, "log2": Log2, "log10": Log10, "log1p": Log1p, "expm1": Expm1, "rsqrt": Rsqrt,
    "asin": Asin, "acos": Acos, "atan": Atan, "sinh": Sinh, "cosh": Cosh, "erf": Erf,
    "floor": Floor, "ceil": Ceil, "trunc": Trunc, "frac": Frac,
}


def _export(name: str, cls) -> None:
    def fn(input):
        return cls.apply(input)

    def fn_(input):
        return cls.apply_(input)

    fn.__name__, fn.__qualname__ = name, name
    fn.__doc__ = f"Elementwise {name} (grad_fn {cls.node_name})."
    fn_.__name__ = fn_.__qualname__ = name + "_"
    fn_.__doc__ = f"In-place elementwise {name}."
    public(name, method=True)(fn)
    public(name + "_", method=True)(fn_)


for _name, _cls in _UNARY.items():
    _export(_name, _cls)

public("absolute", method=True)(lambda input: Abs.apply(input))


@method("__abs__")
def _abs(self):
    return Abs.apply(self)

public("arcsin", method=True)(lambda input: Asin.apply(input))
public("arccos", method=True)(lambda input: Acos.apply(input))
public("arctan", method=True)(lambda input: Atan.apply(input))
public("fix", method=True)(lambda input: Trunc.apply(input))


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
