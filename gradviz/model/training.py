"""A small, Qt-free training loop for the Training panel: watch weights move and gradients pile up.

The :class:`Trainer` runs the tutorial's loop on any ``nn.Module``::

    prediction = model(inputs)
    loss = loss_fn(prediction, target)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()        # optional: switching it off shows gradients accumulating

It uses the engine's own ``nn`` losses and ``optim`` optimizers (the same objects a user script
would), keeps the history of losses, and snapshots the weights before and after each run so the
panel can show what one ``optimizer.step()`` changed. Long runs go to a worker thread; the signals
are psygnal signals, which the Qt layer forwards to the GUI thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
from psygnal import Signal

import engine

LOSSES = ("sum of squares", "MSE", "CrossEntropy")
OPTIMIZERS = ("SGD", "Adam")


def make_loss(name: str) -> Callable:
    """The loss function called as ``loss_fn(prediction, target)``.

    "sum of squares" is the tutorial's ``(ideal_output - prediction).pow(2).sum()``.
    """
    if name == "sum of squares":
        return lambda prediction, target: (target - prediction).pow(2).sum()
    if name == "MSE":
        return engine.nn.MSELoss()
    if name == "CrossEntropy":
        return engine.nn.CrossEntropyLoss()
    raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")


def make_optimizer(name: str, params, lr: float, momentum: float = 0.0):
    """``torch.optim.SGD(params, lr, momentum)`` or ``torch.optim.Adam(params, lr)``."""
    if name == "SGD":
        return engine.optim.SGD(params, lr=lr, momentum=momentum)
    if name == "Adam":
        return engine.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def snapshot_weights(model) -> dict[str, np.ndarray]:
    """Copies of every parameter, by its ``named_parameters`` name (``layer2.weight``)."""
    return {name: np.array(p.detach().numpy(), copy=True) for name, p in model.named_parameters()}


def snapshot_grads(model) -> dict[str, np.ndarray | None]:
    """Copies of every parameter's ``.grad`` (None where backward has not written one)."""
    out = {}
    for name, p in model.named_parameters():
        g = p.grad
        out[name] = None if g is None else np.array(g.detach().numpy(), copy=True)
    return out


