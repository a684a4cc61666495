"""Training, Profiler and Jacobian docks."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

import pytestqt  # noqa: E402,F401  (pytest-qt is a test dependency: fail loudly if it is missing)

import engine as torch
from gradviz.model.training import tutorial_namespace
from gradviz.qt.jacobian_panel import JacobianPanel
from gradviz.qt.profiler_panel import ProfilerPanel
from gradviz.qt.training_panel import TrainingPanel

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


def test_training_one_step_matches_optimizer_step(qtbot):
    ns = tutorial_namespace()
    reference = copy.deepcopy(ns["model"])
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_namespace(ns)
    assert panel.model_combo.currentText() == "model"
    assert (panel.input_combo.currentText(), panel.target_combo.currentText()) == ("some_input", "ideal_output")
    assert panel.param_combo.currentText() == "layer2.weight"
    panel.lr.setValue(0.001)
    panel.one_button.click()

    opt = torch.optim.SGD(reference.parameters(), lr=0.001)
    loss = (ns["ideal_output"] - reference(ns["some_input"])).pow(2).sum()
    loss.backward()
    before = reference.layer2.weight.detach().numpy()[0][0:10].copy()
    opt.step()
    after = reference.layer2.weight.detach().numpy()[0][0:10]
    np.testing.assert_array_equal(ns["model"].layer2.weight.detach().numpy(), reference.layer2.weight.detach().numpy())
    table = [[float(panel.weights_table.item(r, c).text()) for c in range(10)] for r in range(2)]
    np.testing.assert_allclose(table[0], before, atol=5e-5)
    np.testing.assert_allclose(table[1], after, atol=5e-5)
    x, y = panel.loss_curve.getData()
    assert list(x) == [1] and y[0] == pytest.approx(float(loss.item()), rel=1e-6)
    np.testing.assert_array_equal(panel.weight_heatmap.data, reference.layer2.weight.detach().numpy())


def test_training_n_steps_in_background_with_stop(qtbot):
    ns = tutorial_namespace()
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_namespace(ns)
    panel.steps.setValue(20)
    panel.n_button.click()
    qtbot.waitUntil(lambda: panel.one_button.isEnabled(), timeout=60000)
    assert len(panel.trainer.losses) == 20
    assert panel.progress.value() == 20
    x, y = panel.loss_curve.getData()
    assert len(x) == 20 and y[-1] < y[0]
    panel.steps.setValue(100000)
    panel.n_button.click()
    assert panel.stop_button.isEnabled()
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.one_button.isEnabled(), timeout=60000)
    assert 20 <= len(panel.trainer.losses) < 100020
    assert "Stopped" in panel.status.text()


def test_training_without_zero_grad_piles_up(qtbot):
    ns = tutorial_namespace()
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel.set_namespace(ns)
    panel.lr.setValue(0.0)
    panel.zero_grad.setChecked(False)
    panel.one_button.click()
    g1 = ns["model"].layer2.weight.grad.numpy().copy()
    panel.one_button.click()
    np.testing.assert_allclose(ns["model"].layer2.weight.grad.numpy(), 2 * g1, rtol=1e-5, atol=1e-6)
    assert "accumulate" in panel.status.text()


def test_profiler_table_has_div_and_mul_with_1000_calls(qtbot, tmp_path):
    panel = ProfilerPanel(code_provider=lambda: PROFILE_SCRIPT)
    qtbot.addWidget(panel)
    panel.profile_editor()
    qtbot.waitUntil(lambda: panel.run_button.isEnabled(), timeout=60000)
    rows = dict(panel.rows())
    assert rows["aten::div"] == 1000
    assert rows["aten::mul"] == 1000
    headers = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert headers == ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    # Sorting by calls puts the 1000-call rows first.
    panel.table.sortItems(6)
    panel.table.sortItems(6, panel.table.horizontalHeader().sortIndicatorOrder().DescendingOrder)
    assert int(panel.table.item(0, 6).text()) >= 1000
    trace = tmp_path / "trace.json"
    panel.export_trace(str(trace))
    names = [e["name"] for e in json.loads(trace.read_text())["traceEvents"]]
    assert names.count("aten::div") == 1000
    assert len(panel._bars) == len(names)


def test_profiler_uses_the_scripts_own_profile(qtbot):
    panel = ProfilerPanel()
    qtbot.addWidget(panel)
    panel.profile_sync(TUTORIAL_PROFILE_SCRIPT)
    assert panel.source_combo.currentText() == "prf"
    rows = dict(panel.rows())
    assert rows["aten::div"] == 1000 and rows["aten::mul"] == 1000


def test_jacobian_panel_matches_finite_differences(qtbot):
    panel = JacobianPanel()
    qtbot.addWidget(panel)
    panel.function_edit.setPlainText("def f(x):\n    return x.sin() * x.sum()\n")
    panel.inputs_edit.setText("torch.tensor([0.1, 0.5, 1.0], dtype=torch.float64)")
    panel.mode_combo.setCurrentText("jacobian")
    assert panel.compute(), panel.status.text()
    jac = panel.views[0].data
    x = np.array([0.1, 0.5, 1.0])
    f = lambda v: np.sin(v) * v.sum()
    eps = 1e-6
    fd = np.stack([(f(x + eps * e) - f(x - eps * e)) / (2 * eps) for e in np.eye(3)], axis=1)
    np.testing.assert_allclose(jac, fd, rtol=1e-6, atol=1e-8)


def test_hessian_and_errors(qtbot):
    panel = JacobianPanel()
    qtbot.addWidget(panel)
    panel.function_edit.setPlainText("lambda x: (x ** 3).sum()")
    panel.inputs_edit.setText("torch.tensor([1.0, 2.0], dtype=torch.float64)")
    panel.mode_combo.setCurrentText("hessian")
    assert panel.compute(), panel.status.text()
    np.testing.assert_allclose(panel.views[0].data, np.diag([6.0, 12.0]))
    panel.function_edit.setPlainText("lambda x: undefined_name * x")
    assert not panel.compute()
    assert "NameError" in panel.status.text()


def test_vjp_tuple_inputs(qtbot):
    panel = JacobianPanel()
    qtbot.addWidget(panel)
    panel.function_edit.setPlainText("def f(x, y):\n    return x * y\n")
    panel.inputs_edit.setText("torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])")
    panel.v_edit.setText("torch.tensor([1.0, 10.0])")
    panel.mode_combo.setCurrentText("vjp")
    assert panel.compute(), panel.status.text()
    data = {panel.tabs.tabText(i): panel.views[i].data for i in range(panel.tabs.count())}
    np.testing.assert_allclose(data["vjp[0]"], [[3.0, 40.0]])
    np.testing.assert_allclose(data["vjp[1]"], [[1.0, 20.0]])
