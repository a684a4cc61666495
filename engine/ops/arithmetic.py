"""Elementwise arithmetic: + - * / ** and negation, with broadcasting and PyTorch's node names."""

from __future__ import annotations

import numpy as np

from .._api import method, public
from .._op import Op
from .._tensor import Tensor, _make
from ._util import float_dtype_for, promote, sum_to, wrap
from ._samples import sampler


_rand = sampler(low=0.5, high=1.5)


class _Binary(Op):
    abstract = True
    inputs = ("self", "other")
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


class Rsub(_Binary):
    """``torch.rsub(tensor, tensor)``: other - alpha · self (the Scalar overload is RsubScalar)."""

    node_name = "RsubBackward0"
    aten = "aten::rsub"
    alpha = 1

    def forward(self, a, b):
        return self._cast(b - a if self.alpha == 1 else b - self.alpha * a)

    def vjp(self, grad):
        (sa, _), (sb, _) = self._in_meta
        ra, rb = self.next_functions
        ga = sum_to(-grad if self.alpha == 1 else grad * -self.alpha, sa) if ra[0] is not None else None
        gb = sum_to(grad, sb) if rb[0] is not None else None
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        if ta is not None:
            ta = -ta if self.alpha == 1 else ta * -self.alpha
        return _add_tangents(ta, tb)

    def rule(self) -> str:
        return "grad_self = −grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {})]


class RsubScalar(Op):
    """``number - tensor`` and ``torch.rsub(tensor, number)``: one tensor input, like PyTorch's Scalar overload."""

    node_name = "RsubBackward1"
    aten = "aten::rsub"
    inputs = ("self",)
    alpha = 1
    out_dtype = None

    def forward(self, a):
        out = self.other - (a if self.alpha == 1 else self.alpha * a)
        return out if self.out_dtype is None or out.dtype == self.out_dtype else out.astype(self.out_dtype)

    def vjp(self, grad):
        return (-grad if self.alpha == 1 else grad * -self.alpha,)

    def jvp(self, tangents):
        return -tangents[0] if self.alpha == 1 else tangents[0] * -self.alpha

    def rule(self) -> str:
        return "grad_input = −alpha · grad"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"other": np.array(2.0)}), ((_rand(3),), {"other": np.array(1.5), "alpha": 2.0})]


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


class Mul(_Binary):
    node_name = "MulBackward0"
    aten = "aten::mul"
    saves = ("self", "other")
    saves_for = {"self": ("other",), "other": ("self",)}

    def forward(self, a, b):
        out = a * b
        return out if self.out_dtype is None else self._cast(out)

    def vjp(self, grad):
        a, b = self.saved
        ra, rb = self.next_functions
        ga = sum_to(grad * b, a._data.shape) if ra[0] is not None else None
        gb = sum_to(grad * a, b._data.shape) if rb[0] is not None else None
        return ga, gb

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

    def jvp(self, tangents):
        ta, tb = tangents
        a, b = self.fw_inputs
        return _add_tangents(ta * b if ta is not None else None, tb * a if tb is not None else None)

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


class DivRounding(_Binary):
    """``div(a, b, rounding_mode="trunc" | "floor")`` (DivBackward2, for a number b too).

    derivatives.yaml gives both inputs ``grad * 0``: flat almost everywhere, and differentiable (the
    floor_divide op, by contrast, has no derivative at all).
    """

    node_name = "DivBackward2"
    aten = "aten::div"
    rounding_mode = "trunc"

    def forward(self, a, b):
        if a.dtype.kind in "iub" and b.dtype.kind in "iub" and np.any(b == 0):
            raise RuntimeError("ZeroDivisionError")
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.rounding_mode == "floor":
                out = np.floor_divide(a, b)
            elif a.dtype.kind == "f" or b.dtype.kind == "f":
                out = np.trunc(np.true_divide(a, b))
            else:  # integer division rounded toward zero
                q = np.floor_divide(a, b)
                out = q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))
        return self._cast(np.asarray(out))

    def vjp(self, grad):
        (sa, _), (sb, _) = self._in_meta
        ra, rb = self.next_functions
        zero = grad * 0
        return (sum_to(zero, sa) if ra[0] is not None else None, sum_to(zero, sb) if rb[0] is not None else None)

    def jvp(self, tangents):
        return self.fw_result * 0

    def rule(self) -> str:
        return f"grad_self = grad_other = grad · 0   ({self.rounding_mode}-rounded quotient)"

    @staticmethod
    def samples():
        a = np.array([[0.3, 1.2, -0.7], [2.2, -1.6, 0.1]])
        b = np.array([[0.7, -0.5, 0.45], [0.9, 0.65, -0.35]])
        return [((a, b), {}), ((a, b), {"rounding_mode": "floor"})]


