"""Inside the kernel: answer the app's questions about the live graph with plain data.

The graph document is built by the same code as the in-process export (``GraphModel.from_root``,
``attach_variable_names``, ``export.to_json``), so it has exactly the schema ``gradviz export`` writes.
Alongside it goes the *topology*: the model's networkx graph as plain lists, in its own node and
edge order with every attribute but the engine object, so the app can rebuild an identical graph
to lay out and draw (the document lists repeated edges such as ``x * x`` twice; a DiGraph cannot).
"""

from __future__ import annotations

import numpy as np

from engine._graph import AccumulateGrad
from engine._tensor import Tensor
from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names
from gradviz.model.export import tensor_summary, to_json
from gradviz.model.grouping import module_classes

from .protocol import contiguous

# Tensors with at most this many elements travel with their repr (what the inspector prints).
REPR_LIMIT = 200


def build_model(root: Tensor, namespace: dict, tensors: dict, max_nodes: int | None = None) -> GraphModel:
    """The graph of ``root``, named and labelled as the app and the export label it."""
    model = GraphModel.from_root(root, tensor_names(namespace), max_nodes=max_nodes)
    attach_variable_names(model, tensors)
    # Module classes, so a collapsed module reads ``blocks.0 · Block`` (gradviz/model/grouping.py).
    model.graph.graph["module_classes"] = module_classes(namespace, model.modules())
    return model


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


def step_state(model: GraphModel, stepper) -> dict:
    """Where backward is, for every node of the model: what a view needs to colour the graph and
    label its edges and leaves (gradients as arrays), and the current node's detail for the
    Backward panel's table (:func:`current_detail`). The same for both backends."""
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
                for i, g in enumerate(stepper.history[index].sent):
                    if g is not None:
                        edge_grads[(node_id, i)] = contiguous(g._data)
        elif kind == "tensor" and obj is not None:
            g = stepper.leaf_grad(obj)
            if g is not None:
                leaf_grads[node_id] = contiguous(g._data)
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
        "leaf_grads": leaf_grads,
        "pause_reason": stepper.pause_reason,
        "note": stepper.note,
        "detail": current_detail(model, stepper),
    }


def current_detail(model: GraphModel, stepper) -> dict | None:
    """The current node's gradients for the Backward panel's table, as summaries (shape, norm, the
    values of a small one) with a reference for the full array: each gradient that arrived from a
    parent (``contributions``: summed before the node ran when there are several), and for a
    leaf or ``retain_grad()`` tensor its ``.grad`` before and after the step (``writes``)."""
    node = stepper.current_node
    if node is None:
        return None
    contributions = []
    for parent, index, g in stepper.contributions(node):
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
    return {"node": model.id_of(node), "contributions": contributions, "writes": writes}


def saved_tensors(node) -> list[tuple[str, object]]:
    """``(attribute, tensor or the error text)`` for each saved tensor of an op (``_saved_self``)."""
    found = []
    names = list(getattr(node, "saves", ()) or ())
    if getattr(node, "saves_result", False):
        names.append("result")
    for name in names:
        attr = f"_saved_{name}"
        try:
            found.append((attr, getattr(node, attr)))
        except RuntimeError as exc:  # freed by backward, or modified in place
            found.append((attr, str(exc).split(".")[0] + "."))
    return found


def _describe_tensor(t: Tensor) -> dict:
    return {"shape": tuple(int(s) for s in t._data.shape), "dtype": f"torch.{t._data.dtype.name}",
            "requires_grad": bool(t._requires_grad)}


def node_details(model: GraphModel, node_id: str, stepper=None) -> dict:
    """Everything the inspector shows about one node; tensors by reference (see resolve_ref)."""
    attrs = model.graph.nodes[node_id]
    obj = attrs.get("obj")
    details = {k: v for k, v in attrs.items() if k not in ("obj",)}
    details["id"] = node_id
    if isinstance(obj, Tensor):
        details["tensor"] = _describe_tensor(obj)
        details["value_ref"] = f"node:{node_id}"
        details["grad_ref"] = f"node:{node_id}.grad" if obj._grad is not None else None
        return details
    rule = getattr(obj, "rule", None)
    details["rule"] = rule() if callable(rule) else None
    details["params"] = [
        (key, repr(value)) for key, value in vars(obj).items()
        if not key.startswith("_") and key not in ("next_functions", "module", "source", "variable")
        and not isinstance(value, Tensor)
    ]
    details["next_functions"] = [(model.id_of(child) if child is not None else None, int(nr))
                                 for child, nr in obj.next_functions]
    saved = []
    for attr, value in saved_tensors(obj):
        if isinstance(value, Tensor):
            saved.append({"name": attr, **_describe_tensor(value), "ref": f"saved:{node_id}:{attr}"})
        else:
            saved.append({"name": attr, "error": str(value)})
    details["saved"] = saved
    in_meta = getattr(obj, "_in_meta", None)
    if in_meta:
        details["inputs"] = [(tuple(int(n) for n in shape), f"torch.{np.dtype(dtype).name}") for shape, dtype in in_meta]
    if isinstance(obj, AccumulateGrad):
        details["leaf"] = model.id_of(obj.variable)
    if stepper is not None:
        details["state"] = stepper.state_of(obj)
        step = stepper.step_of(obj)
        if step is not None:
            details["received"] = [tensor_summary(g) for g in step.received]
            details["sent"] = [tensor_summary(g) for g in step.sent]
    return details


def resolve_ref(ref: str, model: GraphModel | None, tensors: dict, stepper=None):
    """The tensor a reference names (raises KeyError/ValueError with a readable message).

    ``var:NAME`` a script variable, ``node:ID`` a tensor node's value, ``saved:ID:_saved_x`` a saved
    tensor, ``edge:ID:I`` the gradient node ID sent to input I (as of the stepper's position),
    ``received:ID:I`` what it received for output I; a ``.grad`` suffix on var/node gives the
    gradient instead.
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
        if not isinstance(tensor, Tensor):
            raise ValueError(f"node {rest} is an op, not a tensor; its tensors are saved:{rest}:NAME")
    elif kind == "saved":
        node_id, _, attr = rest.partition(":")
        tensor = getattr(model.graph.nodes[node_id]["obj"], attr)
    elif kind in ("edge", "received"):
        node_id, _, index = rest.partition(":")
        step = stepper.step_of(model.graph.nodes[node_id]["obj"]) if stepper is not None else None
        if step is None:
            raise ValueError(f"node {node_id} has not run in backward yet")
        tensor = (step.sent if kind == "edge" else step.received)[int(index)]
    else:
        raise ValueError(f"unknown reference {ref!r}")
    if grad:
        tensor = stepper.leaf_grad(tensor) if stepper is not None else tensor._grad
    if tensor is None:
        return None
    return tensor


def tensor_payload(ref: str, tensor) -> dict:
    if tensor is None:
        return {"ref": ref, "array": None, "shape": None, "dtype": None}
    data = tensor._data
    payload = {"ref": ref, "array": contiguous(data), "shape": tuple(data.shape), "dtype": f"torch.{data.dtype.name}"}
    if data.size <= REPR_LIMIT:
        payload["text"] = repr(tensor)  # the library's own print-out, for the inspector
    return payload
