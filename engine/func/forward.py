"""Forward-mode transforms: ``jvp`` and ``jacfwd`` on ``engine.autograd.forward_ad`` dual tensors.

Nested inside a reverse-mode transform (the inputs require grad) or wrapping one (a reverse
transform receives dual inputs), the engine's forward tangents would not be differentiable, so the
same quantities are computed with reverse mode instead: ``jvp`` by PyTorch's double-backward trick
(``J v = d/du <J^T u, v>``), ``jacfwd`` as ``jacrev``. The numbers are the same.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from .._tensor import Tensor, _make
from ..autograd import forward_ad
from ..autograd import grad as autograd_grad
from ..autograd.grad_mode import enable_grad
from ..ops.joining import stack
from ._common import (
    ForwardOverReverse,
    check_argnums,
    detach_tree,
    needs_graph,
    tracked_args,
    transform_level,
)
from ._pytree import tree_flatten, tree_unflatten
from .reverse import jacrev


def _tangent_or_zeros(t: Tensor, like: Tensor) -> Tensor:
    return t if t is not None else _make(np.zeros_like(like._data))


def _check_primals(primals, tangents) -> None:
    if not isinstance(primals, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals to be a tuple. "
                           "E.g. it should be valid to call f(*primals).")
    if not isinstance(tangents, tuple):
        raise RuntimeError("jvp(f, primals, tangents): Expected tangents to be a tuple. "
                           "E.g. it should be valid to call f(*primals).")


def jvp(func: Callable, primals: tuple, tangents: tuple, *, strict: bool = False, has_aux: bool = False):
    """``(f(*primals), J·tangents)``: a Jacobian-vector product by forward mode."""
    _check_primals(primals, tangents)
    p_leaves, p_spec = tree_flatten(primals)
    t_leaves, t_spec = tree_flatten(tangents)
    if len(p_leaves) != len(t_leaves):
        raise RuntimeError("jvp(f, primals, tangents): Expected primals and tangents to have the same python "
                           f"structure. For example, if primals is a tuple of 3 tensors, tangents also must be. "
                           f"Got primals with structure {p_spec} and tangents with structure {t_spec}")
    with transform_level():
        if needs_graph(primals):
            return _jvp_by_double_backward(func, primals, t_leaves, has_aux)
        try:
            return _jvp_forward(func, p_leaves, p_spec, t_leaves, has_aux)
        except ForwardOverReverse:
            return _jvp_by_double_backward(func, primals, t_leaves, has_aux)


def _jvp_forward(func, p_leaves, p_spec, t_leaves, has_aux):
    with forward_ad.dual_level():
        duals = [forward_ad.make_dual(p, t) for p, t in zip(p_leaves, t_leaves)]
        out = func(*tree_unflatten(duals, p_spec))
        out, aux = out if has_aux else (out, None)
        leaves, spec = tree_flatten(out)
        primal_out, tangent_out = [], []
        for o in leaves:
            primal, tangent = forward_ad.unpack_dual(o)
            primal_out.append(primal.detach())
            tangent_out.append(_tangent_or_zeros(tangent, primal).detach())
    result = (tree_unflatten(primal_out, spec), tree_unflatten(tangent_out, spec))
    return (*result, detach_tree(aux)) if has_aux else result


def _jvp_by_double_backward(func, primals, t_leaves, has_aux):
    with enable_grad():
        new_args, handles, _ = tracked_args(primals, tuple(range(len(primals))))
        out = func(*new_args)
        out, aux = out if has_aux else (out, None)
        leaves, spec = tree_flatten(out)
        dummies = [_make(np.zeros_like(o._data)).requires_grad_(True) for o in leaves]
        live = [i for i, o in enumerate(leaves) if o.requires_grad]
        found = [None] * len(dummies)
        if live:
            vjps = autograd_grad([leaves[i] for i in live], handles, grad_outputs=[dummies[i] for i in live],
                                 create_graph=True, allow_unused=True)
            used = [(g, t) for g, t in zip(vjps, t_leaves) if g is not None and g.requires_grad]
            if used:
                grads = autograd_grad([g for g, _ in used], [dummies[i] for i in live],
                                      grad_outputs=[t for _, t in used], create_graph=True, allow_unused=True)
                for i, g in zip(live, grads):
                    found[i] = g
    tangent_out = [_tangent_or_zeros(f, o) for f, o in zip(found, leaves)]
    result = (tree_unflatten(leaves, spec), tree_unflatten(tangent_out, spec))
    return (*result, aux) if has_aux else result


def jacfwd(func: Callable, argnums=0, has_aux: bool = False, *, randomness: str = "error"):
    """``f -> J_f`` by forward mode: one Jacobian-vector product per input element."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with transform_level():
            as_tuple, positions = check_argnums(argnums, len(args))
            if not needs_graph(args):
                try:
                    return _jacfwd_forward(func, args, kwargs, positions, as_tuple, has_aux)
                except ForwardOverReverse:
                    pass
        return jacrev(func, argnums, has_aux=has_aux)(*args, **kwargs)

    return wrapper


def _jacfwd_forward(func, args, kwargs, positions, as_tuple, has_aux):
    chosen = tuple(args[p] for p in positions)
    in_leaves, in_spec = tree_flatten(chosen)
    columns: list = []  # columns[i][k]: output leaves' tangents for input leaf i, element k
    out_spec = aux = None
    primal_leaves = None
    for i, x in enumerate(in_leaves):
        cols = []
        for k in range(max(x.numel(), 0)):
            basis = np.zeros(x._data.size, dtype=x._data.dtype)
            basis[k] = 1
            with forward_ad.dual_level():
                duals = list(in_leaves)
                duals[i] = forward_ad.make_dual(x, _make(basis.reshape(x._data.shape)))
                rebuilt = tree_unflatten(duals, in_spec)
                call_args = list(args)
                for p, value in zip(positions, rebuilt):
                    call_args[p] = value
                out = func(*call_args, **kwargs)
                out, aux = out if has_aux else (out, None)
                leaves, out_spec = tree_flatten(out)
                unpacked = [forward_ad.unpack_dual(o) for o in leaves]
                primal_leaves = [u.primal.detach() for u in unpacked]
                cols.append([_tangent_or_zeros(u.tangent, u.primal).detach() for u in unpacked])
        columns.append(cols)
    if primal_leaves is None:  # every input is empty: one plain call gives the output shapes
        out = func(*args, **kwargs)
        out, aux = out if has_aux else (out, None)
        primal_leaves, out_spec = tree_flatten(out)
    per_output = []
    for j, o in enumerate(primal_leaves):
        blocks = []
        for i, x in enumerate(in_leaves):
            shape = tuple(o.shape) + tuple(x.shape)
            if not columns[i]:
                blocks.append(_make(np.zeros(shape, dtype=o._data.dtype)))
            else:
                stacked = stack([c[j] for c in columns[i]], dim=-1) if o.dim() else stack([c[j] for c in columns[i]])
                blocks.append(stacked.reshape(shape))
        rebuilt = tree_unflatten(blocks, in_spec)
        per_output.append(rebuilt if as_tuple else rebuilt[0])
    jac = tree_unflatten(per_output, out_spec)
    return (jac, detach_tree(aux)) if has_aux else jac
