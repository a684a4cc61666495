"""Long work off the GUI thread: one cancellable job with progress, used for everything slow.

Layout, training, profiling, export, Jacobians and script runs all go through :class:`Job`, so
there is one way to start work, report progress, cancel it and hear how it ended. A job runs a
plain function ``work(job)`` on a daemon thread; the function calls ``job.report(fraction,
message)`` now and then, which is also where a cancelled job stops (``report`` raises
:class:`JobCancelled`). The signals are psygnal's and fire on the worker thread; the Qt layer
hands them to the GUI thread (``gradviz.qt.relay.on_gui_thread``).

Qt-free on purpose: the CLI and the tests use the same jobs without an event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from psygnal import Signal


class JobCancelled(Exception):
    """Raised inside a job's work by :meth:`Job.report` once the job was cancelled."""


class Job:
    """``work(job) -> result`` on a thread of its own.

    Signals: ``progressed(fraction, message)``, ``finished(result)``, ``failed(error)`` where
    ``error`` is the exception the work raised (a :class:`JobCancelled` when it was cancelled).
    Exactly one of ``finished``/``failed`` fires, once, after which :attr:`done` is true.
    """

    progressed = Signal(float, str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, work: Callable[[Job], Any], name: str = "") -> None:
        self.work = work
        self.name = name or getattr(work, "__name__", "job")
        self.result: Any = None
        self.error: BaseException | None = None
        self.started_at: float | None = None
        self.seconds: float | None = None
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    # ---- the caller's side ----------------------------------------------------------------------
    def start(self) -> Job:
        if self._thread is not None:
            raise RuntimeError(f"job {self.name!r} was already started")
        self._thread = threading.Thread(target=self._main, name=f"gradviz-job-{self.name}", daemon=True)
        self.started_at = time.perf_counter()
        self._thread.start()
        return self

    def cancel(self) -> None:
        """Ask the work to stop at its next :meth:`report` (the job then fails with JobCancelled)."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ended and its thread is gone (True) or ``timeout`` seconds passed
        (False). The thread outlives ``done`` by the ``finished``/``failed`` emission: joining it
        too is what lets a window's shutdown promise that none of its threads is left."""
        end = None if timeout is None else time.perf_counter() + timeout
        if not self._done.wait(timeout):
            return False
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(None if end is None else max(0.0, end - time.perf_counter()))
        return True

    # ---- the work's side ------------------------------------------------------------------------
    def report(self, fraction: float, message: str = "") -> None:
        """Say how far the work is (0..1); raises JobCancelled when the job was cancelled."""
        if self._cancel.is_set():
            raise JobCancelled(self.name)
        self.progressed.emit(float(min(1.0, max(0.0, fraction))), message)

    def check(self) -> None:
        """Raise JobCancelled when the job was cancelled (for loops with nothing to report)."""
        if self._cancel.is_set():
            raise JobCancelled(self.name)

    def _main(self) -> None:
        try:
            result = self.work(self)
            if self._cancel.is_set():
                raise JobCancelled(self.name)
        except BaseException as exc:  # noqa: BLE001 - every ending is reported, never lost
            self.error = exc
            self.seconds = time.perf_counter() - self.started_at
            self._done.set()
            self.failed.emit(exc)
            return
        self.result = result
        self.seconds = time.perf_counter() - self.started_at
        self._done.set()
        self.finished.emit(result)


def start_job(work: Callable[[Job], Any], name: str = "") -> Job:
    """Start ``work(job)`` on its own thread and return the job (connect its signals first if
    the work may end at once: :class:`Job` with ``.start()`` after connecting is the safe form)."""
    return Job(work, name).start()
