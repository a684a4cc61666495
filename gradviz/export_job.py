"""``gradviz export``'s pipeline: the script runs in a kernel process, the picture is made here.

1. the output is checked to be writable (before anything runs);
2. the script runs in a fresh kernel (:class:`gradviz.kernel.KernelClient`) under ``--timeout``, on
   the backend ``--backend`` names (else the script's ``# gradviz: backend=torch`` line, else the
   engine); under torch the graph, the gradients and the order of the steps are PyTorch's own;
3. the root is picked, backward steps run in the kernel if asked, and the kernel sends the graph
   document (the JSON schema) and the graph's topology;
4. the replica of the kernel's graph is grouped for drawing (``--collapse``, ``--fold``,
   ``--params``: gradviz/model/grouping.py), the drawn graph is laid out here (a layout too big for
   its method falls back to the layered one), and a picture still far taller than wide is set in
   columns; JSON and DOT still list every node, each at its drawn group's position;
5. the file is written next to the output and renamed into place, so a failure writes nothing.

This process never executes user code and touches no tensor; images still import the Qt scene.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from gradviz.kernel import KernelClient, KernelRequestError
from gradviz.kernel.backends import choose_backend, torch_installed
from gradviz.kernel.replica import GraphReplica, StepSnapshot, with_positions
from gradviz.model.grouping import Grouping, group_graph

IMAGE_FORMATS = ("png", "svg", "pdf")


class ExportFailed(Exception):
    """The export cannot be made (script error, timeout, no graph, unwritable output): exit 1."""


@dataclass
class ExportBuild:
    replica: GraphReplica
    positions: dict
    snapshot: StepSnapshot | None
    root_name: str
    steps_ran: int | None = None
    notes: list[str] = field(default_factory=list)
    grouping: Grouping | None = None  # what is drawn; positions are the drawn nodes'
    # The app's drawn graph when it is not ``grouping.display`` itself (capped at MAX_DRAWN nodes).
    display: object = None


# ---- the output ----------------------------------------------------------------------------------
def check_output(out: Path) -> None:
    """Fail now, in one line, when ``out`` cannot be written (before the script runs for nothing)."""
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise ExportFailed(f"gradviz export: cannot write {out}: the folder {parent} does not exist")
    if out.is_dir():
        raise ExportFailed(f"gradviz export: cannot write {out}: it is a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".probe", dir=parent.resolve())
    except OSError as exc:
        raise ExportFailed(f"gradviz export: cannot write {out}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


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


def write_atomically(out: Path, fmt: str, write) -> str:
    """``write(tmp_path)`` then rename onto ``out``; an OSError becomes one ExportFailed line."""
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=f".tmp.{fmt}", dir=out.parent.resolve())
    except OSError as exc:
        raise ExportFailed(f"gradviz export: cannot write {out}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        summary = write(tmp)
        # mkstemp makes the file private (0600); give it the mode a plain open() would have.
        os.chmod(tmp, out.stat().st_mode & 0o777 if out.exists() else _new_file_mode())
        os.replace(tmp, out)
    except OSError as exc:
        raise ExportFailed(f"gradviz export: cannot write {out}: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return summary


# ---- the kernel part ------------------------------------------------------------------------------
def _script_failed(script: Path, error) -> ExportFailed:
    where = f"{script}:{error.lineno}" if error.lineno is not None else str(script)
    message = f"gradviz export: {where}: {error.message}"
    if error.kind == "timeout":
        message += " (--timeout); nothing was written"
    detail = error.traceback.rstrip() if error.kind in ("exception", "syntax") else ""
    return ExportFailed(f"{detail}\n{message}" if detail else message)


def pick_root(result, requested: str | None, script: Path, usage_error) -> tuple[str, list[str]]:
    """The root's name and notes for the user; ``usage_error(text)`` makes the exit-2 error."""
    candidates = list(result.candidates)
    if requested is not None:
        info = result.tensor(requested)
        if info is None or not (info.grad_fn or info.requires_grad):
            why = "is not a tensor variable of the script" if info is None else "does not require grad"
            listing = ", ".join(candidates) if candidates else \
                "(none: no tensor of the script has a grad_fn or requires grad)"
            raise usage_error(f"--root {requested!r} {why}. Candidates: {listing}")
        return requested, []
    if result.default_root is not None:
        return result.default_root, []
    if candidates:
        leaf = candidates[-1]
        return leaf, [f"no tensor the script assigned has a grad_fn; drawing the leaf {leaf!r} "
                      "(it requires grad, so its graph is the tensor alone)"]
    names = ", ".join(t.name for t in result.tensors)
    made = f"its tensors ({names}) neither have a grad_fn nor require grad" if names else \
        "it assigns no tensor to a variable"
    raise ExportFailed(
        f"gradviz export: {script}: there is no autograd graph to export: {made}. A graph appears "
        "once a tensor made with requires_grad=True is used in a computation whose result the "
        "script assigns to a variable."
    )


