"""Run → "Run under both": the script under the engine and under PyTorch, and where they part.

The comparison runs on a job thread in two kernels of its own (one :class:`KernelClient` per
backend, one after the other: the machine's cores are better spent on one import of torch at a
time), so the window's own run and graph are untouched; the window runs the script once more on
the combo's backend so the picture is this script's. Differences
(:func:`gradviz.model.compare.compare_runs`, one per node with everything that differs there) are
listed in the ``comparePanel`` dock (node, what differs, the largest relative difference, engine
value, torch value) and marked with a badge on each node that differs (:func:`set_badges`).

The comparison knows each node's id in both graphs, so the badges follow whichever backend's graph
is drawn: switch the toolbar's backend and Run, or press ``compareSwitchBackend`` ("Show the
PyTorch graph" / "Show the engine graph"), and the other graph's counterparts are badged. The graph
documents number nodes in the same deterministic walk, so a rerun has the same ids; badges are put
only on a graph of the compared script and root (after an edit the table stays, the badges go). A
node drawn inside a collapsed module, a fold or a compact-parameter badge is marked on the drawn
node standing for it. Selecting a row (click or keys) selects and centres its node, opening the
module or fold that hides it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.kernel import KernelClient
from gradviz.model.compare import NodeDifference, collect_run, compare_runs
from gradviz.model.jobs import Job

from .relay import on_gui_thread

BADGE_COLOUR = "#d62728"
HEADERS = ("Node", "Differs in", "Largest rel. diff", "engine", "PyTorch")
BACKEND_TEXT = {"engine": "engine", "torch": "PyTorch"}
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


def drawn_badges(differences: list[NodeDifference], backend: str, group_of: dict | None) -> dict[str, str]:
    """Badge text per drawn node of ``backend``'s graph: a node hidden in a group (a collapsed
    module, a fold, a compact parameter) marks the drawn node standing for it, and one drawn node
    standing for several that differ lists what differs in any of them."""
    labels: dict[str, list[str]] = {}
    hidden: dict[str, int] = {}
    for diff in differences:
        node_id = diff.id_in(backend)
        if node_id is None:
            continue
        drawn = (group_of or {}).get(node_id, node_id)
        found = labels.setdefault(drawn, [])
        found += [label for label in diff.labels if label not in found]
        if drawn != node_id:
            hidden[drawn] = hidden.get(drawn, 0) + 1
    return {drawn: "≠ " + ", ".join(found) + (f" ({hidden[drawn]} inside)" if drawn in hidden else "")
            for drawn, found in labels.items()}


def _relative_text(value: float | None) -> str:
    if value is None:
        return "–"
    return "∞" if value == float("inf") else f"{value:.3g}"


class ComparePanel(QWidget):
    """``comparePanel``: one row per node that differs; selecting a row selects the node."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.setObjectName("comparePanel")
        self.window_ = window
        self.workspace = window.workspace
        self.differences: list[NodeDifference] = []
        self.runs = None  # (engine BackendRun, torch BackendRun) of the last comparison
        self.compared_script: str | None = None
        self.summary = ""  # the comparison's outcome, as the status line says it
        self.job: Job | None = None
        self._client: KernelClient | None = None  # the kernel the comparison is using
        self._run_text: str | None = None  # the script of the run whose graph is drawn
        self._pending_select: str | None = None  # a node to select once its module is open
        self.status = QLabel("Run → Run under both runs the script under the engine and under PyTorch "
                             "and lists every node whose name, shape or gradients differ.")
        self.status.setObjectName("compareStatus")
        self.status.setWordWrap(True)
        self.switch_button = QPushButton("Show the PyTorch graph", self)
        self.switch_button.setObjectName("compareSwitchBackend")
        self.switch_button.setToolTip("Run the script on the other backend: its graph, with the same nodes marked")
        self.switch_button.setEnabled(False)
        self.switch_button.clicked.connect(self.show_other_backend)
        self.table = QTableWidget(0, len(HEADERS), self)
        self.table.setObjectName("compareTable")
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.cellClicked.connect(self._on_row_clicked)
        self.table.currentCellChanged.connect(lambda row, _c, _pr, _pc: self.show_row(row))
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.switch_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)
        # run_started fires on the run's job thread as it begins: note which script that run is.
        self.workspace.run_started.connect(self._note_run_text)
        window.graph_changed.connect(lambda _scene: self._on_graph_changed())

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
            return script, runs[0], runs[1]

        self.summary = ""
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

    def show_other_backend(self) -> None:
        """Run the script on the backend not drawn now (the badges follow: :meth:`node_badges`)."""
        other = "engine" if self.shown_backend() == "torch" else "torch"
        self.window_.backend_selector.set_backend(other, remember=False)
        self.window_.run()

    def _note_run_text(self) -> None:
        self._run_text = self.workspace.text

    def _on_compared(self, answer) -> None:
        script, engine, torch = answer
        self.runs = (engine, torch)
        self.compared_script = script
        self.switch_button.setEnabled(True)
        failed = [f"{run.backend}: {run.error}" for run in self.runs if run.error]
        if failed:
            self.differences = []
            self.summary = ""
            self.status.setText("Could not compare: " + "; ".join(failed))
            self._fill_table()
            self._mark_scene()
            return
        self.differences = compare_runs(engine, torch)
        self.summary = (f"{len(self.differences)} node(s) differ between engine and PyTorch "
                        f"({len(engine.document.get('nodes', []))} engine nodes, "
                        f"{len(torch.document.get('nodes', []))} PyTorch nodes)."
                        if self.differences else
                        "engine and PyTorch agree: same names, shapes, dtypes and gradients at every node.")
        self.status.setText(self.summary)
        self._fill_table()
        self._mark_scene()

    # ---- showing ---------------------------------------------------------------------------------
    def shown_backend(self) -> str:
        """The backend whose graph the window draws ("engine" or "torch")."""
        result = self.workspace.result
        return getattr(result, "backend", "engine") or "engine"

    def _graph_is_compared(self) -> bool:
        """Whether the drawn graph is the compared script's, of the compared root: only then do
        the comparison's node ids name its nodes."""
        if self.runs is None or self._run_text != self.compared_script:
            return False
        run = self.runs[1] if self.shown_backend() == "torch" else self.runs[0]
        return run.document.get("root") == self.workspace.root

    def node_badges(self) -> dict[str, str]:
        """Badges keyed by the drawn node ids of the graph on screen (empty when it is not the
        compared script's)."""
        if not self._graph_is_compared():
            return {}
        drawn = self.workspace.drawn
        grouping = getattr(drawn, "grouping", None)
        return drawn_badges(self.differences, self.shown_backend(),
                            grouping.group_of if grouping is not None else None)

    def _fill_table(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.differences))
        for row, diff in enumerate(self.differences):
            ids = f"{diff.node_id or '–'} / {diff.torch_node_id or '–'}"
            engine = "; ".join(aspect.text("engine") for aspect in diff.aspects)
            torch = "; ".join(aspect.text("torch") for aspect in diff.aspects)
            texts = (f"{diff.name} ({ids})", ", ".join(diff.labels), _relative_text(diff.largest_relative),
                     engine, torch)
            for column, text in enumerate(texts):
                cell = QTableWidgetItem(text)
                cell.setToolTip(text.replace("; ", "\n"))
                self.table.setItem(row, column, cell)
        self.table.resizeColumnsToContents()
        self.table.blockSignals(False)

    def _on_graph_changed(self) -> None:
        self._mark_scene()
        pending, self._pending_select = self._pending_select, None
        if pending is not None:
            self._select_drawn(pending)

    def _mark_scene(self) -> None:
        scene = self.window_.scene
        if scene is not None:
            set_badges(scene, self.node_badges())
        other = "engine" if self.shown_backend() == "torch" else "torch"
        self.switch_button.setText(f"Show the {BACKEND_TEXT[other]} graph")
        if self.summary:
            stale = self.workspace.result is not None and not self._graph_is_compared()
            self.status.setText(self.summary + ("  (The graph shown is not the compared script's: "
                                                "Run under both again to mark it.)" if stale else ""))

    def _on_row_clicked(self, row: int, _column: int) -> None:
        self.show_row(row)

    def show_row(self, row: int) -> bool:
        """Select and centre the node of row ``row`` in the drawn graph (opening the collapsed
        module or fold that hides it); False when the drawn graph has no such node."""
        if not 0 <= row < len(self.differences) or not self._graph_is_compared():
            return False
        node_id = self.differences[row].id_in(self.shown_backend())
        if node_id is None:
            return False
        if self._hidden_in_group(node_id) and self.workspace.reveal_node(node_id):
            self._pending_select = node_id  # selected once the graph is drawn again
            return True
        return self._select_drawn(node_id)

    def _hidden_in_group(self, node_id: str) -> bool:
        """Hidden in a collapsed module or a fold (which reveal_node opens), not in a compact
        parameter's badge (whose host shows it)."""
        grouping = getattr(self.workspace.drawn, "grouping", None)
        if grouping is None or grouping.group_of.get(node_id, node_id) == node_id:
            return False
        return not any(node_id in badge["nodes"] for listed in grouping.badges.values() for badge in listed)

    def _select_drawn(self, node_id: str) -> bool:
        scene = self.window_.scene
        grouping = getattr(self.workspace.drawn, "grouping", None)
        drawn = grouping.group_of.get(node_id, node_id) if grouping is not None else node_id
        if scene is None or drawn not in scene.items_by_id:
            return False
        self.workspace.select(drawn)
        scene.select_node(drawn)
        self.window_.view.centre_on_node(drawn)
        return True


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
