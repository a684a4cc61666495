"""Issue 14: what a newcomer trips over, each driven through the window's objectNames."""

import threading

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication, QCheckBox, QToolButton

from gradviz.kernel import KernelClient
from gradviz.model.workspace import Workspace
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
    qtbot.waitUntil(lambda: panel.backward.at_end and not panel.running, timeout=10000)


def values(window, ref):
    """A tensor of the script, read from the kernel (the app holds no tensors)."""
    return window.workspace.tensor_values(ref)["array"]


def node_named(scene, name):
    return next(n for n in scene.graph if scene.graph.nodes[n]["name"] == name)


# ---- 1. parallel edges ------------------------------------------------------------------------
def test_x_times_x_draws_two_edges_with_a_label_each(qtbot, window):
    run_and_wait(qtbot, window, "x = torch.randn(3, requires_grad=True)\ny = (x * x).sum()\n")
    continue_to_the_end(qtbot, window)
    scene = window.scene
    x = values(window, "var:x")
    mul = node_named(scene, "MulBackward0")
    acc = next(iter(scene.graph.successors(mul)))
    norm = float(np.linalg.norm(x))
    labels = scene.edge_labels(mul, acc)
    assert labels == [f"[3] ‖g‖={norm:.3g}"] * 2  # each input's own gradient, not one for both
    shown = [scene._edge_labels[(mul, acc, i)] for i in (0, 1)]
    assert all(lab.isVisible() for lab in shown)
    assert not shown[0].sceneBoundingRect().intersects(shown[1].sceneBoundingRect())
    # Two separate lines between the nodes: four lines in all (sum->mul, mul->acc twice, acc->x).
    starts = [item.path().elementAt(i).isMoveTo() for item in scene._edge_items[::2]
              for i in range(item.path().elementCount())]
    assert sum(starts) == 4
    np.testing.assert_allclose(values(window, "var:x.grad"), 2 * x, rtol=1e-6)


# ---- 2. the first run shows what the README promises -----------------------------------------
def test_first_launch_steps_to_the_readmes_two_cos_a(qtbot, tmp_path):
    from pathlib import Path

    from gradviz.qt.app import create_window

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "2·cos(a)" in readme and "built-in example" in readme
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = create_window(None, settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.scene is not None and not window.is_busy(), timeout=20000)
        assert window.current_file.name == "01_simple_example.py"
        continue_to_the_end(qtbot, window)
        a = values(window, "var:a")
        xs, ys = window.backward_tools.plots.grad_curve.getData()
        np.testing.assert_allclose(xs, a)
        np.testing.assert_allclose(ys, 2 * np.cos(a), atol=1e-5)  # not 4·cos(a)
        notes = window.findChild(type(window.status_label), "stepperNotes").text()
        assert "clean .grad" in notes  # says why the script's own a.grad is not added to
    finally:
        window.shutdown()


# ---- 4. no false "freed" message ----------------------------------------------------------------
def test_auto_selected_node_after_switching_examples_shows_its_saved_values(qtbot, window):
    window.findChild(type(window.layout_selector), "layoutSelector").setCurrentText("kamada-kawai")
    window.findChild(type(window.find_field), "findField").setText("Sin")
    for name in ("example_02_training_tinymodel", "example_01_simple_example"):
        window.findChild(type(window.action_run), name).trigger()
        qtbot.waitUntil(lambda: not window.is_busy(), timeout=30000)
    data = window.scene.node_data(window.scene.selected_node_id())
    assert data["name"] == "SinBackward0"
    text = window.inspector.text()
    assert "_saved_self" in text
    assert "second time" not in text and "freed" not in text
    assert "tensor([0.0000, 0.2618" in text  # the values of a, as PyTorch prints them


# ---- 3. unsaved text is never lost ----------------------------------------------------------------
def answer_prompt(button_name, seen):
    """Click ``button_name`` in the unsaved-changes prompt as soon as it is up; log it in ``seen``."""
    from PySide6.QtWidgets import QPushButton

    tries = []

    def click():
        box = QApplication.activeModalWidget()
        if box is None or box.objectName() != "unsavedChangesPrompt":
            tries.append(1)
            if len(tries) < 250:  # give up after ~5 s: no prompt came (the test then fails)
                QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        box.findChild(QPushButton, button_name).click()

    QTimer.singleShot(0, click)


