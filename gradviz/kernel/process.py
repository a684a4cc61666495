"""Kernel processes: forked from a preloaded fork server, signalled, killed, their ends explained.

The app's side (imports neither engine nor Qt); see the package docstring for the design.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import io
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
import types

from . import protocol
from .messages import RunError

START_TIMEOUT = 60.0  # a kernel that has not said "ready" by then is broken (or the machine is)


def _kernel_main(conn, log_path: str) -> None:
    """The kernel's entry point (runs in the forked child; the import is instant there because the
    fork server preloaded the worker). Kept here so the app can name it without importing engine;
    the import is by name so static layer checks (import-linter) see that this module, which the
    app imports, never imports the kernel side: only the child process executes this line."""
    importlib.import_module("gradviz.kernel.worker").serve(conn, log_path)


_CONTEXT = None
_LIVE: set = set()  # every kernel not yet closed, ended at interpreter exit
# What each kind of kernel's fork server imports before it forks anything: "engine" kernels come
# from a server without torch (engine runs stay torch-free, and the app's first run does not wait
# ~3 s for torch); "torch" kernels from a second server that has imported torch as well, started
# the first time a torch kernel is asked for, so only the first torch run pays for the import.
PRELOADS = {"engine": ["gradviz.kernel.worker"], "torch": ["gradviz.kernel.worker", "gradviz.kernel.torch_preload"]}


def _context():
    """multiprocessing's 'forkserver' context, its server preloaded with the kernel's modules."""
    global _CONTEXT
    if _CONTEXT is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOADS["engine"])
        _CONTEXT = context
        atexit.register(_end_all)
    return _CONTEXT


def _torch_process_class():
    """The Process class for torch kernels: :class:`_TorchKernelProcess`, or the shared server's
    where this Python's multiprocessing lacks the pieces (torch then imports in each kernel)."""
    _context()
    return _TorchKernelProcess if _TorchKernelProcess is not None else _context().Process


_TORCH_SERVER = None


_TORCH_SERVER_LOCK = threading.Lock()  # a run and the availability check may ask at once


def _torch_server():
    """The second fork server, preloaded with torch; started by its first kernel."""
    global _TORCH_SERVER
    with _TORCH_SERVER_LOCK:
        if _TORCH_SERVER is None:
            _TORCH_SERVER = mp_forkserver.ForkServer()
            _TORCH_SERVER.set_forkserver_preload(PRELOADS["torch"])
        return _TORCH_SERVER


try:
    from multiprocessing import context as mp_context
    from multiprocessing import forkserver as mp_forkserver
    from multiprocessing import popen_forkserver, spawn, util
    from multiprocessing.reduction import dump as _pickle_into

    class _TorchServerPopen(popen_forkserver.Popen):
        """multiprocessing keeps one fork server per process, as a module-level ``ForkServer``
        instance. A second instance is a complete server (its own socket, and its own "alive" pipe
        that ends it with this process); only the launch step names the module's instance, so
        this Popen repeats that step (popen_forkserver.Popen._launch) asking the torch server."""

        def _launch(self, process_obj):
            prep_data = spawn.get_preparation_data(process_obj._name)
            buf = io.BytesIO()
            mp_context.set_spawning_popen(self)
            try:
                _pickle_into(prep_data, buf)
                _pickle_into(process_obj, buf)
            finally:
                mp_context.set_spawning_popen(None)
            self.sentinel, w = _torch_server().connect_to_new_process(self._fds)
            parent_w = os.dup(w)  # the child's sentinel of this process, as in the original
            self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = mp_forkserver.read_signed(self.sentinel)

    class _TorchKernelProcess(mp_context.ForkServerProcess):
        @staticmethod
        def _Popen(process_obj):
            return _TorchServerPopen(process_obj)

except (ImportError, AttributeError):  # no fd passing (not a Unix), or a multiprocessing without these
    _TorchKernelProcess = None


@contextlib.contextmanager
def _main_module_hidden():
    """multiprocessing re-runs the parent's ``__main__`` in every child it starts (so pickled
    functions defined there resolve). A kernel must not run the app's code, nor a caller's
    unguarded script: while the child is described, ``__main__`` is a bare module."""
    real = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = real


