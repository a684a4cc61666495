"""``vmap``: map a function over a batch dimension.

The engine has no batching rules; it runs the function once per batch element and stacks the
results (the brief allows a loop). Results, shapes and the errors for inconsistent inputs match
PyTorch's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from .._tensor import Tensor
from ..ops.joining import stack
from ._pytree import spec_text, tree_flatten, tree_unflatten


def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def _expand_dims(in_dims, args: tuple, func) -> list:
    """One in_dim (int or None) per flattened argument leaf."""
    if isinstance(in_dims, int):
        dims_tree = tuple(in_dims for _ in args)
    elif isinstance(in_dims, tuple):
        if len(in_dims) != len(args):
            _, dims_spec = tree_flatten(in_dims)
            _, args_spec = tree_flatten(args)
            raise ValueError(
                f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible with the "
                f"structure of `inputs`. in_dims has structure {spec_text(dims_spec)} but inputs has structure "
                f"{spec_text(args_spec)}."
            )
        dims_tree = in_dims
    else:
        raise ValueError(
            f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): expected `in_dims` to be int or a (potentially "
            f"nested) tuple matching the structure of inputs, got: {type(in_dims)}."
        )
    dims = []
    for arg, d in zip(args, dims_tree):
        leaves, _ = tree_flatten(arg)
        if d is None or isinstance(d, int):
            dims.extend([d] * len(leaves))
        else:  # a nested structure of dims for this argument
            sub, _ = tree_flatten(d)
            if len(sub) != len(leaves):
                raise ValueError(f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): in_dims is not compatible "
                                 "with the structure of `inputs`.")
            dims.extend(sub)
    return dims


def _batch_size(leaves: list, dims: list, func, in_dims) -> int:
    sizes = []
    for x, d in zip(leaves, dims):
        if d is None:
            continue
        if not isinstance(x, Tensor):
            raise ValueError(
                f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for an input but the input "
                f"is of type {type(x)}. We cannot vmap over non-Tensor arguments, please use None as the respective "
                "in_dim"
            )
        if not -x.dim() <= d < x.dim():
            raise ValueError(
                f"vmap({_name(func)}, in_dims={in_dims}, ...)(<inputs>): Got in_dim={d} for some input, but that "
                f"input is a Tensor of dimensionality {x.dim()} so expected in_dim to satisfy "
                f"-{x.dim()} <= in_dim < {x.dim()}."
            )
        sizes.append(x.shape[d])
    if not sizes:
        raise ValueError("vmap: Expected at least one Tensor to vmap over")
    if len(set(sizes)) != 1:
        raise ValueError(
            f"vmap: Expected all tensors to have the same size in the mapped dimension, got sizes {sizes} for the "
            "mapped dimension"
        )
    return sizes[0]


def vmap(func: Callable, in_dims=0, out_dims=0, randomness: str = "error", *, chunk_size=None) -> Callable:
    """``vmap(f)(xs) == stack([f(x) for x in xs])`` along ``in_dims``/``out_dims``."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        leaves, spec = tree_flatten(args)
        dims = _expand_dims(in_dims, args, func)
        size = _batch_size(leaves, dims, func, in_dims)
        results = []
        for b in range(size):
            sliced = [x.select(d, b) if d is not None else x for x, d in zip(leaves, dims)]
            results.append(func(*tree_unflatten(sliced, spec), **kwargs))
        per_call = [tree_flatten(r) for r in results]
        out_spec = per_call[0][1]
        n_out = len(per_call[0][0])
        if isinstance(out_dims, int) or out_dims is None:
            odims = [out_dims] * n_out
        else:
            odims, odims_spec = tree_flatten(out_dims)
            if len(odims) != n_out:
                raise ValueError(
                    f"vmap({_name(func)}, ..., out_dims={out_dims})(<inputs>): out_dims is not compatible with the "
                    f"structure of `outputs`. out_dims has structure {spec_text(odims_spec)} but outputs has "
                    f"structure {spec_text(out_spec)}."
                )
        stacked = []
        for k in range(n_out):
            column = [leaves_k[0][k] for leaves_k in per_call]
            od = odims[k]
            if od is None:
                stacked.append(column[0])
                continue
            if not isinstance(column[0], Tensor):
                raise ValueError(
                    f"vmap({_name(func)}, ...): `{_name(func)}` must only return Tensors, got type "
                    f"{type(column[0])}. Did you mean to set out_dims= to None for output?"
                )
            rank = column[0].dim() + 1
            stacked.append(stack(column, dim=od % rank))
        return tree_unflatten(stacked, out_spec)

    return wrapper
