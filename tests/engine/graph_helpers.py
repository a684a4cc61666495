"""Helpers shared by the engine's op tests: the graph above a tensor as text, finite differences."""

from __future__ import annotations

import numpy as np


def chain(t) -> str:
    """The graph above ``t`` as ``Name(child:output_nr, ...)``, leaves as ACC."""

    def walk(fn):
        if fn is None:
            return "None"
        name = fn.name()
        if name.endswith("AccumulateGrad"):
            return "ACC"
        return f"{name}(" + ", ".join(f"{walk(f)}:{nr}" for f, nr in fn.next_functions) + ")"

    return walk(t.grad_fn)


def numeric_grad(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite differences of the scalar function f at x (float64)."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g
