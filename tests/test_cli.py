"""The ``gradviz`` command line: help, version, every export format, exit codes, no partial output.

Each image format is exported at least once in a child process without DISPLAY or QT_QPA_PLATFORM,
which proves that ``gradviz export`` needs no display; the other image tests (every example, the
themes) and the DOT/JSON and error cases run in-process through ``cli.main`` (a child process costs
seconds of interpreter, Qt and kernel start-up that those tests are not about).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import engine
import gradviz
from gradviz import cli
from gradviz._resources import example_scripts
from gradviz.model.export import validate_graph_json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dot_reader import label_text, read_dot  # noqa: E402
from png_check import read_png  # noqa: E402

REPO = Path(__file__).resolve().parents[1]

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
FAILING = "import torch\na = torch.ones(2, requires_grad=True)\nb = a * undefined_name\n"


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "tutorial.py"
    path.write_text(SCRIPT)
    return path


def _child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m gradviz ARGS`` in a child process with no display."""
    return subprocess.run([sys.executable, "-m", "gradviz", *args], capture_output=True, text=True,
                          env=_child_env(), timeout=timeout, cwd=REPO)


def _export_json(capsys, script: Path, out: Path, *extra: str) -> dict:
    assert cli.main(["export", str(script), "-o", str(out), *extra]) == 0, capsys.readouterr().err
    return json.loads(out.read_text())


def _grad_fn_names(doc: dict) -> set[str]:
    # PyTorch names the leaf node "torch::autograd::AccumulateGrad"; the scene shows "AccumulateGrad".
    return {n["name"].split("::")[-1] for n in doc["nodes"] if n["kind"] == "grad_fn"}


# ---- help and version ---------------------------------------------------------------------------
def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"gradviz {gradviz.__version__}"


def test_help_says_export_executes_the_script(capsys):
    assert cli.main(["--help"]) == 0
    top = capsys.readouterr().out
    assert "gradviz export" in top and "executes the script" in top
    assert cli.main(["export", "--help"]) == 0
    text = capsys.readouterr().out
    assert "executes the script" in text
    for word in ("png", "svg", "pdf", "dot", "json", "--root", "--steps", "--layout", "--scale", "--theme"):
        assert word in text


def test_python_dash_m_goes_through_the_cli():
    done = run_cli("--version", timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"gradviz {gradviz.__version__}"


def test_no_arguments_launch_the_builtin_example(monkeypatch):
    calls = []
    import gradviz.qt.app as app

    monkeypatch.setattr(app, "launch", lambda file, run_file=False, backend=None: calls.append((file, run_file)) or 0)
    assert cli.main([]) == 0
    assert calls == [(None, False)]


def test_a_file_argument_opens_it(monkeypatch, script):
    calls = []
    import gradviz.qt.app as app

    monkeypatch.setattr(app, "launch", lambda file, run_file=False, backend=None: calls.append((file, run_file)) or 0)
    assert cli.main([str(script)]) == 0
    assert calls == [(str(script), False)]  # opened, not run (issue 11: nothing runs unasked)
    assert cli.main(["--run", str(script)]) == 0
    assert calls[-1] == (str(script), True)


def test_backend_option_reaches_the_window(monkeypatch, script):
    calls = []
    import gradviz.qt.app as app

    monkeypatch.setattr(app, "launch", lambda file, run_file=False, backend=None: calls.append(backend) or 0)
    assert cli.main(["--backend", "torch", str(script)]) == 0
    assert cli.main([str(script)]) == 0
    assert calls == ["torch", None]  # None: the window keeps the choice remembered from last time
    assert cli.main(["--backend", "jax"]) == 2


def test_opening_a_missing_file_is_a_usage_error(capsys, tmp_path):
    assert cli.main([str(tmp_path / "nope.py")]) == 2
    assert "no such file" in capsys.readouterr().err


# ---- JSON and DOT (in-process; never import Qt) --------------------------------------------------
def test_json_export_matches_schema_and_names(capsys, script, tmp_path):
    doc = _export_json(capsys, script, tmp_path / "g.json")
    assert validate_graph_json(doc) == []
    assert doc["root"] == "out"
    assert _grad_fn_names(doc) == {"SumBackward0", "AddBackward0", "MulBackward0", "SinBackward0", "AccumulateGrad"}
    assert doc["leaves"]["a"]["shape"] == [7] and doc["leaves"]["a"]["grad"] is None
    sources = {n["name"]: n["source"] for n in doc["nodes"] if n["kind"] == "grad_fn"}
    assert sources["SinBackward0"] == f"{script}:5"
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in doc["nodes"])


