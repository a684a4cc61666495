"""The public-name table: ops files declare their functions here; ``engine`` and ``Tensor`` pick them up.

``@public()`` makes a function ``engine.<name>``; ``method=True`` also makes it ``Tensor.<name>``
(with the tensor as the first argument), so each function is written once.
"""

from __future__ import annotations

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