def type_text(qtbot, window, text):
    editor = window.findChild(type(window.editor), "codeEditor")
    editor.setFocus()
    editor.moveCursor(editor.textCursor().MoveOperation.End)
    qtbot.keyClicks(editor, text)


def test_title_shows_the_file_and_its_modified_state(qtbot, window, tmp_path):
    script = tmp_path / "mine.py"
    script.write_text("x = 1\n")
    assert window.windowTitle() == "untitled[*] — gradviz" and not window.isWindowModified()
    window.open_file(script)
    assert window.windowTitle() == "mine.py[*] — gradviz" and not window.isWindowModified()
    type_text(qtbot, window, "y = 2")
    assert window.isWindowModified()
    window.findChild(type(window.action_save), "actionSave").trigger()
    assert script.read_text() == "x = 1\ny = 2" and not window.isWindowModified()


def test_new_open_and_examples_ask_before_replacing_unsaved_text(qtbot, window, tmp_path):
    script = tmp_path / "mine.py"
    script.write_text("x = 1\n")
    window.open_file(script)
    type_text(qtbot, window, "# more")
    seen = []
    answer_prompt("promptCancel", seen)
    window.findChild(type(window.action_new), "actionNew").trigger()
    assert seen == ["mine.py has unsaved changes."]
    assert window.editor.toPlainText() == "x = 1\n# more"  # Cancel keeps everything
    answer_prompt("promptSave", seen)
    window.findChild(type(window.action_run), "example_03_autograd_off_and_on").trigger()
    assert len(seen) == 2 and script.read_text() == "x = 1\n# more"  # saved, then replaced
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=20000)
    assert window.current_file.name == "03_autograd_off_and_on.py" and not window.isWindowModified()
    type_text(qtbot, window, "  # scratch")
    answer_prompt("promptDiscard", seen)
    window.findChild(type(window.action_new), "actionNew").trigger()
    assert len(seen) == 3 and window.editor.toPlainText() == ""
    assert not window.autosave_path.exists()  # discarded means gone, not restored next time


def test_quit_asks_and_cancel_keeps_the_window(qtbot, window):
    type_text(qtbot, window, "z = 3")
    seen = []
    answer_prompt("promptCancel", seen)
    window.findChild(type(window.action_quit), "actionQuit").trigger()
    assert seen and window.isVisible()


def test_autosave_follows_the_last_keystroke_within_a_second(qtbot, window):
    type_text(qtbot, window, "w = 4")
    assert not window.autosave_path.exists()  # debounced: not written on every key
    qtbot.waitUntil(lambda: window.autosave_path.exists(), timeout=1000)
    assert window.autosave_path.read_text() == "w = 4"


def test_two_windows_keep_their_own_autosave(qtbot, window, tmp_path):
    type_text(qtbot, window, "first = 1")
    window.autosave()
    second = make_window(qtbot, tmp_path)
    try:
        assert second.autosave_path != window.autosave_path
        assert second.editor.toPlainText() == "" and second.restored_autosave is None
    finally:
        second.shutdown()


KILLED = """
import os, signal, sys
from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication
from PySide6.QtTest import QTest
from gradviz.kernel import KernelClient
from gradviz.model.workspace import Workspace
from gradviz.qt.main_window import MainWindow
app = QApplication([])
# No kernel started (the autosave is the window's own; starting the kernel's forkserver blocked here ~2 s).
w = MainWindow(settings=QSettings(sys.argv[1], QSettings.Format.IniFormat), autosave_path=sys.argv[2],
               workspace=Workspace(KernelClient(prestart=False)))
w.show()
w.editor.setFocus()
QTest.keyClicks(w.editor, "typed just before the crash")
QTimer.singleShot(1000, lambda: os.kill(os.getpid(), signal.SIGKILL))
app.exec()
"""


