"""The app driven through its automation names with scripts that try to take it down: the kernel
runs them, the window survives, Stop takes at most a second, nothing leaks into the next run."""

from __future__ import annotations

import os
import time

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPlainTextEdit, QTableWidget

from gradviz.qt.main_window import FAILED_RUN_NOTICE

GOOD = "x = torch.ones(3, requires_grad=True)\ny = (x * 2).sum()\n"


def action(window, name) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def run(qtbot, window, code, timeout=60000):
    window.findChild(QPlainTextEdit, "codeEditor").setPlainText(code)
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=timeout)


def errors(window) -> str:
    return window.findChild(QPlainTextEdit, "errorPanel").toPlainText()


@pytest.mark.parametrize("ending, code", [("os._exit", "import os\nos._exit(3)\n"),
                                          ("sys.exit", "import sys\nsys.exit(3)\n")])
def test_a_script_that_ends_the_kernel_leaves_the_window_its_text_and_graph(qtbot, window, ending, code):
    run(qtbot, window, GOOD)
    scene = window.scene
    assert scene is not None
    hostile = GOOD + code
    run(qtbot, window, hostile)
    assert window.isVisible()
    assert "the script ended the kernel (exit code 3)" in errors(window), errors(window)
    assert window.findChild(QPlainTextEdit, "codeEditor").toPlainText() == hostile
    assert window.scene is scene and window.view.notice == FAILED_RUN_NOTICE  # the last good graph
    assert action(window, "actionRun").isEnabled()
    run(qtbot, window, GOOD)  # the next Run works
    assert window.scene is not scene and window.scene.node_count() == 4 and errors(window) == ""


def _stop_within_a_second(qtbot, window) -> float:
    stop = action(window, "actionStop")
    qtbot.waitUntil(stop.isEnabled, timeout=20000)
    started = time.monotonic()
    stop.trigger()
    qtbot.waitUntil(lambda: action(window, "actionRun").isEnabled() and not window.is_running(), timeout=1000)
    return time.monotonic() - started


def test_sleep_60_is_stopped_within_a_second(qtbot, window):
    window.findChild(QPlainTextEdit, "codeEditor").setPlainText("import time\nprint('sleeping')\ntime.sleep(60)\n")
    action(window, "actionRun").trigger()
    qtbot.waitUntil(lambda: "sleeping" in window.output_panel.toPlainText(), timeout=20000)
    assert _stop_within_a_second(qtbot, window) <= 1.0
    assert "Stopped" in window.status_label.text()
    run(qtbot, window, GOOD)
    assert window.scene is not None


def test_threads_the_script_started_end_with_stop(qtbot, window):
    code = ("import threading, time\n"
            "def spin():\n    while True:\n        time.sleep(0.01)\n"
            "threading.Thread(target=spin, name='spinner').start()\n" + GOOD)
    run(qtbot, window, code)
    kernel = window.workspace.kernel
    pid = kernel.kernel_pid
    assert pid is not None and "spinner" in " ".join(window.last_result.threads)
    started = time.monotonic()
    action(window, "actionStop").trigger()
    qtbot.waitUntil(lambda: not _alive(pid), timeout=1000)
    assert time.monotonic() - started <= 1.0
    assert window.isVisible() and window.scene is not None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie until its parent reaps it: finished all the same
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except OSError:
        return False


def test_default_dtype_does_not_leak_into_the_next_run(qtbot, window):
    run(qtbot, window, "torch.set_default_dtype(torch.float64)\n" + GOOD)
    table = window.findChild(QTableWidget, "variablesTable")
    assert table.item(0, 2).text() == "torch.float64"
    run(qtbot, window, GOOD)
    assert [table.item(r, 2).text() for r in range(table.rowCount())] == ["torch.float32", "torch.float32"]
