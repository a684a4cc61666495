"""Inside the kernel: answer the app's questions about the live graph with plain data, for both backends.

The graph document is built by the same code as the in-process export (``export.to_json``), so it
has exactly the schema ``gradviz export`` writes.
Alongside it goes the *topology*: the model's networkx graph as plain lists, in its own node and
edge order with every attribute but the engine object, so the app can rebuild an identical graph
to lay out and draw (the document lists repeated edges such as ``x * x`` twice; a DiGraph cannot).

Everything here reads the model's attributes, ``next_functions`` and gradients' ``._data``; what a
library's tensors and nodes look like is left to a :class:`Documents` subclass, one per backend
(:class:`~gradviz.kernel.engine_documents.EngineDocuments`,
:class:`~gradviz.kernel.torch_documents.TorchDocuments`), which also builds the graph and the stepper.
"""

from __future__ import annotations

import numpy as np

from gradviz.model.export import tensor_summary, to_json
from gradviz.model.graph_model import GraphModel

from .protocol import contiguous

# Tensors with at most this many elements travel with their repr (what the inspector prints).
REPR_LIMIT = 200
PARAM_TEXT_LIMIT = 200  # a saved non-tensor value is shown as its repr, cut to this length


def topology(model: GraphModel) -> dict:
    """The graph as rows: each node's attribute values (but ``obj``) as a tuple, with the index of
    its attribute names in ``node_keys``; each edge as ``(u, v, key index, values)``.

    Rows of tuples cost a fifth of one dict per node to unpickle (a 100,000-node graph: 0.15 s
    instead of 0.9 s); :class:`.replica.GraphReplica` turns them back into the same graph.
    """
    graph = model.graph
    node_keys: dict[tuple, tuple[int, int]] = {}  # names -> (index, position of "obj" or -1)
    ids, rows = [], []
    for node_id, attrs in graph._node.items():
        names = tuple(attrs)
        known = node_keys.get(names)
        if known is None:
            known = node_keys[names] = (len(node_keys), names.index("obj") if "obj" in names else -1)
        index, obj_at = known
        values = tuple(attrs.values())
        if obj_at >= 0:
            values = values[:obj_at] + values[obj_at + 1:]
        ids.append(node_id)
        rows.append((index, values))
    edge_keys: dict[tuple, int] = {}
    edges = []
    for u, targets in graph._succ.items():
        for v, attrs in targets.items():
            names = tuple(attrs)
            index = edge_keys.get(names)
            if index is None:
                index = edge_keys[names] = len(edge_keys)
            edges.append((u, v, index, tuple(attrs.values())))
    return {
        "graph": dict(graph.graph),
        "node_keys": [tuple(k for k in names if k != "obj") for names in node_keys],
        "node_ids": ids,
        "node_rows": rows,
        "edge_keys": list(edge_keys),
        "edge_rows": edges,
        "root_id": model.root_id,
    }


def graph_document(model: GraphModel, root_name: str, stepper=None) -> dict:
    return to_json(model, None, stepper, root_name=root_name)


def step_event(model: GraphModel, step) -> dict:
    node_id = model.id_of(step.node)
    if node_id is None and getattr(step.node, "variable", None) is not None:
        node_id = model.id_of(step.node.variable)  # a leaf as the root: drawn as the tensor alone
    event = {
        "index": int(step.index),
        "node": node_id,
        "name": step.node.name(),
        "received": [tensor_summary(g) for g in step.received],
        "sent": [tensor_summary(g) for g in step.sent],
    }
    if step.leaf is not None:
        event["leaf"] = model.id_of(step.leaf)
    return event


def step_state(model: GraphModel, stepper, since: int | None = None) -> dict:
    """Where backward is, for every node of the model: what a view needs to colour the graph and
    label its edges and leaves (gradients as arrays), and the current node's detail for the
    Backward panel's table (:func:`current_detail`). The same for both backends.

    ``since``: the position of a state the asker already holds. The gradient a step sent never
    changes (stepping back and forward replays it), so only the steps after ``edges_base`` =
    ``min(since, position)`` send their ``edge_grads``; the asker keeps its own up to the base
    (``KernelClient.step_state`` does). Without it every edge that ran is sent: at 5,000 nodes near
    the end of backward that is 8,000 arrays, most of a Step's time."""
    base = -1 if since is None else min(since, stepper.position)
    all_states = stepper.states()
    graph = model.graph
    states: dict[str, str] = {}
    waiting: dict[str, int] = {}
    step_index: dict[str, int] = {}
    edge_grads: dict[tuple[str, int], np.ndarray] = {}
    leaf_grads: dict[str, np.ndarray] = {}
    for node_id, attrs in graph.nodes(data=True):
        obj = attrs.get("obj")
        kind = attrs.get("kind")
        if kind == "grad_fn" and obj is not None:
            state = all_states.get(obj, "pending")
            states[node_id] = state
            if state == "waiting":
                waiting[node_id] = stepper.waiting_count(obj)
            index = stepper.step_index(obj)
            if index is not None:
                step_index[node_id] = index
                if index <= base:
                    continue
                for i, g in enumerate(stepper.history[index].sent):
                    if g is not None:
                        edge_grads[(node_id, i)] = contiguous(g._data)
        elif kind == "tensor" and obj is not None:
            g = stepper.leaf_grad(obj)
            if g is not None:
                leaf_grads[node_id] = contiguous(g._data)
    return state_answer(model, stepper, states, waiting, step_index, edge_grads, base, leaf_grads)