def test_json_all_steps_leaves_match_engine_backward(capsys, script, tmp_path):
    doc = _export_json(capsys, script, tmp_path / "g.json", "--steps", "all")
    assert validate_graph_json(doc) == []
    namespace = {"torch": engine, "__name__": "__main__"}
    exec(compile(SCRIPT.replace("import torch\n", ""), "ref", "exec"), namespace)
    namespace["out"].backward()
    expected = namespace["a"].grad.numpy()
    np.testing.assert_allclose(np.array(doc["leaves"]["a"]["grad"]), expected, rtol=1e-6)
    # d(out)/da = 2 cos(a) + 2 a, which the stepper must reproduce (a float32 tutorial tensor).
    a = namespace["a"].detach().numpy().astype(np.float64)
    np.testing.assert_allclose(np.array(doc["leaves"]["a"]["grad"]), 2 * np.cos(a) + 2 * a, rtol=1e-5, atol=1e-5)
    assert len(doc["steps"]) == sum(1 for n in doc["nodes"] if n["kind"] == "grad_fn")


def test_output_gets_ordinary_permissions(capsys, script, tmp_path):
    out = tmp_path / "g.json"
    _export_json(capsys, script, out)
    mask = os.umask(0o022)
    os.umask(mask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~mask
    out.chmod(0o640)  # an existing file keeps its mode
    _export_json(capsys, script, out)
    assert out.stat().st_mode & 0o777 == 0o640


def test_json_some_steps(capsys, script, tmp_path):
    doc = _export_json(capsys, script, tmp_path / "g.json", "--steps", "2")
    assert [s["index"] for s in doc["steps"]] == [0, 1]
    assert doc["steps"][0]["name"] == "SumBackward0"


def test_json_root_option(capsys, script, tmp_path):
    doc = _export_json(capsys, script, tmp_path / "g.json", "--root", "c")
    assert doc["root"] == "c"
    assert _grad_fn_names(doc) == {"MulBackward0", "SinBackward0", "AccumulateGrad"}


def test_dot_export_is_valid_and_complete(capsys, script, tmp_path):
    doc = _export_json(capsys, script, tmp_path / "g.json")
    out = tmp_path / "g.dot"
    assert cli.main(["export", str(script), "-o", str(out)]) == 0
    parsed = read_dot(out.read_text())
    assert set(parsed.nodes) == {n["id"] for n in doc["nodes"]}
    assert sorted((u, v, int(a["input_index"])) for u, v, a in parsed.edges) == sorted(
        (e["source"], e["target"], e["input_index"]) for e in doc["edges"]
    )
    assert {label_text(a["label"]) for a in parsed.nodes.values()} == {n["label"] for n in doc["nodes"]}
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tsvg", str(out)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and not done.stderr, done.stderr
        assert "SinBackward0" in done.stdout


def test_dot_and_json_do_not_import_qt(script, tmp_path):
    code = textwrap.dedent(
        f"""
        import sys
        from gradviz.cli import main
        assert main(["export", {str(script)!r}, "-o", {str(tmp_path / 'g.dot')!r}]) == 0
        assert main(["export", {str(script)!r}, "-o", {str(tmp_path / 'g.json')!r}, "--steps", "all"]) == 0
        print(sorted(m for m in sys.modules if m.startswith(("PySide6", "pyqtgraph"))))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_child_env(),
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("layout", ["spring", "kamada-kawai", "shell"])
def test_other_layouts(capsys, script, tmp_path, layout):
    doc = _export_json(capsys, script, tmp_path / "g.json", "--layout", layout)
    positions = {(n["x"], n["y"]) for n in doc["nodes"]}
    assert len(positions) == len(doc["nodes"])  # no two nodes on one spot


# ---- errors: exit codes, messages, nothing written ----------------------------------------------
def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


@pytest.mark.parametrize(
    "args, message",
    [
        (["-o", "{dir}/g.txt"], "cannot tell the format"),
        (["-o", "{dir}/g.json", "--root", "nonexistent"], "Candidates: a, b, c, d, out"),
        (["-o", "{dir}/g.json", "--steps", "many"], "--steps"),
        (["-o", "{dir}/g.json", "--steps", "-1"], "--steps"),
        (["-o", "{dir}/g.png", "--scale", "9"], "--scale"),
        (["-o", "{dir}/g.png", "--scale", "0"], "--scale"),
        (["-o", "{dir}/g.png", "--theme", "pink"], "--theme"),
        (["-o", "{dir}/g.png", "--layout", "circle"], "--layout"),
        (["-o", "{dir}/g.json", "--timeout", "0"], "--timeout"),
        ([], "-o/--output"),
    ],
)
def test_bad_arguments_exit_2_with_usage(capsys, script, tmp_path, args, message):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = _files(out_dir)
    args = [a.format(dir=out_dir) for a in args]
    assert cli.main(["export", str(script), *args]) == 2
    err = capsys.readouterr().err
    assert "usage: gradviz export" in err and message in err, err
    assert _files(out_dir) == before


def test_missing_script_exits_2(capsys, tmp_path):
    assert cli.main(["export", str(tmp_path / "nope.py"), "-o", str(tmp_path / "g.json")]) == 2
    assert "no such script" in capsys.readouterr().err
    assert not (tmp_path / "g.json").exists()


def test_script_without_a_graph_says_so_plainly(capsys, tmp_path):
    # Deliberately changed (issue 14 item 11): no advice to "choose --root" when there is nothing to
    # choose; the export fails (exit 1) and says why.
    path = tmp_path / "plain.py"
    path.write_text("import torch\nx = torch.ones(3)\nw = torch.ones(3) * 2\n")
    assert cli.main(["export", str(path), "-o", str(tmp_path / "g.json")]) == 1
    err = capsys.readouterr().err
    assert "no autograd graph" in err and "(x, w)" in err and "--root" not in err, err
    assert not (tmp_path / "g.json").exists()


def test_script_with_only_a_leaf_exports_the_leaf(capsys, tmp_path):
    path = tmp_path / "leaf.py"
    path.write_text("import torch\nx = torch.ones(3)\nw = torch.ones(3, requires_grad=True)\n")
    doc = _export_json(capsys, path, tmp_path / "g.json")
    assert doc["root"] == "w" and [n["kind"] for n in doc["nodes"]] == ["tensor"]
    assert "no tensor the script assigned has a grad_fn; drawing the leaf 'w'" in capsys.readouterr().err


def test_failing_script_exits_1_with_its_line_and_leaves_old_output(capsys, tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(FAILING)
    out = tmp_path / "g.json"
    out.write_text("previous export")
    assert cli.main(["export", str(path), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:3: NameError: name 'undefined_name' is not defined" in err
    assert out.read_text() == "previous export"
    assert _files(tmp_path) == {"bad.py", "g.json"}  # no temporary file left behind


def test_syntax_error_exits_1(capsys, tmp_path):
    path = tmp_path / "syntax.py"
    path.write_text("import torch\nx = (1,\n")
    assert cli.main(["export", str(path), "-o", str(tmp_path / "g.dot")]) == 1
    assert "SyntaxError" in capsys.readouterr().err
    assert _files(tmp_path) == {"syntax.py"}


def test_failing_script_in_a_child_process_exits_1(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text(FAILING)
    done = run_cli("export", str(path), "-o", str(tmp_path / "g.png"))
    assert done.returncode == 1
    assert "bad.py:3" in done.stderr and "NameError" in done.stderr
    assert _files(tmp_path) == {"bad.py"}


# ---- the kernel: time limits, crashes, outputs that cannot be written, item-11 fixes ---------------
def test_timeout_stops_the_script_and_writes_nothing(capsys, tmp_path):
    import time

    path = tmp_path / "slow.py"
    path.write_text("import time\nprint('working')\ntime.sleep(60)\n")
    started = time.monotonic()
    assert cli.main(["export", str(path), "-o", str(tmp_path / "g.json"), "--timeout", "1"]) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert "stopped after 1 s" in err and "nothing was written" in err, err
    assert _files(tmp_path) == {"slow.py"}


def test_a_script_that_ends_the_kernel_exits_1(capsys, tmp_path):
    path = tmp_path / "quits.py"
    path.write_text("import os\nos._exit(3)\n")
    assert cli.main(["export", str(path), "-o", str(tmp_path / "g.json")]) == 1
    assert "the script ended the kernel (exit code 3)" in capsys.readouterr().err
    assert _files(tmp_path) == {"quits.py"}


@pytest.mark.parametrize("where", ["directory", "missing parent", "read-only place"])
def test_unwritable_output_is_one_line_exit_1(capsys, script, tmp_path, where):
    if where == "directory":
        out = tmp_path / "taken.json"
        out.mkdir()
    elif where == "missing parent":
        out = tmp_path / "missing" / "g.json"
    else:
        out = Path("/proc/gradviz-export.json")  # not writable even for root
    assert cli.main(["export", str(script), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"gradviz export: cannot write {out}: "), err
    assert "Traceback" not in err


def test_more_steps_than_backward_has_says_how_many_ran(capsys, script, tmp_path):
    out = tmp_path / "g.json"
    assert cli.main(["export", str(script), "-o", str(out), "--steps", "10000"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(out.read_text())
    ran = len(doc["steps"])
    assert ran == sum(1 for n in doc["nodes"] if n["kind"] == "grad_fn")
    assert f"backward has {ran} steps; ran all of them (--steps asked for 10000)" in captured.err
    assert f"{ran} backward steps" in captured.out


def test_force_layout_on_a_big_graph_falls_back_with_a_note(capsys, tmp_path):
    path = tmp_path / "chain.py"
    path.write_text("import torch\nx = torch.ones(2, requires_grad=True)\ny = x\n"
                    "for _ in range(1100):\n    y = y * 1.0\nloss = y.sum()\n")
    out = tmp_path / "g.json"
    # --fold off: folded, the chain would be six nodes (gradviz/model/grouping.py)
    assert cli.main(["export", str(path), "-o", str(out), "--layout", "kamada-kawai", "--fold", "off"]) == 0
    err = capsys.readouterr().err
    assert "kamada-kawai layout is limited to 1,000 nodes" in err and "used the layered layout" in err
    assert "Traceback" not in err
    assert len(json.loads(out.read_text())["nodes"]) > 1000


def test_default_root_prefers_the_loss_over_a_later_bigger_tensor(capsys, tmp_path):
    path = tmp_path / "loss_first.py"
    path.write_text("import torch\nw = torch.ones(3, requires_grad=True)\nloss = (w * 2).sum()\n"
                    "preview = w * 3\n")
    doc = _export_json(capsys, path, tmp_path / "g.json")
    assert doc["root"] == "loss"


def test_export_help_explains_the_default_root_and_timeout(capsys):
    assert cli.main(["export", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "preferring a single number" in text and "--timeout" in text and "default 60" in text


# ---- images (child processes without a display) ------------------------------------------------
@pytest.fixture(scope="module")
def vector_exports(tmp_path_factory) -> Path:
    """A folder with SCRIPT exported as g.svg (``--steps 3``) and g.pdf by one child process with
    no display: two ``cli.main`` calls there cost one interpreter and Qt start-up, not two."""
    folder = tmp_path_factory.mktemp("vector_exports")
    script = folder / "tutorial.py"
    script.write_text(SCRIPT)
    calls = [["export", str(script), "-o", str(folder / "g.svg"), "--steps", "3"],
             ["export", str(script), "-o", str(folder / "g.pdf")]]
    code = f"import sys\nfrom gradviz import cli\nsys.exit(max([cli.main(args) for args in {calls!r}]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_child_env(),
                          timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    return folder


def test_png_export_decodes_and_scales(qapp, capsys, script, tmp_path):
    # The first export in a child process with no display (the CLI makes its own offscreen
    # QApplication there), the second in this one.
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    done = run_cli("export", str(script), "-o", str(one))
    assert done.returncode == 0, done.stderr
    assert cli.main(["export", str(script), "-o", str(two), "--scale", "2"]) == 0, capsys.readouterr().err
    small, big = read_png(one.read_bytes()), read_png(two.read_bytes())
    assert small.width > 50 and small.height > 50
    assert abs(big.width - 2 * small.width) <= 2 and abs(big.height - 2 * small.height) <= 2
    assert _files(tmp_path) == {"tutorial.py", "one.png", "two.png"}


def test_png_theme_sets_the_background(qapp, capsys, script, tmp_path):
    # In-process (qapp: a Qt test for conftest's garbage handling); the child process is
    # test_png_export_decodes_and_scales.
    light, dark = tmp_path / "light.png", tmp_path / "dark.png"
    assert cli.main(["export", str(script), "-o", str(light), "--theme", "light"]) == 0, capsys.readouterr().err
    assert cli.main(["export", str(script), "-o", str(dark), "--theme", "dark"]) == 0, capsys.readouterr().err
    corner_light = read_png(light.read_bytes()).first_row[0]
    corner_dark = read_png(dark.read_bytes()).first_row[0]
    # The theme's background is opaque: written without an alpha channel, or with alpha 255.
    assert len(corner_light) == 3 or corner_light[3] == 255
    assert len(corner_dark) == 3 or corner_dark[3] == 255
    assert sum(corner_light[:3]) > 600 and sum(corner_dark[:3]) < 200


def test_svg_export_keeps_node_names_as_text(capsys, script, tmp_path, vector_exports):
    doc = _export_json(capsys, script, tmp_path / "g.json")
    out = vector_exports / "g.svg"
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join("".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text"))
    for name in _grad_fn_names(doc):
        assert name in texts, name


def test_pdf_export_is_a_pdf(vector_exports):
    out = vector_exports / "g.pdf"
    data = out.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox" in data


@pytest.mark.parametrize("example", example_scripts(), ids=lambda p: p.name)
def test_every_example_exports(capsys, tmp_path, example):
    status = cli.main(["export", str(example), "-o", str(tmp_path / "g.json")])
    err = capsys.readouterr().err
    if status == 1 and "no autograd graph" in err:  # an example that leaves no tensor requiring grad
        assert "Candidates" not in err, err
        return
    assert status == 0, err
    doc = json.loads((tmp_path / "g.json").read_text())
    assert validate_graph_json(doc) == []
    # Stepping works unless the example already ran backward() and so freed its graph, or then
    # changed a saved tensor in place (optimizer.step() after backward); then the export fails with
    # PyTorch's message for that, exit status 1 and nothing written.
    stepped = tmp_path / "stepped.json"
    status = cli.main(["export", str(example), "-o", str(stepped), "--steps", "all"])
    err = capsys.readouterr().err
    if status == 0:
        assert validate_graph_json(json.loads(stepped.read_text())) == []
    else:
        assert status == 1, err
        assert ("backward through the graph a second time" in err
                or "modified by an inplace operation" in err), err
        assert not stepped.exists()
    out = tmp_path / "g.dot"
    assert cli.main(["export", str(example), "-o", str(out)]) == 0
    read_dot(out.read_text())


def test_there_are_examples_to_export():
    assert example_scripts(), "no bundled examples: the parametrised export test below would pass on none"


@pytest.mark.parametrize("example", example_scripts(), ids=lambda p: p.name)
def test_examples_export_to_png(qapp, capsys, tmp_path, example):
    # In-process: the same pipeline as the child process of test_png_export_decodes_and_scales,
    # without fourteen interpreter, Qt and kernel start-ups. (qapp: a Qt test for conftest.)
    out = tmp_path / f"{example.stem}.png"
    status = cli.main(["export", str(example), "-o", str(out)])
    # Issue 14: every shipped example exports a picture (exit 0), 07_high_level_api included.
    assert status == 0, (example, capsys.readouterr().err)
    image = read_png(out.read_bytes())
    # Issue 14 item 11: never an illegible sliver (05_profiler's long chain is folded).
    assert 1 / 8 <= image.width / image.height <= 8, (example.name, image.width, image.height)


# ---- the app's export and the CLI's agree ---------------------------------------------------------
def test_app_export_matches_cli(qtbot, script, tmp_path, capsys):
    from PySide6.QtCore import QSettings

    from gradviz.qt.main_window import MainWindow
    from gradviz.qt.render import render_scene

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, autosave_path=tmp_path / "autosave.py")
    qtbot.addWidget(window)
    try:
        window.apply_theme("light")
        window.editor.setPlainText(script.read_text())
        window.action_run.trigger()
        qtbot.waitUntil(lambda: not window.is_busy() and window.scene is not None, timeout=30000)
        app_png = tmp_path / "app.png"
        app_size = render_scene(window.scene, app_png, "png")
        app_nodes = set(window.scene.items_by_id)
    finally:
        window.shutdown()

    doc = _export_json(capsys, script, tmp_path / "cli.json")
    assert app_nodes == {n["id"] for n in doc["nodes"]}
    cli_png = tmp_path / "cli.png"
    done = run_cli("export", str(script), "-o", str(cli_png), "--theme", "light")
    assert done.returncode == 0, done.stderr
    app_image, cli_image = read_png(app_png.read_bytes()), read_png(cli_png.read_bytes())
    assert (app_image.width, app_image.height) == (app_size.width(), app_size.height())
    assert (cli_image.width, cli_image.height) == (app_image.width, app_image.height)
    assert cli_image.first_row == app_image.first_row


# ---- --backend torch: the real PyTorch's graph, gradients and order (issue 12) -------------------
TORCH_SCRIPT = textwrap.dedent(
    """\
    import torch
    import torch.nn as nn
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(18, 2))
    x = torch.randn(2, 1, 8, 8)
    h = net(x)
    h.register_hook(lambda g: g * 3)
    loss = h.pow(2).sum()
    """
)


def _need_torch():
    """torch is in the test extra: in CI these tests must run; elsewhere they skip with the reason."""
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        if os.environ.get("CI"):
            pytest.fail("torch is not installed, but --backend torch must be tested in CI", pytrace=False)
        pytest.skip("torch is not installed: --backend torch cannot be tested")
    import torch

    return torch


@pytest.fixture
def torch_script(tmp_path) -> Path:
    path = tmp_path / "cnn.py"
    path.write_text(TORCH_SCRIPT)
    return path


def test_torch_export_json_is_torchs_graph_gradients_and_order(capsys, torch_script, tmp_path):
    torch = _need_torch()
    doc = _export_json(capsys, torch_script, tmp_path / "g.json", "--backend", "torch", "--steps", "all")
    assert validate_graph_json(doc) == []
    namespace: dict = {}
    exec(compile(TORCH_SCRIPT, "here.py", "exec"), namespace)
    loss = namespace["loss"]
    order, seen, queue = [], {loss.grad_fn}, [loss.grad_fn]
    while queue:  # breadth first over next_functions, as the document lists the nodes
        node = queue.pop(0)
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    grad_fns = [n for n in doc["nodes"] if n["kind"] == "grad_fn"]
    assert [n["name"] for n in grad_fns] == [n.name() for n in order]
    at = {n["id"]: i for i, n in enumerate(grad_fns)}
    position = {n: i for i, n in enumerate(order)}
    assert sorted((at[e["source"]], e["input_index"], at[e["target"]]) for e in doc["edges"]
                  if e["target"] in at) == sorted(
        (position[n], i, position[c]) for n in order for i, (c, _) in enumerate(n.next_functions) if c is not None)
    ran = []
    handles = [n.register_hook(lambda gi, go, n=n: ran.append(position[n])) for n in order]
    loss.backward()
    for handle in handles:
        handle.remove()
    assert [at[s["node"]] for s in doc["steps"]] == ran
    for name, param in namespace["net"].named_parameters():
        np.testing.assert_array_equal(np.asarray(doc["leaves"][f"net.{name}"]["grad"], dtype=np.float32),
                                      param.grad.numpy())
    conv = next(n for n in doc["nodes"] if n["name"] == "ConvolutionBackward0")
    assert conv["module"] == "net.0" and conv["source"] == f"{torch_script}:6"
    assert torch.__version__


def test_torch_export_dot_and_png(capsys, torch_script, tmp_path):
    _need_torch()
    doc = _export_json(capsys, torch_script, tmp_path / "g.json", "--backend", "torch")
    dot = tmp_path / "g.dot"
    assert cli.main(["export", str(torch_script), "-o", str(dot), "--backend", "torch"]) == 0
    parsed = read_dot(dot.read_text())
    assert set(parsed.nodes) == {n["id"] for n in doc["nodes"]}
    assert sorted((u, v, int(a["input_index"])) for u, v, a in parsed.edges) == sorted(
        (e["source"], e["target"], e["input_index"]) for e in doc["edges"])
    png = tmp_path / "g.png"
    assert cli.main(["export", str(torch_script), "-o", str(png), "--backend", "torch", "--steps", "3"]) == 0
    assert "3 backward steps" in capsys.readouterr().out
    image = read_png(png.read_bytes())
    assert image.width > 100 and image.height > 100


def test_the_directive_picks_torch_and_backend_engine_overrides_it(capsys, tmp_path):
    _need_torch()
    path = tmp_path / "d.py"
    path.write_text("# gradviz: backend=torch\nimport torch\nassert hasattr(torch, '_C'), 'not torch'\n"
                    "w = torch.ones(2, requires_grad=True)\nloss = (w * 2).sum()\n")
    out = tmp_path / "d.json"
    assert cli.main(["export", str(path), "-o", str(out)]) == 0, capsys.readouterr().err
    assert json.loads(out.read_text())["root"] == "loss"
    out.unlink()
    assert cli.main(["export", str(path), "-o", str(out), "--backend", "engine"]) == 1
    assert "not torch" in capsys.readouterr().err and not out.exists()


def test_an_unknown_backend_exits_2(capsys, script, tmp_path):
    assert cli.main(["export", str(script), "-o", str(tmp_path / "g.json"), "--backend", "jax"]) == 2
    assert "--backend" in capsys.readouterr().err
    path = tmp_path / "typo.py"
    path.write_text("# gradviz: backend=troch\nx = 1\n")
    assert cli.main(["export", str(path), "-o", str(tmp_path / "g.json")]) == 2
    assert "unknown backend 'troch'" in capsys.readouterr().err


def test_stepped_export_starts_from_a_clean_grad_like_the_app(tmp_path):
    """01_simple_example.py already ran out.backward(); the stepped export shows this backward's
    gradient 2·cos(a), as the app does, not 4·cos(a) added to the script's own."""
    (example,) = [p for p in example_scripts() if p.name == "01_simple_example.py"]
    out = tmp_path / "g.json"
    assert cli.main(["export", str(example), "-o", str(out), "--steps", "all"]) == 0
    doc = json.loads(out.read_text())
    a = np.linspace(0.0, 2.0 * np.pi, 25)
    np.testing.assert_allclose(np.array(doc["leaves"]["a"]["grad"], dtype=float), 2 * np.cos(a), atol=1e-5)
