"""Run → "Run under both": the script under the engine and under PyTorch, and where they part.

The comparison runs on a job thread in two kernels of its own (one :class:`KernelClient` per
backend, one after the other: the machine's cores are better spent on one import of torch at a
time), so the window's own run and graph are untouched; the window runs the script once more on
the combo's backend so the picture is this script's. Differences
(:func:`gradviz.model.compare.compare_runs`) are listed in the ``comparePanel`` dock (node, what
differs, engine value, torch value; clicking a row selects the node) and marked with a badge on
each node that differs (:func:`set_badges`). Node ids are those of the backend the scene shows:
the graph documents number nodes in the same deterministic walk, so a rerun has the same ids.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (QGraphicsRectItem, QGraphicsSimpleTextItem, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from gradviz.kernel import KernelClient
from gradviz.model.compare import Difference, badges, collect_run, compare_runs
from gradviz.model.jobs import Job

from .relay import on_gui_thread

BADGE_COLOUR = "#d62728"
HEADERS = ("Node", "Differs in", "engine", "PyTorch")
RUN_TIMEOUT = 300.0


def set_badges(scene, node_badges: dict[str, str]) -> int:
    """Put a red badge (text) on each node of ``scene`` named in ``node_badges``, replacing the
    badges set before; returns how many nodes got one. The badge is a child of the node's item
    (it moves and disappears with it), at the node's top-left corner, drawn above the edges."""
    for old in getattr(scene, "compare_badges", {}).values():
        scene.removeItem(old)
    scene.compare_badges = {}
    for node_id, text in node_badges.items():
        item = scene.items_by_id.get(node_id)
        if item is None:
            continue
        label = QGraphicsSimpleTextItem(text)
        font = QFont()
        font.setPointSizeF(8.0)
        font.setBold(True)
        label.setFont(font)
        label.setBrush(QBrush(QColor("white")))
        box = QGraphicsRectItem(label.boundingRect().adjusted(-3, -1, 3, 1), item)
        box.setBrush(QBrush(QColor(BADGE_COLOUR)))
        box.setPen(QColor(BADGE_COLOUR))
        label.setParentItem(box)
        rect = item.boundingRect()
        box.setPos(rect.left() + 4, rect.bottom() - label.boundingRect().height() / 2)
        box.setZValue(10)
        box.setToolTip(f"engine and PyTorch differ here: {text[2:]}")
        scene.compare_badges[node_id] = box
    return len(scene.compare_badges)


