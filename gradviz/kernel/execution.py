"""Inside the kernel: run one script in the main thread, with its output streamed to the app.

The namespace, the ``torch`` -> ``engine`` alias, the tensor collection and the error reports are
:mod:`gradviz.kernel.session`'s (one implementation); what differs from the in-process session is that
there is nothing to protect here: the kernel process exists for this one script, so the script may
replace ``sys.stdout``, set the default dtype or start threads, and all of it ends with the process.
"""

from __future__ import annotations

import ast
import io
import sys
import threading
import time
import traceback

from engine._state import STATE
from engine._tensor import Tensor
from engine.autograd.graph import revive_freed
from gradviz.kernel.session import (
    _exception_error,
    _register_source,
    _syntax_error,
    collect_tensors,
    fresh_namespace,
)

FLUSHER_NAME = "gradviz-output"


class OutputStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` of the kernel: what the script prints goes to the app as it is
    printed, and into the run's text.

    Up to IMMEDIATE_PER_WINDOW writes per FLUSH_EVERY seconds are sent at once, so the prints just
    before an ``os._exit`` or a segfault are not lost. Beyond that (a print loop) writes are
    gathered and sent every FLUSH_EVERY seconds by a helper thread, started only then: one message
    per print would make a 100,000-line loop ten times slower than printing in-process.
    """

    IMMEDIATE_PER_WINDOW = 16
    FLUSH_EVERY = 0.02

    def __init__(self, emit, name: str) -> None:
        self._emit = emit
        self._parts: list[str] = []
        self._pending: list[str] = []
        self._window_start = 0.0
        self._sent_in_window = 0
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self.name = name

    def write(self, text) -> int:
        text = str(text)
        if text:
            with self._lock:
                self._parts.append(text)
                self._pending.append(text)
                now = time.monotonic()
                if now - self._window_start >= self.FLUSH_EVERY:
                    self._window_start, self._sent_in_window = now, 0
                if self._sent_in_window < self.IMMEDIATE_PER_WINDOW:
                    self._sent_in_window += 1
                    self._send_pending(now)
                elif self._flusher is None:
                    self._flusher = threading.Thread(target=self._flush_loop, name=FLUSHER_NAME, daemon=True)
                    self._flusher.start()
        return len(text)

    def _send_pending(self, now: float) -> None:
        if self._pending:
            chunk = "".join(self._pending)
            self._pending.clear()
            self._emit(chunk)

    def _flush_loop(self) -> None:
        while True:
            time.sleep(self.FLUSH_EVERY)
            with self._lock:
                self._send_pending(time.monotonic())

    def flush(self) -> None:
        with self._lock:
            self._send_pending(time.monotonic())

    def isatty(self) -> bool:
        return False

    def text(self) -> str:
        return "".join(self._parts)


class ScriptExited(Exception):
    """The script called ``sys.exit(code)``: the kernel reports it, then ends with that code."""

    def __init__(self, code: int, report: dict) -> None:
        super().__init__(code)
        self.code = code
        self.report = report


def tensor_info(name: str, tensor: Tensor) -> dict:
    fn = tensor.grad_fn
    return {
        "name": name,
        "shape": tuple(int(s) for s in tensor._data.shape),
        "dtype": f"torch.{tensor._data.dtype.name}" if tensor._data.dtype.name != "bool" else "torch.bool",
        "requires_grad": bool(tensor._requires_grad),
        "grad_fn": fn.name() if fn is not None else None,
        "has_grad": tensor._grad is not None,
    }


def default_root(tensors: dict[str, Tensor]) -> str | None:
    """The graph a user most likely wants: the last-assigned tensor with a grad_fn, preferring a
    single number (a loss) over a bigger tensor assigned after it; None when none has a grad_fn."""
    with_graph = [name for name, t in tensors.items() if t.grad_fn is not None]
    scalars = [name for name in with_graph if tensors[name]._data.size == 1]
    if scalars:
        return scalars[-1]
    return with_graph[-1] if with_graph else None


def _error_dict(error, output: str) -> dict:
    return {
        "kind": error.kind,
        "message": error.message,
        "lineno": error.lineno,
        "traceback": error.traceback,
        "output": output,
    }


def _interrupted(exc: BaseException, filename: str, output: str) -> dict:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lineno = frames[-1].lineno if frames else None
    where = f" at line {lineno}" if lineno else ""
    return {"kind": "stopped", "message": f"Stopped by the user{where}.", "lineno": lineno,
            "traceback": "", "output": output}


def _exit_code(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message") prints the message and exits with 1
    return 1


class EngineScripts:
    """What running a script means under the engine backend (``torch`` is engine). The torch
    backend (:mod:`.torch_run`) provides the same five members for real PyTorch."""

    namespace = staticmethod(fresh_namespace)
    info = staticmethod(lambda name, t: tensor_info(name, t))

    @staticmethod
    def tracking(namespace: dict, filename: str):
        return _engine_tracking()

    @staticmethod
    def collect(namespace: dict, tree) -> dict:
        tensors = collect_tensors(namespace, tree)[0]
        # As the in-process session does: a backward in the script freed its graph's saved tensors
        # (kept aside under keep_freed); put them back, so the graph document, the inspector's saved
        # values and the stepper all see the same replayable graph.
        revive_freed(list(tensors.values()))
        return tensors

    @staticmethod
    def default_root(tensors: dict) -> str | None:
        return default_root(tensors)

    @staticmethod
    def is_candidate(t) -> bool:
        return t.grad_fn is not None or t._requires_grad


class _engine_tracking:
    def __enter__(self):
        STATE.record_source = True
        STATE.keep_freed = True  # a backward in the script stays replayable by the stepper

    def __exit__(self, *exc):
        STATE.record_source = False


def run_script(code: str, filename: str, emit_output, scripts=EngineScripts) -> tuple[dict, dict | None, dict]:
    """Execute ``code``; returns (report for the app, namespace or None, tensors by name).

    ``scripts``: the backend's namespace, creation tracking and tensor collection (EngineScripts or
    :class:`gradviz.kernel.torch_run.TorchScripts`). Raises :class:`ScriptExited` for ``sys.exit``;
    ``KeyboardInterrupt`` (the app's Stop) becomes a "stopped" report.
    """
    started = time.perf_counter()
    stream = OutputStream(emit_output, "<stdout>")
    try:
        tree = ast.parse(code, filename)
        compiled = compile(tree, filename, "exec")
    except SyntaxError as exc:
        return {"ok": False, "error": _error_dict(_syntax_error(exc, filename), "")}, None, {}
    _register_source(filename, code)
    namespace = scripts.namespace(filename)
    sys.stdout = stream
    sys.stderr = stream
    tracking = scripts.tracking(namespace, filename)
    tracking.__enter__()
    try:
        exec(compiled, namespace)
    except KeyboardInterrupt as exc:
        return {"ok": False, "error": _interrupted(exc, filename, stream.text())}, None, {}
    except SystemExit as exc:
        exit_code = _exit_code(exc)
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
        error = {
            "kind": "kernel_died",
            "message": f"the script ended the kernel (exit code {exit_code})",
            "lineno": frames[-1].lineno if frames else None,
            "traceback": "",
            "output": stream.text(),
            "exit_code": exit_code,
        }
        raise ScriptExited(exit_code, {"ok": False, "error": error}) from None
    except BaseException as exc:  # noqa: BLE001 - anything the script raises is its error report
        return {"ok": False, "error": _error_dict(_exception_error(exc, filename), stream.text())}, None, {}
    finally:
        tracking.__exit__(None, None, None)
        try:
            stream.flush()  # the last gathered lines reach the app before the answer does
        except KeyboardInterrupt:
            pass
    tensors = scripts.collect(namespace, tree)
    root = scripts.default_root(tensors)
    report = {
        "ok": True,
        "output": stream.text(),
        "seconds": time.perf_counter() - started,
        "tensors": [scripts.info(name, t) for name, t in tensors.items()],
        "default_root": root,
        "candidates": [n for n, t in tensors.items() if scripts.is_candidate(t)],
        "threads": live_threads(),
    }
    return report, namespace, tensors


def live_threads() -> list[str]:
    """Names of the threads the script left running (the kernel itself has only its main thread)."""
    main = threading.main_thread()
    return [t.name for t in threading.enumerate()
            if t is not main and t.is_alive() and t.name != FLUSHER_NAME]
