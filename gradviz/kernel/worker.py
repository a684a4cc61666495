"""The kernel process: :func:`serve`, in a child forked by multiprocessing's fork server.

It reads one request at a time from the app, executes it in its main thread and answers it. User
code runs in the main thread so the app's Stop (SIGINT) lands in it as KeyboardInterrupt; during a
stepping request SIGINT only raises a flag the stepping loop checks between steps, so an
interrupted Continue leaves a consistent backward state behind. Standard input is /dev/null (an
``input()`` raises EOFError), and the kernel dies with its fork server (PR_SET_PDEATHSIG on Linux),
which ends with the app.
"""

from __future__ import annotations

import ctypes
import faulthandler
import importlib
import os
import signal
import sys
import threading
import uuid

import numpy as np

import engine  # noqa: F401
from gradviz.kernel import protocol
from gradviz.kernel.engine_documents import EngineDocuments
from gradviz.kernel.execution import ScriptExited, live_threads, run_script
from gradviz.kernel.job_ops import JobOps
from gradviz.kernel.stepping import Stepper


class KernelError(Exception):
    """A request the kernel cannot answer (unknown root, no stepper ...): reported, not fatal."""


BACKENDS = ("engine", "torch")


class Kernel(JobOps):  # JobOps: training, profiler and Jacobian requests
    def __init__(self, conn) -> None:
        self.conn = conn
        self.namespace: dict | None = None
        self.tensors: dict = {}
        self.models: dict = {}  # root name -> GraphModel
        self.model = None  # the graph the node ids of the last answers refer to
        self.stepper: Stepper | None = None
        self.stepper_root: str | None = None
        self.ran = False
        self.backend = "engine"
        self.docs = EngineDocuments()
        self.tracker = None  # torch backend: where each node was created (torch_run.CreationTracker)
        self.mode = "idle"  # "run" while user code runs: SIGINT interrupts it
        self.interrupt_requested = False
        # The script's threads may print while the main thread answers: one message at a time.
        self._send_lock = threading.Lock()
        self._main_sending = False  # a Stop must not cut a frame in half: it waits for the send
        self._deferred_interrupt = False

    # ---- plumbing ---------------------------------------------------------------------------
    def send(self, message: dict) -> None:
        in_main = threading.current_thread() is threading.main_thread()
        with self._send_lock:
            if in_main:
                self._main_sending = True
            try:
                protocol.send(self.conn, message)
            finally:
                if in_main:
                    self._main_sending = False
        if in_main and self._deferred_interrupt:
            self._deferred_interrupt = False
            raise KeyboardInterrupt

    def on_sigint(self, signum, frame) -> None:
        self.interrupt_requested = True
        if self.mode == "run":
            if self._main_sending:
                self._deferred_interrupt = True  # raised once the frame is complete
            else:
                raise KeyboardInterrupt

    def serve(self) -> None:
        self.send({"event": "ready", "pid": os.getpid()})
        while True:
            try:
                request = protocol.receive(self.conn, trusted=True)
            except (EOFError, OSError):
                return  # the app has gone
            except KeyboardInterrupt:
                continue  # a Stop that arrived between requests
            self.interrupt_requested = False
            rid = request.get("id")
            try:
                result = getattr(self, "op_" + request["op"])(**request.get("args", {}))
                if isinstance(result, dict) and result.get("ok") is False:  # the script failed
                    reply = {"id": rid, "ok": False, "error": result["error"]}
                else:
                    reply = {"id": rid, "ok": True, "result": result}
            except ScriptExited as exited:
                self.send({"id": rid, **exited.report})
                os._exit(exited.code)
            except KeyboardInterrupt:
                reply = {"id": rid, "ok": False, "error": {"kind": "stopped", "message": "Stopped by the user."}}
            except Exception as exc:  # noqa: BLE001 - the answer says what went wrong
                reply = {"id": rid, "ok": False, "error": {"kind": "request", "message": f"{type(exc).__name__}: {exc}"}}
            reply["threads"] = live_threads()
            self.send(reply)

    def emit_output(self, text: str) -> None:
        self.send({"event": "output", "text": text})

    # ---- requests ---------------------------------------------------------------------------
    def op_ping(self) -> dict:
        return {"pid": os.getpid()}

    def op_torch_available(self) -> dict:
        """Whether ``import torch`` works in this interpreter (imports it here: ask a spare kernel)."""
        try:
            torch = importlib.import_module("torch")
        except Exception as exc:  # noqa: BLE001 - any failure to import is the reason
            return {"available": False, "reason": f"import torch failed: {type(exc).__name__}: {exc}"}
        return {"available": True, "reason": f"torch {torch.__version__}"}

    def op_run(self, code: str, filename: str, backend: str = "engine") -> dict:
        if backend not in BACKENDS:
            raise KernelError(f"unknown backend {backend!r}; the backends are {', '.join(BACKENDS)}")
        if self.ran:
            raise KernelError("this kernel already ran a script; each run gets a fresh kernel")
        self.ran = True
        scripts = None
        if backend == "torch":
            # Imported here, by name: the fork server (preloaded with this module) never imports
            # torch, and engine runs never load it.
            try:
                torch_run = importlib.import_module("gradviz.kernel.torch_run")
            except ImportError as exc:
                raise KernelError(f"the torch backend needs PyTorch in the kernel's interpreter: {exc}") from None
            self.docs = importlib.import_module("gradviz.kernel.torch_documents").TorchDocuments()
            self.backend = "torch"
            scripts = torch_run.TorchScripts
        self.mode = "run"
        try:
            if scripts is None:
                report, namespace, tensors = run_script(code, filename, self.emit_output)
            else:
                report, namespace, tensors = run_script(code, filename, self.emit_output, scripts)
                self.tracker = torch_run.CreationTracker.active
        finally:
            self.mode = "idle"
        self.namespace, self.tensors = namespace, tensors
        if isinstance(report, dict) and report.get("ok"):
            report["backend"] = backend
        return report

    def _root_tensor(self, root: str):
        if self.namespace is None:
            raise KernelError("no script has run in this kernel")
        tensor = self.tensors.get(root)
        if tensor is None:
            raise KernelError(f"{root!r} is not a tensor variable of the script")
        return tensor

    def _model_for(self, root: str, max_nodes: int | None = None):
        model = self.models.get(root)
        if model is None or max_nodes is not None:
            model = self.docs.build_model(self._root_tensor(root), self.namespace, self.tensors, max_nodes,
                                          tracker=self.tracker)
            self.models[root] = model
        self.model = model
        return model

    def op_graph(self, root: str, max_nodes: int | None = None, document: bool = True) -> dict:
        model = self._model_for(root, max_nodes)
        stepper = self.stepper if self.stepper_root == root else None
        # An image export needs only the topology; the document of a 100,000-node graph costs seconds.
        doc = self.docs.graph_document(model, root, stepper) if document else None
        return {"document": doc, "topology": self.docs.topology(model)}

    def op_node_details(self, node_id: str) -> dict:
        if self.model is None:
            raise KernelError("no graph yet: ask for graph(root) first")
        return self.docs.node_details(self.model, node_id, self.stepper)

    def op_tensor_values(self, ref: str) -> dict:
        tensor = self.docs.resolve_ref(ref, self.model, self.tensors, self.stepper)
        return self.docs.tensor_payload(ref, tensor)

    # ---- stepping ---------------------------------------------------------------------------
    def _need_stepper(self) -> Stepper:
        if self.stepper is None:
            raise KernelError("backward has not been started: call step_start(root) first")
        return self.stepper

    def _moved(self, steps) -> dict:
        stepper = self._need_stepper()
        model = self.model
        return {
            "steps": [self.docs.step_event(model, s) for s in steps],
            "position": stepper.position,
            "at_end": stepper.at_end,
            "pause_reason": stepper.pause_reason,
            "current": model.id_of(stepper.current_node) if stepper.current_node is not None else None,
            "ready": [model.id_of(n) for n in stepper.ready_nodes()],
            "waiting": {model.id_of(n): c for n, c in stepper.waiting().items() if model.id_of(n) is not None},
        }

    def op_step_start(self, root: str, gradient=None, zero_grad: bool = False) -> dict:
        tensor = self._root_tensor(root)
        if isinstance(gradient, str):
            # The app's "gradient v" field: an expression in the script's namespace (``ones``,
            # ``torch.tensor([0.1, 1.0])``, a script variable), evaluated here where the tensors are;
            # a bad one is refused before anything changes.
            gradient = _gradient_from_text(gradient, tensor, self.namespace, self.backend)
        old, old_root, old_model = self.stepper, self.stepper_root, self.model
        if old is not None:
            old.restore_grads()  # an abandoned backward leaves the .grad values as before
            self.stepper = None
        model = self._model_for(root)
        try:
            stepper = self.docs.new_stepper(tensor, gradient, zero_grad, model)
        except Exception:
            if old is not None:
                # Refused (e.g. v of the wrong shape): the previous backward stays where it was,
                # replayed to its position (stepping is deterministic).
                position = old.position
                old.reset()
                if position >= 0:
                    old.advance(max_steps=position + 1, check=False)
                self.stepper, self.stepper_root, self.model = old, old_root, old_model
            raise
        stepper.interrupted = lambda: self.interrupt_requested
        self.stepper, self.stepper_root = stepper, root
        return {**self._moved([]), "note": stepper.note, "node_count": len(stepper.nodes)}

    def op_step(self) -> dict:
        step = self._need_stepper().step()
        return self._moved([step] if step is not None else [])

    def op_step_back(self) -> dict:
        self._need_stepper().step_back()
        return self._moved([])

    def _node(self, node_id: str):
        try:
            return self.model.graph.nodes[node_id]["obj"]
        except KeyError:
            raise KernelError(f"no node {node_id!r} in the graph") from None

    def op_continue(self, breakpoints=(), max_steps: int | None = None, break_on_nan: bool = False,
                    break_on_zero: bool = False, norm_threshold: float | None = None,
                    check: bool = True, events: bool = True) -> dict:
        """``events=False``: describe only the last step taken (``count`` says how many ran) --
        the app's Continue needs no summary of every gradient on the way, only where it stopped."""
        stepper = self._need_stepper()
        stepper.breakpoints = {self._node(b) for b in breakpoints}
        stepper.break_on_nan, stepper.break_on_zero = break_on_nan, break_on_zero
        stepper.norm_threshold = norm_threshold
        steps = stepper.continue_(max_steps=max_steps, check=check)
        if events:
            return self._moved(steps)
        return {**self._moved(steps[-1:]), "count": len(steps)}

    def op_run_to(self, node_id: str) -> dict:
        return self._moved(self._need_stepper().run_to(self._node(node_id)))

    def op_reset(self) -> dict:
        self._need_stepper().reset()
        return self._moved([])

    def op_step_state(self, since: int | None = None, token: str | None = None) -> dict:
        """The step state; ``since``/``token``: the position and token of the last state this
        asker holds -- honoured only for the same graph and the same backward (documents.step_state)."""
        stepper = self._need_stepper()
        current = f"{_state_token(self.model)}:{_state_token(stepper)}"
        state = self.docs.step_state(self.model, stepper, since if token == current else None)
        state["token"] = current
        return protocol.pack_step_state(state)


