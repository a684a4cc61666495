"""Inside the kernel, torch backend: one real backward, recorded, then stepped through.

**Method.** :func:`record_backward` runs ONE real ``torch.autograd.backward(root, gradient,
retain_graph=True)`` with, on every node reachable from the root, a pre-hook
(``Node.register_prehook``: the gradients the node received) and a hook (``Node.register_hook``:
the gradients it sent, one per ``next_functions`` entry), and on every leaf a post-accumulate hook
(``Tensor.register_post_accumulate_grad_hook``: its ``.grad`` right after the write). A node's
hook firing is a step: the steps are in the order torch's engine ran the nodes. Every gradient is
copied to a CPU numpy array at once (CUDA tensors are moved to the CPU for display only). The
hooks are removed and every leaf's ``.grad`` is put back to what it was before (with
``zero_grad``, the recording starts from ``.grad = None``, as after ``optimizer.zero_grad()``), so
the script's state is as it left it.

:class:`TorchStepper` then replays the recording with the engine stepper's interface (Step, Step
back, Continue, Run-to, breakpoints on nodes, NaN/Inf, norm and all-zero; the same
done/current/ready/waiting/pending states). Torch's scheduler is not simulated: "ready" and
"waiting" at a position come from the recorded order and the graph's dependency counts (a node is
ready once every ``next_functions`` entry pointing at it belongs to a node that has run, and
waiting while only some do; ready nodes are listed in the order torch ran them).

**Limits.** The recording needs the graph's buffers: a script that already called ``backward()``
without ``retain_graph=True`` cannot be stepped (torch's own "backward through the graph a second
time" error is reported). Because ``retain_graph=True`` keeps the buffers, the user's graph survives
and can be recorded again (Reset, another root). Hooks the script registered itself still fire
during the recording (once per step_start, not per Step). A non-leaf ``retain_grad()`` tensor's
``.grad`` is shown as torch writes it: its value before the backward plus, from the step of the
tensor's ``grad_fn`` on, the gradient that node received for the tensor's output (torch's
retains-grad hook runs as that node is reached). Leaf and retained gradients shown are the
recorded ones; the tensors' real ``.grad`` stays as the script left it.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import torch

from gradviz.kernel.stepper import IMPLICIT_GRAD_MESSAGE, Stepper

from .torch_graph import walk_nodes


class RecordedGrad:
    """A recorded gradient: a CPU numpy copy, shaped like what the documents read (``._data``)."""

    __slots__ = ("_data",)
    _requires_grad = False

    def __init__(self, array: np.ndarray) -> None:
        self._data = array

    @property
    def shape(self):
        return self._data.shape


def to_numpy(tensor) -> np.ndarray:
    """A CPU numpy copy of a torch tensor (dtypes numpy lacks, such as bfloat16, become float32)."""
    t = tensor.detach()
    if t.layout != torch.strided:
        t = t.to_dense()
    t = t.cpu().resolve_conj().resolve_neg()
    if t.dtype in (torch.bfloat16, torch.float8_e4m3fn, torch.float8_e5m2) or str(t.dtype).startswith("torch.float8"):
        t = t.float()
    return np.array(t.numpy(), copy=True)


def _recorded(grads) -> tuple:
    return tuple(None if g is None else RecordedGrad(to_numpy(g)) for g in grads)


@dataclass
class TorchStep:
    """What one node did in torch's backward: ``received`` per output, ``sent`` per next_functions
    entry (None where nothing flows), and for AccumulateGrad the leaf and its ``.grad`` after."""

    index: int
    node: object
    received: tuple
    sent: tuple
    leaf: object = None
    leaf_grad: RecordedGrad | None = None


def record_backward(root, gradient, nodes: list, zero_grad: bool = False, retained=()) -> list[TorchStep]:
    """Run one real backward from ``root`` over ``nodes`` and return its steps in torch's order.
    ``retained``: non-leaf tensors with ``retain_grad()``, whose ``.grad`` is put back too."""
    leaves = [n.variable for n in nodes if type(n).__name__ == "AccumulateGrad"]
    # torch accumulates into an existing .grad in place: keep the object (a script may hold it)
    # and a copy of its values, and put both back afterwards.
    before = [(t, t.grad, None if t.grad is None else t.grad.detach().clone()) for t in [*leaves, *retained]]
    received: dict[int, tuple] = {}
    leaf_grads: dict[int, RecordedGrad] = {}
    steps: list[TorchStep] = []
    handles = []

    def prehook_for(node):
        def prehook(grad_outputs):
            received[id(node)] = _recorded(grad_outputs)
        return prehook

    def hook_for(node):
        def hook(grad_inputs, grad_outputs):
            leaf = node.variable if type(node).__name__ == "AccumulateGrad" else None
            got = received.pop(id(node), None)
            if got is None:
                got = _recorded(grad_outputs)
            leaf_grad = None
            if leaf is not None:
                leaf_grad = leaf_grads.pop(id(leaf), None)
                if leaf_grad is None and leaf.grad is not None:
                    leaf_grad = RecordedGrad(to_numpy(leaf.grad))
            steps.append(TorchStep(len(steps), node, got, _recorded(grad_inputs), leaf, leaf_grad))
        return hook

    def accumulated(tensor):
        leaf_grads[id(tensor)] = RecordedGrad(to_numpy(tensor.grad))

    try:
        for node in nodes:
            handles.append(node.register_prehook(prehook_for(node)))
            handles.append(node.register_hook(hook_for(node)))
        for leaf in leaves:
            if zero_grad:
                leaf.grad = None
            handles.append(leaf.register_post_accumulate_grad_hook(accumulated))
        torch.autograd.backward(root, grad_tensors=gradient, retain_graph=True)
    finally:
        for handle in handles:
            handle.remove()
        with torch.no_grad():
            for tensor, grad, values in before:
                if grad is not None:
                    grad.copy_(values)
                tensor.grad = grad
    return steps


class TorchStepper:
    """The engine KernelStepper's interface over a recorded torch backward (module docstring)."""

    check_breakpoint = Stepper.check_breakpoint

    def __init__(self, root, gradient=None, *, zero_grad: bool = False, retained=()) -> None:
        self.root = root
        self.zero_grad = zero_grad
        self.gradient, self.note = self._gradient_and_note(gradient)
        self.breakpoints: set = set()
        self.break_on_nan = False
        self.break_on_zero = False
        self.norm_threshold: float | None = None
        self.pause_reason: str | None = None
        self.interrupted = lambda: False
        self.sources: dict = {}  # node -> (filename, line), for describe(); set by the kernel
        root_fn = root.grad_fn
        if root_fn is None:
            if not root.requires_grad:  # what torch's backward() says
                raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
            # A leaf as the root: backward() runs its AccumulateGrad alone. Torch hands out the
            # leaf's (cached) accumulator as the input of any op on it: that is the node to hook.
            root_fn = root.view_as(root).grad_fn.next_functions[0][0]
            self._accumulator = root_fn  # keep it alive: backward(root) must find this one
        node_list = walk_nodes(root_fn)
        self.nodes = set(node_list)
        # retain_grad() tensors: id -> (tensor, its .grad before the backward); kept alive here.
        self._retained = {id(t): (t, None if t.grad is None else RecordedGrad(to_numpy(t.grad)))
                          for t in retained}
        self.history = record_backward(root, self.gradient, node_list, zero_grad, list(retained))
        self._index = {step.node: step.index for step in self.history}
        self._analyse(node_list, root_fn)
        self.position = -1

    def _gradient_and_note(self, gradient):
        root = self.root
        if gradient is not None:
            return torch.as_tensor(np.asarray(gradient), dtype=root.dtype).to(root.device), None
        if root.numel() == 1:
            return None, None
        note = (
            f"The root has shape {list(root.shape)}, not a single number. PyTorch's "
            f"root.backward() would fail with \"{IMPLICIT_GRAD_MESSAGE}\"; the stepper uses "
            "v = ones (root.backward(torch.ones_like(root))), which gives the gradient of root.sum()."
        )
        return torch.ones_like(root), note

    def _analyse(self, node_list: list, root_fn) -> None:
        """Per node: how many gradients it waits for (edges into it), and the step positions at
        which they arrive (the steps of the nodes that point at it)."""
        arrivals: dict = {n: [] for n in node_list}
        never = len(self.history) + len(node_list)  # a node that did not run sends nothing
        for node in node_list:
            sent_at = self._index.get(node, never)
            for child, _ in node.next_functions:
                if child is not None:
                    arrivals[child].append(sent_at)
        for times in arrivals.values():
            times.sort()
        arrivals[root_fn] = [-1]  # the root's gradient is there before the first step
        self._arrivals = arrivals
        # The same as arrays, so "which nodes are ready/waiting at position p" is one vector
        # comparison per question instead of a Python loop over 5,000 nodes per Step.
        self._order = list(arrivals)
        big = np.iinfo(np.int64).max
        self._run_at = np.array([self._index.get(n, big) for n in self._order], dtype=np.int64)
        self._first_at = np.array([t[0] if t else big for t in arrivals.values()], dtype=np.int64)
        self._ready_at = np.array([t[-1] if t else big for t in arrivals.values()], dtype=np.int64)
        # Leaf .grad per position: the recorded writes, after the value before the backward.
        self._leaf_writes: dict[int, list] = {}
        for step in self.history:
            if step.leaf is not None:
                self._leaf_writes.setdefault(id(step.leaf), []).append((step.index, step.leaf_grad))
        self._leaf_before = {}
        if not self.zero_grad:
            for node in node_list:
                if type(node).__name__ == "AccumulateGrad" and node.variable.grad is not None:
                    self._leaf_before[id(node.variable)] = RecordedGrad(to_numpy(node.variable.grad))

    # ---- queries at the current position --------------------------------------------------------
    @property
    def current_step(self) -> TorchStep | None:
        return self.history[self.position] if self.position >= 0 else None

    @property
    def current_node(self):
        step = self.current_step
        return step.node if step is not None else None

    @property
    def at_end(self) -> bool:
        return self.position == len(self.history) - 1

    def step_index(self, node) -> int | None:
        index = self._index.get(node)
        return index if index is not None and index <= self.position else None

    def _arrived(self, node) -> tuple[int, int]:
        times = self._arrivals.get(node, ())
        return bisect.bisect_right(times, self.position), len(times)

    def state_of(self, node) -> str:
        index = self.step_index(node)
        if index is not None:
            return "current" if index == self.position else "done"
        arrived, needed = self._arrived(node)
        if needed and arrived == needed:
            return "ready"
        return "waiting" if arrived else "pending"

    def _not_run(self) -> np.ndarray:
        return self._run_at > self.position

    def ready_nodes(self) -> list:
        """Nodes whose every gradient has arrived, in the order torch ran them."""
        p = self.position
        found = np.nonzero((self._ready_at <= p) & self._not_run())[0]
        found = found[np.argsort(self._run_at[found], kind="stable")]
        return [self._order[i] for i in found]

    def waiting(self) -> dict:
        """Nodes that received some gradients but not all: node -> gradients still to come."""
        p = self.position
        found = np.nonzero((self._first_at <= p) & (self._ready_at > p) & self._not_run())[0]
        out = {}
        for i in found:
            node = self._order[i]
            arrived, needed = self._arrived(node)
            out[node] = needed - arrived
        return out

    def state_labels(self) -> np.ndarray:
        """Every node's state, as :meth:`state_of` says, in the order of :attr:`_order`."""
        p = self.position
        run_at = self._run_at
        labels = np.full(len(self._order), "pending", dtype=object)
        labels[self._first_at <= p] = "waiting"
        labels[self._ready_at <= p] = "ready"
        labels[run_at <= p] = "done"
        labels[run_at == p] = "current"
        return labels

    def states(self) -> dict:
        """``node -> state`` for every node (as :meth:`state_of` says, computed all at once)."""
        return dict(zip(self._order, self.state_labels().tolist()))

    def waiting_count(self, node) -> int:
        arrived, needed = self._arrived(node)
        return needed - arrived if 0 < arrived < needed and self.step_index(node) is None else 0

    def step_of(self, node) -> TorchStep | None:
        index = self.step_index(node)
        return self.history[index] if index is not None else None

    def edge_gradient(self, parent, child_index: int):
        step = self.step_of(parent)
        if step is None or child_index >= len(step.sent):
            return None
        return step.sent[child_index]

    def leaf_grad(self, tensor):
        if id(tensor) in self._retained:
            return self._retained_grad(tensor)
        writes = self._leaf_writes.get(id(tensor), ())
        latest = self._leaf_before.get(id(tensor))
        for index, grad in writes:
            if index > self.position:
                break
            latest = grad
        return latest

    def _retained_grad(self, tensor):
        """A retain_grad() tensor's .grad at the current position (module docstring)."""
        _tensor, before = self._retained[id(tensor)]
        step = self.step_of(tensor.grad_fn)
        arrived = step.received[tensor.output_nr] if step is not None and tensor.output_nr < len(step.received) else None
        if arrived is None:
            return before
        if before is None:
            return arrived
        return RecordedGrad(before._data + arrived._data)

    def describe(self, node) -> str:
        source = self.sources.get(node)
        return f"{node.name()} (forward at {source})" if source else node.name()

    # ---- moving ---------------------------------------------------------------------------------
    def advance(self, max_steps: int | None = None, target=None, check: bool = True) -> list[TorchStep]:
        self.pause_reason = None
        taken: list[TorchStep] = []
        while max_steps is None or len(taken) < max_steps:
            if self.interrupted():
                self.pause_reason = "stopped by the user"
                break
            if self.position + 1 >= len(self.history):
                break
            self.position += 1
            step = self.history[self.position]
            taken.append(step)
            if target is not None and step.node is target:
                break
            if check:
                reason = self.check_breakpoint(step)
                if reason is not None:
                    self.pause_reason = reason
                    break
        return taken

    def step(self) -> TorchStep | None:
        taken = self.advance(max_steps=1, check=False)
        return taken[0] if taken else None

    def continue_(self, max_steps: int | None = None, check: bool = True) -> list[TorchStep]:
        return self.advance(max_steps=max_steps, check=check)

    def run_to(self, node) -> list[TorchStep]:
        if self.step_index(node) is not None:
            self.position = self._index[node]
            self.pause_reason = None
            return []
        return self.advance(target=node)

    def step_back(self) -> None:
        self.pause_reason = None
        if self.position >= 0:
            self.position -= 1

    def reset(self) -> None:
        self.pause_reason = None
        self.position = -1

    def restore_grads(self) -> None:
        """Nothing to put back: the recording restored every ``.grad`` when it ended."""
