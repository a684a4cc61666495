"""Inside the kernel, torch backend: walk torch's ``grad_fn`` graph into a GraphModel.

The result has exactly the node and edge attributes ``GraphModel.from_root`` gives the engine's
graph (``kind``, ``name``, ``label``, ``shape``, ``dtype``, ``module``, ``source``, ``obj``,
``variable``; edges ``input_index``/``input_indices``), with ids ``n0, t1, ...`` in breadth-first
discovery order, so ``export.to_json``, ``to_dot``, the replica and the layouts work on it unchanged.

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

import networkx as nx
import torch

from gradviz.kernel.graph_builder import GraphModel
from gradviz.model.graph_model import shape_text, short_name


def tensor_names(namespace: dict) -> dict[int, str]:
    """``id(tensor) -> name`` for the script's tensor variables and its modules' parameters."""
    names: dict[int, str] = {}
    for var, value in namespace.items():
        if var.startswith("__"):
            continue
        if isinstance(value, torch.Tensor):
            names.setdefault(id(value), var)
        elif isinstance(value, torch.nn.Module):
            for pname, param in value.named_parameters():
                names.setdefault(id(param), f"{var}.{pname}")
    return names


def _output_meta(node) -> tuple[tuple | None, str | None]:
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


class _TorchBuilder:
    def __init__(self, names: dict, tracker, max_nodes: int | None) -> None:
        self.graph = nx.DiGraph()
        self.ids: dict[int, str] = {}
        self.names = names
        self.tracker = tracker
        self.max_nodes = max_nodes
        self.count = 0
        self.truncated = False
        self.queue: deque = deque()

    def full(self) -> bool:
        return self.max_nodes is not None and self.count >= self.max_nodes

    def _new_id(self, prefix: str) -> str:
        node_id = f"{prefix}{self.count}"
        self.count += 1
        return node_id

    def add_node(self, node) -> str:
        node_id = self._new_id("n")
        self.ids[id(node)] = node_id
        name = node.name()
        shape, dtype = _output_meta(node)
        where = self.tracker.where(node) if self.tracker is not None else None
        module, line = where if where is not None else ("", None)
        self.graph.add_node(
            node_id, kind="grad_fn", name=name, label=short_name(name), shape=shape, dtype=dtype,
            module=module, source=(self.tracker.filename, line) if line is not None else None,
            obj=node, variable=None,
        )
        self.queue.append(node)
        return node_id

    def add_tensor(self, tensor) -> str:
        node_id = self._new_id("t")
        self.ids[id(tensor)] = node_id
        name = self.names.get(id(tensor), "")
        shape = tuple(int(s) for s in tensor.shape)
        self.graph.add_node(
            node_id, kind="tensor", name=name or "tensor", label=f"{name or 'tensor'}\n{shape_text(shape)}",
            shape=shape, dtype=str(tensor.dtype), module="", source=None, obj=tensor,
        )
        return node_id

    def walk(self) -> None:
        graph = self.graph
        while self.queue:
            node = self.queue.popleft()
            node_id = self.ids[id(node)]
            if type(node).__name__ == "AccumulateGrad":
                leaf = node.variable
                leaf_id = self.ids.get(id(leaf))
                if leaf_id is None:
                    if self.full():
                        self.truncated = True
                        continue
                    leaf_id = self.add_tensor(leaf)
                graph.add_edge(node_id, leaf_id, input_index=0)
                graph.nodes[node_id]["shape"] = tuple(int(s) for s in leaf.shape)
                graph.nodes[node_id]["dtype"] = str(leaf.dtype)
                continue
            for index, (child, _nr) in enumerate(node.next_functions):
                if child is None:
                    continue
                child_id = self.ids.get(id(child))
                if child_id is None:
                    if self.full():
                        self.truncated = True
                        continue
                    child_id = self.add_node(child)
                if graph.has_edge(node_id, child_id):
                    graph.edges[node_id, child_id]["input_indices"] += (index,)
                else:
                    graph.add_edge(node_id, child_id, input_index=index, input_indices=(index,))

    def finish(self) -> None:
        graph = self.graph
        for node_id, data in graph.nodes(data=True):
            obj = data["obj"]
            # A parameter's AccumulateGrad belongs to the module whose op uses it (when one does),
            # so collapsing a module hides its parameters too, as in the engine's graph.
            if data["kind"] == "grad_fn" and not data["module"] and type(obj).__name__ == "AccumulateGrad" \
                    and isinstance(obj.variable, torch.nn.Parameter):
                users = {graph.nodes[p]["module"] for p in graph.predecessors(node_id)}
                if len(users) == 1:
                    data["module"] = users.pop()
        for node_id, data in graph.nodes(data=True):
            if data["kind"] == "tensor":
                accs = list(graph.predecessors(node_id))
                if accs:
                    data["module"] = graph.nodes[accs[0]]["module"]
        graph.graph["truncated"] = self.truncated
        graph.graph["total_known"] = self.count


def build_model(root, namespace: dict, tensors: dict, tracker=None, max_nodes: int | None = None) -> GraphModel:
    """The graph of the torch tensor ``root``, named and labelled as the engine's graph is."""
    builder = _TorchBuilder(tensor_names(namespace), tracker, max_nodes)
    root_fn = root.grad_fn
    if root_fn is None:
        root_id = builder.add_tensor(root)
    else:
        root_id = builder.add_node(root_fn)
        builder.walk()
    graph = builder.graph
    graph.graph["root_shape"] = tuple(int(s) for s in root.shape)
    if root_fn is not None:
        graph.nodes[root_id]["shape"] = tuple(int(s) for s in root.shape)
        graph.nodes[root_id]["dtype"] = str(root.dtype)
    builder.finish()
    model = GraphModel(graph, root_id, builder.ids)
    _attach_variable_names(model, tensors)
    # Module classes for collapsed-module labels; torch paths start with the script variable.
    from gradviz.model.grouping import module_classes

    graph.graph["module_classes"] = module_classes(namespace, model.modules(), by_variable=True)
    return model


def _attach_variable_names(model: GraphModel, tensors: dict) -> None:
    """Label each op node with the script variable holding its output (``MulBackward0 → y``)."""
    graph = model.graph
    # Non-leaf tensors that called retain_grad() and belong to this graph: the stepper shows
    # their .grad as the replay passes their node (torch_stepping.TorchStepper.leaf_grad).
    model.retained = [t for t in tensors.values()
                      if t.grad_fn is not None and t.retains_grad and model.id_of(t.grad_fn) is not None]
    for name, tensor in tensors.items():
        fn = tensor.grad_fn
        if fn is None or tensor.output_nr != 0:
            continue
        node_id = model.id_of(fn)
        if node_id is None or graph.nodes[node_id].get("variable"):
            continue
        data = graph.nodes[node_id]
        shape = tuple(int(s) for s in tensor.shape)
        data.update(variable=name, shape=shape, dtype=str(tensor.dtype),
                    label=f"{short_name(data['name'])}\n{name}: {shape_text(shape)}")
