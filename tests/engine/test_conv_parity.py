"""Convolution, pooling, padding and resampling against PyTorch (fixtures from tools/record_conv_fixtures.py).

Every case builds the same layer from the recorder's expression with the engine's ``nn``/``F``,
loads PyTorch's weights, runs PyTorch's input and upstream gradient, and compares the output, the
input's and every parameter's gradient and the grad_fn graph, in float32 and float64. The error
cases compare the exception type and message. Torch is not imported.
"""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import engine
import engine.nn.functional as F
from engine import nn

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "conv_cases.json").read_text())


def _load_recorder():
    spec = importlib.util.spec_from_file_location("record_conv_fixtures", ROOT / "tools" / "record_conv_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recorder = _load_recorder()
TOL = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-11)}
DTYPES = {"float32": engine.float32, "float64": engine.float64}


def _close(actual: np.ndarray, stored, dtype: str, what: str) -> None:
    if isinstance(stored, dict) and "checksum" in stored:
        np.testing.assert_allclose(recorder.checksum(actual), stored["checksum"], rtol=1e-4 if dtype == "float32" else 1e-8,
                                   atol=1e-6, err_msg=what)
        return
    values = stored["values"] if isinstance(stored, dict) else stored
    expected = np.asarray(values, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual.astype(np.float64), expected, err_msg=what, **TOL[dtype])


