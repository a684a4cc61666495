"""The app's side of the kernel: start kernels, send requests, stop anything, survive any script.

Qt-free and engine-free (a test checks that importing it loads neither): what comes back is plain
data, numpy arrays included. One request runs at a time (a lock); :meth:`KernelClient.stop` may be
called from any other thread while a request is running.
"""

from __future__ import annotations

import threading
import time

from . import protocol
from .backends import choose_backend, torch_availability
from .messages import KernelRequestError, RunError, RunResult, TensorInfo
from .process import KernelProcess, died_error

STOP_GRACE = 0.5  # seconds a Stop waits for the interrupted kernel to answer before killing it

__all__ = ["KernelClient", "KernelRequestError", "RunError", "RunResult", "TensorInfo"]


class KernelClient:
    """Runs scripts in kernel processes and asks them about the graph; see the package docstring.

    ``prestart``: keep a spare kernel started in the background so a run does not wait for Python
    and the engine to import (each run still gets a kernel of its own).
    """

    def __init__(self, prestart: bool = True) -> None:
        self.prestart = prestart
        self._kernel: KernelProcess | None = None
        self._spare: KernelProcess | None = None
        self._lock = threading.Lock()
        self._busy: tuple | None = None  # (kernel, op) of the request in flight
        self._next_id = 0
        self.filename: str | None = None
        self.threads: list[str] = []  # threads the script left running in the current kernel
        self.last_start_seconds: float | None = None
        self._closed = False
        self._starting: KernelProcess | None = None
        # The edge gradients of the last step state, kept so the next one carries only the steps
        # after it (step_state): {"token", "position", "edges": {(node, i): (step index, array)}}.
        self._edges_cache: dict | None = None
        self._state_lock = threading.Lock()

    # ---- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> KernelClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True  # the analysis requests start no kernel after this
        # _starting: a kernel a run is waiting for (not ready yet); ending it ends that wait.
        for kernel in (self._kernel, self._spare, self._starting):
            if kernel is not None:
                kernel.close()
        self._kernel = self._spare = self._starting = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def _fresh_kernel(self, backend: str = "engine") -> KernelProcess:
        """A ready, unused kernel of ``backend``'s kind: the spare when it is of that kind (a spare
        of the other kind stays the spare), else a new one."""
        kernel = self._spare
        if kernel is not None and kernel.backend == backend:
            self._spare = None
            if not kernel.alive():
                kernel.close()
                kernel = None
        else:
            kernel = None
        if kernel is None:
            kernel = KernelProcess(backend)
        self._starting = kernel
        try:
            kernel.wait_ready()
        finally:
            self._starting = None
        self.last_start_seconds = kernel.ready_seconds
        return kernel

    def _keep_a_spare(self, backend: str) -> None:
        """Start the next run's kernel in the background, of the kind the last run used."""
        if not self.prestart:
            return
        if self._spare is not None and self._spare.backend != backend:
            self._spare.close()
            self._spare = None
        if self._spare is None:
            self._spare = KernelProcess(backend)

    def _needs_a_kernel(self, backend: str) -> bool:
        """True unless the current kernel is alive, unused and of ``backend``'s kind; a current
        kernel that does not fit is closed."""
        kernel = self._kernel
        if kernel is not None and not kernel.used and kernel.alive() and kernel.backend == backend:
            return False
        if kernel is not None:
            kernel.close()
        return True

    def start(self, backend: str = "engine") -> None:
        """Start a kernel for ``backend``'s runs without waiting for it (the caller can do other
        work meanwhile)."""
        with self._lock:
            if self._needs_a_kernel(backend):
                self._kernel = KernelProcess(backend)

    def warm_up(self, backend: str = "engine") -> None:
        """Start a kernel for ``backend``'s runs now (and wait for it) so the next run begins at once."""
        with self._lock:
            if self._needs_a_kernel(backend):
                self._kernel = self._fresh_kernel(backend)

    @property
    def kernel_pid(self) -> int | None:
        kernel = self._kernel
        return kernel.pid if kernel is not None and kernel.alive() else None

    # ---- the request loop -----------------------------------------------------------------------
    def _request(self, op: str, args: dict, timeout: float | None = None, on_output=None, *,
                 on_progress=None, kernel: KernelProcess | None = None) -> dict:
        """Send one request and wait for its answer; ``kernel``: another kernel than the current
        one (the profiler's throwaway kernel); ``on_progress(message)``: a long request's progress."""
        own = kernel is None
        kernel = self._kernel if own else kernel
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
                return {"ok": False, "error": vars(died_error(kernel, self.filename))}
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
                    if message.get("event") == "progress":
                        if on_progress is not None:
                            on_progress(message)
                        continue
                    if message.get("id") == rid:
                        if own:
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

    def _ended(self, kernel: KernelProcess) -> dict:
        if kernel.stop_requested:
            kernel.kill()
            return {"ok": False, "error": {"kind": "stopped", "message": "Stopped by the user."}}
        return {"ok": False, "error": vars(died_error(kernel, self.filename))}

    def _halt(self, kernel: KernelProcess) -> None:
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
    @staticmethod
    def torch_available(refresh: bool = False) -> tuple[bool, str]:
        """``(True, "torch 2.x")`` when the torch backend can run, else ``(False, reason)``
        (:func:`gradviz.kernel.backends.torch_availability`; this process never imports torch)."""
        return torch_availability(refresh)

    def run(self, script: str, filename: str = "<editor>", backend: str | None = None, *,
            timeout: float | None = None, on_output=None) -> RunResult:
        """Execute ``script`` in a fresh kernel; blocks until it ends, fails, is stopped or times
        out. ``on_output(text)`` receives what the script prints as it prints it.

        ``backend``: "engine" (``import torch`` is gradviz's engine) or "torch" (the real PyTorch,
        in the kernel only); None: the script's ``# gradviz: backend=NAME`` first line, else engine.
        An unknown name (argument or directive) is refused: the result's error has kind "request"."""
        try:
            backend = choose_backend(script, backend)
        except ValueError as exc:
            return RunResult(error=RunError("request", str(exc)), backend=str(backend))
        with self._lock:
            if self._needs_a_kernel(backend):
                self._kernel = None
            try:
                if self._kernel is None:
                    self._kernel = self._fresh_kernel(backend)
                if self._closed:  # closed while the kernel started: run nothing
                    raise RuntimeError("the kernel client was closed")
            except RuntimeError:
                if not self._closed:
                    raise
                self.close()
                return RunResult(error=RunError("stopped", "Stopped: gradviz closed the kernel."), backend=backend)
            kernel = self._kernel
            kernel.wait_ready()
            self.last_start_seconds = kernel.ready_seconds
            kernel.used = True
            self.filename = filename
            self.threads = []
            self._keep_a_spare(backend)
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
                                 threads=self.threads, backend=backend)
            result = reply["result"]
            return RunResult(
                output=result["output"],
                tensors=[TensorInfo(**t) for t in result["tensors"]],
                default_root=result["default_root"],
                candidates=list(result["candidates"]),
                seconds=result["seconds"],
                threads=list(result["threads"]),
                backend=result.get("backend", backend),
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

    def graph(self, root: str, max_nodes: int | None = None, timeout: float | None = None,
              document: bool = True) -> dict:
        """``{"document": graph document, "topology": ...}`` for the graph of variable ``root``
        (``document=False``: the topology alone, ``"document": None``)."""
        if not document:
            return self._call("graph", timeout, root=root, max_nodes=max_nodes, document=False)
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
                  norm_threshold: float | None = None, timeout: float | None = None,
                  events: bool = True) -> dict:
        """``events=False``: the answer's ``steps`` holds only the last step, ``count`` how many ran."""
        args = dict(breakpoints=list(breakpoints), max_steps=max_steps, check=check,
                    break_on_nan=break_on_nan, break_on_zero=break_on_zero, norm_threshold=norm_threshold)
        if not events:
            args["events"] = False  # only sent when asked, so an older kernel is spoken to as before
        return self._call("continue", timeout, **args)

    def run_to(self, node_id: str) -> dict:
        return self._call("run_to", node_id=node_id)

    def reset(self) -> dict:
        return self._call("reset")

    def step_state(self) -> dict:
        """Where backward is (documents.step_state's answer, whole). The kernel sends only the edge
        gradients of the steps after the last state this client received; the others come from
        the client's copy (a gradient a step sent never changes for the same backward: the kernel's
        token says which). A Step near the end of a 5,000-node backward then moves a few arrays,
        not 8,000."""
        with self._state_lock:
            cache = self._edges_cache
            since = {} if cache is None else {"since": cache["position"], "token": cache["token"]}
            state = protocol.unpack_step_state(self._call("step_state", **since))
            base, token = state.pop("edges_base", -1), state.pop("token", None)
            edges = cache["edges"] if cache is not None and base >= 0 and cache["token"] == token else {}
            if cache is not None and edges and cache["position"] > base:  # stepped back: forget later steps
                edges = {key: entry for key, entry in edges.items() if entry[0] <= base}
            step_index = state["step_index"]
            for key, array in state["edge_grads"].items():
                edges[key] = (step_index[key[0]], array)
            self._edges_cache = {"token": token, "position": state["position"], "edges": edges}
            state["edge_grads"] = {key: entry[1] for key, entry in edges.items()}
            return state


    # ---- the analysis panels' requests (worker side: job_ops.py) -------------------------------
    def _call_anywhere(self, op: str, timeout: float | None = None, on_progress=None, **args):
        """A request that also works before any run: without a live kernel one is started (and
        marked used, so the next run still gets a fresh one)."""
        with self._lock:
            if self._closed:
                raise KernelRequestError(RunError("no_kernel", "the kernel client was closed"))
            kernel = self._kernel
            if kernel is None or not kernel.alive():
                if kernel is not None:
                    kernel.close()
                kind = args.get("backend") or "engine"
                self._kernel = kernel = self._fresh_kernel(kind)
                self._keep_a_spare(kind)
            kernel.wait_ready()
            kernel.used = True
            return self._result(self._request(op, args, timeout, on_progress=on_progress))

    def train_options(self, tutorial: bool = False, backend: str | None = None) -> dict:
        """``{"modules", "tensors", "input", "target", "parameters": {module: [names]}, "backend"}``
        of the script's namespace (``tutorial``: after loading the tutorial's TinyModel into it)."""
        return self._call_anywhere("train_options", tutorial=tutorial, backend=backend)

    def train(self, config: dict, steps: int = 1, zero_grad: bool = True, parameter: str | None = None,
              backend: str | None = None, on_progress=None, timeout: float | None = None) -> dict:
        """``steps`` optimizer steps on the script's model. ``config``: model, input, target (names),
        loss, optimizer (:mod:`gradviz.model.training`), lr, momentum. :meth:`stop` ends a long run
        between two steps (``stopped`` is then true). Returns ``steps_done``, ``stopped``, the whole
        run's ``losses``, ``grad_norms`` and ``param_norms`` per step, the current norm of each
        parameter and of its grad, and ``parameter`` (``now``/``before``/``grad`` arrays) for the
        named one. ``on_progress({"done", "total", "losses": the new ones})`` on the way."""
        return self._call_anywhere("train", timeout, on_progress, config=dict(config), steps=int(steps),
                                   zero_grad=zero_grad, parameter=parameter, backend=backend)

    def train_parameter(self, name: str, model: str | None = None, backend: str | None = None) -> dict | None:
        """``{"name", "now", "before", "grad"}`` (arrays; before/grad may be None) of a parameter of
        the model being trained, or of the script's module ``model``; None when there is none."""
        return self._call_anywhere("train_parameter", name=name, model=model, backend=backend)

    def jacobian(self, mode: str, function: str, inputs: str, v: str = "", backend: str | None = None,
                 timeout: float | None = None) -> dict:
        """``torch.autograd.functional.<mode>`` (jacobian, hessian, vjp, jvp) of the typed function
        at the typed inputs, in the script's namespace: ``{"mode", "blocks": [(name, ndarray)],
        "tuple_inputs", "backend"}``."""
        return self._call_anywhere("jacobian", timeout, mode=mode, function=function, inputs=inputs, v=v,
                                   backend=backend)

    def profile(self, script: str, filename: str = "<editor>", backend: str | None = None, *,
                timeout: float | None = None, on_output=None) -> dict:
        """Run ``script`` under the backend's autograd profiler in a throwaway kernel (the current
        kernel and its graph stay as they are). Returns ``{"profiles": {label: {"rows", "events",
        "table", "trace"}}, "seconds", "output", "backend"}``; the labels are "whole script" and
        the script's own finished profiles. A failing script raises KernelRequestError."""
        try:
            backend = choose_backend(script, backend)
        except ValueError as exc:
            raise KernelRequestError(RunError("request", str(exc))) from None
        with self._lock:
            if self._closed:
                raise KernelRequestError(RunError("no_kernel", "the kernel client was closed"))
            kernel = self._fresh_kernel(backend)
            kernel.used = True
            self._keep_a_spare(backend)
            try:
                reply = self._request("profile", {"code": script, "filename": filename, "backend": backend},
                                      timeout, on_output, kernel=kernel)
            finally:
                kernel.close()
            return self._result(reply)


def _error(data: dict) -> RunError:
    return RunError(data.get("kind", "request"), data.get("message", ""), data.get("lineno"),
                    data.get("traceback", ""), data.get("exit_code"))
