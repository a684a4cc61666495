"""Shared test setup: Qt renders offscreen, before anything imports Qt; garbage is collected on the
main thread only."""

import gc
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread(request):
    """Why: Python's cyclic collector runs in whichever thread happens to allocate. If a worker thread
    (a Session running a script) triggers it while an earlier test's widgets sit in a reference cycle,
    Qt destroys those widgets on the worker thread and deadlocks against the GUI thread. The app
    avoids this with pyqtgraph's GarbageCollector (automatic collection off, collected on a timer in
    the GUI thread); the tests do the same: collect here, and keep automatic collection off in Qt tests.
    """
    qt_test = "qt" in request.node.path.parts
    if "engine" in request.node.path.parts:
        # Engine tests make no widgets and start no threads; a full collection before each of them
        # was most of the suite's time.
        yield
        return
    gc.collect()
    was_enabled = gc.isenabled()
    if qt_test:
        gc.disable()
    yield
    if qt_test:
        gc.collect()
        if was_enabled:
            gc.enable()