def state_answer(model: GraphModel, stepper, states: dict, waiting: dict, step_index: dict, edge_grads: dict,
                 base: int, leaf_grads: dict) -> dict:
    """The step-state message from its per-node parts and what the stepper says of its position
    (both backends' ``step_state`` build it here)."""
    current = stepper.current_node
    return {
        "position": stepper.position,
        "at_end": stepper.at_end,
        "current": model.id_of(current) if current is not None else None,
        "ready": [model.id_of(n) for n in stepper.ready_nodes() if model.id_of(n) is not None],
        "states": states,
        "waiting": waiting,
        "step_index": step_index,
        "edge_grads": edge_grads,
        "edges_base": base,
        "leaf_grads": leaf_grads,
        "pause_reason": stepper.pause_reason,
        "note": stepper.note,
        "detail": current_detail(model, stepper),
    }


CONTRIBUTIONS_SHOWN = 40  # gradients from parents listed one by one in the Backward panel's table


def current_detail(model: GraphModel, stepper) -> dict | None:
    """The current node's gradients for the Backward panel's table, as summaries (shape, norm, the
    values of a small one) with a reference for the full array: each gradient that arrived from a
    parent (``contributions``: summed before the node ran when there are several), and for a
    leaf or ``retain_grad()`` tensor its ``.grad`` before and after the step (``writes``), with
    what the node received and sent."""
    node = stepper.current_node
    if node is None:
        return None
    contributions = []
    arrived = stepper.contributions(node)
    # A weight used in every block of a 1,000-block model receives 1,000 gradients: the table shows
    # the first ones and says how many there are (their sum is the "sum received" row).
    for parent, index, g in arrived[:CONTRIBUTIONS_SHOWN]:
        parent_id = model.id_of(parent)
        contributions.append({"from": parent_id, "index": index, "grad": tensor_summary(g),
                              "ref": f"edge:{parent_id}:{index}" if parent_id is not None else None})
    writes = []
    for w in stepper.writes_of(node):
        tensor_id = model.id_of(w.tensor)  # None for a retain_grad() tensor: not a node of the graph
        drawn = tensor_id is not None
        writes.append({"tensor": tensor_id, "before": tensor_summary(w.before), "after": tensor_summary(w.after),
                       "before_ref": f"before:{tensor_id}" if drawn else None,
                       "after_ref": f"node:{tensor_id}.grad" if drawn else None})
    step = stepper.current_step
    node_id = model.id_of(node)
    return {"node": node_id,
            "received": [{"grad": tensor_summary(g), "ref": f"received:{node_id}:{i}"} for i, g in enumerate(step.received)],
            "sent": [{"grad": tensor_summary(g), "ref": f"edge:{node_id}:{i}"} for i, g in enumerate(step.sent)],
            "contributions": contributions, "contributions_total": len(arrived), "writes": writes}


