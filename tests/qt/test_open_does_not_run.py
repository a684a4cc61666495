"""Issue 11, "nothing runs unasked": `gradviz FILE.py` opens the file and runs it only on Run;
`gradviz --run FILE.py` runs it at once."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from gradviz import cli
from gradviz.qt.app import create_window


def side_effect_script(tmp_path):
    marker = tmp_path / "ran.txt"
    script = tmp_path / "side_effect.py"
    script.write_text(
        "import torch\n"
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "x = torch.ones(2, requires_grad=True)\n"
        "y = (x * 3).sum()\n"
    )
    return script, marker


def open_window(qtbot, tmp_path, script, run_file):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = create_window(str(script), run_file=run_file, settings=settings,
                           autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(window)
    return window


def test_a_named_file_opens_without_running_until_run(qtbot, tmp_path):
    script, marker = side_effect_script(tmp_path)
    window = open_window(qtbot, tmp_path, script, run_file=False)
    try:
        assert window.editor.toPlainText() == script.read_text()
        qtbot.wait(500)
        assert not window.is_busy() and window.scene is None
        assert not marker.exists()
        window.action_run.trigger()
        qtbot.waitUntil(lambda: window.scene is not None and not window.is_busy(), timeout=20000)
        assert marker.read_text() == "ran"
    finally:
        window.shutdown()


def test_run_flag_runs_the_file_at_once(qtbot, tmp_path):
    script, marker = side_effect_script(tmp_path)
    window = open_window(qtbot, tmp_path, script, run_file=True)
    try:
        qtbot.waitUntil(lambda: window.scene is not None and not window.is_busy(), timeout=20000)
        assert marker.read_text() == "ran"
    finally:
        window.shutdown()


def test_run_without_a_file_is_a_usage_error(capsys):
    assert cli.main(["--run"]) == 2
    assert "--run needs FILE.py" in capsys.readouterr().err
