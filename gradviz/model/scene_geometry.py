"""How big the scene draws a node and a module box, in scene pixels (issue 13).

One source for three users: the layered layout (room between rows, so a box's title strip or a
node's compact-parameter badges never reach into the row above or below), the quality measures of
:mod:`gradviz.model.layout_quality`, and the scene itself (``gradviz/qt/graph_scene.py`` draws each
module box at :func:`module_boxes`). Qt-free: the model layer never imports Qt.

A node box is ``NODE_W`` x ``NODE_H`` around its centre; a folded run (a collapsed module) adds
its two (one) stacked cards above and to the right, a node with compact parameters the badge strip below its box. A module
box is the union of its drawn members' extents, padded by ``box_padding`` and topped by one
``TITLE_H`` strip per nesting level (its own title, then one for each level inside it, so a
nested box's title sits below its parent's instead of on it).
"""

from __future__ import annotations

from collections.abc import Mapping

from .layout import NODE_SIZE

# Pixels per layout unit.
SLOT_X, SLOT_Y = 190.0, 92.0
NODE_W, NODE_H = NODE_SIZE[0] * SLOT_X, NODE_SIZE[1] * SLOT_Y
# A module box: padding around its members (more per level nested inside it) and title strips.
BOX_PAD, BOX_PAD_PER_LEVEL, TITLE_H = 10.0, 8.0, 16.0
# Compact parameters: a strip of badges PARAM_BADGE_TOP below the node box, PARAM_BADGE_H tall.
PARAM_BADGE_TOP, PARAM_BADGE_H = 2.0, 14.0
# A folded run is drawn as three cards, a collapsed module as two, each this far up and right of
# the one before.
FOLD_CARD_OFFSET = 4.0
# Least room (px) between a module box and anything outside it in the rows above and below.
CLEARANCE = 6.0


def node_extent(data: Mapping) -> tuple[float, float, float, float]:
    """``(left, top, right, bottom)`` of a drawn node relative to its centre (px)."""
    left, top, right, bottom = -NODE_W / 2, -NODE_H / 2, NODE_W / 2, NODE_H / 2
    cards = {"fold": 2, "module": 1}.get(data.get("kind"), 0)  # stacked behind, up and right
    top -= cards * FOLD_CARD_OFFSET
    right += cards * FOLD_CARD_OFFSET
    if data.get("badges"):
        bottom += PARAM_BADGE_TOP + PARAM_BADGE_H
    return left, top, right, bottom


def box_padding(nested: int) -> float:
    """Padding (px) of a module box with ``nested`` levels of modules inside it."""
    return BOX_PAD + BOX_PAD_PER_LEVEL * nested


def box_top_room(nested: int) -> float:
    """Room (px) between a module box's top and its topmost member: padding and title strips."""
    return box_padding(nested) + TITLE_H * (1 + nested)


def module_members(graph) -> dict[str, list]:
    """Every module path drawn (parents of nested paths included) -> its drawn member nodes.

    A collapsed module's node carries its parent's path, so it sits inside the parent's box."""
    members: dict[str, list] = {}
    for node, module in graph.nodes(data="module"):
        if module:
            parts = module.split(".")
            for i in range(1, len(parts) + 1):
                members.setdefault(".".join(parts[:i]), []).append(node)
    return members


def nesting(paths) -> dict[str, int]:
    """path -> how many levels of the given module paths lie inside it (0 for a leaf module)."""
    paths = list(paths)
    depth = {p: p.count(".") for p in paths}
    below = dict.fromkeys(paths, 0)
    for p in paths:
        parts = p.split(".")
        for i in range(1, len(parts)):
            parent = ".".join(parts[:i])
            if parent in below:
                below[parent] = max(below[parent], depth[p] - depth[parent])
    return below


def module_boxes(graph, pixels: Mapping) -> dict[str, tuple[float, float, float, float]]:
    """``path -> (left, top, right, bottom)`` (px) of every module box, title strips included,
    for nodes at ``pixels`` (node -> centre in px; nodes without one are not drawn)."""
    members = module_members(graph)
    levels = nesting(members)
    boxes = {}
    for path, nodes in members.items():
        rects = [node_rect(graph.nodes[n], pixels[n]) for n in nodes if n in pixels]
        if not rects:
            continue
        pad = box_padding(levels[path])
        boxes[path] = (min(r[0] for r in rects) - pad, min(r[1] for r in rects) - box_top_room(levels[path]),
                       max(r[2] for r in rects) + pad, max(r[3] for r in rects) + pad)
    return boxes


def node_rect(data: Mapping, centre: tuple[float, float]) -> tuple[float, float, float, float]:
    """A drawn node's ``(left, top, right, bottom)`` in px, its centre at ``centre``."""
    left, top, right, bottom = node_extent(data)
    x, y = centre
    return x + left, y + top, x + right, y + bottom


# The module path is written at the top left of its box in an 8.5 pt bold font: at most this many
# px per character (measured: 6.0-6.6 for paths; the model layer has no font metrics).
TITLE_CHAR_W, TITLE_INSET = 7.0, 8.0


def title_text_rect(path: str, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Where a module box's title text is (px, a little generous): edges should not run over it."""
    left, top, right, _ = box
    return left + TITLE_INSET - 2, top, min(right, left + TITLE_INSET + TITLE_CHAR_W * len(path) + 2), top + TITLE_H
