"""engine.optim against PyTorch runs recorded in tests/fixtures/nn_cases.json (same weights, same data)."""

from __future__ import annotations

import importlib.util
import json
import os

import numpy as np
import pytest

import engine
from engine import nn, optim
from engine.nn import functional as F

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
with open(os.path.join(ROOT, "tests", "fixtures", "nn_cases.json")) as _fh:
    CASES = json.load(_fh)
_spec = importlib.util.spec_from_file_location("record_nn_fixtures", os.path.join(ROOT, "tools", "record_nn_fixtures.py"))
BUILDERS = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(BUILDERS)


def _start():
    data = CASES["optim_data"]
    model = BUILDERS.optim_net(nn)
    model.load_state_dict({k: engine.tensor(v) for k, v in data["initial"].items()})
    return model, engine.tensor(data["inputs"]), engine.tensor(data["targets"])


def _kwargs(run):
    kwargs = dict(run["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    return kwargs


def _json(value):
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("run", CASES["optim_runs"], ids=lambda r: f"{r['optimizer']}-{r['kwargs']}")
def test_steps_match_pytorch(run):
    model, x, y = _start()
    opt = getattr(optim, run["optimizer"])(model.parameters(), **_kwargs(run))
    for step, (expected_loss, expected) in enumerate(zip(run["losses"], run["weights"])):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        assert loss.item() == pytest.approx(expected_loss, rel=1e-5, abs=1e-7), f"step {step}"
        for key, value in model.state_dict().items():
            np.testing.assert_allclose(value._data, np.array(expected[key]),
                                       rtol=1e-5, atol=2e-6, err_msg=f"step {step} {key}")
    sd = opt.state_dict()
    assert _json(sd["param_groups"]) == run["param_groups"]
    assert {str(k): sorted(v) for k, v in sd["state"].items()} == run["state_keys"]
    assert repr(opt) == run["repr"]


def test_weights_actually_change():
    model, x, y = _start()
    before = [p._data.copy() for p in model.parameters()]
    opt = optim.Adam(model.parameters(), lr=0.1)
    F.mse_loss(model(x), y).backward()
    versions = [p._version for p in model.parameters()]
    opt.step()
    for b, p, v in zip(before, model.parameters(), versions):
        assert not np.array_equal(b, p._data)
        assert p._version > v and p.grad_fn is None


def test_step_skips_parameters_without_grad_and_returns_closure_loss():
    a = nn.Parameter(engine.ones(2))
    b = nn.Parameter(engine.ones(2))
    opt = optim.SGD([a, b], lr=0.5, momentum=0.9)

    def closure():
        opt.zero_grad()
        loss = (a * 3).sum()
        loss.backward()
        return loss

    with engine.no_grad():
        loss = opt.step(closure)  # the closure runs with grad enabled even inside no_grad
    assert loss.item() == 6.0
    np.testing.assert_allclose(a._data, [-0.5, -0.5])
    np.testing.assert_allclose(b._data, [1, 1])
    assert b not in opt.state and "momentum_buffer" in opt.state[a]


def test_param_groups_and_errors():
    model = BUILDERS.optim_net(nn)
    opt = optim.SGD([{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": model[0].weight})
    for label, call in (
        ("sgd_lr", lambda: optim.SGD(model.parameters(), lr=-1)),
        ("sgd_nesterov", lambda: optim.SGD(model.parameters(), lr=0.1, nesterov=True)),
        ("adam_beta", lambda: optim.Adam(model.parameters(), betas=(1.0, 0.9))),
        ("empty_params", lambda: optim.SGD([], lr=0.1)),
    ):
        kind, message = CASES["errors"][label]
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == message
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        optim.SGD([engine.ones(2, requires_grad=True) * 2])


def test_zero_grad_modes():
    p = nn.Parameter(engine.ones(3))
    opt = optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad and not grad._data.any()
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("name,kwargs", [("SGD", {"lr": 0.05, "momentum": 0.9}), ("Adam", {"lr": 0.01, "amsgrad": True})])
def test_state_dict_round_trip_resumes_identically(name, kwargs):
    model_a, x, y = _start()
    opt_a = getattr(optim, name)(model_a.parameters(), **kwargs)

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            F.mse_loss(model(x), y).backward()
            opt.step()

    train(model_a, opt_a, 2)
    model_b = BUILDERS.optim_net(nn)
    model_b.load_state_dict(model_a.state_dict())
    opt_b = getattr(optim, name)(model_b.parameters(), lr=123.0)
    opt_b.load_state_dict(opt_a.state_dict())
    assert opt_b.param_groups[0]["lr"] == kwargs["lr"]
    train(model_a, opt_a, 2)
    train(model_b, opt_b, 2)
    for pa, pb in zip(model_a.parameters(), model_b.parameters()):
        np.testing.assert_array_equal(pa._data, pb._data)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt_b.load_state_dict({"state": {}, "param_groups": []})
