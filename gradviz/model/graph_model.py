"""A backward graph as a networkx DiGraph the views can lay out and draw (no engine here: the graph
is built from live tensors in the kernel, :mod:`gradviz.kernel.graph_builder`, and reaches the app as
data, :class:`gradviz.kernel.replica.GraphReplica`).

Edges point the way gradients flow: from a grad_fn node to each non-None entry of its
``next_functions``, and from an ``AccumulateGrad`` to the leaf tensor it writes. Inputs that need no
gradient (``(None, 0)`` in next_functions) become faint "constant" nodes when the op saved them
(except unnamed 0-d tensors, i.e. wrapped Python numbers), so the user sees e.g. the target of a loss; their edges carry ``constant=True``. When several inputs of
a node come from the same node (``y * y``) the one edge lists them all in ``input_indices``.
"""

from __future__ import annotations

import networkx as nx

KINDS = ("grad_fn", "tensor", "constant", "module")


def shape_text(shape) -> str:
    """``(2, 3)`` as ``2×3``; a scalar as ``scalar``."""
    if shape is None:
        return ""
    if len(shape) == 0:
        return "scalar"
    return "×".join(str(s) for s in shape)


def short_name(name: str) -> str:
    """Display form of a node name: PyTorch calls AccumulateGrad ``torch::autograd::AccumulateGrad``."""
    return name.rpartition("::")[2]


def dtype_text(np_dtype) -> str:
    """``torch.float32`` for a numpy dtype."""
    return f"torch.{np_dtype.name}" if np_dtype is not None else ""


class GraphModel:
    """A snapshot of the backward graph reachable from one root tensor."""

    def __init__(self, graph: nx.DiGraph, root_id: str, ids: dict[int, str]) -> None:
        self.graph = graph
        self.root_id = root_id
        self._ids = ids

    # ---- queries -------------------------------------------------------------------------------
    def id_of(self, obj) -> str | None:
        """The node id of an engine Node or Tensor, or None when it is not in the graph."""
        return self._ids.get(id(obj))

    def modules(self) -> list[str]:
        """Every module path present, including the parents of nested paths, sorted."""
        found: set[str] = set()
        for _, module in self.graph.nodes(data="module"):
            if module:
                parts = module.split(".")
                for i in range(1, len(parts) + 1):
                    found.add(".".join(parts[:i]))
        return sorted(found)

    def top_modules(self) -> list[str]:
        """The outermost module paths (what a big graph collapses to)."""
        return sorted({m.split(".")[0] for m in self.modules()})

    @property
    def truncated(self) -> bool:
        return bool(self.graph.graph.get("truncated"))

    def __len__(self) -> int:
        return self.graph.number_of_nodes()

    # ---- collapsing module groups --------------------------------------------------------------
    def collapsed(self, modules: set[str] | frozenset[str]) -> nx.DiGraph:
        """The display graph with ``modules`` merged (see :func:`collapse_modules`)."""
        return collapse_modules(self.graph, modules)


def collapse_modules(graph: nx.DiGraph, modules: set[str] | frozenset[str]) -> nx.DiGraph:
    """A display graph where every node inside a collapsed module is merged into one node.

    The merged node has id ``"module:<path>"``, kind "module", ``members`` (the node ids it
    stands for) and ``count``. Edges between members disappear; edges across the boundary are
    kept once. With no collapsed modules this is the graph itself (not a copy).
    """
    if not modules:
        return graph
    owner: dict[str, str] = {}
    for node_id, module in graph.nodes(data="module"):
        group = _collapsed_owner(module, modules)
        if group is not None:
            owner[node_id] = "module:" + group
    display = nx.DiGraph(**graph.graph)
    members: dict[str, list[str]] = {}
    for node_id, data in graph.nodes(data=True):
        group = owner.get(node_id)
        if group is None:
            display.add_node(node_id, **data)
        else:
            if group not in members:
                members[group] = []
                display.add_node(group)
            members[group].append(node_id)
    for group, ids in members.items():
        path = group[len("module:"):]
        display.nodes[group].update(
            kind="module",
            name=path,
            label=f"{path}\n{len(ids)} nodes",
            shape=None,
            dtype=None,
            module=path.rpartition(".")[0] if "." in path else "",
            source=None,
            obj=None,
            members=ids,
            count=len(ids),
        )
    for u, v, data in graph.edges(data=True):
        a, b = owner.get(u, u), owner.get(v, v)
        if a != b and not display.has_edge(a, b):
            display.add_edge(a, b, **data)
    return display


def _collapsed_owner(module: str, collapsed) -> str | None:
    """The outermost collapsed module containing ``module``, or None."""
    if not module:
        return None
    parts = module.split(".")
    for i in range(1, len(parts) + 1):
        prefix = ".".join(parts[:i])
        if prefix in collapsed:
            return prefix
    return None


def display_graph(model: GraphModel, collapsed=frozenset(), max_nodes: int | None = None) -> tuple[nx.DiGraph, int]:
    """The graph to draw: modules in ``collapsed`` merged, then at most ``max_nodes`` nodes.

    Nodes are kept in breadth-first order from the root (the graph's node order), so a capped
    drawing shows the part nearest the output. Returns the graph and how many nodes were left out.
    """
    graph = collapse_modules(model.graph, set(collapsed))
    total = graph.number_of_nodes()
    if max_nodes is None or total <= max_nodes:
        return graph, 0
    keep = []
    for node in graph.nodes:
        keep.append(node)
        if len(keep) >= max_nodes:
            break
    return graph.subgraph(keep).copy(), total - len(keep)
