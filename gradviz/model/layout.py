"""Node positions for a graph: a layered layout for DAGs, and networkx's force/shell layouts.

Units: x and y are in node slots (one slot holds one node box of ``NODE_SIZE``); y grows downward,
so in the layered layout the root is at y=0 and gradients flow down. The scene scales units to
pixels. Every method returns positions with no two node boxes overlapping.

The layered layout (Sugiyama style, see :mod:`gradviz.model.sugiyama`): back edges of a cyclic
display graph (possible after collapsing modules) are reversed first; ranks that minimise total
edge length (networkx min-cost flow up to 1,500 nodes, tightened longest paths above); a dummy node
per rank crossed by a long edge (its route bends), and past the dummy budget one shared "trunk" for
all long edges of a shared end (a weight used by every block); weighted-median sweeps with adjacent
swaps from several starting orders, keeping the best. Up to 3,000 nodes (issue 13, see
:mod:`gradviz.model.sugiyama_place`): parameter branches drawn beside their consumer in its row, x by
one linear program (module boxes disjoint or nested, the main gradient path one vertical line), room
between stacked boxes; larger graphs: ``nx.multipartite_layout`` rows then priority placement.
Rows are ``ROW_PITCH`` (0.88) units apart. A route passes each row it crosses straight down over a
node's height (two points), so its curves turn only between rows; pieces that would still cross a
module box neither end belongs to are moved into a free band (:mod:`gradviz.model.layout_routes`).
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np

from .sugiyama import layered_positions

LAYOUTS = ("layered", "spring", "kamada-kawai", "shell")

# A node box in layout units (width, height); layered rows are one unit apart.
NODE_SIZE = (0.9, 0.5)
# networkx's force layouts are quadratic; past these sizes they would stall the worker for minutes.
MAX_NODES = {"spring": 3000, "kamada-kawai": 1000}


class LayoutCancelled(Exception):
    """Raised when the ``cancelled`` callback asked the layout to stop."""


class LayoutTooLarge(ValueError):
    """The graph is too big for the requested method."""


class Positions(dict):
    """``node id -> (x, y)``; ``routes`` holds the points long edges are drawn through (layered
    layout: a pair a node's height apart on each row crossed, plus any detour points)."""

    routes: dict
    method: str

    def __init__(self, *args, method: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.routes = {}
        self.method = method


Progress = Callable[[float, str], None]


def compute_layout(
    graph: nx.DiGraph,
    method: str = "layered",
    *,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Positions:
    """Positions for every node of ``graph`` by ``method`` (one of :data:`LAYOUTS`).

    ``progress(fraction, message)`` is called now and then; ``cancelled()`` returning True makes the
    computation raise :class:`LayoutCancelled` at the next check.
    """
    if method not in LAYOUTS:
        raise ValueError(f"unknown layout {method!r}; choose one of {', '.join(LAYOUTS)}")
    report = _Reporter(progress, cancelled)
    if graph.number_of_nodes() == 0:
        return Positions()
    limit = MAX_NODES.get(method)
    if limit is not None and graph.number_of_nodes() > limit:
        raise LayoutTooLarge(
            f"the {method} layout is limited to {limit:,} nodes (this graph has "
            f"{graph.number_of_nodes():,}); use the layered layout or collapse modules"
        )
    if method == "layered":
        positions = _layered(graph, report)
    else:
        report(0.05, f"{method} layout")
        if method == "spring":
            raw = nx.spring_layout(graph, seed=7, iterations=80)
        elif method == "kamada-kawai":
            undirected = graph.to_undirected(as_view=True)
            raw = nx.kamada_kawai_layout(undirected) if nx.is_connected(undirected) else nx.spring_layout(graph, seed=7)
        else:
            raw = nx.shell_layout(graph, nlist=_generations(graph))
        report(0.8, "removing overlaps")
        positions = _without_overlaps(graph, raw)
    positions.method = method
    report(1.0, "done")
    return positions


class _Reporter:
    def __init__(self, progress, cancelled) -> None:
        self.progress = progress
        self.cancelled = cancelled

    def __call__(self, fraction: float, message: str) -> None:
        if self.cancelled is not None and self.cancelled():
            raise LayoutCancelled()
        if self.progress is not None:
            self.progress(fraction, message)


# ---- layering ------------------------------------------------------------------------------------


def _acyclic(graph: nx.DiGraph) -> nx.DiGraph:
    """The graph itself when acyclic, else a copy with DFS back edges reversed (deterministic)."""
    if nx.is_directed_acyclic_graph(graph):
        return graph
    dag = nx.DiGraph()
    dag.add_nodes_from(graph.nodes)
    state: dict = {}
    for start in graph.nodes:
        if start in state:
            continue
        stack = [(start, iter(graph.successors(start)))]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            advanced = False
            for child in children:
                if state.get(child) == 1:  # back edge: reverse it
                    dag.add_edge(child, node)
                    continue
                dag.add_edge(node, child)
                if child not in state:
                    state[child] = 1
                    stack.append((child, iter(graph.successors(child))))
                    advanced = True
                    break
            if not advanced:
                state[node] = 2
                stack.pop()
    return dag


def _generations(graph: nx.DiGraph) -> list[list]:
    return [list(g) for g in nx.topological_generations(_acyclic(graph))]


def _layered(graph: nx.DiGraph, report: _Reporter) -> Positions:
    """The Sugiyama-style layout of :mod:`gradviz.model.sugiyama`, on the graph made acyclic."""
    dag = _acyclic(graph)
    # Module paths (the node attribute the scene draws boxes by) keep each module's nodes together.
    modules = {node: module for node, module in graph.nodes(data="module") if module}
    # Parameters (AccumulateGrad nodes) and the main gradient path: side branches and a straight
    # spine (imported here: layout_quality imports this module).
    from .layout_quality import main_path

    accumulators = {node for node, name in graph.nodes(data="name") if str(name or "").endswith("AccumulateGrad")}
    # A weight's transpose (Linear's TBackward0) hangs between its AccumulateGrad and the consumer.
    transposes = {node for node, name in graph.nodes(data="name") if name in ("TBackward0", "TransposeBackward0")}
    # Nodes drawn bigger than a plain box (compact-parameter badges, a fold's cards): the layout
    # keeps module boxes, and routes, clear of what the scene draws (issue 13).
    extents = drawn_extents(graph)
    xy, routes = layered_positions(dag, report, modules, accumulators=accumulators, transposes=transposes,
                                   main=main_path(dag) if dag is graph else [], node_extents=extents)
    positions = Positions()
    for node in graph.nodes:
        positions[node] = xy[node]
    half = NODE_SIZE[1] / 2
    # How far below its centre a row reaches: a node's badge strip hangs under its box.
    below: dict = {}
    for node, (_, _, _, bottom) in extents.items():
        y = xy[node][1]
        below[y] = max(below.get(y, half), bottom / _SLOT_Y)
    for (u, v), route in routes.items():
        # A bend holds its row's height, as a node does: the line passes the row straight down
        # beside the row's nodes and turns only between rows, so it never cuts a node's corner
        # (nor the badge strip under one).
        route = [(x, y + dy) for x, y in route for dy in (-half, below.get(y, half))]
        # Edges reversed to break cycles are stored in the graph's own direction.
        if graph.has_edge(u, v):
            positions.routes[(u, v)] = route
        else:
            positions.routes[(v, u)] = route[::-1]
    # Curves between bend points kept clear of foreign module boxes and nodes (issue 13).
    from .layout_routes import route_around_obstacles

    route_around_obstacles(graph, positions)
    return positions


_SLOT_Y = 92.0  # px per y unit (scene_geometry.SLOT_Y; imported lazily there, it imports this module)


def drawn_extents(graph: nx.DiGraph) -> dict:
    """node -> (left, top, right, bottom) px around its centre, for the nodes the scene draws
    bigger than a plain box (:func:`gradviz.model.scene_geometry.node_extent`: badges, cards)."""
    from .scene_geometry import node_extent

    return {node: node_extent(data) for node, data in graph.nodes(data=True)
            if data.get("badges") or data.get("kind") in ("fold", "module")}


# ---- overlap removal for force layouts -----------------------------------------------------------


def _without_overlaps(graph: nx.DiGraph, raw: dict) -> Positions:
    """Scale a force/shell layout to node slots and push boxes apart until none overlap."""
    from scipy.spatial import cKDTree

    nodes = list(graph.nodes)
    pts = np.array([raw[n] for n in nodes], dtype=float)
    n = len(nodes)
    if n == 1:
        return Positions({nodes[0]: (0.0, 0.0)})
    # Deterministic nudge of coincident points, so every pair has a direction to separate along.
    pts += np.column_stack([np.arange(n), np.arange(n)[::-1]]) * 1e-7
    w, h = NODE_SIZE
    tree = cKDTree(pts)
    nearest, _ = tree.query(pts, k=2)
    typical = float(np.median(nearest[:, 1])) or 1.0
    pts *= 1.3 / typical
    for _ in range(60):
        pairs = cKDTree(pts).query_pairs(r=float(np.hypot(w, h)), output_type="ndarray")
        if len(pairs) == 0:
            break
        pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
        d = pts[pairs[:, 1]] - pts[pairs[:, 0]]
        over_x = w - np.abs(d[:, 0])
        over_y = h - np.abs(d[:, 1])
        hit = (over_x > 0) & (over_y > 0)
        if not hit.any():
            break
        pairs, d, over_x, over_y = pairs[hit], d[hit], over_x[hit], over_y[hit]
        push = np.zeros_like(pts)
        along_x = over_x <= over_y
        sx = np.where(d[:, 0] >= 0, 1.0, -1.0)
        sy = np.where(d[:, 1] >= 0, 1.0, -1.0)
        delta = np.zeros_like(d)
        delta[along_x, 0] = sx[along_x] * (over_x[along_x] / 2 + 1e-3)
        delta[~along_x, 1] = sy[~along_x] * (over_y[~along_x] / 2 + 1e-3)
        np.add.at(push, pairs[:, 1], delta)
        np.add.at(push, pairs[:, 0], -delta)
        pts += push
    # Whatever still overlaps: one uniform scale-up separates every pair (scaling only grows gaps).
    pairs = cKDTree(pts).query_pairs(r=float(np.hypot(w, h)), output_type="ndarray")
    if len(pairs):
        d = np.abs(pts[pairs[:, 1]] - pts[pairs[:, 0]])
        hit = (d[:, 0] < w) & (d[:, 1] < h)
        if hit.any():
            d = d[hit]
            with np.errstate(divide="ignore"):
                need = np.minimum(
                    np.where(d[:, 0] > 0, w / d[:, 0], np.inf), np.where(d[:, 1] > 0, h / d[:, 1], np.inf)
                )
            pts *= float(need.max()) * 1.001
    pts -= pts.min(axis=0)
    return Positions({node: (float(x), float(y)) for node, (x, y) in zip(nodes, pts)})


# ---- quality measures ----------------------------------------------------------------------------


def edge_polylines(graph: nx.DiGraph, positions: dict) -> list[list[tuple[float, float]]]:
    """Each edge as the points it is drawn through: its ends plus any route bends.

    The layered layout's downward edges are drawn from the bottom of the upper box to the top of
    the lower one (their route passes each row it crosses straight down, beside the row's nodes),
    so they start and end there; other edges run between node centres.
    """
    routes = getattr(positions, "routes", {})
    layered = getattr(positions, "method", "layered") == "layered"  # as the scene assumes
    half = NODE_SIZE[1] / 2
    # A node with compact-parameter badges sends its edges from below the badge strip.
    bottoms = {node: extent[3] / _SLOT_Y for node, extent in drawn_extents(graph).items()}
    lines = []
    for u, v in graph.edges:
        (ux, uy), (vx, vy) = positions[u], positions[v]
        if layered and vy > uy:
            lines.append([(ux, uy + bottoms.get(u, half)), *routes.get((u, v), ()), (vx, vy - half)])
        else:
            lines.append([positions[u], *routes.get((u, v), ()), positions[v]])
    return lines


def count_crossings(graph: nx.DiGraph, positions: dict, polylines: list | None = None) -> int:
    """Number of pairs of edge segments that properly intersect (edges sharing a node excluded).

    Edges are drawn as polylines through the layout's route bends when it has them.
    """
    if polylines is None:
        polylines = edge_polylines(graph, positions)
    ends = [(line[0], line[-1]) for line in polylines]
    segs = []
    owner = []
    for k, line in enumerate(polylines):
        for a, b in zip(line, line[1:]):
            segs.append((a[0], a[1], b[0], b[1]))
            owner.append(k)
    if len(segs) < 2:
        return 0
    s = np.array(segs, dtype=float)
    owner_arr = np.array(owner)
    # Edges that share an endpoint node never count as crossing.
    endpoint_ids = []
    node_of = {}
    for (a, b) in ends:
        endpoint_ids.append((node_of.setdefault(a, len(node_of)), node_of.setdefault(b, len(node_of))))
    ep = np.array(endpoint_ids)
    # A sweep over x: with the segments sorted by their left end, the only ones that can cross
    # segment i are the later ones starting left of its right end (a contiguous run), and of
    # those only the ones whose y-ranges meet it. The drawn curves of the 289-node GRU x16 model
    # (tests/model/test_layout_real_models.py) took 5.6 s pair by pair and take 0.36 s so.
    left, right = np.minimum(s[:, 0], s[:, 2]), np.maximum(s[:, 0], s[:, 2])
    order = np.argsort(left, kind="stable")
    s, owner_arr, left, right = s[order], owner_arr[order], left[order], right[order]
    low, high = np.minimum(s[:, 1], s[:, 3]), np.maximum(s[:, 1], s[:, 3])
    reach = np.searchsorted(left, right, side="right")  # segments i+1 .. reach[i]-1 overlap in x
    # The candidate pairs (i, j), i < j < reach[i], in chunks of about a million.
    counts = np.maximum(reach - np.arange(1, len(s) + 1), 0)
    total = 0
    first = 0
    while first < len(s):
        last = int(np.searchsorted(np.cumsum(counts[first:]), 1_000_000)) + first + 1
        rows = np.arange(first, min(last, len(s)))
        i = np.repeat(rows, counts[rows])
        starts = np.repeat(np.cumsum(counts[rows]) - counts[rows], counts[rows])
        j = i + 1 + np.arange(len(i)) - starts
        first = rows[-1] + 1
        keep = (low[j] <= high[i]) & (low[i] <= high[j]) & (owner_arr[i] != owner_arr[j])
        i, j = i[keep], j[keep]
        total += _proper_crossings(s[i], s[j], ep[owner_arr[i]], ep[owner_arr[j]])
    return total


def _proper_crossings(p: np.ndarray, q: np.ndarray, p_ends: np.ndarray, q_ends: np.ndarray) -> int:
    """How many segment pairs (p[k], q[k]) cross at a point inside both (``(x0, y0, x1, y1)``
    rows), not counting pairs whose edges share an endpoint node (``*_ends``: the two node ids)."""
    eps = 1e-9
    ax, ay, bx, by = p.T
    cx, cy, dx, dy = q.T
    d1 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    d2 = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax)
    d3 = (dx - cx) * (ay - cy) - (dy - cy) * (ax - cx)
    d4 = (dx - cx) * (by - cy) - (dy - cy) * (bx - cx)
    proper = ((d1 > eps) & (d2 < -eps) | (d1 < -eps) & (d2 > eps)) & (
        (d3 > eps) & (d4 < -eps) | (d3 < -eps) & (d4 > eps)
    )
    shares = ((q_ends[:, 0] == p_ends[:, 0]) | (q_ends[:, 0] == p_ends[:, 1])
              | (q_ends[:, 1] == p_ends[:, 0]) | (q_ends[:, 1] == p_ends[:, 1]))
    return int(np.count_nonzero(proper & ~shares))


def overlapping_pairs(positions: dict, size: tuple[float, float] = NODE_SIZE) -> list[tuple]:
    """Pairs of nodes whose boxes overlap (for tests and sanity checks)."""
    nodes = list(positions)
    if len(nodes) < 2:
        return []
    pts = np.array([positions[n] for n in nodes], dtype=float)
    w, h = size
    found = []
    for i in range(len(nodes) - 1):
        d = np.abs(pts[i + 1:] - pts[i])
        hits = np.nonzero((d[:, 0] < w - 1e-9) & (d[:, 1] < h - 1e-9))[0]
        found.extend((nodes[i], nodes[i + 1 + j]) for j in hits)
    return found
