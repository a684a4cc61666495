"""The layered (Sugiyama-style) layout of a DAG, used by :func:`gradviz.model.layout.compute_layout`.

Steps, each its own function:

1. ranks with the least total edge length (network simplex, as dot; on huge graphs a longest-path
   ranking that is then tightened): short edges mean few dummy nodes and few crossings;
2. every edge spanning several ranks gets a dummy node on each rank it crosses, so all edges join
   adjacent ranks (the dummies become the edge's route bends). Past a dummy budget (shared
   weights: edges from every layer to one AccumulateGrad), the long edges of a shared end run
   along one trunk, a single dummy chain, instead of one chain each;
3. ordering: weighted-median sweeps down and up, each followed by adjacent swaps ("transpose"),
   from a few deterministic starting orders; the order with the fewest crossings wins;
4. x coordinates: rows packed by ``nx.multipartite_layout`` in that order, then the priority
   method: row by row, nodes move to the mean x of their neighbours in the row just placed,
   dummies first (long edges run straight), then nodes with more links; a node never passes a
   node placed before it, and minimum gaps are kept. Trunk dummies follow only their trunk;
   With modules (clusters, as dot's): after each sweep every module's nodes are gathered into one
   block per row, modules ordered alike in every row by their members' mean place, and swaps
   stay inside a module; after placement, modules shift right until sibling boxes whose rows
   overlap take disjoint x ranges (nested modules nest);
5. with trunks, the drawing with those edges as straight lines competes, and the one with fewer
   crossings (the app's own counter) is kept.

Everything is deterministic: ties keep the graph's node order.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np

# Distance between rows in layout units: the scene draws a unit as 92 px, so rows are 81 px apart
# (35 px between 46 px boxes, as dot's default ranksep of 0.5 in = 36 pt).
ROW_PITCH = 0.88
# Minimum centre distances between row neighbours: real nodes need a full slot, bends much less.
GAP_NODE, GAP_MIXED, GAP_DUMMY = 1.0, 0.6, 0.3
# A trunk segment carrying k edges counts as min(k, cap) edges in crossing reduction: enough to
# keep other edges from crossing it, without lists growing with the square of the depth.
TRUNK_WEIGHT_CAP = 4

Report = Callable[[float, str], None]


class Dummy(tuple):
    """A bend point of a long edge: ``(u, v, k)`` for the k-th rank crossed by edge u -> v, or
    ``(hub, inward, r)`` for a trunk's bend on rank r."""


def layered_positions(dag: nx.DiGraph, report: Report, modules: dict | None = None, *,
                      accumulators: set | None = None, transposes: set = frozenset(),
                      main: list | None = None, node_extents: dict | None = None) -> tuple[dict, dict]:
    """``(positions, routes)`` for an acyclic ``dag``.

    ``modules`` maps nodes to dotted module paths ("encoder.0"); nodes of one module are kept
    together as Graphviz dot keeps a cluster: contiguous in every row, and the boxes around
    different modules (nested ones nest) take disjoint x ranges where their rows overlap.

    positions: node -> (x, rank); routes: (u, v) -> [(x, y), ...] bend points of each edge that
    spans more than one rank (one per rank crossed; an edge along a trunk has no bends inside
    the trunk's vertical runs).

    ``accumulators`` (AccumulateGrad nodes) mark parameter branches, drawn beside their consumer;
    ``main`` (the main gradient path) is kept one vertical line. Both apply to graphs small enough
    for the linear-program placement (:mod:`gradviz.model.sugiyama_place`). ``node_extents``
    (node -> (left, top, right, bottom) px as the scene draws it, where not a plain box: compact
    parameter badges, a fold's cards) give module boxes room from the rows above and below.
    """
    from . import sugiyama_place as place

    full = dag
    branches: dict = {}
    if accumulators and dag.number_of_nodes() <= place.LP_MAX_NODES:
        branches = place.side_branches(dag, accumulators, modules or {}, transposes, main or [])
        if branches:
            dag = dag.copy()
            dag.remove_nodes_from([n for pair in branches.values() for chain in pair for n in chain])
    result = _layered(dag, report, modules, main or [], branches, node_extents or {})
    if branches and not any((modules or {}).values()):
        # Without module boxes nothing is pushed apart by branches below their consumer: keep
        # whichever drawing is smaller (a 6-node chain is smaller as one column).
        def quiet(_fraction: float, _message: str) -> None:
            report(0.96, "comparing parameter placements")

        plain = _layered(full, quiet, modules, main or [], {}, node_extents or {})
        with_branches = _with_branches(result, branches, full)
        if _area(plain[0]) < _area(with_branches[0]):
            return plain
        return with_branches
    if branches:
        return _with_branches(result, branches, full)
    return result


def _area(positions: dict) -> float:
    xs = [x for x, _ in positions.values()]
    ys = [y for _, y in positions.values()]
    return (max(xs) - min(xs) + 1.0) * (max(ys) - min(ys) + 1.0)


