"""The app's backend choice and "Run under both" (issue 12), driven through objectNames."""

from __future__ import annotations

import threading

import pytest
import pytestqt  # noqa: F401  (pytest-qt is a test dependency: fail loudly if it is missing)
from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QComboBox, QWidget

from gradviz.kernel import KernelClient
from gradviz.qt.main_window import MainWindow

VERSION_SCRIPT = "import torch\nprint('version', torch.__version__)\n" \
                 "x = torch.tensor([1.0, 2.0], requires_grad=True)\nloss = (x * x).sum()\n"
NAN_SCRIPT = ("import torch\nx = torch.tensor([0.0, 4.0], requires_grad=True)\ns = x.sqrt()\n"
              "out = (s * 0.0 + s).sum()\n")
TORCH_VERSION = KernelClient.torch_available()[1].split()[-1]  # "2.13.0+cpu", from the kernel


def _settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _open(qtbot, tmp_path, settings=None):
    window = MainWindow(settings=settings or _settings(tmp_path), autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(window)
    window.show()
    return window


@pytest.fixture
def window(qtbot, tmp_path):
    w = _open(qtbot, tmp_path)
    yield w
    w.shutdown()
    alive = [t.name for t in threading.enumerate() if t.name.startswith("gradviz-")]
    assert alive == [], f"threads left running: {alive}"


def _selector(window) -> QComboBox:
    return window.findChild(QComboBox, "backendSelector")


def _wait_torch_known(qtbot, window):
    selector = _selector(window)
    qtbot.waitUntil(lambda: selector.model().item(1).isEnabled(), timeout=120000)
    return selector


def _run(qtbot, window, code, timeout=120000):
    window.editor.setPlainText(code)
    window.findChild(QAction, "actionRun").trigger()
    qtbot.waitUntil(lambda: not window.is_busy() and window.workspace.last_attempt is not None, timeout=timeout)
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=timeout)


def test_items_and_switching_to_pytorch_runs_real_torch(qtbot, window, tmp_path):
    selector = _selector(window)
    assert [selector.itemText(i) for i in range(selector.count())] == ["engine", "PyTorch"]
    assert selector.currentText() == "engine"
    _wait_torch_known(qtbot, window)
    selector.setCurrentIndex(selector.findText("PyTorch"))
    assert window.workspace.backend == "torch"
    assert window.settings.value("backend") == "torch"
    _run(qtbot, window, VERSION_SCRIPT)
    assert window.workspace.result.backend == "torch"
    assert f"version {TORCH_VERSION}" in window.findChild(QWidget, "outputPanel").toPlainText()
    # And back: the engine's torch is gradviz's, whose version is not torch's build.
    selector.setCurrentIndex(selector.findText("engine"))
    _run(qtbot, window, VERSION_SCRIPT)
    assert window.workspace.result.backend == "engine"
    assert f"version {TORCH_VERSION}" not in window.findChild(QWidget, "outputPanel").toPlainText()


def test_the_choice_is_remembered_and_the_directive_wins(qtbot, tmp_path):
    settings = _settings(tmp_path)
    settings.setValue("backend", "torch")
    window = _open(qtbot, tmp_path, settings)
    try:
        assert _selector(window).currentText() == "PyTorch" and window.workspace.backend == "torch"
        selector = _wait_torch_known(qtbot, window)
        selector.setCurrentIndex(selector.findText("engine"))
        assert settings.value("backend") == "engine"
        _run(qtbot, window, "# gradviz: backend=torch\n" + VERSION_SCRIPT)
        assert window.workspace.result.backend == "torch"
        assert selector.currentText() == "PyTorch"  # the combo shows what the run used
    finally:
        window.shutdown()


def test_stepping_under_torch_changes_the_picture_and_nan_breakpoint_stops(qtbot, window):
    selector = _wait_torch_known(qtbot, window)
    selector.setCurrentIndex(selector.findText("PyTorch"))
    _run(qtbot, window, NAN_SCRIPT)
    assert window.workspace.result.backend == "torch"
    qtbot.waitUntil(lambda: window.workspace.backward is not None and window.scene is not None, timeout=30000)
    scene = window.scene
    root = window.workspace.replica.document["root_id"]
    before = (scene.items_by_id[root].state_fill, scene.items_by_id[root].state_badge)
    panel = window.findChild(QWidget, "stepperPanel")
    panel.actions["actionStep"].trigger()
    qtbot.waitUntil(lambda: window.workspace.backward.position == 0, timeout=10000)
    after = (scene.items_by_id[root].state_fill, scene.items_by_id[root].state_badge)
    assert after != before
    panel.actions["actionResetBackward"].trigger()
    window.findChild(QCheckBox, "breakOnNan").setChecked(True)
    window.findChild(QCheckBox, "stepperAnimate").setChecked(False)
    panel.actions["actionContinue"].trigger()
    qtbot.waitUntil(lambda: not panel.running, timeout=30000)
    current = window.workspace.backward.current_node
    assert window.workspace.replica.graph.nodes[current]["name"] == "SqrtBackward0"
    assert not window.workspace.backward.at_end


def test_without_torch_pytorch_and_run_under_both_are_disabled_with_the_reason(qtbot, tmp_path, monkeypatch):
    reason = "PyTorch is not installed in this Python (pip install gradviz[torch])"
    monkeypatch.setattr(KernelClient, "torch_available", staticmethod(lambda refresh=False: (False, reason)))
    settings = _settings(tmp_path)
    settings.setValue("backend", "torch")
    window = _open(qtbot, tmp_path, settings)
    try:
        selector = _selector(window)
        qtbot.waitUntil(lambda: selector.torch_available is False, timeout=10000)
        item = selector.model().item(selector.findText("PyTorch"))
        assert not item.isEnabled() and item.toolTip() == reason
        assert reason in selector.toolTip()
        assert selector.currentText() == "engine" and window.workspace.backend == "engine"
        action = window.findChild(QAction, "actionRunBoth")
        assert not action.isEnabled() and reason in action.toolTip()
    finally:
        window.shutdown()


def test_a_workspace_made_with_a_backend_keeps_it(qtbot, tmp_path):
    from gradviz.model.workspace import Workspace

    settings = _settings(tmp_path)
    settings.setValue("backend", "engine")
    window = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py",
                        workspace=Workspace(backend="torch"))
    qtbot.addWidget(window)
    try:
        assert _selector(window).currentText() == "PyTorch" and window.workspace.backend == "torch"
        assert settings.value("backend") == "engine"  # not the user's choice: not remembered
    finally:
        window.shutdown()
