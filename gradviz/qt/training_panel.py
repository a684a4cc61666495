"""The Training dock: train the script's model a step at a time and watch weights and gradients move.

Pick an ``nn.Module`` from the script (the tutorial's ``TinyModel``), the batch and target tensors,
a loss (sum of squares, MSE, CrossEntropy) and an optimizer (SGD with lr/momentum, or Adam). "Train
one step" runs the tutorial's loop once; "Train N" runs many on a worker thread with a progress bar
and a Stop button, the loss curve growing live. "zero_grad before each step" off shows gradients
piling up. The weights of a chosen parameter are shown before and after, as numbers (the tutorial
prints ``layer2.weight[0][0:10]``) and as heatmaps of the weight and its grad.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from PySide6.QtCore import Qt

from gradviz.model.training import LOSSES, OPTIMIZERS, Trainer, find_modules, find_tensors, guess_inputs
from gradviz.qt.plots import HeatmapView, no_si_prefix

SHOWN_VALUES = 10  # the tutorial prints layer2.weight[0][0:10]


class _TrainerBridge(QObject):
    """Carries the trainer's psygnal signals (emitted on the worker thread) to the GUI thread."""

    step_done = Signal(int, float)
    progress = Signal(int, int)
    run_finished = Signal(bool)
    failed = Signal(str)


def _nice_step(span: float) -> int:
    """The whole number among 1, 2, 5, 10, 20, 50, ... nearest above ``span``."""
    step = 1
    while step < span:
        for factor in (2, 5 / 2, 2):
            step = int(step * factor)
            if step >= span:
                break
    return step