def _with_branches(result: tuple, branches: dict, full: nx.DiGraph) -> tuple[dict, dict]:
    """Put each consumer's side branches back beside it, in its row."""
    if branches:
        positions, routes = result
        for consumer, (right, left) in branches.items():
            x, y = positions[consumer]
            for sign, chain in ((1, right), (-1, left)):
                for k, node in enumerate(chain, start=1):
                    positions[node] = (x + sign * k * GAP_NODE, y)
        # Keep the graph's node order in the result.
        result = ({node: positions[node] for node in full.nodes}, routes)
    return result


def _layered(dag: nx.DiGraph, report: Report, modules: dict | None, main: list, branches: dict,
             node_extents: dict) -> tuple[dict, dict]:
    report(0.0, "layering")
    rank = _ranks(dag)
    paths = _module_paths(dag, modules or {})
    net = _Network(dag, rank, paths=paths)
    net.extents = [(0.0, 0.0)] * len(net.nodes)
    for consumer, (right, left) in branches.items():
        net.extents[net.index[consumer]] = (len(left) * GAP_NODE, len(right) * GAP_NODE)
    net.main = [n for n in main if n in net.index]
    net.node_extents = {net.index[n]: e for n, e in node_extents.items() if n in net.index}
    best = _drawing(net, report)
    if net.trunks and net.real <= COMPARE_MAX_NODES:
        # Keep the best found: the same drawing with the trunks' edges as straight lines (the
        # layout before trunks existed) competes, counted by the app's own crossing counter.
        def quiet(_fraction: float, _message: str) -> None:
            report(0.95, "comparing long-edge routings")

        other = _Network(dag, rank, trunks=False, paths=paths)
        other.extents, other.main = net.extents[:other.real] + [(0.0, 0.0)] * (len(other.nodes) - other.real), net.main
        other.node_extents = {other.index[n]: e for n, e in node_extents.items() if n in other.index}
        straight = _drawing(other, quiet)
        if _drawn_crossings(dag, *straight) < _drawn_crossings(dag, *best):
            best = straight
    return best


def _module_paths(dag: nx.DiGraph, modules: dict) -> dict:
    """node -> its module path as a tuple of names (``()`` outside every module)."""
    return {node: tuple(modules[node].split(".")) if modules.get(node) else () for node in dag.nodes}


# Past this many nodes, counting every pair of drawn segments costs more than the layout itself.
COMPARE_MAX_NODES = 1500


def _drawing(net: _Network, report: Report) -> tuple[dict, dict]:
    """Order and place the network: ``(positions, routes)`` of the real nodes and long edges."""
    report(0.1, "reducing crossings")
    levels = _order(net, report)
    report(0.75, "placing nodes")
    from . import sugiyama_place as place

    extents = getattr(net, "extents", None) or [(0.0, 0.0)] * len(net.nodes)
    extents = extents + [(0.0, 0.0)] * (len(net.nodes) - len(extents))
    xs = None
    if len(net.nodes) <= place.LP_MAX_NODES:
        xs = place.lp_place(net, levels, extents, _main_links(net))
    if xs is None:
        xs = _place_x(net, levels, report)
    else:
        left = min(xs)
        xs = [x - left for x in xs]
    ys = place.stacked_rows(net, xs, extents, ROW_PITCH) if net.clustered else [ROW_PITCH * r for r in range(net.depth)]
    positions = {node: (xs[i], ys[net.rank[i]]) for i, node in enumerate(net.nodes) if i < net.real}
    routes = {}
    for (u, v), chain in net.chains.items():
        routes[(u, v)] = [(xs[d], ys[net.rank[d]]) for d in chain]
    for edge, route in _trunk_routes(net, xs).items():
        routes[edge] = [(x, ys[int(r)]) for x, r in route]
    return positions, routes


def _main_links(net: _Network) -> set:
    """Network links (a, b) along the main gradient path (through the bends of its long edges)."""
    links = set()
    main = getattr(net, "main", [])
    for u, v in zip(main, main[1:]):
        chain = [net.index[u], *net.chains.get((u, v), ()), net.index[v]]
        links.update(zip(chain, chain[1:]))
    return links


def _drawn_crossings(dag: nx.DiGraph, positions: dict, routes: dict) -> int:
    """Crossings of the drawing as :func:`gradviz.model.layout.count_crossings` counts them."""
    # Imported here: layout imports this module at load time.
    from .layout import count_crossings

    polylines = [[positions[u], *routes.get((u, v), ()), positions[v]] for u, v in dag.edges]
    return count_crossings(dag, positions, polylines)


