"""Continue in the window shows intermediate states only when due (coalesced), and where it ends --
at the end or paused -- the window shows exactly the kernel's state: every node's look, every edge
label and every leaf gradient equal those of a scene painted afresh from the kernel's own answer."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gradviz.kernel.replica import StepSnapshot
from gradviz.model import workspace_graph
from gradviz.model.backward_state import BackwardState
from gradviz.qt.graph_scene import GraphScene
from gradviz.qt.main_window import MainWindow

SCRIPT = """\
gen = torch.Generator().manual_seed(0)
h = torch.randn(4, 8, generator=gen)
w = torch.randn(8, 8, generator=gen, requires_grad=True)
b = torch.zeros(8, requires_grad=True)
for i in range({blocks}):
    h = h + (h @ w + b).tanh() * 0.5
loss = h.pow(2).mean()
loss.backward(retain_graph=True)
w_ref = w.grad.clone()
b_ref = b.grad.clone()
"""


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()
    # The threads of the graph job, Continue and the layout warm-up end with the window (the
    # backend selector's torch check is test_main_window's business; it can outlast a loaded machine).
    ours = ("gradviz-job-graph", "gradviz-job-continue", "gradviz-step-start", "gradviz-layout-warm-up")
    alive = [t.name for t in threading.enumerate() if t.name in ours]
    assert alive == [], f"threads left running: {alive}"


def run(qtbot, window, blocks: int):
    window.editor.setPlainText(SCRIPT.format(blocks=blocks))
    window.action_run.trigger()
    ws = window.workspace
    qtbot.waitUntil(lambda: not window.is_busy() and window.scene is not None and ws.backward is not None,
                    timeout=60000)
    return ws


def continue_and_count(qtbot, window) -> list[int]:
    """Continue (not animated) until it ends; the positions of the states it showed."""
    ws = window.workspace
    shown: list[int] = []
    ws.stepped.connect(lambda backward: shown.append(backward.position))
    panel = window.backward_tools.stepper_panel
    panel.animate.setChecked(False)
    panel.continue_()
    assert panel.running
    return shown


def looks(scene: GraphScene) -> dict:
    """What the scene shows of backward: each node's fill and badge, each edge label and whether
    it is on display."""
    nodes = {node_id: (item.state_fill, item.state_badge) for node_id, item in scene.items_by_id.items()}
    labels = {key: (label.full_text, label.isVisible()) for key, label in scene.__dict__.get("_edge_labels", {}).items()}
    return {"nodes": nodes, "labels": labels}


def painted_afresh(window) -> tuple[GraphScene, StepSnapshot]:
    """A new scene of the same drawing, painted once from the kernel's state as of now."""
    ws = window.workspace
    state = ws.kernel.step_state()
    fresh = BackwardState(ws.root, ws.backward.node_count)
    fresh.update(state)
    drawn = ws.drawn
    scene = GraphScene(drawn.replica, drawn.positions, display=drawn.display, hidden_count=drawn.hidden)
    scene.apply_step_state(fresh)
    return scene, StepSnapshot(state)


def assert_shows_the_kernel_state(window) -> None:
    ws = window.workspace
    reference, kernel = painted_afresh(window)
    shown = ws.backward.snapshot
    assert shown.position == kernel.position
    assert shown.current_node == kernel.current_node
    assert shown._states == kernel._states
    assert shown._waiting == kernel._waiting
    assert shown._index == kernel._index
    assert shown._edges.keys() == kernel._edges.keys()
    for key, array in kernel._edges.items():
        np.testing.assert_array_equal(shown._edges[key], array)
    assert looks(window.scene) == looks(reference)
    reference.deleteLater()


def leaf_id(ws, name: str) -> str:
    return next(n for n, d in ws.replica.graph.nodes(data=True) if d.get("kind") == "tensor" and d.get("name") == name)


def test_continue_shows_only_its_last_state_and_that_state_is_exact(qtbot, window, monkeypatch):
    # Many small chunks, and no intermediate state ever due: only the end is fetched and shown.
    monkeypatch.setattr(workspace_graph, "CONTINUE_CHUNK", 7)
    monkeypatch.setattr(workspace_graph, "CONTINUE_REFRESH", 1e9)
    ws = run(qtbot, window, blocks=60)
    assert window.scene.node_count() < len(ws.replica)  # folded: the groups' counts are exercised
    shown = continue_and_count(qtbot, window)
    panel = window.backward_tools.stepper_panel
    qtbot.waitUntil(lambda: not panel.running, timeout=60000)
    assert ws.backward.at_end
    assert shown == [ws.backward.node_count - 1], shown  # 40+ chunks ran, one state was shown
    assert_shows_the_kernel_state(window)
    # The gradients the stepped backward wrote are those of the script's own loss.backward().
    for name in ("w", "b"):
        stepped = ws.backward.leaf_grad(leaf_id(ws, name))._data
        np.testing.assert_allclose(stepped, ws.tensor_values(f"var:{name}_ref")["array"], rtol=1e-6)
    assert "nodes done" in "".join(badge for _, badge in looks(window.scene)["nodes"].values())


def test_intermediate_states_are_shown_when_due(qtbot, window, monkeypatch):
    # Due after every chunk: each chunk's state is shown, in order, ending at the last step.
    monkeypatch.setattr(workspace_graph, "CONTINUE_CHUNK", 50)
    monkeypatch.setattr(workspace_graph, "CONTINUE_REFRESH", 0.0)
    monkeypatch.setattr(workspace_graph, "CONTINUE_REFRESH_SHARE", 1.0)
    ws = run(qtbot, window, blocks=60)
    shown = continue_and_count(qtbot, window)
    panel = window.backward_tools.stepper_panel
    qtbot.waitUntil(lambda: not panel.running, timeout=60000)
    total = ws.backward.node_count
    assert shown == [min(k * 50, total) - 1 for k in range(1, -(-total // 50) + 1)], shown
    assert_shows_the_kernel_state(window)


def test_pause_after_unshown_chunks_shows_where_backward_stopped(qtbot, window, monkeypatch):
    # One step per chunk and nothing due: a Pause must still show the kernel's position, not the
    # state before the Continue.
    monkeypatch.setattr(workspace_graph, "CONTINUE_CHUNK", 1)
    monkeypatch.setattr(workspace_graph, "CONTINUE_REFRESH", 1e9)
    ws = run(qtbot, window, blocks=150)
    continue_and_count(qtbot, window)
    panel = window.backward_tools.stepper_panel
    qtbot.waitUntil(lambda: ws.kernel.step_state()["position"] >= 20 or not panel.running, timeout=60000)
    panel.toggle_continue()  # Pause
    qtbot.waitUntil(lambda: not panel.running, timeout=10000)
    assert ws.backward.position >= 20
    assert_shows_the_kernel_state(window)
