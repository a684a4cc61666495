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

:class:`TorchStepper` is the :class:`~gradviz.kernel.stepping.Stepper` whose steps are the
recording's: Step, Step back, Continue, Run-to and the breakpoints are the same code as the
engine's. Torch's scheduler is not simulated: "ready" and "waiting" at a position are what the
recording shows (a node is ready once every ``next_functions`` entry pointing at it belongs to a
node that has run, and waiting while only some do; ready nodes are listed in the order torch ran
them).

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

from gradviz.kernel.stepping import Frontier, Stepper, implicit_ones_note

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


class TorchStepper(Stepper):
    """The steps of one recorded torch backward, replayed (module docstring).

    ``retained``: non-leaf tensors with ``retain_grad()`` in the graph, whose ``.grad`` is replayed
    too. Leaf and retained gradients shown are the recorded ones; the tensors' real ``.grad`` stays
    as the script left it.
    """

    def __init__(self, root, gradient=None, *, zero_grad: bool = False, retained=()) -> None:
        super().__init__(root, zero_grad)
        self.gradient, self.note = self._gradient_and_note(gradient)
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
        retained = list(retained)
        self._retained_by: dict = {}
        for t in retained:
            self._retained_by.setdefault(t.grad_fn, []).append(t)
        self.recording = record_backward(root, self.gradient, node_list, zero_grad, retained)
        self._analyse(node_list, root_fn)
        leaves = [n.variable for n in node_list if type(n).__name__ == "AccumulateGrad"]
        self._begin(leaves + retained)

    def _gradient_and_note(self, gradient):
        root = self.root
        if gradient is not None:
            return torch.as_tensor(np.asarray(gradient), dtype=root.dtype).to(root.device), None
        if root.numel() == 1:
            return None, None
        return torch.ones_like(root), implicit_ones_note(root.shape)

    def _analyse(self, node_list: list, root_fn) -> None:
        """Per node: the recorded positions at which its gradients arrive (the steps of the nodes
        that point at it), as arrays, so the queue at a position is a few vector comparisons."""
        run_at = {step.node: step.index for step in self.recording}
        arrivals: dict = {n: [] for n in node_list}
        never = len(self.recording) + len(node_list)  # a node that did not run sends nothing
        for node in node_list:
            sent_at = run_at.get(node, never)
            for child, _ in node.next_functions:
                if child is not None:
                    arrivals[child].append(sent_at)
        for times in arrivals.values():
            times.sort()
        self._expected_counts = {n: len(t) for n, t in arrivals.items()}
        arrivals[root_fn] = [-1]  # the root's gradient is there before the first step
        self._arrivals = arrivals
        self._order = list(arrivals)
        big = np.iinfo(np.int64).max
        self._run_at = np.array([run_at.get(n, big) for n in self._order], dtype=np.int64)
        self._first_at = np.array([t[0] if t else big for t in arrivals.values()], dtype=np.int64)
        self._ready_at = np.array([t[-1] if t else big for t in arrivals.values()], dtype=np.int64)
        self._cached: tuple[int, Frontier] | None = None

    # ---- the source: the recording ---------------------------------------------------------------
    def _restart(self) -> None:
        self._cursor = 0

    def _pull(self) -> TorchStep | None:
        if self._cursor >= len(self.recording):
            return None
        step = self.recording[self._cursor]
        self._cursor += 1
        return step

    def _source_done(self) -> bool:
        return self._cursor >= len(self.recording)

    def _frontier_at(self, position: int) -> Frontier:
        cached = self._cached
        if cached is not None and cached[0] == position:
            return cached[1]
        not_run = self._run_at > position
        ready = np.nonzero((self._ready_at <= position) & not_run)[0]
        ready = ready[np.argsort(self._run_at[ready], kind="stable")]
        waiting = {}
        for i in np.nonzero((self._first_at <= position) & (self._ready_at > position) & not_run)[0]:
            node = self._order[i]
            times = self._arrivals[node]
            waiting[node] = len(times) - bisect.bisect_right(times, position)
        frontier = Frontier(tuple(self._order[i] for i in ready), waiting)
        self._cached = (position, frontier)
        return frontier

    def state_labels(self) -> np.ndarray:
        """Every node's state, as :meth:`state_of` says, in the order of :attr:`_order`: a few
        vector comparisons over the recording instead of a question per node (a Step at 5,000
        nodes; :mod:`.torch_step_state` builds on it)."""
        p = self.position
        run_at = self._run_at
        labels = np.full(len(self._order), "pending", dtype=object)
        labels[self._first_at <= p] = "waiting"
        labels[self._ready_at <= p] = "ready"
        labels[run_at <= p] = "done"
        labels[run_at == p] = "current"
        return labels

    def states(self) -> dict:
        """``node -> state`` for every node at once (the base's answer, from :meth:`state_labels`)."""
        return dict(zip(self._order, self.state_labels().tolist()))

    def _expected(self, node) -> int:
        return self._expected_counts.get(node, 0)

    def _writes(self, step: TorchStep) -> list:
        out = []
        if step.leaf is not None and step.leaf_grad is not None:
            out.append((step.leaf, step.leaf_grad))
        for tensor in self._retained_by.get(step.node, ()):
            # torch's retains-grad hook adds what the node received for the tensor's output.
            nr = tensor.output_nr
            arrived = step.received[nr] if nr < len(step.received) else None
            if arrived is None:
                continue
            entry = self._grads.get(id(tensor))
            before = entry[1] if entry is not None else None
            out.append((tensor, arrived if before is None else RecordedGrad(before._data + arrived._data)))
        return out

    def _read_grad(self, tensor):
        return None if tensor.grad is None else RecordedGrad(to_numpy(tensor.grad))

    def _initial_grad(self, tensor, found):
        # zero_grad clears the leaves (optimizer.zero_grad()); a retained .grad is torch's to keep.
        return found if tensor.grad_fn is not None else super()._initial_grad(tensor, found)

    def _source_of(self, node):
        return self.sources.get(node)
