"""Step through ``backward()`` one node at a time, forwards and backwards, with breakpoints.

The :class:`Stepper` wraps the engine's one backward implementation,
``engine.autograd.iter_backward``: every node that runs is a ``BackwardStep`` pulled from that
generator. It never computes a gradient itself. What it adds is a history, so the user can go back:

* each step records the ``.grad`` of the tensors it wrote (leaves through ``AccumulateGrad``,
  ``retain_grad()`` tensors) before and after it ran, as copies;
* stepping back restores the "before" copies into the tensors, stepping forward again within the
  history restores the "after" copies -- the engine does not run those nodes a second time;
* only past the end of the history is a new event pulled from the generator.

Alongside, it keeps per-position bookkeeping the views read: which nodes are done, which one is
current (the node that ran last: its received and sent gradients are on display), which are ready
(all their gradients have arrived; they run next, in the engine's order), which are waiting (some
gradients arrived, some are still expected) and which are pending (nothing arrived yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from psygnal import Signal

from engine._graph import AccumulateGrad, Node
from engine._tensor import Tensor, _make
from engine.autograd import BackwardStep, _make_grads, iter_backward
from engine.autograd.graph import revive_freed

IMPLICIT_GRAD_MESSAGE = "grad can be implicitly created only for scalar outputs"


@dataclass
class _Written:
    """One tensor whose ``.grad`` a step changed, with copies of the value before and after."""

    tensor: Tensor
    before: Tensor | None
    after: Tensor | None


@dataclass
class _Record:
    """What the stepper needs to undo and redo one step without re-running the engine."""

    written: list[_Written] = field(default_factory=list)
    # The node's place in the ready queue when it ran, to put it back there on step back.
    queue_key: int = 0


def _copy_grad(g: Tensor | None) -> Tensor | None:
    """A snapshot of a ``.grad`` value that later in-place accumulation cannot change.

    A plain gradient is copied. A gradient that is part of a graph (create_graph=True) is kept
    as-is: the engine then builds ``old + g`` as a new tensor instead of adding in place, and a
    copy would lose the graph that double backward needs.
    """
    if g is None:
        return None
    if g._requires_grad:
        return g
    return _make(np.array(g._data, copy=True))


def _node_of(t: Tensor) -> Node:
    return t.grad_fn if t.grad_fn is not None else t._get_accumulator()


def _summary_is_finite(g: Tensor) -> bool:
    data = g._data
    return data.dtype.kind not in "fc" or bool(np.isfinite(data).all())


def source_text(node: Node) -> str:
    """``file:line`` of the forward call that made ``node``, or '' when it was not recorded."""
    src = getattr(node, "source", None)
    if not src:
        return ""
    filename, line = src[0], src[1]
    if not filename or filename.startswith("<"):
        return f"line {line}"  # the editor's buffer: the line number is what the user needs
    return f"{filename}:{line}"


def grad_summary(g: Tensor | None) -> str:
    """A short label for a gradient: the value of a one-element tensor, else its shape and norm."""
    if g is None:
        return ""
    data = g._data
    if data.size == 1:
        return f"{float(data.reshape(-1)[0]):.4g}"
    norm = float(np.linalg.norm(np.asarray(data, dtype=np.float64).ravel()))
    return f"{list(data.shape)} ‖g‖={norm:.3g}"


class Stepper:
    """Backward, one node at a time, with step back, continue, run-to and breakpoints.

    ``gradient``: the vector ``v`` of ``root.backward(v)``. PyTorch only creates it implicitly for a
    scalar root; for any other root the stepper uses ones (like ``root.backward(torch.ones_like(root))``)
    and explains why in :attr:`note`.

    A breakpoint stops with its node *current*, that is just after the node ran, so the gradients it
    received and sent are on display.

    ``clean_grads``: start from a clean ``.grad`` (None) instead of adding to what an earlier
    backward left -- the app's choice, so stepping a script that already called ``out.backward()``
    shows that backward (the tutorial's 2·cos(a)), not a second one piled on top (4·cos(a)). The
    values found are put back by :meth:`restore_grads`; :attr:`clean_note` says what was set aside.
    """

    stepped = Signal(object)  # BackwardStep
    stepped_back = Signal(object)  # int: index now current (-1 = before backward)
    reset_done = Signal()
    finished = Signal()
    paused_at_breakpoint = Signal(str)  # reason

    def __init__(
        self,
        root: Tensor,
        gradient: Tensor | None = None,
        retain_graph: bool = True,
        create_graph: bool = False,
        clean_grads: bool = False,
    ) -> None:
        self.root = root
        self.retain_graph = retain_graph
        self.create_graph = create_graph
        self.gradient, self.note = self._gradient_and_note(gradient)

        self.breakpoints: set[Node] = set()
        self.break_on_nan: bool = False
        self.break_on_zero: bool = False
        self.norm_threshold: float | None = None
        self.pause_reason: str | None = None

        self._analyse_graph()
        written = self._written_tensors()
        # What the tensors held when this stepper took over; restore_grads() puts it back.
        self._grads_found = {id(t): (t, _copy_grad(t._grad)) for t in written}
        self.clean_note: str | None = None
        if clean_grads:
            set_aside = [t for t, g in self._grads_found.values() if g is not None]
            for t in written:
                t._grad = None
            if set_aside:
                self.clean_note = (
                    f"The script's own backward already set .grad of {len(set_aside)} tensor(s); stepping "
                    "starts from a clean .grad, so it shows that backward alone (the script's values "
                    "come back when you leave this graph)."
                )
        # Where Reset goes back to.
        self._grads_before = {id(t): (t, _copy_grad(t._grad)) for t in written}
        self._start()

    def _gradient_and_note(self, gradient: Tensor | None) -> tuple[Tensor | None, str | None]:
        """The v to start backward from, and the note explaining it when it is the implied ones."""
        root = self.root
        if gradient is not None or root._data.size == 1:
            return gradient, None
        note = (
            f"The root has shape {list(root._data.shape)}, not a single number. PyTorch's "
            f"root.backward() would fail with \"{IMPLICIT_GRAD_MESSAGE}\": a vector output needs "
            "the vector v of a vector-Jacobian product, as in root.backward(v). The stepper uses "
            "v = ones (root.backward(torch.ones_like(root))), which gives the gradient of root.sum()."
        )
        return _make(np.ones(root._data.shape, dtype=root._data.dtype)), note

    def set_gradient(self, gradient: Tensor | None) -> None:
        """Start backward over from ``gradient``, the v of ``root.backward(v)`` (None: the default).

        PyTorch's own checks run first (engine's ``_make_grads``: a v of the wrong shape raises
        "Mismatch in shape: ..."), so a rejected v raises RuntimeError and leaves the stepper, its
        position and the leaves' .grad exactly as they were.
        """
        if gradient is not None:
            _make_grads((self.root,), (gradient,), self.create_graph)
        self.gradient, self.note = self._gradient_and_note(gradient)
        self.reset()

    # ---- graph analysis (reading next_functions only; backward itself is the engine's) ---------
    def _analyse_graph(self) -> None:
        self.root_node: Node = _node_of(self.root)
        parents: dict[Node, list[tuple[Node, int]]] = {}
        seen = {self.root_node}
        order = [self.root_node]
        stack = [self.root_node]
        while stack:
            node = stack.pop()
            for i, (child, _nr) in enumerate(node.next_functions):
                if child is None:
                    continue
                parents.setdefault(child, []).append((node, i))
                if child not in seen:
                    seen.add(child)
                    order.append(child)
                    stack.append(child)
        self.nodes: list[Node] = order
        self._parents = parents
        self._dependencies = {n: len(p) for n, p in parents.items()}
        self.leaves: list[Tensor] = [n.variable for n in order if isinstance(n, AccumulateGrad)]

    def _written_tensors(self) -> list[Tensor]:
        """Tensors whose ``.grad`` backward writes: leaves, and retain_grad() intermediates."""
        tensors = list(self.leaves)
        for node in self.nodes:
            for ref in (node._retain or {}).values():
                t = ref()
                if t is not None:
                    tensors.append(t)
        return tensors

    def _start(self) -> None:
        # A backward the script already ran freed the saved tensors; the Session kept them aside
        # (engine STATE.keep_freed) so stepping can replay it. Without them the run reports
        # PyTorch's "backward through the graph a second time" error at the first such node.
        revive_freed([self.root])
        self.run = iter_backward(
            self.root, self.gradient, retain_graph=self.retain_graph, create_graph=self.create_graph
        )
        self.history: list[BackwardStep] = []
        self._records: list[_Record] = []
        self.position: int = -1
        self._exhausted = False
        self._step_index: dict[Node, int] = {}
        self._remaining: dict[Node, int] = dict(self._dependencies)
        self._arrived: dict[Node, int] = {}
        self._ready: dict[Node, int] = {}
        self._push_counter = 0
        # Nodes whose state changed in the last move, and since the last take_changed().
        self.changed: set[Node] = set(self.nodes)
        self._dirty: set[Node] = set(self.nodes)
        self._push(self.root_node)
        pre_existing = [t for t, g in self._grads_before.values() if g is not None and t.grad_fn is None]
        self.accumulation_note: str | None = None
        if pre_existing:
            self.accumulation_note = (
                f"{len(pre_existing)} leaf tensor(s) already hold a .grad from an earlier backward; "
                "without zero_grad() this backward adds to it (gradients accumulate)."
            )

    def _push(self, node: Node) -> None:
        self._push_counter += 1
        self._ready[node] = self._push_counter

    # ---- state queries ---------------------------------------------------------------------
    @property
    def current_step(self) -> BackwardStep | None:
        """The step on display (the node that ran last), or None before backward."""
        return self.history[self.position] if self.position >= 0 else None

    @property
    def current_node(self) -> Node | None:
        step = self.current_step
        return step.node if step is not None else None

    @property
    def at_end(self) -> bool:
        """True when every node has run and the last step is on display."""
        return self.position == len(self.history) - 1 and (self._exhausted or self.run.finished)

    def ready_nodes(self) -> list[Node]:
        """Nodes that will run next, in the engine's order (the latest created first)."""
        return sorted(self._ready, key=lambda n: (-n._seq, self._ready[n]))

    def next_node(self) -> Node | None:
        ready = self.ready_nodes()
        return ready[0] if ready else None

    def state_of(self, node: Node) -> str:
        """"done" | "current" | "ready" | "waiting" | "pending" at the current position."""
        idx = self._step_index.get(node)
        if idx is not None:
            return "current" if idx == self.position else "done"
        if node in self._ready:
            return "ready"
        if self._arrived.get(node):
            return "waiting"
        return "pending"

    def waiting_count(self, node: Node) -> int:
        """How many gradients ``node`` still expects before it can run."""
        return self._remaining.get(node, 0)

    def step_index(self, node: Node) -> int | None:
        """The history position at which ``node`` ran, if it has run by the current position."""
        return self._step_index.get(node)

    def step_of(self, node: Node) -> BackwardStep | None:
        """The step in which ``node`` ran, if it has run by the current position."""
        idx = self._step_index.get(node)
        return self.history[idx] if idx is not None else None

    def edge_gradient(self, parent_node: Node, child_index: int) -> Tensor | None:
        """The gradient ``parent_node`` sent along ``next_functions[child_index]`` (None if not yet)."""
        step = self.step_of(parent_node)
        if step is None or child_index >= len(step.sent):
            return None
        return step.sent[child_index]

    def contributions(self, node: Node) -> list[tuple[Node, int, Tensor | None]]:
        """The separate gradients that have arrived at ``node`` so far, one per incoming edge.

        At a fan-in node (a tensor used several times) these are summed before the node runs; the
        sum is ``step_of(node).received``.
        """
        out = []
        for parent, i in self._parents.get(node, ()):
            if parent in self._step_index:
                out.append((parent, i, self.history[self._step_index[parent]].sent[i]))
        return out

    def parents_of(self, node: Node) -> list[tuple[Node, int]]:
        """Incoming edges ``(parent, index into parent.next_functions)`` of ``node``."""
        return list(self._parents.get(node, ()))

    def leaf_grad(self, tensor: Tensor) -> Tensor | None:
        """``tensor.grad`` as of the current position (the stepper keeps the tensor itself in sync)."""
        return tensor._grad

    def grad_before(self, tensor: Tensor) -> Tensor | None:
        """``tensor.grad`` as it was before this backward started."""
        entry = self._grads_before.get(id(tensor))
        return entry[1] if entry is not None else None

    def take_changed(self) -> set[Node]:
        """Nodes whose state changed since the last call (all nodes after a reset); for views
        that redraw incrementally."""
        dirty, self._dirty = self._dirty, set()
        return dirty

    # ---- moving ----------------------------------------------------------------------------
    def step(self) -> BackwardStep | None:
        """Run the next node (or replay it from history); None when backward is complete."""
        self.pause_reason = None
        step = self._forward()
        if step is None:
            return None
        self.stepped.emit(step)
        if self.at_end:
            self.finished.emit()
        return step

    def _forward(self) -> BackwardStep | None:
        if self.position + 1 < len(self.history):
            self.position += 1
            step = self.history[self.position]
            record = self._records[self.position]
            for w in record.written:
                w.tensor._grad = _copy_grad(w.after)
        else:
            if self._exhausted:
                return None
            try:
                step = next(self.run)
            except StopIteration:
                self._exhausted = True
                return None
            # Each node runs once per backward, so the tensors it writes still held their
            # pre-backward .grad just before it ran.
            record = _Record(queue_key=self._ready.get(step.node, 0))
            for t in self._tensors_written_by(step.node):
                record.written.append(_Written(t, self.grad_before(t), _copy_grad(t._grad)))
            self.history.append(step)
            self._records.append(record)
            self.position += 1
        self._apply_bookkeeping(step)
        return step

    def _tensors_written_by(self, node: Node) -> list[Tensor]:
        tensors = []
        if isinstance(node, AccumulateGrad):
            tensors.append(node.variable)
        for ref in (node._retain or {}).values():
            t = ref()
            if t is not None:
                tensors.append(t)
        return tensors

    def _apply_bookkeeping(self, step: BackwardStep) -> None:
        node = step.node
        changed = {node}
        if self.position >= 1:
            changed.add(self.history[self.position - 1].node)
        self._ready.pop(node, None)
        self._step_index[node] = self.position
        for child, _nr in node.next_functions:
            if child is None:
                continue
            changed.add(child)
            self._arrived[child] = self._arrived.get(child, 0) + 1
            left = self._remaining[child] - 1
            self._remaining[child] = left
            if left == 0:
                self._push(child)
        self.changed = changed
        self._dirty |= changed

    def step_back(self) -> None:
        """Return to the state before the current step; the leaves' .grad go back to their copies."""
        self.pause_reason = None
        if self.position < 0:
            return
        step = self.history[self.position]
        record = self._records[self.position]
        node = step.node
        changed = {node}
        for w in record.written:
            w.tensor._grad = _copy_grad(w.before)
        for child, _nr in node.next_functions:
            if child is None:
                continue
            changed.add(child)
            self._arrived[child] -= 1
            if self._remaining[child] == 0:
                self._ready.pop(child, None)
            self._remaining[child] += 1
        del self._step_index[node]
        self._ready[node] = record.queue_key
        self.position -= 1
        if self.position >= 0:
            changed.add(self.history[self.position].node)
        self.changed = changed
        self._dirty |= changed
        self.stepped_back.emit(self.position)

    def continue_(self, max_steps: int | None = None) -> None:
        """Step until backward is complete or a breakpoint condition holds (at least one step)."""
        taken = 0
        while max_steps is None or taken < max_steps:
            step = self.step()
            if step is None:
                return
            taken += 1
            reason = self.check_breakpoint(step)
            if reason is not None:
                self.pause_reason = reason
                self.paused_at_breakpoint.emit(reason)
                return
            if self.at_end:
                return

    def run_to(self, node: Node) -> None:
        """Step until ``node`` has run (it is then current); stops earlier at a breakpoint."""
        if node in self._step_index:
            while self.position >= 0 and self.current_node is not node:
                self.step_back()
            return
        while True:
            step = self.step()
            if step is None or step.node is node:
                return
            reason = self.check_breakpoint(step)
            if reason is not None:
                self.pause_reason = reason
                self.paused_at_breakpoint.emit(reason)
                return

    def restore_grads(self) -> None:
        """Put every ``.grad`` this backward wrote back to its value from before the stepper took
        over (with ``clean_grads``, the values it set aside).

        For a stepper being abandoned part-way (the user picked another root): without this the
        leaves would keep half a backward's worth of gradient and the next stepper would take
        that as the "earlier" .grad.
        """
        for t, g in self._grads_found.values():
            t._grad = _copy_grad(g)

    def reset(self) -> None:
        """Back to before backward: leaves' .grad as they were, and a fresh run of the engine."""
        for t, g in self._grads_before.values():
            t._grad = _copy_grad(g)
        self.pause_reason = None
        self._start()
        self.reset_done.emit()

    # ---- breakpoints -----------------------------------------------------------------------
    def check_breakpoint(self, step: BackwardStep) -> str | None:
        """Why execution should pause after ``step``, or None."""
        node = step.node
        if node in self.breakpoints:
            return f"breakpoint on {self.describe(node)}"
        if not (self.break_on_nan or self.break_on_zero or self.norm_threshold is not None):
            return None  # the common case, checked once per step: nothing else to look at
        where = self.describe(node)
        grads = step.sent if step.sent else step.received
        for i, g in enumerate(grads):
            if g is None:
                continue
            if self.break_on_nan and not _summary_is_finite(g):
                kind = "NaN" if np.isnan(g._data).any() else "Inf"
                return f"{kind} in the gradient {where} sent to input {i}"
            if self.norm_threshold is not None:
                norm = float(np.linalg.norm(np.asarray(g._data, dtype=np.float64).ravel()))
                if norm > self.norm_threshold:
                    return f"gradient norm {norm:.4g} > {self.norm_threshold:g} sent by {where} to input {i}"
            if self.break_on_zero and g._data.size and not np.any(g._data):
                return f"gradient exactly zero sent by {where} to input {i} (a dead ReLU?)"
        return None

    @staticmethod
    def describe(node: Node) -> str:
        """``MulBackward0 (forward at script.py:3)`` -- the node and the line that created it."""
        src = source_text(node)
        return f"{node.name()} (forward at {src})" if src else node.name()


__all__ = ["Stepper", "grad_summary", "source_text", "IMPLICIT_GRAD_MESSAGE"]
