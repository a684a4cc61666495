"""A minimal pytree: flatten nested tuples, lists, dicts (and named tuples) to their leaves and back.

torch.func transforms accept and return such structures (a dict of parameters is the usual one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _is_namedtuple(obj) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def tree_flatten(tree) -> tuple[list, Any]:
    """(leaves in order, a spec that ``tree_unflatten`` rebuilds the structure from)."""
    leaves: list = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            kind = type(node) if _is_namedtuple(node) else (list if isinstance(node, list) else tuple)
            return (kind, None, [walk(c) for c in node])
        if isinstance(node, dict):
            keys = list(node)
            return (dict, keys, [walk(node[k]) for k in keys])
        leaves.append(node)
        return None

    spec = walk(tree)
    return leaves, spec


def tree_unflatten(leaves, spec):
    it = iter(leaves)

    def build(s):
        if s is None:
            return next(it)
        kind, keys, children = s
        built = [build(c) for c in children]
        if kind is dict:
            return dict(zip(keys, built))
        if kind in (list, tuple):
            return kind(built)
        return kind(*built)  # a named tuple

    return build(spec)


def tree_map(fn: Callable, tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([fn(x) for x in leaves], spec)


def spec_text(spec, indent: int = 0) -> str:
    """The structure as PyTorch's ``TreeSpec`` repr prints it (for vmap's error messages):
    ``TreeSpec(tuple, None, [*,\n  *])`` — children after the first on new lines, indented by two
    more spaces per level; ``*`` is a leaf."""
    if spec is None:
        return "*"
    kind, keys, children = spec
    inner = indent + 2
    parts = [spec_text(c, inner) for c in children]
    body = (",\n" + " " * inner).join(parts)
    return f"TreeSpec({kind.__name__}, {keys}, [{body}])"
