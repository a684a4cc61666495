"""The script's tensor variables, and the root selector choosing which graph is drawn."""

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

from gradviz.model.graph_model import dtype_text, shape_text
from gradviz.model.session import RunResult

COLUMNS = ("name", "shape", "dtype", "requires_grad", "grad_fn")


class VariablesPanel(QWidget):
    """Lists a run's tensors; ``root_changed(name)`` when the user picks another graph root."""

    root_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("variablesPanel")
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

    def show_result(self, result: RunResult) -> None:
        """Fill the table and the root selector (tensors with a grad_fn; default root selected)."""
        self._updating = True
        try:
            self.table.setRowCount(len(result.tensors))
            for row, (name, t) in enumerate(result.tensors.items()):
                fn = t.grad_fn.name().rpartition("::")[2] if t.grad_fn is not None else ""
                values = (name, shape_text(tuple(t.shape)), dtype_text(t._data.dtype), str(t.requires_grad), fn)
                for col, value in enumerate(values):
                    self.table.setItem(row, col, QTableWidgetItem(value))
            self.root_selector.clear()
            for name, t in result.tensors.items():
                if t.grad_fn is not None:
                    self.root_selector.addItem(name)
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
