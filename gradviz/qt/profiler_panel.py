"""The Profiler dock: run the editor's script under the backend's autograd profiler, in a kernel.

The script runs in a throwaway kernel (the workspace's graph and stepper stay as they are) under
``engine.autograd.profiler.profile`` or, with the PyTorch backend, ``torch.autograd.profiler.profile``;
the panel gets plain data back (rows, timeline events, the table text PyTorch prints, a Chrome
trace). It shows ``key_averages()`` as a sortable table with PyTorch's columns (Name, Self CPU %, Self CPU,
CPU total %, CPU total, CPU time avg, # of Calls), a timeline of the recorded events (one bar per
event, nested events one row lower), and exports a Chrome trace (chrome://tracing, Perfetto).

When the script opens its own ``with torch.autograd.profiler.profile() as prf:`` (the tutorial
does), that inner profile takes the events of its block, exactly as a nested profiler would in
PyTorch; the panel then also offers ``prf`` in its "Events from" list.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gradviz.qt.kernel_jobs import PanelJobs, error_text

COLUMNS = ("Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls")
WHOLE_SCRIPT = "whole script"


class _NumberItem(QTableWidgetItem):
    """A cell shown as text (``12.345us``) but sorted by its number."""

    def __init__(self, text: str, value: float) -> None:
        super().__init__(text)
        self.value = value
        self.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)

    def __lt__(self, other) -> bool:
        if isinstance(other, _NumberItem):
            return self.value < other.value
        return super().__lt__(other)


class ProfilerPanel(QWidget):
    """Profile the editor's script: a sortable table of ``key_averages()`` and a timeline."""

    def __init__(self, workspace, parent: QWidget | None = None, code_provider=None) -> None:
        """``code_provider()``: the text to profile (default: the workspace's script text)."""
        super().__init__(parent)
        self.setObjectName("profilerPanel")
        self.workspace = workspace
        self.code_provider = code_provider
        self.profiles: dict = {}  # label -> {"rows", "events", "table", "trace"} from the kernel
        self.shown: dict | None = None
        self.job = None
        self.jobs = PanelJobs(self)
        self.backend: str | None = None
        self.run_button = QPushButton("Profile script", objectName="profileRun")
        self.run_button.clicked.connect(self.profile_editor)
        self.source_combo = QComboBox(objectName="profileSource")
        self.source_combo.currentTextChanged.connect(self._show_profile)
        self.export_button = QPushButton("Export Chrome trace…", objectName="profileExport")
        self.export_button.clicked.connect(self._ask_export)
        self.export_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel", objectName="profileCancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.busy_bar = QProgressBar(objectName="profileProgress")
        self.busy_bar.setRange(0, 0)  # a script has no known length: a busy indicator
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.hide()
        self.status = QLabel("Profile the script in the editor.", objectName="profileStatus")
        top = QHBoxLayout()
        top.addWidget(self.run_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.busy_bar)
        top.addWidget(QLabel("events from"))
        top.addWidget(self.source_combo, 1)
        top.addWidget(self.export_button)

        self.table = QTableWidget(0, len(COLUMNS), objectName="profileTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.timeline = pg.PlotWidget(background="w", objectName="profileTimeline")
        self.timeline.setLabel("bottom", "time", units="s")
        self.timeline.setLabel("left", "depth")
        self.timeline.invertY(True)
        self.timeline.getAxis("left").enableAutoSIPrefix(False)
        self.timeline_bars = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[], brush=(31, 119, 180, 170))
        self.timeline.addItem(self.timeline_bars)
        self.timeline_readout = QLabel(" ", objectName="profileTimelineReadout")
        self.timeline.scene().sigMouseMoved.connect(self._on_timeline_mouse)
        self._bars: list = []

        # Table beside the timeline: a bottom dock is wide and short, and stacked the table got
        # room for a single row. Compact rows show more of it.
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.setMinimumWidth(360)
        # The same averages as PyTorch prints them (prof.key_averages().table(...)).
        self.table_text = QPlainTextEdit(objectName="profileText")
        self.table_text.setReadOnly(True)
        self.table_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.table_text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.views = QTabWidget(objectName="profileViews")
        self.views.addTab(self.table, "Table")
        self.views.addTab(self.table_text, "As printed")
        split = QSplitter(Qt.Horizontal)
        split.setObjectName("profileSplit")
        split.addWidget(self.views)
        tl = QWidget()
        tl_layout = QVBoxLayout(tl)
        tl_layout.setContentsMargins(0, 0, 0, 0)
        tl_layout.addWidget(self.timeline, 1)
        tl_layout.addWidget(self.timeline_readout)
        split.addWidget(tl)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

    # ---- running -------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.job is not None

    def profile_editor(self) -> None:
        """Profile the editor's script (the code provider's text, else the workspace's)."""
        code = self.code_provider() if self.code_provider is not None else self.workspace.text
        self.profile_async(code)

    def profile_async(self, code: str) -> None:
        """Profile ``code`` in a kernel of its own, as a job; Cancel stops it."""
        if self.job is not None:
            return
        if not code.strip():
            self.status.setText("There is no script to profile: type one in the editor.")
            return
        backend = self.workspace.backend
        self._set_running(True)
        self.status.setText("Profiling…")
        self.job = self.jobs.start(lambda job: self.workspace.kernel.profile(code, "<editor>", backend),
                                   "profile", self._on_done, self._on_failed)

    def cancel(self) -> None:
        """Stop the profiled script (the kernel's Stop: within a second)."""
        if self.job is not None:
            self.workspace.kernel.stop()

    def wait(self, timeout: float | None = None) -> bool:
        job = self.job
        return job is None or job.wait(timeout)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.busy_bar.setVisible(running)

    def _on_failed(self, exc: BaseException) -> None:
        self.job = None
        self._set_running(False)
        message = error_text(exc)
        if getattr(getattr(exc, "error", None), "kind", "") == "stopped":
            self.status.setText("Profiling stopped.")
        else:
            self.status.setText(f"The script failed: {message}")

    def _on_done(self, answer: dict) -> None:
        self.job = None
        self._set_running(False)
        self.show_profiles(answer["profiles"])
        self.backend = answer.get("backend")
        where = " under PyTorch" if self.backend == "torch" else ""
        self.status.setText(f"Script ran in {answer['seconds'] * 1000:.1f} ms{where}.")

    def show_profiles(self, profiles: dict) -> None:
        """``{label: description}`` as the kernel's ``profile`` answers it."""
        self.profiles = profiles
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        self.source_combo.addItems(list(profiles))
        # The script's own profile is what the user asked to see, when it has one.
        own = [k for k in profiles if k != WHOLE_SCRIPT and profiles[k]["events"]]
        self.source_combo.setCurrentText(own[0] if own else WHOLE_SCRIPT)
        self.source_combo.blockSignals(False)
        self._show_profile()

    # ---- showing -------------------------------------------------------------------------------
    def _show_profile(self, _text: str = "") -> None:
        prof = self.profiles.get(self.source_combo.currentText())
        if prof is None:
            return
        self.shown = prof
        self.export_button.setEnabled(True)
        self._fill_table(prof["rows"])
        self.table_text.setPlainText(prof["table"])
        self._fill_timeline(prof["events"])

    def _fill_table(self, rows: list[dict]) -> None:
        total_self = sum(r["self_cpu_us"] for r in rows) or 1.0
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            cells = [
                QTableWidgetItem(row["name"]),
                _NumberItem(f"{100 * row['self_cpu_us'] / total_self:.2f}%", row["self_cpu_us"]),
                _NumberItem(row["self_cpu_str"], row["self_cpu_us"]),
                _NumberItem(f"{100 * row['cpu_total_us'] / total_self:.2f}%", row["cpu_total_us"]),
                _NumberItem(row["cpu_total_str"], row["cpu_total_us"]),
                _NumberItem(row["cpu_avg_str"], row["cpu_avg_us"]),
                _NumberItem(str(row["calls"]), row["calls"]),
            ]
            if row.get("input_shapes"):
                cells[0].setToolTip(f"input shapes {row['input_shapes']}")
            for c, item in enumerate(cells):
                self.table.setItem(r, c, item)
        self.table.setSortingEnabled(True)
        # PyTorch's tutorial sorts by self CPU time.
        self.table.sortItems(2, Qt.DescendingOrder)
        self.table.resizeColumnsToContents()
        # A long op name must not push the numbers out of view (the full name is in the cell).
        self.table.setColumnWidth(0, min(self.table.columnWidth(0), 200))

    def rows(self) -> list[tuple[str, int]]:
        """(Name, # of Calls) of every table row, in display order."""
        return [(self.table.item(r, 0).text(), int(self.table.item(r, 6).text())) for r in range(self.table.rowCount())]

    def _fill_timeline(self, events: list[dict]) -> None:
        """One bar per event, nested events one row lower (times in the kernel's microseconds)."""
        bars = [(e["start_us"] * 1e-6, (e["start_us"] + e["duration_us"]) * 1e-6, e["depth"], e["name"])
                for e in events]
        self._bars = bars
        if not bars:
            self.timeline_bars.setOpts(x0=[], x1=[], y0=[], y1=[])
            return
        arr = np.array([(b[0], b[1], b[2]) for b in bars], dtype=np.float64)
        # Zero-length events still get a visible sliver.
        width = np.maximum(arr[:, 1] - arr[:, 0], 1e-8)
        self.timeline_bars.setOpts(x0=arr[:, 0], width=width, y0=arr[:, 2] + 0.1, height=np.full(len(arr), 0.8))
        self.timeline.setYRange(0, float(arr[:, 2].max()) + 1, padding=0.05)
        self.timeline.setXRange(float(arr[:, 0].min()), float(arr[:, 1].max()), padding=0.02)

    def _on_timeline_mouse(self, pos) -> None:
        if not self._bars:
            return
        p = self.timeline.getPlotItem().vb.mapSceneToView(pos)
        depth = int(np.floor(p.y()))
        for start, end, d, name in self._bars:
            if d == depth and start <= p.x() <= end:
                self.timeline_readout.setText(f"{name}: {(end - start) * 1e6:.1f} us at {start * 1e3:.3f} ms")
                return

    def export_trace(self, path: str) -> None:
        """The shown profile as a Chrome trace (``export_chrome_trace``'s JSON, made in the kernel)."""
        if self.shown is not None:
            Path(path).write_text(self.shown["trace"], encoding="utf-8")

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Chrome trace", "trace.json", "JSON (*.json)")
        if path:
            self.export_trace(path)
