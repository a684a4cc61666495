"""The backward pass as a generator of events: one implementation for ``backward``, ``grad`` and the app.

``BackwardRun`` walks the graph iteratively (no recursion, so 100,000-node chains work), counting for
each node how many gradients it still waits for, and runs ready nodes in PyTorch's order: the most
recently created node first, with ``AccumulateGrad`` nodes first of all. Each ``next()`` runs one node
and returns a :class:`BackwardStep` describing it. ``Tensor.backward`` drains the run; the app's
stepper pulls it one step at a time and reads ``waiting``/``ready`` between steps.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from .._graph import AccumulateGrad, Node
from .._state import PROFILER, STATE
from .._tensor import Tensor, _make
from .node_io import (
    _accumulate_into,
    _check_nan,
    _fill_zeros,
    _num_outputs,
    _quiet_numpy,
    _run_profiled,
    _validate,
)


class _EmptyCapture(dict):
    """The read-only empty mapping most steps share (they capture nothing) instead of a new dict each."""

    __slots__ = ()

    def __hash__(self) -> int:  # hashable so it can be a dataclass default
        return 0

    def _readonly(self, *args, **kwargs):
        raise TypeError("BackwardStep.captured is read-only")

    __setitem__ = __delitem__ = update = setdefault = pop = popitem = clear = _readonly


_NO_CAPTURE = _EmptyCapture()


@dataclass(slots=True)
class BackwardStep:
    """What one node did during backward.

    ``received``: the gradient for each output of the node (what arrived, after hooks);
    ``sent``: the gradient for each entry of ``node.next_functions`` (None where nothing flows);
    ``leaf``/``leaf_grad``: for AccumulateGrad, the leaf tensor and its ``.grad`` after the write;
    ``captured``: for autograd.grad, input position -> the gradient captured at this node.
    """

    index: int
    node: Node
    received: tuple
    sent: tuple
    leaf: Tensor | None = None
    leaf_grad: Tensor | None = None
    captured: dict = _NO_CAPTURE


class BackwardRun:
    """An in-progress backward pass over the graph reachable from ``roots``.

    ``inputs``: when given (autograd.grad or backward(inputs=...)), only nodes that lead to those
    tensors run. ``accumulate``: False for autograd.grad, whose results are returned by
    :meth:`captured_grads` instead of being written into ``.grad``.
    """

    def __init__(
        self,
        roots,
        grad_roots,
        retain_graph: bool = False,
        create_graph: bool = False,
        inputs=None,
        accumulate: bool = True,
    ) -> None:
        self.retain_graph = retain_graph
        self.create_graph = create_graph
        self.accumulate = accumulate
        self.index = 0
        self._buffers: dict = {}
        # Gradient sums this run created (id -> tensor): safe to add into in place or hand to a leaf.
        self._fresh: dict = {}
        self._heap: list = []
        self._tiebreak = 0
        self.done: list = []
        # For requested inputs: (node, output_nr) -> position in `inputs`; leaves map their accumulator.
        self._capture: dict = {}
        self._captured: list = []
        self.inputs = list(inputs) if inputs is not None else None

        root_nodes = []
        for t, g in zip(roots, grad_roots):
            node, nr = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (t._get_accumulator(), 0)
            root_nodes.append((node, nr, g))

        if self.inputs is not None:
            self._captured = [None] * len(self.inputs)
            for i, t in enumerate(self.inputs):
                if t.grad_fn is not None:
                    key = (t.grad_fn, t._output_nr)
                else:
                    key = (t._get_accumulator(), 0)
                self._capture.setdefault(key, []).append(i)

        self.dependencies = self._count_dependencies([n for n, _, _ in root_nodes])
        self._needed = self._needed_nodes() if self.inputs is not None else None
        for node, nr, g in root_nodes:
            self._add_grad(node, nr, g)
        for node, _, _ in root_nodes:
            if self.dependencies.get(node, 0) == 0 and not self._queued(node):
                self._push(node)

    # ---- graph analysis -----------------------------------------------------------------------
    def _count_dependencies(self, start: list) -> dict:
        deps: dict = {}
        seen = set()
        stack = []
        for n in start:
            if n not in seen:
                seen.add(n)
                stack.append(n)
        self._parents: dict = {}
        parents = self._parents if self.inputs is not None else None
        get, add, push, pop = deps.get, seen.add, stack.append, stack.pop
        while stack:
            node = pop()
            for child, _ in node.next_functions:
                if child is None:
                    continue
                deps[child] = get(child, 0) + 1
                if parents is not None:
                    parents.setdefault(child, []).append(node)
                if child not in seen:
                    add(child)
                    push(child)
        self.nodes = seen
        return deps

    def _needed_nodes(self) -> set:
        """Nodes from which a requested input can be reached: the only ones worth running."""
        needed = set()
        stack = [node for node, _ in self._capture]
        while stack:
            node = stack.pop()
            if node in needed:
                continue
            needed.add(node)
            stack.extend(self._parents.get(node, ()))
        return needed

    # ---- queue --------------------------------------------------------------------------------
    def _push(self, node: Node) -> None:
        self._tiebreak += 1
        heapq.heappush(self._heap, (-node._seq, self._tiebreak, node))

    def _queued(self, node: Node) -> bool:
        return any(entry[2] is node for entry in self._heap)

    @property
    def ready(self) -> list:
        """Nodes whose gradients have all arrived, in the order they will run."""
        return [entry[2] for entry in sorted(self._heap)]

    @property
    def waiting(self) -> dict:
        """Nodes that have received some gradient but wait for more: node -> gradients still to come."""
        return {n: self.dependencies[n] for n in self._buffers if self.dependencies.get(n, 0) > 0}

    @property
    def finished(self) -> bool:
        return not self._heap

    def _add_grad(self, node: Node, nr: int, grad) -> None:
        buf = self._buffers.get(node)
        if buf is None:
            n_out = _num_outputs(node)
            buf = self._buffers[node] = [None] * n_out
        if grad is None:
            return
        prev = buf[nr]
        if prev is None:
            buf[nr] = grad
        elif self.create_graph:
            buf[nr] = prev + grad
        elif id(prev) in self._fresh:
            # A sum this run made itself: nobody else holds it, so add in place.
            np.add(prev._data, grad._data, out=prev._data)
        else:
            total = _make(np.add(prev._data, grad._data, out=np.empty_like(prev._data)))
            self._fresh[id(total)] = total
            buf[nr] = total

    # ---- running ------------------------------------------------------------------------------
    def __iter__(self):
        return self

    def __next__(self) -> BackwardStep:
        state = STATE
        prev_mode = state.grad_enabled
        state.grad_enabled = self.create_graph
        try:
            with _quiet_numpy():
                return self._next_step()
        finally:
            state.grad_enabled = prev_mode

    def _next_step(self) -> BackwardStep:
        while self._heap:
            node = heapq.heappop(self._heap)[2]
            if PROFILER[0] is not None:
                step = _run_profiled(self, node, PROFILER[0])
            else:
                step = self._run(node)
            if step is not None:
                return step
        raise StopIteration

    def run_all(self) -> None:
        """Run every remaining node, switching grad mode and numpy's error state once, not per node."""
        state = STATE
        prev_mode = state.grad_enabled
        state.grad_enabled = self.create_graph
        try:
            with _quiet_numpy():
                if self.create_graph or self._capture or self._needed is not None:
                    heap = self._heap
                    run = self._run
                    while heap:
                        node = heapq.heappop(heap)[2]
                        if PROFILER[0] is not None:
                            _run_profiled(self, node, PROFILER[0])
                        else:
                            run(node)
                else:
                    self._drain_plain()
        finally:
            state.grad_enabled = prev_mode

    def _drain_plain(self) -> None:
        """``run_all`` for a first-order backward into ``.grad`` (no inputs=, no create_graph).

        The same steps as ``_run`` for the common node (one output, no hooks, its gradient arrived),
        without building a ``BackwardStep`` nobody reads; any other node goes through ``_run``. Ops
        with a ``vjp_arrays`` rule compute it on numpy arrays (no engine op per rule step). When the
        queue is empty and a node makes exactly one child ready, that child runs next without a trip
        through the heap (it is the heap's minimum anyway).
        """
        heap, buffers, deps, fresh, done = self._heap, self._buffers, self.dependencies, self._fresh, self.done
        retain = self.retain_graph
        pop, push = heapq.heappop, heapq.heappush
        general = self._run
        slow_always = STATE.anomaly  # anomaly mode checks every node's gradients for nan
        node = None
        while True:
            if node is None:
                if not heap:
                    break
                node = pop(heap)[2]
            if PROFILER[0] is not None:
                _run_profiled(self, node, PROFILER[0])
                node = None
                continue
            grads = buffers.get(node)
            grad = grads[0] if grads is not None else None
            if (
                grad is None
                or slow_always
                or node._out_meta is not None
                or node.__class__ is AccumulateGrad
                or node._tensor_hooks
                or node._retain
                or node._pre_hooks
                or node._post_hooks
            ):
                general(node)
                node = None
                continue
            del buffers[node]
            if fresh:
                fresh.pop(id(grad), None)
            nf = node.next_functions
            fast = node.vjp_arrays
            sent = fast(grad._data) if fast is not None else None
            if sent is None:
                sent = node._run_backward((grad,))
                if len(sent) != len(nf):
                    raise RuntimeError(
                        f"Function {node.name()} returned an incorrect number of gradients "
                        f"(expected {len(nf)}, got {len(sent)})"
                    )
                sent = _validate(node, sent)
            if not retain:
                node._release()
            done.append(node)
            self.index += 1
            node = None
            for (child, nr), g in zip(nf, sent):
                if child is None:
                    continue
                if g is not None and child._out_meta is None and child not in buffers:
                    buffers[child] = [g]  # _add_grad's common case: the first gradient of a one-output node
                else:
                    self._add_grad(child, nr, g)
                left = deps[child] - 1
                deps[child] = left
                if left == 0:
                    if node is None and not heap:
                        node = child
                    else:  # more than one ready: the heap orders them
                        if node is not None:
                            self._tiebreak += 1
                            push(heap, (-node._seq, self._tiebreak, node))
                            node = None
                        self._tiebreak += 1
                        push(heap, (-child._seq, self._tiebreak, child))

    def _run(self, node: Node):
        """Run one node (grad mode and numpy's error state are set by the caller)."""
        grads = self._buffers.pop(node, None) or [None] * _num_outputs(node)
        # Sums this run made for the node are consumed now: forget them, so the run does not keep
        # every intermediate gradient alive until it ends.
        owned = None
        if self._fresh:
            fresh = self._fresh
            for g in grads:
                if g is not None and fresh.pop(id(g), None) is g and g is grads[0]:
                    owned = g
        if node._tensor_hooks or node._retain or node._pre_hooks or self._capture:
            received, captured = self._before_node(node, grads)
        else:
            received, captured = tuple(grads), _NO_CAPTURE

        if type(node) is AccumulateGrad:
            # A gradient summed by this run is owned by nobody else: the leaf may keep it uncopied.
            return self._run_accumulate(node, received, captured, owned is not None and received[0] is owned)

        needed = self._needed
        n_next = len(node.next_functions)
        if needed is not None and node not in needed:
            sent = (None,) * n_next
        elif all(g is None for g in received):
            sent = (None,) * n_next
        else:
            # Missing gradients of multi-output nodes are zeros for the rule.
            if len(received) > 1 and any(g is None for g in received):
                received = _fill_zeros(node, received)
            sent = node._run_backward(received)
            if len(sent) != n_next:
                raise RuntimeError(
                    f"Function {node.name()} returned an incorrect number of gradients "
                    f"(expected {n_next}, got {len(sent)})"
                )
            sent = _validate(node, sent)
            if node._post_hooks:
                for hook in list(node._post_hooks):
                    new = hook(sent, received)
                    if new is not None:
                        sent = tuple(new)
            if STATE.anomaly and STATE.anomaly_check_nan:
                _check_nan(node, sent)
        if not self.retain_graph:
            node._release()
        deps = self.dependencies
        for (child, nr), g in zip(node.next_functions, sent):
            if child is None:
                continue
            if needed is not None and child not in needed:
                continue
            self._add_grad(child, nr, g)
            left = deps[child] - 1
            deps[child] = left
            if left == 0:
                self._push(child)
        self.done.append(node)
        step = BackwardStep(self.index, node, received, tuple(sent), None, None, captured)
        self.index += 1
        return step

    def _before_node(self, node: Node, grads: list):
        """Tensor hooks, retain_grad, node pre-hooks and capture for autograd.grad, in PyTorch's order."""
        if node._tensor_hooks:
            for nr, hooks in node._tensor_hooks.items():
                for hook in list(hooks):
                    if grads[nr] is not None:
                        new = hook(grads[nr])
                        if new is not None:
                            grads[nr] = new
        if node._retain:
            for nr, ref in node._retain.items():
                t = ref()
                if t is not None and grads[nr] is not None:
                    _accumulate_into(t, grads[nr], self.create_graph)
        if node._pre_hooks:
            for hook in list(node._pre_hooks):
                new = hook(tuple(grads))
                if new is not None:
                    grads = list(new)
        received = tuple(grads)
        captured = _NO_CAPTURE
        if self._capture:
            captured = {}
            for nr in range(len(received)):
                for i in self._capture.get((node, nr), ()):
                    g = received[nr]
                    if self._captured[i] is None:
                        self._captured[i] = g
                    elif g is not None:
                        self._captured[i] = self._captured[i] + g
                    captured[i] = g
                    target = self.inputs[i]
                    if self.accumulate and g is not None and target.grad_fn is not None:
                        # backward(inputs=[non_leaf]) fills non_leaf.grad, as in PyTorch.
                        _accumulate_into(target, g, self.create_graph)
        return received, captured

    def _run_accumulate(self, node: AccumulateGrad, received: tuple, captured: dict, owned: bool = False):
        leaf = node.variable
        g = received[0]
        write = self.accumulate and g is not None
        if write and self.inputs is not None:
            write = any(t is leaf for t in self.inputs)
        if write:
            _accumulate_into(leaf, g, self.create_graph, owned=owned)
        if node._post_hooks:
            for hook in list(node._post_hooks):
                hook((), received)
        self.done.append(node)
        step = BackwardStep(
            self.index, node, received, (), leaf=leaf, leaf_grad=leaf._grad if write else None, captured=captured
        )
        self.index += 1
        return step

    def captured_grads(self) -> list:
        return self._captured