def _remaining(deadline: float) -> float:
    return max(0.01, deadline - time.monotonic())


def run_in_kernel(request, usage_error) -> tuple[dict, StepSnapshot | None, str, int | None, list[str]]:
    """Everything the export needs from the kernel: graph answer, step state, root, steps run, notes."""
    try:
        code = request.script.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise usage_error(f"cannot read {request.script}: {exc}") from None
    try:
        backend = choose_backend(code, getattr(request, "backend", None))
    except ValueError as exc:
        raise usage_error(f"{request.script}: {exc}") from None
    if backend == "torch":
        available, reason = torch_installed()  # a broken install fails in the kernel, with its error
        if not available:
            raise ExportFailed(f"gradviz export: --backend torch: {reason}")
    with KernelClient(prestart=False) as kernel:
        kernel.start(backend)
        # While the kernel starts (Python, numpy, engine), import what the layout needs here.
        import gradviz.model.layout  # noqa: F401

        deadline = time.monotonic() + request.timeout
        result = kernel.run(code, str(request.script), backend, timeout=request.timeout)
        if result.error is not None:
            raise _script_failed(request.script, result.error)
        root_name, notes = pick_root(result, request.root, request.script, usage_error)
        steps_ran = None
        snapshot = None
        try:
            if request.steps is not None:
                # From a clean .grad, as the app steps: the exported leaves show what this backward
                # sent (2·cos(a) for the tutorial), not that added to the script's own backward.
                started = kernel.step_start(root_name, gradient=request.gradient,
                                            zero_grad=True)
                if started.get("note"):
                    notes.append(started["note"])
                wanted = None if request.steps < 0 else request.steps
                moved = kernel.continue_(max_steps=wanted, check=False, timeout=_remaining(deadline))
                steps_ran = len(moved["steps"])
                if wanted is not None and steps_ran < wanted:
                    notes.append(f"backward has {steps_ran} steps; ran all of them (--steps asked for {wanted})")
            # Only JSON writes the kernel's document; leaving it out saves seconds on huge graphs.
            answer = kernel.graph(root_name, timeout=_remaining(deadline), document=request.fmt == "json")
            if request.steps is not None and request.fmt in IMAGE_FORMATS:
                snapshot = StepSnapshot(kernel.step_state())
        except KernelRequestError as failed:
            error = failed.error
            if error.kind in ("timeout", "kernel_died", "stopped"):
                raise _script_failed(request.script, error) from None
            # Typically the script already ran backward() in a way that freed the graph: stepping it
            # again fails exactly as a second backward() does in PyTorch.
            raise ExportFailed(f"gradviz export: --steps: backward failed: {error.message}") from None
    return answer, snapshot, root_name, steps_ran, notes


# ---- layout and writing ---------------------------------------------------------------------------
def lay_out(graph, method: str, notes: list[str]):
    from gradviz.model.layout import MAX_NODES, LayoutTooLarge, compute_layout

    try:
        return compute_layout(graph, method)
    except LayoutTooLarge:
        notes.append(f"the {method} layout is limited to {MAX_NODES[method]:,} nodes (this graph has "
                     f"{graph.number_of_nodes():,} to draw); used the layered layout instead")
        return compute_layout(graph, "layered")


