"""Elementwise arithmetic, the core: + - * / with broadcasting and PyTorch's node names, negation,
reciprocal, ``tensor ** number``, and the scalar ``mul`` PyTorch's own formulas call.

``Mul`` and ``Div`` also have ``vjp_arrays``, their first-order rules on numpy arrays for the plain
backward's hot path (``tests/engine/test_hot_path.py`` checks them bit for bit against ``vjp``).
The other variants are in ``arithmetic_variants``; the public functions, operators and in-place
methods in ``arithmetic``.
"""

from __future__ import annotations

import numpy as np

from .._op import Op
from .._tensor import Tensor, _make
from ._pointwise import BinaryPointwise
from ._samples import sampler
from ._util import float_dtype_for, sum_to

_rand = sampler(low=0.5, high=1.5)


class _Binary(Op):
    """Binary arithmetic: the hand-written wrappers in ``arithmetic`` promote (``out_dtype``) and the
    forward casts its result, bit for bit as before (no input casting by ``Op.promote``)."""

    abstract = True
    inputs = ("self", "other")
    promote = None
    out_dtype = None

    def _cast(self, out):
        dt = self.out_dtype
        return out if dt is None or out.dtype == dt else out.astype(dt)


class Add(_Binary):
    node_name = "AddBackward0"
    aten = "aten::add"
    alpha = 1

    def forward(self, a, b):
        out = a + b if self.alpha == 1 else a + self.alpha * b
        return out if self.out_dtype is None else self._cast(out)

    def vjp(self, grad):
        (sa, _), (sb, _) = self._in_meta
        ra, rb = self.next_functions
        ga = sum_to(grad, sa) if ra[0] is not None else None
        gb = None
        if rb[0] is not None:  # `x + 1` wraps the 1 as an input that needs no gradient
            gb = sum_to(grad if self.alpha == 1 else grad * self.alpha, sb)
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        if tb is not None and self.alpha != 1:
            tb = tb * self.alpha
        return _add_tangents(ta, tb)

    def rule(self) -> str:
        return "grad_self = grad;  grad_other = alpha · grad  (summed over broadcast dims)"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {}), ((_rand(2, 3), _rand(3)), {"alpha": 2.0}), ((_rand(1, 3), _rand(4, 1)), {})]


_BOOL_SUB_TWO = (
    "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
    "operator instead."
)
_BOOL_SUB_ONE = (
    "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
    "use the `~` or `logical_not()` operator instead."
)


class Sub(_Binary):
    node_name = "SubBackward0"
    aten = "aten::sub"
    alpha = 1

    def forward(self, a, b):
        if a.dtype == np.bool_ or b.dtype == np.bool_:
            raise RuntimeError(_BOOL_SUB_TWO if a.dtype == b.dtype else _BOOL_SUB_ONE)
        out = a - b if self.alpha == 1 else a - self.alpha * b
        return out if self.out_dtype is None else self._cast(out)

    def vjp(self, grad):
        (sa, _), (sb, _) = self._in_meta
        ra, rb = self.next_functions
        ga = sum_to(grad, sa) if ra[0] is not None else None
        gb = sum_to(-grad if self.alpha == 1 else grad * -self.alpha, sb) if rb[0] is not None else None
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        if tb is not None:
            tb = -tb if self.alpha == 1 else tb * -self.alpha
        return _add_tangents(ta, tb)

    def rule(self) -> str:
        return "grad_self = grad;  grad_other = −alpha · grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {}), ((_rand(2, 3), _rand(2, 1)), {"alpha": 3.0})]


