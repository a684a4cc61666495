"""Record PyTorch's atan2/hypot (and their aliases/in-place forms) into tests/fixtures/pointwise_cases.json.

    python tools/record_pointwise_fixtures.py        (needs torch; the engine tests then run without it)

Each case is written once against PyTorch's API (``CASES``: a call on tensors built from the
recorded input lists); the recorder stores, per dtype, the output values and dtype, the node names
(``type(grad_fn).__name__`` and ``grad_fn.name()``), every input's gradient for a random upstream
gradient (and the top of the create_graph gradient's graph), and for error cases the exception type and message. ``tests/engine/test_pointwise_parity.py``
replays the same cases on the engine.
"""

from __future__ import annotations

import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "pointwise_cases.json")

_rng = np.random.default_rng(2026)


def _values(*shape, low=-2.0, high=2.0):
    return _rng.uniform(low, high, shape).round(4).tolist()


# name -> (expression over a, b (and torch as `torch`), input a, input b, differentiable)
CASES = {
    "atan2": ("torch.atan2(a, b)", _values(2, 3), _values(2, 3), True),
    "atan2_method": ("a.atan2(b)", _values(3), _values(3), True),
    "arctan2_broadcast": ("torch.arctan2(a, b)", _values(2, 1), _values(3), True),
    "atan2_quadrants": ("torch.atan2(a, b)", [1.0, 1.0, -1.0, -1.0, 0.0, 0.5], [1.0, -1.0, 1.0, -1.0, 0.0, 0.0], True),
    "atan2_inplace": ("a.detach().clone().atan2_(b)", _values(4), _values(4), False),
    "arctan2_inplace": ("a.detach().clone().arctan2_(b)", _values(4), _values(4), False),
    "hypot": ("torch.hypot(a, b)", _values(2, 3), _values(2, 3), True),
    "hypot_method_broadcast": ("a.hypot(b)", _values(3, 1), _values(1, 2), True),
    "hypot_inplace": ("a.detach().clone().hypot_(b)", _values(4), _values(4), False),
    "atan2_then_hypot": ("torch.hypot(torch.atan2(a, b), b) * a", _values(2, 2), _values(2, 2), True),
}

# Cases on other dtypes and bad arguments: expression -> recorded result or error (no gradients).
DTYPE_CASES = [
    "torch.atan2(torch.tensor([1, 2]), torch.tensor([3, -4]))",
    "torch.atan2(torch.tensor([True, False]), torch.tensor([True, True]))",
    "torch.atan2(torch.tensor([1, 2]), torch.tensor([3.0, 4.0], dtype=torch.float64))",
    "torch.atan2(torch.tensor([1.0, 2.0]), torch.tensor(2.0, dtype=torch.float64))",
    "torch.hypot(torch.tensor([1, 2]), torch.tensor([3.0, 4.0]))",
    "torch.hypot(torch.tensor([1, 2]), torch.tensor([3, 4]))",
    "torch.atan2(torch.tensor([1.0]), 2)",
    "torch.tensor([1.0]).atan2(2)",
    "torch.atan2(2, torch.tensor([1.0]))",
    "torch.hypot(torch.tensor([1.0]), 2.0)",
    "torch.tensor([1, 2]).atan2_(torch.tensor([1, 2]))",
    "torch.atan2(torch.ones(2, 3), torch.ones(4))",
]


def run_case(torch, expr: str, a_values, b_values, differentiable: bool, dtype_name: str) -> dict:
    dtype = getattr(torch, dtype_name)
    a = torch.tensor(a_values, dtype=dtype, requires_grad=differentiable)
    b = torch.tensor(b_values, dtype=dtype, requires_grad=differentiable)
    out = eval(expr, {"torch": torch, "a": a, "b": b})
    record = {"value": out.detach().tolist(), "dtype": str(out.dtype), "shape": list(out.shape)}
    if differentiable:
        fn = out.grad_fn
        record["node"] = [type(fn).__name__, fn.name()]
        upstream = torch.tensor(
            np.random.default_rng(len(expr)).uniform(-1, 1, tuple(out.shape)).round(3).tolist(), dtype=dtype
        )
        ga, gb = torch.autograd.grad(out, (a, b), upstream, create_graph=True)
        record["upstream"] = upstream.tolist()
        record["grads"] = [ga.tolist(), gb.tolist()]
        # The create_graph gradient's node and its inputs' nodes: the second-order graph's top.
        record["grad_graph"] = [
            [type(g.grad_fn).__name__, [type(f).__name__ if f is not None else None for f, _ in g.grad_fn.next_functions]]
            for g in (ga, gb)
        ]
    return record


def run_plain(torch, expr: str) -> dict:
    try:
        out = eval(expr, {"torch": torch})
    except Exception as error:  # the recorded error is the point of the case
        return {"error": type(error).__name__, "message": str(error)}
    return {"value": out.tolist(), "dtype": str(out.dtype)}


def main() -> None:
    import torch

    torch.set_num_threads(1)
    fixture = {"cases": {}, "dtype_cases": {}}
    for name, (expr, a_values, b_values, differentiable) in CASES.items():
        fixture["cases"][name] = {
            "expr": expr,
            "a": a_values,
            "b": b_values,
            "differentiable": differentiable,
            "results": {dt: run_case(torch, expr, a_values, b_values, differentiable, dt) for dt in ("float32", "float64")},
        }
    for expr in DTYPE_CASES:
        fixture["dtype_cases"][expr] = run_plain(torch, expr)
    with open(OUT, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {len(CASES)} cases x 2 dtypes and {len(DTYPE_CASES)} dtype/error cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
