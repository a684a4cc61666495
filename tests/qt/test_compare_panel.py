"""Run → "Run under both" (issue 12), driven through objectNames: what the Compare dock lists, the
badges on whichever backend's graph is drawn, and a row selecting its node."""

from __future__ import annotations

import pytestqt  # noqa: F401  (pytest-qt is a test dependency: fail loudly if it is missing)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QPushButton, QTableWidget, QWidget

from gradviz.model.compare import Aspect, NodeDifference
from gradviz.qt.compare_panel import drawn_badges
from tests.model.test_compare import PLANTED_SCRIPT

TIMEOUT = 180000
# Under the planted rule these differ (tests/model/test_compare.py): Cube sends 2/3 of torch's
# gradient, and every node below it follows; the root Sum and the outer Mul agree.
DIFFERING = {"CubeBackward", "MulBackward0", "torch::autograd::AccumulateGrad", "x", "w"}


def _run_both(qtbot, window, script):
    selector = window.findChild(QComboBox, "backendSelector")
    qtbot.waitUntil(lambda: selector.model().item(1).isEnabled(), timeout=TIMEOUT)
    action = window.findChild(QAction, "actionRunBoth")
    assert action.isEnabled()
    window.editor.setPlainText(script)
    panel = window.findChild(QWidget, "comparePanel")
    action.trigger()
    qtbot.waitUntil(lambda: not panel.running and panel.runs is not None, timeout=TIMEOUT)
    _wait_drawn(qtbot, window)
    return panel, window.findChild(QTableWidget, "compareTable")


def _wait_drawn(qtbot, window):
    qtbot.waitUntil(lambda: not window.is_busy() and window.scene is not None
                    and window.workspace.drawn is not None, timeout=TIMEOUT)


def _rows(table):
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def _badged_names(window):
    scene = window.scene
    return {scene.items_by_id[node].data_["name"]: box.childItems()[0].text()
            for node, box in scene.compare_badges.items()}


