"""``out=`` for the common math, matmul and reduction functions, with PyTorch's rules:

* no autograd: if grad mode is on and an input (or ``out``) requires grad, it is an error;
* ``out`` is resized to the result's shape (with PyTorch's deprecation warning when it had elements);
* the result is cast to ``out``'s dtype when PyTorch's casting rule allows it (no float into an
  integer ``out``, no anything but bool into a bool ``out``);
* ``out`` itself is returned, its storage written in place and its version bumped.
"""

from __future__ import annotations

import functools
import inspect
import warnings

import numpy as np

from ._tensor import Tensor, _scalar_type_name
from .autograd.grad_mode import is_grad_enabled

OUT_FUNCTIONS = (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "matmul", "mm", "bmm", "mv", "dot",
    "addmm", "sum", "mean", "prod", "pow", "exp", "log", "log2", "log10", "sqrt", "rsqrt", "abs", "neg", "sin", "cos",
    "tan", "tanh", "sigmoid", "clamp", "clip", "maximum", "minimum", "cat", "stack", "amax", "amin", "std", "var",
    "floor", "ceil", "round", "sign", "reciprocal", "exp2", "expm1", "log1p", "sinh", "cosh", "asin", "acos", "atan",
    "remainder", "fmod", "logsumexp", "square", "lerp", "addcmul", "addcdiv", "argmax", "argmin", "eq", "ne", "lt",
    "le", "gt", "ge", "where", "norm",
)
_RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape {old}, which does not match the required "
    "output shape {new}. This behavior is deprecated, and in a future PyTorch release outputs will not be resized "
    "unless they have zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
    "elements with t.resize_(0)."
)
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _tensors_in(values) -> list:
    found = []
    for v in values:
        if isinstance(v, Tensor):
            found.append(v)
        elif isinstance(v, (list, tuple)):
            found.extend(x for x in v if isinstance(x, Tensor))
    return found


def _type_name(np_dtype) -> str:
    return _scalar_type_name(np_dtype)


def write_out(name: str, result: Tensor, out: Tensor) -> Tensor:
    """Copy ``result`` into ``out`` following PyTorch's resize and casting rules."""
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
    src, dst = result._data.dtype, out._data.dtype
    if _KIND_RANK[src.kind] > _KIND_RANK[dst.kind]:
        raise RuntimeError(f"result type {_type_name(src)} can't be cast to the desired output type {_type_name(dst)}")
    if out._data.shape != result._data.shape:
        if out._data.size != 0:
            warnings.warn(_RESIZE_WARNING.format(old=list(out._data.shape), new=list(result._data.shape)),
                          UserWarning, stacklevel=3)
        out._data = np.empty(result._data.shape, dtype=dst)
    out._data[...] = result._data
    out._vc[0] += 1
    return out


def with_out(name: str, fn):
    """Wrap ``fn`` so that it accepts ``out=`` (everything else passes through untouched)."""

    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if is_grad_enabled() and any(t.requires_grad for t in _tensors_in([*args, *kwargs.values(), out])):
            raise RuntimeError(
                f"{name}(): functions with out=... arguments don't support automatic differentiation, but one of "
                "the arguments requires grad."
            )
        return write_out(name, fn(*args, **kwargs), out)

    return wrapper


def install(namespace: dict) -> None:
    for name in OUT_FUNCTIONS:
        fn = namespace.get(name)
        if fn is not None and "out" not in _parameters(fn):
            namespace[name] = with_out(name, fn)


def _parameters(fn) -> tuple:
    try:
        return tuple(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return ()
