"""Piecewise-constant functions (sign, floor, ceil, trunc, round) and frac.

PyTorch gives the piecewise-constant ones a zero gradient (``zeros_like(grad)``), not None; they keep
the input's dtype (no float promotion), and most have no bool kernel.
"""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._tensor import _make


def no_bool(x: np.ndarray, kernel: str) -> None:
    """PyTorch has no bool kernel for these ops: its dispatcher raises NotImplementedError."""
    if x.dtype == np.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def type_name(x: np.ndarray) -> str:
    """PyTorch's scalar type name in kernel errors ('Long', 'Bool', ...)."""
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "int16": "Short", "int8": "Char", "uint8": "Byte"}.get(
        x.dtype.name, x.dtype.name
    )


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
    function, method, inplace = "sign", True, True

    def forward(self, x):
        if x.dtype == np.bool_:
            return x.copy()  # numpy has no bool sign; PyTorch's is the identity
        if x.dtype.kind == "f":
            # PyTorch's sign of nan is 0 (numpy's is nan).
            return np.where(np.isnan(x), np.zeros((), x.dtype), np.sign(x))
        return np.sign(x)


class Floor(ZeroGradient):
    node_name = "FloorBackward0"
    aten = "aten::floor"
    function, method, inplace = "floor", True, True

    def forward(self, x):
        no_bool(x, "floor_vml_cpu")
        return np.floor(x) if x.dtype.kind == "f" else x.copy()


class Ceil(ZeroGradient):
    node_name = "CeilBackward0"
    aten = "aten::ceil"
    function, method, inplace = "ceil", True, True

    def forward(self, x):
        no_bool(x, "ceil_vml_cpu")
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()


class Trunc(ZeroGradient):
    node_name = "TruncBackward0"
    aten = "aten::trunc"
    function, method, inplace, aliases = "trunc", True, True, ("fix",)

    def forward(self, x):
        no_bool(x, "trunc_vml_cpu")
        return np.trunc(x) if x.dtype.kind == "f" else x.copy()


class Round(ZeroGradient):
    """``round`` (half to even, like PyTorch and numpy); with ``decimals`` it is RoundBackward1."""

    node_name = "RoundBackward0"
    aten = "aten::round"
    decimals = 0

    def forward(self, x):
        no_bool(x, "round_vml_cpu")
        if x.dtype.kind != "f":
            return x.copy()
        return np.round(x, self.decimals) if self.decimals else np.round(x)


class RoundDecimals(Round):
    node_name = "RoundBackward1"


class Frac(Op):
    node_name = "FracBackward0"
    aten = "aten::frac"
    function, method, inplace = "frac", True, True

    def forward(self, x):
        if x.dtype.kind != "f":
            raise NotImplementedError(f'"frac_cpu" not implemented for \'{type_name(x)}\'')
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
