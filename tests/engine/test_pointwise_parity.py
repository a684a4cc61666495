"""atan2 and hypot -- each one class on the pointwise base -- against recorded PyTorch 2.13 results.

The fixture (``tools/record_pointwise_fixtures.py`` -> ``tests/fixtures/pointwise_cases.json``) holds
values, dtypes, node names and both inputs' gradients in float32 and float64, plus dtype promotion
and error cases. The last tests check the surface the class attributes generate.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import engine
from engine._api import FUNCTIONS, METHODS
from engine.ops.pointwise_binary import Atan2, Hypot

FIXTURE = os.path.join(os.path.dirname(__file__), "..", "fixtures", "pointwise_cases.json")
with open(FIXTURE) as _f:
    DATA = json.load(_f)

TOLERANCE = {"float32": dict(rtol=2e-6, atol=1e-7), "float64": dict(rtol=1e-12, atol=1e-14)}


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(DATA["cases"]))
def test_values_nodes_and_gradients_match_pytorch(name, dtype_name):
    case = DATA["cases"][name]
    want = case["results"][dtype_name]
    dtype = getattr(engine, dtype_name)
    a = engine.tensor(case["a"], dtype=dtype, requires_grad=case["differentiable"])
    b = engine.tensor(case["b"], dtype=dtype, requires_grad=case["differentiable"])
    out = eval(case["expr"], {"torch": engine, "a": a, "b": b})
    assert str(out.dtype) == want["dtype"]
    assert list(out.shape) == want["shape"]
    np.testing.assert_allclose(out.detach().numpy(), np.array(want["value"]), **TOLERANCE[dtype_name])
    if case["differentiable"]:
        assert [type(out.grad_fn).__name__, out.grad_fn.name()] == want["node"]
        upstream = engine.tensor(want["upstream"], dtype=dtype)
        grads = engine.autograd.grad(out, (a, b), upstream, create_graph=True)
        for got, expected, graph in zip(grads, want["grads"], want["grad_graph"]):
            assert got.dtype == dtype
            np.testing.assert_allclose(got.detach().numpy(), np.array(expected), **TOLERANCE[dtype_name])
            assert type(got.grad_fn).__name__ == graph[0]
            assert [type(f).__name__ if f is not None else None for f, _ in got.grad_fn.next_functions] == graph[1]


@pytest.mark.parametrize("expr", sorted(DATA["dtype_cases"]))
def test_promotion_and_errors_match_pytorch(expr):
    want = DATA["dtype_cases"][expr]
    if "error" in want:
        with pytest.raises(Exception) as info:
            eval(expr, {"torch": engine})
        assert type(info.value).__name__ == want["error"]
        assert str(info.value) == want["message"]
        return
    out = eval(expr, {"torch": engine})
    assert str(out.dtype) == want["dtype"]
    np.testing.assert_allclose(out.numpy(), np.array(want["value"]), rtol=2e-6)


def test_class_attributes_generate_function_method_inplace_and_alias():
    for name in ("atan2", "arctan2", "hypot"):
        assert FUNCTIONS[name].__name__ == name
        assert name in METHODS
    assert METHODS["atan2_"].__name__ == "atan2_" and "arctan2_" in METHODS and "hypot_" in METHODS
    # PyTorch has the in-place forms as methods only (torch.atan2_ does not exist).
    assert "atan2_" not in FUNCTIONS and "hypot_" not in FUNCTIONS
    assert "Atan2Backward0" in engine.atan2.__doc__ and "HypotBackward0" in engine.hypot.__doc__
    assert engine.atan2 is FUNCTIONS["atan2"] and engine.Tensor.hypot is METHODS["hypot"]


def test_inplace_form_rebases_history_and_keeps_the_gradient():
    x = engine.tensor([0.5, -1.5, 2.0], dtype=engine.float64, requires_grad=True)
    other = engine.tensor([1.0, 2.0, -0.5], dtype=engine.float64)
    y = x * 1
    y.atan2_(other)
    assert type(y.grad_fn).__name__ == "Atan2Backward0"
    y.sum().backward()
    expected = other.numpy() / (x.detach().numpy() ** 2 + other.numpy() ** 2)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)


def test_classes_are_registered_with_samples_for_the_gradient_tests():
    from engine._op import Op

    registered = set(Op.registry.values())
    assert Atan2 in registered and Hypot in registered
    assert Atan2.samples() and Hypot.samples()
