"""The analysis panels' kernel requests -- training, profiler, Jacobians -- on both backends.

Each is checked against the same computation done here, in the test process (the engine, and the
real PyTorch for the torch backend), and the two backends against each other; a long training run
and a long Jacobian end within a second of Stop and leave the kernel usable; a script without a
model, a failing profiled script and a typo in the Jacobian's function come back as one-line errors.

torch is in the test extra (CI installs it, and there the torch cases must run); without it they are
skipped with the reason, the engine cases still run.
"""

from __future__ import annotations

import importlib.util
import json
import os
import textwrap
import threading
import time

import numpy as np
import pytest

import engine
from gradviz.kernel import KernelClient, KernelRequestError
from gradviz.model.training import TUTORIAL_TRAINING

HAVE_TORCH = importlib.util.find_spec("torch") is not None
if not HAVE_TORCH and os.environ.get("CI"):
    pytest.fail("torch is not installed, but the torch backend's tests must run in CI", pytrace=False)
NEEDS_TORCH = pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed (CI installs it)")
BACKENDS = ["engine", pytest.param("torch", marks=NEEDS_TORCH)]

# Weights, batch and target fixed by formula, so both backends train the very same network.
SMALL = textwrap.dedent("""\
    import torch

    class Small(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = torch.nn.Linear(4, 3)
            self.relu = torch.nn.ReLU()
            self.layer2 = torch.nn.Linear(3, 2)

        def forward(self, x):
            return self.layer2(self.relu(self.layer1(x)))

    model = Small()
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    inputs = torch.linspace(-1.0, 1.0, 20).reshape(5, 4)
    target = torch.linspace(0.0, 1.0, 10).reshape(5, 2)
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    """)

CONFIG = {"model": "model", "input": "inputs", "target": "target", "loss": "sum of squares",
          "optimizer": "SGD", "lr": 0.01, "momentum": 0.0}

PROFILE_SCRIPT = textwrap.dedent("""\
    import torch
    x = torch.ones(2, 3, requires_grad=True)
    y = torch.rand(2, 3, requires_grad=True)
    z = torch.ones(2, 3, requires_grad=True)
    for _ in range(100):
        z = (z / x) * y
    z.sum().backward()
    """)

OWN_PROFILE_SCRIPT = textwrap.dedent("""\
    import torch
    x = torch.randn(2, 3, requires_grad=True)
    z = torch.ones(2, 3, requires_grad=True)
    with torch.autograd.profiler.profile() as prf:
        for _ in range(100):
            z = z * x
    """)


def _library(backend: str):
    if backend == "torch":
        import torch

        return torch
    return engine


def _small_namespace(backend: str) -> dict:
    namespace: dict = {}
    exec(SMALL.replace("import torch\n", ""), {"torch": _library(backend)}, namespace)
    return namespace


def _reference_training(backend: str, steps: int, optimizer: str = "SGD", loss: str = "sum of squares",
                        zero_grad: bool = True, lr: float = 0.01, momentum: float = 0.0):
    """The tutorial's loop written out here, on the same network: (losses, model)."""
    lib = _library(backend)
    ns = _small_namespace(backend)
    model = ns["model"]
    opt = (lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum) if optimizer == "SGD"
           else lib.optim.Adam(model.parameters(), lr=lr))
    losses = []
    for _ in range(steps):
        if zero_grad:
            opt.zero_grad()
        pred = model(ns["inputs"])
        value = lib.nn.MSELoss()(pred, ns["target"]) if loss == "MSE" else (ns["target"] - pred).pow(2).sum()
        value.backward()
        opt.step()
        losses.append(float(value.item()))
    return losses, model


@pytest.fixture(scope="module", params=BACKENDS)
def small(request):
    """A kernel that ran SMALL under the backend (one per backend: the tests share it)."""
    client = KernelClient(prestart=False)
    result = client.run(SMALL, "<small>", request.param)
    assert result.ok, result.error
    yield request.param, client
    client.close()


