"""Inside the kernel: walk a tensor's backward graph into a :class:`GraphModel`, for both backends.

The walk is the only part of the graph model that touches live objects (each node keeps its Node
or Tensor under ``obj``); the app receives the result as data. Edges point the way gradients flow:
from a grad_fn node to each non-None entry of its ``next_functions``, and from an
``AccumulateGrad`` to the leaf tensor it writes; see :mod:`gradviz.model.graph_model`.

One breadth-first walk serves both backends; a small :class:`GraphReader` says how a library's
nodes and tensors are read (:class:`EngineGraphReader` here; the torch one in
:mod:`.torch_graph`), so both graphs have exactly the same attributes, ids (``n0, t1, ...`` in
discovery order) and shape rules, and ``export.to_json``, the replica and the layouts work on either.
"""

from __future__ import annotations

from collections import deque

import networkx as nx

from engine._graph import AccumulateGrad
from engine._tensor import Tensor
from gradviz.model.graph_model import GraphModel as _GraphData
from gradviz.model.graph_model import dtype_text, shape_text, short_name

__all__ = ["GraphModel", "GraphReader", "EngineGraphReader", "attach_variable_names", "tensor_names"]


class GraphReader:
    """How the walk reads one library's graph. The defaults read what both libraries share."""

    tensor_type: type = object

    def is_accumulate(self, node) -> bool:
        return type(node).__name__ == "AccumulateGrad"

    def where(self, node) -> tuple[str, tuple | None]:
        """``(module path, (filename, line))`` of the forward call that made ``node``."""
        return getattr(node, "module", "") or "", getattr(node, "source", None)

    def own_meta(self, node) -> tuple[tuple | None, str | None]:
        """The shape and dtype of the node's first output, when the node itself says."""
        return None, None

    def input_meta(self, node):
        """``[(shape, dtype), ...]`` of the node's inputs (a child's output shape), or None."""
        return None

    def meta_dtype(self, dtype) -> str:
        return str(dtype)

    def constant(self, node, index: int, names: dict):
        """The tensor to draw for input ``index`` of ``node``, which needs no gradient, or None."""
        return None

    def shape(self, tensor) -> tuple:
        return tuple(int(s) for s in tensor.shape)

    def dtype(self, tensor) -> str:
        return str(tensor.dtype)

    def is_parameter(self, tensor) -> bool:
        raise NotImplementedError

    def output_nr(self, tensor) -> int:
        return tensor.output_nr


class EngineGraphReader(GraphReader):
    """The engine's graph: shapes from a consumer's record of its inputs (``_in_meta``), constants
    from what an op saved, parameters marked ``_is_param``."""

    tensor_type = Tensor

    def is_accumulate(self, node) -> bool:
        return isinstance(node, AccumulateGrad)

    def input_meta(self, node):
        return getattr(node, "_in_meta", None)

    def meta_dtype(self, dtype) -> str:
        return dtype_text(dtype)

    def constant(self, node, index: int, names: dict):
        """An input that needs no gradient, drawn when the op saved it (we can show its value)."""
        inputs = getattr(node, "inputs", ())
        saves = getattr(node, "saves", ())
        saved = node.__dict__.get("_saved")
        if not saved or index >= len(inputs) or inputs[index] not in saves:
            return None
        tensor = saved[saves.index(inputs[index])]
        if tensor._data.ndim == 0 and id(tensor) not in names:
            return None  # a wrapped Python number (x * 2.0): drawing it would only add noise
        return tensor

    def dtype(self, tensor) -> str:
        return dtype_text(tensor._data.dtype)

    def is_parameter(self, tensor) -> bool:
        return bool(getattr(tensor, "_is_param", False))

    def output_nr(self, tensor) -> int:
        return tensor._output_nr


ENGINE = EngineGraphReader()


def tensor_names(namespace: dict, reader: GraphReader = ENGINE) -> dict[int, str]:
    """``id(tensor) -> name`` for a script's tensor variables and its modules' parameters.

    Parameters of an ``nn.Module`` variable ``model`` are named ``model.fc1.weight``.
    """
    names: dict[int, str] = {}
    for var, value in namespace.items():
        if var.startswith("__"):
            continue
        if isinstance(value, reader.tensor_type):
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
    """The graph model with :meth:`from_root`, which walks live tensors (kernel side)."""

    @classmethod
    def from_root(cls, root, names: dict[int, str] | None = None, max_nodes: int | None = None,
                  reader: GraphReader = ENGINE, tracker=None) -> GraphModel:
        """Walk ``root.grad_fn`` breadth first; stop adding nodes after ``max_nodes``.

        When the walk stops early, ``graph.graph["truncated"]`` is True and
        ``graph.graph["total_known"]`` counts the nodes seen so far.
        """
        graph = nx.DiGraph()
        ids: dict[int, str] = {}
        builder = _Builder(graph, ids, names or {}, max_nodes, reader)
        root_node = root.grad_fn
        if root_node is None:
            root_id = builder.add_tensor(root, "tensor")
        else:
            root_id = builder.add_node(root_node)
            builder.walk()
        graph.graph["root_shape"] = reader.shape(root)
        # Output shape of the root's op is the root tensor's own shape.
        if root_node is not None:
            graph.nodes[root_id]["shape"] = reader.shape(root)
            graph.nodes[root_id]["dtype"] = reader.dtype(root)
        builder.finish()
        return cls(graph, root_id, ids)


