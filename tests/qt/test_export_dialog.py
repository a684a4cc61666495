"""File → Export from the app window: every format, scale, transparency, visible region, backward
state, failures that write nothing, and agreement with ``gradviz export``."""

from __future__ import annotations

import json
import sys
import textwrap
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QMessageBox, QRadioButton

from gradviz import cli
from gradviz.model.export import validate_graph_json
from gradviz.qt.export_dialog import ExportDialog
from gradviz.qt.main_window import MainWindow

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dot_reader import label_text, read_dot  # noqa: E402
from png_check import read_png  # noqa: E402

SVG_NS = "{http://www.w3.org/2000/svg}"

# The tutorial's first graph, plus a second use of `a` so AccumulateGrad gathers two gradients.
SCRIPT = textwrap.dedent(
    """\
    import torch
    import math

    a = torch.linspace(0., 2. * math.pi, steps=7, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    d = c + 1 + a * a
    out = d.sum()
    print("out is", out.item())
    """
)


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    w.apply_theme("light")
    yield w
    w.shutdown()
    alive = [t.name for t in threading.enumerate() if t.name.startswith("gradviz-")]
    assert alive == [], f"threads left running: {alive}"


@pytest.fixture
def ran(qtbot, window):
    """The window after running SCRIPT and drawing its graph."""
    window.editor.setPlainText(SCRIPT)
    window.action_run.trigger()
    qtbot.waitUntil(lambda: not window.is_busy() and window.scene is not None, timeout=30000)
    return window


def make_dialog(window):
    """The dialog as the window composes it: the workspace, the graph view and the settings."""
    return ExportDialog(window.workspace, window.view, window.settings, window.theme_name)


@pytest.fixture
def dialog(qtbot, ran):
    d = make_dialog(ran)
    qtbot.addWidget(d)
    return d


@pytest.fixture
def no_message_boxes(monkeypatch):
    """Record QMessageBox.warning calls instead of blocking on a modal box."""
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a, **k: shown.append(text))
    return shown


def svg_texts(path: Path) -> str:
    root = ET.parse(path).getroot()
    assert root.tag == SVG_NS + "svg"
    return " ".join("".join(el.itertext()) for el in root.iter(SVG_NS + "text"))


def grad_fn_names(doc: dict) -> set[str]:
    # PyTorch names the leaf node "torch::autograd::AccumulateGrad"; the scene shows "AccumulateGrad".
    return {n["name"].split("::")[-1] for n in doc["nodes"] if n["kind"] == "grad_fn"}


def step(window, times: int) -> None:
    action = window.findChild(QAction, "actionStep")
    for _ in range(times):
        action.trigger()


# ---- the action and the widgets -----------------------------------------------------------------
def test_file_menu_has_export_actions(qtbot, ran):
    image = ran.findChild(QAction, "actionExportImage")
    data = ran.findChild(QAction, "actionExportData")
    assert image is not None and data is not None
    assert image.shortcut().toString() == "Ctrl+E"
    assert image in ran.menus["File"].actions() and data in ran.menus["File"].actions()
    image.trigger()
    opened = ran.findChild(ExportDialog, "exportDialog")
    assert opened is not None and opened.isVisible()
    assert opened.findChild(QDoubleSpinBox, "exportScale").maximum() == 8.0
    assert opened.findChild(QDoubleSpinBox, "exportScale").minimum() == 0.5
    assert opened.findChild(QCheckBox, "exportTransparent") is not None
    assert opened.findChild(QRadioButton, "exportVisibleOnly") is not None
    opened.reject()


def test_data_formats_disable_image_options(dialog):
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("json"))
    assert not dialog.scale_box.isEnabled() and not dialog.transparent_box.isEnabled()
    assert dialog.path().endswith(".json")
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("png"))
    assert dialog.scale_box.isEnabled() and dialog.visible_button.isEnabled()
    assert dialog.path().endswith(".png")


# ---- each format ----------------------------------------------------------------------------------
def test_png(dialog, tmp_path):
    out = dialog.export_to(tmp_path / "g.png", "png", scale=1.0)
    assert out == tmp_path / "g.png"
    info = read_png(out.read_bytes())
    assert info.width > 100 and info.height > 100
    corner = info.first_row[0]
    # Themed (light) background: opaque and near white.
    assert (len(corner) == 3 or corner[3] == 255) and sum(corner[:3]) > 600


def test_scale_changes_png_size(dialog, tmp_path):
    one = read_png(dialog.export_to(tmp_path / "one.png", "png", scale=1.0).read_bytes())
    three = read_png(dialog.export_to(tmp_path / "three.png", "png", scale=3.0).read_bytes())
    assert abs(three.width - 3 * one.width) <= 3 and abs(three.height - 3 * one.height) <= 3


