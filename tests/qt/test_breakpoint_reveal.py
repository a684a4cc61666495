"""A breakpoint or a Run-to that stops inside a collapsed module opens it and the view shows the node
(issue 13): after the re-layout the node's box is inside the viewport, not left wherever the new
graph's first view happens to be (its top, the root)."""

import threading

import pytest
from PySide6.QtCore import QSettings
from residual_scripts import residual_blocks_script

from gradviz.qt.main_window import MainWindow

# Ten blocks deep: the whole graph does not fit the view at a readable zoom, so a new graph opens
# at its top (the root) and the first block, at the bottom, is out of view.
DEEP = residual_blocks_script(10, imports=None)


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(w)
    w.resize(1000, 700)
    w.show()
    yield w
    w.shutdown()

    def alive():
        return [t.name for t in threading.enumerate() if t.name.startswith("gradviz-")]

    # The torch check (a kernel importing torch) may outlast a short test on a busy machine.
    qtbot.waitUntil(lambda: alive() == [], timeout=60000)


def visible_in_view(window, node_id) -> bool:
    view = window.view
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    return visible.contains(window.scene.items_by_id[node_id].sceneBoundingRect())


@pytest.mark.parametrize("move", ["continue", "run to"])
def test_a_breakpoint_inside_a_collapsed_module_centres_the_revealed_node(qtbot, window, move):
    window.editor.setPlainText(DEEP)
    window.action_run.trigger()
    qtbot.waitUntil(lambda: not window.is_busy() and window.scene is not None, timeout=60000)
    qtbot.waitUntil(lambda: window.workspace.backward is not None, timeout=30000)
    window.collapse_to_depth(2)  # every block one node
    qtbot.waitUntil(lambda: not window.is_busy() and "module:blocks.0" in window.scene.items_by_id, timeout=30000)
    graph = window.workspace.replica.graph
    tanh = next(n for n, d in graph.nodes(data=True) if d.get("module") == "blocks.0" and d["name"] == "TanhBackward0")
    assert tanh not in window.scene.items_by_id
    window.workspace.toggle_breakpoint(tanh)
    panel = window.backward_tools.stepper_panel
    panel.animate.setChecked(False)
    if move == "continue":
        panel.continue_()
    else:  # Run to the hidden node itself
        panel.run_to(tanh)
    qtbot.waitUntil(lambda: window.workspace.backward.current_node == tanh and not panel.running, timeout=30000)
    qtbot.waitUntil(lambda: not window.is_busy() and tanh in window.scene.items_by_id, timeout=30000)
    assert window.workspace.backward.pause_reason or move == "run to"
    assert "blocks.0" not in window.workspace.collapsed  # the group opened
    assert window.scene.selected_node_id() == tanh
    assert visible_in_view(window, tanh)
    assert not visible_in_view(window, window.scene.model.root_id)  # the view moved to it
