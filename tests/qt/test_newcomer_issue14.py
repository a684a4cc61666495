"""Issue 14: what a newcomer trips over, each driven through the window's objectNames."""

import threading

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QMessageBox, QToolButton

from gradviz.qt.main_window import MainWindow


def make_window(qtbot, tmp_path, autosave="autosave.py", show=True):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings=settings, autosave_path=tmp_path / autosave)
    qtbot.addWidget(w)
    if show:
        w.show()
        qtbot.waitExposed(w)
    return w


@pytest.fixture
def window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    yield w
    w.shutdown()
    alive = [t.name for t in threading.enumerate() if t.name.startswith("gradviz-")]
    assert alive == [], f"threads left running: {alive}"


def run_and_wait(qtbot, window, code, timeout=20000):
    window.editor.setPlainText(code)
    window.findChild(type(window.action_run), "actionRun").trigger()
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=timeout)


def continue_to_the_end(qtbot, window):
    window.findChild(QCheckBox, "stepperAnimate").setChecked(False)
    window.findChild(QToolButton, "buttonContinue").click()
    panel = window.backward_tools.stepper_panel
    qtbot.waitUntil(lambda: panel.stepper.at_end and not panel.running, timeout=10000)


# ---- 1. parallel edges ------------------------------------------------------------------------
def test_x_times_x_draws_two_edges_with_a_label_each(qtbot, window):
    run_and_wait(qtbot, window, "x = torch.randn(3, requires_grad=True)\ny = (x * x).sum()\n")
    continue_to_the_end(qtbot, window)
    scene, model = window.scene, window.scene.model
    x = window.last_result.tensors["x"]
    mul = model.id_of(window.last_result.tensors["y"].grad_fn.next_functions[0][0])
    acc = next(iter(scene.graph.successors(mul)))
    norm = float(np.linalg.norm(x.detach().numpy()))
    labels = scene.edge_labels(mul, acc)
    assert labels == [f"[3] ‖g‖={norm:.3g}"] * 2  # each input's own gradient, not one for both
    shown = [scene._edge_labels[(mul, acc, i)] for i in (0, 1)]
    assert all(lab.isVisible() for lab in shown)
    assert not shown[0].sceneBoundingRect().intersects(shown[1].sceneBoundingRect())
    # Two separate lines between the nodes: four lines in all (sum->mul, mul->acc twice, acc->x).
    starts = [item.path().elementAt(i).isMoveTo() for item in scene._edge_items[::2]
              for i in range(item.path().elementCount())]
    assert sum(starts) == 4
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy(), rtol=1e-6)
