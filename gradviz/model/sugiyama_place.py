"""Model-graph parts of the layered layout (issue 13): parameter side branches, x coordinates by
one linear program with module boxes as constraints, and vertical room between stacked boxes.

* **Side branches.** A parameter's ``AccumulateGrad`` + leaf (or ``TBackward0`` + ``AccumulateGrad``
  + leaf) hanging off one consumer is drawn in the consumer's row, beside it (the longest branch to
  the right, the next to the left), instead of in the rows below where it would push the next
  module down or sideways. The branches leave the graph before ranking; the consumer is laid out
  as one wide node and the branch nodes are put back next to it.
* **Placement** (as dot's x coordinates, network simplex there, HiGHS here): minimise the weighted
  horizontal length of every segment (real-real 1, with a bend 2, bend-bend 8: long edges run
  straight; the main gradient path 400: it stays one vertical line) subject to the rows' order and
  gaps, every module box holding its members, sibling boxes whose rows overlap side by side, and
  every other node in a box's rows outside the box. So boxes never overlap, nested boxes nest, and
  nothing needs shifting afterwards (no slanted edges left by a separation pass).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

# Box padding in layout units: the scene pads a box by 10 px + 8 px per nesting level below it, in
# slots of 190 px (gradviz/qt/graph_scene.py); a little more keeps neighbouring boxes apart.
BOX_PAD, BOX_PAD_PER_LEVEL, BOX_GAP = 12 / 190, 8 / 190, 0.12
NODE_HALF, DUMMY_HALF = 0.45, 0.05
WEIGHTS = {0: 1.0, 1: 2.0, 2: 8.0}  # by the number of bend points at a segment's ends
MAIN_PATH_WEIGHT = 400.0
SLACK_WEIGHT = 4.0  # per unit the bends of a module's edges stick out of its box
# The linear program's size grows with nodes x modules; past this the older placement is used.
LP_MAX_NODES = 3000
MAX_BRANCH = 3  # TBackward0 + AccumulateGrad + leaf


def side_branches(dag: nx.DiGraph, accumulators: set, modules: dict, transposes: set = frozenset(),
                  main: list = ()) -> dict:
    """consumer -> (right chain, left chain), each a list of nodes away from the consumer (maybe
    empty). A chain starts at a successor with no other predecessor, runs through nodes of one
    input and one output, ends at a node with no successor, holds an AccumulateGrad, is at most
    three long and stays in the consumer's module: ``AccumulateGrad`` + leaf, or a weight's
    transpose (``transposes``) + ``AccumulateGrad`` + leaf. Nodes of the ``main`` path stay out."""
    on_main = set(main)
    taken: set = set()
    found: dict = {}
    for start in nx.topological_sort(dag):
        if start in taken or dag.in_degree(start) != 1:
            continue
        consumer = next(iter(dag.predecessors(start)))
        if consumer in taken:
            continue
        chain = [start]
        while dag.out_degree(chain[-1]) == 1 and len(chain) <= MAX_BRANCH:
            nxt = next(iter(dag.successors(chain[-1])))
            if dag.in_degree(nxt) != 1:
                break
            chain.append(nxt)
        home = modules.get(consumer, "")
        if (len(chain) > MAX_BRANCH or dag.out_degree(chain[-1]) != 0
                or chain[-2:-1] != [c for c in chain[-2:-1] if c in accumulators]
                or (len(chain) == 3 and chain[0] not in transposes) or len(chain) < 2
                or on_main.intersection(chain)
                or any(modules.get(c, "") != home for c in chain)):
            continue
        found.setdefault(consumer, []).append(chain)
        taken.update(chain)
    result = {}
    for consumer, chains in found.items():
        chains.sort(key=len, reverse=True)  # stable: graph order among equal lengths
        right, left = chains[0], (chains[1] if len(chains) > 1 else [])
        result[consumer] = (right, left)
    return result


def lp_place(net, levels: list[list[int]], extents: list[tuple[float, float]], main_links: set) -> list[float] | None:
    """x of every network node by the linear program above; None when HiGHS fails.

    ``extents[i]``: extra room (slots) left and right of node i for its side branches;
    ``main_links``: (a, b) network links on the main gradient path.
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    n = len(net.nodes)
    half = [NODE_HALF if i < net.real else DUMMY_HALF for i in range(n)]
    # Module spans: every path prefix -> its member ids (real and dummy) and its real rows.
    members: dict = {}
    for i in range(n):
        path = net.path[i]
        for j in range(1, len(path) + 1):
            members.setdefault(path[:j], []).append(i)
    modules = sorted(members)
    deepest = {m: max(len(net.path[i]) for i in members[m]) for m in modules}
    box_var = {m: n + 2 * k for k, m in enumerate(modules)}  # L at box_var, R at box_var + 1
    links = []
    for a in range(n):
        for b in sorted(set(net.down[a])):
            links.append((a, b))
    t0 = n + 2 * len(modules)
    size = t0 + len(links)
    rows, cols, vals, bound = [], [], [], []

    def constraint(terms: list[tuple[int, float]], rhs: float) -> None:
        r = len(bound)
        for c, v in terms:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        bound.append(rhs)

    def left_room(i: int) -> float:
        return half[i] + extents[i][0]

    def right_room(i: int) -> float:
        return half[i] + extents[i][1]

    gap = {0: 1.0 - 2 * NODE_HALF, 1: 0.6 - NODE_HALF - DUMMY_HALF, 2: 0.3 - 2 * DUMMY_HALF}
    for level in levels:
        for a, b in zip(level, level[1:]):
            need = right_room(a) + left_room(b) + gap[(a >= net.real) + (b >= net.real)]
            constraint([(a, 1.0), (b, -1.0)], -need)
    cost = np.zeros(size)
    for k, (a, b) in enumerate(links):
        t = t0 + k
        constraint([(a, 1.0), (b, -1.0), (t, -1.0)], 0.0)
        constraint([(b, 1.0), (a, -1.0), (t, -1.0)], 0.0)
        weight = WEIGHTS[(a >= net.real) + (b >= net.real)]
        cost[t] = MAIN_PATH_WEIGHT if (a, b) in main_links else weight
    # Where every node sits in one left-to-right order that agrees with each row and keeps every
    # module's members together (the ordering made rows so): decides which side of a box it goes.
    order_of = _global_order(net, levels)
    span_rows = {}
    extent_cost: list = []  # cost of each extent variable (numbered after the others)
    extent_terms: list = []  # constraints on them: ([(variable, coefficient)], rhs)
    for m in modules:
        real_rows = [net.rank[i] for i in members[m] if i < net.real] or [net.rank[i] for i in members[m]]
        span_rows[m] = (min(real_rows), max(real_rows))
        first = min(order_of[i] for i in members[m])
        last = max(order_of[i] for i in members[m])
        left, right = box_var[m], box_var[m] + 1
        cost[right] += 0.01
        cost[left] -= 0.01
        pad = BOX_PAD + BOX_PAD_PER_LEVEL * (deepest[m] - len(m))
        inside = set(members[m])
        for i in members[m]:
            constraint([(left, 1.0), (i, -1.0)], -(left_room(i) + pad))
            constraint([(i, 1.0), (right, -1.0)], -(right_room(i) + pad))
        # The scene draws a box around its real members only: a bend of an edge inside the module
        # should not stick out. ``extent`` bounds the real members' extent from inside (it is
        # pushed outwards at no more than their outermost box sides) and every bend stays within
        # it; moving it outwards costs SLACK_WEIGHT per unit, so a bend may still leave the box
        # when a straight main path needs that (or no real member reaches that far).
        reals = [i for i in members[m] if i < net.real]
        dummies = [i for i in members[m] if i >= net.real]
        if reals and dummies:
            lo, hi = ("extent", len(extent_cost)), ("extent", len(extent_cost) + 1)
            extent_cost.extend([-SLACK_WEIGHT, SLACK_WEIGHT])
            for i in reals:
                extent_terms.append(([(lo, 1.0), (i, -1.0)], -left_room(i)))
                extent_terms.append(([(i, 1.0), (hi, -1.0)], -right_room(i)))
            for i in dummies:
                extent_terms.append(([(lo, 1.0), (i, -1.0)], -half[i]))
                extent_terms.append(([(i, 1.0), (hi, -1.0)], -half[i]))
        top, bottom = span_rows[m]
        for level in levels[top:bottom + 1]:
            for i in level:
                if i in inside:
                    continue
                if order_of[i] < first:
                    constraint([(i, 1.0), (left, -1.0)], -(right_room(i) + BOX_GAP))
                elif order_of[i] > last:
                    constraint([(right, 1.0), (i, -1.0)], -(left_room(i) + BOX_GAP))
    # Sibling boxes whose rows overlap: side by side, in the order their members are.
    for a_index, a in enumerate(modules):
        for b in modules[a_index + 1:]:
            if a[:-1] != b[:-1] or len(a) != len(b):
                continue
            (ta, ba), (tb, bb) = span_rows[a], span_rows[b]
            if ba < tb or bb < ta:
                continue
            a_first = min(order_of[i] for i in members[a])
            b_first = min(order_of[i] for i in members[b])
            lo, hi = (a, b) if a_first < b_first else (b, a)
            constraint([(box_var[lo] + 1, 1.0), (box_var[hi], -1.0)], -BOX_GAP)
    for terms, rhs in extent_terms:
        constraint([(size + c[1] if isinstance(c, tuple) else c, v) for c, v in terms], rhs)
    cost = np.concatenate([cost, np.array(extent_cost)])
    free = size + len(extent_cost)
    matrix = coo_matrix((vals, (rows, cols)), shape=(len(bound), free)).tocsr()
    bounds = [(None, None)] * t0 + [(0, None)] * len(links) + [(None, None)] * len(extent_cost)
    result = linprog(cost, A_ub=matrix, b_ub=np.array(bound), bounds=bounds, method="highs")
    if result.status != 0:
        return None
    xs = result.x[:n]
    # HiGHS answers to ~1e-9: round so equal x's (straight chains) compare equal.
    return [round(float(x), 6) for x in xs]


