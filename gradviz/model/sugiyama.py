"""The layered (Sugiyama-style) layout of a DAG, used by :func:`gradviz.model.layout.compute_layout`.

Steps, each its own function:

1. ranks with the least total edge length (network simplex, as dot; on huge graphs a longest-path
   ranking that is then tightened): short edges mean few dummy nodes and few crossings;
2. every edge spanning several ranks gets a dummy node on each rank it crosses, so all edges join
   adjacent ranks (the dummies become the edge's route bends);
3. ordering: weighted-median sweeps down and up, each followed by adjacent swaps ("transpose"),
   from a few deterministic starting orders; the order with the fewest crossings wins;
4. x coordinates: rows packed by ``nx.multipartite_layout`` in that order, then the priority
   method: row by row, nodes move to the mean x of their neighbours in the row just placed,
   dummies first (long edges run straight), then nodes with more links; a node never passes a
   node placed before it, and minimum gaps are kept.

Everything is deterministic: ties keep the graph's node order.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import numpy as np

# Minimum centre distances between row neighbours: real nodes need a full slot, bends much less.
GAP_NODE, GAP_MIXED, GAP_DUMMY = 1.0, 0.6, 0.3

Report = Callable[[float, str], None]


class Dummy(tuple):
    """A bend point of a long edge: ``(u, v, k)`` for the k-th rank crossed by edge u -> v."""


def layered_positions(dag: nx.DiGraph, report: Report) -> tuple[dict, dict]:
    """``(positions, routes)`` for an acyclic ``dag``.

    positions: node -> (x, rank); routes: (u, v) -> [(x, y), ...] bend points of each edge that
    spans more than one rank (one per rank crossed).
    """
    report(0.0, "layering")
    rank = _ranks(dag)
    net = _Network(dag, rank)
    report(0.1, "reducing crossings")
    levels = _order(net, report)
    report(0.75, "placing nodes")
    xs = _place_x(net, levels, report)
    positions = {node: (xs[i], float(net.rank[i])) for i, node in enumerate(net.nodes) if i < net.real}
    routes = {}
    for (u, v), chain in net.chains.items():
        routes[(u, v)] = [(xs[d], float(net.rank[d])) for d in chain]
    return positions, routes


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
    """The DAG with dummy nodes, as integer ids: reals ``0..real-1`` (graph order), then dummies."""

    def __init__(self, dag: nx.DiGraph, rank: dict) -> None:
        self.nodes: list = list(dag.nodes)
        self.real = len(self.nodes)
        index = {node: i for i, node in enumerate(self.nodes)}
        self.rank: list[int] = [rank[n] for n in self.nodes]
        self.up: list[list[int]] = [[] for _ in self.nodes]
        self.down: list[list[int]] = [[] for _ in self.nodes]
        self.chains: dict = {}
        # Shared weights (one AccumulateGrad used in every layer) make edges spanning the whole
        # graph: routing them all would need a quadratic number of dummies. Past a budget the
        # longest edges are drawn directly and left out of crossing reduction.
        budget = 4 * self.real + 100
        spans = sorted(dag.edges, key=lambda e: (rank[e[1]] - rank[e[0]], index[e[0]], index[e[1]]))
        routed = set()
        for u, v in spans:
            cost = rank[v] - rank[u] - 1
            if cost > budget:
                break
            budget -= cost
            routed.add((u, v))
        for u, v in dag.edges:
            if (u, v) not in routed:
                continue
            previous = index[u]
            chain = []
            for k in range(1, rank[v] - rank[u]):
                dummy = len(self.nodes)
                self.nodes.append(Dummy((u, v, k)))
                self.rank.append(rank[u] + k)
                self.up.append([previous])
                self.down.append([])
                self.down[previous].append(dummy)
                chain.append(dummy)
                previous = dummy
            self.down[previous].append(index[v])
            self.up[index[v]].append(previous)
            if chain:
                self.chains[(u, v)] = chain
        self.depth = max(self.rank) + 1

    def is_dummy(self, i: int) -> bool:
        return i >= self.real


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
    for r in range(rounds):
        levels = makers[r]() if r < starts_wanted else [list(level) for level in best]
        pos = _positions(net, levels)
        count = _crossings(net, levels, pos)
        if best_count < 0 or count < best_count:
            best, best_count = [list(level) for level in levels], count
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
            if transpose_rounds:
                _transpose(net, levels, pos, transpose_rounds, swap_ties=tie_flip)
            count = _crossings(net, levels, pos)
            if count < best_count:
                best, best_count, stale = [list(level) for level in levels], count, 0
            else:
                stale += 1
    if transpose_rounds:
        # A last strict transpose on the winner (never makes it worse).
        pos = _positions(net, best)
        _transpose(net, best, pos, transpose_rounds, swap_ties=False)
    return best


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
    dirty = [True] * len(levels)
    for _ in range(max_rounds):
        changed = [False] * len(levels)
        improved = False
        for i, level in enumerate(levels):
            if not dirty[i]:
                continue
            for k in range(len(level) - 1):
                a, b = level[k], level[k + 1]
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
    return (GAP_NODE, GAP_MIXED, GAP_DUMMY)[dummies]


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
    for p in range(passes):
        report(0.75 + 0.2 * p / passes, "placing nodes")
        downward = p % 2 == 0
        rows = range(1, len(levels)) if downward else range(len(levels) - 2, -1, -1)
        for i in rows:
            _priority_place(net, levels[i], net.up if downward else net.down, xs)
    left = min(xs)
    return [float(x - left) for x in xs]


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
