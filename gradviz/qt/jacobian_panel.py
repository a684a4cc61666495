"""The Jacobian / Hessian dock: type a function and its inputs, see the matrices as heatmaps.

The function is Python in a small editor (``def f(x): ...`` or a ``lambda``), the inputs an
expression giving one tensor or a tuple of tensors; ``torch`` is the engine. The panel calls
``engine.autograd.functional.jacobian``, ``hessian``, ``vjp`` or ``jvp`` -- the same functions as
``torch.autograd.functional`` -- and shows each resulting block as a heatmap with its numbers,
flattened to (outputs x inputs) when a tensor has more than two dimensions.
"""

from __future__ import annotations

import math

import numpy as np
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

import engine
from engine.autograd import functional
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


def _base_namespace(extra: dict | None = None) -> dict:
    ns = {"torch": engine, "math": math, "np": np}
    if extra:
        ns.update({k: v for k, v in extra.items() if not k.startswith("__")})
        ns["torch"] = engine
    return ns


def compile_function(source: str, namespace: dict):
    """The function the user typed: the last ``def`` in ``source``, or the value of an expression."""
    source = source.strip()
    if not source:
        raise ValueError("type a function, e.g. def f(x): return x.sin()")
    local: dict = {}
    try:
        return eval(compile(source, "<function>", "eval"), namespace)
    except SyntaxError:
        pass
    exec(compile(source, "<function>", "exec"), namespace, local)
    funcs = [v for v in local.values() if callable(v)]
    if not funcs:
        raise ValueError("the function field defines no function")
    return funcs[-1]


def evaluate_inputs(text: str, namespace: dict):
    """One tensor or a tuple of tensors from the inputs field (floats become float tensors)."""
    value = eval(compile(text.strip() or "()", "<inputs>", "eval"), namespace)
    if isinstance(value, list):
        value = tuple(value)
    return value


def compute(mode: str, func, inputs, v=None):
    """Call ``engine.autograd.functional.<mode>`` like ``torch.autograd.functional.<mode>``."""
    if mode == "jacobian":
        return functional.jacobian(func, inputs)
    if mode == "hessian":
        return functional.hessian(func, inputs)
    if mode == "vjp":
        return functional.vjp(func, inputs, v)
    if mode == "jvp":
        return functional.jvp(func, inputs, v)
    raise ValueError(f"unknown mode {mode!r}")


def blocks(mode: str, result, n_inputs_tuple: bool) -> list[tuple[str, np.ndarray]]:
    """Name and matrix of every block to draw (tuples of tuples flattened, >2-D reshaped)."""
    out: list[tuple[str, np.ndarray]] = []

    def add(name: str, t) -> None:
        if t is None:
            return
        if isinstance(t, (tuple, list)):
            for i, item in enumerate(t):
                add(f"{name}[{i}]", item)
            return
        arr = np.asarray(t._data if isinstance(t, engine.Tensor) else t, dtype=np.float64)
        if arr.ndim > 2:
            # (out..., in...) -> (prod out, prod in) when the split is known, else rows of the last dim.
            arr = arr.reshape(-1, arr.shape[-1])
        out.append((name, arr))

    if mode in ("vjp", "jvp"):
        func_out, product = result
        add("output", func_out)
        add(mode, product)
    else:
        add(mode, result)
    return out


class JacobianPanel(QWidget):
    """A function field, an inputs field, a mode, and one heatmap tab per resulting block."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jacobianPanel")
        self.namespace: dict = {}
        self.result = None
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

    def set_namespace(self, namespace: dict) -> None:
        """Let the fields use the script's variables (a model, a tensor)."""
        self.namespace = namespace

    def compute(self) -> bool:
        """Evaluate the fields and draw the result; False (with the error shown) on failure."""
        mode = self.mode_combo.currentText()
        ns = _base_namespace(self.namespace)
        try:
            func = compile_function(self.function_edit.toPlainText(), ns)
            inputs = evaluate_inputs(self.inputs_edit.text(), ns)
            v_text = self.v_edit.text().strip()
            v = evaluate_inputs(v_text, ns) if v_text and mode in ("vjp", "jvp") else None
            result = compute(mode, func, inputs, v)
        except Exception as exc:  # the user's code: show any error, keep the panel alive
            # The matrices on display belong to an earlier computation: drop them with the error.
            self.result = None
            self.tabs.clear()
            self.views = []
            self.status.setText(f"<span style='color:{current_theme().error_text}'>{type(exc).__name__}: {exc}</span>")
            return False
        self.result = result
        self._show(mode, result, isinstance(inputs, tuple))
        return True

    def _show(self, mode: str, result, tuple_inputs: bool) -> None:
        self.tabs.clear()
        self.views = []
        parts = blocks(mode, result, tuple_inputs)
        for name, arr in parts:
            view = HeatmapView(name, f"jacobianHeatmap{len(self.views)}")
            view.plot.setAspectLocked(True)  # square cells: a Jacobian entry per cell
            view.set_matrix(arr, f"{name}  {list(arr.shape)}")
            self.views.append(view)
            self.tabs.addTab(view, name)
        self.status.setText(f"{mode}: {len(parts)} block(s): " + ", ".join(f"{n} {list(a.shape)}" for n, a in parts))
