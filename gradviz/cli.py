"""The ``gradviz`` command: open the app, or export a script's grad_fn graph without a display.

    gradviz                      the app on the built-in example
    gradviz FILE.py              the app on FILE.py
    gradviz export SCRIPT.py -o OUT.{png,svg,pdf,dot,json} [options]

``export`` runs the script (as the app does: ``torch`` is engine), builds the graph of one tensor,
optionally runs backward steps, lays the graph out and writes one file. DOT and JSON never import
Qt; images are drawn on Qt's offscreen platform, so no display is needed. Exit status: 0 written,
1 the script failed, 2 bad arguments. Nothing is written unless the export succeeds: the output is
written to a temporary file next to it and renamed into place at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import gradviz

EXPORT_FORMATS = ("png", "svg", "pdf", "dot", "json")
IMAGE_FORMATS = ("png", "svg", "pdf")
# Kept here (not imported from gradviz.model.layout) so `gradviz --help` stays instant.
LAYOUT_CHOICES = ("layered", "spring", "kamada-kawai", "shell")
THEMES = ("light", "dark")
MAX_SCALE = 8.0


class UsageError(Exception):
    """Bad command-line input: reported with the usage line, exit status 2."""


def _usage_error(message: str) -> UsageError:
    """A UsageError for ``gradviz export`` that shows the usage line first, as argparse does."""
    return UsageError(f"{build_export_parser().format_usage()}gradviz export: error: {message}")


class ScriptError(Exception):
    """The exported script failed: reported with its line, exit status 1."""


@dataclass
class ExportRequest:
    """Everything ``gradviz export`` was asked to do (already validated by the parser)."""

    script: Path
    output: Path
    fmt: str
    root: str | None = None
    steps: int | None = None  # None: no backward; -1: all steps
    layout: str = "layered"
    scale: float = 1.0
    theme: str = "light"


# ---- argument parsing --------------------------------------------------------------------------
def _steps_arg(text: str) -> int:
    if text == "all":
        return -1
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of steps or 'all', got {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"the number of steps must be >= 0, got {n}")
    return n


def _scale_arg(text: str) -> float:
    try:
        scale = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < scale <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"the scale must be in (0, {MAX_SCALE:g}], got {text}")
    return scale


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` can return a status (and tests can call it)."""

    def error(self, message: str):
        raise UsageError(f"{self.format_usage()}{self.prog}: error: {message}")

    def exit(self, status: int = 0, message: str | None = None):
        if message:
            print(message, file=sys.stderr if status else sys.stdout, end="")
        raise SystemExit(status)


def build_parser() -> argparse.ArgumentParser:
    """``gradviz [FILE]``; ``gradviz export ...`` has its own parser (see :func:`build_export_parser`)."""
    parser = _Parser(
        prog="gradviz",
        description="See backprop: an app that shows the live grad_fn graph of PyTorch-style code "
        "(run on gradviz's numpy engine).",
        epilog="Export without a window: gradviz export SCRIPT.py -o OUT.png  "
        "(see `gradviz export --help`; export executes the script).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", metavar="FILE.py",
                        help="a script to open (default: the built-in example)")
    parser.add_argument("--version", action="version", version=f"gradviz {gradviz.__version__}")
    return parser


def build_export_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gradviz export",
        description="Run SCRIPT.py and write the grad_fn graph of one of its tensors to a file. "
        "WARNING: this executes the script, with `torch` bound to gradviz's engine; export only "
        "code you trust. No display is needed.",
        epilog="Formats by extension: .png (raster), .svg and .pdf (vector, node names as text), "
        ".dot (Graphviz), .json (see 'Graph JSON format' in README.md). Exit status: 0 written, "
        "1 the script failed, 2 bad arguments; nothing is written on failure.",
    )
    parser.add_argument("script", metavar="SCRIPT.py", help="the script to run (it is executed)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output file; its extension picks the format: " + ", ".join(EXPORT_FORMATS))
    parser.add_argument("--root", metavar="NAME",
                        help="variable whose graph to export (default: the last tensor assigned that has a grad_fn)")
    parser.add_argument("--steps", type=_steps_arg, metavar="N|all",
                        help="run N backward steps (or all) first; images then show the step state and "
                        "JSON the gradients")
    parser.add_argument("--layout", choices=LAYOUT_CHOICES, default="layered", help="layout (default: layered)")
    parser.add_argument("--scale", type=_scale_arg, default=1.0, metavar="S",
                        help=f"image scale, up to {MAX_SCALE:g} (PNG pixels / SVG, PDF size; default 1)")
    parser.add_argument("--theme", choices=THEMES, default="light", help="image colours (default: light)")
    return parser


def parse_export_args(argv: list[str]) -> ExportRequest:
    """Parse and check ``gradviz export`` arguments; raises UsageError."""
    args = build_export_parser().parse_args(argv)
    script = Path(args.script)
    output = Path(args.output)
    fmt = output.suffix.lstrip(".").lower()
    if fmt not in EXPORT_FORMATS:
        raise _usage_error(
            f"cannot tell the format of {str(output)!r}: "
            f"the output must end in one of {', '.join('.' + f for f in EXPORT_FORMATS)}"
        )
    if not script.is_file():
        raise _usage_error(f"no such script: {script}")
    if not output.parent.resolve().is_dir():
        raise _usage_error(f"the output directory does not exist: {output.parent}")
    return ExportRequest(script, output, fmt, args.root, args.steps, args.layout, args.scale, args.theme)


