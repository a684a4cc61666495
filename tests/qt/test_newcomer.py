"""Regressions found by driving the window like a newcomer (first launch, errors, stepping, themes)."""

import threading

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from gradviz.qt.main_window import MainWindow


def make_window(qtbot, tmp_path, show=True):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(w)
    if show:
        w.show()
        qtbot.waitExposed(w)
    return w


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    yield w
    w.shutdown()
    alive = [t.name for t in threading.enumerate() if t.name.startswith("gradviz-")]
    assert alive == [], f"threads left running: {alive}"


def run_and_wait(qtbot, window, code, timeout=20000):
    window.editor.setPlainText(code)
    window.action_run.trigger()
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=timeout)


def test_first_launch_uses_most_of_the_screen_and_gives_the_editor_room(qtbot, window):
    avail = window.screen().availableGeometry()
    smallest = window.minimumSizeHint()
    # Never larger than the screen (unless the docks' minimum sizes force it on a tiny screen).
    assert window.width() <= max(avail.width(), smallest.width())
    assert window.height() <= max(avail.height(), smallest.height())
    assert window.width() >= 0.85 * avail.width()
    assert window.height() >= 0.85 * avail.height()
    qtbot.wait(50)  # dock and splitter sizes are applied on the first event-loop turn
    editor, graph = window.splitter.sizes()
    assert editor >= 0.4 * (editor + graph)


def test_saved_splitter_proportions_are_restored(qtbot, tmp_path):
    first = make_window(qtbot, tmp_path)
    qtbot.wait(50)
    first.splitter.setSizes([200, 400])
    editor_before = first.splitter.sizes()[0]
    first.close()
    second = make_window(qtbot, tmp_path)
    qtbot.wait(50)
    try:
        # (The offscreen screen is 800x600, so Qt clamps a restored window size; the splitter is exact.)
        assert second.settings.value("geometry") is not None
        assert abs(second.splitter.sizes()[0] - editor_before) <= 2
    finally:
        second.shutdown()


GRAPH = "x = torch.tensor([1.0, 2.0], requires_grad=True)\ny = (x * 2).sum()\n"


def test_a_run_without_a_graph_clears_the_previous_scripts_graph(qtbot, window):
    run_and_wait(qtbot, window, GRAPH)
    assert window.scene is not None and window.scene.node_count() == 4
    run_and_wait(qtbot, window, "a = torch.ones(3, requires_grad=True)\nprint(a)\n")
    assert window.scene is None
    assert window.view.scene() is not None and not window.view.scene().items()
    assert "no tensor with a grad_fn" in window.view.placeholder
    assert window.backward_tools.stepper is None and window.workspace.backward is None


def test_a_failed_run_keeps_the_last_graph_and_says_so(qtbot, window):
    run_and_wait(qtbot, window, GRAPH)
    run_and_wait(qtbot, window, GRAPH + "z = y + undefined_name\n")
    assert window.scene is not None and window.scene.node_count() == 4
    assert "failed" in window.view.notice
    assert "NameError" in window.error_panel.toPlainText()
    run_and_wait(qtbot, window, GRAPH)
    assert window.view.notice == ""
    # The (now empty) Errors tab gives way to the output again.
    assert window.docks["Errors"].visibleRegion().isEmpty()
    assert not window.docks["Output"].visibleRegion().isEmpty()


def test_dropped_output_lines_are_reported(qtbot, window):
    run_and_wait(qtbot, window, "for i in range(30000):\n    print(i)\n", timeout=60000)
    assert window.output_panel.toPlainText().rstrip().endswith("29999")
    assert "30,000 lines printed" in window.status_label.text()


def test_search_without_a_match_says_so(qtbot, window):
    run_and_wait(qtbot, window, GRAPH)
    assert window.find("no-such-node") == []
    assert "no match" in window.find_status.text()
    assert window.find_field.styleSheet()
    assert window.find("MulBackward") and " of " in window.find_status.text()
    assert window.find_field.styleSheet() == ""


def test_long_notice_wraps_inside_the_view(qtbot, window):
    run_and_wait(qtbot, window, GRAPH)
    window.view.notice = "word " * 200
    image = window.view.grab().toImage()
    # The notice box is drawn in the top-left; wrapped, it is taller than one line of text.
    from PySide6.QtGui import QColor
    tall = sum(1 for y in range(0, image.height(), 4) if QColor(image.pixel(14, y)).name() == "#fff3bf"
               or QColor(image.pixel(14, y)).red() > 250 and QColor(image.pixel(14, y)).blue() < 210)
    assert tall * 4 > 60


