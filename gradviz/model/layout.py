"""Node positions for a graph: a layered layout for DAGs, and networkx's force/shell layouts.

Units: x and y are in node slots (one slot holds one node box of ``NODE_SIZE``); y grows downward,
so in the layered layout the root is at y=0 and gradients flow down. The scene scales units to
pixels. Every method returns positions with no two node boxes overlapping.

The layered layout (Sugiyama style):
1. layers from topological generations (root at the top); back edges of a cyclic display graph
   (possible after collapsing modules) are reversed first;
2. long edges get a dummy node in every layer they cross, so crossings are counted and edges routed;
3. crossing reduction: barycentre sweeps down and up, then adjacent-swap ("transpose") passes,
   keeping the best order seen;
4. ``nx.multipartite_layout`` gives each layer's packed grid in that deterministic order;
5. x refinement: each node is pulled towards the mean x of its neighbours, solved exactly per layer
   as an isotonic regression (order and minimum separations kept).
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np

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
    """``node id -> (x, y)``; ``routes`` holds the bend points of long edges (layered layout)."""

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


def _layers(dag: nx.DiGraph) -> dict:
    """Layer of each node: the longest path from a source, so every edge points downward."""
    layer: dict = {}
    for node in nx.topological_sort(dag):
        preds = list(dag.predecessors(node))
        layer[node] = 1 + max(layer[p] for p in preds) if preds else 0
    return layer


class _Dummy(tuple):
    """A bend point of a long edge: ``(u, v, k)`` for the k-th layer crossed by edge u -> v."""


def _layered(graph: nx.DiGraph, report: _Reporter) -> Positions:
    report(0.0, "layering")
    dag = _acyclic(graph)
    layer = _layers(dag)
    # Depth-first preorder from the roots keeps subtrees together, a good start for the sweeps.
    sources = [n for n in dag.nodes if dag.in_degree(n) == 0]
    preorder = []
    seen: set = set()
    for source in sources:
        for node in nx.dfs_preorder_nodes(dag, source):
            if node not in seen:
                seen.add(node)
                preorder.append(node)
    index = {node: i for i, node in enumerate(preorder)}
    order_key = {node: (layer[node], index[node]) for node in graph.nodes}
    levels: list[list] = [[] for _ in range(max(layer.values()) + 1)]
    for node in sorted(graph.nodes, key=order_key.__getitem__):
        levels[layer[node]].append(node)
    # Adjacency between consecutive layers, with dummies on long edges.
    down: dict = {node: [] for node in graph.nodes}
    up: dict = {node: [] for node in graph.nodes}
    chains: dict = {}
    # Shared weights (one AccumulateGrad used in every layer) make edges spanning the whole graph:
    # routing them all would need a quadratic number of dummies. Past a budget the longest edges
    # are drawn directly and left out of crossing reduction.
    budget = 4 * graph.number_of_nodes() + 100
    spans = sorted(dag.edges, key=lambda e: (layer[e[1]] - layer[e[0]], index[e[0]], index[e[1]]))
    routed = set()
    for u, v in spans:
        cost = layer[v] - layer[u] - 1
        if cost > budget:
            break
        budget -= cost
        routed.add((u, v))
    for u, v in dag.edges:
        span = layer[v] - layer[u]
        if (u, v) not in routed:
            down[u].append(v)
            up[v].append(u)
            continue
        previous = u
        chain = []
        for k in range(1, span):
            dummy = _Dummy((u, v, k))
            levels[layer[u] + k].append(dummy)
            down[dummy] = []
            up[dummy] = []
            down[previous].append(dummy)
            up[dummy].append(previous)
            chain.append(dummy)
            previous = dummy
        down[previous].append(v)
        up[v].append(previous)
        if chain:
            chains[(u, v)] = chain
    # A dummy starts next to where its edge's lower end sits in the preorder.
    for level in levels:
        level.sort(key=lambda n: (index[n[1]], 1) if isinstance(n, _Dummy) else (index[n], 0))
    report(0.15, "reducing crossings")
    levels = _reduce_crossings(levels, down, up, report)
    report(0.75, "placing nodes")
    xs = _initial_grid(levels)
    xs = _refine_x(levels, down, up, xs)
    positions = Positions()
    for node in graph.nodes:
        positions[node] = (float(xs[node]), float(layer[node]))
    for (u, v), chain in chains.items():
        route = [(float(xs[d]), float(layer[u] + d[2])) for d in chain]
        # Edges reversed to break cycles are stored in the graph's own direction.
        key = (u, v) if graph.has_edge(u, v) else (v, u)
        positions.routes[key] = route if key == (u, v) else route[::-1]
    return positions


# ---- crossing reduction --------------------------------------------------------------------------


def _layer_crossings(upper: list, lower_pos: dict, down: dict) -> int:
    """Crossings between two adjacent layers: inversions among edges sorted by their upper end."""
    targets = []
    for node in upper:
        targets.extend(sorted(lower_pos[c] for c in down[node] if c in lower_pos))
    return _inversions(targets)


def _inversions(values: list[int]) -> int:
    """Pairs i < j with values[i] > values[j], by a Fenwick tree."""
    if len(values) < 2:
        return 0
    size = max(values) + 2
    tree = [0] * (size + 1)
    count = 0
    seen = 0
    for value in values:
        i = value + 1
        # number already seen with a value <= this one
        not_greater = 0
        j = i
        while j > 0:
            not_greater += tree[j]
            j -= j & -j
        count += seen - not_greater
        j = i
        while j <= size:
            tree[j] += 1
            j += j & -j
        seen += 1
    return count


def _total_crossings(levels: list[list], down: dict) -> int:
    total = 0
    for i in range(len(levels) - 1):
        lower_pos = {node: k for k, node in enumerate(levels[i + 1])}
        total += _layer_crossings(levels[i], lower_pos, down)
    return total


def _reduce_crossings(levels: list[list], down: dict, up: dict, report: _Reporter) -> list[list]:
    """Barycentre sweeps (with transposition on smaller graphs); the best order seen wins."""
    size = sum(len(level) for level in levels)
    sweeps = 24 if size < 2000 else 6 if size < 20000 else 2
    transpose = size < 3000
    best = [list(level) for level in levels]
    best_count = _total_crossings(levels, down)
    stale = 0
    for sweep in range(sweeps):
        if best_count == 0 or stale >= 4:
            break
        report(0.15 + 0.5 * sweep / sweeps, f"reducing crossings (sweep {sweep + 1} of {sweeps})")
        for i in range(1, len(levels)):
            _sort_by_barycentre(levels[i], levels[i - 1], up)
        for i in range(len(levels) - 2, -1, -1):
            _sort_by_barycentre(levels[i], levels[i + 1], down)
        if transpose:
            _transpose(levels, down, up)
        count = _total_crossings(levels, down)
        if count < best_count:
            best_count = count
            best = [list(level) for level in levels]
            stale = 0
        else:
            stale += 1
    return best


def _sort_by_barycentre(level: list, fixed: list, neighbours: dict) -> None:
    pos = {node: k for k, node in enumerate(fixed)}
    keys = {}
    for k, node in enumerate(level):
        linked = [pos[n] for n in neighbours[node] if n in pos]
        # Nodes without neighbours in the fixed layer keep their place.
        keys[node] = sum(linked) / len(linked) if linked else float(k)
    level.sort(key=keys.__getitem__)  # stable: ties keep the previous order (deterministic)


def _pair_crossings(a, b, neighbours: dict, pos: dict) -> int:
    """Crossings between edges of a and b (a left of b) towards one adjacent layer."""
    count = 0
    pb = [pos[n] for n in neighbours[b] if n in pos]
    for x in (pos[n] for n in neighbours[a] if n in pos):
        for y in pb:
            if x > y:
                count += 1
    return count


def _transpose(levels: list[list], down: dict, up: dict) -> None:
    """Swap adjacent nodes while that lowers crossings with both neighbouring layers."""
    positions = [{node: k for k, node in enumerate(level)} for level in levels]
    improved = True
    rounds = 0
    while improved and rounds < 8:
        improved = False
        rounds += 1
        for i, level in enumerate(levels):
            above = positions[i - 1] if i > 0 else {}
            below = positions[i + 1] if i + 1 < len(levels) else {}
            for k in range(len(level) - 1):
                a, b = level[k], level[k + 1]
                now = _pair_crossings(a, b, up, above) + _pair_crossings(a, b, down, below)
                swapped = _pair_crossings(b, a, up, above) + _pair_crossings(b, a, down, below)
                if swapped < now:
                    level[k], level[k + 1] = b, a
                    positions[i][a], positions[i][b] = k + 1, k
                    improved = True


# ---- coordinates ---------------------------------------------------------------------------------


def _separation(a, b) -> float:
    """Minimum centre distance between neighbours in a layer: real nodes need a full slot."""
    dummies = isinstance(a, _Dummy) + isinstance(b, _Dummy)
    return (1.0, 0.6, 0.3)[dummies]


def _initial_grid(levels: list[list]) -> dict:
    """Packed, centred rows in the chosen order, from networkx's multipartite layout."""
    grid = nx.Graph()
    subsets = {}
    for i, level in enumerate(levels):
        subsets[i] = list(range(len(grid), len(grid) + len(level)))
        grid.add_nodes_from(subsets[i])
    raw = nx.multipartite_layout(grid, subset_key=subsets, align="horizontal", scale=1.0)
    xs = {}
    widest = max(len(level) for level in levels)
    # multipartite_layout rescales to [-1, 1]; undo that so neighbours are one slot apart.
    unit = 1.0
    if widest > 1:
        row = max(subsets.values(), key=len)
        unit = abs(raw[row[1]][0] - raw[row[0]][0]) or 1.0
    for i, level in enumerate(levels):
        for node, key in zip(level, subsets[i]):
            xs[node] = float(raw[key][0]) / unit
    return xs


