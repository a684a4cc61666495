"""Inside the kernel: the Training panel's loop on the script's own model, for either backend.

The loop is the tutorial's::

    optimizer.zero_grad()        # optional: switching it off shows gradients accumulating
    prediction = model(inputs)
    loss = loss_fn(prediction, target)
    loss.backward()
    optimizer.step()

``lib`` is what ``torch`` means in this kernel: gradviz's engine, or the real PyTorch (then the
optimizers are the real ``torch.optim`` ones). The app gets plain data back: losses, norms per step,
and numpy copies of one parameter (before the last run, now, and its ``.grad``).

A long run stops between two steps when the app's Stop raised the kernel's interrupt flag
(``interrupted()``); the answer then says ``stopped`` and carries the steps that were done.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable

import numpy as np

from gradviz.model.training import LOSSES, OPTIMIZERS, TUTORIAL_TRAINING

PROGRESS_EVERY = 0.05  # seconds between progress messages (each one crosses to the app)


def to_numpy(tensor) -> np.ndarray:
    """A float copy of ``tensor`` that outlives it (engine and torch tensors alike)."""
    value = tensor.detach()
    if hasattr(value, "cpu"):
        value = value.cpu()
    return np.array(value.numpy(), copy=True)


def make_loss(lib, name: str) -> Callable:
    """``loss_fn(prediction, target)``; "sum of squares" is the tutorial's
    ``(ideal_output - prediction).pow(2).sum()``."""
    if name == "sum of squares":
        return lambda prediction, target: (target - prediction).pow(2).sum()
    if name == "MSE":
        return lib.nn.MSELoss()
    if name == "CrossEntropy":
        return lib.nn.CrossEntropyLoss()
    raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")


def make_optimizer(lib, name: str, params, lr: float, momentum: float = 0.0):
    """``torch.optim.SGD(params, lr, momentum)`` or ``torch.optim.Adam(params, lr)``."""
    if name == "SGD":
        return lib.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "Adam":
        return lib.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def find_modules(lib, namespace: dict) -> dict:
    """The ``nn.Module`` instances among a script's variables, by name."""
    return {k: v for k, v in namespace.items() if isinstance(v, lib.nn.Module) and not k.startswith("_")}


def find_tensors(lib, namespace: dict) -> dict:
    return {k: v for k, v in namespace.items() if isinstance(v, lib.Tensor) and not k.startswith("_")}


def guess_inputs(lib, namespace: dict) -> tuple[str | None, str | None]:
    """The batch and the target as the tutorial names them, else the first tensors that do not
    require grad."""
    tensors = find_tensors(lib, namespace)
    inp = "some_input" if "some_input" in tensors else None
    tgt = "ideal_output" if "ideal_output" in tensors else None
    plain = [k for k, t in tensors.items() if not t.requires_grad and t.grad_fn is None]
    if inp is None and plain:
        inp = plain[0]
    if tgt is None:
        rest = [k for k in plain if k != inp]
        tgt = rest[0] if rest else None
    return inp, tgt


def _norm(array: np.ndarray | None) -> float:
    return 0.0 if array is None else float(np.linalg.norm(np.asarray(array, dtype=np.float64)))