def _fresh(client: KernelClient, backend: str) -> None:
    """A new run, so training starts from the script's weights again."""
    assert client.run(SMALL, "<small>", backend).ok


# ---- training -------------------------------------------------------------------------------------
def test_training_options_name_the_scripts_model_and_tensors(small):
    backend, client = small
    options = client.train_options()
    assert options["modules"] == ["model"]
    assert (options["input"], options["target"]) == ("inputs", "target")
    assert options["parameters"]["model"] == ["layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"]
    assert options["backend"] == backend


@pytest.mark.parametrize("optimizer,loss,momentum", [("SGD", "sum of squares", 0.0), ("SGD", "MSE", 0.9),
                                                     ("Adam", "MSE", 0.0)])
def test_training_matches_the_loop_written_out_here(small, optimizer, loss, momentum):
    backend, client = small
    _fresh(client, backend)
    config = dict(CONFIG, optimizer=optimizer, loss=loss, momentum=momentum, lr=0.05)
    answer = client.train(config, 4, parameter="layer2.weight")
    expected, model = _reference_training(backend, 4, optimizer, loss, lr=0.05, momentum=momentum)
    assert answer["steps_done"] == 4 and not answer["stopped"]
    np.testing.assert_allclose(answer["losses"], expected, rtol=1e-6)
    weight = model.layer2.weight.detach().numpy()
    np.testing.assert_allclose(answer["parameter"]["now"], weight, rtol=1e-6, atol=1e-7)
    # "before" is the weight before this run: the script's formula.
    np.testing.assert_allclose(answer["parameter"]["before"],
                               (np.linspace(-0.5, 0.5, 6, dtype=np.float32) * 3).reshape(2, 3), rtol=1e-6)
    np.testing.assert_allclose(answer["parameter"]["grad"], model.layer2.weight.grad.numpy(), rtol=1e-5, atol=1e-7)
    norms = answer["parameter_norms"]
    assert norms["layer2.weight"] == pytest.approx(float(np.linalg.norm(weight)), rel=1e-6)
    assert len(answer["grad_norms"]) == len(answer["param_norms"]) == 4
    assert answer["param_norms"][-1] == pytest.approx(
        float(np.sqrt(sum(np.sum(p.detach().numpy().astype(np.float64) ** 2) for p in model.parameters()))), rel=1e-5)


def test_without_zero_grad_the_gradients_pile_up(small):
    backend, client = small
    _fresh(client, backend)
    config = dict(CONFIG, lr=0.0)  # lr 0: every step computes the same gradient g
    one = client.train(config, 1, zero_grad=False, parameter="layer1.weight")["parameter"]["grad"]
    three = client.train(config, 2, zero_grad=False, parameter="layer1.weight")
    np.testing.assert_allclose(three["parameter"]["grad"], 3 * one, rtol=1e-5, atol=1e-7)
    assert len(three["losses"]) == 3  # one loss curve across requests
    # grad norm per step grows: g, 2g, 3g
    np.testing.assert_allclose(three["grad_norms"], three["grad_norms"][0] * np.array([1, 2, 3]), rtol=1e-5)


def test_zero_grad_on_again_gives_one_gradient_and_losses_fall_with_progress(small):
    backend, client = small
    _fresh(client, backend)
    config = dict(CONFIG, lr=0.0)
    one = client.train(config, 1, parameter="layer1.weight")["parameter"]["grad"]
    client.train(config, 2, zero_grad=False)
    again = client.train(config, 1, zero_grad=True, parameter="layer1.weight")["parameter"]["grad"]
    np.testing.assert_allclose(again, one, rtol=1e-5, atol=1e-7)
    progress: list[dict] = []
    answer = client.train(dict(CONFIG, loss="MSE", lr=0.1), 30, on_progress=progress.append)
    assert (progress[-1]["done"], progress[-1]["total"]) == (30, 30)
    # Progress messages carry the new losses: together, exactly this request's 30.
    assert sum(len(m["losses"]) for m in progress) == 30
    np.testing.assert_array_equal(np.concatenate([m["losses"] for m in progress]), answer["losses"][-30:])
    assert answer["losses"][-1] < answer["losses"][-30]