def _isotonic_place(desired: list[float], gaps: list[float]) -> list[float]:
    """Positions closest (least squares) to ``desired`` with x[i+1] - x[i] >= gaps[i].

    Substituting y_i = x_i - offset_i turns the constraints into y non-decreasing: pool adjacent
    violators solves that exactly in linear time.
    """
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    targets = [d - o for d, o in zip(desired, offsets)]
    blocks: list[list[float]] = []  # [mean, weight]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2 = blocks.pop()
            m1, w1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    ys = []
    for mean, weight in blocks:
        ys.extend([mean] * int(weight))
    return [y + o for y, o in zip(ys, offsets)]


def _refine_x(levels: list[list], down: dict, up: dict, xs: dict) -> dict:
    size = sum(len(level) for level in levels)
    passes = 8 if size < 5000 else 3
    order = list(range(len(levels)))
    for p in range(passes):
        sweep = order if p % 2 == 0 else order[::-1]
        for i in sweep:
            level = levels[i]
            desired = []
            for node in level:
                linked = [xs[n] for n in up[node]] + [xs[n] for n in down[node]]
                # Dummies pull harder so long edges run straight.
                desired.append(sum(linked) / len(linked) if linked else xs[node])
            gaps = [_separation(level[k], level[k + 1]) for k in range(len(level) - 1)]
            for node, x in zip(level, _isotonic_place(desired, gaps)):
                xs[node] = x
    # Shift so the leftmost node sits at x = 0.
    left = min(xs.values())
    return {node: x - left for node, x in xs.items()}


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
    """Each edge as the points it is drawn through: its ends plus any route bends."""
    routes = getattr(positions, "routes", {})
    lines = []
    for u, v in graph.edges:
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
    total = 0
    for i in range(len(s) - 1):
        rest = s[i + 1:]
        ax, ay, bx, by = s[i]
        cx, cy, dx, dy = rest[:, 0], rest[:, 1], rest[:, 2], rest[:, 3]
        d1 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
        d2 = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax)
        d3 = (dx - cx) * (ay - cy) - (dy - cy) * (ax - cx)
        d4 = (dx - cx) * (by - cy) - (dy - cy) * (bx - cx)
        eps = 1e-9
        proper = ((d1 > eps) & (d2 < -eps) | (d1 < -eps) & (d2 > eps)) & (
            (d3 > eps) & (d4 < -eps) | (d3 < -eps) & (d4 > eps)
        )
        other = owner_arr[i + 1:]
        mine = owner_arr[i]
        shares = (
            (ep[other, 0] == ep[mine, 0])
            | (ep[other, 0] == ep[mine, 1])
            | (ep[other, 1] == ep[mine, 0])
            | (ep[other, 1] == ep[mine, 1])
        )
        total += int(np.count_nonzero(proper & (other != mine) & ~shares))
    return total


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
