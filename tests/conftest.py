"""Shared test setup: Qt renders offscreen, before anything imports Qt; garbage is collected on the
main thread only."""

import gc
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Under `pytest -n auto` there is one worker per core already. numpy's OpenBLAS and torch would
    # each start a thread per core in every worker (and in every kernel and child process, which
    # inherit this environment), and OpenBLAS's threads spin while they wait: two workers on two
    # cores ran the engine tests 4x slower than one. One thread each (set before numpy or torch is
    # imported; a value the caller set wins). Kernels and the test process still agree on torch's
    # thread count, which bit-for-bit comparisons of their float32 sums rely on.
    for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_variable, "1")


def _collect_and_freeze() -> None:
    """A full collection, then everything that survived it is moved to the collector's permanent
    generation (``gc.freeze``), which no later collection walks.

    Why freeze: a full collection walks every tracked object, and after torch, Qt, scipy and the
    recorded fixtures are loaded that is some 300,000 objects, 0.2-0.5 s each time; done twice around
    each of ~550 tests it was ~200 s of the suite. Frozen, the next collection walks only what was
    allocated since (one test's objects): milliseconds. Freezing only moves survivors, so nothing is
    lost that a collection would have freed now; what a frozen object's cycle would free later is
    simply kept until the process ends, which for Qt objects is the safe side (never destroyed on a
    worker thread) and for memory a few MB a run.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True)
def _collect_garbage_on_the_main_thread(request):
    """Why: Python's cyclic collector runs in whichever thread happens to allocate. If a worker thread
    (a job worker, the kernel client's reader) triggers it while an earlier test's widgets sit in a
    reference cycle, Qt destroys those widgets on the worker thread and deadlocks against the GUI
    thread. The app avoids this with pyqtgraph's GarbageCollector (automatic collection off,
    collected on a timer in the GUI thread); the tests do the same: collect here, and keep automatic
    collection off in Qt tests.
    """
    # Qt tests: those under tests/qt, and any other that asks for pytest-qt's qtbot or qapp (an
    # in-process image export, the app's export beside the CLI's).
    qt_test = "qt" in request.node.path.parts or not {"qtbot", "qapp"}.isdisjoint(request.fixturenames)
    if "engine" in request.node.path.parts:
        # Engine tests make no widgets and start no threads: nothing for them to protect.
        yield
        return
    _collect_and_freeze()
    was_enabled = gc.isenabled()
    if qt_test:
        gc.disable()
    yield
    if qt_test:
        _collect_and_freeze()
        if was_enabled:
            gc.enable()


def pytest_collection_modifyitems(config, items):
    """The longest tests first (``@pytest.mark.runs_long``): under ``pytest -n auto`` a worker
    starts on the differential tester (~80 s) at once while the other works through the short ones,
    instead of one worker finishing with it alone at the end (longest-first keeps the two busy)."""
    items.sort(key=lambda item: item.get_closest_marker("runs_long") is None)  # stable: order kept otherwise