def _state_token(obj) -> str:
    """A name for this graph model or stepper, never reused (``id()`` is, after a collection)."""
    token = obj.__dict__.get("_gradviz_state_token")
    if token is None:
        token = obj.__dict__["_gradviz_state_token"] = uuid.uuid4().hex
    return token


def _gradient_from_text(text: str, root, namespace: dict, backend: str):
    """v for ``root.backward(v)`` from the user's text, as an array (KernelError when unusable)."""
    from .gradient_vector import GradientVectorError, parse_gradient

    if backend != "engine":  # the same rules, with the real torch (imported in this kernel only)
        from .torch_gradient_vector import parse_torch_gradient

        try:
            return parse_torch_gradient(text, root, namespace)
        except GradientVectorError as exc:
            raise KernelError(str(exc)) from None
    try:
        value = parse_gradient(text, root, namespace)
    except GradientVectorError as exc:
        raise KernelError(str(exc)) from None
    return np.asarray(getattr(value, "_data", value))


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: a fork server that ends takes its kernels along
    except (OSError, AttributeError):
        pass


def _become_a_fresh_process(log_path: str) -> None:
    """What a forked kernel does first so it behaves like a newly started one, on its own."""
    os.setsid()  # its own process group: Stop signals the kernel and what it started, nothing else
    _die_with_parent()
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND)
    os.dup2(log, 1)  # C-level output and faulthandler's crash report go to the log, not the app
    os.dup2(log, 2)
    os.close(log)
    faulthandler.enable(file=sys.__stderr__)
    # Python's `random` reseeds itself after a fork; numpy's legacy global generator does not, and
    # every kernel would otherwise draw the fork server's numbers.
    np.random.seed()
    # A torch kernel's fork server imported torch (process.PRELOADS), and with it torch's default
    # generator, seeded once: reseed it from the OS as a freshly started torch would be, or every
    # torch run would draw the same "random" numbers. An engine kernel has no torch to reseed.
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "seed"):
        torch.seed()


def serve(conn, log_path: str) -> None:
    """The kernel's life: answer requests on ``conn`` until the app goes away."""
    _become_a_fresh_process(log_path)
    kernel = Kernel(conn)
    signal.signal(signal.SIGINT, kernel.on_sigint)
    kernel.serve()