class Training:
    """The kernel's training state: the namespace it trains in and the current trainer's setup."""

    def __init__(self, lib, namespace: dict | None) -> None:
        self.lib = lib
        self.namespace = dict(namespace or {})
        self.key: tuple | None = None
        self.model = None
        self.optimizer = None
        self.loss_fn = None
        self.inputs = self.target = None
        self.losses: list[float] = []
        self.grad_norms: list[float] = []  # total gradient norm after each step's backward
        self.param_norms: list[float] = []  # total parameter norm after each step
        self.before: dict[str, np.ndarray] = {}

    # ---- what there is to train ---------------------------------------------------------------
    def load_tutorial(self) -> None:
        """The tutorial's TinyModel, a batch and a target, made with this kernel's ``torch``."""
        namespace = {"__name__": "__gradviz_training__", "torch": self.lib}
        code = TUTORIAL_TRAINING.replace("import torch\n", "")
        exec(compile(code, "<tutorial training>", "exec"), namespace)
        self.namespace.update({k: v for k, v in namespace.items() if not k.startswith("__")})
        self.key = None

    def options(self) -> dict:
        modules = find_modules(self.lib, self.namespace)
        inp, tgt = guess_inputs(self.lib, self.namespace)
        return {
            "modules": list(modules),
            "tensors": list(find_tensors(self.lib, self.namespace)),
            "input": inp,
            "target": tgt,
            "parameters": {name: [n for n, _ in m.named_parameters()] for name, m in modules.items()},
        }

    # ---- setting up ---------------------------------------------------------------------------
    def configure(self, model: str, input: str, target: str, loss: str, optimizer: str, lr: float,
                  momentum: float = 0.0) -> None:
        """A new optimizer when the choices changed; the loss curve runs on across changes."""
        key = (model, input, target, loss, optimizer, float(lr), float(momentum))
        if key == self.key:
            return
        modules = find_modules(self.lib, self.namespace)
        if not modules:
            raise ValueError("the script defines no nn.Module to train (run one, e.g. the tutorial's TinyModel)")
        if model not in modules:
            raise ValueError(f"{model!r} is not an nn.Module of the script; the modules are {', '.join(modules)}")
        tensors = find_tensors(self.lib, self.namespace)
        for role, name in (("input", input), ("target", target)):
            if name not in tensors:
                raise ValueError(f"choose a tensor as the {role} ({name!r} is not a tensor of the script)")
        self.model = modules[model]
        self.inputs, self.target = tensors[input], tensors[target]
        self.loss_fn = make_loss(self.lib, loss)
        self.optimizer = make_optimizer(self.lib, optimizer, list(self.model.parameters()), lr, momentum)
        self.key = key

    # ---- training -----------------------------------------------------------------------------
    def _step(self, zero_grad: bool, interruptible) -> float:
        # A Stop may cut the user's forward or backward short (KeyboardInterrupt: the step does not
        # count), never the optimizer's update of the weights, which would leave them half-moved.
        with interruptible():
            if zero_grad:
                self.optimizer.zero_grad()
            prediction = self.model(self.inputs)
            loss = self.loss_fn(prediction, self.target)
            loss.backward()
        grads = [p.grad for p in self.model.parameters() if p.grad is not None]
        self.optimizer.step()
        value = float(loss.item())
        self.losses.append(value)
        self.grad_norms.append(math.sqrt(sum(_norm(to_numpy(g)) ** 2 for g in grads)))
        self.param_norms.append(math.sqrt(sum(_norm(to_numpy(p)) ** 2 for p in self.model.parameters())))
        return value

    def train(self, steps: int, zero_grad: bool, interrupted: Callable[[], bool],
              progress: Callable[[dict], None] | None = None, interruptible=contextlib.nullcontext) -> dict:
        """Run up to ``steps`` steps; returns how many ran and whether a Stop ended them early.

        ``interrupted()`` is checked between steps; inside ``interruptible()`` a Stop raises
        KeyboardInterrupt (the kernel's SIGINT), which ends the run too."""
        self.before = {n: to_numpy(p) for n, p in self.model.named_parameters()}
        first = len(self.losses)
        last_report = time.monotonic()
        stopped = False
        for i in range(steps):
            if interrupted():
                stopped = True
                break
            try:
                self._step(zero_grad, interruptible)
            except KeyboardInterrupt:
                stopped = True
                break
            now = time.monotonic()
            if progress is not None and (now - last_report >= PROGRESS_EVERY or i == steps - 1):
                last_report = now
                progress({"done": i + 1, "total": steps, "losses": self.losses[first:]})
        return {"steps_done": len(self.losses) - first, "stopped": stopped}

    # ---- reading ------------------------------------------------------------------------------
    def parameter(self, name: str | None, model: str | None = None) -> dict | None:
        """One parameter now, before the last run (None before any), and its ``.grad``; of the
        model being trained, or of the script's module ``model`` (before any training)."""
        module = self.model
        if model is not None and (self.key is None or self.key[0] != model):
            module = find_modules(self.lib, self.namespace).get(model)
        if module is None or not name:
            return None
        p = dict(module.named_parameters()).get(name)
        if p is None:
            return None
        before = self.before.get(name) if module is self.model else None
        return {"name": name, "now": to_numpy(p), "before": before,
                "grad": None if p.grad is None else to_numpy(p.grad)}

    def summary(self, parameter: str | None = None) -> dict:
        params = dict(self.model.named_parameters()) if self.model is not None else {}
        return {
            "losses": np.asarray(self.losses, dtype=np.float64),
            "grad_norms": np.asarray(self.grad_norms, dtype=np.float64),
            "param_norms": np.asarray(self.param_norms, dtype=np.float64),
            "parameter_norms": {n: _norm(to_numpy(p)) for n, p in params.items()},
            "parameter_grad_norms": {n: _norm(None if p.grad is None else to_numpy(p.grad))
                                     for n, p in params.items()},
            "parameter": self.parameter(parameter),
        }