def group_for_export(request, replica: GraphReplica, notes: list[str]) -> Grouping:
    """The drawn graph for ``--collapse/--fold/--params``, with a note when it differs from the graph."""
    grouping = group_graph(replica.graph, replica.root_id, collapse=getattr(request, "collapse", "auto"),
                           fold=getattr(request, "fold", True), params=getattr(request, "params", "full"))
    total, drawn = replica.graph.number_of_nodes(), grouping.visible_count()
    if drawn != total:
        parts = []
        if grouping.collapsed:
            parts.append(f"{len(grouping.collapsed)} module(s) collapsed")
        if grouping.folds:
            biggest = max(grouping.folds, key=lambda f: len(f["nodes"]))
            shown = grouping.display.nodes.get(biggest["id"], {}).get("label", biggest["name"]).split("\n")[0]
            parts.append(f"{len(grouping.folds)} repeated run(s) folded (largest: {shown})")
        if grouping.badges:
            count = len({b["id"] for listed in grouping.badges.values() for b in listed})
            parts.append(f"{count} parameter(s) shown as badges")
        notes.append(f"drew the {total:,}-node graph as {drawn:,} nodes: {', '.join(parts)}"
                     " (--collapse none --fold off --params full draws every node)")
    return grouping


def build_export(request, usage_error) -> ExportBuild:
    answer, snapshot, root_name, steps_ran, notes = run_in_kernel(request, usage_error)
    replica = GraphReplica(answer)
    grouping = group_for_export(request, replica, notes)
    positions = lay_out(grouping.display, request.layout, notes)
    return ExportBuild(replica, positions, snapshot, root_name, steps_ran, notes, grouping)


def grouped_document(document: dict, grouping: Grouping, positions) -> dict:
    """The kernel's document with every node at its drawn group's position, each node's ``group``
    (null when drawn as itself), and the ``modules`` and ``folds`` records."""
    doc = with_positions(document, grouping.node_positions(positions))
    group_of = grouping.group_of
    for node in doc["nodes"]:
        drawn = group_of.get(node["id"], node["id"])
        node["group"] = None if drawn == node["id"] else drawn
    doc["modules"] = grouping.module_records(positions)
    doc["folds"] = grouping.fold_records(positions)
    return doc


def _ensure_qt_app():
    """The running QApplication, or a new one on the offscreen platform (no display needed)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        # The platform plugin is chosen when the first QApplication is made: offscreen needs no display.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QApplication(["gradviz-export"])
    return app


def write_build(request, build: ExportBuild, path: Path) -> str:
    """Write the export to ``path`` in ``request.fmt``; returns the summary's size part."""
    from gradviz.model.export import to_dot

    replica = build.replica
    grouping = build.grouping
    if request.fmt == "json":
        doc = (grouped_document(replica.document, grouping, build.positions) if grouping is not None
               else with_positions(replica.document, build.positions))
        path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        return ""
    if request.fmt == "dot":
        positions = grouping.node_positions(build.positions) if grouping is not None else build.positions
        path.write_text(to_dot(replica, positions, edges=replica.edges), encoding="utf-8")
        return ""
    _ensure_qt_app()
    from gradviz.model.fold import fold_tall
    from gradviz.qt.graph_scene import SLOT_X, SLOT_Y, GraphScene
    from gradviz.qt.render import render_scene

    # The app exports the picture as it is on screen (its own positions, maybe a visible region):
    # ``request.columns`` False. (``request.fold`` is --fold, the folding of repeated ops.)
    in_columns = getattr(request, "columns", True)
    positions, columns = fold_tall(build.positions, (SLOT_X, SLOT_Y)) if in_columns else (build.positions, 1)
    if columns > 1:
        build.notes.append(f"the graph is a long chain; the picture shows it in {columns} columns "
                           "(read them left to right)")
    display = build.display if build.display is not None else grouping.display if grouping is not None else None
    scene = GraphScene(replica, positions, theme=request.theme, display=display)
    if build.snapshot is not None:
        scene.apply_step_state(build.snapshot)
    background = "transparent" if getattr(request, "transparent", False) else "theme"
    size = render_scene(scene, path, request.fmt, scale=request.scale, background=background,
                        rect=getattr(request, "rect", None))
    return f", {size.width():.0f}x{size.height():.0f}"


def run_export(request, usage_error) -> tuple[str, list[str]]:
    """The whole export; returns the summary line's details and the notes for the user."""
    check_output(request.output)
    build = build_export(request, usage_error)
    size = write_atomically(request.output, request.fmt, lambda tmp: write_build(request, build, tmp))
    count = build.replica.graph.number_of_nodes()
    steps = "" if build.steps_ran is None else f", {build.steps_ran} backward step{'s' * (build.steps_ran != 1)}"
    return f"{count} nodes{steps}{size}", build.notes