_short_names: dict[str, str] = {}


class _Builder:
    """Breadth-first walk that assigns ids ``n0, n1, ...`` in discovery order (deterministic)."""

    def __init__(self, graph: nx.DiGraph, ids: dict, names: dict, max_nodes: int | None,
                 reader: GraphReader) -> None:
        self.graph = graph
        self.ids = ids
        self.names = names
        self.max_nodes = max_nodes
        self.reader = reader
        self.count = 0
        self.truncated = False
        self.queue: deque = deque()
        # Output shape of a node, learnt from a consumer's record of its inputs (input_meta).
        self.out_meta: dict[str, tuple] = {}

    def full(self) -> bool:
        return self.max_nodes is not None and self.count >= self.max_nodes

    def _new_id(self, prefix: str) -> str:
        node_id = f"{prefix}{self.count}"
        self.count += 1
        return node_id

    def add_node(self, node) -> str:
        node_id = f"n{self.count}"
        self.count += 1
        self.ids[id(node)] = node_id
        name = node.name()
        module, source = self.reader.where(node)
        shape, dtype = self.reader.own_meta(node)
        # Straight into networkx's adjacency dicts (what DiGraph.add_node does for a new node,
        # without its per-call checks): this runs once per node of a 100,000-node graph.
        graph = self.graph
        graph._node[node_id] = {
            "kind": "grad_fn",
            "name": name,
            "label": _short_names.get(name) or _short_names.setdefault(name, short_name(name)),
            "shape": shape,
            "dtype": dtype,
            "module": module,
            "source": source,
            "obj": node,
            "variable": None,
        }
        graph._succ[node_id] = {}
        graph._pred[node_id] = {}
        self.queue.append(node)
        return node_id

    def add_tensor(self, tensor, kind: str) -> str:
        node_id = self._new_id("t" if kind == "tensor" else "c")
        self.ids[id(tensor)] = node_id
        name = self.names.get(id(tensor), "")
        shape = self.reader.shape(tensor)
        label_name = name or ("constant" if kind == "constant" else "tensor")
        self.graph.add_node(
            node_id,
            kind=kind,
            name=name or label_name,
            label=f"{label_name}\n{shape_text(shape)}",
            shape=shape,
            dtype=self.reader.dtype(tensor),
            module="",
            source=None,
            obj=tensor,
        )
        return node_id

    def walk(self) -> None:
        graph = self.graph
        succ, pred = graph._succ, graph._pred
        queue = self.queue
        reader = self.reader
        is_accumulate, input_meta = reader.is_accumulate, reader.input_meta
        while queue:
            node = queue.popleft()
            node_id = self.ids[id(node)]
            in_meta = input_meta(node)
            if is_accumulate(node):
                leaf = node.variable
                leaf_id = self.ids.get(id(leaf))
                if leaf_id is None:
                    if self.full():
                        self.truncated = True
                        continue
                    leaf_id = self.add_tensor(leaf, "tensor")
                graph.add_edge(node_id, leaf_id, input_index=0)
                data = graph.nodes[node_id]
                data["shape"] = reader.shape(leaf)
                data["dtype"] = reader.dtype(leaf)
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
                out = succ[node_id]
                if child_id in out:
                    # y * y: both inputs come from one node; a DiGraph keeps one edge, so remember both.
                    out[child_id]["input_indices"] += (index,)
                else:  # DiGraph.add_edge between two existing nodes, without its checks
                    out[child_id] = pred[child_id][node_id] = {"input_index": index, "input_indices": (index,)}

    def _maybe_constant(self, node, node_id: str, index: int) -> None:
        """Draw an input that needs no gradient when the reader has a tensor for it."""
        tensor = self.reader.constant(node, index, self.names)
        if tensor is None:
            return
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
                data["dtype"] = self.reader.meta_dtype(np_dtype)
            # A parameter's AccumulateGrad belongs to the module whose op uses it (when only one
            # does), so collapsing a module hides its parameters too; plain inputs stay outside.
            obj = data["obj"]
            if not data["module"] and self.reader.is_accumulate(obj) and self.reader.is_parameter(obj.variable):
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


def attach_variable_names(model: GraphModel, tensors: dict, reader: GraphReader = ENGINE) -> None:
    """Label each op node with the script variable holding its output (``MulBackward0 → y``)."""
    graph = model.graph
    for name, tensor in tensors.items():
        fn = tensor.grad_fn
        if fn is None or reader.output_nr(tensor) != 0:
            continue
        node_id = model.id_of(fn)
        if node_id is None:
            continue
        data = graph.nodes[node_id]
        if data.get("variable"):
            continue
        shape = reader.shape(tensor)
        data["variable"] = name
        data["shape"] = shape
        data["dtype"] = reader.dtype(tensor)
        data["label"] = f"{short_name(data['name'])}\n{name}: {shape_text(shape)}"
