"""Finding repeated runs for gradviz/model/grouping.py: chains, and *blocks*: an unrolled recurrence that is not a plain chain.

A GRU run over 16 steps draws each step as ~14 ops (``AddmmBackward0``, ``UnsafeSplitBackward0``,
``SigmoidBackward0`` …) and every step's output also feeds the ``StackBackward0`` that gathers the
outputs, so no op has a single consumer and chain folding finds nothing. Here the graph is cut at
its *hubs* (a node with many edges: the stack, a weight every step shares), the rest falls into
connected regions, and each region's nodes are layered by their longest distance from the region's
top. A recurrence shows up as a sequence of layers whose multisets of op names repeat with a period
(10 layers for the GRU); :func:`grouping._repeats` finds the repeats as it does for chains, and every
whole repetition between the first and the last becomes one fold.


Also here: the chain search and the repeat finder that chain folds and block folds share, and the
paging of an expanded fold.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

# Longest loop body (in drawn nodes) a chain fold looks for.
MAX_BODY = 8
# A run folds when at least this many repetitions lie between its first and its last one.
MIN_FOLDED = 3
# An expanded fold shows this many of its drawn members at a time.
PAGE_NODES = 120

# A node with this many edges (in + out) is a hub: the regions are cut there.
HUB_DEGREE = 6
# Longest body, in layers.
MAX_BLOCK_LAYERS = 24


def block_runs(order, out_adj, in_adj, signature, taken):
    """``[(inner units in copy order, units per copy, copies, layer names of one copy)]``.

    ``taken``: units already folded (as chains); ``signature(unit)``: what must repeat (None: the
    unit never folds and ends a region).
    """
    rank = None
    candidates = {u for u in order if u not in taken and signature(u) is not None
                  and len(out_adj[u]) + len(in_adj[u]) < HUB_DEGREE}
    found = []
    seen: set[str] = set()
    for start in order:
        if start not in candidates or start in seen:
            continue
        region = _region(start, candidates, out_adj, in_adj, seen)
        if len(region) < 2 * (MIN_FOLDED + 2):
            continue
        if rank is None:
            rank = {u: i for i, u in enumerate(order)}
        layers = _layers(region, rank, out_adj, in_adj)
        keys = [tuple(sorted(signature(u) for u in layer)) for layer in layers]
        for first, period, copies in repeats(keys, MAX_BLOCK_LAYERS):
            if period == 1 and all(len(k) == 1 for k in keys[first:first + copies]):
                continue  # a plain chain (one op a layer): chain folding's business
            inner = [u for layer in layers[first + period:first + period * (copies - 1)] for u in layer]
            per_copy = sum(len(layer) for layer in layers[first:first + period])
            body = [[s for s in keys[first + i]] for i in range(period)]
            found.append((inner, per_copy, copies, body))
    return found


def _region(start, candidates, out_adj, in_adj, seen) -> list[str]:
    region = [start]
    seen.add(start)
    queue = deque([start])
    while queue:
        unit = queue.popleft()
        for other in (*out_adj[unit], *in_adj[unit]):
            if other in candidates and other not in seen:
                seen.add(other)
                region.append(other)
                queue.append(other)
    return region


def _layers(region, rank, out_adj, in_adj) -> list[list[str]]:
    """The region's units by longest distance from its top (Kahn's order), each layer in graph order."""
    inside = set(region)
    waiting = {u: sum(1 for p in in_adj[u] if p in inside) for u in region}
    depth = {u: 0 for u in region}
    queue = deque(u for u in region if waiting[u] == 0)
    while queue:
        unit = queue.popleft()
        for child in out_adj[unit]:
            if child in inside:
                depth[child] = max(depth[child], depth[unit] + 1)
                waiting[child] -= 1
                if waiting[child] == 0:
                    queue.append(child)
    layers: list[list[str]] = [[] for _ in range(max(depth.values()) + 1)]
    for unit in sorted(region, key=rank.__getitem__):
        layers[depth[unit]].append(unit)
    return layers


# ---- chains, repeats and pages ------------------------------------------------------------------
def page_size(period: int) -> int:
    return max(1, PAGE_NODES // period) * period


def page_slice(inner: list[str], period: int, page: int | None) -> tuple[int, int]:
    """The slice of ``inner`` an expanded fold shows at ``page`` (whole body copies)."""
    size = page_size(period)
    pages = max(1, math.ceil(len(inner) / size))
    page = min(max(0, page or 0), pages - 1)
    return page * size, min(len(inner), (page + 1) * size)


def chains(order, out_adj, in_adj, root_id) -> list[list[str]]:
    """Maximal paths a -> b -> c ... where each link is the only way out of the one and in to the next."""
    def linked(a: str) -> str | None:
        outs = out_adj[a]
        if len(outs) != 1:
            return None
        (b,) = outs
        return b if len(in_adj[b]) == 1 else None

    chains = []
    visited: set[str] = set()
    for start in order:
        if start in visited:
            continue
        ins = in_adj[start]
        if len(ins) == 1:
            (p,) = ins
            if linked(p) == start and p not in visited:
                continue  # not the head of its chain; reached from the head
        chain = [start]
        visited.add(start)
        nxt = linked(start)
        while nxt is not None and nxt not in visited:
            chain.append(nxt)
            visited.add(nxt)
            nxt = linked(nxt)
        if len(chain) > MIN_FOLDED + 1:
            chains.append(chain)
    return chains


def repeats(names: list, max_period: int = MAX_BODY) -> list[tuple[int, int, int]]:
    """``(start, period, copies)`` of the runs to fold in one chain's names, left to right, not
    overlapping: ``copies`` repetitions of ``names[start:start+period]`` with ``copies - 2 >=
    MIN_FOLDED``. The period covering the most nodes wins; ties go to the shorter body."""
    n = len(names)
    codes_of: dict = {None: -1}  # signatures as small ints (None never repeats)
    codes = np.fromiter((codes_of.setdefault(a, len(codes_of)) for a in names), dtype=np.int64, count=n)
    positions = np.arange(n)
    # runs[p][i]: how many j >= i in a row have names[j] == names[j + p] (None never matches);
    # vectorised (a 100,000-op chain): the distance from i to the next mismatch.
    runs = {}
    for p in range(1, min(max_period, n // (MIN_FOLDED + 2)) + 1):
        match = np.zeros(n, dtype=bool)
        match[: n - p] = (codes[: n - p] == codes[p:]) & (codes[: n - p] >= 0)
        next_miss = np.where(match, n, positions)
        next_miss = np.minimum.accumulate(next_miss[::-1])[::-1]
        runs[p] = (next_miss - positions).tolist()
    found = []
    i = 0
    while i < n:
        best = None
        for p, run in runs.items():
            copies = (run[i] + p) // p
            if copies - 2 >= MIN_FOLDED and (best is None or copies * p > best[1] * best[0]):
                best = (p, copies)
        if best is None:
            i += 1
            continue
        p, copies = best
        found.append((i, p, copies))
        i += p * copies
    return found
