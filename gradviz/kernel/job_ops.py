"""The kernel's requests for the analysis panels: training, profiling and Jacobians.

A mixin of :class:`gradviz.kernel.worker.Kernel` (it uses the kernel's ``namespace``, ``backend``,
``ran``, ``interrupt_requested``, ``send`` and ``op_run``). Each request works on either backend:
``torch`` in the script is what these use, the engine or the real PyTorch. A kernel that has not
run a script yet (the panels can be used before any Run) uses the backend the request names.

Errors are raised as usual: the kernel answers them as a one-line error reply
(``"ValueError: the script defines no nn.Module ..."``), never a traceback.
"""

from __future__ import annotations

import contextlib
import importlib

from .jacobian_ops import jacobian_request
from .profiling_ops import profile_run
from .training_ops import Training

BACKEND_MODULES = {"engine": "engine", "torch": "torch"}


class JobOps:
    training: Training | None = None

    @contextlib.contextmanager
    def _interruptible(self):
        """While inside, the app's Stop (SIGINT) raises KeyboardInterrupt here, as during a run."""
        self.mode = "run"
        try:
            yield
        finally:
            self.mode = "idle"

    def _library(self, backend: str | None = None):
        """What ``torch`` means here: the backend the script ran on, else the one asked for."""
        name = self.backend if self.ran else (backend or "engine")
        if name not in BACKEND_MODULES:
            raise ValueError(f"unknown backend {name!r}; the backends are {', '.join(BACKEND_MODULES)}")
        return importlib.import_module(BACKEND_MODULES[name])

    def _training(self, backend: str | None = None) -> Training:
        if self.training is None:
            self.training = Training(self._library(backend), self.namespace)
        return self.training

    # ---- training -----------------------------------------------------------------------------
    def op_train_options(self, tutorial: bool = False, backend: str | None = None) -> dict:
        """The modules and tensors to train with; ``tutorial`` first loads the tutorial's TinyModel."""
        training = self._training(backend)
        if tutorial:
            training.load_tutorial()
        return {**training.options(), "backend": self.backend if self.ran else (backend or "engine")}

    def op_train(self, config: dict, steps: int = 1, zero_grad: bool = True, parameter: str | None = None,
                 backend: str | None = None) -> dict:
        """``steps`` optimizer steps; progress messages on the way; a Stop ends them between steps."""
        training = self._training(backend)
        training.configure(**config)
        sent = [len(training.losses)]

        def progress(update: dict) -> None:
            new = training.losses[sent[0]:]
            sent[0] = len(training.losses)
            self.send({"event": "progress", "done": update["done"], "total": update["total"], "losses": new})

        outcome = training.train(int(steps), bool(zero_grad), lambda: self.interrupt_requested, progress,
                                 self._interruptible)
        return {**outcome, **training.summary(parameter)}

    def op_train_parameter(self, name: str, model: str | None = None, backend: str | None = None) -> dict | None:
        return self._training(backend).parameter(name, model)

    # ---- profiler -----------------------------------------------------------------------------
    def op_profile(self, code: str, filename: str = "<editor>", backend: str = "engine") -> dict:
        """Run ``code`` (in this fresh kernel) under the backend's autograd profiler."""
        lib = self._library(backend)

        def run():
            report = self.op_run(code, filename, backend)
            return report, self.namespace

        report, profiles = profile_run(lib, run)
        if profiles is None:
            return report  # the script failed: the kernel answers with its error
        return {"profiles": profiles, "seconds": report["seconds"], "output": report["output"],
                "backend": backend}

    # ---- Jacobians ----------------------------------------------------------------------------
    def op_jacobian(self, mode: str, function: str, inputs: str, v: str = "", backend: str | None = None) -> dict:
        lib = self._library(backend)
        with self._interruptible():  # a Stop ends a long Hessian, not the kernel
            answer = jacobian_request(lib, self.namespace, mode, function, inputs, v)
        answer["backend"] = self.backend if self.ran else (backend or "engine")
        return answer