def _run(case):
    dtype = DTYPES[case["dtype"]]
    np_dtype = np.float32 if case["dtype"] == "float32" else np.float64
    engine.manual_seed(0)
    layer = recorder.build(case["expr"], engine)
    if isinstance(layer, nn.Module):
        layer = layer.to(dtype)
        with engine.no_grad():
            if case["formula_weights"]:
                for i, p in enumerate(layer.parameters()):
                    p.copy_(engine.tensor(recorder.formula_weights(tuple(p.shape), i), dtype=dtype))
            else:
                state = {k: engine.tensor(np.asarray(v, dtype=np_dtype)) for k, v in case["state"].items()}
                layer.load_state_dict(state)
    x = engine.tensor(np.asarray(case["input"], dtype=np_dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = layer(x)
    indices = None
    if isinstance(out, tuple):
        out, indices = out
    saved = recorder.conv_saved(out)  # before backward frees them
    out.backward(engine.tensor(np.asarray(case["grad_output"], dtype=np_dtype)))
    return layer, x, out, indices, saved


CASES = FIXTURE["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['name']}-{c['dtype']}" for c in CASES])
def test_layer_matches_pytorch(case):
    layer, x, out, indices, saved = _run(case)
    dtype = case["dtype"]
    assert list(out.shape) == case["output_shape"]
    assert out.dtype == DTYPES[dtype]
    _close(out.detach().numpy(), case["output"], dtype, "output")
    _close(x.grad.numpy(), case["input_grad"], dtype, "input gradient")
    params = dict(layer.named_parameters()) if isinstance(layer, nn.Module) else {}
    assert sorted(params) == sorted(case["param_grads"])
    for name, p in params.items():
        assert p.grad is not None, name
        _close(p.grad.numpy(), case["param_grads"][name], dtype, f"gradient of {name}")
    if case["indices"] is not None:
        assert indices.dtype == engine.int64
        np.testing.assert_array_equal(indices.numpy(), np.asarray(case["indices"]))
    assert recorder.node_chain(out) == case["nodes"]
    assert saved == case["conv_saved"]
    if case["repr"] is not None:
        assert repr(layer) == case["repr"]
        assert list(layer.state_dict()) == case["state_keys"]
        assert recorder.attributes(layer) == case["attributes"]


DOUBLE = FIXTURE["double"]


@pytest.mark.parametrize("case", DOUBLE, ids=[c["name"] for c in DOUBLE])
def test_double_backward_matches_pytorch(case):
    """d/dx of the input gradient (create_graph=True): PyTorch's node and second-order values."""
    layer = recorder.build(case["expr"], engine)
    if isinstance(layer, nn.Module):
        layer = layer.to(engine.float64)
        with engine.no_grad():
            layer.load_state_dict({k: engine.tensor(np.asarray(v)) for k, v in case["state"].items()})
    x = engine.tensor(np.asarray(case["input"]), requires_grad=True)
    out = layer(x)
    grad = engine.tensor(np.asarray(case["grad_output"]), requires_grad=True)
    (gx,) = engine.autograd.grad(out, x, grad, create_graph=True)
    assert type(gx.grad_fn).__name__ == case["top"]
    _close(gx.detach().numpy(), case["first"], "float64", "first-order input gradient")
    ((gx * gx).sum() + (gx * x).sum()).backward()
    _close(x.grad.numpy(), case["input_grad"], "float64", "second-order input gradient")
    _close(grad.grad.numpy(), case["grad_output_grad"], "float64", "gradient of the upstream gradient")
    params = dict(layer.named_parameters()) if isinstance(layer, nn.Module) else {}
    for name, p in params.items():
        expected = case["param_grads"][name]
        if expected is None:
            assert p.grad is None, name
        else:
            _close(p.grad.numpy(), expected, "float64", f"second-order gradient of {name}")


def test_conv_init_bounds_follow_kaiming_uniform_a_sqrt5():
    # kaiming_uniform_(a=√5) draws U(−b, b) with b = 1/√fan_in; the bias uses the same bound.
    for layer, fan_in in ((nn.Conv2d(8, 64, 3), 8 * 9), (nn.Conv1d(4, 128, 5, groups=2), 2 * 5),
                          (nn.ConvTranspose2d(16, 12, 3, groups=4), 3 * 9)):
        bound = 1 / np.sqrt(fan_in)
        w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
        assert np.abs(b).max() <= bound
        assert abs(w.mean()) < 0.1 * bound  # symmetric around 0


ERRORS = FIXTURE["errors"]


@pytest.mark.parametrize("case", ERRORS, ids=[c["name"] for c in ERRORS])
def test_bad_input_raises_pytorchs_error(case):
    scope = {"torch": engine, "nn": nn, "F": F, "x4": engine.randn(2, 3, 10, 10, requires_grad=True),
             "x3": engine.randn(2, 3, 10, requires_grad=True), "x1": engine.randn(10, requires_grad=True)}
    with pytest.raises(Exception) as info:
        eval(case["expr"], scope)  # noqa: S307 - the recorder's own expressions
    assert type(info.value).__name__ == case["type"]
    prefix = FIXTURE["prefix_only"].get(case["name"])
    if prefix is not None:
        assert str(info.value).startswith(prefix)
        assert str(info.value)[len(prefix):].startswith("{")
    else:
        assert str(info.value) == case["message"]


def test_fixture_covers_every_layer_family():
    # A recorder change that drops a family would silently shrink what is compared.
    names = {c["name"] for c in CASES}
    for family in ("conv2d", "conv1d", "conv_transpose2d", "conv_transpose1d", "max_pool2d", "max_pool1d",
                   "avg_pool2d", "avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "pad_reflect2d",
                   "upsample_bilinear", "unfold", "fold", "lenet"):
        assert any(n.startswith(family) for n in names), family
    assert {c["dtype"] for c in CASES} == {"float32", "float64"}


def test_every_node_name_of_these_ops_was_recorded_from_pytorch():
    from engine._op import Op

    recorded = {name for c in CASES for _, name, _ in c["nodes"]} | {c["top"] for c in DOUBLE}
    recorded |= {name for _, name, _ in FIXTURE["max_pool_third_order"]["nodes"]}
    for key, cls in Op.registry.items():
        if key.startswith(("engine.ops.conv.", "engine.ops.pooling.", "engine.ops.resample.")):
            assert cls.node_name in recorded, key


def test_max_pool_third_order_is_a_gather_at_the_indices():
    case = FIXTURE["max_pool_third_order"]
    x = engine.tensor(np.asarray(case["input"]), requires_grad=True)
    y = F.max_pool2d(x, 2, stride=1)
    g = engine.tensor(np.asarray(case["grad_output"]), requires_grad=True)
    (gx,) = engine.autograd.grad(y, x, g, create_graph=True)
    v = engine.tensor(np.asarray(case["v"]), requires_grad=True)
    (gg,) = engine.autograd.grad(gx, g, v, create_graph=True)
    # PyTorch: ViewBackward0 over GatherBackward0; the engine gathers in one node.
    assert type(gg.grad_fn).__name__ == "GatherBackward0"
    assert "GatherBackward0" in [name for _, name, _ in case["nodes"]]
    _close(gg.detach().numpy(), case["value"], "float64", "third-order gradient")
