"""NumPy spellings of keyword arguments: ``axis=`` for ``dim=``, ``keepdims=`` for ``keepdim=``.

PyTorch's argument parser accepts them on every function and method bound from C++
(``x.sum(1, keepdims=True)`` in makemore, ``x.mean(axis=0)``). Here each public function or method
with a ``dim``/``keepdim`` parameter gets a thin wrapper that renames them; calls without keyword
arguments pass straight through.
"""

from __future__ import annotations

import functools
import inspect

from ._tensor import Tensor

_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def _accepts_aliases(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return any(name in params for name in _ALIASES.values()) and not any(alias in params for alias in _ALIASES)


def _with_aliases(fn):
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if kwargs:
            for alias, name in _ALIASES.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got multiple values for argument '{name}'")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return call


def install(namespace: dict, functions: dict, methods: dict) -> None:
    """Wrap the registered public functions (in ``namespace``) and Tensor methods that take ``dim``."""
    wrapped: dict = {}
    for name in functions:
        fn = namespace.get(name)
        if fn is not None and callable(fn) and _accepts_aliases(fn):
            namespace[name] = wrapped.setdefault(id(fn), _with_aliases(fn))
    for name in methods:
        fn = Tensor.__dict__.get(name)
        if fn is not None and inspect.isfunction(fn) and _accepts_aliases(fn):
            setattr(Tensor, name, wrapped.setdefault(id(fn), _with_aliases(fn)))