class Documents:
    """The kernel's answers for one backend. The generic parts are here; a subclass says how its
    library's tensors and nodes are read (the hooks below) and builds the model and the stepper."""

    topology = staticmethod(topology)
    graph_document = staticmethod(graph_document)
    step_event = staticmethod(step_event)
    step_state = staticmethod(step_state)

    # ---- hooks -----------------------------------------------------------------------------------
    def build_model(self, root, namespace: dict, tensors: dict, max_nodes: int | None = None, tracker=None):
        raise NotImplementedError

    def new_stepper(self, root, gradient, zero_grad: bool, model: GraphModel):
        raise NotImplementedError

    def is_tensor(self, value) -> bool:
        raise NotImplementedError

    def grad(self, tensor):
        """The tensor's own ``.grad`` (without a stepper)."""
        raise NotImplementedError

    def array(self, tensor) -> np.ndarray:
        """A tensor's (or a recorded gradient's) values as a numpy array."""
        return tensor._data

    def dtype_text(self, tensor, array: np.ndarray) -> str:
        return f"torch.{array.dtype.name}"

    def describe(self, tensor) -> dict:
        """``shape``, ``dtype``, ``requires_grad`` (and what else the library says) of a tensor."""
        raise NotImplementedError

    def saved(self, node) -> list[tuple[str, object]]:
        """``(attribute, value)`` for each value a node saved: a tensor, a RuntimeError (freed,
        modified in place), or another value (shown as a parameter)."""
        raise NotImplementedError

    def saved_value(self, node, attr: str):
        return getattr(node, attr)

    def node_extras(self, node) -> dict:
        """What else the inspector shows of an op node (its rule, parameters, input metadata)."""
        return {}

    # ---- answers ---------------------------------------------------------------------------------
    def node_details(self, model: GraphModel, node_id: str, stepper=None) -> dict:
        """Everything the inspector shows about one node; tensors by reference (see resolve_ref)."""
        attrs = model.graph.nodes[node_id]
        obj = attrs.get("obj")
        details = {k: v for k, v in attrs.items() if k != "obj"}
        details["id"] = node_id
        if self.is_tensor(obj):
            details["tensor"] = self.describe(obj)
            details["value_ref"] = f"node:{node_id}"
            details["grad_ref"] = f"node:{node_id}.grad" if self.grad(obj) is not None else None
            return details
        details.update(self.node_extras(obj))
        details["next_functions"] = [(model.id_of(child) if child is not None else None, int(nr))
                                     for child, nr in obj.next_functions]
        saved, params = [], []
        for attr, value in self.saved(obj):
            if self.is_tensor(value):
                saved.append({"name": attr, **self.describe(value), "ref": f"saved:{node_id}:{attr}"})
            elif isinstance(value, RuntimeError):
                saved.append({"name": attr, "error": str(value)})
            else:
                text = repr(value)
                if len(text) > PARAM_TEXT_LIMIT:
                    text = text[: PARAM_TEXT_LIMIT - 1] + "…"
                params.append((attr.removeprefix("_saved_"), text))
        details["saved"] = saved
        details["params"] = details.get("params", []) + params
        variable = getattr(obj, "variable", None)
        if variable is not None and type(obj).__name__ == "AccumulateGrad":
            details["leaf"] = model.id_of(variable)
        if stepper is not None:
            details["state"] = stepper.state_of(obj)
            step = stepper.step_of(obj)
            if step is not None:
                details["received"] = [tensor_summary(g) for g in step.received]
                details["sent"] = [tensor_summary(g) for g in step.sent]
        return details

    def resolve_ref(self, ref: str, model: GraphModel | None, tensors: dict, stepper=None):
        """The tensor (or recorded gradient) a reference names (KeyError/ValueError with a
        readable message when there is none).

        ``var:NAME`` a script variable, ``node:ID`` a tensor node's value, ``saved:ID:_saved_x`` a
        saved tensor, ``edge:ID:I`` the gradient node ID sent to input I (as of the stepper's
        position), ``received:ID:I`` what it received for output I, ``before:ID`` the ``.grad``
        of tensor node ID before the current step wrote it; a ``.grad`` suffix on var/node gives
        the gradient instead.
        """
        kind, _, rest = ref.partition(":")
        grad = False
        if kind in ("var", "node") and rest.endswith(".grad"):
            rest, grad = rest[: -len(".grad")], True
        if kind == "var":
            if rest not in tensors:
                raise KeyError(f"the script has no tensor variable {rest!r}")
            tensor = tensors[rest]
        elif model is None:
            raise KeyError("no graph yet: ask for graph(root) first")
        elif kind == "node":
            tensor = model.graph.nodes[rest]["obj"]
            if not self.is_tensor(tensor):
                raise ValueError(f"node {rest} is an op, not a tensor; its tensors are saved:{rest}:NAME")
        elif kind == "saved":
            node_id, _, attr = rest.partition(":")
            tensor = self.saved_value(model.graph.nodes[node_id]["obj"], attr)
            if tensor is not None and not self.is_tensor(tensor):
                raise ValueError(f"{attr} of node {node_id} is not a tensor: {tensor!r}")
        elif kind in ("edge", "received"):
            node_id, _, index = rest.partition(":")
            step = stepper.step_of(model.graph.nodes[node_id]["obj"]) if stepper is not None else None
            if step is None:
                raise ValueError(f"node {node_id} has not run in backward yet")
            tensor = (step.sent if kind == "edge" else step.received)[int(index)]
        elif kind == "before":
            tensor = model.graph.nodes[rest]["obj"]
            current = stepper.current_node if stepper is not None else None
            written = [w for w in stepper.writes_of(current) if w.tensor is tensor] if current is not None else []
            if not written:
                raise ValueError(f"the current step did not write the .grad of node {rest}")
            return written[0].before
        else:
            raise ValueError(f"unknown reference {ref!r}")
        if grad:
            tensor = stepper.leaf_grad(tensor) if stepper is not None else self.grad(tensor)
        return tensor

    def tensor_payload(self, ref: str, tensor) -> dict:
        if tensor is None:
            return {"ref": ref, "array": None, "shape": None, "dtype": None}
        array = self.array(tensor)
        payload = {"ref": ref, "array": contiguous(array), "shape": tuple(array.shape),
                   "dtype": self.dtype_text(tensor, array)}
        if array.size <= REPR_LIMIT:
            payload["text"] = repr(tensor)  # the library's own print-out, for the inspector
        return payload