class TrainingPanel(QWidget):
    """Controls, loss curve and weight views for a :class:`gradviz.model.training.Trainer`."""

    trained = Signal()  # weights changed (the main window may refresh its graph)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.namespace: dict = {}
        self.trainer: Trainer | None = None
        self._trainer_key = None
        self.bridge = _TrainerBridge(self)
        self.bridge.step_done.connect(self._on_step_done)
        self.bridge.progress.connect(self._on_progress)
        self.bridge.run_finished.connect(self._on_run_finished)
        self.bridge.failed.connect(self._on_failed)

        self.model_combo = QComboBox(objectName="trainModel")
        self.input_combo = QComboBox(objectName="trainInput")
        self.target_combo = QComboBox(objectName="trainTarget")
        self.loss_combo = QComboBox(objectName="trainLoss")
        self.loss_combo.addItems(LOSSES)
        self.opt_combo = QComboBox(objectName="trainOptimizer")
        self.opt_combo.addItems(OPTIMIZERS)
        self.lr = QDoubleSpinBox(objectName="trainLr")
        self.lr.setDecimals(5)
        self.lr.setRange(0.0, 10.0)
        self.lr.setSingleStep(0.001)
        self.lr.setValue(0.001)
        self.momentum = QDoubleSpinBox(objectName="trainMomentum")
        self.momentum.setRange(0.0, 0.999)
        self.momentum.setSingleStep(0.1)
        self.steps = QSpinBox(objectName="trainSteps")
        self.steps.setRange(1, 1_000_000)
        self.steps.setValue(100)
        self.zero_grad = QCheckBox("zero_grad before each step", objectName="trainZeroGrad")
        self.zero_grad.setChecked(True)
        self.zero_grad.toggled.connect(self._on_zero_grad)
        self.param_combo = QComboBox(objectName="trainParameter")
        self.param_combo.currentTextChanged.connect(lambda _t: self._show_weights())

        self.one_button = QPushButton("Train one step", objectName="trainOne")
        self.one_button.clicked.connect(self.train_one)
        self.n_button = QPushButton("Train N", objectName="trainN")
        self.n_button.clicked.connect(self.train_n)
        self.stop_button = QPushButton("Stop", objectName="trainStop")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        self.progress = QProgressBar(objectName="trainProgress")
        self.status = QLabel("Run a script that defines an nn.Module (e.g. the tutorial's TinyModel).",
                             objectName="trainStatus")
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("model", self.model_combo)
        form.addRow("input", self.input_combo)
        form.addRow("target", self.target_combo)
        form.addRow("loss", self.loss_combo)
        opt_row = QHBoxLayout()
        opt_row.addWidget(self.opt_combo)
        opt_row.addWidget(QLabel("lr"))
        opt_row.addWidget(self.lr)
        opt_row.addWidget(QLabel("momentum"))
        opt_row.addWidget(self.momentum)
        form.addRow("optimizer", opt_row)
        form.addRow("steps (N)", self.steps)
        form.addRow(self.zero_grad)
        buttons = QHBoxLayout()
        for b in (self.one_button, self.n_button, self.stop_button):
            buttons.addWidget(b)

        self.loss_plot = pg.PlotWidget(background="w", objectName="lossPlot")
        self.loss_plot.setTitle("loss")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.showGrid(x=True, y=True, alpha=0.25)
        self.loss_plot.setMinimumWidth(170)  # narrower, the tick labels run together
        no_si_prefix(self.loss_plot.getPlotItem())
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen((31, 119, 180), width=2))

        self.weights_table = QTableWidget(0, SHOWN_VALUES, objectName="weightsTable")
        self.weights_table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.weights_table.setMaximumHeight(86)
        self.weight_heatmap = HeatmapView("weight", "weightHeatmap")
        self.grad_heatmap = HeatmapView("grad", "weightGradHeatmap")
        for view in (self.weight_heatmap, self.grad_heatmap):
            view.setMinimumHeight(120)  # room for the image, its axes and the colour bar
        heat = QSplitter(Qt.Horizontal)
        heat.addWidget(self.weight_heatmap)
        heat.addWidget(self.grad_heatmap)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(form)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.progress)
        left_layout.addWidget(self.status)
        left_layout.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        param_row = QHBoxLayout()
        param_row.addWidget(QLabel("parameter"))
        param_row.addWidget(self.param_combo, 1)
        right_layout.addLayout(param_row)
        right_layout.addWidget(self.weights_table)
        right_layout.addWidget(heat, 1)
        # Controls | loss curve | weights: a bottom dock is wide and short.
        split = QSplitter(Qt.Horizontal)
        # In a short dock the form scrolls rather than being squeezed into the dock's tab bar.
        scroll = QScrollArea()
        scroll.setObjectName("trainingControls")
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setMinimumWidth(left.minimumSizeHint().width() + 16)
        split.addWidget(scroll)
        split.addWidget(self.loss_plot)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setStretchFactor(2, 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split)

    # ---- feeding -------------------------------------------------------------------------------
    def set_namespace(self, namespace: dict) -> None:
        """The script's variables after a run: offer its modules and tensors."""
        self.namespace = namespace
        modules = find_modules(namespace)
        tensors = find_tensors(namespace)
        inp, tgt = guess_inputs(namespace)
        for combo, items, default in (
            (self.model_combo, list(modules), next(iter(modules), None)),
            (self.input_combo, list(tensors), inp),
            (self.target_combo, list(tensors), tgt),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            if default:
                combo.setCurrentText(default)
            combo.blockSignals(False)
        self.trainer = None
        self._trainer_key = None
        model = modules.get(self.model_combo.currentText())
        self.param_combo.blockSignals(True)
        self.param_combo.clear()
        if model is not None:
            names = [n for n, _ in model.named_parameters()]
            self.param_combo.addItems(names)
            if "layer2.weight" in names:
                self.param_combo.setCurrentText("layer2.weight")
            self.status.setText(f"Model {self.model_combo.currentText()}: {len(names)} parameter tensors.")
        self.param_combo.blockSignals(False)
        self.loss_curve.setData([], [])
        self._show_weights()

    def _config(self) -> tuple:
        return (
            self.model_combo.currentText(), self.input_combo.currentText(), self.target_combo.currentText(),
            self.loss_combo.currentText(), self.opt_combo.currentText(), self.lr.value(), self.momentum.value(),
        )

    def ensure_trainer(self) -> Trainer | None:
        """The trainer for the current choices (a new one, with a new optimizer, when they changed)."""
        key = self._config()
        if self.trainer is not None and key == self._trainer_key:
            return self.trainer
        model_name, inp, tgt, loss, opt, lr, momentum = key
        model = self.namespace.get(model_name)
        if model is None or inp not in self.namespace or tgt not in self.namespace:
            self.status.setText("Choose a model, an input and a target.")
            return None
        old = self.trainer
        self.trainer = Trainer(model, self.namespace[inp], self.namespace[tgt], loss=loss, optimizer=opt,
                               lr=lr, momentum=momentum, zero_grad=self.zero_grad.isChecked())
        if old is not None:
            self.trainer.losses = old.losses  # one loss curve across setting changes
        self._trainer_key = key
        t = self.trainer
        t.step_done.connect(self.bridge.step_done.emit)
        t.progress.connect(self.bridge.progress.emit)
        t.run_finished.connect(self.bridge.run_finished.emit)
        t.failed.connect(self.bridge.failed.emit)
        return t

    def _on_zero_grad(self, on: bool) -> None:
        if self.trainer is not None:
            self.trainer.zero_grad = on

    # ---- training ------------------------------------------------------------------------------
    def train_one(self) -> None:
        """One step on the GUI thread (it is quick), then show before/after."""
        t = self.ensure_trainer()
        if t is None or t.is_running:
            return
        try:
            t.train(1)
        except Exception as exc:  # the user's model or loss may raise anything
            self._on_failed(f"{type(exc).__name__}: {exc}")
            return
        self._after_training()

    def train_n(self) -> None:
        """``steps`` steps on a worker thread; Stop ends them early."""
        t = self.ensure_trainer()
        if t is None or t.is_running:
            return
        self.progress.setRange(0, self.steps.value())
        self.progress.setValue(0)
        self._set_running(True)
        t.start(self.steps.value())

    def stop(self) -> None:
        if self.trainer is not None:
            self.trainer.stop()

    def wait(self, timeout: float | None = None) -> bool:
        return self.trainer.wait(timeout) if self.trainer is not None else True

    def _set_running(self, running: bool) -> None:
        self.stop_button.setEnabled(running)
        self.one_button.setEnabled(not running)
        self.n_button.setEnabled(not running)

    def _on_step_done(self, index: int, loss: float) -> None:
        # Redraw at most every few steps on long runs: the curve is the live part.
        if self.trainer is not None and (index % 5 == 0 or not self.trainer.is_running):
            self._draw_losses()

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self._draw_losses()

    def _on_run_finished(self, stopped: bool) -> None:
        self._set_running(False)
        if stopped and self.status.text().startswith("Error"):
            return  # keep the error on display
        self._after_training()
        if stopped:
            self.status.setText(f"Stopped. {self.status.text()}")

    def _on_failed(self, message: str) -> None:
        self._set_running(False)
        self.status.setText(f"Error: {message}")

    def _after_training(self) -> None:
        t = self.trainer
        if t is None:
            return
        self._draw_losses()
        if t.losses:
            norms = t.grad_norms()
            total = float(np.sqrt(sum(v * v for v in norms.values())))
            self.status.setText(
                f"{len(t.losses)} steps; loss {t.losses[-1]:.6g}; gradient norm {total:.4g}"
                + ("" if t.zero_grad else " (zero_grad off: gradients accumulate)")
            )
        self._show_weights()
        self.trained.emit()

    def _draw_losses(self) -> None:
        if self.trainer is None:
            return
        losses = list(self.trainer.losses)
        self.loss_curve.setData(np.arange(1, len(losses) + 1), np.asarray(losses, dtype=np.float64))
        # Steps are whole numbers: ticks 1, 2, 5, 10, ... apart, never "0.8 1.0 1.2".
        major = _nice_step(len(losses) / 4)
        self.loss_plot.getAxis("bottom").setTickSpacing(major, major)

    def _show_weights(self) -> None:
        """Before/after numbers of row 0 (the first SHOWN_VALUES), heatmaps of the weight and grad."""
        name = self.param_combo.currentText()
        model = self.namespace.get(self.model_combo.currentText())
        if not name or model is None:
            self.weights_table.setRowCount(0)
            return
        params = dict(model.named_parameters())
        p = params.get(name)
        if p is None:
            return
        now = np.asarray(p.detach().numpy())
        t = self.trainer
        before = t.weights_before.get(name) if t is not None else None
        rows = [("now", now)] if before is None else [("before", before), ("after", now)]
        self.weights_table.setRowCount(len(rows))
        self.weights_table.setVerticalHeaderLabels([r for r, _ in rows])
        for r, (_label, arr) in enumerate(rows):
            flat = arr.reshape(-1) if arr.ndim < 2 else arr[0]
            for c in range(SHOWN_VALUES):
                text = f"{flat[c]:.4f}" if c < flat.size else ""
                self.weights_table.setItem(r, c, QTableWidgetItem(text))
        index = f"{name}[0][0:{SHOWN_VALUES}]" if now.ndim >= 2 else f"{name}[0:{SHOWN_VALUES}]"
        self.weights_table.setToolTip(index)
        self.weight_heatmap.set_matrix(now, name)
        if p.grad is not None:
            self.grad_heatmap.set_matrix(p.grad, f"{name}.grad")
        else:
            self.grad_heatmap.clear()
            self.grad_heatmap.plot.setTitle(f"{name}.grad is None")
