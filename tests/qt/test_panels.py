"""Training, Profiler and Jacobian docks, each on a real Workspace whose kernel does the work.

The panels are driven through their automation names (objectName); what they show is compared with
the same computation done here, in the test process.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import pytestqt  # noqa: E402,F401  (pytest-qt is a test dependency: fail loudly if it is missing)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTabWidget,
)

import engine
from gradviz.kernel import KernelClient
from gradviz.model.workspace import Workspace
from gradviz.qt.jacobian_panel import JacobianPanel
from gradviz.qt.profiler_panel import ProfilerPanel
from gradviz.qt.training_panel import TrainingPanel

HAVE_TORCH = importlib.util.find_spec("torch") is not None
if not HAVE_TORCH and os.environ.get("CI"):
    pytest.fail("torch is not installed, but the torch backend's tests must run in CI", pytrace=False)
NEEDS_TORCH = pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed (CI installs it)")
WAIT = 60000

PROFILE_SCRIPT = """\
import torch
x = torch.randn(2, 3, requires_grad=True)
y = torch.rand(2, 3, requires_grad=True)
z = torch.ones(2, 3, requires_grad=True)
for _ in range(1000):
    z = (z / x) * y
"""

TUTORIAL_PROFILE_SCRIPT = """\
import torch
run_on_gpu = False
x = torch.randn(2, 3, requires_grad=True)
y = torch.rand(2, 3, requires_grad=True)
z = torch.ones(2, 3, requires_grad=True)

with torch.autograd.profiler.profile(use_cuda=run_on_gpu) as prf:
    for _ in range(1000):
        z = (z / x) * y

