"""Inside the kernel, torch backend: walk torch's ``grad_fn`` graph into a GraphModel.

The walk is :mod:`.graph_builder`'s own (the same as the engine's graph), so the result has exactly
the node and edge attributes and ids the engine's graph has; :class:`TorchGraphReader` says how
torch's nodes and tensors are read:

* nodes: ``grad_fn.name()`` (``torch::autograd::AccumulateGrad`` included, labelled by its short
  form as the engine's is), edges from ``next_functions`` with the input index;
* a node's shape and dtype: its first output's, from torch's ``_input_metadata`` (what the node
  receives a gradient for);
* leaves: ``AccumulateGrad.variable``, named by the script's variables and the
  ``named_parameters()`` of the modules in its namespace (``model.fc1.weight``);
* ``module``/``source``: as noted by :class:`gradviz.kernel.torch_run.CreationTracker`.

Unlike the engine's graph there are no "constant" nodes: torch does not say which saved tensor
belongs to an input that needs no gradient (the saved tensors are listed in the node's details).
"""

from __future__ import annotations

from collections import deque

import torch

from gradviz.kernel.graph_builder import (
    GraphModel,
    GraphReader,
    attach_variable_names,
    tensor_names,
)


def _output_meta(node) -> tuple[tuple | None, str | None]:
    """Shape and dtype of a node's first output, from ``_input_metadata`` (what it receives)."""
    try:
        meta = node._input_metadata
    except (AttributeError, RuntimeError):
        return None, None
    if not meta:
        return None, None
    return tuple(int(s) for s in meta[0].shape), str(meta[0].dtype)


def walk_nodes(root_fn) -> list:
    """Every node reachable from ``root_fn`` through ``next_functions``, breadth first."""
    seen = {root_fn}
    order = [root_fn]
    queue = deque([root_fn])
    while queue:
        for child, _ in queue.popleft().next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                order.append(child)
                queue.append(child)
    return order


class TorchGraphReader(GraphReader):
    """torch's graph: a node's shape from its ``_input_metadata``, module and line from the
    :class:`~gradviz.kernel.torch_run.CreationTracker`, ``nn.Parameter`` leaves as parameters."""

    tensor_type = torch.Tensor

    def __init__(self, tracker=None) -> None:
        self.tracker = tracker

    def where(self, node):
        where = self.tracker.where(node) if self.tracker is not None else None
        if where is None:
            return "", None
        module, line = where
        return module, (self.tracker.filename, line) if line is not None else None

    own_meta = staticmethod(_output_meta)

    def is_parameter(self, tensor) -> bool:
        return isinstance(tensor, torch.nn.Parameter)


def build_model(root, namespace: dict, tensors: dict, tracker=None, max_nodes: int | None = None) -> GraphModel:
    """The graph of the torch tensor ``root``, named and labelled as the engine's graph is."""
    reader = TorchGraphReader(tracker)
    model = GraphModel.from_root(root, tensor_names(namespace, reader), max_nodes, reader=reader)
    attach_variable_names(model, tensors, reader)
    # Non-leaf tensors that called retain_grad() and belong to this graph: the stepper replays
    # their .grad as it passes their node (torch_stepping.TorchStepper).
    model.retained = [t for t in tensors.values()
                      if t.grad_fn is not None and t.retains_grad and model.id_of(t.grad_fn) is not None]
    # Module classes for collapsed-module labels; torch paths start with the script variable.
    from gradviz.model.grouping import module_classes

    model.graph.graph["module_classes"] = module_classes(namespace, model.modules(), by_variable=True)
    return model
