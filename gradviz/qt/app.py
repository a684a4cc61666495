"""Start the desktop app: ``launch(path)`` creates the QApplication and the window and runs it."""

from __future__ import annotations

import sys
from pathlib import Path

from pyqtgraph.util.garbage_collector import GarbageCollector
from PySide6.QtWidgets import QApplication

from .main_window import EXAMPLES_DIR, MainWindow

DEFAULT_EXAMPLE = EXAMPLES_DIR / "01_simple_example.py"


def create_window(path: str | None = None, run_file: bool = False, backend: str | None = None,
                  **window_options) -> MainWindow:
    """A shown window with ``path`` loaded (run only when ``run_file``: ``gradviz --run FILE``), or,
    with no path, the built-in first example loaded and running (it ships with the app).

    Nothing else runs unasked: a file the user names may have side effects, and text restored from
    the autosave is unsaved work the user has not looked at yet (it may be what crashed the last
    session); both run on Run (Ctrl+Enter). ``backend`` ("engine"/"torch", ``gradviz --backend``)
    is chosen in the toolbar before anything runs. ``window_options`` go to MainWindow.
    """
    window = MainWindow(**window_options)
    if backend is not None:
        window.backend_selector.set_backend(backend)
    window.show()
    if path is not None:
        window.open_file(path, run=run_file)
    elif window.restored_autosave is None and DEFAULT_EXAMPLE.is_file():
        window.open_file(DEFAULT_EXAMPLE, run=True)
    return window


def launch(path: str | None, run_file: bool = False, backend: str | None = None) -> int:
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
    window = create_window(path, run_file=run_file, backend=backend)
    code = app.exec()
    del window, collector
    return int(code)
