"""One way for a panel to ask the kernel something slow: a :class:`gradviz.model.jobs.Job` whose
endings and progress arrive on the GUI thread.

The relays live on a small holder object per job, deleted once the job has ended, so a panel that
trains a thousand times does not keep a thousand relays; a panel deleted while its job runs drops
the late answer (``on_gui_thread``'s rule).
"""

from __future__ import annotations

from PySide6.QtCore import QObject

from gradviz.model.jobs import Job
from gradviz.qt.relay import on_gui_thread


def start_panel_job(owner: QObject, work, name: str, on_done, on_failed, on_progress=None) -> Job:
    """Run ``work(job)`` on a job thread; ``on_done(result)`` / ``on_failed(exc)`` /
    ``on_progress(fraction, message)`` run on ``owner``'s (the GUI) thread."""
    job = Job(work, name)
    holder = QObject(owner)

    def ended(slot):
        def deliver(value) -> None:
            try:
                slot(value)
            finally:
                holder.deleteLater()
        return deliver

    on_gui_thread(job.finished, ended(on_done), holder)
    on_gui_thread(job.failed, ended(on_failed), holder)
    if on_progress is not None:
        on_gui_thread(job.progressed, on_progress, holder)
    job.start()
    return job


def error_text(exc: BaseException) -> str:
    """The one-line message of a failed kernel request (``"NameError: name 'x' is not defined"``)."""
    error = getattr(exc, "error", None)
    if error is not None and getattr(error, "message", ""):
        return error.message
    return f"{type(exc).__name__}: {exc}"