def _trunk_routes(net: _Network, xs: list[float]) -> dict:
    """Routes of the edges running along trunks: a trunk's bends from where the edge joins it to
    where it leaves, without the bends inside vertical runs (an edge per trunk member repeating
    every rank of a trunk as long as the graph is deep would make the routes quadratic)."""
    from bisect import bisect_left, bisect_right

    routes = {}
    turns = []
    for chain in net.trunks:
        x = [xs[d] for d in chain]
        turns.append([k for k in range(len(chain))
                      if k == 0 or k == len(chain) - 1 or not x[k - 1] == x[k] == x[k + 1]])
    for (u, v), (t, first, last) in net.trunk_routes.items():
        chain, kept = net.trunks[t], turns[t]
        inner = kept[bisect_right(kept, first):bisect_left(kept, last)]
        bends = [first, *inner, last] if last > first else [first]
        routes[(u, v)] = [(xs[chain[k]], float(net.rank[chain[k]])) for k in bends]
    return routes


# ---- ranks ---------------------------------------------------------------------------------------


# networkx's network simplex is pure Python: quick up to this size, many seconds at 5,000 nodes.
OPTIMAL_RANKS_MAX_NODES = 1500


def _ranks(dag: nx.DiGraph) -> dict:
    """Rank (row) of every node, 0 at the top; every edge points to a higher rank."""
    if dag.number_of_nodes() <= OPTIMAL_RANKS_MAX_NODES:
        rank = _shortest_total_ranks(dag)
    else:
        rank = _tightened_longest_path_ranks(dag)
    top = min(rank.values())
    return {node: r - top for node, r in rank.items()}


def _shortest_total_ranks(dag: nx.DiGraph) -> dict:
    """Ranks with the least total edge length (as Graphviz dot ranks): fewest dummy nodes.

    Minimising sum(r[v] - r[u]) subject to r[v] - r[u] >= 1 is the dual of a min-cost flow: each
    edge carries flow at cost -1, each node needs (in-degree - out-degree) units. Ranks are the
    negated node potentials of the optimal flow: shortest distances in its residual graph, where
    an edge with flow can be walked backwards at cost +1 (so it comes out tight, length 1).
    """
    flow_net = nx.DiGraph()
    for node in dag.nodes:
        flow_net.add_node(node, demand=dag.in_degree(node) - dag.out_degree(node))
    flow_net.add_edges_from(dag.edges, weight=-1)
    _, flow = nx.network_simplex(flow_net)
    residual = nx.DiGraph()
    residual.add_nodes_from(dag.nodes)
    for u, v in dag.edges:
        residual.add_edge(u, v, weight=-1)
        if flow[u][v] > 0:
            residual.add_edge(v, u, weight=1)
    source = _Source()
    residual.add_edges_from(((source, node) for node in dag.nodes), weight=0)
    distance = nx.single_source_bellman_ford_path_length(residual, source)
    return {node: -distance[node] for node in dag.nodes}


class _Source:
    """A virtual node joined to every node (cannot collide with any node id)."""


def _tightened_longest_path_ranks(dag: nx.DiGraph) -> dict:
    """Longest path from the sources, then nodes with more successors than predecessors sink."""
    order = list(nx.topological_sort(dag))
    rank: dict = {}
    for node in order:
        preds = list(dag.predecessors(node))
        rank[node] = 1 + max(rank[p] for p in preds) if preds else 0
    # The total edge length changes by (in-degree - out-degree) per rank a node moves down, so a
    # node with more successors than predecessors gains by sinking. Bottom-up, so chains follow.
    for _ in range(8):
        moved = False
        for node in reversed(order):
            succs = list(dag.successors(node))
            if succs and len(succs) > dag.in_degree(node):
                lowest = min(rank[s] for s in succs) - 1
                if lowest > rank[node]:
                    rank[node] = lowest
                    moved = True
        if not moved:
            break
    return rank


