"""The Jacobian / Hessian dock: type a function and its inputs, see the matrices as heatmaps.

The function is Python in a small editor (``def f(x): ...`` or a ``lambda``), the inputs an
expression giving one tensor or a tuple of tensors; both see the script's variables. The kernel
evaluates them and calls ``jacobian``, ``hessian``, ``vjp`` or ``jvp`` of its backend's
``autograd.functional`` (the engine's, or ``torch.autograd.functional`` under PyTorch, where
``torch`` is the real one) and answers with plain arrays; the panel shows each resulting block as a
heatmap with its numbers, flattened to (outputs x inputs) when a tensor has more than two dimensions.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gradviz.qt.kernel_jobs import PanelJobs, error_text
from gradviz.qt.plots import HeatmapView
from gradviz.qt.theme import current_theme

MODES = ("jacobian", "hessian", "vjp", "jvp")
EXAMPLE_FUNCTION = "def f(x, y):\n    return x.sin() * y + x ** 2\n"
EXAMPLE_INPUTS = "torch.tensor([0.1, 0.5, 1.0]), torch.tensor([1.0, 2.0, 3.0])"
EXAMPLE_HESSIAN_FUNCTION = "def f(x):\n    return (x ** 3).sum() + x[0] * x[1]\n"
EXAMPLE_HESSIAN_INPUTS = "torch.tensor([0.5, -1.0, 2.0])"
# What each mode starts with: (function, inputs, v). A Hessian needs a scalar function of one input;
# vjp needs a v shaped like the output, jvp one v per input.
MODE_EXAMPLES = {
    "jacobian": (EXAMPLE_FUNCTION, EXAMPLE_INPUTS, ""),
    "hessian": (EXAMPLE_HESSIAN_FUNCTION, EXAMPLE_HESSIAN_INPUTS, ""),
    "vjp": (EXAMPLE_FUNCTION, EXAMPLE_INPUTS, "torch.tensor([1.0, 0.0, 0.0])"),
    "jvp": (EXAMPLE_FUNCTION, EXAMPLE_INPUTS, "(torch.ones(3), torch.zeros(3))"),
}


class JacobianPanel(QWidget):
    """A function field, an inputs field, a mode, and one heatmap tab per resulting block."""

    def __init__(self, workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jacobianPanel")
        self.workspace = workspace
        self.result = None  # the kernel's answer: {"mode", "blocks": [(name, ndarray)], ...}
        self.job = None
        self.jobs = PanelJobs(self)
        self.function_edit = QPlainTextEdit(EXAMPLE_FUNCTION, objectName="jacobianFunction")
        self.function_edit.setMaximumHeight(80)
        self.function_edit.setTabChangesFocus(True)
        self.inputs_edit = QLineEdit(EXAMPLE_INPUTS, objectName="jacobianInputs")
        self.v_edit = QLineEdit("", objectName="jacobianV")
        self.v_edit.setPlaceholderText("v for vjp / jvp (default: ones when the output is a scalar)")
        self.mode_combo = QComboBox(objectName="jacobianMode")
        self.mode_combo.addItems(MODES)
        self.mode_combo.currentTextChanged.connect(self._on_mode_changed)
        self.compute_button = QPushButton("Compute", objectName="jacobianCompute")
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button = QPushButton("Cancel", objectName="jacobianCancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        self.status = QLabel(" ", objectName="jacobianStatus")
        self.status.setWordWrap(True)
        self.tabs = QTabWidget(objectName="jacobianTabs")
        self.views: list[HeatmapView] = []

        form = QFormLayout()
        form.addRow("function", self.function_edit)
        form.addRow("inputs", self.inputs_edit)
        form.addRow("v", self.v_edit)
        row = QHBoxLayout()
        row.addWidget(self.mode_combo)
        row.addWidget(self.compute_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        form.addRow("compute", row)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addLayout(form)
        left_layout.addWidget(self.status)
        left_layout.addStretch(1)
        # Fields on the left, matrices on the right: a bottom dock is wide and short.
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(split, 1)

    def _fields(self) -> tuple[str, str, str]:
        return self.function_edit.toPlainText(), self.inputs_edit.text(), self.v_edit.text()

    def _on_mode_changed(self, mode: str) -> None:
        """A new mode: the old mode's matrices go, and fields still holding an example get this
        mode's example (what the user typed is kept: it may be meant for this mode)."""
        untouched = self._fields() in MODE_EXAMPLES.values()
        if untouched and mode in MODE_EXAMPLES:
            function, inputs, v = MODE_EXAMPLES[mode]
            self.function_edit.setPlainText(function)
            self.inputs_edit.setText(inputs)
            self.v_edit.setText(v)
        self.result = None
        self.tabs.clear()
        self.views = []
        hint = " (a Hessian needs a function returning one number)" if mode == "hessian" else ""
        loaded = "the example for it is loaded; " if untouched else ""
        self.status.setText(f"Mode {mode}: {loaded}press Compute{hint}.")

    @property
    def busy(self) -> bool:
        return self.job is not None

    def _backend(self) -> str:
        result = self.workspace.result
        return result.backend if result is not None else (self.workspace.backend or "engine")

    def compute(self) -> bool:
        """Send the fields to the kernel as a job; False when one is already computing."""
        if self.job is not None:
            return False
        mode = self.mode_combo.currentText()
        function, inputs, v = self._fields()
        if mode not in ("vjp", "jvp"):
            v = ""
        backend = self._backend()
        self.compute_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.status.setText(f"Computing the {mode}…")
        self.job = self.jobs.start(
            lambda job: self.workspace.kernel.jacobian(mode, function, inputs, v, backend),
            "jacobian", self._on_done, self._on_failed)
        return True

    def cancel(self) -> None:
        """Interrupt a long computation (the kernel stays, with the script's variables)."""
        if self.job is not None:
            self.workspace.kernel.stop()

    def wait(self, timeout: float | None = None) -> bool:
        job = self.job
        return job is None or job.wait(timeout)

    def _finish(self) -> None:
        self.job = None
        self.compute_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _on_failed(self, exc: BaseException) -> None:
        self._finish()
        # The matrices on display belong to an earlier computation: drop them with the error.
        self.result = None
        self.tabs.clear()
        self.views = []
        self.status.setText(f"<span style='color:{current_theme().error_text}'>{error_text(exc)}</span>")

    def _on_done(self, answer: dict) -> None:
        self._finish()
        if answer["mode"] != self.mode_combo.currentText():
            return  # the mode changed while the kernel computed: the answer is stale
        self.result = answer
        self._show(answer["mode"], answer["blocks"])

    def _show(self, mode: str, parts: list) -> None:
        self.tabs.clear()
        self.views = []
        for name, arr in parts:
            view = HeatmapView(name, f"jacobianHeatmap{len(self.views)}")
            view.plot.setAspectLocked(True)  # square cells: a Jacobian entry per cell
            view.set_matrix(arr, f"{name}  {list(arr.shape)}")
            self.views.append(view)
            self.tabs.addTab(view, name)
        self.status.setText(f"{mode}: {len(parts)} block(s): " + ", ".join(f"{n} {list(a.shape)}" for n, a in parts))
