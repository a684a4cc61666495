"""MainWindow end to end on the offscreen platform (pytest-qt)."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QGraphicsView, QPlainTextEdit

from gradviz.model.layout import LAYOUTS, overlapping_pairs
from gradviz.qt.graph_scene import NODE_H, NODE_W
from gradviz.qt.main_window import MainWindow

SCRIPT = """\
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
y = x * w
z = y.exp()
loss = z.sum()
print("loss", loss.item())
"""


def run_and_wait(qtbot, window, code, timeout=15000):
    window.editor.setPlainText(code)
    window.action_run.trigger()
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=timeout)


def test_public_object_names(window):
    assert isinstance(window.findChild(QPlainTextEdit, "codeEditor"), QPlainTextEdit)
    assert isinstance(window.findChild(QGraphicsView, "graphView"), QGraphicsView)
    for name in ("errorPanel", "outputPanel", "inspector", "variablesPanel"):
        assert window.findChild(object, name) is not None, name
    assert isinstance(window.findChild(QComboBox, "rootSelector"), QComboBox)
    layouts = window.findChild(QComboBox, "layoutSelector")
    assert [layouts.itemText(i) for i in range(layouts.count())] == list(LAYOUTS)
    for name in ("actionRun", "actionStop", "actionFit", "actionFind"):
        assert window.findChild(object, name) is not None, name
    assert {"File", "View", "Run", "Backward", "Examples"} <= set(window.menus)


def test_run_draws_nodes_and_edges(qtbot, window):
    run_and_wait(qtbot, window, SCRIPT)
    scene = window.scene
    # Sum, Exp, Mul, 2 x AccumulateGrad, leaves x and w
    assert scene.node_count() == 7
    assert scene.edge_count() == 6
    names = sorted(item.data_["name"].rpartition("::")[2] for item in scene.items_by_id.values())
    assert names == sorted(["SumBackward0", "ExpBackward0", "MulBackward0", "AccumulateGrad",
                            "AccumulateGrad", "x", "w"])
    assert "loss 26." in window.output_panel.toPlainText() or "loss" in window.output_panel.toPlainText()
    roots = window.root_selector
    assert [roots.itemText(i) for i in range(roots.count())] == ["y", "z", "loss"]
    assert roots.currentText() == "loss"


def test_root_selector_redraws(qtbot, window):
    run_and_wait(qtbot, window, SCRIPT)
    window.root_selector.setCurrentText("y")
    qtbot.waitUntil(lambda: not window.is_busy() and window.scene.node_count() == 5, timeout=10000)


@pytest.mark.parametrize("method", LAYOUTS)
def test_layouts_have_no_overlapping_boxes(qtbot, window, method):
    run_and_wait(qtbot, window, SCRIPT)
    window.layout_selector.setCurrentText(method)
    qtbot.waitUntil(lambda: not window.is_busy() and window.positions.method == method, timeout=10000)
    assert overlapping_pairs(window.positions) == []
    rects = [item.sceneBoundingRect().adjusted(3, 3, -3, -3) for item in window.scene.items_by_id.values()]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert not a.intersects(b)
    assert rects[0].width() == pytest.approx(NODE_W) and rects[0].height() == pytest.approx(NODE_H)


def test_search_highlights_and_selects(qtbot, window):
    run_and_wait(qtbot, window, SCRIPT)
    found = window.find("accumulate")
    assert len(found) == 2
    assert all(window.scene.items_by_id[n].matched for n in found)
    assert window.scene.selected_node_id() == found[0]
    window.find_next()
    assert window.scene.selected_node_id() == found[1]
    assert window.find("nothing-like-this") == []
    assert not any(item.matched for item in window.scene.items_by_id.values())


def test_inspector_for_mul_and_accumulate_grad(qtbot, window):
    run_and_wait(qtbot, window, SCRIPT)
    scene = window.scene
    mul = next(n for n, i in scene.items_by_id.items() if i.data_["name"] == "MulBackward0")
    scene.select_node(mul)
    text = window.inspector.text()
    assert "MulBackward0" in text
    assert "_saved_self" in text and "_saved_other" in text
    assert "tensor([ 0.5000, -1.0000,  2.0000], requires_grad=True)" in text  # _saved_other is w
    assert "inputs" in text and "0: 3 torch.float32" in text
    assert "created at" in text and "line 3" in text
    assert window.inspector.table.rowCount() == 3
    # Clicking the source link moves the editor to the line.
    window.inspector.source_requested.emit(3)
    assert window.editor.textCursor().blockNumber() == 2

    acc = next(n for n, i in scene.items_by_id.items()
               if i.data_["name"].endswith("AccumulateGrad")
               and any(scene.graph.nodes[s].get("name") == "w" for s in scene.graph.successors(n)))
    scene.select_node(acc)
    text = window.inspector.text()
    assert "AccumulateGrad" in text and "variable.grad += grad" in text
    assert "tensor([ 0.5000, -1.0000,  2.0000], requires_grad=True)" in text


def test_collapse_and_expand_module(qtbot, window):
    code = (
        "from engine._state import STATE\n"
        "x = torch.ones(3, requires_grad=True)\n"
        "STATE.module_path = 'block'\n"
        "a = x.exp()\n"
        "b = a * 2\n"
        "STATE.module_path = ''\n"
        "loss = b.sum()\n"
    )
    run_and_wait(qtbot, window, code)
    full = window.scene.node_count()
    assert window.scene.module_boxes() == ["block"]
    window.collapse_module("block")
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=10000)
    assert window.scene.node_count() == full - 2 + 1
    module_node = window.scene.items_by_id["module:block"]
    assert module_node.kind == "module"
    window.scene.node_activated.emit("module:block")  # what a double-click does
    qtbot.waitUntil(lambda: not window.is_busy() and "module:block" not in window.scene.items_by_id, timeout=10000)
    assert window.scene.node_count() == full


def test_syntax_error_keeps_last_graph(qtbot, window):
    run_and_wait(qtbot, window, SCRIPT)
    scene = window.scene
    run_and_wait(qtbot, window, "x = 1\ny = (\n")
    assert window.scene is scene
    assert "SyntaxError" in window.findChild(QPlainTextEdit, "errorPanel").toPlainText()
    assert window.editor.error_line == 2


def test_exception_shows_user_traceback_and_line(qtbot, window):
    run_and_wait(qtbot, window, "a = 1\nb = torch.ones(2) @ torch.ones(3)\n")
    text = window.error_panel.toPlainText()
    assert 'File "<editor>", line 2' in text and "RuntimeError" in text
    assert "engine" not in text.split("RuntimeError")[0]
    assert window.editor.error_line == 2
    # The next successful run clears the mark.
    run_and_wait(qtbot, window, SCRIPT)
    assert window.editor.error_line is None


def test_endless_loop_and_stop(qtbot, window):
    window.editor.setPlainText("while True:\n    pass\n")
    window.action_run.trigger()
    qtbot.waitUntil(lambda: window.action_stop.isEnabled(), timeout=5000)
    assert not window.action_run.isEnabled()
    window.action_stop.trigger()
    qtbot.waitUntil(lambda: not window.is_running(), timeout=1000)
    qtbot.waitUntil(lambda: window.action_run.isEnabled(), timeout=2000)
    assert not window.action_stop.isEnabled()
    assert "Stopped" in window.status_label.text()


def test_autosave_is_restored(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    first = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(first)
    first.editor.setPlainText("# unsaved work\nx = 1\n")
    first.autosave()
    first.shutdown()  # as if killed: no closeEvent
    second = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(second)
    assert second.editor.toPlainText() == "# unsaved work\nx = 1\n"
    second.shutdown()


def test_settings_remember_theme_and_recent_files(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    script = tmp_path / "s.py"
    script.write_text(SCRIPT)
    w = MainWindow(settings=settings, autosave_path=tmp_path / "a.py")
    qtbot.addWidget(w)
    w.open_file(script)
    w.apply_theme("dark")
    w.close()
    again = MainWindow(settings=settings, autosave_path=tmp_path / "a.py")
    qtbot.addWidget(again)
    assert again.theme_name == "dark"
    assert again.recent_files()[0] == str(script)
    again.apply_theme("light")
    again.shutdown()


def test_examples_menu_lists_example_files(window):
    from gradviz.qt.main_window import EXAMPLES_DIR

    titles = [a.text() for a in window.menus["Examples"].actions()]
    assert len(titles) == len(list(EXAMPLES_DIR.glob("*.py")))


def test_big_graph_opens_collapsed(qtbot, window):
    # Mul and Add in a pattern that repeats only every 11 ops (longer than a fold's body), so
    # folding cannot shrink it: the graph opens collapsed by module instead.
    code = (
        "from engine._state import STATE\n"
        "h = torch.ones(2, requires_grad=True)\n"
        "for block in range(6):\n"
        "    STATE.module_path = f'layer{block}'\n"
        "    for i in range(400):\n"
        "        h = h * 1.001 if (i * i) % 11 < 5 else h + 0.5\n"
        "STATE.module_path = ''\n"
        "loss = h.sum()\n"
    )
    run_and_wait(qtbot, window, code, timeout=60000)
    assert len(window.model) > 2000
    assert window.collapsed == {f"layer{i}" for i in range(6)}
    assert window.scene.node_count() == 6 + 1 + 2  # six modules, the sum, x's AccumulateGrad and x
