"""The Backward stepper dock: Step (F10), Step back (Shift+F10), Continue (F5), Reset, breakpoints.

:class:`StepperPanel` forwards every move to the workspace, which steps backward in the kernel, and
shows where backward is from the workspace's :class:`~gradviz.model.backward_state.BackwardState`:
the node that ran last with the gradients it received and sent, the ready queue, the nodes still
waiting (with how many gradients they expect), and notes (a non-scalar root, why it paused). For a
non-scalar root a "gradient v" field takes the v of ``root.backward(v)`` (default ones), evaluated
in the kernel in the script's namespace.

Continue animated steps one node per tick of a QTimer at a user-set speed (each tick one kernel
request that checks the breakpoints); without animation it is the workspace's Continue job, whose
breakpoint loop runs in the kernel.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .relay import on_gui_thread
from .theme import current_theme


def make_stepper_actions(parent: QObject) -> dict[str, QAction]:
    """The four stepping actions with their public objectNames and shortcuts."""
    specs = (
        ("actionStep", "Step", QKeySequence(Qt.Key_F10), "Run the next backward node"),
        ("actionStepBack", "Step back", QKeySequence(Qt.SHIFT | Qt.Key_F10), "Return to the state before the last step"),
        ("actionContinue", "Continue", QKeySequence(Qt.Key_F5), "Run to the end of backward or the next breakpoint"),
        ("actionResetBackward", "Reset backward", QKeySequence(), "Back to before backward; leaves' .grad restored"),
    )
    actions = {}
    for name, text, key, tip in specs:
        action = QAction(text, parent)
        action.setObjectName(name)
        if not key.isEmpty():
            action.setShortcut(key)
        action.setToolTip(f"{tip} ({key.toString()})" if not key.isEmpty() else tip)
        action.setStatusTip(tip)
        actions[name] = action
    return actions


class StepperPanel(QWidget):
    """Controls and state of node-by-node backward, for the workspace's current root.

    ``actions``: existing QActions named ``actionStep``, ``actionStepBack``, ``actionContinue``,
    ``actionResetBackward`` (e.g. the main window's); missing ones are created here.
    """

    paused = Signal(str)

    def __init__(self, workspace, parent: QWidget | None = None, actions: dict[str, QAction] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepperPanel")
        self.workspace = workspace
        self.actions = make_stepper_actions(self)
        if actions:
            self.actions.update({k: v for k, v in actions.items() if v is not None})
        self.actions["actionStep"].triggered.connect(self.step)
        self.actions["actionStepBack"].triggered.connect(self.step_back)
        self.actions["actionContinue"].triggered.connect(self.toggle_continue)
        self.actions["actionResetBackward"].triggered.connect(self.reset)

        self._continuing = False  # a Continue job runs, or its last answers are still on their way
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)

        buttons = QHBoxLayout()
        for name in ("actionStep", "actionStepBack", "actionContinue", "actionResetBackward"):
            b = QToolButton()
            b.setDefaultAction(self.actions[name])
            b.setObjectName(name.replace("action", "button"))
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.animate = QCheckBox("Animate")
        self.animate.setObjectName("stepperAnimate")
        self.animate.setChecked(True)
        self.speed = QSpinBox()
        self.speed.setObjectName("stepperSpeed")
        self.speed.setRange(1, 1000)
        self.speed.setValue(4)
        self.speed.setSuffix(" steps/s")
        self.break_nan = QCheckBox("NaN/Inf")
        self.break_nan.setObjectName("breakOnNan")
        self.break_zero = QCheckBox("zero (dead ReLU)")
        self.break_zero.setObjectName("breakOnZero")
        self.break_norm = QCheckBox("norm >")
        self.break_norm.setObjectName("breakOnNorm")
        self.norm_value = QDoubleSpinBox()
        self.norm_value.setObjectName("normThreshold")
        self.norm_value.setRange(0.0, 1e12)
        self.norm_value.setDecimals(3)
        self.norm_value.setValue(100.0)
        for w in (self.break_nan, self.break_zero, self.break_norm):
            w.toggled.connect(self._sync_breakpoints)
        self.norm_value.valueChanged.connect(self._sync_breakpoints)

        speed_row = QHBoxLayout()
        speed_row.addWidget(self.animate)
        speed_row.addWidget(self.speed)
        speed_row.addStretch(1)
        break_row = QHBoxLayout()
        break_row.addWidget(QLabel("Break on:"))
        break_row.addWidget(self.break_nan)
        break_row.addWidget(self.break_zero)
        break_row.addWidget(self.break_norm)
        break_row.addWidget(self.norm_value)
        break_row.addStretch(1)

        self.status = QLabel("No graph yet: run a script.")
        self.status.setObjectName("stepperStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.notes = QLabel("")
        self.notes.setObjectName("stepperNotes")
        self.notes.setWordWrap(True)

        # v of root.backward(v), only for a root that is not a single number (PyTorch implies
        # v = 1 for those and refuses to guess for the rest).
        self._gradient_root: str | None = None  # the root the field's text belongs to
        self.gradient_edit = QLineEdit()
        self.gradient_edit.setObjectName("gradientVector")
        self.gradient_edit.setToolTip(
            "The vector v of root.backward(v), as a Python expression in the script's namespace: "
            "torch.tensor([0.1, 1.0, 0.0001]), [0.1, 1.0, 0.0001], ones, or a script variable. "
            "Enter applies it and restarts backward."
        )
        self.gradient_edit.returnPressed.connect(self.apply_gradient)
        apply = QPushButton("Apply")
        apply.setObjectName("applyGradient")
        apply.clicked.connect(self.apply_gradient)
        self.gradient_message = QLabel("")
        self.gradient_message.setObjectName("gradientMessage")
        self.gradient_message.setWordWrap(True)
        self.gradient_message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.gradient_row = QWidget()
        self.gradient_row.setObjectName("gradientRow")
        gradient_layout = QVBoxLayout(self.gradient_row)
        gradient_layout.setContentsMargins(0, 0, 0, 0)
        edit_row = QHBoxLayout()
        edit_row.addWidget(QLabel("gradient v:"))
        edit_row.addWidget(self.gradient_edit, 1)
        edit_row.addWidget(apply)
        gradient_layout.addLayout(edit_row)
        gradient_layout.addWidget(self.gradient_message)
        self.gradient_row.setVisible(False)

        self.table = QTableWidget(0, 3)
        self.table.setObjectName("stepperTable")
        self.table.setHorizontalHeaderLabels(["", "to / from", "gradient"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)

        self.queue = QLabel("")
        self.queue.setObjectName("stepperQueue")
        self.queue.setWordWrap(True)

        form = QFormLayout()
        form.addRow(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(buttons)
        layout.addLayout(speed_row)
        layout.addLayout(break_row)
        layout.addLayout(form)
        layout.addWidget(self.gradient_row)
        layout.addWidget(self.notes)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.queue)
        self._update_enabled()

        self._error: str | None = None
        on_gui_thread(workspace.stepped, self._on_stepped, self)
        on_gui_thread(workspace.continue_ended, self._on_continue_ended, self)
        on_gui_thread(workspace.step_failed, self._on_step_failed, self)
        on_gui_thread(workspace.run_started, self._on_run_started, self)
        on_gui_thread(workspace.graph_changed, self._on_graph_changed, self)

    @property
    def backward(self):
        """Where backward is (the workspace's BackwardState), or None."""
        return self.workspace.backward

    @property
    def running(self) -> bool:
        return self.timer.isActive() or self._continuing

    def _on_continue_ended(self) -> None:
        self._continuing = False
        self._update_enabled()

    # ---- the workspace's news -------------------------------------------------------------------
    def _on_run_started(self) -> None:
        self.timer.stop()
        self._update_enabled()

    def _on_graph_changed(self, drawn) -> None:
        if drawn is None:
            self._error = None
            self.refresh()

    def _on_stepped(self, backward) -> None:
        if backward is not self.workspace.backward:
            return
        if backward is None:
            self.timer.stop()
            self._error = self.workspace.step_error
        else:
            self._error = None
            if backward.pause_reason and not self._continuing:
                self.timer.stop()
                self.paused.emit(backward.pause_reason)
            if backward.at_end:
                self.timer.stop()
        self._show_gradient_field()
        self.refresh()

    def _on_step_failed(self, message: str) -> None:
        self.timer.stop()
        if self._applying:
            self._gradient_error(message)
            return
        self._error = message
        self.refresh()

    # ---- the gradient v of a non-scalar root ---------------------------------------------------
    _applying = False

    def _root_shape(self):
        ws = self.workspace
        info = ws.result.tensor(ws.root) if ws.result is not None and ws.root else None
        return tuple(info.shape) if info is not None else None

    def _show_gradient_field(self) -> None:
        shape = self._root_shape()
        non_scalar = self.backward is not None and shape is not None and _size(shape) != 1
        self.gradient_row.setVisible(non_scalar)
        root = self.workspace.root
        if not non_scalar or root == self._gradient_root:
            return  # the same root again (a relayout, a restart): keep what the user typed
        self._gradient_root = root
        self.gradient_edit.setText(f"torch.ones({', '.join(map(str, shape))})")
        self.gradient_message.setText("")

    def apply_gradient(self) -> bool:
        """Send the gradient v field to the kernel and restart backward from it.

        A bad expression or a v PyTorch would reject (wrong shape) shows why in the message line
        and leaves backward as it was. True when backward restarted with the new v.
        """
        if self.backward is None:
            return False
        text = self.gradient_edit.text()
        self.timer.stop()
        self._applying = True
        try:
            ok = self.workspace.step_start(text)
        finally:
            self._applying = False
        if not ok:
            return False
        self.gradient_message.setStyleSheet("")
        self.gradient_message.setText(f"Backward restarted from root.backward(v) with v = {text.strip()}.")
        return True

    def _gradient_error(self, message: str) -> None:
        if message.startswith("RuntimeError: Mismatch in shape"):
            message += f" v must have the root's shape {list(self._root_shape() or ())}."
        self.gradient_message.setStyleSheet(f"color: {current_theme().error_text};")
        self.gradient_message.setText(message + " Backward keeps its previous v and position.")

    def _sync_breakpoints(self, *_args) -> None:
        ws = self.workspace
        ws.break_on_nan = self.break_nan.isChecked()
        ws.break_on_zero = self.break_zero.isChecked()
        ws.norm_threshold = self.norm_value.value() if self.break_norm.isChecked() else None

    def toggle_breakpoint(self, node_id: str) -> bool:
        """Add or remove a breakpoint on a node; True when it is now set."""
        return self.workspace.toggle_breakpoint(node_id)

    # ---- moving --------------------------------------------------------------------------------
    def step(self) -> None:
        self.stop()
        self.workspace.step()

    def step_back(self) -> None:
        self.stop()
        self.workspace.step_back()

    def reset(self) -> None:
        self.stop()
        self.workspace.reset()

    def toggle_continue(self) -> None:
        """Continue, or pause a Continue in progress."""
        if self.running:
            self.stop()
        else:
            self.continue_()

    def continue_(self) -> None:
        b = self.backward
        if b is None or b.at_end:
            return
        if self.animate.isChecked():
            self.timer.start(int(1000 / self.speed.value()))
        elif self.workspace.continue_() is not None:
            self._continuing = True
        self._update_enabled()

    def run_to(self, node_id: str) -> None:
        """Step until the node has run ("Run to here")."""
        self.stop()
        self.workspace.run_to(node_id)

    def stop(self) -> None:
        self.timer.stop()
        self.workspace.stop_continue()
        self._update_enabled()

    def _tick(self) -> None:
        b = self.backward
        if b is None or b.at_end:
            self.stop()
            return
        if not self.workspace.step(check=True):
            self.stop()

    # ---- display -------------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        b = self.backward
        has = b is not None
        self.actions["actionStep"].setEnabled(has and not b.at_end)
        self.actions["actionStepBack"].setEnabled(has and b.position >= 0)
        self.actions["actionContinue"].setEnabled(has and (self.running or not b.at_end))
        self.actions["actionContinue"].setText("Pause" if self.running else "Continue")
        self.actions["actionResetBackward"].setEnabled(has)

    def _name(self, node_id) -> str:
        replica = self.workspace.replica
        if node_id is None or replica is None or node_id not in replica.graph:
            return "—"
        return replica.graph.nodes[node_id]["name"]

    def refresh(self) -> None:
        """Redraw the status, notes, gradient table and queue from the workspace's backward state."""
        self._update_enabled()
        b = self.backward
        error = self._error
        if b is None:
            self.status.setText(f"<span style='color:{current_theme().error_text}'>{error}</span>" if error
                                else "No graph yet: run a script.")
            self.notes.setText("")
            self.notes.setVisible(False)
            self.table.setRowCount(0)
            self.queue.setText("")
            return
        total = b.node_count
        current = b.current_node
        ready = list(b.ready)
        if current is None:
            text = f"Before backward: 0 / {total} nodes run. Next: {self._name(ready[0] if ready else None)}."
        else:
            text = f"Step {b.position + 1} / {total}: ran <b>{self._name(current)}</b>"
            data = self.workspace.node_data(current) or {}
            if data.get("source"):
                filename, line = data["source"]
                text += f" (forward at {filename}:{line})"
            if data.get("module"):
                text += f" in module <i>{data['module']}</i>"
            text += "."
            if b.at_end:
                text += " Backward complete."
        if b.pause_reason:
            text += f"<br><span style='color:{current_theme().error_text}'>Paused: {b.pause_reason}</span>"
        if error:
            text += f"<br><span style='color:{current_theme().error_text}'>{error}</span>"
        self.status.setText(text)
        notes = [n for n in (b.note, b.clean_note) if n]
        self.notes.setText("\n".join(notes))
        self.notes.setStyleSheet(f"color: {current_theme().warn_text};")
        self.notes.setVisible(bool(notes))
        self._fill_table(current)
        waiting = list(b.waiting().items())
        queue = "Ready: " + (", ".join(self._name(n) for n in ready[:8]) or "—")
        if len(ready) > 8:
            queue += f" … (+{len(ready) - 8})"
        if waiting:
            queue += "<br>Waiting: " + ", ".join(f"{self._name(n)} ({c} to come)" for n, c in waiting[:8])
        self.queue.setText(queue)

    def _fill_table(self, current) -> None:
        """The current node's gradients: what arrived from each parent ("contribution", when
        several are summed), what it received and sent, and for a leaf (or retain_grad() tensor)
        its .grad before and after the step. Each gradient cell keeps the kernel reference of its
        full array (``Qt.UserRole``) for ``workspace.tensor_values``."""
        rows: list[tuple[str, str, dict | None, str | None]] = []
        b = self.backward
        detail = b.current_detail() if b is not None else None
        replica = self.workspace.replica
        if detail is not None and replica is not None:
            contributions = detail["contributions"]
            total = detail.get("contributions_total", len(contributions))
            if total > 1:
                for c in contributions:
                    rows.append(("contribution", f"{self._name(c['from'])} [{c['index']}]", c["grad"], c["ref"]))
                if total > len(contributions):
                    rows.append(("contribution", f"… {total - len(contributions):,} more (in the sum below)", None, None))
            received = "sum received" if total > 1 else "received"
            for nr, r in enumerate(detail["received"]):
                rows.append((received, f"output {nr}", r["grad"], r["ref"]))
            targets = {}
            if current in replica.graph:
                for _, child, data in replica.graph.out_edges(current, data=True):
                    for index in data.get("input_indices") or (data.get("input_index"),):
                        if index is not None:
                            targets[index] = child
            for i, sent in enumerate(detail["sent"]):
                target = self._name(targets[i]) if i in targets else "(no grad)"
                rows.append(("sent", f"{target} [{i}]", sent["grad"], sent["ref"] if sent["grad"] else None))
            for w in detail["writes"]:
                name = f"{self._name(w['tensor'])}.grad" if w["tensor"] is not None else "retained .grad"
                rows.append(("before", name, w["before"], w["before_ref"] if w["before"] else None))
                rows.append(("after", name, w["after"], w["after_ref"] if w["after"] else None))
        self.table.setRowCount(len(rows))
        for r, (kind, where, summary, ref) in enumerate(rows):
            gradient = "" if summary is None and kind == "contribution" else g_text(summary)  # the "… more" row
            for c, text in enumerate((kind, where, gradient)):
                item = QTableWidgetItem(text)
                if c == 2 and ref is not None:
                    item.setData(Qt.UserRole, ref)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()


# A gradient with at most this many elements is shown with its values, a larger one by shape and norm.
VALUES_SHOWN = 8


def g_text(summary) -> str:
    """A gradient summary (the kernel's ``tensor_summary`` dict, or None) as a label: the value of a
    one-element gradient, the values of a small one (``[1, 2]``), else its shape and norm."""
    if summary is None:
        return "None"
    shape = summary.get("shape") or []
    values = summary.get("values")
    size = _size(shape)
    if size == 1 and values is not None:
        value = values
        while isinstance(value, list):
            value = value[0]
        return _number(value)
    if 1 < size <= VALUES_SHOWN and values is not None:
        return _nested(values)
    norm = summary.get("norm")
    return f"{list(shape)} ‖g‖={float(norm):.3g}" if isinstance(norm, (int, float)) else str(list(shape))


def _number(value) -> str:
    return f"{float(value):.4g}" if isinstance(value, (int, float)) else str(value)  # "NaN", "Infinity"


def _nested(values) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _number(values)


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n