# ---- the export pipeline -----------------------------------------------------------------------
def _run_script(script: Path):
    from gradviz.model.session import RunFailed, Session

    try:
        code = script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _usage_error(f"cannot read {script}: {exc}") from None
    try:
        return Session().run_sync(code, str(script))
    except RunFailed as failed:
        error = failed.error
        where = f"{script}:{error.lineno}" if error.lineno is not None else str(script)
        detail = error.traceback.rstrip()
        message = f"gradviz export: {where}: {error.message}"
        raise ScriptError(f"{detail}\n{message}" if detail else message) from None


def _pick_root(result, requested: str | None):
    """(name, tensor) of the graph's root; UsageError naming the candidates when there is none."""
    candidates = [
        name for name, t in result.tensors.items() if t.grad_fn is not None or t.requires_grad
    ]
    listing = ", ".join(candidates) if candidates else "(none: no tensor in the script requires grad)"
    if requested is None:
        # The last tensor with a grad_fn; failing that (e.g. every result was computed in place or
        # under no_grad) the last tensor that requires grad, whose graph is just its leaf.
        requested = result.default_root or (candidates[-1] if candidates else None)
        if requested is None:
            raise _usage_error(
                "the script assigns no tensor with a grad_fn; "
                f"choose one with --root NAME. Candidates: {listing}"
            )
    tensor = result.tensors.get(requested)
    if tensor is None or not (tensor.grad_fn is not None or tensor.requires_grad):
        why = "is not a tensor variable of the script" if tensor is None else "does not require grad"
        raise _usage_error(f"--root {requested!r} {why}. Candidates: {listing}")
    return requested, tensor


def _run_steps(root, steps: int | None):
    """A Stepper that has run ``steps`` backward steps (-1: all), or None for no backward."""
    if steps is None:
        return None
    from gradviz.model.stepper import Stepper

    taken = 0
    try:
        stepper = Stepper(root, retain_graph=True)
        if stepper.note:
            print(f"gradviz export: note: {stepper.note}", file=sys.stderr)
        while steps < 0 or taken < steps:
            if stepper.step() is None:
                break
            taken += 1
    except Exception as exc:  # noqa: BLE001 - backward raises what PyTorch raises; report it
        # Typically the script already ran backward() without retain_graph, which frees the graph:
        # stepping it again fails exactly as a second backward() does in PyTorch.
        raise ScriptError(
            f"gradviz export: --steps: backward failed at step {taken}: {type(exc).__name__}: {exc}"
        ) from None
    return stepper


def build_export(request: ExportRequest):
    """Run the script and build (model, positions, stepper, root name); raises ScriptError/UsageError."""
    from gradviz.model.graph_model import GraphModel, attach_variable_names, tensor_names
    from gradviz.model.layout import compute_layout

    result = _run_script(request.script)
    root_name, root = _pick_root(result, request.root)
    # Named and labelled as the app does, so an export shows what the window shows.
    model = GraphModel.from_root(root, tensor_names(result.namespace))
    attach_variable_names(model, result.tensors)
    stepper = _run_steps(root, request.steps)
    positions = compute_layout(model.graph, request.layout)
    return model, positions, stepper, root_name


def _ensure_qt_app():
    """The running QApplication, or a new one on the offscreen platform (no display needed)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        # The platform plugin is chosen when the first QApplication is made: offscreen needs no display.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(["gradviz-export"])
    return app


def write_export(request: ExportRequest, model, positions, stepper, root_name: str, path: Path) -> str:
    """Write the graph to ``path`` in ``request.fmt``; returns a one-line description."""
    from gradviz.model.export import to_dot, to_json

    count = model.graph.number_of_nodes()
    if request.fmt == "json":
        doc = to_json(model, positions, stepper, root_name=root_name)
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        return f"{count} nodes"
    if request.fmt == "dot":
        path.write_text(to_dot(model, positions), encoding="utf-8")
        return f"{count} nodes"
    _ensure_qt_app()
    from gradviz.qt.graph_scene import GraphScene
    from gradviz.qt.render import render_scene

    scene = GraphScene(model, positions, theme=request.theme)
    if stepper is not None:
        scene.apply_step_state(stepper)
    size = render_scene(scene, path, request.fmt, scale=request.scale, background="theme")
    return f"{count} nodes, {size.width():.0f}x{size.height():.0f}"


def _new_file_mode() -> int:
    """0666 minus the process umask (read without changing it where /proc allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def run_export(request: ExportRequest) -> str:
    """The whole export; the output appears only when everything succeeded (temp file + rename)."""
    model, positions, stepper, root_name = build_export(request)
    out = request.output
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=f".tmp.{request.fmt}",
                                    dir=out.parent.resolve())
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        summary = write_export(request, model, positions, stepper, root_name, tmp)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else _new_file_mode())
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    return summary


# ---- entry point -------------------------------------------------------------------------------
def _export_main(argv: list[str]) -> int:
    try:
        request = parse_export_args(argv)
        summary = run_export(request)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ScriptError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"wrote {request.output} ({summary})")
    return 0


def _launch(file: str | None) -> int:
    if file is not None and not Path(file).is_file():
        raise UsageError(f"{build_parser().format_usage()}gradviz: error: no such file: {file}")
    from gradviz.qt.app import launch

    return int(launch(file) or 0)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the ``gradviz`` script calls ``sys.exit`` on it)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] == "export":
            return _export_main(argv[1:])
        args = build_parser().parse_args(argv)
        return _launch(args.file)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