class _Network:
    """The DAG with dummy nodes, as integer ids: reals ``0..real-1`` (graph order), then dummies.

    ``up[i]`` / ``down[i]`` list the neighbours of i in the rows above / below; a neighbour listed
    k times stands for k edges drawn along the same segment (a trunk, below), so crossing counts
    and medians weigh it as such.
    """

    def __init__(self, dag: nx.DiGraph, rank: dict, trunks: bool = True, paths: dict | None = None) -> None:
        self.nodes: list = list(dag.nodes)
        # Module path of every id; a dummy belongs to the innermost module holding both ends of its
        # edge (as dot keeps an edge inside a cluster inside its box), a trunk's to the innermost
        # module holding the hub and all its members' far ends.
        paths = paths or {}
        self.path: list[tuple] = [paths.get(n, ()) for n in self.nodes]
        self.clustered = any(self.path)
        # Cluster path -> its sort key among its siblings (set by ordering, used by placement).
        self.cluster_keys: dict = {}
        self.real = len(self.nodes)
        index = {node: i for i, node in enumerate(self.nodes)}
        self.index = index
        self.rank: list[int] = [rank[n] for n in self.nodes]
        self.up: list[list[int]] = [[] for _ in self.nodes]
        self.down: list[list[int]] = [[] for _ in self.nodes]
        self.chains: dict = {}
        # Trunks as their dummies top to bottom; each member edge's (trunk, first, last) indices.
        self.trunks: list[list[int]] = []
        self.trunk_routes: dict = {}
        # Shared weights (one AccumulateGrad used in every layer) make edges spanning the whole
        # graph: routing them all would need a quadratic number of dummies. Past a budget the
        # longest edges are not routed one by one.
        budget = 4 * self.real + 100
        spans = sorted(dag.edges, key=lambda e: (rank[e[1]] - rank[e[0]], index[e[0]], index[e[1]]))
        routed = set()
        for u, v in spans:
            cost = rank[v] - rank[u] - 1
            if cost > budget:
                break
            budget -= cost
            routed.add((u, v))
        # Instead, the long edges of their shared end share one trunk: a single chain of dummies
        # along which they all run (as dot's edge concentration), so they take part in crossing
        # reduction and get bends, at a cost linear in the depth.
        unrouted = [e for e in dag.edges if e not in routed and rank[e[1]] - rank[e[0]] > 1]
        trunk_members = self._trunks(dag, rank, unrouted, routed) if trunks and unrouted else []
        for u, v in dag.edges:
            if (u, v) in routed:  # every edge joining adjacent ranks is (it costs no dummy)
                self._add_chain(u, v, rank)
        for hub, inward, members in trunk_members:
            self._add_trunk(hub, inward, members, rank)
        # Long edges in neither are drawn straight and left out of crossing reduction.
        self.depth = max(self.rank) + 1

    def _link(self, a: int, b: int, weight: int = 1) -> None:
        self.down[a].extend([b] * weight)
        self.up[b].extend([a] * weight)

    def _dummy(self, key: tuple, r: int, path: tuple = ()) -> int:
        self.nodes.append(Dummy(key))
        self.path.append(path)
        self.rank.append(r)
        self.up.append([])
        self.down.append([])
        return len(self.nodes) - 1

    def _add_chain(self, u, v, rank: dict) -> None:
        """Edge u -> v with its own dummy on every rank it crosses."""
        previous = self.index[u]
        chain = []
        path = _common_prefix(self.path[previous], self.path[self.index[v]])
        for k in range(1, rank[v] - rank[u]):
            dummy = self._dummy((u, v, k), rank[u] + k, path)
            self._link(previous, dummy)
            chain.append(dummy)
            previous = dummy
        self._link(previous, self.index[v])
        if chain:
            self.chains[(u, v)] = chain

    def _trunks(self, dag: nx.DiGraph, rank: dict, unrouted: list, routed: set) -> list:
        """``(hub, inward, members)`` for each trunk: the long edges into (or out of) one hub.

        Each unrouted edge goes to the trunk of whichever end has more unrouted edges; a trunk
        then also collects its hub's routed long edges on that side. Trunks stay within a second
        dummy budget; edges left over are drawn straight.
        """
        into: dict = {}
        out_of: dict = {}
        for u, v in unrouted:
            into.setdefault(v, []).append((u, v))
            out_of.setdefault(u, []).append((u, v))
        hubs = set()
        for u, v in unrouted:
            inward = len(into[v]) >= len(out_of[u])
            hubs.add((v, True) if inward else (u, False))
        index = self.index
        # Busiest hubs first; graph order breaks ties (deterministic).
        ordered = sorted(hubs, key=lambda h: (-len((into if h[1] else out_of)[h[0]]), index[h[0]], h[1]))
        budget = 4 * self.real + 100
        taken: set = set()
        result = []
        for hub, inward in ordered:
            edges = dag.in_edges(hub) if inward else dag.out_edges(hub)
            members = [e for e in edges if rank[e[1]] - rank[e[0]] > 1 and e not in taken]
            if not members:
                continue
            far = [rank[u] for u, _ in members] if inward else [rank[v] for _, v in members]
            cost = (rank[hub] - min(far) - 1) if inward else (max(far) - rank[hub] - 1)
            if cost > budget:
                continue
            budget -= cost
            taken.update(members)
            routed.difference_update(members)
            result.append((hub, inward, members))
        return result

    def _add_trunk(self, hub, inward: bool, members: list, rank: dict) -> None:
        """One dummy per rank between the hub and its farthest member; members join at their rank."""
        h = self.index[hub]
        far_end = [u for u, _ in members] if inward else [v for _, v in members]
        far_ranks = [rank[n] for n in far_end]
        if inward:
            ranks = range(min(far_ranks) + 1, rank[hub])
        else:
            ranks = range(rank[hub] + 1, max(far_ranks))
        # A trunk inside one module (a loop's shared weights) runs inside its box.
        path = self.path[h]
        for n in far_end:
            path = _common_prefix(path, self.path[self.index[n]])
        trunk = {r: self._dummy((hub, inward, r), r, path) for r in ranks}

        def weight(count: int) -> int:
            return min(count, TRUNK_WEIGHT_CAP)

        # ending[r]: members whose far end is at rank r; running sums give each segment's load.
        ending: dict = {}
        for fr in far_ranks:
            ending[fr] = ending.get(fr, 0) + 1
        chain = [trunk[r] for r in ranks]
        self.trunks.append(chain)
        first = ranks[0]
        if inward:
            passing = 0
            for r in ranks:
                passing += ending.get(r - 1, 0)
                below = trunk[r + 1] if r + 1 in trunk else h
                self._link(trunk[r], below, weight(passing))
            for u, v in members:
                self._link(self.index[u], trunk[rank[u] + 1])
                self.trunk_routes[(u, v)] = (len(self.trunks) - 1, rank[u] + 1 - first, len(chain) - 1)
        else:
            passing = len(members)
            self._link(h, chain[0], weight(passing))
            for r in ranks:
                passing -= ending.get(r + 1, 0)
                if r + 1 in trunk:
                    self._link(trunk[r], trunk[r + 1], weight(passing))
            for u, v in members:
                self._link(trunk[rank[v] - 1], self.index[v])
                self.trunk_routes[(u, v)] = (len(self.trunks) - 1, 0, rank[v] - 1 - first)

    def is_dummy(self, i: int) -> bool:
        return i >= self.real


