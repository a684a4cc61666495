"""Start the desktop app: ``launch(path)`` creates the QApplication and the window and runs it."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pyqtgraph.util.garbage_collector import GarbageCollector

from .main_window import EXAMPLES_DIR, MainWindow

DEFAULT_EXAMPLE = EXAMPLES_DIR / "01_simple_example.py"


def create_window(path: str | None = None, **window_options) -> MainWindow:
    """A shown window with ``path`` (or, with no path, the built-in first example) loaded and running.

    Text restored from the autosave is shown but never run: it is unsaved work the user has not
    looked at yet (it may be what crashed the last session). ``window_options`` go to MainWindow.
    """
    window = MainWindow(**window_options)
    window.show()
    if path is not None:
        window.open_file(path, run=True)
    elif window.restored_autosave is None and DEFAULT_EXAMPLE.is_file():
        window.open_file(DEFAULT_EXAMPLE, run=True)
    return window


def launch(path: str | None) -> int:
    """Open the gradviz window on ``path`` (a script) or the built-in example; returns the exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("gradviz")
    app.setOrganizationName("gradviz")
    if path is not None and not Path(path).is_file():
        print(f"gradviz: no such file: {path}", file=sys.stderr)
        return 2
    # Scripts run on worker threads; if Python's cyclic collector ran there it could destroy Qt
    # objects off the GUI thread (a deadlock or a crash). Collect on a GUI-thread timer instead.
    collector = GarbageCollector(interval=1.0)
    window = create_window(path)
    code = app.exec()
    del window, collector
    return int(code)