def test_text_typed_a_second_before_kill_9_is_restored_and_not_run(qtbot, tmp_path):
    import os
    import subprocess
    import sys

    from gradviz.qt.app import create_window

    settings, autosave = tmp_path / "settings.ini", tmp_path / "autosave.py"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", KILLED, str(settings), str(autosave)], env=env, timeout=60)
    assert proc.returncode == -9
    window = create_window(None, settings=QSettings(str(settings), QSettings.Format.IniFormat),
                           autosave_path=autosave)
    qtbot.addWidget(window)
    try:
        assert window.editor.toPlainText() == "typed just before the crash"
        assert window.restored_autosave == autosave and window.isWindowModified()
        status = window.status_label.text()
        assert "Restored an unsaved untitled script (1 lines" in status and "Not run" in status
        qtbot.wait(300)
        assert window.last_result is None and not window.is_busy()  # restoring never runs it
    finally:
        window.shutdown()


# ---- 6. Hessian mode --------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["hessian", "vjp", "jvp"])
def test_switching_mode_loads_a_fitting_example_and_drops_stale_matrices(qtbot, mode):
    from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QTabWidget

    from gradviz.qt.jacobian_panel import JacobianPanel

    workspace = Workspace(KernelClient(prestart=False))
    panel = JacobianPanel(workspace)
    qtbot.addWidget(panel)
    compute = panel.findChild(QPushButton, "jacobianCompute")
    tabs = panel.findChild(QTabWidget, "jacobianTabs")
    status = panel.findChild(QLabel, "jacobianStatus")
    compute.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=60000)  # the kernel computes it
    assert tabs.count() == 2  # the Jacobian of f(x, y): one block per input
    panel.findChild(QComboBox, "jacobianMode").setCurrentText(mode)
    assert tabs.count() == 0 and panel.result is None  # the Jacobian's heatmaps are gone
    assert f"Mode {mode}" in status.text()
    compute.click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=60000)
    workspace.close()
    assert "Error" not in status.text(), status.text()
    assert status.text().startswith(f"{mode}:")
    if mode == "hessian":
        x = np.array([0.5, -1.0, 2.0])
        expected = np.diag(6 * x) + np.array([[0, 1, 0], [1, 0, 0], [0, 0, 0]])
        np.testing.assert_allclose(panel.views[0].data, expected, rtol=1e-6)


def test_a_failed_compute_clears_the_previous_heatmaps(qtbot):
    from PySide6.QtWidgets import QLineEdit, QPushButton, QTabWidget

    from gradviz.qt.jacobian_panel import JacobianPanel

    workspace = Workspace(KernelClient(prestart=False))
    panel = JacobianPanel(workspace)
    qtbot.addWidget(panel)
    panel.findChild(QPushButton, "jacobianCompute").click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=60000)
    assert panel.findChild(QTabWidget, "jacobianTabs").count() == 2
    panel.findChild(QLineEdit, "jacobianInputs").setText("torch.tensor([1.0])")  # f needs two inputs
    panel.findChild(QPushButton, "jacobianCompute").click()
    qtbot.waitUntil(lambda: not panel.busy, timeout=60000)
    workspace.close()
    assert panel.findChild(QTabWidget, "jacobianTabs").count() == 0
    assert "TypeError" in panel.status.text()


