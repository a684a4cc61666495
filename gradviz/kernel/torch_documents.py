"""Inside the kernel, torch backend: the answers :mod:`.documents` gives, for torch's graph.

The graph document, the topology and the step events are :mod:`.documents`' own (they read only the
model's attributes, ``next_functions`` and the recorded gradients' arrays); what differs is how a
torch tensor is read (a CPU numpy copy, made only when the app asks for the values) and what a
torch node has to show (its ``_saved_*`` attributes).
"""

from __future__ import annotations

import torch

from gradviz.model.export import tensor_summary
from gradviz.model.graph_model import GraphModel

from . import documents, torch_graph, torch_step_state
from .protocol import contiguous
from .torch_stepping import RecordedGrad, TorchStepper, to_numpy

topology = documents.topology
graph_document = documents.graph_document
step_event = documents.step_event


def build_model(root, namespace: dict, tensors: dict, max_nodes: int | None = None, tracker=None) -> GraphModel:
    return torch_graph.build_model(root, namespace, tensors, tracker, max_nodes)


def new_stepper(root, gradient, zero_grad: bool, model: GraphModel) -> TorchStepper:
    stepper = TorchStepper(root, gradient, zero_grad=zero_grad, retained=getattr(model, "retained", ()))
    for _, attrs in model.graph.nodes(data=True):
        source = attrs.get("source")
        if source and attrs.get("obj") is not None:
            filename, line = source
            stepper.sources[attrs["obj"]] = f"line {line}" if filename.startswith("<") else f"{filename}:{line}"
    return stepper


def _array(value):
    return value._data if isinstance(value, RecordedGrad) else to_numpy(value)


def step_state(model: GraphModel, stepper: TorchStepper) -> dict:
    """Where the replayed backward is, for every node of the model: documents.step_state's answer,
    from an index of the recording made once (torch_step_state.py: a Step on 5,000 nodes)."""
    return torch_step_state.step_state(model, stepper)


def step_state_by_asking(model: GraphModel, stepper: TorchStepper) -> dict:
    """The same answer by asking the stepper about every node (what the index must equal)."""
    all_states = stepper.states()
    return documents.step_state(model, stepper, state_of=lambda obj: all_states.get(obj, "pending"),
                                leaf_type=torch.Tensor)


PARAM_TEXT_LIMIT = 200  # a saved non-tensor value is shown as its repr, cut to this length


def saved_attributes(node) -> list[tuple[str, object]]:
    """``(name, value or the error)`` of each saved value of a torch node: its ``_saved_*``
    attributes (a list of tensors, as ``IndexBackward0`` saves its indices, becomes ``_saved_x[0]``,
    ...; None entries are left out), and a
    custom ``autograd.Function``'s ``saved_tensors`` (``saved_tensors[0]``, ...)."""
    names = [attr for attr in dir(node) if attr.startswith("_saved_")]
    if not names and hasattr(type(node), "saved_tensors"):
        names = ["saved_tensors"]
    found = []
    for attr in names:
        try:
            value = getattr(node, attr)
        except RuntimeError as exc:  # freed by a backward without retain_graph
            found.append((attr, RuntimeError(str(exc).split(".")[0] + ".")))
            continue
        if isinstance(value, (tuple, list)) and any(isinstance(v, torch.Tensor) for v in value) \
                and all(v is None or isinstance(v, torch.Tensor) for v in value):
            found.extend((f"{attr}[{i}]", v) for i, v in enumerate(value) if v is not None)
        else:
            found.append((attr, value))
    return found


def _saved_value(node, attr: str):
    """The value ``saved_attributes`` listed as ``attr`` (``_saved_self``, ``_saved_tensors[2]``)."""
    name, _, index = attr.partition("[")
    if not (name.startswith("_saved_") or name == "saved_tensors"):
        raise ValueError(f"{attr!r} is not a saved tensor of the node")
    value = getattr(node, name)
    return value[int(index.rstrip("]"))] if index else value


