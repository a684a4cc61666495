"""Reverse-mode transforms: ``grad``, ``grad_and_value``, ``vjp``, ``jacrev`` and ``hessian``.

Each runs the function on tracked copies of the inputs and calls ``engine.autograd.grad`` — one
backward for ``grad``/``vjp``, one per output element for ``jacrev`` (PyTorch vectorises those
rows with vmap; a loop gives the same numbers).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from .._tensor import Tensor, _make
from ..autograd import grad as autograd_grad
from ..autograd.grad_mode import enable_grad
from ..ops.joining import stack
from ._common import (
    check_argnums,
    detach_tree,
    needs_graph,
    pack_per_input,
    tracked_args,
    transform_level,
)
from ._pytree import tree_flatten, tree_unflatten


def _grads(outputs, handles, grad_outputs, create_graph: bool) -> list:
    """Gradients for every handle (zeros where an input was not used, or no output depends on the
    inputs at all — PyTorch's transforms return zeros there, not an error)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or [None] * len(outputs)) if o.requires_grad]
    found = [None] * len(handles)
    if pairs:
        found = autograd_grad([o for o, _ in pairs], handles,
                              grad_outputs=None if grad_outputs is None else [g for _, g in pairs],
                              retain_graph=True, create_graph=create_graph, allow_unused=True)
    return [g if g is not None else _make(np.zeros_like(h._data)) for g, h in zip(found, handles)]


def _split_aux(out, has_aux: bool, api: str):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(f"{api}(f)(*args): output of function f should be a tuple: (output, aux) "
                           "if has_aux is True")
    return out


def grad_and_value(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """``f -> (x -> (∇f(x), f(x)))`` for a function returning a one-element tensor."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transform_level():
            as_tuple, positions = check_argnums(argnums, len(args))
            keep = needs_graph(args)
            with enable_grad():
                new_args, handles, spec = tracked_args(args, positions)
                out, aux = _split_aux(func(*new_args, **kwargs), has_aux, "grad_and_value")
                if not isinstance(out, Tensor):
                    raise RuntimeError(
                        f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}"
                    )
                if out.numel() != 1:
                    raise RuntimeError(
                        f"grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor with "
                        f"{out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                    )
                grads = _grads((out,), handles, None, keep)
            result = pack_per_input(grads, spec, as_tuple)
            if not keep:
                out, aux = out.detach(), detach_tree(aux)
            return (result, (out, aux)) if has_aux else (result, out)

    return wrapper


def grad(func: Callable, argnums=0, has_aux: bool = False) -> Callable:
    """``f -> ∇f``: the gradient of a scalar-valued function with respect to ``args[argnums]``."""
    inner = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        gradient, value = inner(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def vjp(func: Callable, *primals, has_aux: bool = False):
    """``(f(*primals), vjp_fn)`` where ``vjp_fn(cotangents)`` returns one gradient per primal."""
    with transform_level():
        keep = needs_graph(primals)
        with enable_grad():
            new_args, handles, spec = tracked_args(primals, tuple(range(len(primals))))
            out, aux = _split_aux(func(*new_args), has_aux, "vjp")
        out_leaves, out_spec = tree_flatten(out)
        for leaf in out_leaves:
            if not isinstance(leaf, Tensor):
                raise RuntimeError(f"vjp(f, *primals): Expected f to be a function that has Tensor outputs, "
                                   f"but found an output of type {type(leaf)}")

    def vjp_fn(cotangents, retain_graph: bool = True, create_graph=None):
        """One gradient per primal for ``cotangents`` shaped like the function's output."""
        flat, _ = tree_flatten(cotangents)
        if len(flat) != len(out_leaves):
            raise RuntimeError("Expected pytree structure of cotangents to be the same as pytree structure of "
                               "outputs to the function")
        for c, o in zip(flat, out_leaves):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {c.shape} and output[0] "
                                   f"has a shape of {o.shape}.")
        with transform_level(), enable_grad():
            graph = create_graph if create_graph is not None else (keep or needs_graph(flat))
            grads = _grads(tuple(out_leaves), handles, tuple(flat), graph)
        return tuple(tree_unflatten(grads, spec))

    shown = out if keep else detach_tree(out)
    return (shown, vjp_fn, detach_tree(aux) if not keep else aux) if has_aux else (shown, vjp_fn)


def _one_hot(out: Tensor, j: int) -> Tensor:
    row = np.zeros(out._data.size, dtype=out._data.dtype)
    row[j] = 1
    return _make(row.reshape(out._data.shape))


def _jacobian_block(out: Tensor, handles: list, keep: bool) -> list:
    """d out / d handle for every handle, each shaped ``out.shape + handle.shape``."""
    n = out.numel()
    rows = [_grads((out,), handles, (_one_hot(out, j),), keep) for j in range(n)]
    blocks = []
    for i, h in enumerate(handles):
        shape = tuple(out.shape) + tuple(h.shape)
        if n == 0:
            blocks.append(_make(np.zeros(shape, dtype=h._data.dtype)))
        else:
            blocks.append(stack([r[i] for r in rows]).reshape(shape))
    return blocks


def jacrev(func: Callable, argnums=0, *, has_aux: bool = False, chunk_size=None, _preallocate_and_copy=False):
    """``f -> J_f`` by reverse mode, one vector-Jacobian product per output element."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transform_level():
            as_tuple, positions = check_argnums(argnums, len(args))
            keep = needs_graph(args)
            with enable_grad():
                new_args, handles, spec = tracked_args(args, positions)
                out, aux = _split_aux(func(*new_args, **kwargs), has_aux, "jacrev")
                out_leaves, out_spec = tree_flatten(out)
                per_output = []
                for o in out_leaves:
                    if not isinstance(o, Tensor):
                        raise RuntimeError(f"jacrev(f, ...)(*args): expected f(*args) to return only tensors, "
                                           f"got unsupported type {type(o)}")
                    per_output.append(pack_per_input(_jacobian_block(o, handles, keep), spec, as_tuple))
            jac = tree_unflatten(per_output, out_spec)
            if not keep:
                jac = detach_tree(jac)
            return (jac, aux if keep else detach_tree(aux)) if has_aux else jac

    return wrapper


def hessian(func: Callable, argnums=0):
    """Second derivatives. PyTorch composes ``jacfwd(jacrev(f))``; the engine uses reverse over
    reverse (``jacrev(jacrev(f))``), which gives the same matrix."""
    return jacrev(jacrev(func, argnums), argnums)
