"""Plots dock: the arrays that reach the pyqtgraph items, live gradient plot, export."""

from __future__ import annotations

import math

import numpy as np
import pytest
import pytestqt  # noqa: E402,F401  (pytest-qt is a test dependency: fail loudly if it is missing)

import engine as torch
from gradviz.kernel.engine_stepping import EngineStepper
from gradviz.qt.plots import HeatmapView, PlotsPanel


def tutorial():
    a = torch.linspace(0.0, 2.0 * math.pi, steps=25, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    d = c + 1
    out = d.sum()
    return {"a": a, "b": b, "c": c, "d": d, "out": out}


def test_value_plot_shows_b_against_a(qtbot):
    t = tutorial()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.set_tensors(t, x_default="a", y_default="b")
    x, y = panel.value_curve.getData()
    np.testing.assert_allclose(x, t["a"].detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(y, np.sin(t["a"].detach().numpy()), rtol=1e-5, atol=1e-6)
    # Selecting a node plots its output on y.
    panel.select(t["c"].grad_fn)
    x, y = panel.value_curve.getData()
    np.testing.assert_allclose(y, 2 * np.sin(t["a"].detach().numpy()), rtol=1e-5, atol=1e-6)


def assert_selectors_match_plot(panel, tensors, x_name, y_name):
    """The combos, the axis labels and title, and the curve's numbers all describe the same pair."""
    plot = panel.value_tab.plot
    assert (panel.x_combo.currentText(), panel.y_combo.currentText()) == (x_name, y_name)
    assert plot.getAxis("bottom").labelText == x_name
    assert plot.getAxis("left").labelText == y_name
    assert plot.titleLabel.text == f"{y_name} against {x_name}"
    x, y = panel.value_curve.getData()
    np.testing.assert_array_equal(x, tensors[x_name].detach().numpy().astype(np.float64))
    np.testing.assert_array_equal(y, tensors[y_name].detach().numpy().astype(np.float64))


def test_value_selectors_and_plot_always_agree(qtbot):
    t = tutorial()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.set_tensors(t)  # defaults: the leaf on x, the last 1-D variable on y
    assert_selectors_match_plot(panel, t, "a", "d")
    panel.select(t["b"].grad_fn, "b")  # a graph node: the y combo follows the plot
    assert_selectors_match_plot(panel, t, "a", "b")
    panel.select(t["c"].grad_fn)  # no name given: the variable is found from the node
    assert_selectors_match_plot(panel, t, "a", "c")
    panel.y_combo.setCurrentText("d")  # the user picks y
    assert_selectors_match_plot(panel, t, "a", "d")
    panel.x_combo.setCurrentText("b")  # ... or x
    assert_selectors_match_plot(panel, t, "b", "d")
    panel.set_value_arrays(t["a"], t["c"], "a", "c")
    assert_selectors_match_plot(panel, t, "a", "c")
    # A tensor without a variable name gets its own entry, named as selected.
    unnamed = torch.cos(t["a"]).detach()
    panel.select(unnamed, "cos(a)")
    assert_selectors_match_plot(panel, {**t, "cos(a)": unnamed}, "a", "cos(a)")
    # A tensor of another length cannot be plotted against x: plot and combos both stay.
    panel.select(torch.zeros(3), "short")
    assert_selectors_match_plot(panel, {**t, "cos(a)": unnamed}, "a", "cos(a)")
    assert "unchanged" in panel.info.text()
    # A new run replaces the choices and the plot together.
    t2 = tutorial()
    panel.set_tensors(t2, x_default="a", y_default="b")
    assert_selectors_match_plot(panel, t2, "a", "b")
    assert panel.y_combo.findText("cos(a)") == -1
    # A run without 1-D tensors leaves nothing plotted and nothing selected.
    panel.set_tensors({"out": t2["out"]})
    x, _ = panel.value_curve.getData()
    assert (x is None or len(x) == 0) and panel.y_combo.currentText() == ""


def test_gradient_plot_follows_the_stepper_to_two_cos_a(qtbot):
    t = tutorial()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.set_tensors(t)
    stepper = EngineStepper(t["out"])
    panel.attach_stepper(stepper)
    assert panel.gradient_name == "a"
    x, y = panel.grad_curve.getData()
    assert x is None or len(x) == 0  # no gradient yet
    stepper.continue_()
    x, y = panel.grad_curve.getData()
    a = t["a"].detach().numpy()
    np.testing.assert_allclose(x, a, rtol=1e-6)
    np.testing.assert_allclose(y, 2 * np.cos(a), rtol=1e-5, atol=1e-6)
    stepper.step_back()
    x, y = panel.grad_curve.getData()
    assert x is None or len(x) == 0


def test_histogram_counts_and_heatmap_of_a_matrix(qtbot):
    torch.manual_seed(0)
    w = torch.randn(4, 6, requires_grad=True)
    (w * w).sum().backward()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.set_tensors({"w": w})
    panel.select(w, "w")
    assert panel.hist_counts.sum() == 24
    np.testing.assert_array_equal(panel.value_heatmap.data, w.detach().numpy())
    np.testing.assert_allclose(panel.grad_heatmap.data, 2 * w.detach().numpy(), rtol=1e-6)
    panel.hist_source.setCurrentText("gradients")
    counts, _ = np.histogram(2 * w.detach().numpy(), bins=30)
    np.testing.assert_array_equal(panel.hist_counts, counts)


def test_export_png_and_svg(qtbot, tmp_path):
    t = tutorial()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    panel.set_tensors(t, x_default="a", y_default="b")
    png = tmp_path / "value.png"
    svg = tmp_path / "value.svg"
    panel.value_tab.export(str(png))
    panel.value_tab.export(str(svg))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in svg.read_text()


def test_crosshair_readout(qtbot):
    t = tutorial()
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    panel.set_tensors(t, x_default="a", y_default="b")
    plot = panel.value_tab.plot
    centre = plot.vb.mapViewToScene(plot.vb.viewRect().center())
    panel.value_tab.crosshair.move_to_scene_pos(centre)
    assert panel.value_tab.readout.text().startswith("x = ")
    view_centre = plot.vb.viewRect().center()
    assert panel.value_tab.crosshair.vline.value() == pytest.approx(view_centre.x(), rel=1e-3, abs=1e-3)


def test_heatmap_view_labels_small_matrices(qtbot):
    view = HeatmapView()
    qtbot.addWidget(view)
    view.set_matrix(np.arange(6.0).reshape(2, 3))
    assert [lab.toPlainText() for lab in view._labels] == ["0", "1", "2", "3", "4", "5"]
    view.set_matrix(np.zeros((30, 30)))
    assert view._labels == []


def test_heatmap_redraw_updates_the_numbers_in_place_and_follows_the_shape(qtbot):
    """A Step redraws the gradient heatmap with the same shape: the numbers change, the text items
    are reused (creating them made every Step ~20 ms slower), and a new shape gets the right count."""
    view = HeatmapView()
    qtbot.addWidget(view)
    view.set_matrix(np.arange(6.0).reshape(2, 3), "g")
    first = list(view._labels)
    view.set_matrix(np.arange(6.0).reshape(2, 3) * 10, "g")
    assert view._labels == first
    assert [lab.toPlainText() for lab in view._labels] == ["0", "10", "20", "30", "40", "50"]
    assert [(lab.pos().x(), lab.pos().y()) for lab in view._labels][4] == (1.0, 1.0)
    view.set_matrix(np.ones((1, 2)), "g")
    assert [lab.toPlainText() for lab in view._labels] == ["1", "1"]
    assert sum(isinstance(item, type(first[0])) for item in view.plot.items) == 2
    assert np.array_equal(view.data, np.ones((1, 2)))
    view.set_matrix(np.full((1, 2), 7.0), "g")  # same shape, new values: redrawn
    assert [lab.toPlainText() for lab in view._labels] == ["7", "7"] and view.data[0, 0] == 7.0
