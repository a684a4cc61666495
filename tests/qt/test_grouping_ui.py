"""Collapsed modules, folds and compact parameters in the window and the scene (pytest-qt, offscreen)."""

import threading

import pytest
from PySide6.QtCore import QSettings, Qt
from residual_scripts import residual_blocks_script

import engine as torch
from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.kernel.graph_builder import GraphModel
from gradviz.model.grouping import PAGE_NODES, group_graph
from gradviz.model.layout import compute_layout
from gradviz.qt.graph_scene import GraphScene
from gradviz.qt.main_window import MainWindow

CHAIN = "x = torch.ones(3, requires_grad=True)\ny = x\nfor _ in range(1000):\n    y = y * 1.0001\nloss = y.sum()\n"
MLP = residual_blocks_script(2, head=True, imports=None)


def make_window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    yield w
    w.shutdown()
    alive = [t.name for t in threading.enumerate() if t.name.startswith("gradviz-")]
    assert alive == [], f"threads left running: {alive}"


def run_and_wait(qtbot, window, code, timeout=30000):
    window.editor.setPlainText(code)
    window.action_run.trigger()
    qtbot.waitUntil(lambda: not window.is_busy() and window.scene is not None, timeout=timeout)


def wait_idle(qtbot, window):
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)


def double_click(qtbot, window, node_id):
    """A real double-click on the node's box in the graph view."""
    item = window.scene.items_by_id[node_id]
    window.view.centerOn(item)
    qtbot.wait(10)
    point = window.view.mapFromScene(item.sceneBoundingRect().center())
    qtbot.mouseDClick(window.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_a_long_chain_opens_folded_and_a_double_click_pages_through_it(qtbot, window):
    run_and_wait(qtbot, window, CHAIN)
    scene = window.scene
    (fold_id,) = [n for n, item in scene.items_by_id.items() if item.kind == "fold"]
    assert scene.items_by_id[fold_id].title == "MulBackward0 × 998"
    assert scene.node_count() == 6
    double_click(qtbot, window, fold_id)
    wait_idle(qtbot, window)
    scene = window.scene
    assert window.expanded_folds == {fold_id: 0}
    assert fold_id + "@after" in scene.items_by_id and fold_id + "@before" not in scene.items_by_id
    assert scene.node_count() == 6 - 1 + PAGE_NODES + 1
    double_click(qtbot, window, fold_id + "@after")  # the next page
    wait_idle(qtbot, window)
    assert window.expanded_folds == {fold_id: 1}
    assert fold_id + "@before" in window.scene.items_by_id
    window.collapse_fold(fold_id)
    wait_idle(qtbot, window)
    assert fold_id in window.scene.items_by_id and window.scene.node_count() == 6


def test_double_click_expands_a_collapsed_module_and_collapse_to_depth(qtbot, window):
    run_and_wait(qtbot, window, MLP)
    full = window.scene.node_count()
    assert window.scene.module_boxes()  # small: drawn open
    window.collapse_to_depth(2)
    wait_idle(qtbot, window)
    scene = window.scene
    assert {n for n, i in scene.items_by_id.items() if i.kind == "module"} == {"module:blocks.0", "module:blocks.1"}
    assert scene.items_by_id["module:blocks.0"].title == "blocks.0 · Block"
    double_click(qtbot, window, "module:blocks.0")
    wait_idle(qtbot, window)
    assert "module:blocks.0" not in window.scene.items_by_id and "module:blocks.1" in window.scene.items_by_id
    window.expand_all()
    wait_idle(qtbot, window)
    assert window.scene.node_count() == full
    depth_menu = window.grouping_actions.depth_menu
    window.grouping_actions._fill_depths()
    assert [a.text() for a in depth_menu.actions()] == ["Depth 1", "Depth 2", "Depth 3"]
    depth_menu.actions()[0].trigger()
    wait_idle(qtbot, window)
    assert window.collapsed == {"blocks", "out"}


def test_compact_parameters_are_remembered(qtbot, tmp_path):
    first = make_window(qtbot, tmp_path)
    try:
        run_and_wait(qtbot, first, MLP)
        full = first.scene.node_count()
        assert not first.compact_params
        first.findChild(object, "actionCompactParams").trigger()
        wait_idle(qtbot, first)
        assert first.compact_params
        scene = first.scene
        assert scene.node_count() == full - 3 * 5  # three Linear layers' weight and bias branches
        hosts = [i for i in scene.items_by_id.values() if i.param_badges]
        assert len(hosts) == 3 and all(len(i.param_badges) == 2 for i in hosts)
        # a double-click on a badge draws that parameter in full again
        host = hosts[0]
        badge, rect, _text = host.param_badge_rects()[0]
        assert host.badge_at(rect.center()) == badge["id"]
        scene.badge_activated.emit(badge["id"])
        wait_idle(qtbot, first)
        assert first.scene.node_count() == full - 3 * 5 + len(badge["nodes"])
    finally:
        first.shutdown()
    second = make_window(qtbot, tmp_path)
    try:
        assert second.compact_params and second.findChild(object, "actionCompactParams").isChecked()
        run_and_wait(qtbot, second, MLP)
        assert not any(i.data_.get("name", "").endswith("AccumulateGrad") for i in second.scene.items_by_id.values())
    finally:
        second.shutdown()


def test_a_breakpoint_inside_a_fold_opens_it(qtbot, window):
    run_and_wait(qtbot, window, CHAIN)
    record = window.grouping.folds[0]
    member = record["nodes"][500]
    assert window.reveal_node(member)
    wait_idle(qtbot, window)
    assert member in window.scene.items_by_id
    assert window.expanded_folds == {record["id"]: 500 // PAGE_NODES}


def test_stepping_shows_progress_inside_a_fold(qtbot):
    x = torch.ones(3, requires_grad=True)
    y = x
    for _ in range(20):
        y = y * 1.5
    loss = y.sum()
    model = GraphModel.from_root(loss, {id(x): "x"})
    grouping = group_graph(model.graph, model.root_id)
    scene = GraphScene(model, compute_layout(grouping.display), display=grouping.display)
    fold = scene.items_by_id[grouping.folds[0]["id"]]
    stepper = EngineStepper(loss)
    for _ in range(5):  # Sum, the first Mul, then 3 of the 18 folded Muls
        stepper.step()
    scene.apply_step_state(stepper)
    assert fold.state_badge == "3/18 nodes done"
    assert fold.state_fill == scene.theme.state_current
    stepper.continue_()
    scene.apply_step_state(stepper)
    assert fold.state_badge == "18/18 nodes done" and fold.state_fill == scene.theme.state_done


def test_the_inspector_describes_a_fold_and_expands_it(qtbot, window):
    from PySide6.QtCore import QUrl

    run_and_wait(qtbot, window, CHAIN)
    (fold_id,) = [n for n, item in window.scene.items_by_id.items() if item.kind == "fold"]
    window.scene.select_node(fold_id)
    text = window.inspector.text()
    assert "repetitions" in text and "998 of MulBackward0" in text and "Expand" in text
    window.inspector._on_anchor(QUrl("expand:" + fold_id))  # the "Expand" link
    wait_idle(qtbot, window)
    assert window.expanded_folds == {fold_id: 0}
