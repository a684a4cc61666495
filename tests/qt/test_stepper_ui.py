"""Stepper dock on a workspace (backward steps in the kernel): actions, shortcuts, Continue animated
and as a kernel job, breakpoints, run-to, notes, and the scene's colours from the step answers."""

from __future__ import annotations

import numpy as np
import pytest
import pytestqt  # noqa: E402,F401  (pytest-qt is a test dependency: fail loudly if it is missing)
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from gradviz.model.workspace import Workspace
from gradviz.qt.stepper_panel import StepperPanel

TUTORIAL = """import math
a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
out = (2 * torch.sin(a) + 1).sum()
"""


@pytest.fixture
def ws():
    workspace = Workspace()
    yield workspace
    workspace.close()


def make_panel(qtbot, ws, code):
    panel = StepperPanel(ws)
    qtbot.addWidget(panel)
    ws.run(code)
    qtbot.waitUntil(lambda: not ws.busy and ws.backward is not None, timeout=60000)
    qtbot.waitUntil(lambda: "Before backward" in panel.status.text(), timeout=5000)
    return panel


def name_of(ws, node_id):
    return ws.replica.graph.nodes[node_id]["name"] if node_id is not None else None


def a_grad(ws):
    return ws.tensor_values("var:a.grad")["array"]


def test_actions_have_names_and_shortcuts(qtbot, ws):
    panel = StepperPanel(ws)
    qtbot.addWidget(panel)
    a = panel.actions
    assert a["actionStep"].shortcut() == QKeySequence(Qt.Key_F10)
    assert a["actionStepBack"].shortcut() == QKeySequence(Qt.SHIFT | Qt.Key_F10)
    assert a["actionContinue"].shortcut() == QKeySequence(Qt.Key_F5)
    assert a["actionResetBackward"].objectName() == "actionResetBackward"
    assert not a["actionStep"].isEnabled()  # no graph yet


def test_step_action_writes_two_cos_a_and_step_back_restores(qtbot, ws):
    panel = make_panel(qtbot, ws, TUTORIAL)
    for _ in range(4):
        panel.actions["actionStep"].trigger()
    assert a_grad(ws) is None
    assert "SinBackward0" in panel.status.text()
    panel.actions["actionStep"].trigger()
    assert name_of(ws, ws.backward.current_node).endswith("AccumulateGrad")
    a = ws.tensor_values("var:a")["array"]
    np.testing.assert_allclose(a_grad(ws), 2 * np.cos(a), rtol=1e-5, atol=1e-6)
    assert "complete" in panel.status.text()
    assert not panel.actions["actionStep"].isEnabled()
    panel.actions["actionStepBack"].trigger()
    assert a_grad(ws) is None
    panel.actions["actionResetBackward"].trigger()
    assert ws.backward.position == -1 and "Before backward" in panel.status.text()


def test_gradient_table_lists_sent_and_received(qtbot, ws):
    panel = make_panel(qtbot, ws, TUTORIAL)
    panel.step()
    cells = [[panel.table.item(r, c).text() for c in range(3)] for r in range(panel.table.rowCount())]
    assert ["received", "output 0", "1"] in cells
    assert ["sent", "AddBackward0 [0]", "[25] ‖g‖=5"] in cells


def test_continue_without_animation_reaches_the_end_in_the_kernel(qtbot, ws):
    code = ("torch.manual_seed(0)\nx = torch.rand(3, requires_grad=True)\ny = x\n"
            "for _ in range(400):\n    y = y * 1.001 + 0.0\nout = y.sum()\n")
    panel = make_panel(qtbot, ws, code)
    panel.animate.setChecked(False)
    panel.actions["actionContinue"].trigger()
    assert panel.running
    qtbot.waitUntil(lambda: not panel.running, timeout=20000)
    assert ws.backward.at_end
    # Its speed is measured by bench/bench_gui.py, not asserted in a test.
    assert ws.backward.position + 1 == ws.backward.node_count > 800
    assert "complete" in panel.status.text()


def test_animated_continue_stops_at_nan_breakpoint(qtbot, ws):
    panel = make_panel(qtbot, ws, "x = torch.tensor([0.0, 4.0], requires_grad=True)\ns = x.sqrt()\n"
                                  "out = (s * 0.0 + s).sum()\n")
    panel.break_nan.setChecked(True)
    panel.speed.setValue(200)
    reasons = []
    panel.paused.connect(reasons.append)
    panel.continue_()
    assert panel.running
    qtbot.waitUntil(lambda: not panel.running, timeout=5000)
    assert name_of(ws, ws.backward.current_node) == "SqrtBackward0"
    assert reasons and "SqrtBackward0" in reasons[0]
    assert "Paused" in panel.status.text()


def test_run_to_here(qtbot, ws):
    panel = make_panel(qtbot, ws, TUTORIAL)
    graph = ws.replica.graph
    sin = next(n for n in graph if graph.nodes[n]["name"] == "SinBackward0")
    panel.run_to(sin)
    assert ws.backward.current_node == sin
    root = ws.replica.root_id
    panel.run_to(root)  # already ran: go back to it
    assert ws.backward.current_node == root


def test_notes_for_non_scalar_root_and_a_grad_set_aside(qtbot, ws):
    panel = make_panel(qtbot, ws, "x = torch.tensor([1.0, 2.0], requires_grad=True)\n"
                                  "(x * 2).sum().backward()\ny = x * x\n")
    text = panel.notes.text()
    assert "grad can be implicitly created only for scalar outputs" in text
    assert "clean .grad" in text and "(x)" in text


def test_graph_scene_shows_step_state_edge_labels_and_leaf_grad(qtbot, ws):
    from gradviz.qt.graph_scene import GraphScene

    make_panel(qtbot, ws, TUTORIAL)
    replica = ws.replica
    scene = GraphScene(replica, ws.positions, display=ws.drawn.display)
    backward = ws.backward
    scene.apply_step_state(backward)
    root = replica.root_id
    root_item = scene.items_by_id[root]
    assert root_item.state_fill == scene.theme.state_ready
    ws.step()
    scene.apply_step_state(backward)
    assert root_item.state_fill == scene.theme.state_current
    add_id = next(iter(replica.graph.successors(root)))
    assert replica.graph.nodes[add_id]["name"] == "AddBackward0"
    assert scene.edge_label(root, add_id) == "[25] ‖g‖=5"
    assert scene.items_by_id[add_id].state_fill == scene.theme.state_ready
    assert ws.continue_().wait(30)
    scene.apply_step_state(backward)
    leaf = next(n for n in replica.graph if replica.graph.nodes[n]["name"] == "a")
    assert scene.items_by_id[leaf].state_badge.startswith(".grad [25]")
    assert root_item.state_fill == scene.theme.state_done
    ws.reset()
    scene.apply_step_state(backward)
    assert scene.edge_label(root, add_id) == ""
    assert scene.items_by_id[leaf].state_badge == "" and root_item.state_fill == scene.theme.state_ready
