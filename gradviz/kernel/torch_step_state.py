"""Inside the kernel, torch backend: ``step_state`` answered in time that does not grow with the graph.

:func:`gradviz.kernel.documents.step_state` asks the stepper about every node of the model on each
request: on a 5,000-node graph that Python loop was most of a Step's 50 ms budget. The recording
never changes after ``step_start`` (:class:`.torch_stepping.TorchStepper` runs one real backward
and replays it), so :class:`StepStateIndex` sorts it once per (model, stepper): the model's op
nodes against the stepper's node order, the steps' node ids and the gradients each step sent in
step order (arrays made contiguous once). An answer is then a few numpy comparisons
(:meth:`TorchStepper.state_labels`) and dict builds over slices; only the leaf tensors (and the
few waiting nodes) are asked one by one. The answer is exactly ``documents.step_state``'s
(tests/kernel/test_torch_step_state.py compares them at every position).
"""

from __future__ import annotations

import bisect
import weakref

import numpy as np
import torch

from .documents import state_answer
from .protocol import contiguous


class StepStateIndex:
    """The recording of one TorchStepper, arranged for :meth:`answer` (module docstring)."""

    def __init__(self, model, stepper) -> None:
        self.model = model
        op_ids, op_objs, self.tensors = [], [], []
        for node_id, attrs in model.graph.nodes(data=True):
            obj = attrs.get("obj")
            kind = attrs.get("kind")
            if kind == "grad_fn" and obj is not None:
                op_ids.append(node_id)
                op_objs.append(obj)
            elif kind == "tensor" and isinstance(obj, torch.Tensor):
                self.tensors.append((node_id, obj))
        slot_of = {node: i for i, node in enumerate(stepper._order)}
        slots = np.array([slot_of.get(obj, -1) for obj in op_objs], dtype=np.int64)
        self._op_ids = op_ids
        self._op_objs = op_objs
        self._slots = np.maximum(slots, 0)
        self._unknown = slots < 0  # model nodes the recording never saw: "pending" throughout
        id_of = dict(zip(op_objs, op_ids))
        self._step_pairs: list[tuple[str, int]] = []  # (node id, step index) in step order
        self._step_indices: list[int] = []
        self._edges: list[tuple[tuple[str, int], np.ndarray]] = []
        self._edges_after: list[int] = []  # per entry of _step_pairs: len(_edges) once it ran
        for step in stepper.recording:  # the whole replay, also the steps not taken yet
            node_id = id_of.get(step.node)
            if node_id is None:
                continue
            for i, grad in enumerate(step.sent):
                if grad is not None:
                    self._edges.append(((node_id, i), contiguous(grad._data)))
            self._step_pairs.append((node_id, int(step.index)))
            self._step_indices.append(int(step.index))
            self._edges_after.append(len(self._edges))

    def answer(self, stepper, since: int | None = None) -> dict:
        """What ``documents.step_state(model, stepper, since)`` answers, at the stepper's position."""
        model = self.model
        labels = stepper.state_labels()[self._slots]
        labels[self._unknown] = "pending"
        states = dict(zip(self._op_ids, labels.tolist()))
        waiting = {self._op_ids[i]: stepper.waiting_count(self._op_objs[i])
                   for i in np.flatnonzero(labels == "waiting")}
        ran = bisect.bisect_right(self._step_indices, stepper.position)  # steps at or before it
        step_index = dict(self._step_pairs[:ran])
        base = -1 if since is None else min(since, stepper.position)
        known = bisect.bisect_right(self._step_indices, base)  # steps the asker holds the edges of
        start = self._edges_after[known - 1] if known else 0
        edge_grads = dict(self._edges[start:self._edges_after[ran - 1]]) if ran > known else {}
        leaf_grads = {}
        for node_id, tensor in self.tensors:
            grad = stepper.leaf_grad(tensor)
            if grad is not None:
                leaf_grads[node_id] = contiguous(grad._data)
        return state_answer(model, stepper, states, waiting, step_index, edge_grads, base, leaf_grads)


_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # stepper -> its StepStateIndex


def step_state(model, stepper, since: int | None = None) -> dict:
    """``documents.step_state`` for a TorchStepper, from its index (made on the first request)."""
    index = _INDEXES.get(stepper)
    if index is None or index.model is not model:
        index = _INDEXES[stepper] = StepStateIndex(model, stepper)
    return index.answer(stepper, since)
