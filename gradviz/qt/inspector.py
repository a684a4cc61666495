"""The inspector: everything the kernel knows about the selected node, and a table of one of its tensors.

It listens to the workspace's ``selection_changed`` and asks the kernel for the node's details
(``node_details``) and, on demand, the values of its tensors (``tensor_values``: the variable, its
``.grad``, the saved tensors). Nothing here touches a tensor: the answers are plain data.
"""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from gradviz.kernel.messages import KernelRequestError

from .relay import on_gui_thread

# Tensors with more elements than this are summarised, not printed in full.
SUMMARY_THRESHOLD = 200
TABLE_LIMIT = 200


def shape_text(shape) -> str:
    """``(2, 3)`` as ``2×3``; a scalar as ``scalar``."""
    if shape is None:
        return ""
    return "×".join(str(n) for n in shape) if len(shape) else "scalar"


def tensor_summary(values: dict) -> str:
    """The library's repr for small tensors (sent by the kernel); shape and statistics for big ones."""
    if values.get("text"):
        return values["text"]
    data = values.get("array")
    if data is None:
        return "None"
    head = ", ".join(f"{v:.4g}" for v in data.reshape(-1)[:6])
    if data.dtype.kind in "fc":
        finite = data[np.isfinite(data)]
        stats = (
            f"min {finite.min():.4g}  max {finite.max():.4g}  mean {finite.mean():.4g}  std {finite.std():.4g}"
            if finite.size else "no finite values"
        )
        nonfinite = data.size - finite.size
        if nonfinite:
            stats += f"  ({nonfinite} NaN/Inf)"
    else:
        stats = f"min {data.min()}  max {data.max()}"
    return f"tensor of shape {tuple(data.shape)}, {values.get('dtype')}\n{stats}\nfirst values: {head}, …"


