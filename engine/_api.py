"""The public-name table: ops declare their functions here; ``engine`` and ``Tensor`` pick them up.

Two ways in:

* An :class:`~engine._op.Op` class declares its surface with class attributes, and defining the class
  calls :func:`expose` (from ``Op.__init_subclass__``)::

      class Atan2(BinaryPointwise):
          function = "atan2"        # engine.atan2(input, other)
          method = True             # Tensor.atan2(other)
          inplace = "method"        # Tensor.atan2_ (True: engine.atan2_ too)
          aliases = ("arctan2",)    # the same function (and in-place form) under other names
          promote = "float"         # integer inputs compute in the default float type

* ``@public()`` makes a hand-written function ``engine.<name>``; ``method=True`` also makes it
  ``Tensor.<name>`` (with the tensor as the first argument). Hand-written wrappers are for
  signatures the generator does not cover (keyword parameters, overloads on argument types).

``promote`` says how the generated function treats dtypes, as PyTorch's TensorIterator does:
``None`` passes the tensors through (numbers are wrapped for binary ops); ``"binary"`` wraps numbers
and computes in the promoted dtype (``out_dtype``: int tensor + float tensor -> float);
``"float"`` is ``"binary"`` and then integer/bool results in the default float (sin, atan2).
"""

from __future__ import annotations

from ._promotion import float_dtype_for, promote, wrap
from ._tensor import Tensor

FUNCTIONS: dict = {}
METHODS: dict = {}


def public(name: str | None = None, *, method: bool = False, function: bool = True, method_name: str | None = None):
    def register(fn):
        key = name or fn.__name__
        if function:
            FUNCTIONS[key] = fn
        if method or method_name:
            METHODS[method_name or key] = fn
        return fn

    return register


def method(name: str | None = None):
    """Register a Tensor-only method (no ``engine.<name>`` function)."""
    return public(name, method=True, function=False)


# ---- the surface an Op class declares ------------------------------------------------------------


def expose(cls) -> None:
    """Register the functions, methods, in-place forms and aliases ``cls``'s attributes declare."""
    arity = len(cls.inputs)
    if arity not in (1, 2):
        raise TypeError(f"{cls.__qualname__}: generated functions take one or two tensors; write a wrapper")
    make = _unary if arity == 1 else _binary
    for name in (cls.function, *cls.aliases):
        # Fresh closures per name: each carries its own __name__ and docstring. A Tensor-only binary
        # op's method counts argument positions without self, as PyTorch's errors do: its own closure.
        fn, fn_ = make(cls, name, 1)
        _describe(fn, name, cls)
        _register(fn, name, function=True, method=bool(cls.method) and (arity == 1 or cls.numbers))
        if cls.method and arity == 2 and not cls.numbers:
            as_method, fn_ = make(cls, name, 0)
            _describe(as_method, name, cls)
            _register(as_method, name, function=False, method=True)
        if cls.inplace:
            _describe(fn_, name + "_", cls, inplace=True)
            _register(fn_, name + "_", function=cls.inplace != "method", method=True)


def _register(fn, name: str, *, function: bool, method: bool) -> None:
    if function:
        FUNCTIONS[name] = fn
    if method:
        METHODS[name] = fn


def _describe(fn, name: str, cls, inplace: bool = False) -> None:
    """Name a generated function and give it a docstring naming the node it makes."""
    fn.__name__ = fn.__qualname__ = name
    args = "input" if len(cls.inputs) == 1 else f"input, {cls.inputs[1]}"
    if inplace:
        fn.__doc__ = f"{name}({args}) -> Tensor\n\nIn-place version of {name[:-1]}()."
    else:
        summary = (cls.__doc__ or "").strip().split("\n")[0].rstrip(".") or f"Elementwise {cls.function}"
        fn.__doc__ = f"{name}({args}) -> Tensor\n\n{summary} (grad_fn {cls.node_name})."


def _unary(cls, name: str, first: int):
    apply, apply_ = cls.apply, cls.apply_

    # "float" promotion of one input happens in the op's forward (see Op.__init_subclass__): it must
    # apply to the in-place form too, where the error names the float result type as PyTorch does.
    def fn(input):
        return apply(input)

    def fn_(input):
        return apply_(input)

    return fn, fn_


def _not_tensor(name: str, arg: str, position: int, value) -> TypeError:
    return TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, not {type(value).__name__}")


def _binary(cls, name: str, first: int):
    """The function (``first`` = 1: input is argument 1) or method (0: self is not counted)."""
    apply, apply_ = cls.apply, cls.apply_
    rule = cls.promote
    other_name = cls.inputs[1]
    if not cls.numbers:
        def tensors(input, other):
            if not isinstance(input, Tensor):
                raise _not_tensor(name, "input", 1, input)
            if not isinstance(other, Tensor):
                raise _not_tensor(name, other_name, first + 1, other)
            return input, other
    else:
        def tensors(input, other):
            if not isinstance(input, Tensor):
                input = wrap(input, other)
            if not isinstance(other, Tensor):
                other = wrap(other, input)
            return input, other
    if rule is None:
        def fn(input, other):
            return apply(*tensors(input, other))

        def fn_(input, other):
            return apply_(*tensors(input, other))

        return fn, fn_
    to_float = rule == "float"

    def out_dtype(a: Tensor, b: Tensor):
        dt = promote(a, b)  # None: both already share a dtype
        if to_float and (a._data.dtype if dt is None else dt).kind != "f":
            return float_dtype_for(a._data if a._data.dtype.kind == "f" else b._data)
        return dt

    def fn(input, other):
        input, other = tensors(input, other)
        dt = out_dtype(input, other)
        return apply(input, other) if dt is None else apply(input, other, out_dtype=dt)

    def fn_(input, other):
        input, other = tensors(input, other)
        dt = out_dtype(input, other)
        # Computed in the promoted type, so a refused cast names it as PyTorch does (Float, not Double).
        return apply_(input, other) if dt is None else apply_(input, other, out_dtype=dt)

    return fn, fn_

