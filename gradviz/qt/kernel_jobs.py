"""One way for a panel to ask the kernel something slow: a :class:`gradviz.model.jobs.Job` whose
endings and progress arrive on the GUI thread.

Each panel has one :class:`PanelJobs`: one psygnal signal carries every job's events, relayed to the
GUI thread once (``on_gui_thread``), so events of one job arrive in order (progress before the end)
and no Qt object is made or deleted per job. When the panel is deleted its relay goes with it and a
late answer is dropped.
"""

from __future__ import annotations

from psygnal import Signal
from PySide6.QtCore import QObject

from gradviz.model.jobs import Job
from gradviz.qt.relay import on_gui_thread


class _JobEvents:
    happened = Signal(object)  # (slot, args): call slot(*args) on the GUI thread


class PanelJobs:
    """Starts a panel's jobs; their ``on_done(result)``, ``on_failed(exc)`` and
    ``on_progress(fraction, message)`` run on ``owner``'s (the GUI) thread."""

    def __init__(self, owner: QObject) -> None:
        self._events = _JobEvents()
        on_gui_thread(self._events.happened, self._dispatch, owner)

    @staticmethod
    def _dispatch(event) -> None:
        slot, args = event
        slot(*args)

    def start(self, work, name: str, on_done, on_failed, on_progress=None) -> Job:
        job = Job(work, name)
        emit = self._events.happened.emit
        job.finished.connect(lambda result: emit((on_done, (result,))))
        job.failed.connect(lambda exc: emit((on_failed, (exc,))))
        if on_progress is not None:
            job.progressed.connect(lambda fraction, message: emit((on_progress, (fraction, message))))
        job.start()
        return job


def error_text(exc: BaseException) -> str:
    """The one-line message of a failed kernel request (``"NameError: name 'x' is not defined"``)."""
    error = getattr(exc, "error", None)
    if error is not None and getattr(error, "message", ""):
        return error.message
    return f"{type(exc).__name__}: {exc}"
