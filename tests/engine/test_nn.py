"""engine.nn against PyTorch's recorded behaviour (tests/fixtures/nn_cases.json) and finite differences."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import engine
from engine import nn
from engine._state import STATE
from engine.nn import _loss_ops
from engine.nn import functional as F

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
with open(os.path.join(ROOT, "tests", "fixtures", "nn_cases.json")) as _fh:
    CASES = json.load(_fh)


def _load_builders():
    """The recorder's model builders (it imports torch only inside main())."""
    spec = importlib.util.spec_from_file_location("record_nn_fixtures", os.path.join(ROOT, "tools", "record_nn_fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILDERS = _load_builders()


def structure(fn):
    if fn is None:
        return None
    return [fn.name(), [structure(child) for child, _ in fn.next_functions]]


def t64(values, requires_grad=False):
    return engine.tensor(values, dtype=engine.float64, requires_grad=requires_grad)


# ---- models: repr, names, state dict keys --------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES["models"]))
def test_model_matches_pytorch(name):
    expected = CASES["models"][name]
    model = BUILDERS.MODELS[name](nn)
    assert repr(model) == expected["repr"]
    assert [[n, list(p.shape)] for n, p in model.named_parameters()] == expected["parameters"]
    assert list(model.state_dict().keys()) == expected["state_dict_keys"]
    assert [n for n, _ in model.named_modules()] == expected["modules"]


def test_parameter_repr_and_leaf():
    p = nn.Parameter(engine.tensor([1.0, -2.5]))
    assert repr(p) == CASES["parameter_repr"]
    assert p.is_leaf and p.requires_grad and isinstance(p, engine.Tensor)
    assert (p * 2).grad_fn.name() == "MulBackward0"
    assert type(p * 2) is engine.Tensor


def test_parameter_shares_storage_with_its_data():
    t = engine.zeros(3)
    p = nn.Parameter(t)
    t._data[0] = 5.0
    assert p._data[0] == 5.0


# ---- Linear ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES["linear_graphs"], ids=lambda c: f"bias{c['bias']}-{c['shape']}-rg{c['requires_grad']}")
def test_linear_graph_matches_pytorch(case):
    layer = nn.Linear(3, 2, bias=case["bias"])
    x = engine.randn(*case["shape"], requires_grad=case["requires_grad"])
    y = layer(x)
    assert list(y.shape) == case["out_shape"]
    assert structure(y.grad_fn) == case["graph"]


@pytest.mark.parametrize("shape", [[3], [4, 3], [2, 4, 3]])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_gradients_match_finite_differences(shape, bias):
    layer = nn.Linear(3, 2, bias=bias).double()
    x = engine.randn(*shape, dtype=engine.float64, requires_grad=True)
    (layer(x) * engine.arange(2, dtype=engine.float64)).sum().backward()
    params = [x, layer.weight] + ([layer.bias] if bias else [])
    for p in params:
        numeric = np.zeros_like(p._data)
        for idx in np.ndindex(p._data.shape):
            old = p._data[idx]
            vals = []
            for h in (1e-6, -1e-6):
                p._data[idx] = old + h
                with engine.no_grad():
                    vals.append((layer(x) * engine.arange(2, dtype=engine.float64)).sum().item())
            p._data[idx] = old
            numeric[idx] = (vals[0] - vals[1]) / 2e-6
        np.testing.assert_allclose(p.grad._data, numeric, rtol=1e-6, atol=1e-8)


def test_linear_values_match_pytorch():
    case = CASES["linear_values"]
    layer = nn.Linear(5, 3)
    layer.load_state_dict({"weight": engine.tensor(case["weight"]), "bias": engine.tensor(case["bias"])})
    y = layer(engine.tensor(case["x"]))
    np.testing.assert_allclose(y._data, np.array(case["y"]), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", CASES["linear_init"], ids=lambda c: f"{c['in']}x{c['out']}")
def test_linear_init_bounds(case):
    layer = nn.Linear(case["in"], case["out"])
    bound = case["bound"]
    assert abs(bound - 1 / math.sqrt(case["in"])) < 1e-12
    for p in (layer.weight, layer.bias):
        assert np.abs(p._data).max() <= bound
    if case["in"] * case["out"] >= 1000:
        # A large uniform sample reaches close to its bound, as PyTorch's does.
        assert np.abs(layer.weight._data).max() > 0.99 * bound
        assert case["max_abs_weight"] > 0.99 * bound


def test_calculate_gain_matches_pytorch():
    gains = CASES["gains"]
    for name in ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu"):
        assert nn.init.calculate_gain(name) == pytest.approx(gains[name])
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(gains["leaky_relu_0.2"])
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        nn.init.calculate_gain("foo")


def test_init_functions_fill_in_place_without_history():
    w = nn.Parameter(engine.empty(30, 40))
    version = w._version
    nn.init.xavier_uniform_(w)
    bound = math.sqrt(6 / 70)
    assert np.abs(w._data).max() <= bound and np.abs(w._data).max() > 0.9 * bound
    assert w.grad_fn is None and w._version == version + 1
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w._data.std() - math.sqrt(2 / 40)) < 0.02
    nn.init.constant_(w, 0.5)
    assert np.all(w._data == 0.5)
    nn.init.eye_(w)
    assert np.array_equal(w._data, np.eye(30, 40, dtype=np.float32))
    nn.init.zeros_(w)
    assert not w._data.any()
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init.xavier_normal_(engine.empty(3))


# ---- losses ----------------------------------------------------------------------------------------


def _loss_inputs(case):
    data = CASES["loss_data"]
    tensors = {}
    for k in case["args"]:
        raw = data[k]
        if k in ("cls", "cls3"):
            tensors[k] = engine.tensor(raw)
        else:
            tensors[k] = t64(raw, requires_grad=k in case["grads_of"])
    kwargs = {k: (t64(data[v]) if isinstance(v, str) and v in data else v) for k, v in case["kwargs"].items()}
    return tensors, kwargs


@pytest.mark.parametrize("case", CASES["loss_cases"], ids=lambda c: f"{c['fn']}-{c['args']}-{c['kwargs']}")
def test_loss_matches_pytorch(case):
    tensors, kwargs = _loss_inputs(case)
    loss = getattr(F, case["fn"])(*[tensors[k] for k in case["args"]], **kwargs)
    np.testing.assert_allclose(loss._data, np.array(case["value"]), rtol=1e-10, atol=1e-12)
    assert structure(loss.grad_fn) == case["graph"]
    loss.backward(engine.ones_like(loss) if loss.dim() else None)
    for k in case["grads_of"]:
        np.testing.assert_allclose(tensors[k].grad._data, np.array(case["grads"][k]), rtol=1e-9, atol=1e-12)


LOSS_OPS = [_loss_ops.DivScalar, _loss_ops.MseLoss, _loss_ops.NllLoss, _loss_ops.BinaryCrossEntropy, _loss_ops.BinaryCrossEntropyWithLogits]


def _samples(op):
    return [(op, i, arrays, params) for i, (arrays, params) in enumerate(op.samples())]


@pytest.mark.parametrize(
    "op,index,arrays,params",
    [s for op in LOSS_OPS for s in _samples(op)],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_loss_op_vjp_and_jvp_match_finite_differences(op, index, arrays, params):
    rng = np.random.default_rng(index)
    inputs = [engine.tensor(a, dtype=engine.float64, requires_grad=True) for a in arrays]
    out = op.apply(*inputs, **params)
    cotangent = engine.tensor(rng.normal(size=out.shape), dtype=engine.float64)
    (out * cotangent).sum().backward()

    def value(arrs):
        return float((op.apply(*[engine.tensor(a, dtype=engine.float64) for a in arrs], **params)._data * cotangent._data).sum())

    for i, a in enumerate(arrays):
        numeric = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            plus, minus = [x.copy() for x in arrays], [x.copy() for x in arrays]
            plus[i][idx] += 1e-6
            minus[i][idx] -= 1e-6
            numeric[idx] = (value(plus) - value(minus)) / 2e-6
        np.testing.assert_allclose(inputs[i].grad._data, numeric, rtol=1e-5, atol=1e-7)

    # Forward mode: the tangent of the output along a random direction equals the directional derivative.
    directions = [rng.normal(size=a.shape) for a in arrays]
    from engine.autograd import forward_ad as fwAD

    with fwAD.dual_level():
        duals = [fwAD.make_dual(engine.tensor(a, dtype=engine.float64), engine.tensor(d, dtype=engine.float64))
                 for a, d in zip(arrays, directions)]
        tangent = fwAD.unpack_dual(op.apply(*duals, **params)).tangent
    eps = 1e-6
    plus = op.apply(*[engine.tensor(a + eps * d) for a, d in zip(arrays, directions)], **params)._data
    minus = op.apply(*[engine.tensor(a - eps * d) for a, d in zip(arrays, directions)], **params)._data
    np.testing.assert_allclose(tangent._data, (plus - minus) / (2 * eps), rtol=1e-5, atol=1e-7)


def test_mse_double_backward_matches_analytic():
    x = t64([1.0, 2.0, 4.0], requires_grad=True)
    t = t64([0.0, 1.0, 1.0])
    (g,) = engine.autograd.grad(F.mse_loss(x, t, reduction="sum"), x, create_graph=True)
    np.testing.assert_allclose(g._data, 2 * (x._data - t._data))
    (gg,) = engine.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg._data, [2.0, 2.0, 2.0])


def test_loss_saved_attributes_like_pytorch():
    x = t64([[0.1, 0.2, 0.7]], requires_grad=True)
    loss = F.nll_loss(x, engine.tensor([2]))
    node = loss.grad_fn
    assert node._saved_reduction == 1 and node._saved_ignore_index == -100
    assert node._saved_weight is None and node._saved_total_weight.item() == 1.0
    assert node._saved_target.tolist() == [2]


def test_loss_modules_use_their_settings():
    x = t64([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    t = t64([[0.0, 0.0], [1.0, 1.0]])
    assert nn.MSELoss(reduction="sum")(x, t).item() == pytest.approx(1 + 4 + 4 + 16)
    assert nn.L1Loss()(x, t).item() == pytest.approx((1 + 2 + 2 + 4) / 4)
    assert nn.MSELoss(reduction="none")(x, t).shape == (2, 2)
    ce = nn.CrossEntropyLoss(weight=t64([1.0, 3.0]))
    logits = t64([[0.0, 0.0], [0.0, 0.0]])
    assert ce(logits, engine.tensor([0, 1])).item() == pytest.approx(math.log(2))


@pytest.mark.parametrize("label", ["bce_size", "reduction"])
def test_loss_errors_match_pytorch(label):
    kind, message = CASES["errors"][label]
    with pytest.raises(getattr(__builtins__, kind, None) or ValueError) as info:
        if label == "bce_size":
            F.binary_cross_entropy(engine.rand(3), engine.rand(2))
        else:
            F.mse_loss(engine.rand(3), engine.rand(3), reduction="avg")
    assert type(info.value).__name__ == kind and str(info.value) == message


def test_nll_loss_rejects_out_of_range_target():
    with pytest.raises(IndexError, match="Target 5 is out of bounds."):
        F.nll_loss(engine.randn(2, 3), engine.tensor([0, 5]))


# ---- module behaviour ------------------------------------------------------------------------------


def test_module_path_recorded_on_nodes():
    model = BUILDERS.nested(nn)
    out = model(engine.randn(2, 3))
    seen = {}
    stack = [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node.name().endswith("AccumulateGrad"):
            continue
        seen.setdefault(node.name(), set()).add(node.module)
        stack.extend(n for n, _ in node.next_functions)
    assert seen["SigmoidBackward0"] == {"encoder.2.1"}
    assert seen["TanhBackward0"] == {"encoder.1"}
    assert {"encoder.0", "encoder.2.0", "blocks.0", "blocks.1", "blocks.2", "heads.b"} == seen["AddmmBackward0"]
    assert STATE.module_path == ""


def test_module_path_is_relative_to_the_called_module_and_restored_on_error():
    model = BUILDERS.nested(nn)
    y = model.encoder(engine.randn(2, 3, requires_grad=True))
    assert y.grad_fn.module == "2.1"  # the user called model.encoder: names are under it
    bad = nn.Sequential(nn.Linear(3, 2), nn.Linear(5, 1))
    with pytest.raises(RuntimeError):
        bad(engine.randn(2, 3))
    assert STATE.module_path == ""
    z = model(engine.randn(1, 3))  # the name table is rebuilt after a tree change
    model.heads["b"] = nn.Linear(4, 2)
    z = model(engine.randn(1, 3))
    assert z.grad_fn.module == "heads.b"


def test_forward_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    h1 = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    y = layer(engine.ones(1, 2))
    np.testing.assert_allclose(y._data, layer.bias._data[None] + 1, rtol=1e-6)
    assert calls == [(1, 2)]
    h1.remove()
    h2.remove()
    y = layer(engine.ones(1, 2))
    assert calls == [(1, 2)]
    assert not np.allclose(y._data, layer.bias._data[None] + 1)


def test_attribute_registration_rules():
    m = nn.Module()
    m.w = nn.Parameter(engine.ones(2))
    m.sub = nn.Linear(1, 1)
    m.register_buffer("buf", engine.zeros(1))
    m.plain = 3
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert [n for n, _ in m.named_buffers()] == ["buf"]
    assert list(m.children()) == [m.sub] and m.plain == 3
    kind, message = CASES["errors"]["assign_tensor_to_param"]
    with pytest.raises(TypeError) as info:
        nn.Linear(2, 2).weight = engine.ones(2, 2)
    assert str(info.value) == message
    kind, message = CASES["errors"]["getattr"]
    with pytest.raises(AttributeError) as info:
        _ = nn.Linear(2, 2).nonexistent
    assert str(info.value) == message
    del m.sub
    assert [n for n, _ in m.named_parameters()] == ["w"]
    with pytest.raises(KeyError, match="attribute 'plain' already exists"):
        m.register_parameter("plain", None)


def test_state_dict_round_trip_and_strict_errors():
    a, b = BUILDERS.sequential_mlp(nn), BUILDERS.sequential_mlp(nn)
    assert repr(b.load_state_dict(a.state_dict())) == CASES["errors"]["all_matched"]
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and np.array_equal(va._data, vb._data)
    assert isinstance(a.state_dict(), OrderedDict)
    assert a.state_dict()["0.weight"].grad_fn is None and not a.state_dict()["0.weight"].requires_grad
    lin = nn.Linear(2, 3)
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict({"weight": engine.ones(3, 2), "foo": engine.ones(1)})
    assert str(info.value) == CASES["errors"]["missing_unexpected"]
    with pytest.raises(RuntimeError) as info:
        lin.load_state_dict({"weight": engine.ones(2, 2), "bias": engine.ones(3)})
    assert str(info.value) == CASES["errors"]["size_mismatch"]
    result = lin.load_state_dict({"weight": engine.ones(3, 2), "foo": engine.ones(1)}, strict=False)
    assert repr(result) == CASES["errors"]["non_strict_result"]
    assert np.all(lin.weight._data == 1)


def test_state_dict_skips_non_persistent_buffers():
    model = BUILDERS.nested(nn)
    keys = list(model.state_dict())
    assert "scale" in keys and "cache" not in keys
    assert "cache" in dict(model.named_buffers())


def test_train_eval_and_dropout():
    model = BUILDERS.sequential_mlp(nn)
    assert model.training and model[2].training
    model.eval()
    assert not model.training and not model[2].training
    x = engine.randn(3, 8)
    assert model[2](x) is x
    model.train()
    engine.manual_seed(1)
    big = engine.ones(200, 200, requires_grad=True)
    y = nn.Dropout(0.25)(big)
    assert structure(y.grad_fn) == ["MulBackward0", [["torch::autograd::AccumulateGrad", []], None]]
    kept = y._data != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y._data[kept], 1 / 0.75, rtol=1e-6)
    with pytest.raises(ValueError) as info:
        nn.Dropout(1.5)
    assert str(info.value) == CASES["errors"]["dropout_p"][1]


def test_zero_grad_requires_grad_and_apply():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    model(engine.ones(1, 2)).sum().backward()
    grad = model[0].weight.grad
    model.zero_grad(set_to_none=False)
    assert model[0].weight.grad is grad and not grad._data.any()
    model.zero_grad()
    assert model[0].weight.grad is None
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "ReLU", "Sequential"]


def test_to_double_keeps_parameter_objects():
    model = nn.Linear(2, 2)
    weight = model.weight
    model.double()
    assert model.weight is weight and weight.dtype is engine.float64
    model.to(engine.float32)
    assert weight.dtype is engine.float32
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(engine.int64)


def test_sequential_and_module_list_protocols():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is seq[0]
    seq.append(nn.Sigmoid())
    assert seq(engine.randn(4, 2)).grad_fn.name() == "SigmoidBackward0"
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"]
    with pytest.raises(IndexError, match="index 5 is out of range"):
        seq[5]
    blocks = nn.ModuleList([nn.Linear(2, 2)])
    blocks.append(nn.Linear(2, 2))
    blocks += [nn.Tanh()]
    assert len(blocks) == 3 and len(list(blocks.parameters())) == 4
    heads = nn.ModuleDict({"a": nn.Linear(1, 1)})
    heads["b"] = nn.Identity()
    assert list(heads.keys()) == ["a", "b"] and "b" in heads


def test_softmax_module_warns_on_implicit_dim():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = nn.Softmax()(engine.randn(2, 3))
    assert any("Implicit dimension choice for softmax" in str(w.message) for w in caught)
    np.testing.assert_allclose(y._data.sum(1), [1, 1], rtol=1e-6)


def test_tiny_model_training_reduces_loss():
    engine.manual_seed(0)
    model = BUILDERS.autograd_tiny_model(nn)
    x = engine.randn(16, 1000)
    target = engine.randn(16, 10)
    optimizer = engine.optim.SGD(model.parameters(), lr=0.001)
    losses = []
    for _ in range(20):
        optimizer.zero_grad()
        loss = (target - model(x)).pow(2).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert all(b < a for a, b in zip(losses, losses[1:]))


def test_autograd_tutorial_step_moves_weights_by_lr_times_grad():
    model = BUILDERS.autograd_tiny_model(nn)
    optimizer = engine.optim.SGD(model.parameters(), lr=0.001)
    assert model.layer2.weight.grad is None
    before = model.layer2.weight._data.copy()
    loss = (engine.randn(16, 10) - model(engine.randn(16, 1000))).pow(2).sum()
    loss.backward()
    grad = model.layer2.weight.grad._data.copy()
    optimizer.step()
    np.testing.assert_allclose(model.layer2.weight._data, before - np.float32(0.001) * grad, rtol=1e-6, atol=1e-8)
    optimizer.zero_grad(set_to_none=False)
    assert not model.layer2.weight.grad._data.any()
