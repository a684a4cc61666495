"""The graph viewport: wheel zoom under the cursor, drag to pan, fit, centre on a node, notices."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QGraphicsScene, QGraphicsView, QWidget

from .graph_scene import LABEL_LOD, GraphScene

MIN_SCALE = 0.02
MAX_SCALE = 4.0
# Below this zoom a new graph is not shown whole but from its root (node text stays legible).
READABLE_SCALE = 0.35


class GraphView(QGraphicsView):
    """Shows a GraphScene; ``notice`` is drawn in the top-left corner (e.g. "showing 6,000 of ...")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("graphView")
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, True)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.notice = ""
        self.placeholder = "Run a script (Ctrl+Enter) to see its graph."
        # Without a scene QGraphicsView paints nothing, not even the placeholder: keep an empty one.
        self._empty_scene = QGraphicsScene(self)
        self.setScene(self._empty_scene)

    def show_empty(self, placeholder: str | None = None) -> None:
        """Show no graph, only the placeholder text (``placeholder`` replaces it when given)."""
        if placeholder is not None:
            self.placeholder = placeholder
        self.notice = ""
        self.setScene(self._empty_scene)
        self.viewport().update()

    # ---- zoom ----------------------------------------------------------------------------------
    def current_scale(self) -> float:
        return self.transform().m11()

    def zoom(self, factor: float) -> None:
        self._fitted = False
        target = min(MAX_SCALE, max(MIN_SCALE, self.current_scale() * factor))
        factor = target / self.current_scale()
        self.scale(factor, factor)

    def zoom_in(self) -> None:
        self.zoom(1.25)

    def zoom_out(self) -> None:
        self.zoom(0.8)

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y()
        if delta:
            self.zoom(1.0015 ** delta)
            event.accept()
        else:
            super().wheelEvent(event)

    def setScene(self, scene) -> None:
        super().setScene(scene)
        self.setSceneRect(QRectF())  # follow the new scene's own rect until a fit says otherwise

    def notice_height(self) -> float:
        """Height in viewport pixels of the notice banner (0 without one), margins included."""
        if not self.notice:
            return 0.0
        font = QFont()
        font.setPointSizeF(9.5)
        metrics = QFontMetrics(font)
        available = max(120, self.viewport().width() - 40)
        bounds = metrics.boundingRect(0, 0, available, 10_000, Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap,
                                      self.notice)
        return bounds.height() + 10 + 10 + 8  # box padding, its offset from the edge, a gap

    def _graph_rect(self) -> QRectF:
        """The graph's bounds with a margin, and room above it for the notice banner at the
        current zoom (so a fitted graph's root is never under the banner)."""
        scene = self.scene()
        rect = scene.itemsBoundingRect().adjusted(-30, -30, 30, 30)
        banner = self.notice_height()
        if banner and not rect.isEmpty():
            rect.setTop(rect.top() - banner / max(self.current_scale(), MIN_SCALE))
            self.setSceneRect(scene.sceneRect().united(rect))
        return rect

    def fit(self) -> None:
        """Show the whole graph (below the notice banner, if any), but never blow a tiny graph
        up past 100 %."""
        scene = self.scene()
        if scene is None:
            return
        rect = scene.itemsBoundingRect().adjusted(-30, -30, 30, 30)
        if rect.isEmpty():
            return
        banner = self.notice_height()
        port = self.viewport().rect()
        scale = min(port.width() / rect.width(), max(port.height() - banner, 40) / rect.height(), 1.0)
        # A hair under the exact fit: at the exact fit rounding can bring up scroll bars, which
        # take their width from the viewport and cut off the outermost nodes.
        scale = max(scale * 0.98, MIN_SCALE)
        self.resetTransform()
        self.scale(scale, scale)
        # The view's extent is the graph plus room above it for the banner at this zoom: no
        # scroll bars appear to eat into the fitted area, and the graph is centred below the banner.
        full = rect.adjusted(0, -banner / scale, 0, 0)
        self.setSceneRect(full)
        self.centerOn(full.center())
        # Until the user zooms or pans, a resize of the view (docks settling, the window resized)
        # fits again, so a fitted graph never ends up cut off.
        self._fitted = True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "_fitted", False) and not getattr(self, "_refitting", False):
            self._refitting = True
            try:
                self.fit()
            finally:
                self._refitting = False

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.itemAt(event.position().toPoint()) is None:
            self._fitted = False  # the user starts to pan
        super().mousePressEvent(event)

    def show_top(self) -> None:
        """A new graph's first view: all of it when that stays readable, else the root at the top
        (below the notice banner, if any) at a readable zoom, centred on the root horizontally
        (a 5,000-node chain fitted whole would be a hairline; a wide graph's middle may not hold
        the root)."""
        self.fit()
        scene = self.scene()
        if scene is None or self.current_scale() >= READABLE_SCALE:
            return
        if getattr(getattr(scene, "positions", None), "method", "layered") != "layered":
            # Spring, Kamada-Kawai and shell put the root anywhere: the whole graph is the view
            # (the level-of-detail note says how to read the names).
            return
        rect = scene.itemsBoundingRect().adjusted(-30, -30, 30, 30)
        width_scale = self.viewport().width() / max(rect.width(), 1.0)
        target = min(1.0, max(0.5, width_scale))
        self.resetTransform()
        self.scale(target, target)
        rect = self._graph_rect()
        root = scene.items_by_id.get(scene.model.root_id) if isinstance(scene, GraphScene) else None
        half_width = self.viewport().width() / 2 / target
        half_height = self.viewport().height() / 2 / target
        x = root.pos().x() if root is not None else rect.center().x()
        # As much graph as possible beside the root, without pushing the root out of view.
        if rect.width() > 2 * half_width:
            x = min(max(x, rect.left() + half_width), rect.right() - half_width)
            if root is not None:
                edge = root.sceneBoundingRect()
                x = min(max(x, edge.right() + 20 - half_width), edge.left() - 20 + half_width)
        self.centerOn(x, rect.top() + half_height)
        self._fitted = False  # a chosen view of part of the graph: a resize keeps it

    def centre_on_node(self, node_id: str) -> None:
        self._fitted = False
        scene = self.scene()
        if not isinstance(scene, GraphScene):
            return
        item = scene.items_by_id.get(node_id)
        if item is None:
            return
        if self.current_scale() < 0.6:
            self.zoom(0.9 / self.current_scale())
        self.centerOn(item)

    # ---- overlay -------------------------------------------------------------------------------
    def lod_note(self) -> str:
        """Said in the bottom corner while the zoom is too small for node names to be drawn."""
        scene = self.scene()
        if not isinstance(scene, GraphScene) or not scene.items_by_id or self.current_scale() >= LABEL_LOD:
            return ""
        return (f"Zoom {self.current_scale():.0%}: node names are hidden below {LABEL_LOD:.0%}. "
                "Zoom in (Ctrl++ or the wheel) to read them; hover a node for its name.")

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        note = self.lod_note()
        if note:
            painter.save()
            painter.resetTransform()
            font = QFont()
            font.setPointSizeF(8.5)
            painter.setFont(font)
            metrics = painter.fontMetrics()
            width = min(metrics.horizontalAdvance(note) + 16, self.viewport().width() - 20)
            text = metrics.elidedText(note, Qt.TextElideMode.ElideRight, width - 16)
            box = QRectF(10, self.viewport().height() - metrics.height() - 18, width, metrics.height() + 8)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(40, 40, 40, 200))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(QColor("#ffffff"))
            painter.drawText(box.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
            painter.restore()
        scene = self.scene()
        text = self.notice
        if scene is None or not isinstance(scene, GraphScene) or not scene.items_by_id:
            text = self.placeholder if not text else text
        if not text:
            return
        painter.save()
        painter.resetTransform()
        font = QFont()
        font.setPointSizeF(9.5)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        # Wrap to the viewport: a long notice must not run off the edge of a narrow view.
        available = max(120, self.viewport().width() - 40)
        flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        bounds = metrics.boundingRect(0, 0, available, 10_000, flags, text)
        box = QRectF(10, 10, bounds.width() + 20, bounds.height() + 10)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(255, 243, 191, 235))
        painter.drawRoundedRect(box, 5, 5)
        painter.setPen(QColor("#3b3000"))
        painter.drawText(box.adjusted(10, 5, -10, -5), flags, text)
        painter.restore()