def _common_prefix(a: tuple, b: tuple) -> tuple:
    k = 0
    while k < len(a) and k < len(b) and a[k] == b[k]:
        k += 1
    return a[:k]


# ---- ordering ------------------------------------------------------------------------------------


def _depth_first_levels(net: _Network, downward: bool) -> list[list[int]]:
    """Rows in depth-first preorder from the sources (or from the sinks, going up)."""
    nexts = net.down if downward else net.up
    starts = [i for i in range(len(net.nodes)) if not (net.up if downward else net.down)[i]]
    seen = [False] * len(net.nodes)
    levels: list[list[int]] = [[] for _ in range(net.depth)]
    for start in starts:
        if seen[start]:
            continue
        seen[start] = True
        stack = [start]
        while stack:
            node = stack.pop()
            levels[net.rank[node]].append(node)
            for child in reversed(nexts[node]):
                if not seen[child]:
                    seen[child] = True
                    stack.append(child)
    return levels


def _breadth_first_levels(net: _Network) -> list[list[int]]:
    seen = [False] * len(net.nodes)
    queue = [i for i in range(len(net.nodes)) if not net.up[i]]
    for i in queue:
        seen[i] = True
    levels: list[list[int]] = [[] for _ in range(net.depth)]
    for node in queue:  # grows while iterating
        levels[net.rank[node]].append(node)
        for child in net.down[node]:
            if not seen[child]:
                seen[child] = True
                queue.append(child)
    return levels


def _schedule(size: int) -> tuple[int, int, int, int]:
    """(starting orders, passes per start, passes without gain before giving up, transpose rounds)
    for a network of ``size`` nodes and dummies: thorough when small, bounded when huge."""
    if size <= 1500:
        return 3, 24, 6, 100
    if size <= 12000:
        return 1, 8, 3, 8
    return 1, 3, 2, 0


def _order(net: _Network, report: Report) -> list[list[int]]:
    """Rows in the order with the fewest crossings found.

    Each starting order is improved by passes until ``patience`` passes bring no gain; then, as
    dot does, the best order found so far gets one more round of passes.
    """
    starts_wanted, iterations, patience, transpose_rounds = _schedule(len(net.nodes))
    makers = [lambda: _depth_first_levels(net, True), lambda: _depth_first_levels(net, False),
              lambda: _breadth_first_levels(net)]
    rounds = starts_wanted + (1 if starts_wanted > 1 else 0)
    best: list[list[int]] = []
    best_count = -1
    best_keys: dict = {}
    for r in range(rounds):
        levels = makers[r]() if r < starts_wanted else [list(level) for level in best]
        pos = _positions(net, levels)
        keys = _group_clusters(net, levels, pos) if r < starts_wanted else best_keys
        count = _crossings(net, levels, pos)
        if best_count < 0 or count < best_count:
            best, best_count, best_keys = [list(level) for level in levels], count, keys
        stale = 0
        for it in range(iterations):
            if best_count == 0 or stale >= patience:
                break
            report(0.1 + 0.6 * (r * iterations + it) / (rounds * iterations),
                   f"reducing crossings (round {r + 1} of {rounds}, pass {it + 1})")
            # Alternate direction every pass; every other pair of passes breaks ties the other way,
            # which lets equal-median groups and equal-crossing swaps move out of local minima.
            tie_flip = it % 4 >= 2
            _median_sweep(net, levels, pos, downward=it % 2 == 0, tie_flip=tie_flip)
            # Modules: the rows ordered freely, then each module's nodes gathered into one block.
            keys = _group_clusters(net, levels, pos)
            if transpose_rounds:
                _transpose(net, levels, pos, transpose_rounds, swap_ties=tie_flip)
            count = _crossings(net, levels, pos)
            if count < best_count:
                best, best_count, best_keys, stale = [list(level) for level in levels], count, keys, 0
            else:
                stale += 1
    if transpose_rounds:
        # A last strict transpose on the winner (never makes it worse).
        pos = _positions(net, best)
        _transpose(net, best, pos, transpose_rounds, swap_ties=False)
    net.cluster_keys = best_keys
    return best


