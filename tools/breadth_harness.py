"""Run one nn-breadth parity case with either library (PyTorch when recording, engine in the tests).

A case is a function ``fn(torch, dtype, rng) -> (outputs, leaves, module)`` written once against
PyTorch's API: it draws its inputs and weights from ``rng`` (numpy, seeded from the case's name),
so both libraries see the same numbers without storing them. The harness records the floating
outputs, the graph above each (node names, output numbers, shared nodes, named leaves), the
gradients of Σ out·proj for every named leaf and parameter, and the module's repr and state_dict
keys. Error cases record the exception type and message.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import NamedTuple

import numpy as np


class Case(NamedTuple):
    name: str
    fn: Callable
    dtype: str = "float32"
    error: bool = False
    structure_only: bool = False  # random layers (dropout): only the graph is compared


CASES: list[Case] = []


def case(name: str, dtypes=("float32",), error=False, structure_only=False):
    """Register ``fn`` once per dtype (``name`` gets ``_f64`` for float64)."""
    def register(fn):
        for dt in dtypes:
            CASES.append(Case(name + ("_f64" if dt == "float64" else ""), fn, dt, error, structure_only))
        return fn
    return register


BOTH = ("float32", "float64")


def rand(torch, dt, rng, shape, grad=True, low=-1.0, high=1.0):
    return torch.tensor(rng.uniform(low, high, shape), dtype=dt, requires_grad=grad)


def init_module(torch, module, dt, rng, scale=0.5):
    """Same weights in both libraries: every parameter (in named order) drawn from rng."""
    module = module.to(dt)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(torch.tensor(rng.uniform(-scale, scale, tuple(p.shape)), dtype=dt))
    return module


def graph_text(t, names: dict) -> list:
    """The graph above ``t``: one line per edge walked depth-first, shared nodes referenced by number."""
    lines, ids = [], {}

    def rec(fn, nr, depth):
        pad = "  " * depth
        if fn is None:
            lines.append(f"{pad}None[{nr}]")
            return
        if fn in ids:
            lines.append(f"{pad}{fn.name()}[{nr}] -> #{ids[fn]}")
            return
        ids[fn] = len(ids)
        var = getattr(fn, "variable", None)
        extra = f" var={names.get(id(var), 'leaf')}" if var is not None else ""
        lines.append(f"{pad}#{ids[fn]} {fn.name()}[{nr}]{extra}")
        for child, child_nr in fn.next_functions:
            rec(child, child_nr, depth + 1)

    rec(t.grad_fn, t.output_nr, 0)
    return lines


def _flatten(value) -> list:
    if isinstance(value, (tuple, list)):  # PackedSequence is a tuple: its data first
        return [t for v in value for t in _flatten(v)]
    return [] if value is None else [value]


def run(torch, c: Case) -> dict:
    rng = np.random.default_rng(zlib.crc32(c.name.encode()))
    dt = getattr(torch, c.dtype)
    if c.error:
        try:
            c.fn(torch, dt, rng)
        except Exception as error:  # noqa: BLE001 - recording whatever PyTorch raises
            return {"type": type(error).__name__, "message": str(error)}
        return {"type": None, "message": None}
    outs, leaves, module = c.fn(torch, dt, rng)
    outs = [o for o in _flatten(outs) if hasattr(o, "is_floating_point") and o.is_floating_point()]
    params = dict(module.named_parameters()) if module is not None else {}
    names = {id(p): n for n, p in params.items()}
    names.update({id(t): n for n, t in leaves.items()})
    result = {"graphs": [graph_text(o, names) if o.grad_fn is not None else [] for o in outs]}
    if module is not None:
        result["repr"] = repr(module)
        result["state_keys"] = list(module.state_dict())
    if c.structure_only:
        return result
    result["outputs"] = [o.detach().tolist() for o in outs]
    loss = None
    for o in outs:
        proj = torch.tensor(rng.uniform(-1.0, 1.0, tuple(o.shape)), dtype=o.dtype)
        if o.requires_grad:
            term = (o * proj).sum()
            loss = term if loss is None else loss + term
    if loss is not None:
        loss.backward()
    grads = {n: t.grad.tolist() for n, t in leaves.items() if t.grad is not None}
    grads.update({f"param:{n}": p.grad.tolist() for n, p in params.items() if p.grad is not None})
    result["grads"] = grads
    return result