def _int_power(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Integer ``a ** b`` with negative exponents as PyTorch computes them (numpy refuses): 1 and -1
    keep their powers, every other base (0 included) gives 0."""
    out = np.power(a, np.where(b < 0, 0, b))
    neg_pow = np.where(a == 1, 1, np.where(a == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(b < 0, neg_pow, out).astype(out.dtype, copy=False)


class Pow(_Binary):
    """``tensor ** tensor``."""

    node_name = "PowBackward1"
    aten = "aten::pow"
    inputs = ("self", "exponent")
    saves = ("self", "exponent")
    saves_result = True

    def forward(self, a, b):
        if a.dtype == np.bool_ and b.dtype == np.bool_:
            raise NotImplementedError('"pow" not implemented for \'Bool\'')  # numpy would give int8
        if b.dtype.kind in "iub" and a.dtype.kind in "iub" and np.any(b < 0):
            return self._cast(_int_power(a, b))
        return self._cast(np.power(a, b))

    def vjp(self, grad):
        a, b = self.saved
        ra, rb = self.next_functions
        ga = gb = None
        if ra[0] is not None:
            # PyTorch's pow_backward_self: where(exponent == 0, 0, grad * (exponent * self^(exponent-1))),
            # so 0 ** 0 has gradient 0, not 0 * inf = nan (and the node is WhereBackward0).
            from .compare import where

            full = grad * (b * a ** (b - 1))
            zero_exp = _make(np.broadcast_to(b._data == 0, full._data.shape))
            full = where(zero_exp, _make(np.zeros((), full._data.dtype)), full)
            ga = sum_to(full, a._data.shape)
        if rb[0] is not None:
            r = self.result
            # PyTorch masks the log(0) term where the base is 0 so 0**b has a finite gradient.
            gb = sum_to(grad * r * where_positive_log(a), b._data.shape)
        return ga, gb

    def jvp(self, tangents):
        ta, tb = tangents
        a, b = self.fw_inputs
        r = self.fw_result
        return _add_tangents(
            ta * b * a ** (b - 1) if ta is not None else None,
            tb * r * where_positive_log(a) if tb is not None else None,
        )

    def rule(self) -> str:
        return "grad_self = grad · exponent · self^(exponent−1);  grad_exponent = grad · result · ln(self)"

    @staticmethod
    def samples():
        return [((_rand(2, 3), _rand(2, 3)), {})]


class RPow(Op):
    """``number ** tensor``."""

    node_name = "PowBackward2"
    aten = "aten::pow"
    inputs = ("exponent",)
    saves_result = True

    def forward(self, b):
        base = self.base
        return np.power(np.asarray(base, dtype=float_dtype_for(b)), b)

    def vjp(self, grad):
        return (grad * self.result * float(np.log(self.base)),)

    def jvp(self, tangents):
        return tangents[0] * self.fw_result * float(np.log(self.base))

    def rule(self) -> str:
        return f"grad_exponent = grad · result · ln({self.base})"

    @staticmethod
    def samples():
        return [((_rand(2, 3),), {"base": 2.5})]


def where_positive_log(a: Tensor) -> Tensor:
    from .compare import where

    return where(a > 0, a.log(), a * 0)


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


# ---- public functions and operators ----------------------------------------------------------------


def _binary(cls, a: Tensor, b, **params) -> Tensor:
    if not isinstance(b, Tensor):
        b = wrap(b, a)
    if a._data.dtype is not b._data.dtype:
        dt = promote(a, b)
        if dt is not None:
            params["out_dtype"] = dt
    return cls.apply(a, b, **params)


@public(method=True)
def add(input, other, *, alpha=1) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    return _binary(Add, input, other, alpha=alpha) if alpha != 1 else _binary(Add, input, other)


@public(method=True)
def sub(input, other, *, alpha=1) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    return _binary(Sub, input, other, alpha=alpha) if alpha != 1 else _binary(Sub, input, other)


subtract = public("subtract", method=True)(sub)


@public(method=True)
def rsub(input, other, *, alpha=1) -> Tensor:
    params = {"alpha": alpha} if alpha != 1 else {}
    if isinstance(other, Tensor):
        # rsub(tensor, tensor) is a different overload in PyTorch: RsubBackward0, two edges.
        return _binary(Rsub, input, other, **params)
    return _rsub_scalar(input, other, **params)


def _rsub_scalar(input: Tensor, number, **params) -> Tensor:
    other = wrap(number, input)
    dt = promote(input, other)
    if dt is not None:
        params["out_dtype"] = dt
    return RsubScalar.apply(input, other=other._data, **params)


@public(method=True)
def mul(input, other) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    return _binary(Mul, input, other)


multiply = public("multiply", method=True)(mul)


@public(method=True)
def div(input, other, *, rounding_mode=None) -> Tensor:
    if not isinstance(input, Tensor):
        input = wrap(input, other)
    if rounding_mode is not None:
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(
                f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'"
            )
        # a number is wrapped as a tensor, as PyTorch's Tensor_mode overload does (DivBackward2 too)
        return _binary(DivRounding, input, other, rounding_mode=rounding_mode)
    return _binary(Div, input, other)


divide = public("divide", method=True)(div)
true_divide = public("true_divide", method=True)(div)


@public(method=True)
def neg(input) -> Tensor:
    return Neg.apply(input)


negative = public("negative", method=True)(neg)


@public(method=True)
def reciprocal(input) -> Tensor:
    return Reciprocal.apply(input)


@public(method=True)
def pow(input, exponent) -> Tensor:
    if not isinstance(input, Tensor):
        return RPow.apply(exponent, base=input)
    if isinstance(exponent, Tensor):
        return _binary(Pow, input, exponent)
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        if isinstance(exponent, float) and input._data.dtype.kind != "f":
            # int tensor ** float -> default float, like PyTorch
            pass
        return PowScalar.apply(input, exponent=exponent)
    raise TypeError(f"pow(): exponent must be a Tensor or a number, got {type(exponent).__name__}")


@public(method=True)
def square(input) -> Tensor:
    return PowScalar.apply(input, exponent=2)


def _rtruediv(self, other):
    # PyTorch evaluates `number / tensor` as reciprocal(tensor) * number.
    return Reciprocal.apply(self) * other


def _rpow(self, other):
    return RPow.apply(self, base=other)


def _rsub(self, other):
    if isinstance(other, Tensor):
        return _binary(Rsub, self, other)
    return _rsub_scalar(self, other)


def _operator(cls):
    """``tensor <op> other`` with the common case (another tensor of the same dtype) one call deep."""
    apply = cls.apply

    def operator(self, other):
        oc = other.__class__
        if oc is not Tensor:
            dt = self._data.dtype
            if (oc is float or oc is int) and dt.kind == "f":
                # wrap()'s common case: a number meeting a float tensor takes the tensor's dtype.
                return apply(self, _make(np.array(other, dt)))
            if not isinstance(other, Tensor):
                other = wrap(other, self)
        if self._data.dtype is other._data.dtype:
            return apply(self, other)
        return _binary(cls, self, other)

    return operator


Tensor.__add__ = _operator(Add)
Tensor.__radd__ = Tensor.__add__
Tensor.__sub__ = _operator(Sub)
Tensor.__rsub__ = _rsub
Tensor.__mul__ = _operator(Mul)
Tensor.__rmul__ = Tensor.__mul__
Tensor.__truediv__ = _operator(Div)
Tensor.__rtruediv__ = _rtruediv
Tensor.__pow__ = pow
Tensor.__rpow__ = _rpow
Tensor.__neg__ = neg


def _inplace(cls):
    def method(self, other, **params):
        if not isinstance(other, Tensor):
            other = wrap(other, self)
        dt = promote(self, other)
        if dt is not None:
            # Compute in the promoted type so a refused cast names it as PyTorch does (Float, not Double).
            params["out_dtype"] = dt
        return cls.apply_(self, other, **params)

    return method


_iadd, _isub, _imul, _idiv = _inplace(Add), _inplace(Sub), _inplace(Mul), _inplace(Div)


@method("add_")
def add_(self, other, *, alpha=1):
    return _iadd(self, other, alpha=alpha) if alpha != 1 else _iadd(self, other)


@method("sub_")
def sub_(self, other, *, alpha=1):
    return _isub(self, other, alpha=alpha) if alpha != 1 else _isub(self, other)


@method("mul_")
def mul_(self, other):
    return _imul(self, other)


@method("div_")
def div_(self, other):
    return _idiv(self, other)


@method("neg_")
def neg_(self):
    return Neg.apply_(self)


@method("pow_")
def pow_(self, exponent):
    if isinstance(exponent, Tensor):
        return Pow.apply_(self, exponent)
    return PowScalar.apply_(self, exponent=exponent)


Tensor.__iadd__ = add_
Tensor.__isub__ = sub_
Tensor.__imul__ = mul_
Tensor.__itruediv__ = div_
