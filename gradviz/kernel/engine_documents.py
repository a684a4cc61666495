"""Inside the kernel, engine backend: how :mod:`.documents` reads engine tensors and nodes, and
how the engine's graph and stepper are built."""

from __future__ import annotations

import numpy as np

from engine._tensor import Tensor
from gradviz.kernel.documents import Documents
from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.kernel.graph_builder import GraphModel, attach_variable_names, tensor_names
from gradviz.model.grouping import module_classes


def build_model(root: Tensor, namespace: dict, tensors: dict, max_nodes: int | None = None) -> GraphModel:
    """The graph of ``root``, named and labelled as the app and the export label it."""
    model = GraphModel.from_root(root, tensor_names(namespace), max_nodes=max_nodes)
    attach_variable_names(model, tensors)
    # Module classes, so a collapsed module reads ``blocks.0 · Block`` (gradviz/model/grouping.py).
    model.graph.graph["module_classes"] = module_classes(namespace, model.modules())
    return model


class EngineDocuments(Documents):
    """The engine backend's answers (the reading hooks of :class:`~.documents.Documents`)."""

    def build_model(self, root, namespace, tensors, max_nodes=None, tracker=None) -> GraphModel:
        return build_model(root, namespace, tensors, max_nodes)

    def new_stepper(self, root, gradient, zero_grad, model) -> EngineStepper:
        return EngineStepper(root, None if gradient is None else np.asarray(gradient), zero_grad=zero_grad)

    def is_tensor(self, value) -> bool:
        return isinstance(value, Tensor)

    def grad(self, tensor):
        return tensor._grad

    def describe(self, tensor) -> dict:
        data = tensor._data
        return {"shape": tuple(int(s) for s in data.shape), "dtype": f"torch.{data.dtype.name}",
                "requires_grad": bool(tensor._requires_grad)}

    def saved(self, node) -> list[tuple[str, object]]:
        """The op's saved tensors as ``derivatives.yaml`` names them (``_saved_self``)."""
        found = []
        names = list(getattr(node, "saves", ()) or ())
        if getattr(node, "saves_result", False):
            names.append("result")
        for name in names:
            attr = f"_saved_{name}"
            try:
                found.append((attr, getattr(node, attr)))
            except RuntimeError as exc:  # freed by backward, or modified in place
                found.append((attr, RuntimeError(str(exc).split(".")[0] + ".")))
        return found

    def node_extras(self, node) -> dict:
        rule = getattr(node, "rule", None)
        extras = {
            "rule": rule() if callable(rule) else None,
            "params": [(key, repr(value)) for key, value in vars(node).items()
                       if not key.startswith("_") and key not in ("next_functions", "module", "source", "variable")
                       and not isinstance(value, Tensor)],
        }
        in_meta = getattr(node, "_in_meta", None)
        if in_meta:
            extras["inputs"] = [(tuple(int(n) for n in shape), f"torch.{np.dtype(dtype).name}")
                                for shape, dtype in in_meta]
        return extras
