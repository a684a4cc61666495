"""Edges routed around module boxes and nodes they do not belong to (issue 13).

The scene draws a downward edge as S-curves through its route's bend points: each piece leaves one
point straight down, turns sideways at the piece's middle height and arrives straight down at the
next. Where that sideways run crosses a module box neither end of the edge belongs to (a skip edge
jogging across a block's ``linear`` box), or cuts the corner of another node, the piece gets two
more points so its sideways run happens in a band of the gap that is free: straight down from the
upper point to the band, across, and straight down to the lower point. Placement already keeps the
bend points themselves out of foreign boxes (:mod:`gradviz.model.sugiyama_place`); this fixes the
curves between them.

Geometry is the scene's, in pixels (``layout_quality.scene_drawing``); routes are stored back in
layout units.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

# Obstacles are grown by this much (px), so a rerouted line keeps clear of a border.
CLEARANCE = 4.0
# The tallest free band is tried first; a sideways run needs at least this much (px) (a box may
# start just below the edge's upper node, leaving a flat run under it).
MIN_BAND = 2.0
# Past this many nodes the placement is the older one and rerouting is not worth its time.
MAX_NODES = 3000
SAMPLES = 8


def route_around_obstacles(graph: nx.DiGraph, positions) -> int:
    """Add bend points to ``positions.routes`` so no drawn edge crosses a foreign module box or
    node; returns how many edge pieces were rerouted."""
    from .layout_quality import SLOT, module_paths, scene_drawing
    from .scene_geometry import title_text_rect

    if graph.number_of_nodes() > MAX_NODES or not hasattr(positions, "routes"):
        return 0
    drawing = scene_drawing(graph, positions)
    w, h = drawing.node_size
    members = {path: set(nodes) for path, nodes in module_paths(graph).items()}
    paths_of: dict = {}
    for path, nodes in members.items():
        for node in nodes:
            paths_of.setdefault(node, set()).add(path)
    names = list(drawing.positions)
    boxes = sorted(drawing.boxes)
    rects = [drawing.node_rect(n) for n in names]  # badge strips included
    rects += [drawing.boxes[b] for b in boxes]
    # Title texts too, even of the edge's own boxes: a line may cross a title strip going down,
    # but not run sideways over the module's name.
    rects += [title_text_rect(b, drawing.boxes[b]) for b in boxes]
    owners = names + [("box", b) for b in boxes] + [("title", b) for b in boxes]
    grid = np.array(rects, dtype=float).reshape(-1, 4)
    grown = CLEARANCE * np.array([-1.0, -1.0, 1.0, 1.0])
    sx, sy = SLOT
    fixed = 0
    for u, v in graph.edges:
        (px, py), (qx, qy) = drawing.positions[u], drawing.positions[v]
        if qy <= py:
            continue  # drawn straight (a side branch in its consumer's row): nothing to route
        own = paths_of.get(u, set()) | paths_of.get(v, set())
        keep = np.array([o not in (u, v) and not (isinstance(o, tuple) and o[0] == "box" and o[1] in own)
                         for o in owners])
        obstacles = grid[keep]
        route = [(x * sx, y * sy) for x, y in positions.routes.get((u, v), ())]
        # From the bottom of the upper node (below its badge strip) to the top of the lower one.
        drop = drawing.extents[u][3] if u in drawing.extents else h / 2
        points = [(px, py + drop), *route, (qx, qy - h / 2)]
        new_points = [points[0]]
        changed = False
        for a, b in zip(points, points[1:]):
            # A piece that really crosses an obstacle is moved; the new run keeps clear of them.
            blocked = a[0] != b[0] and _blocked(_s_curve(a, b), obstacles)
            detour = _detour(a, b, obstacles + grown) if blocked else None
            if detour:
                new_points.extend(detour)
                changed = True
            new_points.append(b)
        if changed:
            positions.routes[(u, v)] = [(float(x / sx), float(y / sy)) for x, y in new_points[1:-1]]
            fixed += 1
    return fixed


def _s_curve(a: tuple, b: tuple) -> list:
    """The scene's piece from a down to b, sampled (its control points share the middle height)."""
    mid = (a[1] + b[1]) / 2
    samples = [a]
    for k in range(1, SAMPLES + 1):
        t = k / SAMPLES
        s = 1 - t
        weight_b = 3 * s * t * t + t**3
        samples.append((a[0] + (b[0] - a[0]) * weight_b, a[1] * s**3 + mid * 3 * s * t + b[1] * t**3))
    return samples


def _blocked(line: list, obstacles: np.ndarray) -> bool:
    """Whether the polyline passes through the inside of any obstacle rectangle."""
    if not len(obstacles):
        return False
    xs = [p[0] for p in line]
    ys = [p[1] for p in line]
    near = obstacles[(obstacles[:, 0] < max(xs)) & (obstacles[:, 2] > min(xs))
                     & (obstacles[:, 1] < max(ys)) & (obstacles[:, 3] > min(ys))]
    for rect in near:
        for p, q in zip(line, line[1:]):
            if _segment_enters(p, q, rect):
                return True
    return False


def _detour(a: tuple, b: tuple, obstacles: np.ndarray) -> list | None:
    """Two points (fewer where they coincide with a or b) that move the sideways run of piece a -> b
    into the tallest free band between them; None when no band works."""
    left, right = min(a[0], b[0]), max(a[0], b[0])
    across = obstacles[(obstacles[:, 0] < right) & (obstacles[:, 2] > left)
                       & (obstacles[:, 1] < b[1]) & (obstacles[:, 3] > a[1])]
    bands = _free_bands(a[1], b[1], [(r[1], r[3]) for r in across])
    for top, bottom in sorted(bands, key=lambda band: band[0] - band[1]):
        if bottom - top < MIN_BAND:
            break
        down_first = [a, (a[0], top)]
        down_last = [(b[0], bottom), b]
        if _blocked(down_first, obstacles) or _blocked(down_last, obstacles):
            continue
        points = []
        if top > a[1] + 0.5:
            points.append((a[0], top))
        if bottom < b[1] - 0.5:
            points.append((b[0], bottom))
        return points
    return None


def _free_bands(top: float, bottom: float, spans: list) -> list:
    """The parts of [top, bottom] no span covers."""
    bands, cursor = [], top
    for start, end in sorted(spans):
        if start > cursor:
            bands.append((cursor, min(start, bottom)))
        cursor = max(cursor, end)
        if cursor >= bottom:
            break
    if cursor < bottom:
        bands.append((cursor, bottom))
    return [(t, b) for t, b in bands if b > t]


def _segment_enters(a: tuple, b: tuple, box) -> bool:
    """Whether segment a-b passes through the inside of ``box`` (Liang-Barsky clipping)."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, a[0] - box[0]), (dx, box[2] - a[0]), (-dy, a[1] - box[1]), (dy, box[3] - a[1])):
        if p == 0:
            if q <= 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo >= hi:
            return False
    return True
