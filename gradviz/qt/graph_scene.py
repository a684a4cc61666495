"""The graph drawn as a QGraphicsScene: node boxes, gradient-flow edges, module group boxes.

Layout units become pixels here: one x unit is ``SLOT_X`` px and one y unit ``SLOT_Y`` px; a node
box is ``NODE_W`` x ``NODE_H``, which is ``layout.NODE_SIZE`` in units, so boxes never overlap.
Edges are batched into a few path items per region of the scene (thousands of edge items would make
building and repainting a big graph slow); node items paint their text only when zoomed in enough.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QStyleOptionGraphicsItem,
)

from gradviz.model.backward_state import grad_summary
from gradviz.model.graph_model import GraphModel, shape_text
from gradviz.model.group_progress import GroupProgress
from gradviz.model.scene_geometry import (
    FOLD_CARD_OFFSET,
    NODE_H,
    NODE_W,
    PARAM_BADGE_H,
    PARAM_BADGE_TOP,
    SLOT_X,
    SLOT_Y,
    TITLE_H,
    module_boxes,
    node_extent,
)

from .edge_label_spots import BoxGeometry, label_spots
from .theme import Theme, get_theme

# SLOT_X/SLOT_Y (px per layout unit), NODE_W x NODE_H (a node box), module boxes and the badge
# strips come from gradviz/model/scene_geometry.py, which the layout sizes rows by: the scene
# draws exactly what the layout made room for.
# Height of the strip above a node box where its state badge goes (below, for a leaf tensor).
BADGE_H = 15.0
# A leaf's .grad badge may be this much wider than its box (it is centred under it).
LEAF_BADGE_EXTRA = 18.0  # (one slot is SLOT_X wide: neighbouring leaves' badges never touch)
# Below this zoom factor labels are not drawn (they would be unreadable specks anyway).
LABEL_LOD = 0.32
# Edges are grouped into path items per square of this size (px).
EDGE_TILE = 1600.0
# Gradient labels on edges: at most this many are shown at once, nearest the current node first,
# and only those that overlap neither a node nor another label (a dense graph stays readable; the
# Backward panel lists every gradient of the current node).
MAX_EDGE_LABELS = 40
# Only edges whose node ran within this many steps of the current one compete for a label.
LABEL_RECENT_STEPS = 200
EDGE_LABEL_WIDTH = 150.0
# Parallel edges (``x * x``: two inputs from one node) are drawn this far apart (px), each with its
# own gradient label.
PARALLEL_GAP = 22.0
LABEL_BOX = BoxGeometry(NODE_W, NODE_H, BADGE_H)
# Compact parameters: badges in a strip below the consuming node (PARAM_BADGE_H tall), one each
# side of the edge that leaves its bottom centre; a third and later one are counted in the second
# ("+2 more"). A folded run is drawn as a stack of cards FOLD_CARD_OFFSET apart.
PARAM_BADGE_GAP = 8.0


class NodeItem(QGraphicsItem):
    """One node box; colours by kind, optional step-state fill, search-match outline."""

    def __init__(self, node_id: str, data: dict, theme: Theme) -> None:
        super().__init__()
        self.node_id = node_id
        self.data_ = data
        self.theme = theme
        self.kind = data.get("kind", "grad_fn")
        label = data.get("label") or data.get("name", "")
        lines = label.split("\n")
        self.title = lines[0]
        self.subtitle = lines[1] if len(lines) > 1 else ""
        self.matched = False
        self.state_fill: str | None = None
        self.state_badge = ""
        # Compact parameters (gradviz/model/grouping.py): [{"id", "name", "shape", "leaf", ...}]
        self.param_badges: list[dict] = list(data.get("badges") or ())
        self.param_norms: dict[str, float] = {}
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(2)
        self.setAcceptHoverEvents(False)
        self.setToolTip(_tooltip(data))
        self._rect = QRectF(-NODE_W / 2, -NODE_H / 2, NODE_W, NODE_H)

    def boundingRect(self) -> QRectF:
        # With a state badge ("▶ current", ".grad ..."), its strip is painted too: above the box,
        # or for a leaf tensor below it, wider than the box (see _badge_local_rect); parameter
        # badges and a fold's stacked cards reach outside the box too.
        rect = self._rect
        if self.kind in ("fold", "module"):
            cards = 2 if self.kind == "fold" else 1
            rect = rect.adjusted(0, -cards * FOLD_CARD_OFFSET, cards * FOLD_CARD_OFFSET, 0)
        if self.param_badges:
            rect = rect.adjusted(0, 0, 0, PARAM_BADGE_H + 3)
        if self.state_badge:
            rect = rect.united(self._badge_local_rect())
        return rect.adjusted(-3, -3, 3, 3)

    # ---- compact parameters ----------------------------------------------------------------------
    def param_badge_rects(self) -> list[tuple[dict | None, QRectF, str]]:
        """``(badge or None for "+N more", rect in item coordinates, text)`` of each drawn badge."""
        if not self.param_badges:
            return []
        top = self._rect.bottom() + PARAM_BADGE_TOP
        half = NODE_W / 2 - PARAM_BADGE_GAP
        texts = [self._badge_text(b) for b in self.param_badges[:2]]
        if len(self.param_badges) > 2:
            texts[1] = f"+{len(self.param_badges) - 1} params"
        out = []
        for i, text in enumerate(texts):
            left = -NODE_W / 2 if i == 0 else PARAM_BADGE_GAP
            badge = self.param_badges[i] if (i == 0 or len(self.param_badges) <= 2) else None
            out.append((badge, QRectF(left, top, half, PARAM_BADGE_H), text))
        return out

    def _badge_text(self, badge: dict) -> str:
        name = str(badge.get("name") or "param").rpartition(".")[2]
        norm = self.param_norms.get(badge["id"])
        if norm is not None:
            return f"{name} ‖g‖ {norm:.2g}"
        return f"◆ {name} {shape_text(badge.get('shape'))}"

    def set_param_norms(self, norms: dict[str, float]) -> None:
        if norms != self.param_norms:
            self.param_norms = norms
            self.update()

    def badge_at(self, pos: QPointF) -> str | None:
        """The id of the parameter badge under ``pos`` (item coordinates), or None."""
        for badge, rect, _text in self.param_badge_rects():
            if rect.contains(pos) and badge is not None:
                return badge["id"]
        return None

    def _badge_local_rect(self) -> QRectF:
        """Where the badge strip goes, in item coordinates.

        A grad_fn's badge ("▶ current", "waiting for 2") sits above its box, right-aligned. A leaf
        tensor's ``.grad`` badge sits below its box: the edge from its AccumulateGrad arrives at the
        top (a badge there was drawn through), and nothing leaves a leaf. It may be wider than
        the box, so ``.grad (earlier) [100, 1000] ‖g‖=0`` is not cut mid-word.
        """
        if self.kind == "tensor":
            width = NODE_W + LEAF_BADGE_EXTRA
            return QRectF(-width / 2, self._rect.bottom() + 2, width, BADGE_H)
        return QRectF(self._rect.left(), self._rect.top() - BADGE_H, NODE_W, BADGE_H)

    def set_step_state(self, fill: str | None, badge: str) -> None:
        """Fill colour and badge text for the stepper's state (repaints only on a change)."""
        if fill == self.state_fill and badge == self.state_badge:
            return
        if bool(badge) != bool(self.state_badge):
            self.prepareGeometryChange()  # the badge strip joins or leaves the bounding rect
        self.state_fill = fill
        self.state_badge = badge
        self.update()

    def badge_rect(self) -> QRectF:
        """Where the state badge is drawn, in scene coordinates (empty without a badge)."""
        if not self.state_badge:
            return QRectF()
        return self.mapRectToScene(self._badge_local_rect())

    def _colors(self) -> tuple[str, str, str]:
        t = self.theme
        name = self.data_.get("name", "")
        if self.kind == "tensor":
            return t.leaf_fill, t.leaf_border, t.text
        if self.kind == "constant":
            return t.constant_fill, t.constant_edge, t.constant_text
        if self.kind == "module":
            return t.window, t.module_border, t.text
        if self.kind == "fold":
            return t.op_fill, t.module_border, t.text
        if name.endswith("AccumulateGrad"):
            return t.acc_fill, t.op_border, t.text
        return t.op_fill, t.op_border, t.text

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget=None) -> None:
        fill, border, text = self._colors()
        if self.state_fill:
            fill = self.state_fill
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        pen = QPen(QColor(border), 1.2)
        if self.kind == "constant":
            pen.setStyle(Qt.PenStyle.DashLine)
        if self.kind in ("module", "fold"):
            pen.setWidthF(2.0)
        if self.matched:
            pen = QPen(QColor(self.theme.match), 3.0)
        if self.isSelected():
            pen = QPen(QColor(self.theme.selection), 3.0)
        painter.setPen(pen)
        painter.setBrush(QColor(fill))
        if lod < LABEL_LOD:
            painter.drawRect(self._rect)
            return
        radius = 4.0 if self.kind in ("grad_fn", "fold") else 12.0 if self.kind in ("tensor", "constant") else 2.0
        if self.kind in ("fold", "module"):
            # A stack of cards: a fold's repetitions (two) or a collapsed module's insides (one)
            # behind the front one (scene_geometry.node_extent counts them in the node's size).
            for k in (2, 1) if self.kind == "fold" else (1,):
                shift = QPointF(k * FOLD_CARD_OFFSET, -k * FOLD_CARD_OFFSET)
                painter.drawRoundedRect(self._rect.translated(shift), radius, radius)
        painter.drawRoundedRect(self._rect, radius, radius)
        painter.setPen(QColor(text))
        rect = self._rect.adjusted(6, 3, -6, -3)
        title_font = _font(self._title_size(rect.width()), bold=self.kind != "constant")
        painter.setFont(title_font)
        metrics = QFontMetricsF(title_font)
        title = metrics.elidedText(self.title, Qt.TextElideMode.ElideMiddle, rect.width())
        if self.subtitle:
            top = QRectF(rect.left(), rect.top(), rect.width(), rect.height() / 2 + 1)
            painter.drawText(top, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, title)
            sub_font = _font(8.0)
            painter.setFont(sub_font)
            painter.setPen(QColor(self.theme.muted if self.kind != "constant" else text))
            bottom = QRectF(rect.left(), rect.center().y() + 1, rect.width(), rect.height() / 2)
            sub = QFontMetricsF(sub_font).elidedText(self.subtitle, Qt.TextElideMode.ElideMiddle, rect.width())
            painter.drawText(bottom, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, sub)
        else:
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, title)
        if self.param_badges:
            self._paint_param_badges(painter)
        if self.state_badge:
            font = _font(7.5, bold=True)
            painter.setFont(font)
            metrics = QFontMetricsF(font)
            strip = self._badge_local_rect()
            # Cut at the end if at all (the start says what it is), never in the middle of a word.
            text = metrics.elidedText(self.state_badge, Qt.TextElideMode.ElideRight, strip.width() - 8)
            width = metrics.horizontalAdvance(text) + 8
            # On a pill so an edge running behind it does not garble it: right-aligned above a
            # grad_fn's box, centred below a leaf's.
            if self.kind == "tensor":
                pill = QRectF(-width / 2, strip.top(), width, BADGE_H - 2)
            else:
                pill = QRectF(strip.right() - width, strip.top(), width, BADGE_H - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            background = QColor(self.theme.canvas)
            background.setAlpha(225)
            painter.setBrush(background)
            painter.drawRoundedRect(pill, 3, 3)
            painter.setPen(QColor(self.theme.text))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)

    def _title_size(self, width: float) -> float:
        """The title's font size: 9 pt, smaller (to 6 pt for a fold or a collapsed module, whose
        ``blocks.0 · Block`` is read whole, 7 pt for the rest) before it is elided, so
        ``NativeLayerNormBackward0`` and ``model.fc1.weight`` stay whole. Measured once."""
        size = getattr(self, "_fitted_title_size", None)
        if size is None:
            bold = self.kind != "constant"
            smallest = 6.0 if self.kind in ("fold", "module") else 7.0
            size = 9.0
            while size > smallest and QFontMetricsF(_font(size, bold)).horizontalAdvance(self.title) > width:
                size -= 0.5
            self._fitted_title_size = size
        return size

    def _paint_param_badges(self, painter: QPainter) -> None:
        for _badge, rect, text in self.param_badge_rects():
            # "◆ weight 16×16" is a little wider than half a node at 7 pt: a smaller font before
            # an ellipsis (the shape is what the badge is for).
            size = 7.0
            while size > 6.0 and QFontMetricsF(_font(size)).horizontalAdvance(text) > rect.width() - 6:
                size -= 0.5
            if QFontMetricsF(_font(size)).horizontalAdvance(text) > rect.width() - 6:
                text = text.removeprefix("◆ ")  # the pill itself marks it a parameter
            font = _font(size)
            painter.setFont(font)
            metrics = QFontMetricsF(font)
            text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width() - 6)
            width = metrics.horizontalAdvance(text) + 8
            # The left pill hugs the centre from the left, the right one from the right.
            pill = QRectF(rect.right() - width, rect.top(), width, rect.height()) if rect.left() < 0 else \
                QRectF(rect.left(), rect.top(), width, rect.height())
            painter.setPen(QPen(QColor(self.theme.leaf_border), 1.0))
            painter.setBrush(QColor(self.theme.leaf_fill))
            painter.drawRoundedRect(pill, 6, 6)
            painter.setPen(QColor(self.theme.text))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)

    def mouseDoubleClickEvent(self, event) -> None:
        scene = self.scene()
        if isinstance(scene, GraphScene):
            badge = self.badge_at(event.pos())
            if badge is not None:
                scene.badge_activated.emit(badge)
            else:
                scene.node_activated.emit(self.node_id)
        super().mouseDoubleClickEvent(event)


