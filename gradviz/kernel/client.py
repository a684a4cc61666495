"""The app's side of the kernel: start kernels, send requests, stop anything, survive any script.

Qt-free and engine-free (a test checks that importing it loads neither): what comes back is plain
data, numpy arrays included. One request runs at a time (a lock); :meth:`KernelClient.stop` may be
called from any other thread while a request is running.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
import types
from dataclasses import dataclass, field

from . import protocol

STOP_GRACE = 0.5  # seconds a Stop waits for the interrupted kernel to answer before killing it
START_TIMEOUT = 60.0  # a kernel that has not said "ready" by then is broken (or the machine is)


@dataclass
class RunError:
    """Why a run gave no result: ``kind`` is "syntax", "exception", "stopped", "timeout" or
    "kernel_died" (``exit_code`` says how the kernel ended)."""

    kind: str
    message: str
    lineno: int | None = None
    traceback: str = ""
    exit_code: int | None = None


@dataclass
class TensorInfo:
    name: str
    shape: tuple
    dtype: str
    requires_grad: bool
    grad_fn: str | None
    has_grad: bool


@dataclass
class RunResult:
    """What a run left in the kernel (the tensors stay there; these are their descriptions)."""

    output: str = ""
    error: RunError | None = None
    tensors: list[TensorInfo] = field(default_factory=list)
    default_root: str | None = None
    candidates: list[str] = field(default_factory=list)
    seconds: float = 0.0
    threads: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def tensor(self, name: str) -> TensorInfo | None:
        return next((t for t in self.tensors if t.name == name), None)


class KernelRequestError(Exception):
    """A request the kernel refused or failed (``error`` is the kernel's report)."""

    def __init__(self, error: RunError) -> None:
        super().__init__(error.message)
        self.error = error


def _kernel_main(conn, log_path: str) -> None:
    """The kernel's entry point (runs in the forked child; the import is instant there because the
    fork server preloaded the worker). Kept here so the app can name it without importing engine;
    the import is by name so static layer checks (import-linter) see that this module, which the
    app imports, never imports the kernel side: only the child process executes this line."""
    importlib.import_module("gradviz.kernel.worker").serve(conn, log_path)


_CONTEXT = None
_LIVE: set = set()  # every kernel not yet closed, ended at interpreter exit


def _context():
    """multiprocessing's 'forkserver' context, its server preloaded with the kernel's modules."""
    global _CONTEXT
    if _CONTEXT is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["gradviz.kernel.worker"])
        _CONTEXT = context
        atexit.register(_end_all)
    return _CONTEXT


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


