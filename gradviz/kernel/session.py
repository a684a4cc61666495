"""Run the user's script with ``torch`` bound to ``engine``, off the GUI thread, and stoppably.

The script runs in a fresh namespace holding ``torch`` (engine), ``math`` and ``np``. An ``import
torch`` (or ``import torch.nn as nn``) inside the script also yields engine: the namespace gets its
own ``__builtins__`` whose ``__import__`` maps ``torch`` to ``engine``, so the alias exists only for
that script's code and never leaks into ``sys.modules``.
"""

from __future__ import annotations

import ast
import builtins
import ctypes
import importlib
import io
import linecache
import math
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field

import numpy as np
from psygnal import Signal

import engine
from engine._state import STATE
from engine._tensor import Tensor
from engine.autograd.graph import revive_freed


@dataclass
class RunResult:
    """What a finished run left behind."""

    namespace: dict
    tensors: dict[str, Tensor]
    default_root: str | None
    output: str
    seconds: float
    filename: str = "<editor>"
    code: str = ""


@dataclass
class RunError:
    """Why a run did not finish: ``kind`` is "syntax", "exception" or "stopped"."""

    kind: str
    message: str
    lineno: int | None
    traceback: str
    output: str = field(default="")


class RunFailed(Exception):
    """Raised by :meth:`Session.run_sync` with the :class:`RunError` as ``error``."""

    def __init__(self, error: RunError) -> None:
        super().__init__(error.message)
        self.error = error


class StopRun(BaseException):
    """Raised asynchronously inside the worker thread by :meth:`Session.stop`.

    A BaseException so a script's ``except Exception`` cannot swallow it.
    """


# ---- the torch -> engine alias ------------------------------------------------------------------