print(prf.key_averages().table(sort_by='self_cpu_time_total'))
"""

# Weights, batch and target fixed by formula: the test process builds the very same network.
SMALL = textwrap.dedent("""\
    import torch

    class Small(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer1 = torch.nn.Linear(4, 12)
            self.relu = torch.nn.ReLU()
            self.layer2 = torch.nn.Linear(12, 3)  # row 0 of its weight: 12 numbers

        def forward(self, x):
            return self.layer2(self.relu(self.layer1(x)))

    model = Small()
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
    some_input = torch.linspace(-1.0, 1.0, 20).reshape(5, 4)
    ideal_output = torch.linspace(0.0, 1.0, 15).reshape(5, 3)
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    """)


@pytest.fixture
def workspace():
    ws = Workspace(KernelClient(prestart=False))
    yield ws
    ws.close()


@pytest.fixture
def torch_workspace():
    ws = Workspace(KernelClient(prestart=False), backend="torch")
    yield ws
    ws.close()


def _library(backend: str):
    if backend == "torch":
        import torch

        return torch
    return engine


def _run(qtbot, ws: Workspace, code: str) -> None:
    job = ws.run(code)
    assert job is not None and job.wait(WAIT / 1000)
    assert ws.last_attempt is not None and ws.last_attempt.ok, ws.last_attempt.error


def _ready(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT)


def _reference(backend: str):
    ns: dict = {}
    exec(SMALL.replace("import torch\n", ""), {"torch": _library(backend)}, ns)
    return ns


def _training_panel(qtbot, ws, code=SMALL) -> TrainingPanel:
    panel = TrainingPanel(ws)
    qtbot.addWidget(panel)
    panel.show()  # a shown panel asks the kernel what there is to train
    _run(qtbot, ws, code)
    qtbot.waitUntil(lambda: bool(panel.options), timeout=WAIT)  # the kernel's answer arrived
    _ready(qtbot, panel)
    return panel


# ---- training -------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["engine", pytest.param("torch", marks=NEEDS_TORCH)])
def test_training_one_step_matches_optimizer_step(qtbot, backend):
    ws = Workspace(KernelClient(prestart=False), backend=backend)
    try:
        panel = _training_panel(qtbot, ws)
        assert panel.findChild(QComboBox, "trainModel").currentText() == "model"
        assert (panel.findChild(QComboBox, "trainInput").currentText(),
                panel.findChild(QComboBox, "trainTarget").currentText()) == ("some_input", "ideal_output")
        assert panel.findChild(QComboBox, "trainParameter").currentText() == "layer2.weight"
        table = panel.findChild(QTableWidget, "weightsTable")
        assert table.rowCount() == 1  # "now", before any training
        panel.lr.setValue(0.001)
        panel.findChild(QPushButton, "trainOne").click()
        _ready(qtbot, panel)

        lib = _library(backend)
        ns = _reference(backend)
        reference = ns["model"]
        opt = lib.optim.SGD(reference.parameters(), lr=0.001)
        loss = (ns["ideal_output"] - reference(ns["some_input"])).pow(2).sum()
        loss.backward()
        before = reference.layer2.weight.detach().numpy()[0][0:10].copy()
        opt.step()
        after = reference.layer2.weight.detach().numpy()
        cells = [[float(table.item(r, c).text()) for c in range(10)] for r in range(2)]
        np.testing.assert_allclose(cells[0], before, atol=5e-5)
        np.testing.assert_allclose(cells[1], after[0][0:10], atol=5e-5)
        x, y = panel.loss_curve.getData()
        assert list(x) == [1] and y[0] == pytest.approx(float(loss.item()), rel=1e-6)
        np.testing.assert_allclose(panel.weight_heatmap.data, after, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(panel.grad_heatmap.data, reference.layer2.weight.grad.numpy(), rtol=1e-5, atol=1e-7)
        assert panel.findChild(QLabel, "trainStatus").text().startswith("1 steps; loss ")
    finally:
        ws.close()


def test_training_n_steps_with_progress_and_stop(qtbot, workspace):
    panel = _training_panel(qtbot, workspace)
    panel.findChild(QSpinBox, "trainSteps").setValue(20)
    panel.findChild(QPushButton, "trainN").click()
    _ready(qtbot, panel)
    assert len(panel.losses) == 20 and len(panel.grad_norms) == 20
    assert panel.findChild(QProgressBar, "trainProgress").value() == 20
    x, y = panel.loss_curve.getData()
    assert len(x) == 20 and y[-1] < y[0]
    panel.findChild(QSpinBox, "trainSteps").setValue(10_000_000)
    panel.findChild(QPushButton, "trainN").click()
    stop = panel.findChild(QPushButton, "trainStop")
    assert stop.isEnabled() and not panel.findChild(QPushButton, "trainOne").isEnabled()
    # The curve grows while the kernel trains.
    qtbot.waitUntil(lambda: len(panel.loss_curve.getData()[0]) > 25, timeout=WAIT)
    assert panel.busy
    started = time.monotonic()
    stop.click()
    _ready(qtbot, panel)
    assert time.monotonic() - started < 1.0
    assert 20 < len(panel.losses) < 10_000_020
    assert "Stopped" in panel.status.text()
    assert panel.findChild(QPushButton, "trainOne").isEnabled() and not stop.isEnabled()
    # The kernel was interrupted, not killed: training goes on from there.
    done = len(panel.losses)
    panel.findChild(QPushButton, "trainOne").click()
    _ready(qtbot, panel)
    assert len(panel.losses) == done + 1


def test_training_without_zero_grad_piles_up(qtbot, workspace):
    panel = _training_panel(qtbot, workspace)
    panel.lr.setValue(0.0)
    panel.findChild(QCheckBox, "trainZeroGrad").setChecked(False)
    panel.findChild(QPushButton, "trainOne").click()
    _ready(qtbot, panel)
    g1 = panel.parameter["grad"].copy()
    panel.findChild(QPushButton, "trainOne").click()
    _ready(qtbot, panel)
    np.testing.assert_allclose(panel.parameter["grad"], 2 * g1, rtol=1e-5, atol=1e-6)
    assert "accumulate" in panel.status.text()


def test_training_offers_the_tutorial_when_the_script_has_no_model(qtbot, workspace):
    panel = _training_panel(qtbot, workspace, "import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2\n")
    assert panel.findChild(QComboBox, "trainModel").count() == 0
    assert "nn.Module" in panel.status.text()
    panel.findChild(QPushButton, "trainOne").click()  # nothing to train: says so, sends nothing
    assert not panel.busy and "nn.Module" in panel.status.text()
    panel.findChild(QPushButton, "trainTutorial").click()
    _ready(qtbot, panel)
    assert panel.findChild(QComboBox, "trainModel").currentText() == "model"
    assert panel.findChild(QComboBox, "trainInput").currentText() == "some_input"
    assert panel.findChild(QComboBox, "trainParameter").currentText() == "layer2.weight"
    panel.findChild(QPushButton, "trainOne").click()
    _ready(qtbot, panel)
    assert panel.parameter["now"].shape == (10, 100) and len(panel.losses) == 1


def test_a_hidden_training_panel_asks_the_kernel_when_shown(qtbot, workspace):
    panel = TrainingPanel(workspace)
    qtbot.addWidget(panel)
    _run(qtbot, workspace, SMALL)
    qtbot.wait(300)
    assert not panel.options and not panel.busy  # hidden: nothing was asked
    panel.show()
    qtbot.waitUntil(lambda: bool(panel.options), timeout=WAIT)
    assert panel.findChild(QComboBox, "trainModel").currentText() == "model"
    _ready(qtbot, panel)


def test_training_errors_show_in_one_line(qtbot, workspace):
    panel = _training_panel(qtbot, workspace)
    panel.findChild(QComboBox, "trainTarget").setCurrentText("W")  # a (2, 2) target for (5, 3) outputs
    panel.findChild(QPushButton, "trainOne").click()
    _ready(qtbot, panel)
    text = panel.status.text()
    assert text.startswith("Error: ") and "\n" not in text and "Traceback" not in text
    assert panel.findChild(QPushButton, "trainOne").isEnabled()


def test_a_new_run_refreshes_the_training_panel(qtbot, workspace):
    panel = _training_panel(qtbot, workspace)
    panel.findChild(QPushButton, "trainOne").click()
    _ready(qtbot, panel)
    assert len(panel.losses) == 1
    _run(qtbot, workspace, SMALL.replace("model = Small()", "net = Small()\nmodel = net"))
    qtbot.waitUntil(lambda: panel.findChild(QComboBox, "trainModel").count() == 2, timeout=WAIT)
    _ready(qtbot, panel)
    x, _y = panel.loss_curve.getData()
    assert panel.losses == [] and (x is None or len(x) == 0)


# ---- profiler -------------------------------------------------------------------------------------
def test_profiler_table_has_div_and_mul_with_1000_calls(qtbot, workspace, tmp_path):
    panel = ProfilerPanel(workspace, code_provider=lambda: PROFILE_SCRIPT)
    qtbot.addWidget(panel)
    panel.findChild(QPushButton, "profileRun").click()
    assert panel.busy and not panel.run_button.isEnabled()
    _ready(qtbot, panel)
    assert panel.run_button.isEnabled()
    rows = dict(panel.rows())
    assert rows["aten::div"] == 1000
    assert rows["aten::mul"] == 1000
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert headers == ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    # Sorting by calls puts the 1000-call rows first.
    panel.table.sortItems(6)
    panel.table.sortItems(6, panel.table.horizontalHeader().sortIndicatorOrder().DescendingOrder)
    assert int(panel.table.item(0, 6).text()) >= 1000
    text = panel.findChild(QPlainTextEdit, "profileText").toPlainText()
    assert "Self CPU time total:" in text and "aten::div" in text
    trace = tmp_path / "trace.json"
    panel.export_trace(str(trace))
    names = [e["name"] for e in json.loads(trace.read_text())["traceEvents"]]
    assert names.count("aten::div") == 1000
    assert len(panel._bars) == len(names)


def test_profiler_uses_the_scripts_own_profile(qtbot, workspace):
    panel = ProfilerPanel(workspace)
    qtbot.addWidget(panel)
    panel.profile_async(TUTORIAL_PROFILE_SCRIPT)
    _ready(qtbot, panel)
    assert panel.findChild(QComboBox, "profileSource").currentText() == "prf"
    rows = dict(panel.rows())
    assert rows["aten::div"] == 1000 and rows["aten::mul"] == 1000


def test_profiler_profiles_the_workspace_text_and_cancel_stops_it(qtbot, workspace):
    panel = ProfilerPanel(workspace)
    qtbot.addWidget(panel)
    panel.profile_editor()
    assert not panel.busy and "no script" in panel.status.text()
    workspace.text = "import time\nwhile True:\n    time.sleep(0.01)\n"
    panel.profile_editor()
    cancel = panel.findChild(QPushButton, "profileCancel")
    assert panel.busy and cancel.isEnabled()
    qtbot.wait(500)
    started = time.monotonic()
    cancel.click()
    _ready(qtbot, panel)
    assert time.monotonic() - started < 1.0
    assert panel.status.text() == "Profiling stopped." and panel.run_button.isEnabled()
    workspace.text = "import torch\nx = torch.ones(2, requires_grad=True)\ny = undefined_name\n"
    panel.profile_editor()
    _ready(qtbot, panel)
    assert panel.status.text() == "The script failed: NameError: name 'undefined_name' is not defined"


@NEEDS_TORCH
def test_profiler_under_pytorch(qtbot, torch_workspace):
    panel = ProfilerPanel(torch_workspace, code_provider=lambda: PROFILE_SCRIPT)
    qtbot.addWidget(panel)
    panel.profile_editor()
    _ready(qtbot, panel)
    rows = dict(panel.rows())
    assert rows["aten::div"] == 1000 and rows["aten::mul"] == 1000
    assert "under PyTorch" in panel.status.text()


# ---- Jacobian -------------------------------------------------------------------------------------
def _compute(qtbot, panel) -> None:
    panel.findChild(QPushButton, "jacobianCompute").click()
    _ready(qtbot, panel)


def test_jacobian_panel_matches_finite_differences(qtbot, workspace):
    panel = JacobianPanel(workspace)
    qtbot.addWidget(panel)
    panel.findChild(QPlainTextEdit, "jacobianFunction").setPlainText("def f(x):\n    return x.sin() * x.sum()\n")
    panel.findChild(QLineEdit, "jacobianInputs").setText("torch.tensor([0.1, 0.5, 1.0], dtype=torch.float64)")
    panel.findChild(QComboBox, "jacobianMode").setCurrentText("jacobian")
    _compute(qtbot, panel)
    assert panel.views, panel.status.text()
    jac = panel.views[0].data
    x = np.array([0.1, 0.5, 1.0])
    f = lambda v: np.sin(v) * v.sum()  # noqa: E731
    eps = 1e-6
    fd = np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-8)


def test_hessian_and_errors(qtbot, workspace):
    panel = JacobianPanel(workspace)
    qtbot.addWidget(panel)
    panel.function_edit.setPlainText("lambda x: (x ** 3).sum()")
    panel.inputs_edit.setText("torch.tensor([1.0, 2.0], dtype=torch.float64)")
    panel.mode_combo.setCurrentText("hessian")
    _compute(qtbot, panel)
    np.testing.assert_allclose(panel.views[0].data, np.diag([6.0, 12.0]))
    panel.function_edit.setPlainText("lambda x: undefined_name * x")
    _compute(qtbot, panel)
    assert panel.findChild(QTabWidget, "jacobianTabs").count() == 0
    assert "NameError: name 'undefined_name' is not defined" in panel.status.text()


def test_vjp_tuple_inputs(qtbot, workspace):
    panel = JacobianPanel(workspace)
    qtbot.addWidget(panel)
    panel.function_edit.setPlainText("def f(x, y):\n    return x * y\n")
    panel.inputs_edit.setText("torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])")
    panel.v_edit.setText("torch.tensor([1.0, 10.0])")
    panel.mode_combo.setCurrentText("vjp")
    _compute(qtbot, panel)
    data = {panel.tabs.tabText(i): panel.views[i].data for i in range(panel.tabs.count())}
    np.testing.assert_allclose(data["vjp[0]"], [[3.0, 40.0]])
    np.testing.assert_allclose(data["vjp[1]"], [[1.0, 20.0]])


@pytest.mark.parametrize("backend", ["engine", pytest.param("torch", marks=NEEDS_TORCH)])
def test_jacobian_sees_the_scripts_variables_on_either_backend(qtbot, backend):
    ws = Workspace(KernelClient(prestart=False), backend=backend)
    try:
        panel = JacobianPanel(ws)
        qtbot.addWidget(panel)
        _run(qtbot, ws, SMALL)
        panel.function_edit.setPlainText("lambda x: W @ x.pow(2)")
        panel.inputs_edit.setText("torch.tensor([1.0, -2.0], dtype=torch.float64)")
        _compute(qtbot, panel)
        np.testing.assert_allclose(panel.views[0].data, [[2.0, -8.0], [6.0, -16.0]])  # W @ diag(2x)
    finally:
        ws.close()


def test_jacobian_cancel_interrupts_a_long_computation(qtbot, workspace):
    panel = JacobianPanel(workspace)
    qtbot.addWidget(panel)
    panel.function_edit.setPlainText("def f(x):\n    while True:\n        pass\n")
    panel.inputs_edit.setText("torch.ones(2)")
    panel.findChild(QPushButton, "jacobianCompute").click()
    cancel = panel.findChild(QPushButton, "jacobianCancel")
    assert panel.busy and cancel.isEnabled()
    qtbot.wait(500)
    started = time.monotonic()
    cancel.click()
    _ready(qtbot, panel)
    assert time.monotonic() - started < 1.0
    assert "Stopped by the user" in panel.status.text()
    assert panel.findChild(QPushButton, "jacobianCompute").isEnabled() and not cancel.isEnabled()


# ---- layering -------------------------------------------------------------------------------------
@pytest.mark.parametrize("module", ["training_panel", "profiler_panel", "jacobian_panel", "kernel_jobs"])
def test_the_panels_import_neither_engine_nor_torch(module):
    source = (Path(__file__).parents[2] / "gradviz" / "qt" / f"{module}.py").read_text()
    tree = ast.parse(source)
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {n.split(".")[0] for n in names} & {"engine", "torch"}, names
    assert not any(n.startswith("gradviz.kernel") for n in names), names  # they talk to the workspace
