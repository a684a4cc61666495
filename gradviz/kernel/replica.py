"""The app's side of a kernel graph: a GraphModel look-alike and a stepper look-alike made of data.

:class:`GraphReplica` rebuilds, from a ``graph()`` answer, the networkx graph the kernel's
``GraphModel`` holds (same node and edge order, same attributes), so a layout computed here equals
the in-process one; in place of each engine object (``obj``) it stores the node id, and
:meth:`GraphReplica.id_of` maps an id to itself. :class:`StepSnapshot` answers the questions
``GraphScene.apply_step_state`` asks of a stepper from a ``step_state()`` answer. Neither imports
engine or Qt.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx


class GraphReplica:
    """``graph``, ``root_id``, ``id_of``, ``modules`` and ``document`` of one kernel graph.

    ``fetch_document``: for an answer asked without its document (``graph(root, document=False)``),
    a function that asks the kernel for it; :attr:`document` calls it the first time it is read.
    The app draws from the topology alone, so a new graph is on screen without waiting for the
    document (0.2-0.5 s of kernel time at 5,000 nodes); it then lists the steps run by the time
    it is read (an export asks the kernel for an up-to-date answer anyway).
    """

    def __init__(self, answer: Mapping, fetch_document=None) -> None:
        topo = answer["topology"]
        graph = nx.DiGraph(**topo["graph"])
        # Filled through networkx's own adjacency dicts (what add_node/add_edge do, without their
        # per-call checks): half the time on a 100,000-node graph, the same graph.
        node_attrs, succ, pred = graph._node, graph._succ, graph._pred
        keys = topo["node_keys"]
        for node_id, (index, values) in zip(topo["node_ids"], topo["node_rows"]):
            attrs = dict(zip(keys[index], values))
            attrs["obj"] = node_id
            node_attrs[node_id] = attrs
            succ[node_id] = {}
            pred[node_id] = {}
        keys = topo["edge_keys"]
        topo_edges = []
        for u, v, index, values in topo["edge_rows"]:
            attrs = dict(zip(keys[index], values))
            succ[u][v] = attrs
            pred[v][u] = attrs
            topo_edges.append((u, v, attrs))
        self.graph = graph
        self.root_id: str = topo["root_id"]
        self._document: dict | None = answer["document"]
        self._fetch_document = fetch_document
        # Every edge with repeats (``x * x`` twice), as the document and DOT list them.
        if self._document is not None:
            self.edges = [(e["source"], e["target"], {k: v for k, v in e.items() if k in ("input_index", "constant")})
                          for e in self._document["edges"]]
        else:  # asked without the document (an image export, the app): the same edges, from the topology
            self.edges = [(u, v, {"input_index": i, **({"constant": True} if a.get("constant") else {})})
                          for u, v, a in topo_edges for i in (a.get("input_indices") or (a.get("input_index", 0),))]

    @property
    def document(self) -> dict | None:
        """The graph document (README schema; None when asked without it and nothing can fetch it)."""
        if self._document is None and self._fetch_document is not None:
            fetch, self._fetch_document = self._fetch_document, None
            self._document = fetch()
        return self._document

    def id_of(self, obj) -> str | None:
        return obj if isinstance(obj, str) and obj in self.graph else None

    def modules(self) -> list[str]:
        found: set[str] = set()
        for _, module in self.graph.nodes(data="module"):
            if module:
                parts = module.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        return sorted(found)

    @property
    def truncated(self) -> bool:
        return bool(self.graph.graph.get("truncated"))

    def __len__(self) -> int:
        return self.graph.number_of_nodes()


def with_positions(document: dict, positions: Mapping | None) -> dict:
    """The document with each node's ``x``/``y`` from ``positions`` (as ``export.to_json`` sets them)."""
    from gradviz.model.export import _json_number

    nodes = []
    for node in document["nodes"]:
        node = dict(node)
        if positions and node["id"] in positions:
            x, y = positions[node["id"]]
            node["x"], node["y"] = _json_number(float(x)), _json_number(float(y))
        nodes.append(node)
    return {**document, "nodes": nodes}


class ArrayGradient:
    """A gradient received from the kernel, shaped like what ``stepper.grad_summary`` reads
    (``._data``), so the scene labels an edge the same way it labels a live tensor."""

    __slots__ = ("_data",)

    def __init__(self, array) -> None:
        self._data = array

    @property
    def shape(self):
        return self._data.shape


class StepSnapshot:
    """The state of backward at one position, with the stepper queries the graph scene uses."""

    def __init__(self, state: Mapping) -> None:
        self.position: int = state["position"]
        self.at_end: bool = state["at_end"]
        self.current_node: str | None = state["current"]
        self.note: str | None = state.get("note")
        self.pause_reason: str | None = state.get("pause_reason")
        self._states = state["states"]
        self._waiting = state["waiting"]
        self._index = state["step_index"]
        self._edges = state["edge_grads"]
        self._leaves = state["leaf_grads"]
        # The current node's gradients for the Backward panel's table (documents.current_detail).
        self.detail: dict | None = state.get("detail")

    def state_of(self, node_id: str) -> str:
        return self._states.get(node_id, "pending")

    def waiting_count(self, node_id: str) -> int:
        return self._waiting.get(node_id, 0)

    def step_index(self, node_id) -> int | None:
        return self._index.get(node_id)

    def edge_gradient(self, node_id: str, index: int):
        array = self._edges.get((node_id, index))
        return None if array is None else ArrayGradient(array)

    def leaf_grad(self, node_id: str):
        array = self._leaves.get(node_id)
        return None if array is None else ArrayGradient(array)
