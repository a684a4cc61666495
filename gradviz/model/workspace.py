"""The app's state in one Qt-free object: the script, its run in a kernel, and what the views show.

Views take the workspace in ``__init__``, connect its signals (psygnal, fired on worker threads;
the Qt layer delivers them on the GUI thread with ``gradviz.qt.relay.on_gui_thread``) to their
``_on_*`` slots and forward user actions to its methods. No view reads another view's attributes:
what one view changes, the others hear from here.

User code never runs in this process: :meth:`run` hands the script to a kernel
(:class:`gradviz.kernel.KernelClient`), which keeps the tensors; the workspace holds the plain-data
answers (``result``: a kernel :class:`~gradviz.kernel.messages.RunResult`).
"""

from __future__ import annotations

import threading
from pathlib import Path

from psygnal import Signal

from gradviz.kernel import KernelClient
from gradviz.kernel.messages import RunResult

from .jobs import Job


class Workspace:
    """Signals (past tense, fired on worker threads):

    - ``run_started()``; ``output_written(text)`` while a script prints;
    - ``run_finished(result)``: a run ended with a :class:`RunResult` whose ``error`` is None;
    - ``run_failed(result)``: a run ended with ``result.error`` set (syntax, exception, stopped,
      timeout, kernel_died); the previous good result stays in :attr:`result`.
    """

    run_started = Signal()
    output_written = Signal(str)
    run_finished = Signal(object)
    run_failed = Signal(object)

    def __init__(self, kernel: KernelClient | None = None, backend: str | None = None) -> None:
        self.kernel = kernel if kernel is not None else KernelClient(prestart=True)
        self.backend = backend  # "engine", "torch" or None (the script's directive, else engine)
        self.text = ""
        self.file: Path | None = None
        self.result: RunResult | None = None  # the last good run
        self.last_attempt: RunResult | None = None  # the last run, good or not
        self._run_job: Job | None = None
        self._lock = threading.Lock()

    # ---- running the script ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        job = self._run_job
        return job is not None and not job.done

    def run(self, text: str | None = None, filename: str | None = None, timeout: float | None = None) -> Job | None:
        """Run ``text`` (default: :attr:`text`) in a fresh kernel on a job thread; returns the job,
        or None when a run is already going (one at a time)."""
        with self._lock:
            if self.running:
                return None
            if text is not None:
                self.text = text
            code = self.text
            name = filename or (str(self.file) if self.file is not None else "<editor>")

            def work(job: Job) -> RunResult:
                self.run_started.emit()
                return self.kernel.run(code, name, self.backend, timeout=timeout,
                                       on_output=self.output_written.emit)

            job = Job(work, "run")
            job.finished.connect(self._on_run_ended)
            job.failed.connect(self._on_run_crashed)
            self._run_job = job
            job.start()
            return job

    def _on_run_ended(self, result: RunResult) -> None:
        self.last_attempt = result
        if result.ok:
            self.result = result
            self.run_finished.emit(result)
        else:
            self.run_failed.emit(result)

    def _on_run_crashed(self, exc: BaseException) -> None:
        # The client turns every kernel ending into a RunResult; this is a bug on our side, and
        # the user still hears about it rather than waiting for a run that never ends.
        from gradviz.kernel.messages import RunError

        result = RunResult(error=RunError("exception", f"gradviz could not run the script: "
                                                       f"{type(exc).__name__}: {exc}"))
        self.last_attempt = result
        self.run_failed.emit(result)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current run ended (True) or ``timeout`` passed (False)."""
        job = self._run_job
        return job is None or job.wait(timeout)

    def stop(self) -> dict:
        """End the running script (or anything the kernel is doing) within a second."""
        return self.kernel.stop()

    def close(self) -> None:
        self.stop()
        self.kernel.close()