class MulScalar(Op):
    """``tensor * number`` inside derivative formulas (PyTorch's mul.Scalar: MulBackward1, one input).

    Python's ``t * 2`` wraps the number into a tensor instead (MulBackward0 with two edges), so this
    op is only used where PyTorch's own formulas call mul with a Scalar, e.g. pow's backward.
    """

    node_name = "MulBackward1"
    aten = "aten::mul"
    inputs = ("self",)

    def forward(self, a):
        out = a * self.other
        return out.astype(a.dtype) if a.dtype.kind == "f" and out.dtype != a.dtype else out

    def vjp(self, grad):
        return (mul_scalar(grad, self.other),)

    def jvp(self, tangents):
        return mul_scalar(tangents[0], self.other)

    def rule(self) -> str:
        return f"grad_input = grad · {self.other}"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"other": 2.5})]


def mul_scalar(t: Tensor, number) -> Tensor:
    """``t * number`` as PyTorch's Scalar overload (used by derivative formulas)."""
    return MulScalar.apply(t, other=number)


class Mul(_Binary, BinaryPointwise):
    """``a * b``: its partial derivatives are the other factor; the pointwise base makes vjp and jvp."""

    node_name = "MulBackward0"
    aten = "aten::mul"
    saves = ("self", "other")
    saves_for = {"self": ("other",), "other": ("self",)}

    def forward(self, a, b):
        out = a * b
        return out if self.out_dtype is None else self._cast(out)

    def d_self(self, a, b, r):
        return b

    def d_other(self, a, b, r):
        return a

    def vjp_arrays(self, grad):
        # vjp on arrays for a first-order backward: the numpy operations vjp's engine ops run.
        arrays = _same_dtype_operands(self, grad)
        if arrays is None:
            return None
        a, b = arrays
        ra, rb = self.next_functions
        ga = _grad_for(grad * b, self, 0) if ra[0] is not None else None
        gb = _grad_for(grad * a, self, 1) if rb[0] is not None else None
        return ga, gb

    def rule(self) -> str:
        return "grad_self = grad · other;  grad_other = grad · self"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {}), ((_rand(2, 3), _rand(3)), {}), ((_rand(3), _rand()), {})]


class Div(_Binary):
    node_name = "DivBackward0"
    aten = "aten::div"
    saves = ("self", "other")
    saves_for = {"self": ("other",), "other": ("self", "other")}

    def forward(self, a, b):
        # x/0 gives inf silently like PyTorch: engine filters numpy's warning (see engine/__init__).
        out = a / b
        dt = self.out_dtype
        if dt is None or dt.kind != "f":
            if a.dtype.kind != "f" and b.dtype.kind != "f":
                # int / int (or bool / int, promoted to int) is true division in the default float.
                return out.astype(float_dtype_for(a if dt is None else np.empty(0, dt)))
            return out if dt is None else self._cast(out)
        return self._cast(out)

    def vjp(self, grad):
        a, b = self.saved
        ra, rb = self.next_functions
        grad_over_b = grad / b
        ga = sum_to(grad_over_b, a._data.shape) if ra[0] is not None else None
        # -grad·a/b² as -(grad/b)·(a/b): reuses grad/b (one op fewer than PyTorch's
        # -grad * ((self / other) / other)) and still ends in a product, MulBackward0, as PyTorch's.
        gb = sum_to(-grad_over_b * (a / b), b._data.shape) if rb[0] is not None else None
        return ga, gb

    def vjp_arrays(self, grad):
        # vjp on arrays for a first-order backward: the numpy operations vjp's engine ops run.
        arrays = _same_dtype_operands(self, grad)
        if arrays is None:
            return None
        a, b = arrays
        ra, rb = self.next_functions
        grad_over_b = grad / b
        ga = _grad_for(grad_over_b, self, 0) if ra[0] is not None else None
        gb = _grad_for(np.negative(grad_over_b) * (a / b), self, 1) if rb[0] is not None else None
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        a, b = self.fw_inputs
        return _add_tangents(
            ta / b if ta is not None else None, -tb * a / (b * b) if tb is not None else None
        )

    def rule(self) -> str:
        return "grad_self = grad / other;  grad_other = −grad · self / other²"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {}), ((_rand(2, 3), _rand(2, 1)), {})]