def test_one_row_per_node_badges_on_both_graphs_and_rows_select(qtbot, window):
    panel, table = _run_both(qtbot, window, PLANTED_SCRIPT)
    assert window.workspace.result.backend == "engine"
    rows = _rows(table)
    names = [row[0].split()[0] for row in rows]
    assert set(names) == DIFFERING and len(names) == 6  # two AccumulateGrads, each listed once
    by_name = {row[0].split()[0]: row for row in rows if not row[0].startswith("torch::")}
    assert by_name["CubeBackward"][1] == "sent" and by_name["CubeBackward"][2] == "0.333"
    assert by_name["MulBackward0"][1] == "received, sent"
    assert by_name["x"][1] == ".grad" and "[0.1875, 12, 12]" in by_name["x"][4]
    assert "[0.125, 8, 8]" in by_name["x"][3]
    # The engine's graph is drawn: its nodes carry the badges.
    badged = _badged_names(window)
    assert set(badged) == DIFFERING and badged["CubeBackward"] == "≠ sent"
    engine_badges = dict(window.scene.compare_badges)
    assert set(engine_badges) == {d.node_id for d in panel.differences}

    # Show the other backend's graph: torch's counterparts are badged.
    switch = window.findChild(QPushButton, "compareSwitchBackend")
    assert switch.text() == "Show the PyTorch graph"
    switch.click()
    qtbot.waitUntil(lambda: window.workspace.result.backend == "torch", timeout=TIMEOUT)
    _wait_drawn(qtbot, window)
    qtbot.waitUntil(lambda: set(window.scene.compare_badges) == {d.torch_node_id for d in panel.differences},
                    timeout=10000)
    assert _badged_names(window) == badged
    assert switch.text() == "Show the engine graph"
    assert window.findChild(QComboBox, "backendSelector").currentText() == "PyTorch"

    # Selecting a row (as the arrow keys do) selects its node in the drawn graph and brings it to
    # the middle of the view: zoomed in and scrolled away first, so the view has to move.
    row = names.index("CubeBackward")
    node = panel.differences[row].torch_node_id
    view = window.view
    view.zoom(4.0)
    item = window.scene.items_by_id[node]
    rect, here = window.scene.sceneRect(), item.sceneBoundingRect().center()
    corners = (rect.topLeft(), rect.topRight(), rect.bottomLeft(), rect.bottomRight())
    view.centerOn(max(corners, key=lambda c: (c.x() - here.x()) ** 2 + (c.y() - here.y()) ** 2))

    def visible():  # the node's middle is in the middle third of the view
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        middle = shown.adjusted(shown.width() / 3, shown.height() / 3, -shown.width() / 3, -shown.height() / 3)
        return middle.contains(item.sceneBoundingRect().center())

    assert not visible()
    table.setCurrentCell(row, 0)
    assert window.workspace.selected == node and window.scene.selected_node_id() == node
    assert visible()

    # Compact parameters: x's and w's AccumulateGrad + tensor become badges on their Mul, which
    # then stands for them (its badge says so).
    window.set_compact_params(True)
    qtbot.waitUntil(lambda: window.workspace.drawn is not None and window.workspace.drawn.grouping is not None
                    and bool(window.workspace.drawn.grouping.badges), timeout=TIMEOUT)
    _wait_drawn(qtbot, window)
    texts = _badged_names(window)
    assert texts["CubeBackward"] == "≠ sent"
    assert "x" not in texts and "w" not in texts
    assert any(text.endswith("inside)") and ".grad" in text for text in texts.values())

    # An edited script is not the compared one: its graph gets no badges; the table stays.
    window.editor.setPlainText(PLANTED_SCRIPT + "loss = loss * 2\n")
    window.findChild(QAction, "actionRun").trigger()
    qtbot.waitUntil(lambda: window.workspace.last_attempt is not None and not window.is_busy(), timeout=TIMEOUT)
    _wait_drawn(qtbot, window)
    qtbot.waitUntil(lambda: window.scene.compare_badges == {}, timeout=10000)
    status = window.findChild(QWidget, "compareStatus")
    assert table.rowCount() == 6 and "not the compared script" in status.text()
    # Back to the compared script: marked again, and the status says so no more.
    window.editor.setPlainText(PLANTED_SCRIPT)
    window.findChild(QAction, "actionRun").trigger()
    qtbot.waitUntil(lambda: not window.is_busy() and window.scene is not None
                    and bool(window.scene.compare_badges), timeout=TIMEOUT)
    assert "not the compared script" not in status.text() and status.text().startswith("6 node(s) differ")


def test_a_script_both_backends_agree_on_marks_nothing(qtbot, window):
    panel, table = _run_both(qtbot, window, PLANTED_SCRIPT.replace("(2.0 if ENGINE else 3.0)", "3.0"))
    assert panel.differences == [] and table.rowCount() == 0
    assert "agree" in window.findChild(QWidget, "compareStatus").text()
    assert window.scene.compare_badges == {}


def test_hidden_nodes_mark_the_drawn_node_standing_for_them():
    aspect = Aspect("sent", "input 0", "[1]", "[2]", 0.5)
    diffs = [NodeDifference("n1", "n1", "MulBackward0", (aspect,)),
             NodeDifference("n2", "n7", "AddBackward0", (Aspect("name", "", "AddBackward0", "AddBackward1"),)),
             NodeDifference(None, "n9", "ViewBackward0", (Aspect("missing", "", "(absent)", "ViewBackward0"),))]
    group_of = {"n1": "module:fc", "n2": "module:fc"}
    assert drawn_badges(diffs, "engine", group_of) == {"module:fc": "≠ sent, name (2 inside)"}
    assert drawn_badges(diffs, "engine", None) == {"n1": "≠ sent", "n2": "≠ name"}
    assert drawn_badges(diffs, "torch", {}) == {"n1": "≠ sent", "n7": "≠ name", "n9": "≠ node"}
