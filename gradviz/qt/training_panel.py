"""The Training dock: train the script's model a step at a time and watch weights and gradients move.

Pick an ``nn.Module`` from the script (the tutorial's ``TinyModel``), the batch and target tensors,
a loss (sum of squares, MSE, CrossEntropy) and an optimizer (SGD with lr/momentum, or Adam). "Train
one step" runs the tutorial's loop once; "Train N" runs many with a progress bar and a Stop button,
the loss curve growing live. "zero_grad before each step" off shows gradients
piling up. The weights of a chosen parameter are shown before and after, as numbers (the tutorial
prints ``layer2.weight[0][0:10]``) and as heatmaps of the weight and its grad.

The training runs in the kernel, on the script's own model and with its backend (under PyTorch the
real ``torch.optim``): the panel sends the choices as a :class:`~gradviz.model.jobs.Job` and gets
plain data back (losses, norms per step, numpy copies of one parameter). It refreshes when the
workspace's ``run_finished`` says a new run holds new variables. Stop interrupts the kernel, which
ends the loop between two steps and answers with the steps done.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
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

from gradviz.model.training import LOSSES, OPTIMIZERS
from gradviz.qt.kernel_jobs import PanelJobs, error_text
from gradviz.qt.plots import HeatmapView, no_si_prefix
from gradviz.qt.relay import on_gui_thread

SHOWN_VALUES = 10  # the tutorial prints layer2.weight[0][0:10]
NO_MODEL = "Run a script that defines an nn.Module, or press Load TinyModel (the tutorial's)."


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
    """Controls, loss curve and weight views for training the script's model in the kernel."""

    trained = Signal()  # weights changed (the main window may refresh its graph)

    def __init__(self, workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self.workspace = workspace
        self.options: dict = {}  # the kernel's train_options answer
        self.losses: list[float] = []
        self.grad_norms = np.zeros(0)  # total gradient norm after each step's backward
        self.param_norms = np.zeros(0)  # total parameter norm after each step
        self.parameter_grad_norms: dict[str, float] = {}
        self.parameter: dict | None = None  # {"name", "now", "before", "grad"} of the shown parameter
        self.job = None  # the kernel request in flight (a Job)
        self.jobs = PanelJobs(self)
        self._run_total = 0
        self._run_base = 0
        self._live: list[float] = []  # losses of the running request, appended on the job thread
        self._stopping = False
        self._options_stale = False  # a run finished while the panel was hidden

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
        self.param_combo = QComboBox(objectName="trainParameter")
        self.param_combo.currentTextChanged.connect(self._on_parameter_chosen)
        self.model_combo.currentTextChanged.connect(self._on_model_chosen)

        self.one_button = QPushButton("Train one step", objectName="trainOne")
        self.one_button.clicked.connect(self.train_one)
        self.n_button = QPushButton("Train N", objectName="trainN")
        self.n_button.clicked.connect(self.train_n)
        self.stop_button = QPushButton("Stop", objectName="trainStop")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.setEnabled(False)
        self.tutorial_button = QPushButton("Load TinyModel", objectName="trainTutorial")
        self.tutorial_button.setToolTip("Load the tutorial's TinyModel, some_input and ideal_output into "
                                        "the kernel, next to the script's variables")
        self.tutorial_button.clicked.connect(self.load_tutorial)
        self.progress = QProgressBar(objectName="trainProgress")
        self.status = QLabel(NO_MODEL, objectName="trainStatus")
        self.status.setWordWrap(True)

        form = QFormLayout()
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.tutorial_button)  # beside the choice it makes: no extra row
        form.addRow("model", model_row)
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
        # Room for the header, both rows (before, after) and the horizontal scroll bar: at 86 px
        # the scroll bar covered the "after" row.
        table = self.weights_table
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)
        table.setFixedHeight(table.horizontalHeader().sizeHint().height()
                             + 2 * table.verticalHeader().defaultSectionSize()
                             + table.horizontalScrollBar().sizeHint().height() + 2 * table.frameWidth() + 2)
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

        on_gui_thread(workspace.run_finished, self._on_run_finished, self)
        if workspace.result is not None:
            self._on_run_finished(workspace.result)

    # ---- feeding -------------------------------------------------------------------------------
    def _backend(self) -> str:
        result = self.workspace.result
        if result is not None:
            return result.backend
        return self.workspace.backend or "engine"

    @property
    def busy(self) -> bool:
        return self.job is not None

    def _ask(self, name: str, work, on_done, on_progress=None) -> bool:
        """Send one request to the kernel as a job; False while another one is running."""
        if self.job is not None:
            return False
        self._set_running(True, stoppable=name == "train")
        self.job = self.jobs.start(work, name, lambda r: self._ended(on_done, r), self._on_failed,
                                   on_progress)
        return True

    def _ended(self, on_done, result) -> None:
        self.job = None
        self._set_running(False)
        on_done(result)
        self._catch_up()

    def _catch_up(self) -> None:
        """A run that finished while a request was going: ask about its variables now."""
        if self._options_stale and self.job is None and self.isVisible():
            self._refresh_options()

    def _on_run_finished(self, result) -> None:
        """A new run: its kernel has new variables (and no training yet). They are asked for when
        the panel is on screen (a hidden dock sends the kernel nothing on every Run)."""
        self.losses, self.parameter = [], None
        self.grad_norms = self.param_norms = np.zeros(0)
        self.parameter_grad_norms = {}
        self.loss_curve.setData([], [])
        self._options_stale = True
        if self.isVisible():
            self._refresh_options()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._options_stale:
            self._refresh_options()

    def _refresh_options(self) -> None:
        backend = self._backend()
        if self._ask("train-options", lambda job: self.workspace.kernel.train_options(backend=backend),
                     self.set_options):
            self._options_stale = False

    def load_tutorial(self) -> None:
        """Put the tutorial's TinyModel, batch and target into the kernel and train those."""
        backend = self._backend()
        self._ask("train-tutorial", lambda job: self.workspace.kernel.train_options(True, backend),
                  self.set_options)

    def set_options(self, options: dict) -> None:
        """The kernel's modules and tensors: offer them (the tutorial's names chosen when present)."""
        self.options = options
        modules = options.get("modules", [])
        tensors = options.get("tensors", [])
        for combo, items, default in (
            (self.model_combo, modules, modules[0] if modules else None),
            (self.input_combo, tensors, options.get("input")),
            (self.target_combo, tensors, options.get("target")),
        ):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            if default:
                combo.setCurrentText(default)
            combo.blockSignals(False)
        self._fill_parameters()
        if not modules:
            self.status.setText(NO_MODEL)

    def _fill_parameters(self) -> None:
        model = self.model_combo.currentText()
        names = self.options.get("parameters", {}).get(model, [])
        self.param_combo.blockSignals(True)
        self.param_combo.clear()
        self.param_combo.addItems(names)
        if "layer2.weight" in names:
            self.param_combo.setCurrentText("layer2.weight")
        self.param_combo.blockSignals(False)
        if model:
            self.status.setText(f"Model {model}: {len(names)} parameter tensors.")
        self._fetch_parameter()

    def _on_model_chosen(self, _text: str) -> None:
        self._fill_parameters()

    def _on_parameter_chosen(self, _text: str) -> None:
        self._fetch_parameter()

    def _fetch_parameter(self) -> None:
        name, model = self.param_combo.currentText(), self.model_combo.currentText()
        if not name:
            self.parameter = None
            self._show_weights()
            return
        backend = self._backend()
        if not self._ask("train-parameter",
                         lambda job: self.workspace.kernel.train_parameter(name, model, backend),
                         self._on_parameter):
            self.parameter = None  # fetched again when the running request ends
            self._show_weights()

    def _on_parameter(self, parameter: dict | None) -> None:
        self.parameter = parameter
        self._show_weights()

    def config(self) -> dict:
        """The choices as the kernel's ``train`` takes them."""
        return {
            "model": self.model_combo.currentText(), "input": self.input_combo.currentText(),
            "target": self.target_combo.currentText(), "loss": self.loss_combo.currentText(),
            "optimizer": self.opt_combo.currentText(), "lr": self.lr.value(), "momentum": self.momentum.value(),
        }

    # ---- training ------------------------------------------------------------------------------
    def train_one(self) -> None:
        """One optimizer step, then show before/after."""
        self._train(1)

    def train_n(self) -> None:
        """``steps`` steps; Stop ends them early."""
        self._train(self.steps.value())

    def _train(self, steps: int) -> None:
        if self.job is not None:
            return
        if not self.model_combo.currentText():
            self.status.setText(NO_MODEL)
            return
        config, zero_grad = self.config(), self.zero_grad.isChecked()
        parameter, backend = self.param_combo.currentText() or None, self._backend()
        self._run_total, self._run_base, self._live = steps, len(self.losses), []
        self._stopping = False
        self.progress.setRange(0, steps)
        self.progress.setValue(0)
        live = self._live

        def work(job):
            def progressed(message: dict) -> None:
                live.extend(message["losses"])
                job.progressed.emit(message["done"] / max(1, message["total"]), f"{message['done']}")

            return self.workspace.kernel.train(config, steps, zero_grad, parameter, backend,
                                               on_progress=progressed)

        self._ask("train", work, self._on_trained, self._on_progress)

    def stop(self) -> None:
        """End a long run between two steps (the kernel answers with the steps done)."""
        if self.job is not None:
            self._stopping = True
            self.workspace.kernel.stop()

    def wait(self, timeout: float | None = None) -> bool:
        """True when no request is running (its job thread has ended) within ``timeout``."""
        job = self.job
        return job is None or job.wait(timeout)

    def _set_running(self, running: bool, stoppable: bool = True) -> None:
        self.stop_button.setEnabled(running and stoppable)
        self.one_button.setEnabled(not running)
        self.n_button.setEnabled(not running)
        self.tutorial_button.setEnabled(not running)

    def _on_progress(self, fraction: float, message: str) -> None:
        if self.job is None:
            return  # the answer came first
        self.progress.setRange(0, self._run_total)
        self.progress.setValue(int(message) if message.isdigit() else int(fraction * self._run_total))
        self._draw_losses(self.losses + self._live)

    def _on_failed(self, exc: BaseException) -> None:
        self.job = None
        self._set_running(False)
        if self._stopping:
            self.status.setText("Stopped. The kernel had to be restarted: run the script again.")
        else:
            self.status.setText(f"Error: {error_text(exc)}")
        self._catch_up()

    def _on_trained(self, answer: dict) -> None:
        self.losses = [float(v) for v in answer["losses"]]
        self.grad_norms = np.asarray(answer["grad_norms"])
        self.param_norms = np.asarray(answer["param_norms"])
        self.parameter_grad_norms = dict(answer["parameter_grad_norms"])
        self.parameter = answer["parameter"]
        self.progress.setRange(0, self._run_total)
        self.progress.setValue(answer["steps_done"])
        self._after_training()
        if answer["stopped"]:
            self.status.setText(f"Stopped. {self.status.text()}")

    def _after_training(self) -> None:
        self._draw_losses(self.losses)
        if self.losses:
            norms = self.parameter_grad_norms
            total = float(np.sqrt(sum(v * v for v in norms.values())))
            self.status.setText(
                f"{len(self.losses)} steps; loss {self.losses[-1]:.6g}; gradient norm {total:.4g}"
                + ("" if self.zero_grad.isChecked() else " (zero_grad off: gradients accumulate)")
            )
        self._show_weights()
        self.trained.emit()

    def _draw_losses(self, losses) -> None:
        self.loss_curve.setData(np.arange(1, len(losses) + 1), np.asarray(losses, dtype=np.float64))
        # Steps are whole numbers: ticks 1, 2, 5, 10, ... apart, never "0.8 1.0 1.2".
        major = _nice_step(len(losses) / 4)
        self.loss_plot.getAxis("bottom").setTickSpacing(major, major)

    def _show_weights(self) -> None:
        """Before/after numbers of row 0 (the first SHOWN_VALUES), heatmaps of the weight and grad."""
        p = self.parameter
        if p is None or p["name"] != self.param_combo.currentText():
            self.weights_table.setRowCount(0)
            return
        name, now, before = p["name"], np.asarray(p["now"]), p["before"]
        rows = [("now", now)] if before is None else [("before", np.asarray(before)), ("after", now)]
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
        if p["grad"] is not None:
            self.grad_heatmap.set_matrix(p["grad"], f"{name}.grad")
        else:
            self.grad_heatmap.clear()
            self.grad_heatmap.plot.setTitle(f"{name}.grad is None")