def _contrast(a, b) -> float:
    """WCAG contrast ratio of two QColors."""
    def luminance(c):
        def channel(v):
            v = v / 255
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_links_and_messages_are_readable_in_both_themes(qtbot, window, theme):
    from PySide6.QtGui import QColor, QPalette

    from gradviz.qt.theme import current_theme, get_theme

    window.apply_theme(theme)
    palette = QApplication.instance().palette()
    base = palette.color(QPalette.ColorRole.Base)
    assert _contrast(palette.color(QPalette.ColorRole.Link), base) >= 4.5
    assert current_theme().name == theme
    for colour in (get_theme(theme).error_text, get_theme(theme).warn_text):
        assert _contrast(QColor(colour), base) >= 4.5, colour


def test_module_boxes_are_translucent_grey_not_olive():
    from PySide6.QtGui import QColor

    from gradviz.qt.theme import DARK, LIGHT

    for theme in (LIGHT, DARK):
        fill = QColor(theme.module_fill)
        assert fill.alpha() < 64  # a faint wash behind the nodes
        assert abs(fill.red() - fill.blue()) < 60 and fill.green() < fill.blue()  # grey-blue


NAN_SCRIPT = "x = torch.tensor([-1.0, 4.0], requires_grad=True)\ns = torch.sqrt(x).sum()\n"


def test_a_nan_breakpoint_shows_the_node_and_its_source_line(qtbot, window):
    run_and_wait(qtbot, window, NAN_SCRIPT)
    panel = window.backward_tools.stepper_panel
    panel.break_nan.setChecked(True)
    panel.animate.setChecked(False)
    panel.continue_()
    qtbot.waitUntil(lambda: not panel.running, timeout=5000)
    backward = window.workspace.backward
    assert window.scene.node_data(backward.current_node)["name"] == "SqrtBackward0"
    assert "NaN" in backward.pause_reason
    selected = window.scene.selected_node_id()
    assert selected is not None and window.scene.node_data(selected)["name"] == "SqrtBackward0"
    assert window.editor.step_line == 2
    assert "NaN" in window.status_label.text()
    assert "SqrtBackward0" in window.inspector.text()
    panel.reset()
    assert window.editor.step_line is None


TWO_ROOTS = """\
w = torch.tensor([1.0, 2.0], requires_grad=True)
a = (w * 3).sum()
b = (w * w).sum()
"""


def test_changing_the_root_mid_backward_gives_the_leaves_their_grad_back(qtbot, window):
    run_and_wait(qtbot, window, TWO_ROOTS)
    panel = window.backward_tools.stepper_panel
    def w_grad():
        array = window.workspace.tensor_values("var:w.grad")["array"]
        return None if array is None else array.tolist()

    assert window.workspace.root == "b" and w_grad() is None
    while not panel.backward.at_end:
        panel.step()
    assert w_grad() == [2.0, 4.0]  # root b's backward wrote 2*w
    window.root_selector.setCurrentText("a")
    qtbot.waitUntil(lambda: not window.is_busy() and panel.backward is not None and panel.backward.root == "a",
                    timeout=10000)
    assert w_grad() is None
    assert panel.backward.note is None
    while not panel.backward.at_end:
        panel.step()
    assert w_grad() == [3.0, 3.0]  # not 3 + 2*w from the abandoned backward


FAN_OUT = """\
x = torch.randn(4, 8)
w1 = torch.randn(8, 6, requires_grad=True)
b1 = torch.randn(6, requires_grad=True)
w2 = torch.randn(6, 3, requires_grad=True)
b2 = torch.randn(3, requires_grad=True)
h = torch.relu(x @ w1 + b1)
out = h @ w2 + b2
loss = (out * out).sum() + (h * 0.5).sum() + h.mean()
"""


def test_edge_gradient_labels_never_overlap_nodes_or_each_other(qtbot, window):
    from gradviz.qt.graph_scene import MAX_EDGE_LABELS, NodeItem

    run_and_wait(qtbot, window, FAN_OUT)
    panel = window.backward_tools.stepper_panel
    scene = window.scene
    checked_steps = 0
    while not panel.backward.at_end:
        panel.step()
        labels = scene.__dict__.get("_edge_labels", {})
        shown = [lab for lab in labels.values() if lab.isVisible()]
        assert len(shown) <= MAX_EDGE_LABELS
        rects = [lab.sceneBoundingRect() for lab in shown]
        for i, a in enumerate(rects):
            assert not any(a.intersects(b) for b in rects[i + 1:])
            for item in scene.items(a):
                if isinstance(item, NodeItem):
                    box = item.sceneBoundingRect().adjusted(3, 18, -3, -3)
                    assert not box.intersects(a), item.title
        # What the current node sent is labelled whenever it fits, and always known.
        current = panel.backward.current_node
        sent = [(current, v) for _, v in scene.graph.out_edges(current) if scene.edge_label(current, v)]
        if sent:
            assert any(scene.edge_label_visible(u, v) for u, v in sent)
        checked_steps += 1
    assert checked_steps > 10
