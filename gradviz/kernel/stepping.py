"""Inside the kernel: backward one node at a time, with history and breakpoints, for both backends.

:class:`Stepper` is the one stepping design. It owns the history: the steps run so far, the
position on display, and for every step copies of the ``.grad`` values it wrote (leaves through
``AccumulateGrad``, ``retain_grad()`` tensors) before and after it ran. Stepping back puts the
"before" copies back; stepping forward again within the history puts the "after" copies back, so a
node runs once per backward. One loop, :meth:`Stepper.advance`, serves Step, Continue and Run-to:
it checks breakpoints (a node, NaN/Inf, a gradient norm, an all-zero gradient) and the app's Stop
between steps.

Where the steps come from is a subclass's business, and there are exactly two:

* :class:`~gradviz.kernel.engine_stepping.EngineStepper` pulls the engine's ``BackwardRun`` and
  reads its ``ready``/``waiting`` queue after every step;
* :class:`~gradviz.kernel.torch_stepping.TorchStepper` replays one recorded real torch backward.

Neither re-implements a scheduler: the order, the ready queue and the waiting counts are the
backend's own (the engine's run, or what the recording shows).
"""

from __future__ import annotations

from dataclasses import dataclass

from psygnal import Signal

from gradviz.kernel.step_messages import (
    IMPLICIT_GRAD_MESSAGE,
    accumulation_note,
    clean_note,
    gradient_reason,
    implicit_ones_note,
    source_text,
)


@dataclass(slots=True)
class Frontier:
    """The backend's queue after some steps: ready nodes in the order they run, and node -> how
    many gradients it still waits for (nodes that received some but not all)."""

    ready: tuple
    waiting: dict
    _ready_set: frozenset | None = None

    def is_ready(self, node) -> bool:
        if self._ready_set is None:  # built on the first question: most steps are never asked
            self._ready_set = frozenset(self.ready)
        return node in self._ready_set


@dataclass(slots=True)
class Written:
    """One tensor whose ``.grad`` a step changed, with its value before and after the step."""

    tensor: object
    before: object
    after: object


