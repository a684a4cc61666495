"""The inspector: everything known about the selected node, and a table of one of its tensors."""

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

from engine._graph import AccumulateGrad
from engine._tensor import Tensor
from gradviz.model.graph_model import dtype_text, shape_text

# Tensors with more elements than this are summarised, not printed in full.
SUMMARY_THRESHOLD = 200
TABLE_LIMIT = 200


def tensor_summary(t: Tensor) -> str:
    """PyTorch's repr for small tensors; shape and statistics for big ones."""
    if t.numel() <= SUMMARY_THRESHOLD:
        return repr(t)
    data = t._data
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
    return f"tensor of shape {tuple(t.shape)}, {dtype_text(data.dtype)}\n{stats}\nfirst values: {head}, …"


def saved_tensors(node) -> list[tuple[str, object]]:
    """``(attribute, value)`` for each saved tensor of an engine op (``_saved_self`` ...).

    A value is the Tensor, or the error text when it was freed by backward or modified in place.
    """
    found = []
    names = list(getattr(node, "saves", ()) or ())
    if getattr(node, "saves_result", False):
        names.append("result")
    for name in names:
        attr = f"_saved_{name}"
        try:
            found.append((attr, getattr(node, attr)))
        except RuntimeError as exc:
            found.append((attr, str(exc).split(".")[0] + "."))
    return found


def node_params(node) -> list[tuple[str, object]]:
    """The op's non-tensor arguments (dim, keepdim, alpha, ...) stored as public attributes."""
    out = []
    for key, value in vars(node).items():
        if key.startswith("_") or key in ("next_functions", "module", "source", "variable"):
            continue
        if isinstance(value, Tensor):
            continue
        out.append((key, value))
    return out


class Inspector(QWidget):
    """Shows the selected node; ``source_requested(lineno)`` when its source link is clicked."""

    source_requested = Signal(int)
    # "Expand" on a collapsed module, a fold or a parameter badge: the drawn id or the badge id.
    expand_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
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
        self._tensors: list[tuple[str, Tensor]] = []
        self.data: dict | None = None
        self.clear()

    # ---- content -------------------------------------------------------------------------------
    def clear(self) -> None:
        self.data = None
        self.details.setHtml("<p style='color:gray'>Select a node in the graph.</p>")
        self._set_tensors([])

    def text(self) -> str:
        """The details as plain text (what the user reads; tests check it)."""
        return self.details.toPlainText()

    def show_node(self, data: dict, graph=None, node_id: str | None = None) -> None:
        """Describe one node of the graph (its attribute dict from GraphModel)."""
        self.data = data
        kind = data.get("kind")
        obj = data.get("obj")
        rows: list[tuple[str, str]] = []
        tensors: list[tuple[str, Tensor]] = []
        title = html.escape(data.get("name", ""))
        rows.append(("kind", {"grad_fn": "backward node (grad_fn)", "tensor": "leaf tensor",
                              "constant": "constant (needs no gradient)", "module": "collapsed module"}.get(kind, kind)))
        if data.get("variable"):
            rows.append(("output variable", html.escape(data["variable"])))
        if kind == "grad_fn" and obj is not None:
            in_meta = getattr(obj, "_in_meta", None)
            if in_meta:
                rows.append(("inputs", "<br>".join(
                    f"{i}: {shape_text(s)} {dtype_text(d)}" for i, (s, d) in enumerate(in_meta))))
            if data.get("shape") is not None:
                rows.append(("output", f"{shape_text(data['shape'])} {data.get('dtype') or ''}"))
            if isinstance(obj, AccumulateGrad):
                leaf = obj.variable
                rows.append(("variable", f"{shape_text(tuple(leaf.shape))} {dtype_text(leaf._data.dtype)}"))
                tensors.append(("variable", leaf))
                if leaf._grad is not None:
                    tensors.append(("variable.grad", leaf._grad))
            next_fns = ", ".join(
                (fn.name().rpartition("::")[2] if fn is not None else "None") for fn, _ in obj.next_functions
            )
            if next_fns:
                rows.append(("next_functions", html.escape(next_fns)))
            for key, value in node_params(obj):
                rows.append((key, html.escape(repr(value))))
            for attr, value in saved_tensors(obj):
                if isinstance(value, Tensor):
                    tensors.append((attr, value))
                else:
                    rows.append((attr, f"<i>{html.escape(str(value))}</i>"))
            rule = obj.rule() if hasattr(obj, "rule") else ""
            if rule:
                rows.append(("local rule", f"<code>{html.escape(rule)}</code>"))
        elif kind in ("tensor", "constant") and obj is not None:
            rows.append(("shape", f"{shape_text(tuple(obj.shape))}  {tuple(obj.shape)}"))
            rows.append(("dtype", dtype_text(obj._data.dtype)))
            rows.append(("requires_grad", str(obj.requires_grad)))
            tensors.append(("value", obj))
            if obj._grad is not None:
                tensors.append((".grad", obj._grad))
            else:
                rows.append((".grad", "None (run backward to fill it)" if obj.requires_grad else "None"))
        elif kind == "module":
            rows.append(("class", html.escape(str(data.get("class") or "?"))))
            rows.append(("parameters", f"{data.get('params', 0):,}"))
            rows.append(("nodes inside", f"{data.get('count', 0):,}"))
            rows.append(("", f"<a href='expand:{html.escape(node_id or '')}'>Expand</a> (or double-click the node)"))
        elif kind == "fold":
            rows.append(("repetitions", f"{data.get('count', 0):,} of {html.escape(data.get('name', ''))}"))
            rows.append(("nodes folded", f"{len(data.get('members') or ()):,}"))
            rows.append(("", f"<a href='expand:{html.escape(node_id or '')}'>Expand</a> a page at a time "
                             "(or double-click the node)"))
        for badge in data.get("badges") or ():
            rows.append(("parameter", f"{html.escape(str(badge.get('name')))} {shape_text(badge.get('shape'))}"
                         f"{' (shared)' if badge.get('shared') else ''} — "
                         f"<a href='expand:{html.escape(badge['id'])}'>draw in full</a>"))
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
        for name, t in tensors:
            body += (
                f"<tr><td style='color:gray; padding-right:10px; vertical-align:top; white-space:nowrap'>{html.escape(name)}</td>"
                f"<td><pre style='margin:0'>{html.escape(tensor_summary(t))}</pre></td></tr>"
            )
        self.details.setHtml(f"<h3 style='margin:2px 0 6px 0'>{title}</h3><table>{body}</table>")
        self._set_tensors(tensors)

    # ---- the table ------------------------------------------------------------------------------
    def _set_tensors(self, tensors: list[tuple[str, Tensor]]) -> None:
        self._tensors = tensors
        self.table_source.blockSignals(True)
        self.table_source.clear()
        for name, t in tensors:
            self.table_source.addItem(f"{name}  {shape_text(tuple(t.shape))}")
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
        data = self._tensors[index][1]._data
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
        elif text.startswith("expand:"):
            self.expand_requested.emit(text[len("expand:"):])