def test_transparent_png_has_clear_corner(dialog, tmp_path):
    info = read_png(dialog.export_to(tmp_path / "t.png", "png", scale=1.0, transparent=True).read_bytes())
    assert info.color_type == 6  # RGBA
    assert info.first_row[0][3] == 0


def test_visible_region_is_what_the_view_shows(dialog, ran, tmp_path):
    ran.view.resetTransform()
    ran.view.scale(2.0, 2.0)  # zoomed in: the view shows part of the graph
    whole = read_png(dialog.export_to(tmp_path / "whole.png", "png", scale=1.0).read_bytes())
    part = read_png(dialog.export_to(tmp_path / "part.png", "png", scale=1.0, visible_only=True).read_bytes())
    viewport = ran.view.viewport().rect()
    # At scale 1 the PNG is the visible scene rectangle: the viewport's size divided by the zoom.
    assert abs(part.width - viewport.width() / 2) <= 2 and abs(part.height - viewport.height() / 2) <= 2
    assert (part.width, part.height) != (whole.width, whole.height)


def test_svg_keeps_node_names_as_text(dialog, tmp_path):
    json_doc = json.loads(dialog.export_to(tmp_path / "g.json", "json").read_text())
    texts = svg_texts(dialog.export_to(tmp_path / "g.svg", "svg"))
    for name in grad_fn_names(json_doc) | {"a"}:
        assert name in texts, name


def test_pdf(dialog, tmp_path):
    data = dialog.export_to(tmp_path / "g.pdf", "pdf").read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_dot_describes_the_graph(dialog, ran, tmp_path):
    graph = read_dot(dialog.export_to(tmp_path / "g.dot", "dot").read_text())
    assert set(graph.nodes) == set(ran.model.graph.nodes)
    # A label's first line is the node's name; more lines add shape/variable details.
    labels = {label_text(attrs["label"]).splitlines()[0] for attrs in graph.nodes.values()}
    assert {"SinBackward0", "SumBackward0", "a"} <= labels
    assert len(graph.edges) >= ran.model.graph.number_of_edges()


def test_json_is_valid_and_names_the_root(dialog, tmp_path):
    doc = json.loads(dialog.export_to(tmp_path / "g.json", "json").read_text())
    assert validate_graph_json(doc) == []
    assert doc["root"] == "out" and doc["steps"] == []
    assert {"SinBackward0", "MulBackward0", "AddBackward0", "SumBackward0"} <= grad_fn_names(doc)


# ---- the backward state ---------------------------------------------------------------------------
def test_export_after_steps_carries_the_step_state(dialog, ran, tmp_path):
    before = svg_texts(dialog.export_to(tmp_path / "before.svg", "svg"))
    step(ran, 3)
    assert ran.backward_tools.stepper.position == 2
    doc = json.loads(dialog.export_to(tmp_path / "stepped.json", "json").read_text())
    assert validate_graph_json(doc) == []
    assert len(doc["steps"]) == 3
    assert [s["name"] for s in doc["steps"]][0] == "SumBackward0"
    after = svg_texts(dialog.export_to(tmp_path / "stepped.svg", "svg"))
    # Edges that carried a gradient are labelled: the drawing gained text.
    assert len(after) > len(before)
    assert "3 backward step" in dialog._describe_state() or "3 step" in dialog._describe_state()
    # Stepping back is reflected too: the log holds only the steps up to the current position.
    ran.findChild(QAction, "actionStepBack").trigger()
    doc = json.loads(dialog.export_to(tmp_path / "back.json", "json").read_text())
    assert len(doc["steps"]) == 2


def test_json_after_all_steps_has_the_leaf_gradient(dialog, ran, tmp_path):
    import math

    step(ran, 50)  # more than enough: stepping past the end does nothing
    doc = json.loads(dialog.export_to(tmp_path / "all.json", "json").read_text())
    grad = doc["leaves"]["a"]["grad"]
    xs = [2 * math.pi * i / 6 for i in range(7)]
    # d/da sum(2 sin a + 1 + a*a) = 2 cos a + 2a
    assert grad == pytest.approx([2 * math.cos(x) + 2 * x for x in xs], rel=1e-6, abs=1e-6)


# ---- failures write nothing -----------------------------------------------------------------------
def test_failed_export_writes_nothing_and_shows_a_message(dialog, tmp_path, no_message_boxes, monkeypatch):
    existing = tmp_path / "g.png"
    existing.write_bytes(b"old contents")

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("gradviz.qt.render.render_scene", broken)
    assert dialog.export_to(existing, "png") is None
    assert existing.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert len(no_message_boxes) == 1 and "disk full" in no_message_boxes[0]
    assert "disk full" in dialog.last_error


