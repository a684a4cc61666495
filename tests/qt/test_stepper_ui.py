"""Stepper dock: actions, shortcuts, Continue animation and chunks, breakpoints, run-to."""

from __future__ import annotations

import math

import numpy as np
import pytestqt  # noqa: E402,F401  (pytest-qt is a test dependency: fail loudly if it is missing)
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

import engine as torch
from engine.autograd import AccumulateGrad
from gradviz.model.stepper import Stepper
from gradviz.qt.stepper_panel import StepperPanel


def tutorial():
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    out = (2 * torch.sin(a) + 1).sum()
    return a, out


def make_panel(qtbot, root):
    panel = StepperPanel()
    qtbot.addWidget(panel)
    stepper = Stepper(root)
    panel.set_stepper(stepper)
    return panel, stepper


def test_actions_have_names_and_shortcuts(qtbot):
    panel = StepperPanel()
    qtbot.addWidget(panel)
    a = panel.actions
    assert a["actionStep"].shortcut() == QKeySequence(Qt.Key_F10)
    assert a["actionStepBack"].shortcut() == QKeySequence(Qt.SHIFT | Qt.Key_F10)
    assert a["actionContinue"].shortcut() == QKeySequence(Qt.Key_F5)
    assert a["actionResetBackward"].objectName() == "actionResetBackward"
    assert not a["actionStep"].isEnabled()  # no graph yet


def test_step_action_writes_two_cos_a_and_step_back_restores(qtbot):
    a, out = tutorial()
    panel, stepper = make_panel(qtbot, out)
    for _ in range(4):
        panel.actions["actionStep"].trigger()
    assert a.grad is None
    assert "SinBackward0" in panel.status.text()
    panel.actions["actionStep"].trigger()
    assert isinstance(stepper.current_node, AccumulateGrad)
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.cos(a.detach().numpy()), rtol=1e-5, atol=1e-6)
    assert "complete" in panel.status.text()
    assert not panel.actions["actionStep"].isEnabled()
    panel.actions["actionStepBack"].trigger()
    assert a.grad is None
    panel.actions["actionResetBackward"].trigger()
    assert stepper.position == -1 and "Before backward" in panel.status.text()


def test_gradient_table_lists_sent_and_received(qtbot):
    a, out = tutorial()
    panel, stepper = make_panel(qtbot, out)
    panel.step()
    cells = [[panel.table.item(r, c).text() for c in range(3)] for r in range(panel.table.rowCount())]
    assert ["received", "output 0", "1"] in cells
    assert ["sent", "AddBackward0 [0]", "[25] ‖g‖=5"] in cells


def test_continue_without_animation_reaches_the_end_fast(qtbot):
    torch.manual_seed(0)
    x = torch.rand(3, requires_grad=True)
    y = x
    for _ in range(400):
        y = y * 1.001 + 0.0
    out = y.sum()
    panel, stepper = make_panel(qtbot, out)
    panel.animate.setChecked(False)
    panel.actions["actionContinue"].trigger()
    qtbot.waitUntil(lambda: stepper.at_end, timeout=20000)
    steps = len(stepper.history)
    # Its speed (>= 200 steps/s) is measured by bench/bench_stepper.py, not asserted in a test.
    assert steps == len(stepper.nodes) > 800
    assert not panel.running


def test_animated_continue_stops_at_nan_breakpoint(qtbot):
    x = torch.tensor([0.0, 4.0], requires_grad=True)
    s = x.sqrt()
    out = (s * 0.0 + s).sum()
    panel, stepper = make_panel(qtbot, out)
    panel.break_nan.setChecked(True)
    panel.speed.setValue(200)
    reasons = []
    panel.paused.connect(reasons.append)
    panel.continue_()
    assert panel.running
    qtbot.waitUntil(lambda: not panel.running, timeout=5000)
    assert stepper.current_node is s.grad_fn
    assert reasons and "SqrtBackward0" in reasons[0]
    assert "Paused" in panel.status.text()


def test_run_to_here(qtbot):
    a, out = tutorial()
    panel, stepper = make_panel(qtbot, out)
    sin = [n for n in stepper.nodes if n.name() == "SinBackward0"][0]
    panel.animate.setChecked(False)
    panel.run_to(sin)
    qtbot.waitUntil(lambda: not panel.running, timeout=5000)
    assert stepper.current_node is sin
    panel.run_to(out.grad_fn)  # already ran: go back to it
    assert stepper.current_node is out.grad_fn


def test_notes_for_non_scalar_root_and_accumulation(qtbot):
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    y = x * x
    panel, stepper = make_panel(qtbot, y)
    text = panel.notes.text()
    assert "grad can be implicitly created only for scalar outputs" in text
    assert "accumulate" in text


def test_graph_scene_shows_step_state_edge_labels_and_leaf_grad(qtbot):
    from gradviz.model.graph_model import GraphModel
    from gradviz.model.layout import compute_layout
    from gradviz.qt.graph_scene import GraphScene

    a, out = tutorial()
    model = GraphModel.from_root(out, names={id(a): "a"})
    scene = GraphScene(model, compute_layout(model.graph))
    stepper = Stepper(out)
    scene.apply_step_state(stepper)
    root_item = scene.items_by_id[model.id_of(out.grad_fn)]
    assert root_item.state_fill == scene.theme.state_ready
    stepper.step()
    scene.apply_step_state(stepper)
    assert root_item.state_fill == scene.theme.state_current
    add_id = model.id_of(out.grad_fn.next_functions[0][0])
    assert scene.edge_label(model.id_of(out.grad_fn), add_id) == "[25] ‖g‖=5"
    assert scene.items_by_id[add_id].state_fill == scene.theme.state_ready
    stepper.continue_()
    scene.apply_step_state(stepper)
    leaf = scene.items_by_id[model.id_of(a)]
    assert leaf.state_badge.startswith(".grad [25]")
    assert root_item.state_fill == scene.theme.state_done
    stepper.reset()
    scene.apply_step_state(stepper)
    assert scene.edge_label(model.id_of(out.grad_fn), add_id) == ""
    assert leaf.state_badge == "" and root_item.state_fill == scene.theme.state_ready