class Neg(Op):
    node_name = "NegBackward0"
    aten = "aten::neg"
    # neg_ / negative_ are hand-written (inplace.py, and the method in arithmetic): no inplace here.
    function, method, aliases = "neg", True, ("negative",)

    def forward(self, a):
        if a.dtype == np.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                "mask, use the `~` or `logical_not()` operator instead."
            )
        return np.negative(a)

    def vjp(self, grad):
        return (-grad,)

    def jvp(self, tangents):
        return -tangents[0]

    def rule(self) -> str:
        return "grad_input = −grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class Reciprocal(Op):
    node_name = "ReciprocalBackward0"
    aten = "aten::reciprocal"
    function, method = "reciprocal", True  # reciprocal_ is in inplace.py
    saves_result = True

    def forward(self, a):
        return np.reciprocal(a.astype(float_dtype_for(a), copy=False))

    def vjp(self, grad):
        r = self.result
        return (-grad * r * r,)

    def jvp(self, tangents):
        r = self.fw_result
        return -tangents[0] * r * r

    def rule(self) -> str:
        return "grad_input = −grad · result²"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {})]


class PowScalar(Op):
    """``tensor ** number``."""

    node_name = "PowBackward0"
    aten = "aten::pow"
    saves = ("self",)

    def forward(self, a):
        e = self.exponent
        if a.dtype == np.bool_ and not isinstance(e, (bool, float)):
            a = a.astype(np.int64)  # bool ** int promotes to int64 in PyTorch
        if isinstance(e, float) and a.dtype.kind != "f":
            # before the e == 2 shortcut: bool/int ** 2.0 is float in PyTorch
            return np.power(a.astype(float_dtype_for(a)), e)
        if e == 2:
            return a * a
        return np.power(a, e)

    def vjp(self, grad):
        (a,) = self.saved
        e = self.exponent
        if e == 0:
            return (grad * 0,)
        # PyTorch's formula, grad * (exponent * self.pow(exponent - 1)): Mul(grad, MulBackward1(Pow)).
        return (grad * mul_scalar(a ** (e - 1), e),)

    def jvp(self, tangents):
        (a,) = self.fw_inputs
        e = self.exponent
        return tangents[0] * mul_scalar(a ** (e - 1), e) if e != 0 else tangents[0] * 0

    def rule(self) -> str:
        return f"grad_input = grad · {self.exponent} · input^{self.exponent - 1}"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"exponent": 2}), ((_rand(2, 3),), {"exponent": 3.5}), ((_rand(3),), {"exponent": -1.5})]


def _add_tangents(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


# ---- first-order rules on arrays (Op.vjp_arrays) -----------------------------------------------------


def _same_dtype_operands(node: Op, grad: np.ndarray):
    """The saved operands' arrays when they, the gradient and the inputs all share one dtype, else None.

    Then engine promotion and numpy's agree, so numpy run directly gives vjp's exact values and
    dtype; mixed dtypes go through vjp (engine ops, PyTorch's promotion)."""
    a, b = node.saved
    ad, bd = a._data, b._data
    dt = grad.dtype
    (sa, da), (sb, db) = node._in_meta
    if ad.dtype is not dt or bd.dtype is not dt or da is not dt or db is not dt:
        return None
    if ad.shape != sa or bd.shape != sb:  # resized since the forward: vjp raises PyTorch's error
        return None
    return ad, bd


def _grad_for(out, node: Op, i: int) -> Tensor:
    """A rule's numpy result as input ``i``'s gradient, broadcasting undone by ``sum_to`` as in vjp."""
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    grad = _make(out)
    shape = node._in_meta[i][0]
    if out.shape != shape:
        grad = sum_to(grad, shape)
        if grad._data.shape != shape:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(grad._data.shape)} but expected shape compatible with {list(shape)}"
            )
    return grad