def test_cross_entropy_with_class_targets(small):
    backend, _client = small
    with KernelClient(prestart=False) as other:
        assert other.run(SMALL + "labels = torch.tensor([0, 1, 1, 0, 1])\n", "<small>", backend).ok
        answer = other.train(dict(CONFIG, target="labels", loss="CrossEntropy", lr=0.5), 20)
    assert answer["losses"][-1] < answer["losses"][0]


@NEEDS_TORCH
def test_both_backends_train_the_same_network_alike():
    answers = {}
    for backend in ("engine", "torch"):
        with KernelClient(prestart=False) as client:
            assert client.run(SMALL, "<small>", backend).ok
            answers[backend] = client.train(dict(CONFIG, optimizer="Adam", lr=0.05), 5, parameter="layer1.weight")
    np.testing.assert_allclose(answers["engine"]["losses"], answers["torch"]["losses"], rtol=1e-5)
    np.testing.assert_allclose(answers["engine"]["parameter"]["now"], answers["torch"]["parameter"]["now"],
                               rtol=1e-5, atol=1e-6)


def test_the_tutorial_training_loads_into_a_kernel_that_ran_nothing():
    with KernelClient(prestart=False) as client:
        options = client.train_options(tutorial=True, backend="engine")
        assert "model" in options["modules"]
        assert (options["input"], options["target"]) == ("some_input", "ideal_output")
        config = dict(CONFIG, input="some_input", target="ideal_output", lr=0.001)
        answer = client.train(config, 2, parameter="layer2.weight")
        assert answer["parameter"]["now"].shape == (10, 100)
        assert not np.array_equal(answer["parameter"]["now"][0][:10], answer["parameter"]["before"][0][:10])
        assert answer["losses"][1] < answer["losses"][0]
    assert "class TinyModel" in TUTORIAL_TRAINING


def test_stop_ends_a_long_training_run_within_a_second(small):
    backend, client = small
    _fresh(client, backend)
    progress: list[dict] = []
    answer: dict = {}
    worker = threading.Thread(target=lambda: answer.update(
        client.train(CONFIG, 10_000_000, parameter="layer2.weight", on_progress=progress.append)))
    worker.start()
    deadline = time.monotonic() + 60
    while not progress and time.monotonic() < deadline:
        time.sleep(0.01)
    assert progress, "no progress message arrived"
    assert progress[-1]["total"] == 10_000_000
    started = time.monotonic()
    client.stop()
    worker.join(5)
    took = time.monotonic() - started
    assert not worker.is_alive() and took < 1.0, took
    assert answer["stopped"] and 0 < answer["steps_done"] < 10_000_000
    assert len(answer["losses"]) == answer["steps_done"]
    # The kernel answered (it was not killed): it still holds the script and the training.
    assert client.train_options()["modules"] == ["model"]
    assert client.train_parameter("layer2.weight")["before"] is not None


def test_a_script_without_a_model_is_a_one_line_error(small):
    backend, client = small
    with KernelClient(prestart=False) as other:
        assert other.run("import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n", "<x>", backend).ok
        assert other.train_options()["modules"] == []
        with pytest.raises(KernelRequestError) as err:
            other.train(CONFIG, 1)
        message = str(err.value)
        assert "no nn.Module" in message and "\n" not in message
    with pytest.raises(KernelRequestError, match="not a tensor of the script"):
        client.train(dict(CONFIG, input="nothing"), 1)
    with pytest.raises(KernelRequestError, match="unknown optimizer"):
        client.train(dict(CONFIG, optimizer="LBFGS-ish"), 1)