def _describe(t) -> dict:
    return {"shape": tuple(int(s) for s in t.shape), "dtype": str(t.dtype),
            "requires_grad": bool(t.requires_grad), "device": str(t.device)}


def node_details(model: GraphModel, node_id: str, stepper=None) -> dict:
    """What the inspector shows about one node; tensors by reference (see resolve_ref)."""
    attrs = model.graph.nodes[node_id]
    obj = attrs.get("obj")
    details = {k: v for k, v in attrs.items() if k != "obj"}
    details["id"] = node_id
    if isinstance(obj, torch.Tensor):
        details["tensor"] = _describe(obj)
        details["value_ref"] = f"node:{node_id}"
        details["grad_ref"] = f"node:{node_id}.grad" if obj.grad is not None else None
        return details
    details["type"] = type(obj).__name__
    details["rule"] = None
    details["next_functions"] = [(model.id_of(child) if child is not None else None, int(nr))
                                 for child, nr in obj.next_functions]
    saved, params = [], []
    for attr, value in saved_attributes(obj):
        if isinstance(value, torch.Tensor):
            saved.append({"name": attr, **_describe(value), "ref": f"saved:{node_id}:{attr}"})
        elif isinstance(value, RuntimeError):
            saved.append({"name": attr, "error": str(value)})
        else:
            text = repr(value)
            if len(text) > PARAM_TEXT_LIMIT:
                text = text[: PARAM_TEXT_LIMIT - 1] + "…"
            params.append((attr[len("_saved_"):], text))
    details["saved"] = saved
    details["params"] = params
    details["metadata"] = {str(k): repr(v) for k, v in dict(obj.metadata).items()}
    if type(obj).__name__ == "AccumulateGrad":
        details["leaf"] = model.id_of(obj.variable)
    if stepper is not None:
        details["state"] = stepper.state_of(obj)
        step = stepper.step_of(obj)
        if step is not None:
            details["received"] = [tensor_summary(g) for g in step.received]
            details["sent"] = [tensor_summary(g) for g in step.sent]
    return details


def resolve_ref(ref: str, model: GraphModel | None, tensors: dict, stepper=None):
    """The tensor (or recorded gradient) a reference names; the refs of documents.resolve_ref."""
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
        if not isinstance(tensor, torch.Tensor):
            raise ValueError(f"node {rest} is an op, not a tensor; its tensors are saved:{rest}:NAME")
    elif kind == "saved":
        node_id, _, attr = rest.partition(":")
        tensor = _saved_value(model.graph.nodes[node_id]["obj"], attr)
        if tensor is not None and not isinstance(tensor, torch.Tensor):
            raise ValueError(f"{attr} of node {node_id} is not a tensor: {tensor!r}")
    elif kind in ("edge", "received"):
        node_id, _, index = rest.partition(":")
        step = stepper.step_of(model.graph.nodes[node_id]["obj"]) if stepper is not None else None
        if step is None:
            raise ValueError(f"node {node_id} has not run in backward yet")
        tensor = (step.sent if kind == "edge" else step.received)[int(index)]
    else:
        raise ValueError(f"unknown reference {ref!r}")
    if grad:
        tensor = stepper.leaf_grad(tensor) if stepper is not None else tensor.grad
    return tensor


def tensor_payload(ref: str, tensor) -> dict:
    if tensor is None:
        return {"ref": ref, "array": None, "shape": None, "dtype": None}
    array = _array(tensor)
    dtype = str(tensor.dtype) if isinstance(tensor, torch.Tensor) else f"torch.{array.dtype.name}"
    payload = {"ref": ref, "array": contiguous(array), "shape": tuple(array.shape), "dtype": dtype}
    if array.size <= 200:
        payload["text"] = repr(tensor)  # torch's own print-out, for the inspector
    return payload
