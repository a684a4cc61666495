"""Inside the kernel, torch backend: how :mod:`.documents` reads torch tensors and nodes.

Every answer is :class:`~.documents.Documents`' own; what differs is how a torch tensor is read (a
CPU numpy copy, made only when the app asks for the values) and what a torch node has to show (its
``_saved_*`` attributes, its metadata).
"""

from __future__ import annotations

import numpy as np
import torch

from gradviz.model.graph_model import GraphModel

from . import documents, torch_graph, torch_step_state
from .documents import Documents
from .torch_stepping import RecordedGrad, TorchStepper, to_numpy


def _sources(model: GraphModel) -> dict:
    """node -> (filename, line) of the forward call that made it, for the stepper's messages."""
    return {attrs["obj"]: attrs["source"] for _, attrs in model.graph.nodes(data=True)
            if attrs.get("source") and attrs.get("obj") is not None}


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


class TorchDocuments(Documents):
    """The torch backend's answers (the reading hooks of :class:`~.documents.Documents`)."""

    @staticmethod
    def step_state(model: GraphModel, stepper: TorchStepper, since: int | None = None) -> dict:
        """:func:`.documents.step_state`'s answer from an index of the recording made once
        (:mod:`.torch_step_state`: a Step on 5,000 nodes); ``step_state_by_asking`` is what it must equal."""
        return torch_step_state.step_state(model, stepper, since)

    def build_model(self, root, namespace, tensors, max_nodes=None, tracker=None) -> GraphModel:
        return torch_graph.build_model(root, namespace, tensors, tracker, max_nodes)

    def new_stepper(self, root, gradient, zero_grad, model) -> TorchStepper:
        stepper = TorchStepper(root, gradient, zero_grad=zero_grad, retained=getattr(model, "retained", ()))
        stepper.sources = _sources(model)
        return stepper

    def is_tensor(self, value) -> bool:
        return isinstance(value, torch.Tensor)

    def grad(self, tensor):
        return tensor.grad

    def array(self, tensor) -> np.ndarray:
        return tensor._data if isinstance(tensor, RecordedGrad) else to_numpy(tensor)

    def dtype_text(self, tensor, array) -> str:
        return str(tensor.dtype) if isinstance(tensor, torch.Tensor) else f"torch.{array.dtype.name}"

    def describe(self, tensor) -> dict:
        return {"shape": tuple(int(s) for s in tensor.shape), "dtype": str(tensor.dtype),
                "requires_grad": bool(tensor.requires_grad), "device": str(tensor.device)}

    saved = staticmethod(saved_attributes)
    saved_value = staticmethod(_saved_value)

    def node_extras(self, node) -> dict:
        return {"type": type(node).__name__, "rule": None,
                "metadata": {str(k): repr(v) for k, v in dict(node.metadata).items()}}


def step_state_by_asking(model: GraphModel, stepper: TorchStepper, since: int | None = None) -> dict:
    """The generic answer, asking the stepper about every node (what the index must equal)."""
    return documents.step_state(model, stepper, since)
