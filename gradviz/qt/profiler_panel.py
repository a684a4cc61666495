"""The Profiler dock: run the editor's script under ``engine.autograd.profiler.profile``.

It shows ``key_averages()`` as a sortable table with PyTorch's columns (Name, Self CPU %, Self CPU,
CPU total %, CPU total, CPU time avg, # of Calls), a timeline of the recorded events (one bar per
event, nested events one row lower), and exports a Chrome trace (chrome://tracing, Perfetto).

When the script opens its own ``with torch.autograd.profiler.profile() as prf:`` (the tutorial
does), that inner profile takes the events of its block, exactly as a nested profiler would in
PyTorch; the panel then also offers ``prf`` in its "Events from" list.
"""

from __future__ import annotations

import threading

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.autograd.profiler import profile
from gradviz.kernel.session import RunFailed, Session

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


def profile_code(code: str, filename: str = "<editor>") -> tuple[dict, object]:
    """Run ``code`` in a fresh session under a profiler; return ``({label: profile}, RunResult)``.

    The labels are "whole script" and the names of any profiles the script made itself.
    """
    session = Session()
    prof = profile()
    with prof:
        result = session.run_sync(code, filename)
    profiles = {WHOLE_SCRIPT: prof}
    for name, value in result.namespace.items():
        if isinstance(value, profile) and not value.entered and not name.startswith("_"):
            profiles[name] = value
    return profiles, result


class _Bridge(QObject):
    done = Signal(object, object)  # profiles, result
    failed = Signal(str)


class ProfilerPanel(QWidget):
    """Profile the editor's script: a sortable table of ``key_averages()`` and a timeline."""

    def __init__(self, code_provider=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profilerPanel")
        self.code_provider = code_provider
        self.profiles: dict = {}
        self.events = None
        self._thread: threading.Thread | None = None
        self.bridge = _Bridge(self)
        self.bridge.done.connect(self._on_done)
        self.bridge.failed.connect(self._on_failed)

        self.run_button = QPushButton("Profile script", objectName="profileRun")
        self.run_button.clicked.connect(self.profile_editor)
        self.source_combo = QComboBox(objectName="profileSource")
        self.source_combo.currentTextChanged.connect(self._show_profile)
        self.export_button = QPushButton("Export Chrome trace…", objectName="profileExport")
        self.export_button.clicked.connect(self._ask_export)
        self.export_button.setEnabled(False)
        self.status = QLabel("Profile the script in the editor.", objectName="profileStatus")
        top = QHBoxLayout()
        top.addWidget(self.run_button)
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
        split = QSplitter(Qt.Horizontal)
        split.setObjectName("profileSplit")
        split.addWidget(self.table)
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
    def profile_editor(self) -> None:
        """Profile the script the code provider returns, on a worker thread."""
        if self.code_provider is None or (self._thread is not None and self._thread.is_alive()):
            return
        self.profile_async(self.code_provider())

    def profile_async(self, code: str) -> None:
        self.run_button.setEnabled(False)
        self.status.setText("Profiling…")

        def work() -> None:
            try:
                profiles, result = profile_code(code)
            except RunFailed as exc:
                self.bridge.failed.emit(exc.error.message if hasattr(exc, "error") else str(exc))
                return
            except Exception as exc:  # report anything rather than crash the worker
                self.bridge.failed.emit(f"{type(exc).__name__}: {exc}")
                return
            self.bridge.done.emit(profiles, result)

        self._thread = threading.Thread(target=work, name="gradviz-profiler", daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def profile_sync(self, code: str) -> None:
        """Profile on the calling thread (tests, the CLI)."""
        profiles, result = profile_code(code)
        self._on_done(profiles, result)

    def _on_failed(self, message: str) -> None:
        self.run_button.setEnabled(True)
        self.status.setText(f"The script failed: {message}")

    def _on_done(self, profiles: dict, result) -> None:
        self.run_button.setEnabled(True)
        self.profiles = profiles
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        self.source_combo.addItems(list(profiles))
        # The script's own profile is what the user asked to see, when it has one.
        own = [k for k in profiles if k != WHOLE_SCRIPT and len(profiles[k].function_events)]
        self.source_combo.setCurrentText(own[0] if own else WHOLE_SCRIPT)
        self.source_combo.blockSignals(False)
        self._show_profile()
        self.status.setText(f"Script ran in {result.seconds * 1000:.1f} ms.")

    # ---- showing -------------------------------------------------------------------------------
    def _show_profile(self, _text: str = "") -> None:
        prof = self.profiles.get(self.source_combo.currentText())
        if prof is None:
            return
        self.events = prof.function_events
        self.export_button.setEnabled(True)
        self._fill_table(prof.key_averages())
        self._fill_timeline(self.events)

    def _fill_table(self, averages) -> None:
        total_self = sum(a.self_cpu_time_total for a in averages) or 1.0
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(averages))
        for r, avg in enumerate(averages):
            cells = [
                QTableWidgetItem(str(avg.key)),
                _NumberItem(f"{100 * avg.self_cpu_time_total / total_self:.2f}%", avg.self_cpu_time_total),
                _NumberItem(avg.self_cpu_time_total_str, avg.self_cpu_time_total),
                _NumberItem(f"{100 * avg.cpu_time_total / total_self:.2f}%", avg.cpu_time_total),
                _NumberItem(avg.cpu_time_total_str, avg.cpu_time_total),
                _NumberItem(avg.cpu_time_str, avg.cpu_time),
                _NumberItem(str(avg.count), avg.count),
            ]
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

    def _fill_timeline(self, events) -> None:
        bars = []
        for evt in events:
            depth = 0
            parent = evt.cpu_parent
            while parent is not None:
                depth += 1
                parent = parent.cpu_parent
            bars.append((evt.time_range.start * 1e-6, evt.time_range.end * 1e-6, depth, evt.name))
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
        if self.events is not None:
            self.events.export_chrome_trace(path)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Chrome trace", "trace.json", "JSON (*.json)")
        if path:
            self.export_trace(path)
