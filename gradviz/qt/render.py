"""Render a QGraphicsScene to a file: PNG (raster), SVG and PDF (vector, text kept as text).

Used by the app's "Export image" action and by ``gradviz export`` (on the offscreen platform). The
three formats draw the same scene rectangle through ``QGraphicsScene.render``, so a PNG, an SVG and a
PDF of one graph show the same thing at the same proportions.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRect, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsScene

FORMATS = ("png", "svg", "pdf")
MAX_SCALE = 8.0
# Empty space around the drawing, in scene units.
MARGIN = 24.0
# A PNG larger than this is drawn at a smaller scale: memory (4 bytes a pixel) and encoding time
# grow with the pixel count, and viewers struggle long before QImage's own limits.
MAX_PIXELS = 40_000_000
MAX_SIDE = 32_000
# Qt maps PNG "quality" to zlib effort; 80 encodes ~3x faster than the default for ~10% more bytes
# (the drawings are mostly flat colour, which compresses well at any level).
PNG_QUALITY = 80


def export_rect(scene: QGraphicsScene, rect: QRectF | None = None) -> QRectF:
    """The scene rectangle an export covers: ``rect``, or every item plus a margin."""
    if rect is not None:
        return QRectF(rect)
    bounds = scene.itemsBoundingRect()
    if bounds.isEmpty():
        bounds = QRectF(0, 0, 1, 1)
    return bounds.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def _background_color(scene: QGraphicsScene, background) -> QColor | None:
    """None for a transparent background, else the colour to fill with.

    ``background``: "transparent"; "theme" (None also means this) for the scene's own background
    brush, white when it has none; or anything QColor accepts ("#202124", QColor).
    """
    if background == "transparent":
        return None
    if background is None or background == "theme":
        brush = scene.backgroundBrush()
        if brush.style() != Qt.BrushStyle.NoBrush:
            return QColor(brush.color())
        return QColor("white")
    color = QColor(background)
    if not color.isValid():
        raise ValueError(f"not a colour: {background!r}")
    return color


def image_size(rect: QRectF, scale: float) -> tuple[QSize, float]:
    """Pixel size of a PNG of ``rect`` at ``scale``, and the scale really used (capped for huge scenes)."""
    w, h = max(rect.width(), 1.0), max(rect.height(), 1.0)
    limit = min(math.sqrt(MAX_PIXELS / (w * h)), MAX_SIDE / w, MAX_SIDE / h)
    used = min(scale, limit)
    return QSize(max(1, math.ceil(w * used)), max(1, math.ceil(h * used))), used


def _paint(scene: QGraphicsScene, painter: QPainter, target: QRectF, source: QRectF, fill: QColor | None) -> None:
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    if fill is not None:
        painter.fillRect(target, fill)
    # scene.render would paint the scene's background brush too; we filled (or not) ourselves.
    saved_brush = scene.backgroundBrush()
    scene.setBackgroundBrush(Qt.BrushStyle.NoBrush)
    try:
        scene.render(painter, target, source, Qt.AspectRatioMode.IgnoreAspectRatio)
    finally:
        scene.setBackgroundBrush(saved_brush)


def render_png(scene: QGraphicsScene, path: str | Path, scale: float = 1.0, background="theme",
               rect: QRectF | None = None) -> QSize:
    """Write a PNG; returns its pixel size."""
    source = export_rect(scene, rect)
    size, used = image_size(source, scale)
    if used < scale:
        print(f"gradviz: image too large at scale {scale:g}; drawn at scale {used:.3g}", file=sys.stderr)
    fill = _background_color(scene, background)
    # An opaque picture needs no alpha channel: RGB encodes a quarter less data, noticeably faster.
    fmt = QImage.Format.Format_ARGB32_Premultiplied if fill is None else QImage.Format.Format_RGB32
    image = QImage(size, fmt)
    if image.isNull():
        raise MemoryError(f"cannot allocate a {size.width()}x{size.height()} image")
    image.fill(Qt.GlobalColor.transparent if fill is None else fill)
    painter = QPainter(image)
    try:
        _paint(scene, painter, QRectF(0, 0, size.width(), size.height()), source, None)
    finally:
        painter.end()
    if not image.save(str(path), "PNG", PNG_QUALITY):
        raise OSError(f"could not write PNG to {path}")
    return size


def render_svg(scene: QGraphicsScene, path: str | Path, scale: float = 1.0, background="theme",
               rect: QRectF | None = None, title: str = "gradviz graph") -> QSize:
    """Write an SVG; text items stay ``<text>`` elements so node names can be searched and selected."""
    source = export_rect(scene, rect)
    size = QSize(max(1, math.ceil(source.width() * scale)), max(1, math.ceil(source.height() * scale)))
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("The grad_fn graph drawn by gradviz")
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"could not write SVG to {path}")
    try:
        _paint(scene, painter, QRectF(0, 0, size.width(), size.height()), source,
               _background_color(scene, background))
    finally:
        painter.end()
    return size


def render_pdf(scene: QGraphicsScene, path: str | Path, scale: float = 1.0, background="theme",
               rect: QRectF | None = None, title: str = "gradviz graph") -> QSizeF:
    """Write a one-page vector PDF whose page is the drawing's size (1 scene unit = ``scale`` points)."""
    source = export_rect(scene, rect)
    page = QSizeF(source.width() * scale, source.height() * scale)
    writer = QPdfWriter(str(path))
    writer.setTitle(title)
    writer.setCreator("gradviz")
    writer.setResolution(72)  # one device pixel per point: the target rectangle is in points
    writer.setPageLayout(QPageLayout(QPageSize(page, QPageSize.Unit.Point, "gradviz"),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"could not write PDF to {path}")
    try:
        _paint(scene, painter, QRectF(0, 0, page.width(), page.height()), source,
               _background_color(scene, background))
    finally:
        painter.end()
    return page


def render_scene(scene: QGraphicsScene, path: str | Path, fmt: str | None = None, scale: float = 1.0,
                 background="theme", rect: QRectF | None = None):
    """Write ``scene`` (or the scene rectangle ``rect``) to ``path`` as PNG, SVG or PDF.

    ``fmt`` defaults to the file's extension. ``scale`` (0 < scale <= 8) multiplies scene units into
    pixels (PNG, SVG) or points (PDF). ``background``: "theme" (the scene's background brush),
    "transparent", or a colour. Returns the output's size.
    """
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown image format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not 0 < scale <= MAX_SCALE:
        raise ValueError(f"scale must be in (0, {MAX_SCALE:g}], got {scale}")
    writer = {"png": render_png, "svg": render_svg, "pdf": render_pdf}[fmt]
    return writer(scene, path, scale=scale, background=background, rect=rect)


IMAGE_FILTER = "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"


def export_dialog(parent, scene: QGraphicsScene, suggested: str = "graph.png", scale: float = 2.0) -> str | None:
    """Ask for a file name and write ``scene`` there (the app's "Export image…" action).

    The format follows the chosen extension (PNG when there is none). Returns the path written, or
    None when the user cancelled; a failure is shown in a message box.
    """
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    path, chosen = QFileDialog.getSaveFileName(parent, "Export graph image", suggested, IMAGE_FILTER)
    if not path:
        return None
    if Path(path).suffix.lstrip(".").lower() not in FORMATS:
        path += "." + chosen.split("*.")[-1].rstrip(")") if "*." in chosen else ".png"
    try:
        render_scene(scene, path, scale=scale if path.lower().endswith(".png") else 1.0)
    except (OSError, ValueError, MemoryError) as exc:
        QMessageBox.warning(parent, "gradviz", f"Could not export the graph: {exc}")
        return None
    return path