# ---- profiler -------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_profile_rows_events_table_and_trace(backend):
    with KernelClient(prestart=False) as client:
        answer = client.profile(PROFILE_SCRIPT, backend=backend)
    assert answer["backend"] == backend
    prof = answer["profiles"]["whole script"]
    rows = {r["name"]: r for r in prof["rows"]}
    # 100 of each in the forward, more in the backward (DivBackward0 divides too).
    assert rows["aten::div"]["calls"] > 100 and rows["aten::mul"]["calls"] > 100
    assert rows["DivBackward0"]["calls"] == 100 and rows["MulBackward0"]["calls"] == 100
    for row in prof["rows"]:
        assert row["cpu_total_us"] >= row["self_cpu_us"] - 1e-6 >= -1e-6
        assert row["cpu_avg_us"] == pytest.approx(row["cpu_total_us"] / row["calls"], rel=1e-3, abs=1e-3)
    events = prof["events"]
    assert sum(e["name"] == "aten::div" for e in events) == rows["aten::div"]["calls"]
    assert all(e["duration_us"] >= 0 and isinstance(e["thread"], int) for e in events)
    assert max(e["depth"] for e in events) >= 1  # aten ops nest (the backward's evaluate_function)
    # The table as PyTorch prints it: its header and total line.
    assert "Self CPU %" in prof["table"] and "Self CPU time total:" in prof["table"]
    names = [e["name"] for e in json.loads(prof["trace"])["traceEvents"] if e.get("ph") == "X"]
    assert names.count("aten::div") == rows["aten::div"]["calls"]


def test_profile_matches_the_profiler_run_here():
    """The engine's profile in the kernel counts what the same profile counts in this process."""
    ns = {"torch": engine}
    with engine.autograd.profiler.profile() as prof:
        exec(PROFILE_SCRIPT.replace("import torch\n", ""), ns)
    here = {a.key: a.count for a in prof.key_averages()}
    with KernelClient(prestart=False) as client:
        rows = client.profile(PROFILE_SCRIPT, backend="engine")["profiles"]["whole script"]["rows"]
    assert {r["name"]: r["calls"] for r in rows} == here


@pytest.mark.parametrize("backend", BACKENDS)
def test_profile_offers_the_scripts_own_profile_and_keeps_the_current_kernel(small, backend):
    _backend, client = small
    pid = client.kernel_pid
    answer = client.profile(OWN_PROFILE_SCRIPT, backend=backend)
    assert client.kernel_pid == pid  # profiled in a kernel of its own
    assert client.train_options()["modules"] == ["model"]  # the run's kernel still holds its script
    own = {r["name"]: r["calls"] for r in answer["profiles"]["prf"]["rows"]}
    assert own["aten::mul"] == 100


def test_a_failing_profiled_script_is_an_error():
    with KernelClient(prestart=False) as client:
        with pytest.raises(KernelRequestError) as err:
            client.profile("import torch\nx = torch.ones(2)\ny = undefined_name\n", backend="engine")
    assert err.value.error.kind == "exception"
    assert "NameError: name 'undefined_name' is not defined" in str(err.value)
    assert err.value.error.lineno == 3


# ---- Jacobians ------------------------------------------------------------------------------------
def test_jacobian_matches_finite_differences(small):
    backend, client = small
    answer = client.jacobian("jacobian", "def f(x):\n    return x.sin() * x.sum()\n",
                             "torch.tensor([0.1, 0.5, 1.0], dtype=torch.float64)")
    assert answer["backend"] == backend and answer["mode"] == "jacobian"
    (name, jac), = answer["blocks"]
    assert name == "jacobian" and jac.dtype == np.float64
    x = np.array([0.1, 0.5, 1.0])
    f = lambda v: np.sin(v) * v.sum()  # noqa: E731
    eps = 1e-6
    fd = np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-8)