def _global_order(net, levels: list[list[int]]) -> list[int]:
    """Index of every node in one order consistent with all rows, modules contiguous (by the
    ordering's module keys), as the old separation pass builds it."""
    from .sugiyama import _cluster_element

    keys = net.cluster_keys
    unbounded = (float("-inf"), ())
    sort_key: list = [None] * len(net.nodes)
    for level in levels:
        last_child: dict = {}
        for k, node in enumerate(level):
            path = net.path[node]
            elements = []
            for j in range(1, len(path) + 1):
                element = _cluster_element(keys, path[:j]) if path[:j] in keys else ((k, path[:j]), 0)
                elements.append(element)
                last_child[path[:j - 1]] = element
            after = last_child.get(path, (unbounded,))[0]
            sort_key[node] = (*elements, (after, 1, k))
    order = sorted(range(len(net.nodes)), key=sort_key.__getitem__)
    where = [0] * len(net.nodes)
    for g, node in enumerate(order):
        where[node] = g
    return where


def stacked_rows(net, xs: list[float], extents, pitch: float = 1.0) -> list[float]:
    """y of every rank: ``pitch`` units per rank, plus room wherever a module box's title strip
    (or its bottom padding) would otherwise reach into a row above (below) over something that is
    not inside the box: a node (with its compact-parameter badges, ``net.node_extents``: network
    index -> (left, top, right, bottom) px from its centre) or another box. Measured as the scene
    draws it (:mod:`gradviz.model.scene_geometry`); two nodes always fit in a row's pitch."""
    from .scene_geometry import (
        CLEARANCE,
        NODE_H,
        NODE_W,
        SLOT_X,
        SLOT_Y,
        box_padding,
        box_top_room,
        nesting,
    )

    node_extents = getattr(net, "node_extents", None) or {}
    plain = (-NODE_W / 2, -NODE_H / 2, NODE_W / 2, NODE_H / 2)
    # Per rank: what reaches up from it and down from it, as (x from, x to (units), reach (px)).
    node_ups: list[list] = [[] for _ in range(net.depth)]
    node_downs: list[list] = [[] for _ in range(net.depth)]
    boxes: dict = {}  # path -> [left, right, top rank, bottom rank, up reach, down reach]
    for i in range(net.real):
        left, top, right, bottom = node_extents.get(i, plain)
        lo, hi, rank = xs[i] + left / SLOT_X - extents[i][0], xs[i] + right / SLOT_X + extents[i][1], net.rank[i]
        node_ups[rank].append((lo, hi, -top))
        node_downs[rank].append((lo, hi, bottom))
        path = net.path[i]
        for j in range(1, len(path) + 1):
            box = boxes.setdefault(path[:j], [np.inf, -np.inf, rank, rank, -top, bottom])
            box[0], box[1] = min(box[0], lo), max(box[1], hi)
            if rank <= box[2]:
                box[4] = max(box[4], -top) if rank == box[2] else -top
                box[2] = rank
            if rank >= box[3]:
                box[5] = max(box[5], bottom) if rank == box[3] else bottom
                box[3] = rank
    levels = nesting([".".join(p) for p in boxes])
    box_ups: list[list] = [[] for _ in range(net.depth)]
    box_downs: list[list] = [[] for _ in range(net.depth)]
    for path, (lo, hi, top, bottom, up, down) in boxes.items():
        nested = levels[".".join(path)]
        pad = box_padding(nested)
        box_ups[top].append((lo - pad / SLOT_X, hi + pad / SLOT_X, up + box_top_room(nested)))
        box_downs[bottom].append((lo - pad / SLOT_X, hi + pad / SLOT_X, down + pad))
    reach = max((r for rows in (node_ups, node_downs, box_ups, box_downs) for row in rows for *_, r in row), default=0)
    ys: list[float] = []
    for t in range(net.depth):
        y = ys[-1] + pitch if ys else 0.0
        for s in range(t - 1, -1, -1):
            if (y - ys[s]) * SLOT_Y >= 2 * reach + CLEARANCE:
                break  # nothing reaches that far
            # Every such pair is foreign: a box that ends above rank t holds nothing on it, and a
            # box that starts on rank t holds nothing above it.
            for uppers, lowers in ((node_downs[s], box_ups[t]), (box_downs[s], node_ups[t]), (box_downs[s], box_ups[t])):
                for lu, hu, down in uppers:
                    for ll, hl, up in lowers:
                        if lu < hl and ll < hu:
                            y = max(y, ys[s] + (down + up + CLEARANCE) / SLOT_Y)
        ys.append(round(y, 6))
    return ys
