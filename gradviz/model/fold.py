"""Fold a layout that is far taller than wide into side-by-side columns, for pictures.

A long chain (``z = (z / x) * y`` a thousand times) lays out as one column thousands of rows
high; drawn as one image it is a sliver a hundred pixels wide whose text no viewer can show. Cut the
layout into ``k`` horizontal bands and set the bands next to each other, left to right, so the
picture is about as wide as it is tall. Edges inside a band keep their routes; an edge that crosses
from one band to the next is drawn straight (from the bottom of one column to the top of the next).
"""

from __future__ import annotations

import math

from .layout import Positions

MAX_TALL_RATIO = 7.5  # height : width (in pixels) beyond which a picture is folded (issue 14: <= 8)
TARGET_RATIO = 1.3  # what folding aims for: a little taller than wide, like a page
GAP_UNITS = 1.0  # empty layout units between two columns


def fold_tall(positions: Positions, slot: tuple[float, float], max_ratio: float = MAX_TALL_RATIO) -> tuple[Positions, int]:
    """``(positions, columns)``: the layout folded into ``columns`` side-by-side bands when its
    picture would be more than ``max_ratio`` times taller than wide, else unchanged with 1.

    ``slot``: pixels per layout unit (x, y), as the scene draws them.
    """
    if len(positions) < 2:
        return positions, 1
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    x0, y0 = min(xs), min(ys)
    width_units = max(xs) - x0 + 1.0
    height_units = max(ys) - y0 + 1.0
    width_px, height_px = width_units * slot[0], height_units * slot[1]
    if height_px <= max_ratio * width_px:
        return positions, 1
    column_px = (width_units + GAP_UNITS) * slot[0]
    columns = max(2, math.ceil(math.sqrt(height_px / (column_px * TARGET_RATIO))))
    band = height_units / columns

    def band_of(y: float) -> int:
        return min(columns - 1, int((y - y0) // band))

    def move(x: float, y: float, b: int) -> tuple[float, float]:
        return (x - x0 + b * (width_units + GAP_UNITS), y - y0 - b * band)

    folded = Positions(method=getattr(positions, "method", ""))
    bands = {}
    for node, (x, y) in positions.items():
        b = bands[node] = band_of(y)
        folded[node] = move(x, y, b)
    for (u, v), route in getattr(positions, "routes", {}).items():
        if u in bands and bands[u] == bands.get(v) and all(band_of(y) == bands[u] for _, y in route):
            folded.routes[(u, v)] = [move(x, y, bands[u]) for x, y in route]
    return folded, columns
