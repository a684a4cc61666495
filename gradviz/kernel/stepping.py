"""Inside the kernel: backward one node at a time, driven by the engine's own ``BackwardRun``.

There is no second scheduler here. Which node runs next, which are ready and which wait for how
many gradients is read from the ``BackwardRun`` (``ready``, ``waiting``, ``done``) after every step
and kept as a snapshot per position; stepping back moves the position and puts the ``.grad`` copies
of the tensors that step wrote back, and stepping forward again within the history replays those
copies, so the engine runs each node once. One loop (:meth:`KernelStepper.advance`) serves Step,
Continue and Run-to, and checks breakpoints and the app's Stop between steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine._graph import AccumulateGrad, Node
from engine._tensor import Tensor, _make
from engine.autograd import BackwardStep, iter_backward
from engine.autograd.graph import revive_freed
from gradviz.kernel.stepper import IMPLICIT_GRAD_MESSAGE, Stepper, _copy_grad


@dataclass
class _Written:
    tensor: Tensor
    before: Tensor | None
    after: Tensor | None


@dataclass
class _Frontier:
    """The run's queue after some number of steps: ready nodes in run order, waiting counts."""

    ready: tuple
    waiting: dict = field(default_factory=dict)


class KernelStepper:
    """Backward through the graph of ``root`` with history; see the module docstring.

    ``zero_grad``: start as after ``optimizer.zero_grad()`` (the leaves' ``.grad`` is None for this
    backward and is put back on reset); otherwise gradients add to an earlier ``.grad`` as in PyTorch.
    """

    # The breakpoint rules (node breakpoints, NaN/Inf, zero, norm threshold) are the Stepper's.
    check_breakpoint = Stepper.check_breakpoint
    describe = staticmethod(Stepper.describe)

    def __init__(self, root: Tensor, gradient=None, *, retain_graph: bool = True,
                 create_graph: bool = False, zero_grad: bool = False) -> None:
        self.root = root
        self.retain_graph = retain_graph
        self.create_graph = create_graph
        self.zero_grad = zero_grad
        self.gradient, self.note = self._gradient_and_note(gradient)
        self.breakpoints: set[Node] = set()
        self.break_on_nan = False
        self.break_on_zero = False
        self.norm_threshold: float | None = None
        self.pause_reason: str | None = None
        self.interrupted = lambda: False  # set by the kernel: True once the app pressed Stop
        revive_freed([root])
        probe = self._new_run()  # also checks the gradient as backward() would (raises RuntimeError)
        self.nodes: set[Node] = set(probe.nodes)
        self._written = self._written_tensors()
        self._grads_before = {id(t): (t, _copy_grad(t._grad)) for t in self._written}
        self._start(probe)

    def _gradient_and_note(self, gradient):
        root = self.root
        if gradient is not None:
            if not isinstance(gradient, Tensor):
                gradient = _make(np.asarray(gradient, dtype=root._data.dtype))
            return gradient, None
        if root._data.size == 1:
            return None, None
        note = (
            f"The root has shape {list(root._data.shape)}, not a single number. PyTorch's "
            f"root.backward() would fail with \"{IMPLICIT_GRAD_MESSAGE}\"; the stepper uses "
            "v = ones (root.backward(torch.ones_like(root))), which gives the gradient of root.sum()."
        )
        return _make(np.ones(root._data.shape, dtype=root._data.dtype)), note

    def _new_run(self):
        return iter_backward(self.root, self.gradient, retain_graph=self.retain_graph,
                             create_graph=self.create_graph)

    def _written_tensors(self) -> list[Tensor]:
        """Tensors whose ``.grad`` this backward writes: leaves and retain_grad() intermediates."""
        out = [n.variable for n in self.nodes if isinstance(n, AccumulateGrad)]
        for node in self.nodes:
            for ref in (node._retain or {}).values():
                t = ref()
                if t is not None:
                    out.append(t)
        return out

    def _start(self, run=None) -> None:
        if self.zero_grad:
            for t in self._written:
                t._grad = None
        self.run = run if run is not None else self._new_run()
        self.history: list[BackwardStep] = []
        self._records: list[list[_Written]] = []
        self._frontiers: list[_Frontier] = [self._frontier()]
        self._step_index: dict[Node, int] = {}
        self.position = -1
        self._exhausted = False

    def _frontier(self) -> _Frontier:
        return _Frontier(tuple(self.run.ready), dict(self.run.waiting))

    # ---- queries at the current position --------------------------------------------------------
    @property
    def current_step(self) -> BackwardStep | None:
        return self.history[self.position] if self.position >= 0 else None

    @property
    def current_node(self) -> Node | None:
        step = self.current_step
        return step.node if step is not None else None

    @property
    def at_end(self) -> bool:
        return self.position == len(self.history) - 1 and (self._exhausted or self.run.finished)

    def step_index(self, node: Node) -> int | None:
        index = self._step_index.get(node)
        return index if index is not None and index <= self.position else None

    def state_of(self, node: Node) -> str:
        """"done" | "current" | "ready" | "waiting" | "pending", as the BackwardRun had it."""
        index = self.step_index(node)
        if index is not None:
            return "current" if index == self.position else "done"
        frontier = self._frontiers[self.position + 1]
        if node in frontier.ready:
            return "ready"
        if node in frontier.waiting:
            return "waiting"
        return "pending"

    def ready_nodes(self) -> list[Node]:
        return list(self._frontiers[self.position + 1].ready)

    def waiting(self) -> dict:
        return dict(self._frontiers[self.position + 1].waiting)

    def waiting_count(self, node: Node) -> int:
        return self._frontiers[self.position + 1].waiting.get(node, 0)

    def step_of(self, node: Node) -> BackwardStep | None:
        index = self.step_index(node)
        return self.history[index] if index is not None else None

    def edge_gradient(self, parent: Node, child_index: int):
        step = self.step_of(parent)
        if step is None or child_index >= len(step.sent):
            return None
        return step.sent[child_index]

    def leaf_grad(self, tensor: Tensor):
        return tensor._grad  # kept in sync with the position by step/step_back

    # ---- moving ---------------------------------------------------------------------------------
    def _forward(self) -> BackwardStep | None:
        if self.position + 1 < len(self.history):
            self.position += 1
            for w in self._records[self.position]:
                w.tensor._grad = _copy_grad(w.after)
            return self.history[self.position]
        if self._exhausted:
            return None
        try:
            step = next(self.run)
        except StopIteration:
            self._exhausted = True
            return None
        written = []
        for t in self._tensors_written_by(step.node):
            entry = self._grads_before.get(id(t))
            before = None if self.zero_grad or entry is None else entry[1]
            written.append(_Written(t, before, _copy_grad(t._grad)))
        self.history.append(step)
        self._records.append(written)
        self._frontiers.append(self._frontier())
        self._step_index[step.node] = len(self.history) - 1
        self.position += 1
        return step

    @staticmethod
    def _tensors_written_by(node: Node) -> list[Tensor]:
        out = [node.variable] if isinstance(node, AccumulateGrad) else []
        for ref in (node._retain or {}).values():
            t = ref()
            if t is not None:
                out.append(t)
        return out

    def advance(self, max_steps: int | None = None, target: Node | None = None,
                check: bool = True) -> list[BackwardStep]:
        """The one stepping loop: run until ``max_steps`` steps, ``target`` has run, a breakpoint
        holds (when ``check``), Stop was pressed, or backward is complete."""
        self.pause_reason = None
        taken: list[BackwardStep] = []
        while max_steps is None or len(taken) < max_steps:
            if self.interrupted():
                self.pause_reason = "stopped by the user"
                break
            step = self._forward()
            if step is None:
                break
            taken.append(step)
            if target is not None and step.node is target:
                break
            if check:
                reason = self.check_breakpoint(step)
                if reason is not None:
                    self.pause_reason = reason
                    break
        return taken

    def step(self) -> BackwardStep | None:
        taken = self.advance(max_steps=1, check=False)
        return taken[0] if taken else None

    def continue_(self, max_steps: int | None = None, check: bool = True) -> list[BackwardStep]:
        return self.advance(max_steps=max_steps, check=check)

    def run_to(self, node: Node) -> list[BackwardStep]:
        """Until ``node`` has run (it is then current); back to it when it already ran."""
        if self.step_index(node) is not None:
            while self.position >= 0 and self.current_node is not node:
                self.step_back()
            return []
        return self.advance(target=node)

    def step_back(self) -> None:
        self.pause_reason = None
        if self.position < 0:
            return
        for w in self._records[self.position]:
            w.tensor._grad = _copy_grad(w.before)
        self.position -= 1

    def reset(self) -> None:
        """Back to before backward: the ``.grad`` values as they were, and a new BackwardRun."""
        self.restore_grads()
        self.pause_reason = None
        self._start()

    def restore_grads(self) -> None:
        for t, g in self._grads_before.values():
            t._grad = _copy_grad(g)