class Stepper:
    """History, position, breakpoints and the stepping loop; a subclass supplies the steps.

    Gradients (``step.received``/``step.sent``, ``.grad`` values) are anything with ``._data`` (a
    numpy array): engine tensors, or the torch recording's copies.

    Subclass hooks: :meth:`_restart` (begin from the first step), :meth:`_pull` (the next new step,
    None at the end), :meth:`_source_done`, :meth:`_frontier_at` (the queue after
    ``history[: position + 1]``), :meth:`_expected` (how many gradients a node waits for in all),
    :meth:`_writes` (the ``.grad`` values a new step wrote), :meth:`_initial_grad` and
    :meth:`_apply_grad` (the engine keeps its tensors' ``.grad`` in step with the position; the
    torch replay leaves them as the script left them), :meth:`_source_of` (where a node was made).
    """

    stepped = Signal(object)  # the step
    stepped_back = Signal(object)  # int: index now current (-1 = before backward)
    reset_done = Signal()
    finished = Signal()
    paused_at_breakpoint = Signal(str)  # reason

    def __init__(self, root, zero_grad: bool = False) -> None:
        self.root = root
        self.zero_grad = zero_grad
        self.breakpoints: set = set()
        self.break_on_nan = False
        self.break_on_zero = False
        self.norm_threshold: float | None = None
        self.pause_reason: str | None = None
        self.interrupted = lambda: False  # set by the kernel: True once the app pressed Stop
        self.nodes: set = set()  # every node this backward can run; set by the subclass
        self._parents: dict | None = None

    def _begin(self, written: list) -> None:
        """Take over the ``.grad`` of ``written`` (the tensors backward writes) and start."""
        # What the tensors held when this stepper took over; restore_grads() puts it back.
        self._found = {id(t): (t, self._read_grad(t)) for t in written}
        self._start()

    def _start(self) -> None:
        """From the first step, the tensors holding what :meth:`_initial_grad` says (they hold
        ``_found`` when this is called: at the start, and after :meth:`restore_grads`)."""
        self._grads = {key: (t, self._initial_grad(t, g)) for key, (t, g) in self._found.items()}
        if self.zero_grad:
            for t, g in self._grads.values():
                self._apply_grad(t, g)
        self._restart()
        self.history: list = []
        self._records: list[list[Written]] = []
        self._step_index: dict = {}
        self.position = -1
        self._exhausted = False
        # Nodes whose state changed in the last move, and since the last take_changed().
        self.changed: set = set(self.nodes)
        self._dirty: set = set(self.nodes)

    # ---- hooks -----------------------------------------------------------------------------------
    def _restart(self) -> None:
        raise NotImplementedError

    def _pull(self):
        raise NotImplementedError

    def _source_done(self) -> bool:
        raise NotImplementedError

    def _frontier_at(self, position: int) -> Frontier:
        raise NotImplementedError

    def _expected(self, node) -> int:
        raise NotImplementedError

    def _writes(self, step) -> list:
        """``[(tensor, .grad after the step)]`` for a step just pulled."""
        raise NotImplementedError

    def _read_grad(self, tensor):
        raise NotImplementedError

    def _initial_grad(self, tensor, found):
        """A tensor's ``.grad`` as backward starts (None with ``zero_grad``)."""
        return None if self.zero_grad else found

    def _apply_grad(self, tensor, value) -> None:
        """Make ``tensor`` hold ``value`` as its ``.grad`` (nothing to do for a replay)."""

    def _untracked_grad(self, tensor):
        return None

    def _source_of(self, node):
        return getattr(node, "source", None)

    # ---- notes -----------------------------------------------------------------------------------
    @property
    def accumulation_note(self) -> str | None:
        """Said when leaves already hold a ``.grad`` this backward adds to."""
        held = [t for t, g in self._found.values() if g is not None and t.grad_fn is None]
        return accumulation_note(len(held)) if held and not self.zero_grad else None

    @property
    def clean_note(self) -> str | None:
        """Said when ``zero_grad`` set aside ``.grad`` values an earlier backward left."""
        set_aside = [t for t, g in self._found.values() if g is not None]
        return clean_note(len(set_aside)) if set_aside and self.zero_grad else None

    # ---- queries at the current position ---------------------------------------------------------
    @property
    def current_step(self):
        """The step on display (the node that ran last), or None before backward."""
        return self.history[self.position] if self.position >= 0 else None

    @property
    def current_node(self):
        step = self.current_step
        return step.node if step is not None else None

    @property
    def at_end(self) -> bool:
        """True when every node has run and the last step is on display."""
        return self.position == len(self.history) - 1 and (self._exhausted or self._source_done())

    @property
    def frontier(self) -> Frontier:
        return self._frontier_at(self.position)

    def ready_nodes(self) -> list:
        """Nodes that run next, in the backend's order."""
        return list(self.frontier.ready)

    def next_node(self):
        ready = self.frontier.ready
        return ready[0] if ready else None

    def waiting(self) -> dict:
        """``node -> gradients still to come`` for nodes that received some but not all."""
        return dict(self.frontier.waiting)

    def step_index(self, node) -> int | None:
        """The history position at which ``node`` ran, if it has run by the current position."""
        index = self._step_index.get(node)
        return index if index is not None and index <= self.position else None

    def state_of(self, node) -> str:
        """"done" | "current" | "ready" | "waiting" | "pending" at the current position."""
        index = self.step_index(node)
        if index is not None:
            return "current" if index == self.position else "done"
        frontier = self.frontier
        if frontier.is_ready(node):
            return "ready"
        if node in frontier.waiting:
            return "waiting"
        return "pending"

    def states(self) -> dict:
        """``node -> state`` for every node at once (what :meth:`state_of` says of each)."""
        labels = dict.fromkeys(self.nodes, "pending")
        frontier = self.frontier
        labels.update(dict.fromkeys(frontier.waiting, "waiting"))
        labels.update(dict.fromkeys(frontier.ready, "ready"))
        labels.update(dict.fromkeys((s.node for s in self.history[: self.position + 1]), "done"))
        if self.position >= 0:
            labels[self.history[self.position].node] = "current"
        return labels

    def waiting_count(self, node) -> int:
        """How many gradients ``node`` still expects before it can run (0 once ready or run)."""
        if self.step_index(node) is not None:
            return 0
        frontier = self.frontier
        count = frontier.waiting.get(node)
        if count is not None:
            return count
        return 0 if frontier.is_ready(node) else self._expected(node)

    def step_of(self, node):
        """The step in which ``node`` ran, if it has run by the current position."""
        index = self.step_index(node)
        return self.history[index] if index is not None else None

    def edge_gradient(self, parent, child_index: int):
        """What ``parent`` sent along ``next_functions[child_index]`` (None if not yet)."""
        step = self.step_of(parent)
        if step is None or child_index >= len(step.sent):
            return None
        return step.sent[child_index]

    def parents_of(self, node) -> list:
        """Incoming edges ``(parent, index into parent.next_functions)`` of ``node``."""
        if self._parents is None:
            parents: dict = {}
            for n in self.nodes:
                for i, (child, _nr) in enumerate(n.next_functions):
                    if child is not None:
                        parents.setdefault(child, []).append((n, i))
            self._parents = parents
        return list(self._parents.get(node, ()))

    def contributions(self, node) -> list:
        """``(parent, index, gradient)`` for each gradient that has arrived at ``node`` so far, in
        the order they arrived. At a fan-in node these are summed before it runs; the sum is
        ``step_of(node).received``."""
        arrived = []
        for parent, i in self.parents_of(node):
            index = self.step_index(parent)
            if index is not None:
                arrived.append((index, i, parent, self.history[index].sent[i]))
        arrived.sort(key=lambda a: (a[0], a[1]))
        return [(parent, i, g) for _, i, parent, g in arrived]

    def writes_of(self, node) -> list[Written]:
        """The ``.grad`` values ``node``'s step wrote (before and after), if it has run."""
        index = self.step_index(node)
        return list(self._records[index]) if index is not None else []

    def leaf_grad(self, tensor):
        """``tensor.grad`` as of the current position."""
        entry = self._grads.get(id(tensor))
        return entry[1] if entry is not None else self._untracked_grad(tensor)

    def grad_before(self, tensor):
        """``tensor.grad`` as this backward started."""
        entry = self._found.get(id(tensor))
        return self._initial_grad(tensor, entry[1]) if entry is not None else None

    def take_changed(self) -> set:
        """Nodes whose state changed since the last call (all nodes after a reset), for views that
        redraw incrementally."""
        dirty, self._dirty = self._dirty, set()
        return dirty

    def describe(self, node) -> str:
        """``MulBackward0 (forward at script.py:3)``: the node and the line that created it."""
        where = source_text(self._source_of(node))
        return f"{node.name()} (forward at {where})" if where else node.name()

    # ---- moving ----------------------------------------------------------------------------------
    def _set(self, tensor, value) -> None:
        self._grads[id(tensor)] = (tensor, value)
        self._apply_grad(tensor, value)

    def _touched(self, node) -> None:
        changed = {node}
        changed.update(child for child, _ in node.next_functions if child is not None)
        if self.position >= 0:
            changed.add(self.history[self.position].node)
        self.changed = changed
        self._dirty |= changed

    def _forward(self):
        """One step forward: replayed from the history, or pulled from the source past its end."""
        if self.position + 1 < len(self.history):
            prev = self.current_node
            self.position += 1
            for w in self._records[self.position]:
                self._set(w.tensor, w.after)
            step = self.history[self.position]
        else:
            if self._exhausted:
                return None
            step = self._pull()
            if step is None:
                self._exhausted = True
                return None
            prev = self.current_node
            grads = self._grads
            written = []
            for tensor, after in self._writes(step):
                entry = grads.get(id(tensor))
                written.append(Written(tensor, entry[1] if entry is not None else None, after))
                grads[id(tensor)] = (tensor, after)
            self.history.append(step)
            self._records.append(written)
            self._step_index[step.node] = self.position = len(self.history) - 1
        self._touched(step.node)
        if prev is not None:
            self.changed.add(prev)
            self._dirty.add(prev)
        return step

    def advance(self, max_steps: int | None = None, target=None, check: bool = True) -> list:
        """The one stepping loop: run until ``max_steps`` steps, ``target`` has run, a breakpoint
        holds (when ``check``), Stop was pressed, or backward is complete."""
        self.pause_reason = None
        taken: list = []
        stepped = self.stepped
        while max_steps is None or len(taken) < max_steps:
            if self.interrupted():
                self.pause_reason = "stopped by the user"
                break
            step = self._forward()
            if step is None:
                break
            taken.append(step)
            if len(stepped):  # emitting to nobody costs more than the check
                stepped.emit(step)
            if target is not None and step.node is target:
                break
            if check:
                reason = self.check_breakpoint(step)
                if reason is not None:
                    self.pause_reason = reason
                    self.paused_at_breakpoint.emit(reason)
                    break
        if taken and self.at_end:
            self.finished.emit()
        return taken

    def step(self):
        """Run the next node (or replay it from the history); None when backward is complete."""
        taken = self.advance(max_steps=1, check=False)
        return taken[0] if taken else None

    def continue_(self, max_steps: int | None = None, check: bool = True) -> list:
        """Step until backward is complete or a breakpoint holds (at least one step)."""
        return self.advance(max_steps=max_steps, check=check)

    def run_to(self, node) -> list:
        """Step until ``node`` has run (it is then current); back to it when it already ran."""
        if self.step_index(node) is not None:
            while self.position >= 0 and self.current_node is not node:
                self.step_back()
            return []
        return self.advance(target=node)

    def step_back(self) -> None:
        """Return to the state before the current step; the ``.grad`` values go back with it."""
        self.pause_reason = None
        if self.position < 0:
            return
        node = self.history[self.position].node
        for w in self._records[self.position]:
            self._set(w.tensor, w.before)
        self.position -= 1
        self._touched(node)
        self.stepped_back.emit(self.position)

    def reset(self) -> None:
        """Back to before backward: the ``.grad`` values as they were, and a new run."""
        self.restore_grads()
        self.pause_reason = None
        self._start()
        self.reset_done.emit()

    def restore_grads(self) -> None:
        """Put every ``.grad`` back as it was when this stepper took over (for a stepper being
        abandoned part-way: the next one must not take half a backward as the earlier .grad)."""
        for t, g in self._found.values():
            self._apply_grad(t, g)

    # ---- breakpoints -----------------------------------------------------------------------------
    def check_breakpoint(self, step) -> str | None:
        """Why execution should pause after ``step``, or None (gradient rules: :mod:`.breakpoints`)."""
        if step.node in self.breakpoints:
            return f"breakpoint on {self.describe(step.node)}"
        if not (self.break_on_nan or self.break_on_zero or self.norm_threshold is not None):
            return None  # the common case, checked once per step: nothing else to look at
        return gradient_reason(step, self.describe(step.node), self.break_on_nan, self.break_on_zero,
                               self.norm_threshold)


__all__ = ["Stepper", "Frontier", "Written", "IMPLICIT_GRAD_MESSAGE", "implicit_ones_note", "source_text"]