def _cluster_element(keys: dict, path: tuple) -> tuple:
    """Sort element of a module among its siblings (the path breaks ties: never equal)."""
    return ((keys[path], path), 0)


def _group_clusters(net: _Network, levels: list[list[int]], pos: list[int]) -> dict:
    """Gather every module's nodes into one block per row, in the same order in every row.

    Each module's key is the mean relative place of its members across all rows, so a module's
    block lands where its members were drawn; modules are ordered by key among their siblings (in
    every row alike: their boxes never interleave), and nodes keep their relative order. Nested
    modules nest. Returns the keys (placement keeps the blocks apart by them).
    """
    if not net.clustered:
        return {}
    total: dict = {}
    count: dict = {}
    for level in levels:
        width = len(level)
        for k, node in enumerate(level):
            path = net.path[node]
            where = (k + 0.5) / width
            for j in range(1, len(path) + 1):
                prefix = path[:j]
                total[prefix] = total.get(prefix, 0.0) + where
                count[prefix] = count.get(prefix, 0) + 1
    keys = {prefix: total[prefix] / count[prefix] for prefix in total}
    for level in levels:
        width = len(level)

        def sort_key(k: int, level=level, width=width) -> tuple:
            path = net.path[level[k]]
            own = (((k + 0.5) / width, ()), 1, k)
            return (*(_cluster_element(keys, path[:j]) for j in range(1, len(path) + 1)), own)

        level[:] = [level[k] for k in sorted(range(width), key=sort_key)]
        for k, node in enumerate(level):
            pos[node] = k
    return keys


def _positions(net: _Network, levels: list[list[int]]) -> list[int]:
    pos = [0] * len(net.nodes)
    for level in levels:
        for k, node in enumerate(level):
            pos[node] = k
    return pos


def _median_value(ps: list[int]) -> float:
    """Weighted median of sorted neighbour positions (leans towards the denser side when even)."""
    m = len(ps)
    half = m // 2
    if m % 2:
        return float(ps[half])
    if m == 2:
        return (ps[0] + ps[1]) / 2
    left = ps[half - 1] - ps[0]
    right = ps[-1] - ps[half]
    if left + right == 0:
        return (ps[half - 1] + ps[half]) / 2
    return (ps[half - 1] * right + ps[half] * left) / (left + right)


def _median_sweep(net: _Network, levels: list[list[int]], pos: list[int], downward: bool, tie_flip: bool) -> None:
    rows = range(1, len(levels)) if downward else range(len(levels) - 2, -1, -1)
    neighbours = net.up if downward else net.down
    for i in rows:
        level = levels[i]
        keyed = []
        free_slots = []
        for k, node in enumerate(level):
            linked = sorted(pos[n] for n in neighbours[node])
            if linked:
                # Median first, barycentre next, then the current place (or its reverse).
                keyed.append((_median_value(linked), sum(linked) / len(linked), -k if tie_flip else k, node))
                free_slots.append(k)
        # Nodes with no neighbour in the fixed row keep their slot; the others fill the rest.
        keyed.sort()
        for slot, entry in zip(free_slots, keyed):
            level[slot] = entry[3]
        for k, node in enumerate(level):
            pos[node] = k


def _pair_crossings(a: int, b: int, neighbours: list[list[int]], pos: list[int]) -> int:
    """Crossings between the edges of a and of b towards one adjacent row, a left of b."""
    count = 0
    pb = [pos[n] for n in neighbours[b]]
    if not pb:
        return 0
    for n in neighbours[a]:
        x = pos[n]
        for y in pb:
            if x > y:
                count += 1
    return count


def _transpose(net: _Network, levels: list[list[int]], pos: list[int], max_rounds: int, swap_ties: bool) -> None:
    """Swap adjacent nodes while that lowers crossings with both neighbouring rows.

    With ``swap_ties`` a swap that leaves the count equal (and non-zero) is made too, which walks
    along plateaus; rounds continue only while some swap strictly gained (so this ends). Only rows
    next to a changed row are revisited.
    """
    up, down = net.up, net.down
    # With modules, only nodes of the same module swap (blocks stay whole and in order).
    paths = net.path if net.clustered else None
    dirty = [True] * len(levels)
    for _ in range(max_rounds):
        changed = [False] * len(levels)
        improved = False
        for i, level in enumerate(levels):
            if not dirty[i]:
                continue
            for k in range(len(level) - 1):
                a, b = level[k], level[k + 1]
                if paths is not None and paths[a] != paths[b]:
                    continue
                now = _pair_crossings(a, b, up, pos) + _pair_crossings(a, b, down, pos)
                if now == 0:
                    continue
                swapped = _pair_crossings(b, a, up, pos) + _pair_crossings(b, a, down, pos)
                if swapped < now or (swap_ties and swapped == now):
                    level[k], level[k + 1] = b, a
                    pos[a], pos[b] = k + 1, k
                    changed[i] = True
                    improved = improved or swapped < now
        if not improved:
            break
        dirty = [changed[i] or (i > 0 and changed[i - 1]) or (i + 1 < len(levels) and changed[i + 1])
                 for i in range(len(levels))]