class Trainer:
    """Train ``model`` on one fixed batch, one step or many, recording losses and weights.

    ``zero_grad``: call ``optimizer.zero_grad()`` before each step, as training loops do. Off,
    every backward adds to the gradients of the step before, and the gradient norms grow.
    """

    step_done = Signal(int, float)  # step number (1-based, over the trainer's life), loss
    run_started = Signal(int)  # steps requested
    progress = Signal(int, int)  # steps done in this run, steps requested
    run_finished = Signal(bool)  # True when stopped early
    failed = Signal(str)  # an error from the model or the loss, as "Type: message"

    def __init__(
        self,
        model,
        inputs,
        target,
        loss: str = "sum of squares",
        optimizer: str = "SGD",
        lr: float = 0.001,
        momentum: float = 0.0,
        zero_grad: bool = True,
    ) -> None:
        self.model = model
        self.inputs = inputs
        self.target = target
        self.loss_name = loss
        self.loss_fn = make_loss(loss)
        self.optimizer_name = optimizer
        self.lr = lr
        self.momentum = momentum
        self.optimizer = make_optimizer(optimizer, list(model.parameters()), lr, momentum)
        self.zero_grad = zero_grad
        self.losses: list[float] = []
        self.weights_before: dict[str, np.ndarray] = snapshot_weights(model)
        self.weights_after: dict[str, np.ndarray] = dict(self.weights_before)
        self.grads: dict[str, np.ndarray | None] = snapshot_grads(model)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ---- one step --------------------------------------------------------------------------
    def train_step(self) -> float:
        """One step: (zero_grad), forward, loss, backward, optimizer.step(). Returns the loss."""
        with self._lock:
            if self.zero_grad:
                self.optimizer.zero_grad()
            prediction = self.model(self.inputs)
            loss = self.loss_fn(prediction, self.target)
            loss.backward()
            self.optimizer.step()
            value = float(loss.item())
            self.losses.append(value)
        self.step_done.emit(len(self.losses), value)
        return value

    def train(self, steps: int) -> list[float]:
        """Run ``steps`` steps on the calling thread (stops early when :meth:`stop` is called)."""
        self._stop.clear()
        return self._train(steps)

    def _train(self, steps: int) -> list[float]:
        self.weights_before = snapshot_weights(self.model)
        self.run_started.emit(steps)
        losses = []
        stopped = False
        # Throttle progress to ~20 updates per second: every signal crosses to the GUI thread.
        last = 0.0
        for i in range(steps):
            if self._stop.is_set():
                stopped = True
                break
            losses.append(self.train_step())
            now = time.monotonic()
            if now - last > 0.05 or i == steps - 1:
                self.progress.emit(i + 1, steps)
                last = now
        self.weights_after = snapshot_weights(self.model)
        self.grads = snapshot_grads(self.model)
        self.run_finished.emit(stopped)
        return losses

    # ---- off the GUI thread ----------------------------------------------------------------
    def start(self, steps: int) -> None:
        """Run :meth:`train` on a worker thread; returns at once. Errors arrive through ``failed``."""
        if self.is_running:
            raise RuntimeError("a training run is already in progress")
        self._stop.clear()

        def work() -> None:
            try:
                self._train(steps)  # not train(): a stop() right after start() must count
            except Exception as exc:  # the user's model may raise anything; report, don't crash
                self.failed.emit(f"{type(exc).__name__}: {exc}")
                self.run_finished.emit(True)

        self._thread = threading.Thread(target=work, name="gradviz-training", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Ask a running :meth:`train` to stop after the current step."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the worker thread; True when it has finished."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ---- reading ---------------------------------------------------------------------------
    def weight_change(self) -> dict[str, np.ndarray]:
        """``after - before`` for every parameter, over the last run."""
        return {k: self.weights_after[k] - self.weights_before[k] for k in self.weights_after}

    def grad_norms(self) -> dict[str, float]:
        """The norm of each parameter's current ``.grad`` (0 where there is none)."""
        out = {}
        for name, p in self.model.named_parameters():
            g = p.grad
            out[name] = 0.0 if g is None else float(np.linalg.norm(np.asarray(g.detach().numpy(), dtype=np.float64)))
        return out


def find_modules(namespace: dict) -> dict[str, object]:
    """The ``nn.Module`` instances among a script's variables, by name."""
    module_type = engine.nn.Module
    return {k: v for k, v in namespace.items() if isinstance(v, module_type) and not k.startswith("_")}


def find_tensors(namespace: dict) -> dict[str, object]:
    """The tensors among a script's variables, by name."""
    return {k: v for k, v in namespace.items() if isinstance(v, engine.Tensor) and not k.startswith("_")}


def guess_inputs(namespace: dict) -> tuple[str | None, str | None]:
    """Names of the batch and the target, as the tutorial calls them, else the first tensors that do
    not require grad."""
    tensors = find_tensors(namespace)
    inp = "some_input" if "some_input" in tensors else None
    tgt = "ideal_output" if "ideal_output" in tensors else None
    plain = [k for k, t in tensors.items() if not t.requires_grad and t.grad_fn is None]
    if inp is None and plain:
        inp = plain[0]
    if tgt is None:
        rest = [k for k in plain if k != inp]
        tgt = rest[0] if rest else None
    return inp, tgt


TUTORIAL_TRAINING = """\
import torch

BATCH_SIZE = 16
DIM_IN = 1000
HIDDEN_SIZE = 100
DIM_OUT = 10

class TinyModel(torch.nn.Module):

    def __init__(self):
        super(TinyModel, self).__init__()

        self.layer1 = torch.nn.Linear(DIM_IN, HIDDEN_SIZE)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(HIDDEN_SIZE, DIM_OUT)

    def forward(self, x):
        x = self.layer1(x)
        x = self.relu(x)
        x = self.layer2(x)
        return x

some_input = torch.randn(BATCH_SIZE, DIM_IN, requires_grad=False)
ideal_output = torch.randn(BATCH_SIZE, DIM_OUT, requires_grad=False)

model = TinyModel()
"""


def tutorial_namespace() -> dict:
    """Run the tutorial's TinyModel setup with the engine and return its variables."""
    namespace: dict = {"__name__": "__gradviz_training__"}
    code = TUTORIAL_TRAINING.replace("import torch", "import engine as torch")
    exec(compile(code, "<tutorial>", "exec"), namespace)
    return namespace