def _engine_import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` for user scripts: ``torch`` and ``torch.x`` resolve to ``engine`` and ``engine.x``."""
    if level == 0 and (name == "torch" or name.startswith("torch.")):
        target = "engine" + name[len("torch"):]
        module = importlib.import_module(target)
        if fromlist:
            for attr in fromlist:
                if attr != "*" and not hasattr(module, attr):
                    try:
                        importlib.import_module(f"{target}.{attr}")
                    except ImportError:
                        pass  # let the attribute lookup raise the ordinary ImportError
            return module
        return engine
    return builtins.__import__(name, globals, locals, fromlist, level)


def _script_builtins() -> dict:
    scoped = dict(builtins.__dict__)
    scoped["__import__"] = _engine_import
    return scoped


def fresh_namespace(filename: str = "<editor>") -> dict:
    """The globals a script starts with."""
    return {
        "__name__": "__main__",
        "__file__": filename,
        "__builtins__": _script_builtins(),
        "torch": engine,
        "math": math,
        "np": np,
    }


# ---- output capture -----------------------------------------------------------------------------


class _ThreadRoutedStream(io.TextIOBase):
    """Stands in for sys.stdout/stderr during a run: the worker's writes go to the session.

    Writes from any other thread (the GUI, pytest) still reach the stream that was there before.
    """

    def __init__(self, original, worker: threading.Thread, sink) -> None:
        self.original = original
        self.worker = worker
        self.sink = sink

    def write(self, text: str) -> int:
        if threading.current_thread() is self.worker:
            self.sink(text)
        elif self.original is not None:
            self.original.write(text)
        return len(text)

    def flush(self) -> None:
        if self.original is not None and threading.current_thread() is not self.worker:
            self.original.flush()

    def isatty(self) -> bool:
        return False


class _OutputBuffer:
    """Collects the script's output; hands it on in batches so a print loop cannot flood the GUI."""

    FLUSH_SECONDS = 0.05

    def __init__(self, emit) -> None:
        self._emit = emit
        self._parts: list[str] = []
        self._pending: list[str] = []
        self._last_flush = time.monotonic()

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._pending.append(text)
        now = time.monotonic()
        if now - self._last_flush >= self.FLUSH_SECONDS:
            self.flush()
            self._last_flush = now

    def flush(self) -> None:
        if self._pending:
            chunk = "".join(self._pending)
            self._pending.clear()
            self._emit(chunk)

    def text(self) -> str:
        return "".join(self._parts)


# ---- what a run produced ------------------------------------------------------------------------


def _assignment_lines(tree: ast.Module) -> dict[str, int]:
    """Last line where each module-level name is assigned (function and class bodies excluded)."""
    last: dict[str, int] = {}

    def visit(node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            return
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, ast.NamedExpr):
            targets = [node.target]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    last[sub.id] = max(last.get(sub.id, 0), node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return last


def collect_tensors(namespace: dict, tree: ast.Module | None) -> tuple[dict[str, Tensor], str | None]:
    """The script's tensor variables in order of last assignment, and the default graph root.

    The default root is the last-assigned tensor that has a grad_fn (typically ``loss``).
    """
    found = {k: v for k, v in namespace.items() if isinstance(v, Tensor) and not k.startswith("__")}
    lines = _assignment_lines(tree) if tree is not None else {}
    order = sorted(found, key=lambda name: lines.get(name, 0))  # sorted() is stable: ties keep namespace order
    tensors = {name: found[name] for name in order}
    default_root = None
    for name in reversed(order):
        if tensors[name].grad_fn is not None:
            default_root = name
            break
    return tensors, default_root


# ---- errors -------------------------------------------------------------------------------------


def _register_source(filename: str, code: str) -> None:
    """Let traceback show the script's lines, also for the unsaved ``<editor>`` buffer."""
    lines = code.splitlines(keepends=True)
    linecache.cache[filename] = (len(code), None, lines, filename)


def _syntax_error(exc: SyntaxError, filename: str) -> RunError:
    text = "".join(traceback.format_exception_only(type(exc), exc))
    return RunError(
        kind="syntax",
        message=f"{type(exc).__name__}: {exc.msg}",
        lineno=exc.lineno,
        traceback=text,
    )


def _exception_error(exc: BaseException, filename: str) -> RunError:
    """A RunError whose traceback keeps only the frames in the user's script."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lines = ["Traceback (most recent call last):\n"]
    lines.extend(traceback.format_list(frames))
    lines.extend(traceback.format_exception_only(type(exc), exc))
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip().splitlines()[-1]
    lineno = frames[-1].lineno if frames else None
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        lineno = exc.lineno
    return RunError(kind="exception", message=message, lineno=lineno, traceback="".join(lines))


def _stopped_error(exc: BaseException, filename: str) -> RunError:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    lineno = frames[-1].lineno if frames else None
    where = f" at line {lineno}" if lineno else ""
    return RunError(kind="stopped", message=f"Stopped by the user{where}.", lineno=lineno, traceback="")


# ---- the session --------------------------------------------------------------------------------


class Session:
    """Runs scripts one at a time; each run's result or error is announced through signals."""

    started = Signal()
    output_written = Signal(str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.last_result: RunResult | None = None
        self.last_error: RunError | None = None

    @property
    def is_running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    # ---- running -------------------------------------------------------------------------------
    def run(self, code: str, filename: str = "<editor>") -> None:
        """Start the script on a worker thread and return at once (signals report the outcome)."""
        with self._lock:
            if self.is_running:
                raise RuntimeError("a script is already running; stop it first")
            thread = threading.Thread(
                target=self._worker, args=(code, filename), name="gradviz-session", daemon=True
            )
            self._thread = thread
            self.started.emit()
            thread.start()

    def run_sync(self, code: str, filename: str = "<editor>") -> RunResult:
        """Run on a worker thread and wait; raises :class:`RunFailed` if the script failed."""
        outcome: list = []
        self.finished.connect(outcome.append)
        self.failed.connect(outcome.append)
        try:
            self.run(code, filename)
            self.wait()
        finally:
            self.finished.disconnect(outcome.append)
            self.failed.disconnect(outcome.append)
        result = outcome[0]
        if isinstance(result, RunError):
            raise RunFailed(result)
        return result

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current run ends; False if it is still running after ``timeout``."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def stop(self) -> None:
        """Interrupt the running script (within a second, even in ``while True: pass``).

        Raises :class:`StopRun` inside the worker thread with ``PyThreadState_SetAsyncExc``; the
        interpreter delivers it at the next bytecode boundary. A helper thread re-sends it until the
        worker has ended, for scripts that catch it or sit in a long C call.
        """
        thread = self._thread
        if thread is None or not thread.is_alive():
            return

        def keep_interrupting() -> None:
            deadline = time.monotonic() + 10.0
            while thread.is_alive() and time.monotonic() < deadline:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread.ident), ctypes.py_object(StopRun)
                )
                thread.join(0.2)

        threading.Thread(target=keep_interrupting, name="gradviz-stopper", daemon=True).start()

    # ---- the worker ----------------------------------------------------------------------------
    def _worker(self, code: str, filename: str) -> None:
        buffer = _OutputBuffer(self.output_written.emit)
        thread = threading.current_thread()
        started = time.perf_counter()
        outcome: RunResult | RunError
        try:
            outcome = self._execute(code, filename, buffer, thread, started)
        except StopRun as exc:
            outcome = _stopped_error(exc, filename)
        except BaseException as exc:  # noqa: BLE001 - anything the script raises is reported
            outcome = _exception_error(exc, filename)
        buffer.flush()
        try:
            if isinstance(outcome, RunResult):
                self.last_result = outcome
                self.last_error = None
                self.finished.emit(outcome)
            else:
                outcome.output = buffer.text()
                self.last_error = outcome
                self.failed.emit(outcome)
        except StopRun:
            # A stop that arrived just as the script ended; the outcome was already decided.
            pass

    def _execute(self, code, filename, buffer, thread, started):
        try:
            tree = ast.parse(code, filename)
            compiled = compile(tree, filename, "exec")
        except SyntaxError as exc:
            return _syntax_error(exc, filename)
        _register_source(filename, code)
        namespace = fresh_namespace(filename)
        saved_streams = (sys.stdout, sys.stderr)
        sys.stdout = _ThreadRoutedStream(saved_streams[0], thread, buffer.write)
        sys.stderr = _ThreadRoutedStream(saved_streams[1], thread, buffer.write)
        STATE.record_source = True
        STATE.keep_freed = True  # a backward in the script stays replayable by the stepper
        try:
            exec(compiled, namespace)
        finally:
            STATE.record_source = False
            STATE.keep_freed = False
            # Put the streams back only if nobody replaced ours in the meantime.
            if isinstance(sys.stdout, _ThreadRoutedStream) and sys.stdout.worker is thread:
                sys.stdout = saved_streams[0]
            if isinstance(sys.stderr, _ThreadRoutedStream) and sys.stderr.worker is thread:
                sys.stderr = saved_streams[1]
        tensors, default_root = collect_tensors(namespace, tree)
        # A backward in the script freed its graph's saved tensors (kept aside under keep_freed):
        # put them back now, so every view of the result (the inspector's saved values, the
        # stepper) sees a graph that can be replayed, whichever looks at it first.
        revive_freed(list(tensors.values()))
        return RunResult(
            namespace=namespace,
            tensors=tensors,
            default_root=default_root,
            output=buffer.text(),
            seconds=time.perf_counter() - started,
            filename=filename,
            code=code,
        )