# ---- 9. small screens ---------------------------------------------------------------------------
# One child app per screen size (the offscreen screen's size is fixed when its QApplication is
# made), showing each script in turn in a fresh window with its own settings and autosave; it prints
# one report per script, which that script's test case checks.
SCREEN_PROBE = """
import json, sys, time, traceback
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gradviz.kernel import backends
from gradviz.qt.app import create_window
# The sizes do not depend on torch. Without this the first window checks for it, which starts the
# torch kernel server (import torch), and its shutdown waits for that: ~3 s of this child's ~10.
backends._TORCH_CHECK = (False, "not checked by the screen probe")


def probe(settings, autosave, script):
    w = create_window(script or None, run_file=True, settings=QSettings(settings, QSettings.Format.IniFormat), autosave_path=autosave)
    try:
        deadline = time.time() + 40
        while (w.scene is None or w.is_busy()) and time.time() < deadline:
            app.processEvents(); time.sleep(0.01)
        for _ in range(5):
            app.processEvents(); time.sleep(0.02)
        avail, frame = w.screen().availableGeometry(), w.frameGeometry()
        docks = {}
        for title, dock in w.docks.items():
            dock.raise_()
            app.processEvents()
            inner, need = dock.widget().size(), dock.widget().minimumSizeHint()
            docks[title] = [inner.width() >= need.width() and inner.height() >= need.height(),
                            inner.toTuple(), need.toTuple()]
        view = w.view
        root = w.scene.items_by_id[w.scene.model.root_id]
        box = view.mapFromScene(root.sceneBoundingRect()).boundingRect()
        return {"avail": avail.getRect(), "frame": frame.getRect(), "docks": docks,
                "root_in_view": view.viewport().rect().contains(box),
                "editor": w.editor.width(), "graph": view.width()}
    finally:
        w.shutdown()
        w.hide()
        w.deleteLater()
        app.processEvents()


reports = {}
for settings, autosave, script in json.loads(sys.argv[1]):
    try:
        reports[script] = probe(settings, autosave, script)
    except Exception:
        reports[script] = {"error": traceback.format_exc()}
print(json.dumps(reports))
"""
SCREEN_SIZES = [(1280, 720), (1600, 1000)]
SCREEN_SCRIPTS = ["", "02_training_tinymodel.py"]


@pytest.fixture(scope="module")
def screen_reports(tmp_path_factory):
    """``screen_reports(size)``: the child app's run at that screen size over every script of
    SCREEN_SCRIPTS, once per size: (its exit code, its stderr, its report per script)."""
    import json
    import os
    import subprocess
    import sys

    from gradviz.qt.main_window import EXAMPLES_DIR

    runs = {}

    def run(size):
        if size not in runs:
            folder = tmp_path_factory.mktemp(f"screen_{size[0]}x{size[1]}")
            config = folder / "screen.json"
            config.write_text(json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": size[0],
                                                       "height": size[1], "logicalDpi": 96,
                                                       "logicalBaseDpi": 96, "dpr": 1}]}))
            env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}")
            jobs = [[str(folder / f"s{k}.ini"), str(folder / f"a{k}.py"), str(EXAMPLES_DIR / script) if script else ""]
                    for k, script in enumerate(SCREEN_SCRIPTS)]
            out = subprocess.run([sys.executable, "-c", SCREEN_PROBE, json.dumps(jobs)],
                                 env=env, capture_output=True, text=True, timeout=150)
            lines = out.stdout.strip().splitlines()
            by_path = json.loads(lines[-1]) if out.returncode == 0 and lines else {}
            reports = {script: by_path.get(job[2]) for script, job in zip(SCREEN_SCRIPTS, jobs)}
            runs[size] = (out.returncode, out.stderr, reports)
        return runs[size]

    return run


@pytest.mark.parametrize("size", [pytest.param(size, marks=pytest.mark.xdist_group(f"screen_{size[0]}x{size[1]}"))
                                  for size in SCREEN_SIZES])  # one worker per size: one child app each
@pytest.mark.parametrize("script", SCREEN_SCRIPTS)
def test_the_window_fits_the_screen_and_shows_the_root(screen_reports, size, script):
    returncode, stderr, reports = screen_reports(size)
    assert returncode == 0, stderr
    report = reports[script]
    assert report is not None and "error" not in report, (report, stderr)
    ax, ay, aw, ah = report["avail"]
    x, y, w, h = report["frame"]
    assert ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah, report
    unusable = {title: d for title, d in report["docks"].items() if not d[0]}
    assert not unusable, unusable  # every panel gets at least the room its widgets need
    assert report["root_in_view"], report
    assert report["editor"] >= 300 and report["graph"] >= 300, report


