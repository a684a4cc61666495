"""The script's tensor variables, and the root selector choosing which graph is drawn.

It shows the kernel's descriptions of the run's tensors (:class:`~gradviz.kernel.messages.TensorInfo`)
from the workspace's ``run_finished``, follows ``root_changed``, and forwards a picked root to
:meth:`Workspace.set_root <gradviz.model.workspace_graph.GraphPart.set_root>`.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gradviz.kernel.messages import RunResult

from .relay import on_gui_thread

COLUMNS = ("name", "shape", "dtype", "requires_grad", "grad_fn")


class VariablesPanel(QWidget):
    """Lists a run's tensors; ``root_changed(name)`` when the user picks another graph root."""

    root_changed = Signal(str)

    def __init__(self, workspace=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variablesPanel")
        self.workspace = workspace
        self.root_selector = QComboBox(self)
        self.root_selector.setObjectName("rootSelector")
        self.root_selector.setMinimumContentsLength(12)
        self.root_selector.currentTextChanged.connect(self._on_root_text)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("variablesTable")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.cellDoubleClicked.connect(self._on_double_click)
        top = QHBoxLayout()
        top.addWidget(QLabel("Graph root:"))
        top.addWidget(self.root_selector, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._updating = False
        if workspace is not None:
            on_gui_thread(workspace.run_finished, self.show_result, self)
            on_gui_thread(workspace.root_changed, self._on_root_changed, self)
            self.root_changed.connect(workspace.set_root)

    def _on_root_changed(self, name) -> None:
        if name and name != self.root_selector.currentText():
            self._updating = True
            try:
                self.root_selector.setCurrentText(name)
            finally:
                self._updating = False

    def show_result(self, result: RunResult) -> None:
        """Fill the table and the root selector (tensors with a grad_fn; default root selected)."""
        self._updating = True
        try:
            self.table.setRowCount(len(result.tensors))
            for row, t in enumerate(result.tensors):
                fn = (t.grad_fn or "").rpartition("::")[2]
                shape = "×".join(str(n) for n in t.shape) if t.shape else "scalar"
                values = (t.name, shape, t.dtype, str(t.requires_grad), fn)
                for col, value in enumerate(values):
                    self.table.setItem(row, col, QTableWidgetItem(value))
            self.root_selector.clear()
            for t in result.tensors:
                if t.grad_fn:
                    self.root_selector.addItem(t.name)
            if result.default_root is not None:
                self.root_selector.setCurrentText(result.default_root)
        finally:
            self._updating = False

    def current_root(self) -> str | None:
        text = self.root_selector.currentText()
        return text or None

    def _on_root_text(self, text: str) -> None:
        if not self._updating and text:
            self.root_changed.emit(text)

    def _on_double_click(self, row: int, _col: int) -> None:
        item = self.table.item(row, 0)
        if item is not None and self.root_selector.findText(item.text()) >= 0:
            self.root_selector.setCurrentText(item.text())
