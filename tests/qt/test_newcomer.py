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
