"""Elementwise functions of one tensor: sin, cos, exp, log, tanh, sigmoid, relu, ..."""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op
from ._util import float_dtype_for


def _rand(*shape, low=0.2, high=1.4):
    return np.random.default_rng(7 + sum(shape)).uniform(low, high, shape)


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
        r = self.result
        return (grad * (1 - r * r),)

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
        r = self.result
        return (grad * (r * (1 - r)),)

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
        return np.maximum(x, 0).astype(x.dtype, copy=False)

    def vjp(self, grad):
        return (grad * (self.result > 0),)

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


class Sign(Op):
    node_name = "SignBackward0"
    aten = "aten::sign"

    def forward(self, x):
        return np.sign(x)

    def vjp(self, grad):
        return (grad * 0,)

    def jvp(self, tangents):
        return tangents[0] * 0

    def rule(self) -> str:
        return "grad_input = 0"


_UNARY = {
    "sin": Sin, "cos": Cos, "tan": Tan, "exp": Exp, "log": Log, "sqrt": Sqrt,
    "tanh": Tanh, "sigmoid": Sigmoid, "relu": Relu, "abs": Abs, "sign": Sign,
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
