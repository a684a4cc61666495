"""The Plots, Training and Profiler docks are built when first shown (backward_tools.py): a window
pays nothing for their pyqtgraph plots until then, and a panel built late shows what one built at
the start would show after the same runs, selections and steps."""

from __future__ import annotations

import textwrap

import numpy as np

from gradviz.qt.plots import PlotsPanel

SCRIPT = textwrap.dedent(
    """\
    import torch
    import math

    a = torch.linspace(0., 2. * math.pi, steps=7, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    out = (c + a * a).sum()
    """
)


def _run(qtbot, window, text=SCRIPT):
    window.editor.setPlainText(text)
    window.action_run.trigger()
    qtbot.waitUntil(lambda: not window.is_busy() and window.workspace.drawn is not None, timeout=30000)


def _state(panel: PlotsPanel) -> dict:
    """What the user sees in the Plots dock: the combos, the curves, the histogram, the selection."""
    def combo(c):
        return [c.itemText(i) for i in range(c.count())], c.currentText()

    def curve(item):
        x, y = item.getData()
        return (np.asarray(x).tolist(), np.asarray(y).tolist()) if x is not None else None

    return {
        "x": combo(panel.x_combo), "y": combo(panel.y_combo), "grad": combo(panel.grad_combo),
        "value_curve": curve(panel.value_curve), "grad_curve": curve(panel.grad_curve),
        "selected": panel.selected_name, "histogram": panel.hist_counts.tolist(),
        "heatmap_title": panel.value_heatmap.plot.titleLabel.text,
    }


def test_a_new_window_builds_none_of_the_late_panels(window):
    tools = window.backward_tools
    assert tools._built == {}
    assert window.docks["Plots"].widget().objectName() == "plotsPlaceholder"
    window.docks["Plots"].raise_()  # the user clicks the Plots tab
    assert list(tools._built) == ["Plots"]
    assert window.docks["Plots"].widget() is tools.plots
    assert tools.plots.isVisible()


def test_the_placeholders_ask_for_the_panels_height_so_the_docks_do_not_jump(window):
    heights = {t: window.docks[t].widget().minimumHeight() for t in ("Plots", "Training", "Profiler")}
    line = window.fontMetrics().height()
    for title, height in heights.items():
        needed = window.backward_tools.panel(title).minimumSizeHint().height()
        assert needed <= height < needed + 2 * line, (title, needed, height)


def test_showing_a_late_panel_keeps_the_dock_areas_height(qtbot, window):
    window.resize(1400, 900)
    qtbot.wait(50)
    height = window.docks["Output"].height()
    for title in ("Training", "Plots", "Profiler"):
        window.docks[title].raise_()
        qtbot.wait(50)
        assert window.docks[title].height() == height, title


def test_a_plots_panel_built_after_a_run_a_selection_and_steps_matches_one_built_before(qtbot, window):
    ws = window.workspace
    early = PlotsPanel(ws)  # listens from the start, as the dock's panel did before it was built late
    qtbot.addWidget(early)
    _run(qtbot, window)
    b = next(n for n, d in ws.drawn.replica.graph.nodes(data=True) if d.get("variable") == "b")
    ws.select(b)
    assert ws.step_start()
    qtbot.waitUntil(lambda: ws.backward is not None, timeout=10000)
    steps = 0
    while steps < 20 and ws.step():  # to the end: a.grad is accumulated
        steps += 1
    assert steps >= 5
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=10000)
    qtbot.wait(100)  # the early panel's last refresh is queued on the GUI thread

    assert window.backward_tools._built == {}
    window.docks["Plots"].raise_()
    late = window.backward_tools.plots
    assert late is not early
    expected = _state(early)
    assert expected["x"] == (["a", "b", "c"], "a")  # the script's 1-D tensors, x follows the leaf
    assert expected["selected"] == "b" and sum(expected["histogram"]) == 7
    assert expected["grad_curve"] is not None  # a against a.grad
    assert _state(late) == expected


def test_the_training_and_profiler_docks_are_built_on_first_show(qtbot, window):
    _run(qtbot, window)
    tools = window.backward_tools
    assert tools._built == {}
    window.findChild(type(window.action_run), "actionToolTraining").trigger()
    assert "Training" in tools._built and "Profiler" not in tools._built
    # The training panel asks the kernel about the run it did not hear of.
    qtbot.waitUntil(lambda: not tools.training.busy and not tools.training._options_stale, timeout=20000)
    window.findChild(type(window.action_run), "actionToolProfile").trigger()  # builds and profiles
    assert "Profiler" in tools._built
    qtbot.waitUntil(lambda: tools.profiler.table.rowCount() > 0, timeout=30000)