class _KernelProcess:
    """One kernel: a child forked by multiprocessing's fork server, and a duplex pipe to it.

    See the package docstring for why a fork server: the server imports Python, numpy and the engine
    once; every kernel is a fork of that pristine, never-used process, so each run gets a process
    of its own in milliseconds. The child makes itself a session leader (Stop signals its process
    group alone), points its C-level stdout/stderr at a log file (faulthandler's report of a
    segfault lands there), and has /dev/null as stdin (multiprocessing's doing).
    """

    def __init__(self) -> None:
        context = _context()
        self.reader, child_end = context.Pipe(duplex=True)
        self.writer = self.reader
        fd, self.log_path = tempfile.mkstemp(prefix="gradviz-kernel-", suffix=".log")
        os.close(fd)
        self.started_at = time.perf_counter()
        self.process = context.Process(target=_kernel_main, args=(child_end, self.log_path),
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


def _died_error(kernel: _KernelProcess, filename: str | None) -> RunError:
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


class KernelClient:
    """Runs scripts in kernel processes and asks them about the graph; see the package docstring.

    ``prestart``: keep a spare kernel started in the background so a run does not wait for Python
    and the engine to import (each run still gets a kernel of its own).
    """

    def __init__(self, prestart: bool = True) -> None:
        self.prestart = prestart
        self._kernel: _KernelProcess | None = None
        self._spare: _KernelProcess | None = None
        self._lock = threading.Lock()
        self._busy: tuple | None = None  # (kernel, op) of the request in flight
        self._next_id = 0
        self.filename: str | None = None
        self.threads: list[str] = []  # threads the script left running in the current kernel
        self.last_start_seconds: float | None = None

    # ---- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> KernelClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        for kernel in (self._kernel, self._spare):
            if kernel is not None:
                kernel.close()
        self._kernel = self._spare = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _fresh_kernel(self) -> _KernelProcess:
        kernel, self._spare = self._spare, None
        if kernel is None or not kernel.alive():
            if kernel is not None:
                kernel.close()
            kernel = _KernelProcess()
        kernel.wait_ready()
        self.last_start_seconds = kernel.ready_seconds
        return kernel

    def start(self) -> None:
        """Start a kernel without waiting for it (the caller can do other work meanwhile)."""
        with self._lock:
            if self._kernel is None or self._kernel.used or not self._kernel.alive():
                if self._kernel is not None:
                    self._kernel.close()
                self._kernel = _KernelProcess()

    def warm_up(self) -> None:
        """Start a kernel now (and wait for it) so the next run begins at once."""
        with self._lock:
            if self._kernel is None or self._kernel.used or not self._kernel.alive():
                if self._kernel is not None:
                    self._kernel.close()
                self._kernel = self._fresh_kernel()

    @property
    def kernel_pid(self) -> int | None:
        kernel = self._kernel
        return kernel.pid if kernel is not None and kernel.alive() else None

    # ---- the request loop -----------------------------------------------------------------------
    def _request(self, op: str, args: dict, timeout: float | None = None, on_output=None) -> dict:
        kernel = self._kernel
        if kernel is None or not kernel.alive():
            return {"ok": False, "error": {"kind": "no_kernel",
                                           "message": "the kernel has ended; run the script again"}}
        self._next_id += 1
        rid = self._next_id
        deadline = None if timeout is None else time.monotonic() + timeout
        self._busy = (kernel, op)
        try:
            try:
                protocol.send(kernel.writer, {"id": rid, "op": op, "args": args})
            except (BrokenPipeError, OSError):
                return {"ok": False, "error": vars(_died_error(kernel, self.filename))}
            while True:
                wait = 0.05 if deadline is None else max(0.0, min(0.05, deadline - time.monotonic()))
                if kernel.reader.poll(wait):
                    try:
                        message = protocol.receive(kernel.reader)
                    except (EOFError, OSError):
                        return self._ended(kernel)
                    if message.get("event") == "output":
                        if on_output is not None:
                            on_output(message["text"])
                        continue
                    if message.get("id") == rid:
                        self.threads = message.get("threads", self.threads)
                        if message.get("error", {}).get("kind") == "kernel_died":
                            kernel.exit_code(5.0)  # sys.exit: the kernel ends right after
                            kernel.dead = True
                        return message
                elif not kernel.alive():
                    return self._ended(kernel)
                if deadline is not None and time.monotonic() >= deadline:
                    self._halt(kernel)
                    return {"ok": False, "error": {"kind": "timeout", "message": f"stopped after {timeout:g} s"}}
        finally:
            self._busy = None

    def _ended(self, kernel: _KernelProcess) -> dict:
        if kernel.stop_requested:
            kernel.kill()
            return {"ok": False, "error": {"kind": "stopped", "message": "Stopped by the user."}}
        return {"ok": False, "error": vars(_died_error(kernel, self.filename))}

    def _halt(self, kernel: _KernelProcess) -> None:
        """Interrupt, give the kernel STOP_GRACE seconds to answer, then kill it."""
        kernel.stop_requested = True
        kernel.interrupt()
        end = time.monotonic() + STOP_GRACE
        while time.monotonic() < end and kernel.alive():
            time.sleep(0.01)
        kernel.kill()

    def _result(self, reply: dict):
        if not reply.get("ok"):
            raise KernelRequestError(_error(reply["error"]))
        return reply["result"]

    # ---- running a script -----------------------------------------------------------------------
    def run(self, script: str, filename: str = "<editor>", backend: str = "engine", *,
            timeout: float | None = None, on_output=None) -> RunResult:
        """Execute ``script`` in a fresh kernel; blocks until it ends, fails, is stopped or times
        out. ``on_output(text)`` receives what the script prints as it prints it."""
        with self._lock:
            if self._kernel is not None and (self._kernel.used or not self._kernel.alive()):
                self._kernel.close()
                self._kernel = None
            if self._kernel is None:
                self._kernel = self._fresh_kernel()
            kernel = self._kernel
            kernel.wait_ready()
            self.last_start_seconds = kernel.ready_seconds
            kernel.used = True
            self.filename = filename
            self.threads = []
            if self.prestart and self._spare is None:
                self._spare = _KernelProcess()
            printed: list[str] = []

            def collect(text: str) -> None:
                printed.append(text)
                if on_output is not None:
                    on_output(text)

            reply = self._request("run", {"code": script, "filename": filename, "backend": backend},
                                  timeout, collect)
            if not reply.get("ok"):
                error = _error(reply["error"])
                if error.kind in ("stopped", "timeout"):
                    kernel.kill()
                return RunResult(output=reply["error"].get("output") or "".join(printed), error=error,
                                 threads=self.threads)
            result = reply["result"]
            return RunResult(
                output=result["output"],
                tensors=[TensorInfo(**t) for t in result["tensors"]],
                default_root=result["default_root"],
                candidates=list(result["candidates"]),
                seconds=result["seconds"],
                threads=list(result["threads"]),
            )

    def stop(self) -> dict:
        """End what the kernel is doing within a second; returns what it did.

        A running script gets SIGINT (KeyboardInterrupt at its current line); if it has not
        answered after STOP_GRACE seconds the kernel is killed, with every thread and process the
        script started. A finished script that left threads running has its kernel killed too.
        """
        started = time.monotonic()
        busy = self._busy
        while busy is None and self._lock.locked() and time.monotonic() - started < 0.2:
            time.sleep(0.005)  # a request is being set up (a run waiting for its kernel): catch it
            busy = self._busy
        kernel = busy[0] if busy is not None else self._kernel
        if kernel is None or not kernel.alive():
            return {"interrupted": False, "killed": False, "seconds": 0.0}
        killed = False
        if busy is not None:
            kernel.stop_requested = busy[1] == "run"
            kernel.interrupt()
            end = started + STOP_GRACE
            while self._busy is not None and time.monotonic() < end:
                time.sleep(0.005)
            if self._busy is not None:
                kernel.stop_requested = True
                kernel.kill()
                killed = True
            elif busy[1] == "run":
                kernel.kill()  # an interrupted script leaves nothing worth keeping
                killed = True
        elif self.threads:
            kernel.stop_requested = True
            kernel.kill()
            killed = True
            self.threads = []
        return {"interrupted": busy is not None, "killed": killed, "seconds": time.monotonic() - started}

    # ---- questions about the graph --------------------------------------------------------------
    def _call(self, op: str, timeout: float | None = None, **args):
        with self._lock:
            return self._result(self._request(op, args, timeout))

    def graph(self, root: str, max_nodes: int | None = None, timeout: float | None = None) -> dict:
        """``{"document": graph document, "topology": ...}`` for the graph of variable ``root``."""
        return self._call("graph", timeout, root=root, max_nodes=max_nodes)

    def node_details(self, node_id: str) -> dict:
        return self._call("node_details", node_id=node_id)

    def tensor_values(self, ref: str) -> dict:
        """``{"array": ndarray or None, "shape", "dtype"}`` for a reference such as ``var:a``,
        ``var:a.grad``, ``node:t3``, ``saved:n2:_saved_self``, ``edge:n1:0``."""
        return self._call("tensor_values", ref=ref)

    # ---- stepping through backward --------------------------------------------------------------
    def step_start(self, root: str, gradient=None, zero_grad: bool = False) -> dict:
        return self._call("step_start", root=root, gradient=gradient, zero_grad=zero_grad)

    def step(self) -> dict:
        return self._call("step")

    def step_back(self) -> dict:
        return self._call("step_back")

    def continue_(self, breakpoints=(), max_steps: int | None = None, *, check: bool = True,
                  break_on_nan: bool = False, break_on_zero: bool = False,
                  norm_threshold: float | None = None, timeout: float | None = None) -> dict:
        return self._call("continue", timeout, breakpoints=list(breakpoints), max_steps=max_steps,
                          check=check, break_on_nan=break_on_nan, break_on_zero=break_on_zero,
                          norm_threshold=norm_threshold)

    def run_to(self, node_id: str) -> dict:
        return self._call("run_to", node_id=node_id)

    def reset(self) -> dict:
        return self._call("reset")

    def step_state(self) -> dict:
        return self._call("step_state")


def _error(data: dict) -> RunError:
    return RunError(data.get("kind", "request"), data.get("message", ""), data.get("lineno"),
                    data.get("traceback", ""), data.get("exit_code"))
