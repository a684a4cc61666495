"""Every engine optimizer against PyTorch 2.13 runs recorded in tests/fixtures/optim_cases.json:
same start weights, same data, six steps; losses, weights, state dicts and reprs must agree."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from optim_fixture import BUILDERS, CASES, as_json

import engine
from engine import optim

RUNS = CASES["optim_runs"]


def _start(dtype=None):
    data = CASES["optim_data"]
    model = BUILDERS.optim_net(engine)
    if dtype is not None:
        model = model.double()
    model.load_state_dict({k: engine.tensor(v, dtype=dtype) for k, v in data["initial"].items()})
    return model, engine.tensor(data["inputs"], dtype=dtype), engine.tensor(data["targets"], dtype=dtype)


def _check_weights(model, expected, step, rtol=2e-5, atol=2e-6):
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(value._data, np.array(expected[key]), rtol=rtol, atol=atol,
                                   err_msg=f"step {step} {key}")


def _label(run):
    return f"{run['optimizer']}-{run['kwargs']}-{run['second_group']}"


@pytest.mark.parametrize("run", RUNS, ids=_label)
def test_trajectory_matches_pytorch(run):
    model, x, y = _start()
    opt = BUILDERS.make_optimizer(engine, model, run["optimizer"], run["kwargs"], run["second_group"])
    losses, weights = BUILDERS.train(engine, model, opt, x, y, len(run["losses"]))
    np.testing.assert_allclose(losses, run["losses"], rtol=2e-5, atol=1e-7)
    for step, expected in enumerate(weights):
        _check_weights(model if step == len(weights) - 1 else _Frozen(expected), run["weights"][step], step)


class _Frozen:
    """A recorded weight snapshot that looks like a model to ``_check_weights``."""

    def __init__(self, weights):
        self._weights = weights

    def state_dict(self):
        return {k: engine.tensor(v) for k, v in self._weights.items()}


@pytest.mark.parametrize("run", RUNS, ids=_label)
def test_state_dict_and_repr_match_pytorch(run):
    model, x, y = _start()
    opt = BUILDERS.make_optimizer(engine, model, run["optimizer"], run["kwargs"], run["second_group"])
    BUILDERS.train(engine, model, opt, x, y, len(run["losses"]))
    sd = opt.state_dict()
    assert as_json([BUILDERS._plain_group(g) for g in sd["param_groups"]]) == run["param_groups"]
    assert list(map(str, sd["state"])) == list(run["state"])
    for index, buffers in run["state"].items():
        mine = sd["state"][int(index)]
        assert list(mine) == list(buffers), index  # same buffers, in PyTorch's order
        for name, expected in buffers.items():
            np.testing.assert_allclose(np.asarray(BUILDERS._plain(mine[name]), dtype=float), np.asarray(expected),
                                       rtol=2e-5, atol=2e-6, err_msg=f"{index}.{name}")
    if "step" in run["state"].get("0", {}):
        assert sd["state"][0]["step"].dtype == engine.float32  # PyTorch's counter is a float32 tensor
    assert repr(opt) == run["repr"]


@pytest.mark.parametrize("run", RUNS, ids=_label)
def test_resuming_from_a_state_dict_continues_the_same_trajectory(run):
    model, x, y = _start()
    opt = BUILDERS.make_optimizer(engine, model, run["optimizer"], run["kwargs"], run["second_group"])
    BUILDERS.train(engine, model, opt, x, y, 3)
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = opt.state_dict()
    resumed, _, _ = _start()
    resumed.load_state_dict(saved_model)
    opt2 = BUILDERS.make_optimizer(engine, resumed, run["optimizer"], run["kwargs"], run["second_group"])
    opt2.load_state_dict(saved_opt)
    BUILDERS.train(engine, resumed, opt2, x, y, len(run["losses"]) - 3)
    _check_weights(resumed, run["weights"][-1], "last")


@pytest.mark.parametrize("run", CASES["optim_runs_float64"], ids=lambda r: r["optimizer"])
def test_float64_trajectory_matches_pytorch(run):
    model, x, y = _start(engine.float64)
    opt = getattr(optim, run["optimizer"])(model.parameters(), **({"lr": 0.1} if run["optimizer"] == "SGD" else {}))
    losses, _ = BUILDERS.train(engine, model, opt, x, y, len(run["losses"]))
    np.testing.assert_allclose(losses, run["losses"], rtol=1e-12)
    _check_weights(model, run["weights"][-1], "last", rtol=1e-12, atol=1e-14)


def test_construction_errors_match_pytorch():
    expected = CASES["optim_errors"]
    found = BUILDERS._errors(engine, [
        ("rmsprop_alpha", lambda: optim.RMSprop([engine.nn.Parameter(engine.ones(1))], alpha=-1)),
        ("adagrad_lr_decay", lambda: optim.Adagrad([engine.nn.Parameter(engine.ones(1))], lr_decay=-1)),
        ("adadelta_rho", lambda: optim.Adadelta([engine.nn.Parameter(engine.ones(1))], rho=1.5)),
        ("adamax_beta", lambda: optim.Adamax([engine.nn.Parameter(engine.ones(1))], betas=(0.9, 1.0))),
        ("nadam_momentum_decay", lambda: optim.NAdam([engine.nn.Parameter(engine.ones(1))], momentum_decay=-1)),
        ("radam_eps", lambda: optim.RAdam([engine.nn.Parameter(engine.ones(1))], eps=-1)),
        ("duplicate_group", lambda: BUILDERS._duplicate_group(engine)),
        ("load_groups", lambda: BUILDERS._load_mismatch(engine)),
    ])
    assert found == expected


def test_adagrad_fills_its_state_at_construction():
    p = engine.nn.Parameter(engine.zeros(3))
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    assert sorted(opt.state[p]) == ["step", "sum"]
    np.testing.assert_array_equal(opt.state[p]["sum"]._data, np.full(3, 0.25, dtype=np.float32))


def test_zero_grad_set_to_none_false_keeps_zeroed_tensors():
    p = engine.nn.Parameter(engine.ones(2))
    (p * 2).sum().backward()
    opt = optim.RMSprop([p])
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad._data, np.zeros(2, dtype=np.float32))
    opt.zero_grad()
    assert p.grad is None


def test_add_param_group_takes_the_defaults():
    a, b = engine.nn.Parameter(engine.ones(1)), engine.nn.Parameter(engine.ones(1))
    opt = optim.NAdam([a], lr=0.01)
    opt.add_param_group({"params": b, "momentum_decay": 0.1})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum_decay"] == 0.1
    assert opt.param_groups[1]["params"] == [b]


# ---- nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector -----------------------------


@pytest.mark.parametrize("case", CASES["clip_grad_norm"], ids=lambda c: f"max{c['max_norm']}-p{c['norm_type']}")
def test_clip_grad_norm_matches_pytorch(case):
    params = BUILDERS.clip_params(engine)
    norm_type = float(case["norm_type"])
    total = engine.nn.utils.clip_grad_norm_(params, case["max_norm"], norm_type=norm_type)
    assert isinstance(total, engine.Tensor) and total.dim() == 0 and str(total.dtype) == case["dtype"]
    assert total.item() == pytest.approx(case["total"], rel=1e-6)
    for p, expected in zip(params, case["grads"]):
        if expected is None:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad._data, np.array(expected), rtol=1e-6, atol=1e-7)


def test_clip_grad_value_matches_pytorch():
    params = BUILDERS.clip_params(engine)
    engine.nn.utils.clip_grad_value_(params, 0.75)
    for p, expected in zip(params, CASES["clip_grad_value"]):
        assert (p.grad is None) == (expected is None)
        if expected is not None:
            assert p.grad.tolist() == expected


def test_clip_errors_match_pytorch():
    params = BUILDERS.clip_params(engine)
    params[0].grad[1] = float("nan")
    found = BUILDERS._errors(engine, [
        ("nonfinite", lambda: engine.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)),
        ("vector_type", lambda: engine.nn.utils.vector_to_parameters([1.0], params)),
    ])
    assert found == CASES["clip_errors"]


def test_parameters_to_vector_and_back():
    params = BUILDERS.clip_params(engine)
    vec = engine.nn.utils.parameters_to_vector(params)
    expected = CASES["parameters_to_vector"]
    assert list(vec.shape) == expected["shape"] and type(vec.grad_fn).__name__ == expected["grad_fn"]
    engine.nn.utils.vector_to_parameters(engine.arange(8, dtype=engine.float32), params)
    assert params[1].tolist() == [[3.0, 4.0], [5.0, 6.0]] and params[2].tolist() == [7.0]
    assert params[0].is_leaf and params[0].requires_grad


# ---- step hooks (behaviour checked against PyTorch 2.13 by hand: same calls, same order) -----------


def test_step_hooks_run_around_step_and_can_be_removed():
    w = engine.nn.Parameter(engine.ones(2))
    w.grad = engine.ones(2)
    opt = optim.SGD([w], lr=0.1)
    calls = []
    pre = opt.register_step_pre_hook(lambda o, args, kwargs: calls.append(("pre", o is opt, args[0] is o, kwargs)))
    opt.register_step_post_hook(lambda o, args, kwargs: calls.append(("post", len(args))))
    opt.step()
    assert calls == [("pre", True, True, {}), ("post", 1)]
    pre.remove()
    opt.step()
    assert calls[2:] == [("post", 1)]
    np.testing.assert_allclose(w._data, [0.8, 0.8])


def test_a_pre_hook_can_replace_the_arguments_and_must_return_a_pair():
    w = engine.nn.Parameter(engine.ones(1))
    opt = optim.SGD([w], lr=0.1)
    opt.register_step_pre_hook(lambda o, args, kwargs: ((o,), {"closure": lambda: 5.0}))
    assert opt.step() == 5.0
    bad = optim.SGD([w], lr=0.1)
    bad.register_step_pre_hook(lambda o, args, kwargs: (1,))
    with pytest.raises(RuntimeError, match=r"must return None or a tuple of \(new_args, new_kwargs\), but got \(1,\)"):
        bad.step()


def test_a_subclass_step_calling_super_runs_the_hooks_once():
    class MyAdam(optim.Adam):
        def step(self, closure=None):
            calls.append("my step")
            return super().step(closure)

    calls = []
    w = engine.nn.Parameter(engine.ones(1))
    opt = MyAdam([w], lr=0.1)
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    opt.step()
    assert calls == ["pre", "my step", "post"]