class ModuleBoxItem(QGraphicsItem):
    """The box around the nodes of one nn.Module; double-click collapses it."""

    def __init__(self, path: str, rect: QRectF, theme: Theme, depth: int) -> None:
        super().__init__()
        self.path = path
        self.theme = theme
        self._rect = rect
        self.setZValue(-1 + depth * 0.01)
        self.setToolTip(f"module {path}\nDouble-click to collapse")

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(QColor(self.theme.module_border), 1.0, Qt.PenStyle.DashLine))
        painter.setBrush(QColor(self.theme.module_fill))
        painter.drawRoundedRect(self._rect, 8, 8)
        lod = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        if lod >= LABEL_LOD * 0.6:
            painter.setPen(QColor(self.theme.muted))
            painter.setFont(_font(8.5, bold=True))
            painter.drawText(self._rect.adjusted(8, 3, -8, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
                             self.path)

    def title_rect(self) -> QRectF:
        """Where the module path is written (scene coordinates): a gradient label must not cover it."""
        width = QFontMetricsF(_font(8.5, bold=True)).horizontalAdvance(self.path)
        return self.mapRectToScene(QRectF(self._rect.left() + 8, self._rect.top() + 3, width, 14))

    def shape(self) -> QPainterPath:
        # Only the title strip reacts to the mouse, so clicks inside the box still reach the nodes.
        path = QPainterPath()
        path.addRect(QRectF(self._rect.left(), self._rect.top(), self._rect.width(), TITLE_H))
        return path

    def mouseDoubleClickEvent(self, event) -> None:
        scene = self.scene()
        if isinstance(scene, GraphScene):
            scene.module_toggled.emit(self.path)


class GraphScene(QGraphicsScene):
    """Draws a GraphModel (or a display graph derived from it) at given layout positions.

    ``node_activated(node_id)`` is emitted on double-click on a node (a collapsed module node
    expands); ``module_toggled(path)`` when a module box is double-clicked (collapse).
    """

    node_activated = Signal(str)
    module_toggled = Signal(str)
    badge_activated = Signal(str)  # a compact parameter badge's id (``param:<AccumulateGrad id>``)

    def __init__(
        self,
        model: GraphModel,
        positions: dict,
        theme: str = "light",
        display: nx.DiGraph | None = None,
        hidden_count: int = 0,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.graph = display if display is not None else model.graph
        self.positions = positions
        self.hidden_count = hidden_count
        self.theme = get_theme(theme)
        self.items_by_id: dict[str, NodeItem] = {}
        self._edge_items: list[QGraphicsPathItem] = []
        self._module_items: list[ModuleBoxItem] = []
        # A node of the full graph -> the drawn node standing for it (collapsed modules, folds,
        # parameter badges), so the stepper's progress inside a group reaches the group's box.
        self.drawn_of: dict[str, str] = {}
        for drawn, data in self.graph.nodes(data=True):
            for member in data.get("members") or ():
                self.drawn_of[member] = drawn
            for badge in data.get("badges") or ():
                for member in badge.get("nodes", ()):
                    self.drawn_of[member] = drawn
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        self._build()

    # ---- building ------------------------------------------------------------------------------
    def _scene_pos(self, node_id: str) -> QPointF:
        x, y = self.positions[node_id]
        return QPointF(x * SLOT_X, y * SLOT_Y)

    def _build(self) -> None:
        self.setBackgroundBrush(QColor(self.theme.canvas))
        for node_id, data in self.graph.nodes(data=True):
            if node_id not in self.positions:
                continue
            item = NodeItem(node_id, data, self.theme)
            item.setPos(self._scene_pos(node_id))
            self.addItem(item)
            self.items_by_id[node_id] = item
        self._build_edges()
        self._build_module_boxes()
        rect = self.itemsBoundingRect().adjusted(-80, -80, 80, 80)
        self.setSceneRect(rect)

    def _build_edges(self) -> None:
        routes = getattr(self.positions, "routes", {})
        vertical = getattr(self.positions, "method", "layered") == "layered"
        tiles: dict[tuple, list[QPainterPath]] = {}
        for u, v, data in self.graph.edges(data=True):
            if u not in self.items_by_id or v not in self.items_by_id:
                continue
            p = self._scene_pos(u)
            q = self._scene_pos(v)
            bends = [QPointF(x * SLOT_X, y * SLOT_Y) for x, y in routes.get((u, v), ())]
            # A node with compact-parameter badges sends its edges from below the badge strip.
            drop = node_extent(self.graph.nodes[u])[3]
            constant = bool(data.get("constant"))
            key = (int(p.x() // EDGE_TILE), int(p.y() // EDGE_TILE), constant)
            paths = tiles.setdefault(key, [QPainterPath(), QPainterPath()])
            # One line per input the edge stands for: x * x sends two gradients to x's node.
            for index in _edge_indices(data):
                dx, dy = self._parallel_offset(u, v, data, index)
                shift = QPointF(dx, dy)
                line, head = _edge_path(p + shift, q + shift, [b + shift for b in bends], vertical, drop)
                paths[0].addPath(line)
                paths[1].addPath(head)
        for (_, _, constant), (lines, heads) in sorted(tiles.items()):
            color = QColor(self.theme.constant_edge if constant else self.theme.edge)
            pen = QPen(color, 1.3)
            if constant:
                pen.setStyle(Qt.PenStyle.DashLine)
            line_item = QGraphicsPathItem(lines)
            line_item.setPen(pen)
            line_item.setZValue(1)
            head_item = QGraphicsPathItem(heads)
            head_item.setPen(Qt.PenStyle.NoPen)
            head_item.setBrush(QBrush(color))
            head_item.setZValue(1)
            self.addItem(line_item)
            self.addItem(head_item)
            self._edge_items += [line_item, head_item]

    def _parallel_offset(self, u: str, v: str, data: dict, index: int) -> tuple[float, float]:
        """How far the line for input ``index`` of edge u -> v is moved sideways (0 for a lone edge).

        The lines of one edge sit PARALLEL_GAP apart, centred on the straight edge, perpendicular
        to it (sideways in x for the layered layout, whose edges run downwards).
        """
        indices = _edge_indices(data)
        if len(indices) < 2:
            return 0.0, 0.0
        along = (indices.index(index) - (len(indices) - 1) / 2) * PARALLEL_GAP
        p, q = self._scene_pos(u), self._scene_pos(v)
        vertical = getattr(self.positions, "method", "layered") == "layered"
        if vertical and q.y() > p.y():
            return along, 0.0
        dx, dy = q.x() - p.x(), q.y() - p.y()
        norm = math.hypot(dx, dy) or 1.0
        return -dy / norm * along, dx / norm * along

    def _build_module_boxes(self) -> None:
        """One box per module path around its members, where the layout made room for it
        (:func:`gradviz.model.scene_geometry.module_boxes`: padding, one title strip per level)."""
        pixels = {node_id: (item.pos().x(), item.pos().y()) for node_id, item in self.items_by_id.items()}
        for path, (left, top, right, bottom) in sorted(module_boxes(self.graph, pixels).items()):
            box = ModuleBoxItem(path, QRectF(left, top, right - left, bottom - top), self.theme, path.count("."))
            self.addItem(box)
            self._module_items.append(box)

    # ---- queries -------------------------------------------------------------------------------
    def node_data(self, node_id: str) -> dict:
        return self.graph.nodes[node_id]

    def selected_node_id(self) -> str | None:
        for item in self.selectedItems():
            if isinstance(item, NodeItem):
                return item.node_id
        return None

    def select_node(self, node_id: str) -> None:
        item = self.items_by_id.get(node_id)
        if item is None:
            return
        self.clearSelection()
        item.setSelected(True)

    def node_count(self) -> int:
        return len(self.items_by_id)

    def edge_count(self) -> int:
        return sum(1 for u, v in self.graph.edges if u in self.items_by_id and v in self.items_by_id)

    def module_boxes(self) -> list[str]:
        return [box.path for box in self._module_items]

    # ---- search --------------------------------------------------------------------------------
    def find(self, text: str) -> list[str]:
        """Mark the nodes whose name or label contains ``text`` (case-insensitive); their ids."""
        needle = text.strip().lower()
        found = []
        for node_id, item in self.items_by_id.items():
            data = item.data_
            hay = f"{data.get('name', '')}\n{data.get('label', '')}\n{data.get('variable') or ''}".lower()
            hit = bool(needle) and needle in hay
            if hit != item.matched:
                item.matched = hit
                item.update()
            if hit:
                found.append(node_id)
        return found

    def clear_matches(self) -> None:
        self.find("")

    # ---- backward stepping ---------------------------------------------------------------------
    def apply_step_state(self, stepper) -> None:
        """Show where backward is: node fills by state, gradients on edges, .grad on leaves.

        Node fills: "current" (the node that ran last), "done", "ready" (runs next), "waiting"
        (with a badge counting the gradients still expected); "pending" nodes keep their colours.
        An edge that carried a gradient is labelled with its summary (the value of a scalar,
        else shape and norm). A leaf shows its ``.grad`` once its AccumulateGrad ran (a .grad left
        by an earlier backward is marked "earlier"). Only the nodes the stepper reports as changed
        are redrawn after the first call, so a step costs the same on a 5,000-node graph.
        """
        if stepper is None:
            self.clear_step_state()
            return
        changed = stepper.take_changed() if hasattr(stepper, "take_changed") else None
        progress = self._group_progress_counts()
        if getattr(self, "_step_stepper", None) is not stepper or changed is None:
            self._step_stepper = stepper
            ids = list(self.items_by_id)
            progress.rebuild(stepper)
        else:
            ids = set()
            progress.update((self.model.id_of(node) for node in changed), stepper)
            for node in changed:
                node_id = self.model.id_of(node)
                if node_id is not None and node_id not in self.graph:
                    node_id = self.drawn_of.get(node_id)
                if node_id is None or node_id not in self.graph:
                    continue
                ids.add(node_id)
                ids.update(self.graph.successors(node_id))  # the leaf behind an AccumulateGrad
        for node_id in ids:
            self._apply_node_step_state(node_id, stepper)
        self._declutter_edge_labels(stepper)

    def _declutter_edge_labels(self, stepper) -> None:
        """Show the gradient labels nearest the current node that fit; hide the rest.

        Priority: what the current node sent, then what it received, then the most recent steps.
        A label is shown only where it overlaps no node, badge or shown label, so a dense graph
        (TinyModel's fan-outs) never piles labels on top of each other.
        """
        labels: dict = self.__dict__.get("_edge_labels", {})
        shown_before: set = self.__dict__.setdefault("_shown_labels", set())
        current = stepper.current_node
        current_id = self.model.id_of(current) if current is not None else None
        position = stepper.position
        candidates = []
        for key in labels:
            u, v, _index = key
            if u == current_id:
                rank = -2.0
            elif v == current_id:
                rank = -1.0
            else:
                index = stepper.step_index(self.graph.nodes[u].get("obj")) if u in self.graph else None
                if index is None or position - index > LABEL_RECENT_STEPS:
                    continue
                rank = float(position - index)
            candidates.append((rank, key))
        candidates.sort(key=lambda c: c[0])
        placed: list[QRectF] = []
        shown: set = set()
        for _rank, key in candidates:
            if len(shown) >= MAX_EDGE_LABELS:
                break
            label = labels[key]
            # The first of the label's spots (beside, above or below its edge) that is free.
            size = label.boundingRect().size()
            for spot in label.spots:
                rect = QRectF(spot, size)
                backed = rect.adjusted(-2, 0, 2, 0)  # the label's backing reaches 2 px further
                if not any(backed.intersects(r) for r in placed) and not self._covers_a_node(rect):
                    break
            else:
                continue
            if label.pos() != spot:
                label.setPos(spot)
            placed.append(rect)
            shown.add(key)
        for key in shown_before - shown:
            if key in labels:
                labels[key].setVisible(False)
        for key in shown:
            labels[key].setVisible(True)
        self._shown_labels = shown

    def _covers_a_node(self, rect: QRectF) -> bool:
        # Bounding rectangles only: testing the shapes of the big batched edge paths made each
        # query cost milliseconds, and every label may try several spots per step.
        for item in self.items(rect, Qt.ItemSelectionMode.IntersectsItemBoundingRect):
            if isinstance(item, NodeItem):
                if item.mapRectToScene(item._rect).intersects(rect):
                    return True
                if item.badge_rect().intersects(rect):
                    return True
            elif isinstance(item, ModuleBoxItem) and item.title_rect().intersects(rect):
                return True
        return False

    def edge_label_visible(self, u: str, v: str, index: int | None = None) -> bool:
        """True when a gradient label of edge u -> v (the one for input ``index``, default any)
        is on display (not hidden to declutter)."""
        return any(label.isVisible() for label in self._labels_of(u, v, index))

    def _labels_of(self, u: str, v: str, index: int | None = None) -> list:
        labels = self.__dict__.get("_edge_labels", {})
        if index is not None:
            label = labels.get((u, v, index))
            return [label] if label is not None else []
        edge = self.graph.edges.get((u, v)) if u in self.graph and v in self.graph else None
        return [labels[(u, v, i)] for i in _edge_indices(edge or {}) if (u, v, i) in labels]

    def _apply_node_step_state(self, node_id: str, stepper) -> None:
        item = self.items_by_id.get(node_id)
        if item is None:
            return
        t = self.theme
        fills = {"done": t.state_done, "current": t.state_current, "ready": t.state_ready,
                 "waiting": t.state_waiting}
        obj = item.data_.get("obj")
        state = None
        badge = ""
        try:
            if item.param_badges:
                item.set_param_norms(self._badge_norms(item, stepper))
            if item.kind in ("module", "fold"):
                state, badge = self._group_progress(item, stepper)
            elif item.kind == "grad_fn" and obj is not None:
                state = stepper.state_of(obj)
                if state == "waiting":
                    badge = f"waiting for {stepper.waiting_count(obj)}"
                elif state == "current":
                    badge = "▶ current"
                ran = state in ("done", "current")
                for _, child_id, edata in self.graph.out_edges(node_id, data=True):
                    if edata.get("constant") or edata.get("input_index") is None:
                        continue
                    for index in _edge_indices(edata):
                        grad = stepper.edge_gradient(obj, index) if ran else None
                        self._set_edge_label(node_id, child_id, index, grad_summary(grad))
            elif item.kind == "tensor" and obj is not None:
                accumulators = [self.graph.nodes[p].get("obj") for p in self.graph.predecessors(node_id)]
                acc_state = next((stepper.state_of(a) for a in accumulators if a is not None), None)
                grad = stepper.leaf_grad(obj)
                # Shapes as 100×1000 (not "[100, 1000]"): the badge must fit under the box.
                summary = grad_summary(grad).replace(", ", "×")
                if acc_state in ("done", "current"):
                    state = acc_state
                    badge = f".grad {summary}"
                elif grad is not None:
                    badge = f"earlier .grad {summary}"
        except (KeyError, AttributeError):
            state = None
        item.set_step_state(fills.get(state), badge)

    def _member_obj(self, node_id: str):
        graph = self.model.graph
        return graph.nodes[node_id].get("obj") if node_id in graph else None

    def _group_progress_counts(self) -> GroupProgress:
        """Per collapsed module and fold, the counts of its backward nodes' states (built once)."""
        progress = self.__dict__.get("_progress")
        if progress is None:
            graph = self.model.graph
            members = {
                node_id: [(m, self._member_obj(m)) for m in item.data_.get("members") or ()
                          if m in graph and graph.nodes[m].get("kind") == "grad_fn"]
                for node_id, item in self.items_by_id.items() if item.kind in ("module", "fold")
            }
            progress = self._progress = GroupProgress(members)
        return progress

    def _group_progress(self, item: NodeItem, stepper) -> tuple[str | None, str]:
        """A collapsed module's or a fold's state and badge: "3/7 nodes done" of its backward nodes
        (from counts that apply_step_state keeps current: O(1), not O(members), per step)."""
        return self._group_progress_counts().progress(item.node_id)

    def _badge_norms(self, item: NodeItem, stepper) -> dict[str, float]:
        """‖grad‖ of each parameter badge's leaf, once known."""
        norms = {}
        for badge in item.param_badges:
            leaf = badge.get("leaf")
            grad = stepper.leaf_grad(self._member_obj(leaf)) if leaf is not None else None
            data = getattr(grad, "_data", None)
            if data is not None and getattr(data, "size", 0):
                norms[badge["id"]] = float(np.sqrt(np.sum(np.asarray(data, dtype=np.float64) ** 2)))
        return norms

    def _set_edge_label(self, u: str, v: str, index: int, text: str) -> None:
        """Label the line for input ``index`` of edge u -> v with ``text`` (an empty text removes
        the label). Where it goes is decided when labels are decluttered, from its spots."""
        labels = self.__dict__.setdefault("_edge_labels", {})
        key = (u, v, index)
        label = labels.get(key)
        if not text:
            if label is not None:
                self.removeItem(label)
                del labels[key]
            return
        if label is None:
            label = _EdgeLabel(self.theme)
            label.setVisible(False)  # _declutter_edge_labels decides
            self.addItem(label)
            labels[key] = label
        if label.full_text != text:
            label.set_label(text)
            label.spots = self._label_spots(u, v, index, label.boundingRect().size())
            label.setPos(label.spots[0])

    def _label_spots(self, u: str, v: str, index: int, size) -> list[QPointF]:
        """Where a label of ``size`` may go on the line for input ``index`` of edge u -> v, best
        first (see :mod:`gradviz.qt.edge_label_spots`)."""
        routes = getattr(self.positions, "routes", {})
        bends = [QPointF(x * SLOT_X, y * SLOT_Y) for x, y in routes.get((u, v), ())]
        dx, dy = self._parallel_offset(u, v, self.graph.edges[u, v], index)
        layered = getattr(self.positions, "method", "layered") == "layered"
        return label_spots(self._scene_pos(u), self._scene_pos(v), bends, size, QPointF(dx, dy), layered, LABEL_BOX)

    def edge_label(self, u: str, v: str, index: int | None = None) -> str:
        """The gradient label of edge u -> v ('' when none), shown or not; for parallel edges the
        one of input ``index`` (default: the first)."""
        found = self._labels_of(u, v, index)
        return found[0].full_text if found else ""

    def edge_labels(self, u: str, v: str) -> list[str]:
        """Every gradient label of edge u -> v, one per input it stands for (two for ``x * x``)."""
        return [label.full_text for label in self._labels_of(u, v)]

    def clear_step_state(self) -> None:
        for label in self.__dict__.pop("_edge_labels", {}).values():
            self.removeItem(label)
        self.__dict__.pop("_shown_labels", None)
        self._step_stepper = None
        for item in self.items_by_id.values():
            item.set_step_state(None, "")
            if item.param_badges:
                item.set_param_norms({})


class _EdgeLabel(QGraphicsSimpleTextItem):
    """A gradient label on an edge: elided to EDGE_LABEL_WIDTH, on a faint backing for contrast;
    the full text is its tooltip."""

    def __init__(self, theme: Theme) -> None:
        super().__init__()
        self.theme = theme
        self.full_text = ""
        self.spots: list[QPointF] = []  # where it may go, best first (GraphScene._label_spots)
        self.setFont(_font(7.5))
        self.setBrush(QColor(theme.highlight))
        self.setZValue(3)

    def set_label(self, text: str) -> None:
        self.full_text = text
        metrics = QFontMetricsF(self.font())
        self.setText(metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, EDGE_LABEL_WIDTH))
        self.setToolTip(text)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        background = QColor(self.theme.canvas)
        background.setAlpha(215)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(self.boundingRect().adjusted(-2, 0, 2, 0), 2, 2)
        super().paint(painter, option, widget)


# ---- helpers ---------------------------------------------------------------------------------


_FONTS: dict = {}


def _font(size: float, bold: bool = False) -> QFont:
    key = (size, bold)
    font = _FONTS.get(key)
    if font is None:
        font = QFont()
        font.setPointSizeF(size)
        font.setBold(bold)
        _FONTS[key] = font
    return font


def _tooltip(data: dict) -> str:
    parts = [data.get("name", "")]
    if data.get("kind") == "fold":
        parts = [data.get("label", "").split("\n")[0], f"{data.get('count', 0):,} repetitions of "
                 f"{data.get('name', '')}; double-click to expand"]
    elif data.get("kind") == "module":
        parts = [data.get("label", "").split("\n")[0], f"{data.get('count', 0):,} nodes; double-click to expand"]
    for badge in data.get("badges") or ():
        parts.append(f"◆ {badge.get('name')} {shape_text(badge.get('shape'))}"
                     + (" (shared)" if badge.get("shared") else "") + " — double-click the badge to expand")
    if data.get("shape") is not None:
        parts.append(f"shape {tuple(data['shape'])}  {data.get('dtype') or ''}")
    if data.get("module"):
        parts.append(f"module {data['module']}")
    return "\n".join(parts)


def _edge_indices(data: dict) -> tuple[int, ...]:
    """The ``next_functions`` indices one drawn edge stands for (``(0, 1)`` for ``x * x``)."""
    indices = data.get("input_indices")
    if indices:
        return tuple(indices)
    return (int(data.get("input_index", 0) or 0),)


def _edge_path(p: QPointF, q: QPointF, bends: list[QPointF], vertical: bool,
               drop: float = NODE_H / 2) -> tuple[QPainterPath, QPainterPath]:
    """The edge line from node p to node q (through bends) and its arrowhead at q; a downward
    edge starts ``drop`` px below p's centre (its box's bottom, or its badge strip's)."""
    line = QPainterPath()
    if vertical and q.y() > p.y():
        start = QPointF(p.x(), p.y() + drop)
        end = QPointF(q.x(), q.y() - NODE_H / 2 - 1)
        points = [start, *bends, end]
        if drop > NODE_H / 2:
            # Below a badge strip: straight down from the box between the two badges first.
            line.moveTo(QPointF(p.x(), p.y() + NODE_H / 2))
            line.lineTo(start)
        else:
            line.moveTo(start)
        for a, b in zip(points, points[1:]):
            mid = (a.y() + b.y()) / 2
            line.cubicTo(QPointF(a.x(), mid), QPointF(b.x(), mid), b)
        direction = (0.0, 1.0)
        tip = end
    else:
        start = _box_exit(p, q)
        end = _box_exit(q, p)
        line.moveTo(start)
        line.lineTo(end)
        dx, dy = end.x() - start.x(), end.y() - start.y()
        norm = math.hypot(dx, dy) or 1.0
        direction = (dx / norm, dy / norm)
        tip = end
    head = QPainterPath()
    size, half = 8.0, 4.0
    ux, uy = direction
    base = QPointF(tip.x() - ux * size, tip.y() - uy * size)
    head.moveTo(tip)
    head.lineTo(base.x() - uy * half, base.y() + ux * half)
    head.lineTo(base.x() + uy * half, base.y() - ux * half)
    head.closeSubpath()
    return line, head


def _box_exit(centre: QPointF, towards: QPointF) -> QPointF:
    """Where the segment from a box centre towards another point leaves the box."""
    dx, dy = towards.x() - centre.x(), towards.y() - centre.y()
    if dx == 0 and dy == 0:
        return centre
    sx = (NODE_W / 2) / abs(dx) if dx else math.inf
    sy = (NODE_H / 2) / abs(dy) if dy else math.inf
    s = min(sx, sy, 1.0)
    return QPointF(centre.x() + dx * s, centre.y() + dy * s)
