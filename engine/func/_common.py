"""What the torch.func transforms share: argnums handling, nesting, and tracked inputs.

Nesting: a transform called inside another one (``hessian = jacrev(jacrev(f))``, ``grad(grad(f))``)
must return results that stay differentiable, so it builds its backward graph
(``create_graph=True``). The outermost call returns plain tensors, as PyTorch's do, unless an
argument itself requires grad (then the results connect to it like any autograd computation).
"""

from __future__ import annotations

from .._tensor import Tensor
from ._pytree import tree_flatten, tree_unflatten

_DEPTH = [0]


class transform_level:  # noqa: N801 - used like a context manager flag
    """Counts how many transforms are running, to know whether results must stay differentiable."""

    def __enter__(self) -> int:
        _DEPTH[0] += 1
        return _DEPTH[0]

    def __exit__(self, *exc) -> None:
        _DEPTH[0] -= 1


class ForwardOverReverse(Exception):
    """Raised by a reverse-mode transform that receives dual (forward-mode) inputs; the enclosing
    forward-mode transform then recomputes with reverse mode, which gives the same numbers."""


def needs_graph(args) -> bool:
    """True when results must stay differentiable: nested in a transform, or an input requires grad."""
    if _DEPTH[0] > 1:
        return True
    leaves, _ = tree_flatten(list(args))
    return any(isinstance(x, Tensor) and x.requires_grad for x in leaves)


def check_argnums(argnums, nargs: int) -> tuple[bool, tuple]:
    """(was argnums a tuple, the positions as a tuple) with PyTorch's messages."""
    as_tuple = isinstance(argnums, tuple)
    positions = argnums if as_tuple else (argnums,)
    if as_tuple and len(positions) == 0:
        raise RuntimeError("argnums must be non-empty")
    for a in positions:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(a)}")
        if not -nargs <= a < nargs:
            raise RuntimeError(f"Got argnum={a}, but only {nargs} positional inputs")
    return as_tuple, tuple(a % nargs for a in positions)


def track(x: Tensor) -> Tensor:
    """A fresh differentiable handle on ``x``: connected to ``x``'s graph when ``x`` requires grad
    (so outer transforms see through), a new leaf otherwise."""
    if not isinstance(x, Tensor):
        raise RuntimeError(f"Expected tensors as the differentiated inputs, got {type(x)}")
    if x._fw_grad is not None:
        raise ForwardOverReverse
    if x.requires_grad:
        return x.view_as(x)
    return x.detach().requires_grad_(True)


def tracked_args(args: tuple, positions: tuple):
    """Replace the differentiated arguments by tracked handles; return (new args, flat handles,
    the pytree spec of the differentiated arguments)."""
    chosen = tuple(args[p] for p in positions)
    leaves, spec = tree_flatten(chosen)
    handles = [track(x) for x in leaves]
    rebuilt = tree_unflatten(handles, spec)
    new_args = list(args)
    for p, value in zip(positions, rebuilt):
        new_args[p] = value
    return tuple(new_args), handles, spec


def pack_per_input(values: list, spec, argnums_was_tuple: bool):
    """Put per-leaf results back into the structure of the differentiated arguments."""
    rebuilt = tree_unflatten(values, spec)  # a tuple, one entry per argnum
    return rebuilt if argnums_was_tuple else rebuilt[0]


def detach_tree(tree):
    leaves, spec = tree_flatten(tree)
    return tree_unflatten([x.detach() if isinstance(x, Tensor) else x for x in leaves], spec)