# ---- 5. Tools menu, 12. icons, shortcuts, Help → Keyboard shortcuts --------------------------------
def test_tools_menu_opens_each_analysis_dock(qtbot, window):
    from PySide6.QtWidgets import QMenu

    tools = window.findChild(QMenu, "menuTools")
    names = [a.objectName() for a in tools.actions()]
    assert names == ["actionToolProfile", "actionToolTraining", "actionToolJacobian", "actionToolPlots"]
    docks = {"actionToolTraining": "Training", "actionToolJacobian": "Jacobian", "actionToolPlots": "Plots"}
    for name, title in docks.items():
        window.docks[title].hide()
        window.findChild(type(window.action_run), name).trigger()
        qtbot.waitUntil(lambda: not window.docks[title].visibleRegion().isEmpty(), timeout=2000)  # noqa: B023  (waited on here)
    window.editor.setPlainText("x = torch.ones(3, requires_grad=True)\ny = (x * 2).sum()\n")
    window.findChild(type(window.action_run), "actionToolProfile").trigger()
    profiler = window.backward_tools.profiler
    qtbot.waitUntil(lambda: profiler.run_button.isEnabled() and bool(profiler.rows()), timeout=30000)
    assert "aten::mul" in dict(profiler.rows())


def test_run_and_step_actions_have_icons_and_keys_shown_in_the_menus(qtbot, window):
    from PySide6.QtGui import QKeySequence

    for name in ("actionRun", "actionStop", "actionStep", "actionStepBack", "actionContinue",
                 "actionResetBackward"):
        action = [a for a in window.findChildren(type(window.action_run), name) if a.parent() is window][0]
        assert not action.icon().isNull(), name
        assert not action.shortcut().isEmpty(), name  # so the menu lists the key
    edit = [a.objectName() for a in window.menus["Edit"].actions() if a.objectName()]
    assert edit[:6] == ["actionUndo", "actionRedo", "actionCut", "actionCopy", "actionPaste", "actionSelectAll"]
    undo = window.findChild(type(window.action_run), "actionUndo")
    assert undo.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)


def test_help_lists_every_keyboard_shortcut(qtbot, window):
    from PySide6.QtWidgets import QDialog, QTableWidget

    window.findChild(type(window.action_run), "actionShortcuts").trigger()
    dialog = window.findChild(QDialog, "shortcutsDialog")
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    rows = {(table.item(r, 0).text(), table.item(r, 2).text()): table.item(r, 1).text()
            for r in range(table.rowCount())}
    assert rows[("Backward", "Step")] == "F10"
    assert rows[("Backward", "Continue")] == "F5"
    assert rows[("Run", "Stop")] == "Shift+F5"
    assert rows[("File", "Save")] == "Ctrl+S"
    assert ("Graph view", "Fit the graph (while the graph has focus)") in rows
    dialog.close()


# ---- 7. 1-D tensors in the Heatmap tab; 8. cramped panels; 10. plot axes ---------------------------
def test_heatmap_tab_draws_a_1d_tensor_as_a_strip_and_explains_a_scalar(qtbot):
    import engine as torch
    from gradviz.qt.plots import PlotsPanel

    panel = PlotsPanel()
    qtbot.addWidget(panel)
    a = torch.linspace(0.0, 1.0, steps=5, requires_grad=True)
    (a * 2).sum().backward()
    panel.select(a, "a")
    values = panel.findChild(type(panel.value_heatmap), "valueHeatmap")
    grads = panel.findChild(type(panel.grad_heatmap), "gradHeatmap")
    assert values.data.shape == (1, 5) and grads.data.shape == (1, 5)
    np.testing.assert_allclose(grads.data, [[2.0] * 5])
    assert "strip" in values.plot.titleLabel.text
    panel.select(torch.tensor(3.0, requires_grad=True), "s")
    assert values.data is None and "single number" in values.plot.titleLabel.text


