"""gradviz.qt.render: PNG/SVG/PDF of a scene, backgrounds, scale, a given rectangle, size caps."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QGraphicsScene

from gradviz.qt import render
from gradviz.qt.render import MARGIN, image_size, render_scene

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from png_check import read_png  # noqa: E402


@pytest.fixture
def scene(qapp):
    s = QGraphicsScene()
    s.addRect(0, 0, 200, 100)
    s.addSimpleText("MulBackward0").setPos(10, 10)
    s.addSimpleText("AccumulateGrad").setPos(10, 50)
    s.setBackgroundBrush(QColor("#123456"))
    return s


def test_png_size_scale_and_theme_background(scene, tmp_path):
    size = render_scene(scene, tmp_path / "a.png")
    info = read_png((tmp_path / "a.png").read_bytes())
    rect = scene.itemsBoundingRect()
    assert (info.width, info.height) == (size.width(), size.height())
    assert info.width == pytest.approx(rect.width() + 2 * MARGIN, abs=1)
    assert info.first_row[0][:3] == (0x12, 0x34, 0x56)  # the scene's own background
    big = render_scene(scene, tmp_path / "b.png", scale=8)
    assert big.width() == pytest.approx(8 * size.width(), abs=8)


def test_png_transparent_and_explicit_colours(scene, tmp_path):
    render_scene(scene, tmp_path / "t.png", background="transparent")
    image = QImage(str(tmp_path / "t.png"))
    assert image.hasAlphaChannel() and image.pixelColor(0, 0).alpha() == 0
    # The drawing itself is there: some pixel is opaque.
    assert any(image.pixelColor(x, image.height() // 2).alpha() == 255 for x in range(image.width()))
    render_scene(scene, tmp_path / "w.png", background="#ff0000")
    assert QImage(str(tmp_path / "w.png")).pixelColor(0, 0).name() == "#ff0000"
    assert scene.backgroundBrush().color().name() == "#123456"  # restored after rendering


def test_a_given_rectangle(scene, tmp_path):
    size = render_scene(scene, tmp_path / "r.png", rect=QRectF(0, 0, 50, 40), scale=2)
    assert (size.width(), size.height()) == (100, 80)


def test_svg_keeps_text_and_pdf_is_vector(scene, tmp_path):
    render_scene(scene, tmp_path / "g.svg")
    root = ET.parse(tmp_path / "g.svg").getroot()
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "MulBackward0" in texts and "AccumulateGrad" in texts
    page = render_scene(scene, tmp_path / "g.pdf", scale=2)
    data = (tmp_path / "g.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and b"/MediaBox" in data
    assert page.width() == pytest.approx(2 * (scene.itemsBoundingRect().width() + 2 * MARGIN))
    assert b"/Subtype /Image" not in data  # drawn as vectors and text, not as a picture


def test_bad_requests_raise(scene, tmp_path):
    with pytest.raises(ValueError, match="format"):
        render_scene(scene, tmp_path / "g.gif")
    with pytest.raises(ValueError, match="scale"):
        render_scene(scene, tmp_path / "g.png", scale=9)
    with pytest.raises(ValueError, match="colour"):
        render_scene(scene, tmp_path / "g.png", background="not-a-colour")


def test_huge_images_are_scaled_down(monkeypatch):
    size, used = image_size(QRectF(0, 0, 100_000, 100_000), 2.0)
    assert size.width() * size.height() <= render.MAX_PIXELS * 1.01 and used < 2.0
    size, used = image_size(QRectF(0, 0, 100, 100), 2.0)
    assert (size.width(), size.height(), used) == (200, 200, 2.0)


def test_export_dialog_writes_the_chosen_format(scene, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    answers = iter([(str(tmp_path / "picked"), "SVG drawing (*.svg)"), ("", "")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: next(answers))
    written = render.export_dialog(None, scene)
    assert written == str(tmp_path / "picked.svg")
    ET.parse(written)  # a well-formed SVG
    assert render.export_dialog(None, scene) is None  # cancelled