class ComparePanel(QWidget):
    """``comparePanel``: one row per difference; a click selects the node in the graph."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.setObjectName("comparePanel")
        self.window_ = window
        self.workspace = window.workspace
        self.differences: list[Difference] = []
        self.runs = None  # (engine BackendRun, torch BackendRun) of the last comparison
        self.job: Job | None = None
        self._client: KernelClient | None = None  # the kernel the comparison is using
        self.status = QLabel("Run → Run under both runs the script under the engine and under PyTorch "
                             "and lists every node whose name, shape or gradient differs.")
        self.status.setObjectName("compareStatus")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("compareTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.cellClicked.connect(self._on_row_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addWidget(self.table)
        window.graph_changed.connect(lambda _scene: self._mark_scene())

    # ---- running ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.done

    def run_both(self) -> Job | None:
        """Start the comparison of the editor's script; returns its job (None: one is running)."""
        if self.running:
            return None
        script = self.window_.editor.toPlainText()
        filename = str(self.window_.current_file) if self.window_.current_file is not None else "<editor>"

        def work(job: Job):
            runs = []
            for fraction, backend in ((0.0, "engine"), (0.5, "torch")):
                job.report(fraction, f"running under {backend}")
                client = self._client = KernelClient(prestart=False)
                try:
                    runs.append(collect_run(client, script, backend, filename, timeout=RUN_TIMEOUT))
                finally:
                    client.close()
                    self._client = None
            return runs[0], runs[1]

        self.status.setText("Running the script under the engine, then under PyTorch…")
        self.table.setRowCount(0)
        job = Job(work, "run-both")
        on_gui_thread(job.finished, self._on_compared, self)
        on_gui_thread(job.failed, lambda exc: self.status.setText(f"Run under both failed: {exc}"), self)
        self.job = job
        job.start()
        self.window_.run()  # the picture shows this script (on the combo's backend)
        return job

    def wait(self, timeout: float | None = None) -> bool:
        return self.job is None or self.job.wait(timeout)

    def shutdown(self) -> None:
        """End a comparison that is running (its kernels are closed) and wait for its thread."""
        if self.running:
            self.job.cancel()
            client = self._client
            if client is not None:
                client.close()
            self.wait(10)

    def _on_compared(self, runs) -> None:
        engine, torch = runs
        self.runs = runs
        failed = [f"{run.backend}: {run.error}" for run in runs if run.error]
        if failed:
            self.differences = []
            self.status.setText("Could not compare: " + "; ".join(failed))
            self._fill_table()
            self._mark_scene()
            return
        self.differences = compare_runs(engine, torch)
        nodes = len({(d.node_id, d.torch_node_id) for d in self.differences})
        self.status.setText(f"{nodes} node(s) differ between engine and PyTorch "
                            f"({len(engine.document.get('nodes', []))} engine nodes, "
                            f"{len(torch.document.get('nodes', []))} PyTorch nodes)."
                            if self.differences else
                            "engine and PyTorch agree: same names, shapes and gradients at every node.")
        self._fill_table()
        self._mark_scene()

    # ---- showing ---------------------------------------------------------------------------------
    def _shown_backend(self) -> str:
        result = self.workspace.result
        return getattr(result, "backend", "engine") or "engine"

    def _scene_id(self, diff: Difference) -> str | None:
        return diff.torch_node_id if self._shown_backend() == "torch" else diff.node_id

    def node_badges(self) -> dict[str, str]:
        """Badges keyed by the ids of the backend on screen."""
        if self._shown_backend() != "torch":
            return badges(self.differences)
        swapped = [Difference(d.torch_node_id, d.node_id, d.kind, d.engine, d.torch) for d in self.differences]
        return badges(swapped)

    def _fill_table(self) -> None:
        names = {}
        for run in self.runs or ():
            for node in run.document.get("nodes", []):
                names.setdefault((run.backend, node["id"]), node.get("name", node["id"]))
        self.table.setRowCount(len(self.differences))
        for row, diff in enumerate(self.differences):
            node = names.get(("engine", diff.node_id)) or names.get(("torch", diff.torch_node_id)) or "?"
            ids = f"{diff.node_id or '–'} / {diff.torch_node_id or '–'}"
            for column, text in enumerate((f"{node} ({ids})", diff.label, diff.engine, diff.torch)):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text)
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()

    def _mark_scene(self) -> None:
        scene = self.window_.scene
        if scene is not None:
            set_badges(scene, self.node_badges())

    def _on_row_clicked(self, row: int, _column: int) -> None:
        if not 0 <= row < len(self.differences):
            return
        node_id = self._scene_id(self.differences[row])
        scene = self.window_.scene
        if node_id is None or scene is None or node_id not in scene.items_by_id:
            return
        self.workspace.select(node_id)
        scene.select_node(node_id)
        self.window_.view.centerOn(scene.items_by_id[node_id])


def install_compare(window, selector) -> ComparePanel:
    """The "Compare" dock and Run → "Run under both" (``actionRunBoth``), enabled once the
    backend selector has heard that torch can run (disabled with the reason otherwise)."""
    panel = ComparePanel(window)
    dock = window.add_dock(panel, "Compare", Qt.DockWidgetArea.BottomDockWidgetArea)
    if "Output" in window.docks:
        window.tabifyDockWidget(window.docks["Output"], dock)
        window.docks["Output"].raise_()
    action = QAction("Run under both", window)
    action.setObjectName("actionRunBoth")
    action.setEnabled(False)
    action.setToolTip("Run under both engine and PyTorch: " + selector.torch_reason)

    def trigger() -> None:
        dock.show()
        dock.raise_()
        panel.run_both()

    action.triggered.connect(trigger)

    def on_torch(available: bool, reason: str) -> None:
        action.setEnabled(available)
        action.setToolTip("Run the script under the engine and under PyTorch and mark where they differ"
                          if available else f"Run under both needs PyTorch: {reason}")

    selector.torch_check.answered.connect(on_torch)
    if selector.torch_available is not None:
        on_torch(selector.torch_available, selector.torch_reason)
    window.add_action("Run", action)
    panel.action = action
    return panel