def _end_all() -> None:
    for kernel in list(_LIVE):
        kernel.close()


class KernelProcess:
    """One kernel: a child forked by multiprocessing's fork server, and a duplex pipe to it.

    See the package docstring for why a fork server: the server imports Python, numpy and the engine
    once; every kernel is a fork of that pristine, never-used process, so each run gets a process
    of its own in milliseconds. The child makes itself a session leader (Stop signals its process
    group alone), points its C-level stdout/stderr at a log file (faulthandler's report of a
    segfault lands there), and has /dev/null as stdin (multiprocessing's doing).
    """

    def __init__(self, backend: str = "engine") -> None:
        """``backend``: which fork server the kernel comes from (:data:`PRELOADS`); either kind
        runs either backend's scripts (the client picks the kind of the run's backend, so engine runs
        stay torch-free); a torch kernel starts with torch already imported."""
        context = _context()
        self.backend = backend
        process_class = _torch_process_class() if backend == "torch" else context.Process
        self.reader, child_end = context.Pipe(duplex=True)
        self.writer = self.reader
        fd, self.log_path = tempfile.mkstemp(prefix="gradviz-kernel-", suffix=".log")
        os.close(fd)
        self.started_at = time.perf_counter()
        self.process = process_class(target=_kernel_main, args=(child_end, self.log_path),
                                       name="gradviz-kernel", daemon=False)
        with _main_module_hidden():
            self.process.start()
        child_end.close()  # only the child holds it now: its death reads as EOF here
        self.pid: int = self.process.pid
        self.ready_seconds: float | None = None  # wall time from start to "ready"
        self.used = False  # ran a script: the next run needs a fresh kernel
        self.dead = False
        self.stop_requested = False
        _LIVE.add(self)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        if self.ready_seconds is not None:
            return
        if not self.reader.poll(timeout):
            self.kill()
            raise RuntimeError(f"the kernel did not start within {timeout:g} s")
        try:
            message = protocol.receive(self.reader)
        except (EOFError, OSError):
            self.dead = True
            raise RuntimeError(f"the kernel failed to start:\n{self.log_text()}") from None
        assert message.get("event") == "ready", message
        self.ready_seconds = time.perf_counter() - self.started_at

    def alive(self) -> bool:
        return not self.dead and self.process.exitcode is None

    def exit_code(self, timeout: float = 2.0) -> int | None:
        self.process.join(timeout)
        return self.process.exitcode

    def interrupt(self) -> None:
        if self.process.exitcode is None:
            try:
                os.kill(self.pid, signal.SIGINT)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """End the kernel and everything in its session (processes the script started)."""
        self.dead = True
        if self.process.exitcode is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                self.process.kill()  # not yet a session leader: the kernel alone
        self.process.join(2.0)

    def close(self) -> None:
        self.kill()
        try:
            self.reader.close()
        except OSError:
            pass
        try:
            os.unlink(self.log_path)
        except OSError:
            pass
        _LIVE.discard(self)

    def log_text(self, limit: int = 20000) -> str:
        try:
            with open(self.log_path, "rb") as log:
                return log.read()[-limit:].decode("utf-8", "replace")
        except OSError:
            return ""


def died_error(kernel: KernelProcess, filename: str | None) -> RunError:
    code = kernel.exit_code(2.0)
    if code is None:
        kernel.kill()
        code = kernel.exit_code(2.0)
    how = ""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        how = f", killed by {name}" + (" - out of memory?" if name == "SIGKILL" else "")
    log = kernel.log_text()
    lineno = None
    if filename:
        # faulthandler's report of a crash names the script's frames: 'File "x.py", line 3 in <module>'
        lines = re.findall(rf'File "{re.escape(filename)}", line (\d+)', log)
        if lines:
            lineno = int(lines[0])  # faulthandler lists the most recent call first
    kernel.dead = True
    return RunError("kernel_died", f"the script ended the kernel (exit code {code}{how})", lineno,
                    log.strip(), exit_code=code)


