"""The Qt tests' shared window: a real MainWindow with its own settings and autosave file, shown,
and shut down after the test with nothing of its left running (a test file that needs another
size or settings defines its own ``window``, which wins over this one)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QSettings

from gradviz.qt.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(w)
    w.show()
    yield w
    w.shutdown()
    assert not w.workspace.running
    alive = [t.name for t in threading.enumerate() if t.name.startswith("gradviz-")]
    assert alive == [], f"threads left running: {alive}"
