"""Where a gradient label may sit beside its edge, best spot first (issue 13).

The layered layout draws an edge one of two ways. Most run down from one row to the next: an
S-curve from the bottom of the upper box to the top of the lower one (through bend points when the
edge is long). A parameter branch (``AccumulateGrad`` + leaf, ``TBackward0`` + ``AccumulateGrad`` +
leaf) sits in its consumer's row, so its edges are short horizontal lines across the 19 px gap
between neighbouring boxes: no label fits on them. Such a label goes above the row (over the
neighbours' badge strips, under the row above) or below it, centred on the gap; where the gap is
wide enough it sits on the line itself. The two lines of a parallel pair (``x * x``) prefer opposite
sides, so each keeps its own label.

The scene tries a label's spots in order and shows it at the first one that covers no node, badge
or label already shown (``GraphScene._declutter_edge_labels``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QSizeF

# Space between a label and the line or box it belongs to (px).
MARGIN = 3.0


@dataclass(frozen=True)
class BoxGeometry:
    """The scene's node box size and the height of the badge strip above (below, for a leaf)."""

    width: float
    height: float
    badge: float


def label_spots(
    p: QPointF,
    q: QPointF,
    bends: list[QPointF],
    size: QSizeF,
    offset: QPointF,
    layered: bool,
    box: BoxGeometry,
) -> list[QPointF]:
    """Top-left corners for a label of ``size`` on the edge from the box centred at ``p`` to the
    one at ``q``, best first. ``offset`` is the line's sideways shift (one of a parallel pair)."""
    w, h = size.width(), size.height()
    if layered and q.y() - p.y() >= box.height:
        return _beside_a_downward_edge(p, q, bends, w, h, offset, box)
    if abs(q.y() - p.y()) < box.height:
        return _around_a_row_edge(p, q, w, h, offset, box)
    # Any other line (force layouts, an edge drawn upwards): beside its middle, then above/below.
    mid = (_box_exit(p, q, box) + _box_exit(q, p, box)) / 2 + offset
    right = QPointF(mid.x() + MARGIN, mid.y() - h / 2)
    left = QPointF(mid.x() - w - MARGIN, mid.y() - h / 2)
    above = QPointF(mid.x() - w / 2, mid.y() - h - MARGIN)
    below = QPointF(mid.x() - w / 2, mid.y() + MARGIN)
    sides = [left, right] if offset.x() < 0 or (offset.x() == 0 and offset.y() < 0) else [right, left]
    return sides + [above, below]


def _beside_a_downward_edge(p, q, bends, w, h, offset, box) -> list[QPointF]:
    """Beside the first segment of a downward edge, half-way down the free part of the gap.

    The free part ends above the lower box's badge strip ("waiting for 2", "▶ current"), so a
    label never has to give way to a badge that appears in the next step. Of a parallel pair the
    left line is labelled on its left, the right line on its right.
    """
    start = QPointF(p.x(), p.y() + box.height / 2)
    if bends:
        end = bends[0]
        top = end.y()
    else:
        end = QPointF(q.x(), q.y() - box.height / 2)
        top = end.y() - box.badge
    spots = []
    for y in _fractions(start.y(), max(top, start.y() + h), h):
        x = _s_curve_x(start, end, y) + offset.x()
        right = QPointF(x + MARGIN, y - h / 2)
        left = QPointF(x - w - MARGIN, y - h / 2)
        spots += [left, right] if offset.x() < 0 else [right, left]
    return spots


def _fractions(top: float, bottom: float, h: float) -> list[float]:
    """Label centre heights in a band: its middle, then (when the band is tall) nearer its ends."""
    mid = (top + bottom) / 2
    if bottom - top < 3 * h:
        return [mid]
    return [mid, top + h / 2 + MARGIN, bottom - h / 2 - MARGIN]


def _s_curve_x(a: QPointF, b: QPointF, y: float) -> float:
    """x of the scene's S-curve from a to b (a cubic whose control points share the middle
    height) where it passes height ``y``."""
    if b.y() == a.y():
        return (a.x() + b.x()) / 2
    mid = (a.y() + b.y()) / 2
    lo, hi = 0.0, 1.0
    for _ in range(30):  # y(t) grows monotonically from a.y to b.y
        t = (lo + hi) / 2
        s = 1 - t
        yt = a.y() * s**3 + 3 * mid * s * s * t + 3 * mid * s * t * t + b.y() * t**3
        lo, hi = (t, hi) if yt < y else (lo, t)
    t = (lo + hi) / 2
    s = 1 - t
    weight_b = 3 * s * t * t + t**3
    return a.x() * (1 - weight_b) + b.x() * weight_b


def _around_a_row_edge(p, q, w, h, offset, box) -> list[QPointF]:
    """Above the row, below it, or on the line when the gap between the boxes holds the label."""
    start, end = _box_exit(p, q, box), _box_exit(q, p, box)
    gap = (start + end) / 2 + offset
    row_top = min(p.y(), q.y()) - box.height / 2
    row_bottom = max(p.y(), q.y()) + box.height / 2
    above = QPointF(gap.x() - w / 2, row_top - box.badge - MARGIN - h)
    below = QPointF(gap.x() - w / 2, row_bottom + MARGIN)
    spots = [below, above] if offset.y() > 0 else [above, below]
    if abs(end.x() - start.x()) >= w + 2 * MARGIN:
        on_line = QPointF(gap.x() - w / 2, gap.y() + MARGIN if offset.y() > 0 else gap.y() - h - MARGIN)
        spots.insert(0, on_line)
    return spots


def _box_exit(centre: QPointF, towards: QPointF, box: BoxGeometry) -> QPointF:
    """Where the segment from a box centre towards another point leaves the box."""
    dx, dy = towards.x() - centre.x(), towards.y() - centre.y()
    if dx == 0 and dy == 0:
        return QPointF(centre)
    sx = (box.width / 2) / abs(dx) if dx else float("inf")
    sy = (box.height / 2) / abs(dy) if dy else float("inf")
    s = min(sx, sy, 1.0)
    return QPointF(centre.x() + dx * s, centre.y() + dy * s)