def test_missing_folder_and_bad_scale_are_reported(dialog, tmp_path, no_message_boxes):
    assert dialog.export_to(tmp_path / "nowhere" / "g.json", "json") is None
    assert dialog.export_to(tmp_path / "g.png", "png", scale=20.0) is None
    assert not (tmp_path / "g.png").exists()
    assert len(no_message_boxes) == 2
    assert "does not exist" in no_message_boxes[0] and "scale" in no_message_boxes[1]


def test_no_graph_yet(qtbot, window, tmp_path, no_message_boxes):
    d = make_dialog(window)
    qtbot.addWidget(d)
    assert not d.export_button.isEnabled()
    assert d.export_to(tmp_path / "g.png", "png") is None
    assert "run a script first" in no_message_boxes[0]
    assert list(tmp_path.glob("g.*")) == []


def test_export_button_exports_and_closes(dialog, tmp_path):
    dialog.show()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("svg"))
    dialog.path_edit.setText(str(tmp_path / "button.svg"))
    dialog.export_button.click()
    assert (tmp_path / "button.svg").exists() and not dialog.isVisible()
    assert dialog.result() == ExportDialog.DialogCode.Accepted


def test_choices_are_remembered(qtbot, dialog, ran, tmp_path):
    dialog.export_to(tmp_path / "x.png", "png", scale=4.0, transparent=True)
    again = make_dialog(ran)
    qtbot.addWidget(again)
    assert again.scale_box.value() == 4.0 and again.transparent_box.isChecked()
    assert Path(again.path()).parent == tmp_path


# ---- the app agrees with the command line -----------------------------------------------------------
def test_app_export_matches_cli(capsys, dialog, tmp_path):
    script = tmp_path / "tutorial.py"
    script.write_text(SCRIPT)
    app_json = json.loads(dialog.export_to(tmp_path / "app.json", "json").read_text())
    assert cli.main(["export", str(script), "-o", str(tmp_path / "cli.json")]) == 0, capsys.readouterr().err
    cli_json = json.loads((tmp_path / "cli.json").read_text())
    assert {n["name"] for n in app_json["nodes"]} == {n["name"] for n in cli_json["nodes"]}
    assert {n["id"] for n in app_json["nodes"]} == {n["id"] for n in cli_json["nodes"]}
    assert app_json["root"] == cli_json["root"] == "out"

    app_svg = svg_texts(dialog.export_to(tmp_path / "app.svg", "svg"))
    assert cli.main(["export", str(script), "-o", str(tmp_path / "cli.svg")]) == 0, capsys.readouterr().err
    cli_svg = svg_texts(tmp_path / "cli.svg")
    for name in grad_fn_names(cli_json) | {"a"}:
        assert name in app_svg and name in cli_svg, name
    assert sorted(app_svg.split()) == sorted(cli_svg.split())


def test_app_json_after_steps_matches_cli_steps(capsys, dialog, ran, tmp_path):
    script = tmp_path / "tutorial.py"
    script.write_text(SCRIPT)
    step(ran, 4)
    app_json = json.loads(dialog.export_to(tmp_path / "app.json", "json").read_text())
    assert cli.main(["export", str(script), "-o", str(tmp_path / "cli.json"), "--steps", "4"]) == 0
    cli_json = json.loads((tmp_path / "cli.json").read_text())
    assert [s["name"] for s in app_json["steps"]] == [s["name"] for s in cli_json["steps"]]
    assert app_json["leaves"] == cli_json["leaves"]


# ---- every plot in the Plots dock exports too -------------------------------------------------------
PLOT_EXPORT_BUTTONS = ("valuePlotExport", "gradientPlotExport", "histogramPlotExport",
                       "valueHeatmapExport", "gradHeatmapExport")


@pytest.mark.parametrize("button_name", PLOT_EXPORT_BUTTONS)
def test_each_plot_has_an_export_button(qtbot, ran, tmp_path, monkeypatch, button_name):
    from PySide6.QtWidgets import QFileDialog, QPushButton

    panel = ran.backward_tools.plots
    button = panel.findChild(QPushButton, button_name)
    assert button is not None, button_name
    for name, chosen_filter in (("plot", "PNG image (*.png)"), ("drawing", "SVG drawing (*.svg)")):
        # The user typed no extension: the chosen filter decides the format.
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            lambda *_a, name=name, f=chosen_filter, **_k: (str(tmp_path / name), f))
        button.click()
    read_png((tmp_path / "plot.png").read_bytes())
    assert ET.parse(tmp_path / "drawing.svg").getroot().tag == SVG_NS + "svg"


def test_plot_export_failure_is_shown(qtbot, ran, tmp_path, monkeypatch, no_message_boxes):
    from PySide6.QtWidgets import QFileDialog, QPushButton

    target = tmp_path / "missing-folder" / "p.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(target), "PNG image (*.png)"))
    ran.backward_tools.plots.findChild(QPushButton, "valueHeatmapExport").click()
    assert len(no_message_boxes) == 1 and not target.exists()
