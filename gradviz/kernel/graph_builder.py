"""Inside the kernel: walk an engine tensor's backward graph into a :class:`GraphModel`.

The walk is the only part of the graph model that touches engine objects (each node keeps its
engine Node or Tensor under ``obj``); the app receives the result as data. Edges point the way
gradients flow: from a grad_fn node to each non-None entry of its ``next_functions``, and from an
``AccumulateGrad`` to the leaf tensor it writes; see :mod:`gradviz.model.graph_model`.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from engine._graph import AccumulateGrad, Node
from engine._tensor import Tensor
from gradviz.model.graph_model import GraphModel as _GraphData
from gradviz.model.graph_model import dtype_text, shape_text, short_name

__all__ = ["GraphModel", "attach_variable_names", "tensor_names"]


def tensor_names(namespace: dict) -> dict[int, str]:
    """``id(tensor) -> name`` for a script's tensor variables and its modules' parameters.

    Parameters of an ``nn.Module`` variable ``model`` are named ``model.fc1.weight``.
    """
    names: dict[int, str] = {}
    for var, value in namespace.items():
        if var.startswith("__"):
            continue
        if isinstance(value, Tensor):
            names.setdefault(id(value), var)
        named_parameters = getattr(value, "named_parameters", None)
        if callable(named_parameters) and not isinstance(value, type):
            try:
                for pname, param in named_parameters():
                    names.setdefault(id(param), f"{var}.{pname}")
            except Exception:  # noqa: BLE001 - a user object with an odd named_parameters
                pass
    return names


class GraphModel(_GraphData):
    """The graph model with :meth:`from_root`, which walks live engine tensors (kernel side)."""

    # ---- building ------------------------------------------------------------------------------
    @classmethod
    def from_root(
        cls,
        root: Tensor,
        names: dict[int, str] | None = None,
        max_nodes: int | None = None,
    ) -> GraphModel:
        """Walk ``root.grad_fn`` breadth first; stop adding nodes after ``max_nodes``.

        When the walk stops early, ``graph.graph["truncated"]`` is True and
        ``graph.graph["total_known"]`` counts the nodes seen so far.
        """
        names = names or {}
        graph = nx.DiGraph()
        ids: dict[int, str] = {}
        builder = _Builder(graph, ids, names, max_nodes)
        root_node = root.grad_fn
        if root_node is None:
            root_id = builder.add_tensor(root, "tensor")
        else:
            root_id = builder.add_node(root_node)
            builder.walk(root_node)
        graph.graph["root_shape"] = tuple(root.shape)
        # Output shape of the root's op is the root tensor's own shape.
        if root_node is not None:
            graph.nodes[root_id]["shape"] = tuple(root.shape)
            graph.nodes[root_id]["dtype"] = dtype_text(root._data.dtype)
        builder.finish()
        return cls(graph, root_id, ids)



class _Builder:
    """Breadth-first walk that assigns ids ``n0, n1, ...`` in discovery order (deterministic)."""

    def __init__(self, graph: nx.DiGraph, ids: dict, names: dict, max_nodes: int | None) -> None:
        self.graph = graph
        self.ids = ids
        self.names = names
        self.max_nodes = max_nodes
        self.count = 0
        self.truncated = False
        self.queue: deque[Node] = deque()
        # Output shape of a node, learnt from a consumer's record of its inputs (_in_meta).
        self.out_meta: dict[str, tuple] = {}

    def full(self) -> bool:
        return self.max_nodes is not None and self.count >= self.max_nodes

    def _new_id(self, prefix: str) -> str:
        node_id = f"{prefix}{self.count}"
        self.count += 1
        return node_id

    def add_node(self, node: Node) -> str:
        node_id = self._new_id("n")
        self.ids[id(node)] = node_id
        name = node.name()
        self.graph.add_node(
            node_id,
            kind="grad_fn",
            name=name,
            label=short_name(name),
            shape=None,
            dtype=None,
            module=getattr(node, "module", "") or "",
            source=getattr(node, "source", None),
            obj=node,
            variable=None,
        )
        self.queue.append(node)
        return node_id

    def add_tensor(self, tensor: Tensor, kind: str) -> str:
        node_id = self._new_id("t" if kind == "tensor" else "c")
        self.ids[id(tensor)] = node_id
        name = self.names.get(id(tensor), "")
        shape = tuple(tensor.shape)
        label_name = name or ("constant" if kind == "constant" else "tensor")
        self.graph.add_node(
            node_id,
            kind=kind,
            name=name or label_name,
            label=f"{label_name}\n{shape_text(shape)}",
            shape=shape,
            dtype=dtype_text(tensor._data.dtype),
            module="",
            source=None,
            obj=tensor,
        )
        return node_id

    def walk(self, root: Node) -> None:
        graph = self.graph
        queue = self.queue
        while queue:
            node = queue.popleft()
            node_id = self.ids[id(node)]
            in_meta = getattr(node, "_in_meta", None)
            if isinstance(node, AccumulateGrad):
                leaf = node.variable
                leaf_id = self.ids.get(id(leaf))
                if leaf_id is None:
                    if self.full():
                        self.truncated = True
                        continue
                    leaf_id = self.add_tensor(leaf, "tensor")
                graph.add_edge(node_id, leaf_id, input_index=0)
                data = graph.nodes[node_id]
                data["shape"] = tuple(leaf.shape)
                data["dtype"] = dtype_text(leaf._data.dtype)
                continue
            for index, (child, _output_nr) in enumerate(node.next_functions):
                if child is None:
                    self._maybe_constant(node, node_id, index)
                    continue
                child_id = self.ids.get(id(child))
                if child_id is None:
                    if self.full():
                        self.truncated = True
                        continue
                    child_id = self.add_node(child)
                if in_meta is not None and index < len(in_meta) and _output_nr == 0:
                    self.out_meta.setdefault(child_id, in_meta[index])
                if graph.has_edge(node_id, child_id):
                    # y * y: both inputs come from one node; a DiGraph keeps one edge, so remember both.
                    graph.edges[node_id, child_id]["input_indices"] += (index,)
                else:
                    graph.add_edge(node_id, child_id, input_index=index, input_indices=(index,))

    def _maybe_constant(self, node: Node, node_id: str, index: int) -> None:
        """Show an input that needs no gradient when the op saved it (we can show its value)."""
        inputs = getattr(node, "inputs", ())
        saves = getattr(node, "saves", ())
        saved = node.__dict__.get("_saved")
        if not saved or index >= len(inputs) or inputs[index] not in saves:
            return
        tensor = saved[saves.index(inputs[index])]
        if tensor._data.ndim == 0 and id(tensor) not in self.names:
            return  # a wrapped Python number (x * 2.0): drawing it would only add noise
        const_id = self.ids.get(id(tensor))
        if const_id is None:
            if self.full():
                self.truncated = True
                return
            const_id = self.add_tensor(tensor, "constant")
        self.graph.add_edge(node_id, const_id, input_index=index, constant=True)
        # A constant belongs to the module of the op that uses it (collapses with it).
        data = self.graph.nodes[const_id]
        if not data["module"]:
            data["module"] = self.graph.nodes[node_id]["module"]

    def finish(self) -> None:
        graph = self.graph
        for node_id, data in graph.nodes(data=True):
            if data["kind"] != "grad_fn":
                continue
            if data["shape"] is None and node_id in self.out_meta:
                shape, np_dtype = self.out_meta[node_id]
                data["shape"] = tuple(shape)
                data["dtype"] = dtype_text(np_dtype)
            # A parameter's AccumulateGrad belongs to the module whose op uses it (when only one
            # does), so collapsing a module hides its parameters too; plain inputs stay outside.
            obj = data["obj"]
            if not data["module"] and isinstance(obj, AccumulateGrad) and getattr(obj.variable, "_is_param", False):
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


def attach_variable_names(model: GraphModel, tensors: dict[str, Tensor]) -> None:
    """Label each op node with the script variable holding its output (``MulBackward0 → y``)."""
    graph = model.graph
    for name, tensor in tensors.items():
        fn = tensor.grad_fn
        if fn is None or tensor._output_nr != 0:
            continue
        node_id = model.id_of(fn)
        if node_id is None:
            continue
        data = graph.nodes[node_id]
        if data.get("variable"):
            continue
        data["variable"] = name
        data["shape"] = tuple(tensor.shape)
        data["dtype"] = dtype_text(tensor._data.dtype)
        data["label"] = f"{short_name(data['name'])}\n{name}: {shape_text(tensor.shape)}"


