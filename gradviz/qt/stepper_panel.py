"""The Backward stepper dock: Step (F10), Step back (Shift+F10), Continue (F5), Reset, breakpoints.

:class:`StepperPanel` drives a :class:`gradviz.model.stepper.Stepper` and shows where backward is:
the node that ran last with the gradients it received and sent, the separate contributions summed
at a fan-in node, the ready queue, the nodes still waiting (with how many gradients they expect),
and notes (a non-scalar root, gradients piling up without zero_grad, why it paused). For a
non-scalar root a "gradient v" field takes the v of ``root.backward(v)`` (default ones).

Continue is animated at a user-set speed by a QTimer (one step per tick). With animation off it runs
in time-boxed chunks on zero-interval timer ticks, so the window repaints between chunks and stays
responsive while doing well over 200 steps per second.
"""

from __future__ import annotations

import time

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

from gradviz.model.gradient_vector import GradientVectorError, default_gradient_text, parse_gradient
from gradviz.model.stepper import Stepper, grad_summary, source_text

from .theme import current_theme

# Without animation, each timer tick steps for at most this long before letting Qt repaint.
CHUNK_SECONDS = 0.04


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
    """Controls and state of node-by-node backward.

    ``actions``: existing QActions named ``actionStep``, ``actionStepBack``, ``actionContinue``,
    ``actionResetBackward`` (e.g. the main window's); missing ones are created here.
    ``moved`` is emitted after every change of position (the main window repaints the graph on it).
    """

    moved = Signal()
    paused = Signal(str)

    def __init__(self, parent: QWidget | None = None, actions: dict[str, QAction] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepperPanel")
        self.stepper: Stepper | None = None
        self.actions = make_stepper_actions(self)
        if actions:
            self.actions.update({k: v for k, v in actions.items() if v is not None})
        self.actions["actionStep"].triggered.connect(self.step)
        self.actions["actionStepBack"].triggered.connect(self.step_back)
        self.actions["actionContinue"].triggered.connect(self.toggle_continue)
        self.actions["actionResetBackward"].triggered.connect(self.reset)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.running = False
        self._run_target = None

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
        self.namespace: dict = {}
        self._gradient_stepper: Stepper | None = None  # the stepper the field's text belongs to
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

    # ---- the model -----------------------------------------------------------------------------
    def set_stepper(self, stepper: Stepper | None) -> None:
        """Drive ``stepper`` (None when there is no graph)."""
        self.stop()
        self.stepper = stepper
        self._sync_breakpoints()
        self._show_gradient_field()
        self.refresh()

    def set_namespace(self, namespace: dict) -> None:
        """The script's globals, in which the gradient v expression is evaluated."""
        self.namespace = namespace or {}

    # ---- the gradient v of a non-scalar root ---------------------------------------------------
    def _show_gradient_field(self) -> None:
        s = self.stepper
        self.gradient_row.setVisible(s is not None and s.root._data.size != 1)
        if s is None or s is self._gradient_stepper:
            return  # the same stepper again (a relayout): keep what the user typed
        self._gradient_stepper = s
        self.gradient_edit.setText(default_gradient_text(s.root))
        self.gradient_message.setText("")

    def apply_gradient(self) -> bool:
        """Evaluate the gradient v field and restart backward from it.

        A bad expression or a v PyTorch would reject (wrong shape) shows why in the message line
        and leaves the stepper as it was. True when the stepper was reset with the new v.
        """
        s = self.stepper
        if s is None:
            return False
        text = self.gradient_edit.text()
        try:
            gradient = parse_gradient(text, s.root, self.namespace)
            s.set_gradient(gradient)  # checks before it changes anything
        except GradientVectorError as exc:
            self._gradient_error(str(exc))
            return False
        except RuntimeError as exc:  # PyTorch's own check, e.g. "Mismatch in shape: ..."
            shape = list(s.root._data.shape)
            self._gradient_error(f"RuntimeError: {exc} v must have the root's shape {shape}.")
            return False
        self.stop()
        self.gradient_message.setStyleSheet("")
        self.gradient_message.setText(
            f"Backward restarted from root.backward(v) with v = {text.strip()} ({grad_summary(gradient)})."
        )
        self._after_move()
        return True

    def _gradient_error(self, message: str) -> None:
        self.gradient_message.setStyleSheet(f"color: {current_theme().error_text};")
        self.gradient_message.setText(message + " Backward keeps its previous v and position.")

    def _sync_breakpoints(self, *_args) -> None:
        s = self.stepper
        if s is None:
            return
        s.break_on_nan = self.break_nan.isChecked()
        s.break_on_zero = self.break_zero.isChecked()
        s.norm_threshold = self.norm_value.value() if self.break_norm.isChecked() else None

    def toggle_breakpoint(self, node) -> bool:
        """Add or remove a breakpoint on ``node``; True when it is now set."""
        if self.stepper is None:
            return False
        bps = self.stepper.breakpoints
        if node in bps:
            bps.discard(node)
            return False
        bps.add(node)
        return True

    # ---- moving --------------------------------------------------------------------------------
    def _guarded(self, move) -> bool:
        """Run a stepper move; an engine error (e.g. a graph already freed by a backward without
        retain_graph) is shown in the status line instead of escaping into Qt."""
        try:
            move()
        except RuntimeError as exc:
            self.stop()
            self.refresh()
            self.status.setText(f"<span style='color:{current_theme().error_text}'>RuntimeError: {exc}</span>")
            return False
        return True

    def step(self) -> None:
        if self.stepper is None:
            return
        self.stop()
        if self._guarded(lambda: self.stepper.continue_(max_steps=1)):
            self._after_move()

    def step_back(self) -> None:
        if self.stepper is None:
            return
        self.stop()
        self.stepper.step_back()
        self._after_move()

    def reset(self) -> None:
        if self.stepper is None:
            return
        self.stop()
        self.stepper.reset()
        self._after_move()

    def toggle_continue(self) -> None:
        """Continue, or pause a Continue in progress."""
        if self.running:
            self.stop()
        else:
            self.continue_()

    def continue_(self) -> None:
        if self.stepper is None or self.stepper.at_end:
            return
        self.running = True
        self._run_target = None
        self.timer.start(int(1000 / self.speed.value()) if self.animate.isChecked() else 0)
        self._update_enabled()

    def run_to(self, node) -> None:
        """Step until ``node`` has run ("Run to here"); animated like Continue."""
        if self.stepper is None:
            return
        if node in self.stepper._step_index:
            self.stop()
            if self._guarded(lambda: self.stepper.run_to(node)):
                self._after_move()
            return
        self._run_target = node
        self.running = True
        self.timer.start(int(1000 / self.speed.value()) if self.animate.isChecked() else 0)
        self._update_enabled()

    def stop(self) -> None:
        self.timer.stop()
        self.running = False
        self._run_target = None
        self._update_enabled()

    def _tick(self) -> None:
        if self.stepper is None:
            self.stop()
            return
        if self._guarded(self._advance):
            self._after_move()
        else:
            self.moved.emit()

    def _advance(self) -> None:
        """One timer tick of Continue / Run to: one step when animated, else steps for CHUNK_SECONDS."""
        s = self.stepper
        deadline = time.perf_counter() + (0 if self.animate.isChecked() else CHUNK_SECONDS)
        while True:
            step = s.step()
            if step is None:
                self.stop()
                return
            if self._run_target is not None and step.node is self._run_target:
                self.stop()
                return
            reason = s.check_breakpoint(step)
            if reason is not None:
                s.pause_reason = reason
                s.paused_at_breakpoint.emit(reason)
                self.stop()
                self.paused.emit(reason)
                return
            if s.at_end:
                self.stop()
                return
            if time.perf_counter() >= deadline:
                return

    def _after_move(self) -> None:
        self.moved.emit()
        self.refresh()

    # ---- display -------------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        s = self.stepper
        has = s is not None
        self.actions["actionStep"].setEnabled(has and not s.at_end)
        self.actions["actionStepBack"].setEnabled(has and s.position >= 0)
        self.actions["actionContinue"].setEnabled(has and (self.running or not s.at_end))
        self.actions["actionContinue"].setText("Pause" if self.running else "Continue")
        self.actions["actionResetBackward"].setEnabled(has)

    def refresh(self) -> None:
        """Redraw the status, notes, gradient table and queue from the stepper."""
        self._update_enabled()
        s = self.stepper
        if s is None:
            self.status.setText("No graph yet: run a script.")
            self.notes.setText("")
            self.table.setRowCount(0)
            self.queue.setText("")
            return
        total = len(s.nodes)
        step = s.current_step
        if step is None:
            text = f"Before backward: 0 / {total} nodes run. Next: {self._name(s.next_node())}."
        else:
            text = f"Step {s.position + 1} / {total}: ran <b>{self._name(step.node)}</b>"
            src = source_text(step.node)
            if src:
                text += f" (forward at {src})"
            if step.node.module:
                text += f" in module <i>{step.node.module}</i>"
            text += "."
            if s.at_end:
                text += " Backward complete."
        if s.pause_reason:
            text += f"<br><span style='color:{current_theme().error_text}'>Paused: {s.pause_reason}</span>"
        self.status.setText(text)
        notes = [n for n in (s.note, s.accumulation_note, getattr(s, "clean_note", None)) if n]
        self.notes.setText("\n".join(notes))
        self.notes.setStyleSheet(f"color: {current_theme().warn_text};")
        self.notes.setVisible(bool(notes))
        self._fill_table(step)
        ready = s.ready_nodes()
        waiting = [(n, s.waiting_count(n)) for n in s.nodes if s.state_of(n) == "waiting"]
        queue = "Ready: " + (", ".join(self._name(n) for n in ready[:8]) or "—")
        if len(ready) > 8:
            queue += f" … (+{len(ready) - 8})"
        if waiting:
            queue += "<br>Waiting: " + ", ".join(f"{self._name(n)} ({c} to come)" for n, c in waiting[:8])
        self.queue.setText(queue)

    def _fill_table(self, step) -> None:
        rows: list[tuple[str, str, str]] = []
        s = self.stepper
        if step is not None:
            node = step.node
            contribs = s.contributions(node)
            if len(contribs) > 1:
                for parent, i, g in contribs:
                    rows.append(("contribution", f"{self._name(parent)} [{i}]", grad_summary(g)))
            for nr, g in enumerate(step.received):
                rows.append(("received" if len(contribs) <= 1 else "sum received", f"output {nr}", grad_summary(g) or "None"))
            for i, ((child, _), g) in enumerate(zip(node.next_functions, step.sent)):
                target = self._name(child) if child is not None else "(no grad)"
                rows.append(("sent", f"{target} [{i}]", grad_summary(g) or "None"))
            if step.leaf is not None:
                rows.append(("leaf .grad", "", grad_summary(step.leaf._grad)))
                before = s.grad_before(step.leaf)
                if before is not None:
                    rows.append(("before", "(earlier backward)", grad_summary(before)))
        self.table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    @staticmethod
    def _name(node) -> str:
        return node.name() if node is not None else "—"


class BackwardTools(QObject):
    """Puts the stepper, plots, training, profiler and Jacobian docks into the main window.

    It listens to the window's public signals (``run_finished``, ``graph_changed``,
    ``selection_changed``) and keeps one :class:`Stepper` per root tensor: a relayout or a theme
    change rebuilds the scene but keeps the position in backward.
    """

    def __init__(self, window) -> None:
        super().__init__(window)
        from gradviz.qt.jacobian_panel import JacobianPanel
        from gradviz.qt.plots import PlotsPanel
        from gradviz.qt.profiler_panel import ProfilerPanel
        from gradviz.qt.training_panel import TrainingPanel

        self.window = window
        self.actions = make_stepper_actions(window)
        self.stepper_panel = StepperPanel(window, actions=self.actions)
        self.plots = PlotsPanel(window)
        self.training = TrainingPanel(window.workspace, window)
        self.profiler = ProfilerPanel(window.workspace, window, code_provider=window.editor.toPlainText)
        self.jacobian = JacobianPanel(window.workspace, window)
        right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        window.add_dock(self.stepper_panel, "Backward", right)
        window.add_dock(self.plots, "Plots", bottom)
        window.add_dock(self.training, "Training", bottom)
        window.add_dock(self.profiler, "Profiler", bottom)
        window.add_dock(self.jacobian, "Jacobian", bottom)
        docks = window.docks
        for title in ("Plots", "Training", "Profiler", "Jacobian"):
            window.tabifyDockWidget(docks["Output"], docks[title])
        window.tabifyDockWidget(docks["Inspector"], docks["Backward"])
        docks["Output"].raise_()
        for name in ("actionStep", "actionStepBack", "actionContinue", "actionResetBackward"):
            window.add_action("Backward", self.actions[name], toolbar=True)

        self.stepper_panel.moved.connect(self._repaint_graph)
        window.run_finished.connect(self._on_run_finished)
        window.graph_changed.connect(self._on_graph_changed)
        window.selection_changed.connect(self._on_selection)
        view = window.view
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._on_context_menu)

    @property
    def stepper(self) -> Stepper | None:
        return self.stepper_panel.stepper

    def _root_tensor(self):
        result = self.window.last_result
        name = self.window.variables.current_root()
        if result is None or name is None:
            return None
        return result.tensors.get(name)

    def _on_run_finished(self, result) -> None:
        self.stepper_panel.set_stepper(None)
        self._mark_source_line(None)
        self.stepper_panel.set_namespace(result.namespace)
        self.plots.set_tensors(result.tensors)

    def _on_graph_changed(self, scene) -> None:
        root = self._root_tensor()
        stepper = self.stepper
        if root is None:
            self.stepper_panel.set_stepper(None)
            self.plots.attach_stepper(None)
            return
        if stepper is None or stepper.root is not root:
            if stepper is not None:
                # Leaving a backward part-way: its leaves get their .grad from before it back.
                self.stepper_panel.stop()
                stepper.restore_grads()
            try:
                # A clean .grad: stepping shows the script's backward, not a second one on top of it.
                stepper = Stepper(root, clean_grads=True)
            except RuntimeError as exc:  # e.g. a root that does not require grad
                self.stepper_panel.set_stepper(None)
                self.stepper_panel.status.setText(f"RuntimeError: {exc}")
                return
            self.stepper_panel.set_stepper(stepper)
            self.plots.attach_stepper(stepper)
            # The gradient plot follows the first named leaf of this graph (the tutorial's `a`).
            named = {id(t): (n, t) for n, t in self.window.last_result.tensors.items()}
            leaves = [named[id(t)] for t in stepper.leaves if id(t) in named]
            if leaves:
                self.plots.set_gradient_tensor(leaves[0][1], leaves[0][0])
        scene.apply_step_state(stepper)

    def _repaint_graph(self) -> None:
        scene = self.window.scene
        stepper = self.stepper
        if scene is not None and stepper is not None:
            scene.apply_step_state(stepper)
            current = stepper.current_node
            node_id = scene.model.id_of(current) if current is not None else None
            paused = bool(stepper.pause_reason)
            if node_id is not None and node_id in scene.items_by_id:
                if paused:
                    # A breakpoint: show the node (selected, so the inspector describes it).
                    scene.select_node(node_id)
                    self.window.view.centre_on_node(node_id)
                elif self.stepper_panel.animate.isChecked():
                    self.window.view.ensureVisible(scene.items_by_id[node_id], 40, 40)
            self._mark_source_line(current, reveal=paused)
            if paused:
                self.window.status_label.setText(f"Backward paused: {stepper.pause_reason}")
                self.window.docks["Backward"].raise_()
        else:
            self._mark_source_line(None)

    def _mark_source_line(self, node, reveal: bool = False) -> None:
        """Highlight in the editor the forward line that created ``node`` (if it is this script's)."""
        result = self.window.last_result
        src = getattr(node, "source", None) if node is not None else None
        line = None
        if src and result is not None and src[0] == result.filename:
            line = src[1]
        self.window.editor.set_step_line(line, reveal=reveal)

    def _on_selection(self, data) -> None:
        if data and data.get("obj") is not None:
            self.plots.select(data["obj"], data.get("variable") or data.get("name", ""))

    def _node_at(self, pos):
        scene = self.window.scene
        if scene is None:
            return None, None
        item = self.window.view.itemAt(pos)
        while item is not None and not hasattr(item, "node_id"):
            item = item.parentItem()
        if item is None:
            return None, None
        return item.node_id, item.data_.get("obj")

    def _on_context_menu(self, pos) -> None:
        from PySide6.QtWidgets import QMenu

        node_id, obj = self._node_at(pos)
        if obj is None or self.stepper is None:
            return
        menu = QMenu(self.window.view)
        run_to = menu.addAction("Run to here")
        run_to.setObjectName("actionRunToHere")
        brk = menu.addAction("Remove breakpoint" if obj in self.stepper.breakpoints else "Set breakpoint")
        is_node = obj in self.stepper._parents or obj is self.stepper.root_node
        run_to.setEnabled(is_node)
        brk.setEnabled(is_node)
        chosen = menu.exec(self.window.view.viewport().mapToGlobal(pos))
        if chosen is run_to:
            self.stepper_panel.run_to(obj)
        elif chosen is brk:
            self.stepper_panel.toggle_breakpoint(obj)


def install_backward_tools(window) -> BackwardTools:
    """Add the backward stepper and the analysis docks to ``window`` (a MainWindow)."""
    return BackwardTools(window)