def test_heatmap_ticks_sit_at_cell_centres_with_a_two_label_colour_bar(qtbot):
    from gradviz.qt.plots import HeatmapView

    view = HeatmapView("m", "m")
    qtbot.addWidget(view)
    view.set_matrix(np.arange(6.0).reshape(2, 3))
    rect = view.image.mapRectToParent(view.image.boundingRect())
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (-0.5, -0.5, 3.0, 2.0)
    assert view.plot.getAxis("bottom")._tickLevels == [[(0, "0"), (1, "1"), (2, "2")]]
    assert view.colorbar.axis._tickLevels[0] == [(0.0, "0"), (5.0, "5")]


def test_plot_axes_never_read_x0_001(qtbot):
    import engine as torch
    from gradviz.qt.plots import PlotsPanel

    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(700, 300)
    panel.show()
    panel.findChild(type(panel.tabs), "plotTabs").setCurrentIndex(1)  # the Gradient tab
    x = torch.linspace(-0.1, 0.6, steps=8, requires_grad=True) * 1.0
    x.retain_grad()
    (x * x).sum().backward()
    panel.set_gradient_tensor(x, "x")
    qtbot.wait(200)
    for name in ("bottom", "left"):
        assert "(x" not in panel.grad_tab.plot.getAxis(name).labelString()


def test_training_loss_ticks_are_whole_steps_and_the_profiler_table_shows_rows(qtbot):
    from gradviz.model.training import TUTORIAL_TRAINING
    from gradviz.qt.profiler_panel import ProfilerPanel
    from gradviz.qt.training_panel import TrainingPanel

    profile_script = "x = torch.randn(2, 3, requires_grad=True)\nz = torch.ones(2, 3)\nfor _ in range(50):\n    z = (z / x).exp().sum() * x\n"

    workspace = Workspace(KernelClient(prestart=False))
    training = TrainingPanel(workspace)
    qtbot.addWidget(training)
    training.show()
    assert workspace.run(TUTORIAL_TRAINING).wait(60)
    qtbot.waitUntil(lambda: bool(training.options) and not training.busy, timeout=60000)
    for _ in range(2):
        training.one_button.click()
        qtbot.waitUntil(lambda: not training.busy, timeout=60000)
    assert len(training.losses) == 2
    axis = training.loss_plot.getAxis("bottom")
    assert axis._tickSpacing == [(1, 0), (1, 0)]  # steps 1 and 2, not 0.8, 1.0, 1.2 ...
    assert not axis.autoSIPrefix
    profiler = ProfilerPanel(workspace, code_provider=lambda: profile_script)
    qtbot.addWidget(profiler)
    profiler.resize(1000, 240)  # a bottom dock at 1600x1000
    profiler.show()
    profiler.profile_editor()
    qtbot.waitUntil(lambda: profiler.run_button.isEnabled() and profiler.table.rowCount() > 3, timeout=60000)
    workspace.close()
    qtbot.wait(50)
    table = profiler.findChild(type(profiler.table), "profileTable")
    visible = table.rowAt(table.viewport().height() - 2) + 1 or table.rowCount()
    assert visible >= 4


# ---- 10. views ------------------------------------------------------------------------------------
WIDE = "x = torch.ones(3, requires_grad=True)\nparts = [x * float(i) for i in range(24)]\nloss = sum(p.sum() for p in parts)\n"


def _all_nodes_in_view(window) -> bool:
    view = window.view
    port = view.viewport().rect()
    return all(port.contains(view.mapFromScene(item.sceneBoundingRect()).boundingRect())
               for item in window.scene.items_by_id.values())


def test_switching_layout_refits_the_graph(qtbot, window):
    run_and_wait(qtbot, window, WIDE)
    for method in ("spring", "shell", "kamada-kawai"):
        window.findChild(type(window.layout_selector), "layoutSelector").setCurrentText(method)
        qtbot.waitUntil(lambda: not window.is_busy() and window.positions.method == method, timeout=20000)  # noqa: B023
        qtbot.wait(100)  # Qt shows or hides the scroll bars on the next event-loop turns
        view = window.view
        assert _all_nodes_in_view(window), (method, view.viewport().rect(), view.current_scale(), view.sceneRect(),
                                            window.scene.itemsBoundingRect(),
                                            view.horizontalScrollBar().isVisible(), view.verticalScrollBar().isVisible())
        # Whole graph at a zoom too small for names: the view says so instead of drawing specks.
        scale = window.view.current_scale()
        from gradviz.qt.graph_scene import LABEL_LOD

        assert bool(window.view.lod_note()) == (scale < LABEL_LOD)