def test_hessian_vjp_jvp_use_the_scripts_variables_and_match_this_process(small):
    backend, client = small
    lib = _library(backend)
    ns = {"torch": lib, "W": lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=lib.float64)}
    f_src = "lambda x: (W @ x).pow(3).sum()"
    x_src = "torch.tensor([0.5, -1.0], dtype=torch.float64)"
    f, x = eval(f_src, ns), eval(x_src, ns)
    functional = lib.autograd.functional
    hessian = client.jacobian("hessian", f_src, x_src)["blocks"][0][1]
    np.testing.assert_allclose(hessian, functional.hessian(f, x).numpy(), rtol=1e-12)
    g_src = "def g(x, y):\n    return x * y + W[0]\n"
    inputs = "torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor([3.0, 4.0], dtype=torch.float64)"
    vjp = dict(client.jacobian("vjp", g_src, inputs, "torch.tensor([1.0, 10.0], dtype=torch.float64)")["blocks"])
    np.testing.assert_allclose(vjp["output"], [4.0, 10.0])  # blocks keep their shape (1-D here)
    np.testing.assert_allclose(vjp["vjp[0]"], [3.0, 40.0])
    np.testing.assert_allclose(vjp["vjp[1]"], [1.0, 20.0])
    jvp = dict(client.jacobian("jvp", g_src, inputs, "(torch.ones(2, dtype=torch.float64), "
                                                     "torch.zeros(2, dtype=torch.float64))")["blocks"])
    np.testing.assert_allclose(jvp["jvp"], [3.0, 4.0])


@NEEDS_TORCH
def test_both_backends_give_the_same_jacobian():
    f_src, x_src = "lambda x, y: (x.exp() * y).tanh()", "torch.linspace(-1, 1, 4, dtype=torch.float64), torch.ones(4, dtype=torch.float64)"
    out = {}
    for backend in ("engine", "torch"):
        with KernelClient(prestart=False) as client:
            out[backend] = client.jacobian("jacobian", f_src, x_src, backend=backend)
            assert out[backend]["backend"] == backend
    for (n1, a1), (n2, a2) in zip(out["engine"]["blocks"], out["torch"]["blocks"]):
        assert n1 == n2
        np.testing.assert_allclose(a1, a2, rtol=1e-12)
    assert [n for n, _ in out["engine"]["blocks"]] == ["jacobian[0]", "jacobian[1]"]


def test_jacobian_errors_are_one_line(small):
    _backend, client = small
    with pytest.raises(KernelRequestError) as err:
        client.jacobian("jacobian", "lambda x: undefined_name * x", "torch.ones(2)")
    assert str(err.value) == "NameError: name 'undefined_name' is not defined"
    with pytest.raises(KernelRequestError, match="unknown mode"):
        client.jacobian("laplacian", "lambda x: x", "torch.ones(2)")
    with pytest.raises(KernelRequestError, match="TypeError"):
        client.jacobian("jacobian", "def f(x, y):\n    return x * y\n", "torch.ones(2)")


def test_stop_ends_a_long_jacobian_and_keeps_the_kernel(small):
    backend, client = small
    error: list = []

    def work() -> None:
        try:
            client.jacobian("jacobian", "def f(x):\n    while True:\n        pass\n", "torch.ones(2)")
        except KernelRequestError as exc:
            error.append(exc)

    pid = client.kernel_pid
    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(0.5)
    started = time.monotonic()
    client.stop()
    worker.join(5)
    assert not worker.is_alive() and time.monotonic() - started < 1.0
    assert error and error[0].error.kind == "stopped"
    assert client.kernel_pid == pid  # interrupted, not killed: the script's variables are still there
    assert client.jacobian("jacobian", "lambda x: W @ x", "torch.ones(2, dtype=torch.float64)")["blocks"][0][1].tolist() \
        == [[1.0, 2.0], [3.0, 4.0]]
