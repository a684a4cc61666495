"""``torch.utils.checkpoint``: activation checkpointing trades memory for recomputation.

The non-reentrant variant (PyTorch's recommendation) records the ordinary graph, so here
``checkpoint(fn, *args)`` simply runs ``fn``: same values, same gradients, same node names; only
the memory saving is absent.
"""

from __future__ import annotations


def checkpoint(function, *args, use_reentrant=None, context_fn=None, determinism_check="default",
               debug=False, preserve_rng_state=True, **kwargs):
    return function(*args, **kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    modules = list(functions.children()) if hasattr(functions, "children") else list(functions)
    for module in modules:
        input = module(input)
    return input