class Inspector(QWidget):
    """Shows the selected node; ``source_requested(lineno)`` when its source link is clicked."""

    source_requested = Signal(int)

    def __init__(self, workspace=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.workspace = workspace
        self.details = QTextBrowser(self)
        self.details.setObjectName("inspectorDetails")
        self.details.setOpenLinks(False)
        self.details.anchorClicked.connect(self._on_anchor)
        self.table_source = QComboBox(self)
        self.table_source.setObjectName("tableSource")
        self.table_source.currentIndexChanged.connect(self._on_table_source)
        self.table = QTableWidget(self)
        self.table.setObjectName("tensorTable")
        self.table_note = QLabel(self)
        table_box = QWidget(self)
        tl = QVBoxLayout(table_box)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.table_source)
        tl.addWidget(self.table)
        tl.addWidget(self.table_note)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.details)
        splitter.addWidget(table_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self._table_box = table_box
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self._tensors: list[tuple[str, dict]] = []  # (label, tensor_values answer)
        self.data: dict | None = None
        self.clear()
        if workspace is not None:
            on_gui_thread(workspace.selection_changed, self._on_selection_changed, self)
            on_gui_thread(workspace.graph_changed, self._on_graph_changed, self)

    def _on_graph_changed(self, drawn) -> None:
        if drawn is None or drawn.new_root:
            self.clear()

    def _on_selection_changed(self, node_id) -> None:
        if node_id is None:
            return
        self.show_node_id(node_id)

    def show_node_id(self, node_id: str) -> None:
        """Describe node ``node_id`` of the workspace's graph (asks the kernel)."""
        ws = self.workspace
        data = ws.node_data(node_id)
        if data is None:
            return
        if data.get("kind") == "module":
            self.show_node(dict(data))
            return
        try:
            details = ws.node_details(node_id)
        except KernelRequestError as exc:
            self.show_node(dict(data), error=exc.error.message)
            return
        self.show_node({**data, **details})

    def _values(self, ref: str) -> dict:
        try:
            return self.workspace.tensor_values(ref)
        except KernelRequestError as exc:
            return {"array": None, "text": f"({exc.error.message})", "shape": None}

    # ---- content -------------------------------------------------------------------------------
    def clear(self) -> None:
        self.data = None
        self.details.setHtml("<p style='color:gray'>Select a node in the graph.</p>")
        self._set_tensors([])

    def text(self) -> str:
        """The details as plain text (what the user reads; tests check it)."""
        return self.details.toPlainText()

    def show_node(self, data: dict, error: str | None = None) -> None:
        """Describe one node from its display attributes merged with the kernel's node details."""
        self.data = data
        kind = data.get("kind")
        rows: list[tuple[str, str]] = []
        refs: list[tuple[str, str]] = []  # (label, tensor reference) shown with their values
        title = html.escape(data.get("name", ""))
        rows.append(("kind", {"grad_fn": "backward node (grad_fn)", "tensor": "leaf tensor",
                              "constant": "constant (needs no gradient)", "module": "collapsed module"}.get(kind, kind)))
        if data.get("variable"):
            rows.append(("output variable", html.escape(data["variable"])))
        if error:
            rows.append(("", f"<i>{html.escape(error)}</i>"))
        graph = self.workspace.replica.graph if self.workspace is not None and self.workspace.replica else None
        if kind == "grad_fn" and "next_functions" in data:
            if data.get("inputs"):
                rows.append(("inputs", "<br>".join(
                    f"{i}: {shape_text(shape)} {dtype}" for i, (shape, dtype) in enumerate(data["inputs"]))))
            if data.get("shape") is not None:
                rows.append(("output", f"{shape_text(data['shape'])} {data.get('dtype') or ''}"))
            leaf = data.get("leaf")
            if leaf is not None and graph is not None and leaf in graph:
                leaf_data = graph.nodes[leaf]
                rows.append(("variable", f"{shape_text(leaf_data.get('shape'))} {leaf_data.get('dtype') or ''}"))
                refs.append(("variable", f"node:{leaf}"))
                refs.append(("variable.grad", f"node:{leaf}.grad"))
            names = []
            for child, _nr in data["next_functions"]:
                name = graph.nodes[child]["name"] if graph is not None and child in graph else "None"
                names.append(name.rpartition("::")[2])
            if names:
                rows.append(("next_functions", html.escape(", ".join(names))))
            for key, value in data.get("params") or ():
                rows.append((key, html.escape(str(value))))
            for saved in data.get("saved") or ():
                if saved.get("ref"):
                    refs.append((saved["name"], saved["ref"]))
                else:
                    rows.append((saved["name"], f"<i>{html.escape(str(saved.get('error', '')))}</i>"))
            if data.get("rule"):
                rows.append(("local rule", f"<code>{html.escape(data['rule'])}</code>"))
        elif kind in ("tensor", "constant") and "tensor" in data:
            info = data["tensor"]
            rows.append(("shape", f"{shape_text(info['shape'])}  {tuple(info['shape'])}"))
            rows.append(("dtype", info["dtype"]))
            rows.append(("requires_grad", str(info["requires_grad"])))
            refs.append(("value", data["value_ref"]))
            if data.get("grad_ref"):
                refs.append((".grad", data["grad_ref"]))
            else:
                rows.append((".grad", "None (run backward to fill it)" if info["requires_grad"] else "None"))
        elif kind == "module":
            rows.append(("nodes inside", str(data.get("count", 0))))
            rows.append(("", "Double-click the node to expand the module."))
        tensors = []
        for label, ref in refs:
            values = self._values(ref)
            if values.get("array") is None and label.endswith(".grad"):
                continue  # no gradient yet
            tensors.append((label, values))
        if data.get("module"):
            rows.append(("module", html.escape(data["module"])))
        source = data.get("source")
        if source:
            filename, lineno = source
            rows.append(("created at", f"<a href='line:{lineno}'>{html.escape(str(filename))}, line {lineno}</a>"))
        body = "".join(
            f"<tr><td style='color:gray; padding-right:10px; vertical-align:top; white-space:nowrap'>{k}</td><td>{v}</td></tr>"
            for k, v in rows
        )
        for name, values in tensors:
            body += (
                f"<tr><td style='color:gray; padding-right:10px; vertical-align:top; white-space:nowrap'>{html.escape(name)}</td>"
                f"<td><pre style='margin:0'>{html.escape(tensor_summary(values))}</pre></td></tr>"
            )
        self.details.setHtml(f"<h3 style='margin:2px 0 6px 0'>{title}</h3><table>{body}</table>")
        self._set_tensors(tensors)

    # ---- the table ------------------------------------------------------------------------------
    def _set_tensors(self, tensors: list[tuple[str, dict]]) -> None:
        self._tensors = [(name, values) for name, values in tensors if values.get("array") is not None]
        self.table_source.blockSignals(True)
        self.table_source.clear()
        for name, values in self._tensors:
            self.table_source.addItem(f"{name}  {shape_text(values['array'].shape)}")
        self.table_source.blockSignals(False)
        self.table_source.setVisible(bool(tensors))
        self._table_box.setVisible(bool(tensors))
        self._on_table_source(0)

    def _on_table_source(self, index: int) -> None:
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.table_note.setText("")
        if not (0 <= index < len(self._tensors)):
            self.table.setVisible(False)
            return
        data = self._tensors[index][1]["array"]
        if data.ndim > 2:
            self.table.setVisible(False)
            self.table_note.setText(f"{data.ndim}-D tensor: the table shows 1-D and 2-D tensors only.")
            return
        self.table.setVisible(True)
        matrix = data.reshape(1, 1) if data.ndim == 0 else data.reshape(-1, 1) if data.ndim == 1 else data
        rows, cols = min(matrix.shape[0], TABLE_LIMIT), min(matrix.shape[1], TABLE_LIMIT)
        self.table.setRowCount(rows)
        self.table.setColumnCount(cols)
        for r in range(rows):
            for c in range(cols):
                value = matrix[r, c]
                text = f"{value:.6g}" if data.dtype.kind in "fc" else str(value)
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        if matrix.shape[0] > rows or matrix.shape[1] > cols:
            self.table_note.setText(f"showing the first {rows}×{cols} of {matrix.shape[0]}×{matrix.shape[1]}")

    def _on_anchor(self, url) -> None:
        text = url.toString()
        if text.startswith("line:"):
            self.source_requested.emit(int(text[5:]))