def test_fit_on_a_wide_graph_says_names_are_hidden(qtbot, window):
    window.workspace.set_fold(False)  # folded, the 24 repeated parts would be a narrow picture (issue 13)
    run_and_wait(qtbot, window, WIDE)
    window.findChild(type(window.action_fit), "actionFit").trigger()
    qtbot.wait(100)
    assert _all_nodes_in_view(window)
    assert window.view.current_scale() < 0.32
    assert "node names are hidden" in window.view.lod_note()
    window.view.zoom_in()
    while window.view.current_scale() < 0.32:
        window.view.zoom_in()
    assert window.view.lod_note() == ""


def test_leaf_grad_badge_sits_under_the_leaf_in_full(qtbot, window):
    from PySide6.QtGui import QFontMetricsF

    from gradviz.qt.graph_scene import _font

    run_and_wait(qtbot, window, "weight = torch.randn(100, 1000, requires_grad=True)\nloss = (weight * 2).sum()\n")
    continue_to_the_end(qtbot, window)
    scene = window.scene
    leaf = scene.items_by_id[node_named(scene, "weight")]
    assert leaf.state_badge.startswith(".grad [100×1000] ‖g‖=")
    badge = leaf.badge_rect()
    box = leaf.mapRectToScene(leaf._rect)
    assert badge.top() >= box.bottom()  # below: the AccumulateGrad edge arrives at the top
    width = QFontMetricsF(_font(7.5, bold=True)).horizontalAdvance(leaf.state_badge)
    assert width <= badge.width() - 8  # drawn whole, not "…"


def test_the_big_graph_notice_leaves_the_root_visible(qtbot, window, monkeypatch):
    import gradviz.model.workspace_graph as workspace_graph

    monkeypatch.setattr(workspace_graph, "MAX_DRAWN", 30)
    window.workspace.set_fold(False)  # folded, the chain would be six nodes (issue 13)
    run_and_wait(qtbot, window, "h = torch.ones(2, requires_grad=True)\nfor i in range(60):\n    h = h * 1.01\nloss = h.sum()\n")
    view = window.view
    assert view.notice.startswith("Showing 30 of")
    root = window.scene.items_by_id[window.scene.model.root_id]
    root_box = view.mapFromScene(root.sceneBoundingRect()).boundingRect()
    assert view.viewport().rect().contains(root_box)
    assert root_box.top() >= view.notice_height()  # under the banner, not behind it
    window.findChild(type(window.action_fit), "actionFit").trigger()
    root_box = view.mapFromScene(root.sceneBoundingRect()).boundingRect()
    assert root_box.top() >= view.notice_height()


def test_layout_progress_fits_its_bar_and_a_new_run_clears_the_failure_notice(qtbot, window):
    from PySide6.QtWidgets import QProgressBar

    bar = window.findChild(QProgressBar, "layoutProgress")
    window._on_job_progress(0.75, "placing nodes")
    assert bar.text() == "75%" and "placing nodes" in window.status_label.text()
    assert bar.fontMetrics().horizontalAdvance(bar.text()) < bar.width()
    run_and_wait(qtbot, window, GOOD := "x = torch.ones(2, requires_grad=True)\ny = (x * 3).sum()\n")
    run_and_wait(qtbot, window, "x = torch.ones(2, requires_grad=True)\nraise ValueError('boom')\n")
    assert "failed" in window.view.notice
    window.editor.setPlainText("import time\ntime.sleep(0.6)\n" + GOOD)
    window.action_run.trigger()
    qtbot.waitUntil(lambda: window.status_label.text() == "Running…", timeout=5000)
    assert window.view.notice == ""
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=20000)
