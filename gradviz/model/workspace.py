"""The app's state in one Qt-free object: the script, its run in a kernel, and what the views show.

Views take the workspace in ``__init__``, connect its signals (psygnal, fired on worker threads;
the Qt layer delivers them on the GUI thread with ``gradviz.qt.relay.on_gui_thread``) to their
``_on_*`` slots and forward user actions to its methods. No view reads another view's attributes:
what one view changes, the others hear from here.

User code never runs in this process: :meth:`run` hands the script to a kernel
(:class:`gradviz.kernel.KernelClient`), which keeps the tensors; the workspace holds the plain-data
answers (``result``: a kernel :class:`~gradviz.kernel.messages.RunResult`), the graph
(:class:`~gradviz.kernel.replica.GraphReplica` of the kernel's graph document), its layout, the
collapsed modules, search matches, the selection, and where backward is
(:class:`~gradviz.model.backward_state.BackwardState`, stepped through the kernel). The graph and
backward parts live in :mod:`gradviz.model.workspace_graph`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from psygnal import Signal

from gradviz.kernel import KernelClient
from gradviz.kernel.backends import directive_backend
from gradviz.kernel.messages import RunError, RunResult

from .jobs import Job
from .workspace_graph import GraphPart


class Workspace(GraphPart):
    """Signals (past tense, fired on worker threads):

    - ``run_started()``; ``output_written(text)`` while a script prints;
    - ``run_finished(result)``: a run ended with a :class:`RunResult` whose ``error`` is None;
    - ``run_failed(result)``: a run ended with ``result.error`` set (syntax, exception, stopped,
      timeout, kernel_died); the previous good result (and its graph) stays in :attr:`result`;
    - ``text_changed(text)``, ``file_changed(path or None)``;
    - ``busy_changed(bool)``: a run or a graph job started / everything ended;
    - ``job_progressed(fraction, message)`` of the graph job;
    - the graph and backward signals of :class:`~gradviz.model.workspace_graph.GraphPart`.
    """

    run_started = Signal()
    output_written = Signal(str)
    run_finished = Signal(object)
    run_failed = Signal(object)
    text_changed = Signal(str)
    file_changed = Signal(object)
    busy_changed = Signal(bool)
    job_progressed = Signal(float, str)

    def __init__(self, kernel: KernelClient | None = None, backend: str | None = None) -> None:
        self.kernel = kernel if kernel is not None else KernelClient(prestart=True)
        self.backend = backend  # "engine", "torch" or None (the script's directive, else engine)
        self.text = ""
        self.file: Path | None = None
        self.result: RunResult | None = None  # the last good run
        self.last_attempt: RunResult | None = None  # the last run, good or not
        self._run_job: Job | None = None
        self._lock = threading.Lock()
        self._was_busy = False
        self._run_handled = threading.Event()  # set once a run's ending was handled and announced
        self._run_handled.set()
        GraphPart.__init__(self)
        if kernel is None:
            # warm, so the first Run does not wait for Python and the engine (or torch)
            self.kernel.start(backend or "engine")

    # ---- the script -----------------------------------------------------------------------------
    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.text_changed.emit(text)

    def set_file(self, path) -> None:
        path = Path(path) if path is not None else None
        if path != self.file:
            self.file = path
            self.file_changed.emit(path)

    # ---- running the script ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return not self._run_handled.is_set()

    @property
    def busy(self) -> bool:
        """True while a script runs or a graph is fetched and laid out."""
        return self.running or self.graph_busy

    def _busy_maybe_changed(self) -> None:
        busy = self.busy
        if busy != self._was_busy:
            self._was_busy = busy
            self.busy_changed.emit(busy)

    def run(self, text: str | None = None, filename: str | None = None, timeout: float | None = None) -> Job | None:
        """Run ``text`` (default: :attr:`text`) in a fresh kernel on a job thread; returns the job,
        or None when a run is already going (one at a time). A good run then fetches and lays out
        the graph of its default root (a graph job)."""
        with self._lock:
            if self.running:
                return None
            if text is not None:
                self.set_text(text)
            code = self.text
            name = filename or (str(self.file) if self.file is not None else "<editor>")
            self.cancel_graph_job()
            self.stop_continue()

            # A script's "# gradviz: backend=NAME" first line wins over the app's choice (issue 12).
            try:
                backend = directive_backend(code) or self.backend
            except ValueError:
                backend = None  # an unknown name: the kernel refuses it with the reason

            def work(job: Job) -> RunResult:
                self.run_started.emit()
                return self.kernel.run(code, name, backend, timeout=timeout,
                                       on_output=self.output_written.emit)

            self._run_handled.clear()
            job = Job(work, "run")
            job.finished.connect(self._on_run_ended)
            job.failed.connect(self._on_run_crashed)
            self._run_job = job
            self.filename = name
            job.start()
        self._busy_maybe_changed()
        return job

    def _on_run_ended(self, result: RunResult) -> None:
        self.last_attempt = result
        try:
            if result.ok:
                self.result = result
                self._graph_for_new_run(result)  # starts the graph job before busy can drop
                self.run_finished.emit(result)
            else:
                self.run_failed.emit(result)
        finally:
            self._run_handled.set()
        self._busy_maybe_changed()

    def _on_run_crashed(self, exc: BaseException) -> None:
        # The client turns every kernel ending into a RunResult; this is a bug on our side, and
        # the user still hears about it rather than waiting for a run that never ends.
        result = RunResult(error=RunError("exception", f"gradviz could not run the script: "
                                                       f"{type(exc).__name__}: {exc}"))
        self.last_attempt = result
        try:
            self.run_failed.emit(result)
        finally:
            self._run_handled.set()
        self._busy_maybe_changed()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current run ended and its ending was announced (True), or ``timeout``
        passed (False)."""
        return self._run_handled.wait(timeout)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Block until the run and the graph job after it ended (True), or ``timeout`` passed."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.wait(max(0.0, end - time.monotonic())) and self.wait_graph(max(0.0, end - time.monotonic())):
                if not self.busy:
                    return True
            time.sleep(0.005)
        return not self.busy

    def stop(self) -> dict:
        """End the running script (or anything the kernel is doing) within a second.

        A run whose kernel is still starting has nothing to interrupt yet: a watcher thread keeps
        asking until the script is stopped (so Stop never gets lost in the start-up).
        """
        self.stop_continue()
        self.cancel_graph_job()
        answer = self.kernel.stop()
        if not answer.get("interrupted") and self.running:
            job = self._run_job

            def keep_stopping() -> None:
                end = time.monotonic() + 30
                while self._run_job is job and self.running and time.monotonic() < end:
                    if self.kernel.stop().get("interrupted"):
                        return
                    time.sleep(0.02)

            threading.Thread(target=keep_stopping, name="gradviz-stop", daemon=True).start()
        return answer

    def close(self) -> None:
        self.stop()
        self.kernel.close()