def _crossings(net: _Network, levels: list[list[int]], pos: list[int]) -> int:
    """Crossings between all adjacent rows (inversions among each row pair's edges)."""
    total = 0
    for level in levels[:-1]:
        upper, lower = [], []
        for node in level:
            for child in net.down[node]:
                upper.append(pos[node])
                lower.append(pos[child])
        total += _inversions(upper, lower)
    return total


def _inversions(upper: list[int], lower: list[int]) -> int:
    """Pairs of edges (a, b), (c, d) with a < c and b > d."""
    m = len(upper)
    if m < 2:
        return 0
    if m <= 3000:
        a = np.asarray(upper)
        b = np.asarray(lower)
        return int(np.count_nonzero((a[:, None] < a[None, :]) & (b[:, None] > b[None, :])))
    # Large rows: Fenwick tree over edges sorted by upper end (then lower end).
    values = [b for _, b in sorted(zip(upper, lower))]
    size = max(values) + 2
    tree = [0] * (size + 1)
    count = 0
    for seen, value in enumerate(values):
        j = value + 1
        not_greater = 0
        while j > 0:
            not_greater += tree[j]
            j -= j & -j
        count += seen - not_greater
        j = value + 1
        while j <= size:
            tree[j] += 1
            j += j & -j
    return count


# ---- x coordinates -------------------------------------------------------------------------------


def _gap(net: _Network, a: int, b: int) -> float:
    dummies = (a >= net.real) + (b >= net.real)
    extents = getattr(net, "extents", None)
    # Side branches drawn beside a node widen it (see sugiyama_place.side_branches).
    room = extents[a][1] + extents[b][0] if extents and a < len(extents) and b < len(extents) else 0.0
    return (GAP_NODE, GAP_MIXED, GAP_DUMMY)[dummies] + room


def _initial_grid(net: _Network, levels: list[list[int]]) -> list[float]:
    """Packed, centred rows in the chosen order, from networkx's multipartite layout."""
    grid = nx.Graph()
    subsets = {}
    for i, level in enumerate(levels):
        subsets[i] = list(range(len(grid), len(grid) + len(level)))
        grid.add_nodes_from(subsets[i])
    raw = nx.multipartite_layout(grid, subset_key=subsets, align="horizontal", scale=1.0)
    # multipartite_layout rescales to [-1, 1]; undo that so neighbours are one slot apart.
    unit = 1.0
    row = max(subsets.values(), key=len)
    if len(row) > 1:
        unit = abs(raw[row[1]][0] - raw[row[0]][0]) or 1.0
    xs = [0.0] * len(net.nodes)
    for i, level in enumerate(levels):
        for node, key in zip(level, subsets[i]):
            xs[node] = float(raw[key][0]) / unit
    return xs


def _place_x(net: _Network, levels: list[list[int]], report: Report) -> list[float]:
    xs = _initial_grid(net, levels)
    # Down, up, ..., down: the last pass aligns nodes under their parents, so the chains of a
    # gradient graph (one consumer each) come out straight.
    passes = 7 if len(net.nodes) < 20000 else 3
    up, down = _placement_links(net)
    for p in range(passes):
        report(0.75 + 0.2 * p / passes, "placing nodes")
        downward = p % 2 == 0
        rows = range(1, len(levels)) if downward else range(len(levels) - 2, -1, -1)
        for i in rows:
            _priority_place(net, levels[i], up if downward else down, xs)
    if net.clustered:
        xs = _separate_clusters(net, levels, xs)
    left = min(xs)
    return [float(x - left) for x in xs]


# Room between a module's outermost members and anything outside its box (the scene pads boxes).
CLUSTER_MARGIN = 0.2


