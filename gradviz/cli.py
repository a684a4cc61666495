"""The ``gradviz`` command: open the app, or export a script's grad_fn graph without a display.

    gradviz                      the app on the built-in example
    gradviz FILE.py              the app on FILE.py
    gradviz export SCRIPT.py -o OUT.{png,svg,pdf,dot,json} [options]

``export`` executes the script (as the app does: ``torch`` is engine; with ``--backend torch`` or a
``# gradviz: backend=torch`` first line, the real PyTorch) in a separate kernel process
(gradviz.kernel), builds the graph of one tensor, optionally runs backward steps, lays the graph out
and writes one file (the pipeline is gradviz/export_job.py). DOT and JSON never import Qt; images are
drawn on Qt's offscreen platform, so no display is needed. Exit status: 0 written, 1 the export
failed (the script failed, ran past --timeout, made no graph, or the output cannot be written),
2 bad arguments. Nothing is written unless the export succeeds: the output is written to a
temporary file next to it and renamed into place at the end.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import gradviz

EXPORT_FORMATS = ("png", "svg", "pdf", "dot", "json")
IMAGE_FORMATS = ("png", "svg", "pdf")
# Kept here (not imported from gradviz.model.layout) so `gradviz --help` stays instant.
LAYOUT_CHOICES = ("layered", "spring", "kamada-kawai", "shell")
THEMES = ("light", "dark")
BACKEND_CHOICES = ("engine", "torch")  # gradviz.kernel.backends.BACKENDS, kept here for a fast --help
MAX_SCALE = 8.0


class UsageError(Exception):
    """Bad command-line input: reported with the usage line, exit status 2."""


def _usage_error(message: str) -> UsageError:
    """A UsageError for ``gradviz export`` that shows the usage line first, as argparse does."""
    return UsageError(f"{build_export_parser().format_usage()}gradviz export: error: {message}")


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
    timeout: float = 60.0
    backend: str | None = None  # None: the script's directive, else engine
    collapse: str | int = "auto"  # "auto" | "none" | "all" | depth (gradviz/model/grouping.py)
    fold: bool = True
    params: str = "full"  # "full" | "compact"
    gradient: str | None = None  # --gradient: v of root.backward(v), an expression in the script


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


def _timeout_arg(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"the timeout must be > 0 seconds, got {text}")
    return seconds


def _collapse_arg(text: str) -> str | int:
    if text in ("auto", "none", "all"):
        return text
    try:
        depth = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected auto, none, all or a module depth, got {text!r}") from None
    if depth < 1:
        raise argparse.ArgumentTypeError(f"the module depth must be >= 1, got {depth}")
    return depth


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
                        help="a script to open; it runs when you press Run (Ctrl+Enter). Default: the "
                        "built-in example, which runs at once")
    parser.add_argument("--run", action="store_true", help="run FILE.py as soon as it is open")
    parser.add_argument("--backend", choices=BACKEND_CHOICES, default=None,
                        help="run scripts on gradviz's engine or on the real PyTorch (the toolbar's "
                        "Backend choice; default: the one chosen last time). A script's first line "
                        "'# gradviz: backend=torch' still wins")
    parser.add_argument("--version", action="version", version=f"gradviz {gradviz.__version__}")
    return parser


def build_export_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gradviz export",
        description="Run SCRIPT.py and write the grad_fn graph of one of its tensors to a file. "
        "WARNING: this executes the script (in a separate process, with `torch` bound to gradviz's "
        "engine); export only code you trust. No display is needed.",
        epilog="Formats by extension: .png (raster), .svg and .pdf (vector, node names as text), "
        ".dot (Graphviz), .json (see 'Graph JSON format' in README.md). Collapsing and folding change "
        "the picture, never the data: JSON lists every node and edge (a grouped node gets its group's "
        "position) and records the modules and folded runs. A picture still far taller than wide is "
        "set in columns. Exit status: 0 written, 1 the export failed (the script raised, ran "
        "past --timeout, made no autograd graph, or OUT cannot be written), 2 bad arguments; "
        "nothing is written on failure.",
    )
    parser.add_argument("script", metavar="SCRIPT.py", help="the script to run (it is executed)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="output file; its extension picks the format: " + ", ".join(EXPORT_FORMATS))
    parser.add_argument("--root", metavar="NAME",
                        help="variable whose graph to export. Default: the last tensor the script assigns "
                        "to a name that has a grad_fn, preferring a single number (a loss: the graph "
                        "the script trains through) over a bigger tensor assigned after it; if no "
                        "tensor has a grad_fn, the last one that requires grad (a lone leaf)")
    parser.add_argument("--steps", type=_steps_arg, metavar="N|all",
                        help="run N backward steps (or all) first; images then show the step state and "
                        "JSON the gradients (the summary says how many ran)")
    parser.add_argument("--layout", choices=LAYOUT_CHOICES, default="layered",
                        help="layout (default: layered; spring and kamada-kawai fall back to layered, "
                        "with a note, on graphs too big for them)")
    parser.add_argument("--scale", type=_scale_arg, default=1.0, metavar="S",
                        help=f"image scale, up to {MAX_SCALE:g} (PNG pixels / SVG, PDF size; default 1)")
    parser.add_argument("--theme", choices=THEMES, default="light", help="image colours (default: light)")
    parser.add_argument("--backend", choices=BACKEND_CHOICES, default=None,
                        help="what `import torch` is in the script: 'engine' (gradviz's numpy engine) or "
                        "'torch' (the real PyTorch, which must be installed; the graph, the gradients and "
                        "the order of --steps are PyTorch's own). Default: the script's first-line "
                        "directive '# gradviz: backend=torch', else engine")
    parser.add_argument("--collapse", type=_collapse_arg, default="auto", metavar="auto|none|all|DEPTH",
                        help="draw nn.Module calls as one node each ('blocks.0 · Block', its parameter "
                        "count and output shape): 'all' the top-level modules, DEPTH the modules that many "
                        "levels deep (1 = all, 2 = blocks.0 inside an open blocks), 'none' nothing. "
                        "Default auto: nothing, unless more than 300 nodes would be drawn; then the "
                        "deepest depth that fits")
    parser.add_argument("--fold", choices=("on", "off"), default="on",
                        help="fold repetition into one node between its first and last repetition: a "
                        "chain of repeated ops ('MulBackward0 × 19,998'), a repeated loop body of up to "
                        "8 ops, or the repeated steps of an unrolled recurrence such as a GRU "
                        "('14-op block × 13') (default on)")
    parser.add_argument("--params", choices=("full", "compact"), default="full",
                        help="compact: draw each AccumulateGrad and its leaf (a parameter) as a badge "
                        "on the op that uses it, with the name and shape; full: as nodes (default)")
    parser.add_argument("--gradient", metavar="V", default=None,
                        help="with --steps: the gradient vector v of root.backward(v), a Python "
                        "expression evaluated in the script's namespace (e.g. 'torch.ones(3, 4)', "
                        "'[0.1, 1.0, 0.0001]', 'ones'); needed only for a root that is not a single "
                        "number (default there: ones, the gradient of root.sum())")
    parser.add_argument("--timeout", type=_timeout_arg, default=60.0, metavar="SECONDS",
                        help="stop the script (and write nothing, exit 1) after this many seconds "
                        "(default 60)")
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
    if args.gradient is not None and args.steps is None:
        raise _usage_error("--gradient is the v of a backward: give --steps too")
    return ExportRequest(script, output, fmt, args.root, args.steps, args.layout, args.scale, args.theme,
                         args.timeout, args.backend, args.collapse, args.fold == "on", args.params,
                         args.gradient)


# ---- the export pipeline (gradviz/export_job.py: the script runs in a kernel process) ----------
def run_export(request: ExportRequest) -> tuple[str, list[str]]:
    from gradviz.export_job import run_export as run

    return run(request, _usage_error)


# ---- entry point -------------------------------------------------------------------------------
def _export_main(argv: list[str]) -> int:
    from gradviz.export_job import ExportFailed

    try:
        request = parse_export_args(argv)
        summary, notes = run_export(request)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ExportFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    for note in notes:
        print(f"gradviz export: note: {note}", file=sys.stderr)
    print(f"wrote {request.output} ({summary})")
    return 0


def _launch(file: str | None, run_file: bool = False, backend: str | None = None) -> int:
    if file is not None and not Path(file).is_file():
        raise UsageError(f"{build_parser().format_usage()}gradviz: error: no such file: {file}")
    from gradviz.qt.app import launch

    return int(launch(file, run_file=run_file, backend=backend) or 0)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the ``gradviz`` script calls ``sys.exit`` on it)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] == "export":
            return _export_main(argv[1:])
        args = build_parser().parse_args(argv)
        if args.run and args.file is None:
            raise UsageError(f"{build_parser().format_usage()}gradviz: error: --run needs FILE.py")
        return _launch(args.file, run_file=args.run, backend=args.backend)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
