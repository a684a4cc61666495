"""Import the layered layout's heavy dependencies ahead of the first layout, off the GUI thread.

The layered layout imports ``scipy.optimize`` (its coordinate linear program), ``scipy.sparse``
and ``scipy.spatial`` lazily, so that ``import gradviz`` and ``gradviz export`` of a small graph
stay quick. In the app that made the *first* graph of a session pay for them: ``scipy.optimize``
alone takes 1.2-1.5 s to import on a loaded two-core machine, more than the rest of the first
paint of a 5,000-node graph. The window starts :func:`warm_up_in_background` when it opens, so the
import runs while the user reads the window, the kernel starts and the script runs (which happen
in another process), and the first layout finds the modules loaded. If a layout starts while the
warm-up is still importing, Python's per-module import lock makes it wait for that import rather
than start a second one.
"""

from __future__ import annotations

import importlib
import threading

# What the layered layout (and the views it feeds) import on first use.
MODULES = (
    "scipy.optimize",
    "scipy.sparse",
    "scipy.spatial",
    "gradviz.model.layout_quality",
    "gradviz.model.layout_routes",
    "gradviz.model.sugiyama_place",
)

_started = threading.Event()
_thread: threading.Thread | None = None


def warm_up() -> None:
    """Import :data:`MODULES` now (in this thread). A module that fails to import is left to fail
    where it is really used, with its own message."""
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - reported by the layout that needs it
            pass


def warm_up_in_background() -> threading.Thread | None:
    """Start :func:`warm_up` on a daemon thread, once per process; the thread (None if an earlier
    call started it already)."""
    global _thread
    if _started.is_set():
        return None
    _started.set()
    _thread = threading.Thread(target=warm_up, name="gradviz-layout-warm-up", daemon=True)
    _thread.start()
    return _thread


def wait_for_warm_up(timeout: float | None = None) -> bool:
    """Block until the background warm-up (if one was started) has ended; False on timeout. The
    window waits for it when it shuts down, so no thread of the app outlives it."""
    thread = _thread
    if thread is None:
        return True
    thread.join(timeout)
    return not thread.is_alive()