def _separate_clusters(net: _Network, levels: list[list[int]], xs: list[float]) -> list[float]:
    """Shift modules right until sibling boxes whose rows overlap take disjoint x ranges.

    All nodes are put in one order that agrees with every row and holds each module's members
    together (modules by their ordering keys, other nodes by their place in the row); moving a
    suffix of that order right keeps every row's order and only widens gaps. Siblings are settled
    left to right, a module's inside before the module itself, so nested boxes nest.
    """
    keys = net.cluster_keys
    unbounded = (float("-inf"), ())
    sort_key: list = [None] * len(net.nodes)
    for level in levels:
        last_child: dict = {}  # module path -> element of its last child module seen in this row
        for k, node in enumerate(level):
            path = net.path[node]
            elements = []
            for j in range(1, len(path) + 1):
                element = _cluster_element(keys, path[:j])
                elements.append(element)
                last_child[path[:j - 1]] = element
            after = last_child.get(path, (unbounded,))[0]
            sort_key[node] = (*elements, (after, 1, k))
    order = sorted(range(len(net.nodes)), key=sort_key.__getitem__)
    x = np.array([xs[node] for node in order], dtype=float)
    rows = np.array([net.rank[node] for node in order])
    half = np.array([GAP_NODE / 2 if node < net.real else GAP_DUMMY / 2 for node in order])
    extents = getattr(net, "extents", None) or []
    wide = np.array([extents[node] if node < len(extents) else (0.0, 0.0) for node in order]).reshape(-1, 2)
    half_left, half_right = half + wide[:, 0], half + wide[:, 1]
    # Spans [lo, hi] of every module in that order, and the children of every module (and root).
    span: dict = {}
    children: dict = {(): []}
    for g, node in enumerate(order):
        path = net.path[node]
        for j in range(1, len(path) + 1):
            prefix = path[:j]
            if prefix not in span:
                span[prefix] = [g, g]
                children.setdefault(prefix, [])
                children[path[:j - 1]].append(("module", prefix, g))
            span[prefix][1] = g
        children[path].append(("node", g, g))

    def settle(parent: tuple) -> None:
        placed: list = []  # finished sibling modules: (first row, last row, right edge)
        singles_right: dict = {}  # row -> right edge of the sibling nodes placed so far
        for kind, item, g in children[parent]:
            if kind == "module":
                settle(item)
                lo, hi = span[item]
                top, bottom = int(rows[lo:hi + 1].min()), int(rows[lo:hi + 1].max())
                left = float((x[lo:hi + 1] - half_left[lo:hi + 1]).min()) - CLUSTER_MARGIN
                right = float((x[lo:hi + 1] + half_right[lo:hi + 1]).max()) + CLUSTER_MARGIN
                need = max((edge - left for a, b, edge in placed if a <= bottom and top <= b), default=0.0)
                for r in range(top, bottom + 1):
                    if r in singles_right:
                        need = max(need, singles_right[r] - left)
                if need > 0:
                    x[lo:] += need
                    right += need
                placed.append((top, bottom, right))
            else:
                r = int(rows[g])
                left = float(x[g] - half_left[g])
                need = max((edge - left for a, b, edge in placed if a <= r <= b), default=0.0)
                if need > 0:
                    x[g:] += need
                singles_right[r] = float(x[g] + half_right[g])

    settle(())
    out = [0.0] * len(net.nodes)
    for g, node in enumerate(order):
        out[node] = float(x[g])
    return out


def _placement_links(net: _Network) -> tuple[list[list[int]], list[list[int]]]:
    """Neighbours that pull a node's x: as in the network, except that a trunk dummy follows only
    the trunk (the edges joining it would drag it sideways at every join: a slanted trunk)."""
    up, down = net.up, net.down
    if not net.trunks:
        return up, down
    up, down = list(up), list(down)
    for chain in net.trunks:
        for above, below in zip(chain, chain[1:]):
            down[above] = [below]
            up[below] = [above]
    return up, down


def _priority_place(net: _Network, level: list[int], neighbours: list[list[int]], xs: list[float]) -> None:
    """Move each node of a row towards the mean x of its neighbours in the fixed row.

    Higher priority first (dummies, then more neighbours); a node may push lower-priority nodes
    aside but never a node already placed, and the row's order and gaps are kept.
    """
    n = len(level)
    x = [xs[node] for node in level]
    gaps = [_gap(net, level[k], level[k + 1]) for k in range(n - 1)]
    desired: list[float | None] = []
    priority = []
    for node in level:
        linked = neighbours[node]
        desired.append(sum(xs[m] for m in linked) / len(linked) if linked else None)
        # Dummies first; then more links into the fixed row; then more links overall, so the node
        # that continues a chain wins over a side branch hanging off the same parent.
        degree = len(net.up[node]) + len(net.down[node])
        priority.append((1 if node >= net.real and linked else 0, len(linked), degree))
    locked = [False] * n
    for k in sorted(range(n), key=lambda k: (-priority[k][0], -priority[k][1], -priority[k][2], k)):
        target = desired[k]
        locked[k] = True
        if target is None or target == x[k]:
            continue
        if target > x[k]:
            offset = 0.0
            for j in range(k + 1, n):
                offset += gaps[j - 1]
                if locked[j]:
                    target = min(target, x[j] - offset)
                    break
            if target <= x[k]:
                continue
            x[k] = target
            for j in range(k + 1, n):
                need = x[j - 1] + gaps[j - 1]
                if x[j] >= need:
                    break
                x[j] = need
        else:
            offset = 0.0
            for j in range(k - 1, -1, -1):
                offset += gaps[j]
                if locked[j]:
                    target = max(target, x[j] + offset)
                    break
            if target >= x[k]:
                continue
            x[k] = target
            for j in range(k - 1, -1, -1):
                need = x[j + 1] - gaps[j]
                if x[j] <= need:
                    break
                x[j] = need
    for node, value in zip(level, x):
        xs[node] = value
