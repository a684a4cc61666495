"""Plots of values and gradients (pyqtgraph): the tutorial's ``plt.plot(a.detach(), b.detach())`` live.

* Value plot: any 1-D tensor against another of the same length (default: the root's input leaf on
  x, the selected node's output on y).
* Gradient plot: ``a`` against ``a.grad``, refreshed as the stepper writes gradients -- after
  stepping through ``out = (2*sin(a)+1).sum()`` it shows 2·cos(a).
* Histogram of the values or gradients of the selected tensor.
* Heatmap (ImageItem + ColorBarItem) for 2-D tensors, e.g. weights and their grads.

Every plot has a crosshair readout and can be exported to PNG or SVG with pyqtgraph's exporters.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers ImageExporter / SVGExporter)
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gradviz.kernel.messages import KernelRequestError

from .relay import on_gui_thread


def _is_tensor(t) -> bool:
    """Anything tensor-shaped: a :class:`KernelTensor` (the app) or a library tensor (tests)."""
    return hasattr(t, "_data") and hasattr(t, "_grad")


class KernelTensor:
    """A tensor that stays in the kernel, read through the workspace's ``tensor_values``.

    It answers the few things the plots read: ``_data`` (fetched once), ``_grad`` (fetched on
    every read: stepping backward changes it), ``_requires_grad`` and ``grad_fn`` (the node name).
    """

    def __init__(self, workspace, ref: str, requires_grad: bool = False, grad_fn: str | None = None) -> None:
        self.workspace = workspace
        self.ref = ref
        self._requires_grad = requires_grad
        self.grad_fn = grad_fn
        self._values = None

    def _fetch(self, ref: str):
        try:
            return self.workspace.tensor_values(ref)["array"]
        except KernelRequestError:
            return None

    @property
    def _data(self) -> np.ndarray:
        if self._values is None:
            array = self._fetch(self.ref)
            self._values = array if array is not None else np.zeros(0)
        return self._values

    @property
    def _grad(self):
        return self._fetch(self.ref + ".grad")


def as_array(t) -> np.ndarray | None:
    """The numbers of a tensor (detached, float64 for plotting), or None."""
    if t is None:
        return None
    data = t._data if _is_tensor(t) else np.asarray(t)
    if data.dtype.kind == "c":
        data = data.real
    return np.asarray(data, dtype=np.float64)


def export_plot_item(item, path: str) -> None:
    """Write a plot to ``path``: SVG when it ends with .svg, else a PNG image."""
    if path.lower().endswith(".svg"):
        try:
            pg.exporters.SVGExporter(item).export(path)
        except ValueError:
            # pyqtgraph 0.14's SVG post-processing cannot parse the path syntax of newer Qt
            # releases; render the same scene rectangle through QSvgGenerator instead.
            _export_svg_with_qt(item, path)
        return
    else:
        exporter = pg.exporters.ImageExporter(item)
        # pyqtgraph computes the size from the item; make it at least the on-screen size.
        exporter.parameters()["width"] = max(int(item.sceneBoundingRect().width()), 400)
    # pyqtgraph ignores QImage.save's result; take the image and save it ourselves so a failed
    # write (missing folder, no permission) raises instead of passing silently.
    image = exporter.export(toBytes=True)
    if image is None or not image.save(path, "PNG"):
        raise OSError(f"could not write the PNG {path}")


PLOT_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"


def ask_export(parent: QWidget, export, suggested: str = "plot.png") -> str | None:
    """Ask for a file name and call ``export(path)``; the chosen filter supplies a missing extension.

    Returns the path written, or None (cancelled, or failed: the failure is shown in a message box).
    """
    path, chosen = QFileDialog.getSaveFileName(parent, "Export plot", suggested, PLOT_FILTERS)
    if not path:
        return None
    if not path.lower().endswith((".png", ".svg")):
        path += ".svg" if "*.svg" in chosen else ".png"
    try:
        export(path)
    except Exception as exc:  # noqa: BLE001 - any exporter failure is reported, not raised into Qt
        QMessageBox.warning(parent, "Export failed", f"Could not export the plot to {path}:\n{exc}")
        return None
    return path


def _export_svg_with_qt(item, path: str) -> None:
    from PySide6.QtCore import QRectF, QSize
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    source = item.sceneBoundingRect() if hasattr(item, "sceneBoundingRect") else item.sceneRect()
    scene = item.scene() if hasattr(item, "scene") and callable(item.scene) else item
    generator = QSvgGenerator()
    generator.setFileName(path)
    generator.setSize(QSize(int(source.width()), int(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle("gradviz plot")
    painter = QPainter(generator)
    try:
        scene.render(painter, QRectF(0, 0, source.width(), source.height()), source)
    finally:
        painter.end()


def _set_text_quietly(combo: QComboBox, text: str) -> None:
    """Set a combo's current text without its change signal (the caller redraws once itself)."""
    combo.blockSignals(True)
    combo.setCurrentText(text)
    combo.blockSignals(False)


class Crosshair:
    """A vertical and a horizontal line that follow the mouse, and a label with the coordinates."""

    def __init__(self, plot: pg.PlotItem, label: QLabel) -> None:
        self.plot = plot
        self.label = label
        self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((120, 120, 120), style=Qt.DashLine))
        self.hline = pg.InfiniteLine(angle=0, movable=False, pen=pg.mkPen((120, 120, 120), style=Qt.DashLine))
        plot.addItem(self.vline, ignoreBounds=True)
        plot.addItem(self.hline, ignoreBounds=True)
        plot.scene().sigMouseMoved.connect(self.move_to_scene_pos)

    def move_to_scene_pos(self, pos) -> None:
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        point = self.plot.vb.mapSceneToView(pos)
        self.vline.setPos(point.x())
        self.hline.setPos(point.y())
        self.label.setText(f"x = {point.x():.4g}   y = {point.y():.4g}")


def no_si_prefix(plot: pg.PlotItem) -> None:
    """Plain numbers on the axes: pyqtgraph's automatic SI scaling labels unit-less data
    "x (x0.001)" with ticks -100...600, which reads as nonsense for a tensor's values."""
    for name in ("left", "bottom"):
        plot.getAxis(name).enableAutoSIPrefix(False)


class _PlotTab(QWidget):
    """A pyqtgraph plot with a readout line and an Export button."""

    def __init__(self, title: str, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.widget = pg.PlotWidget(background="w")
        self.plot: pg.PlotItem = self.widget.getPlotItem()
        self.plot.setTitle(title)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        no_si_prefix(self.plot)
        self.readout = QLabel(" ")
        self.readout.setObjectName(object_name + "Readout")
        self.crosshair = Crosshair(self.plot, self.readout)
        export = QPushButton("Export…")
        export.setObjectName(object_name + "Export")
        export.clicked.connect(self._ask_export)
        self.controls = QHBoxLayout()
        bottom = QHBoxLayout()
        bottom.addWidget(self.readout, 1)
        bottom.addWidget(export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(self.controls)
        layout.addWidget(self.widget, 1)
        layout.addLayout(bottom)

    def export(self, path: str) -> None:
        export_plot_item(self.plot, path)

    def _ask_export(self) -> None:
        ask_export(self, self.export, f"{self.objectName()}.png")


class HeatmapView(QWidget):
    """A 2-D tensor as an image with a colour bar; small matrices also show their numbers."""

    MAX_LABELLED_CELLS = 400

    def __init__(self, title: str = "", object_name: str = "heatmap", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.layout_widget = pg.GraphicsLayoutWidget()
        self.layout_widget.setBackground("w")
        self.plot: pg.PlotItem = self.layout_widget.addPlot(title=title)
        self.plot.invertY(True)  # row 0 at the top, like a printed matrix
        self.plot.setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colorbar = pg.ColorBarItem(colorMap=pg.colormap.get("viridis"), interactive=False, width=12)
        self.colorbar.setImageItem(self.image, insert_in=self.plot)
        self._labels: list = []
        self.data: np.ndarray | None = None
        self.readout = QLabel(" ")
        self.readout.setObjectName(object_name + "Readout")
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        export = QPushButton("Export…")
        export.setObjectName(object_name + "Export")
        export.clicked.connect(lambda: ask_export(self, self.export, f"{object_name}.png"))
        bottom = QHBoxLayout()
        bottom.addWidget(self.readout, 1)
        bottom.addWidget(export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.layout_widget, 1)
        layout.addLayout(bottom)

    def set_matrix(self, data, title: str | None = None) -> None:
        """Show ``data`` (a Tensor or array; 1-D becomes a 1xN strip, 0-D a 1x1 image).

        Cell (r, c) covers [c - 0.5, c + 0.5] x [r - 0.5, r + 0.5], so the axes' integer ticks
        sit at cell centres and name the row and column.
        """
        arr = as_array(data)
        if arr is None:
            self.clear()
            return
        if arr.ndim == 0:
            arr = arr.reshape(1, 1)
        elif arr.ndim == 1:
            arr = arr.reshape(1, -1)
        elif arr.ndim > 2:
            arr = arr.reshape(-1, arr.shape[-1])
        if (self.data is not None and arr.shape == self.data.shape and np.array_equal(arr, self.data, equal_nan=True)
                and (title is None or title == self.plot.titleLabel.text)):
            return  # the same picture (a leaf's values do not change while backward steps)
        self.data = arr
        finite = arr[np.isfinite(arr)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        self.image.setImage(np.nan_to_num(arr), autoLevels=False, levels=(lo, hi))
        self.image.setRect(QRectF(-0.5, -0.5, arr.shape[1], arr.shape[0]))
        self.colorbar.setLevels((lo, hi))
        # Only the two ends on the colour bar: a short heatmap has no room for more labels.
        self.colorbar.axis.setTicks([[(lo, f"{lo:.2g}"), (hi, f"{hi:.2g}")], []])
        # Small matrices: one tick per row and column, at the cell centres.
        rows, cols = arr.shape
        self.plot.getAxis("bottom").setTicks([[(c, str(c)) for c in range(cols)]] if cols <= 8 else None)
        self.plot.getAxis("left").setTicks([[(r, str(r)) for r in range(rows)]] if rows <= 8 else None)
        if title is not None:
            self.plot.setTitle(title)
        self._show_numbers(arr)
        self.plot.autoRange()

    def _show_numbers(self, arr: np.ndarray) -> None:
        cells = arr.size if arr.size <= self.MAX_LABELLED_CELLS else 0
        # Reuse the text items a previous matrix left (a Step redraws the same shape): creating and
        # adding pyqtgraph TextItems is what made a heatmap refresh cost ~20 ms per step.
        while len(self._labels) > cells:
            self.plot.removeItem(self._labels.pop())
        while len(self._labels) < cells:
            text = pg.TextItem("", color=(255, 255, 255), anchor=(0.5, 0.5))
            self.plot.addItem(text)
            self._labels.append(text)
        if not cells:
            return
        for text, ((r, c), v) in zip(self._labels, np.ndenumerate(arr)):
            text.setText(f"{v:.3g}")
            text.setPos(c, r)

    def clear(self) -> None:
        self.data = None
        self.image.clear()
        self._show_numbers(np.zeros((0, 0)))

    def _on_mouse(self, pos) -> None:
        if self.data is None or not self.plot.sceneBoundingRect().contains(pos):
            return
        p = self.plot.vb.mapSceneToView(pos)
        r, c = int(np.floor(p.y() + 0.5)), int(np.floor(p.x() + 0.5))
        if 0 <= r < self.data.shape[0] and 0 <= c < self.data.shape[1]:
            self.readout.setText(f"[{r}, {c}] = {self.data[r, c]:.6g}")

    def export(self, path: str) -> None:
        export_plot_item(self.plot, path)


class PlotsPanel(QWidget):
    """The Plots dock: value, gradient, histogram and heatmap tabs for the script's tensors.

    The main window feeds it with :meth:`set_tensors` after each run, :meth:`select` when the user
    picks a node or tensor, and :meth:`attach_stepper` so the gradient plot follows backward.
    """

    def __init__(self, workspace=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plotsPanel")
        self.workspace = workspace
        self.tensors: dict = {}
        self._value_choices: dict = {}
        self.selected: object = None
        self.selected_name: str = ""
        self.gradient_tensor: object = None
        self.gradient_name: str = ""
        self._stepper = None

        self.tabs = QTabWidget()
        self.tabs.setObjectName("plotTabs")

        # Value plot: y against x.
        self.value_tab = _PlotTab("value", "valuePlot")
        self.x_combo = QComboBox()
        self.x_combo.setObjectName("valueX")
        self.y_combo = QComboBox()
        self.y_combo.setObjectName("valueY")
        for label, combo in (("x:", self.x_combo), ("y:", self.y_combo)):
            self.value_tab.controls.addWidget(QLabel(label))
            self.value_tab.controls.addWidget(combo, 1)
            combo.currentTextChanged.connect(self._on_value_choice)
        self.value_curve = self.value_tab.plot.plot([], [], pen=pg.mkPen((31, 119, 180), width=2), symbol="o", symbolSize=4)
        self.tabs.addTab(self.value_tab, "Values")

        # Gradient plot: a against a.grad.
        self.grad_tab = _PlotTab("gradient", "gradientPlot")
        self.grad_combo = QComboBox()
        self.grad_combo.setObjectName("gradientOf")
        self.grad_combo.currentTextChanged.connect(self._on_grad_choice)
        self.grad_tab.controls.addWidget(QLabel("tensor:"))
        self.grad_tab.controls.addWidget(self.grad_combo, 1)
        self.grad_curve = self.grad_tab.plot.plot([], [], pen=pg.mkPen((214, 39, 40), width=2), symbol="o", symbolSize=4)
        self.tabs.addTab(self.grad_tab, "Gradient")

        # Histogram of values or grads of the selected tensor.
        self.hist_tab = _PlotTab("histogram", "histogramPlot")
        self.hist_source = QComboBox()
        self.hist_source.setObjectName("histogramSource")
        self.hist_source.addItems(["values", "gradients"])
        self.hist_source.currentTextChanged.connect(lambda _t: self.refresh_selected())
        self.hist_tab.controls.addWidget(QLabel("of:"))
        self.hist_tab.controls.addWidget(self.hist_source, 1)
        self.hist_item = pg.BarGraphItem(x0=[], x1=[], height=[], brush=(31, 119, 180, 160))
        self.hist_tab.plot.addItem(self.hist_item)
        self.hist_counts: np.ndarray = np.zeros(0)
        self.tabs.addTab(self.hist_tab, "Histogram")

        # Heatmaps of a 2-D tensor and its grad.
        heat = QWidget()
        heat.setObjectName("heatmapTab")
        heat_layout = QHBoxLayout(heat)
        heat_layout.setContentsMargins(0, 0, 0, 0)
        self.value_heatmap = HeatmapView("values", "valueHeatmap")
        self.grad_heatmap = HeatmapView("grad", "gradHeatmap")
        heat_layout.addWidget(self.value_heatmap)
        heat_layout.addWidget(self.grad_heatmap)
        self.tabs.addTab(heat, "Heatmap")

        self.info = QLabel(" ")
        self.info.setObjectName("plotsInfo")
        self.info.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.info)
        if workspace is not None:
            on_gui_thread(workspace.run_finished, self._on_run_finished, self)
            on_gui_thread(workspace.graph_changed, self._on_graph_changed, self)
            on_gui_thread(workspace.selection_changed, self._on_selection_changed, self)
            on_gui_thread(workspace.stepped, self._on_stepped, self)
            on_gui_thread(workspace.continue_ended, lambda: self._on_stepped(workspace.backward), self)
            self.catch_up()

    # ---- the workspace's news (the app) -------------------------------------------------------
    def _on_run_finished(self, result) -> None:
        """The run's 1-D tensor variables, read from the kernel when a plot needs them."""
        ws = self.workspace
        self.set_tensors({t.name: KernelTensor(ws, f"var:{t.name}", t.requires_grad, t.grad_fn)
                          for t in result.tensors if len(t.shape) == 1})

    def catch_up(self) -> None:
        """Show what the workspace holds now. The window builds this panel when its dock is first
        shown (backward_tools.py), which may be after runs, steps and selections it did not hear."""
        ws = self.workspace
        if ws is None or ws.result is None:
            return
        self._on_run_finished(ws.result)
        if ws.drawn is not None:
            self._follow_first_leaf(ws.drawn)
        if ws.selected is not None:
            self._on_selection_changed(ws.selected)
        self._on_stepped(ws.backward)

    def _on_graph_changed(self, drawn) -> None:
        """A new root: the gradient plot follows the first named leaf of its graph (the tutorial's a)."""
        if drawn is None or not drawn.new_root:
            return
        self._follow_first_leaf(drawn)

    def _follow_first_leaf(self, drawn) -> None:
        leaves = {d.get("name") for _, d in drawn.replica.graph.nodes(data=True) if d.get("kind") == "tensor"}
        for name, t in self.tensors.items():
            if name in leaves and t._requires_grad and t.grad_fn is None:
                self.set_gradient_tensor(t, name)
                _set_text_quietly(self.grad_combo, name)
                break

    def _on_selection_changed(self, node_id) -> None:
        ws = self.workspace
        data = ws.node_data(node_id) if node_id is not None else None
        if not data:
            return
        name = data.get("variable") or data.get("name", "")
        if data.get("kind") in ("tensor", "constant"):
            tensor = self.tensors.get(name) or KernelTensor(ws, f"node:{node_id}", True, None)
        elif data.get("variable"):
            tensor = self.tensors.get(name) or KernelTensor(ws, f"var:{name}", True, data.get("name"))
        else:
            return
        self.select(tensor, name)

    def _on_stepped(self, backward) -> None:
        # The values come from the kernel: not while a Continue keeps it busy (the plots catch up
        # when it ends: continue_ended).
        if backward is None or self.workspace.continuing:
            return
        self.refresh_gradient()
        self.refresh_selected()

    # ---- feeding -----------------------------------------------------------------------------
    # The Values tab has one source of truth: the x and y combos. Every way of changing the plot
    # (a run, a selected node, a combo, set_value_arrays) sets the combos first and then redraws
    # from them in _replot_values, so the selectors never name one tensor while another is drawn.

    def set_tensors(self, tensors: dict, x_default: str | None = None, y_default: str | None = None) -> None:
        """The tensors the combos offer (a run's variables); 1-D ones for the line plots."""
        self.tensors = dict(tensors)
        one_d = [k for k, t in self.tensors.items() if _is_tensor(t) and t._data.ndim == 1]
        grads = [k for k in one_d if self.tensors[k]._requires_grad and self.tensors[k].grad_fn is None]
        # name -> tensor for the value combos; selections without a variable name are added later.
        self._value_choices: dict = {k: self.tensors[k] for k in one_d}
        for combo, items in ((self.x_combo, one_d), (self.y_combo, one_d), (self.grad_combo, grads)):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            combo.blockSignals(False)
        if x_default is None and grads:
            x_default = grads[0]
        if x_default in one_d:
            _set_text_quietly(self.x_combo, x_default)
        if y_default in one_d:
            _set_text_quietly(self.y_combo, y_default)
        elif len(one_d) > 1:
            _set_text_quietly(self.y_combo, one_d[-1])
        if grads:
            _set_text_quietly(self.grad_combo, x_default if x_default in grads else grads[0])
        self._replot_values()
        self._on_grad_choice()

    def select(self, obj, name: str = "") -> None:
        """The user selected a node or tensor: plot its output against x, histogram and heatmap it."""
        tensor = obj if _is_tensor(obj) else self._output_of(obj)
        self.selected = tensor
        self.selected_name = name or (obj.name() if hasattr(obj, "name") else "")
        if tensor is not None and tensor._data.ndim == 1:
            x_name = self.x_combo.currentText()
            x = self._value_choices.get(x_name)
            if x is not None and x._data.shape == tensor._data.shape:
                _set_text_quietly(self.y_combo, self._value_label(tensor, self.selected_name))
                self._replot_values()
            else:
                # The plot (and the combos with it) stay as they were; say why nothing changed.
                x_len = f"{x._data.shape[0]} numbers" if x is not None else "no tensor"
                self.info.setText(
                    f"{self.selected_name} has {tensor._data.shape[0]} numbers and x ({x_name or '—'}) has "
                    f"{x_len}: the value plot is unchanged"
                )
        self.refresh_selected()

    def _value_label(self, tensor: object, name: str) -> str:
        """The combo entry for ``tensor``: its variable name, else a new entry named after the selection."""
        if self._value_choices.get(name) is tensor:
            return name
        for label, t in self._value_choices.items():
            if t is tensor:
                return label
        # A tensor without a variable (e.g. a module's bias reached through its AccumulateGrad).
        label = name or "selection"
        if label in self._value_choices:
            label = f"{label} (selected)"
        number = 2
        base = label
        while label in self._value_choices:
            label = f"{base} {number}"
            number += 1
        self._value_choices[label] = tensor
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.addItem(label)
            combo.blockSignals(False)
        return label

    def _output_of(self, node) -> object:
        """The tensor a grad_fn node belongs to, found among the known tensors."""
        for t in self.tensors.values():
            if _is_tensor(t) and t.grad_fn is node:
                return t
        var = getattr(node, "variable", None)
        return var if _is_tensor(var) else None

    def set_value_arrays(self, x: object, y: object, x_name: str = "x", y_name: str = "y") -> None:
        """Plot y against x (like ``plt.plot(x.detach(), y.detach())``); the combos show them."""
        _set_text_quietly(self.x_combo, self._value_label(x, x_name))
        _set_text_quietly(self.y_combo, self._value_label(y, y_name))
        self._replot_values()

    def _replot_values(self) -> None:
        """Draw the tensors the x and y combos name, or nothing (with the reason) when they cannot pair."""
        plot = self.value_tab.plot
        x_name, y_name = self.x_combo.currentText(), self.y_combo.currentText()
        xs = as_array(self._value_choices.get(x_name))
        ys = as_array(self._value_choices.get(y_name))
        if xs is None or ys is None or xs.shape != ys.shape or xs.ndim != 1:
            self.value_curve.setData([], [])
            plot.setLabel("bottom", "")
            plot.setLabel("left", "")
            plot.setTitle("value")
            self.info.setText("the value plot needs two 1-D tensors of the same length" if self.tensors else " ")
            return
        self.value_curve.setData(xs, ys)
        plot.setLabel("bottom", x_name)
        plot.setLabel("left", y_name)
        plot.setTitle(f"{y_name} against {x_name}")
        self.info.setText(" ")

    def _on_value_choice(self, _text: str = "") -> None:
        self._replot_values()

    def _on_grad_choice(self, _text: str = "") -> None:
        name = self.grad_combo.currentText()
        self.gradient_tensor = self.tensors.get(name)
        self.gradient_name = name
        self.refresh_gradient()

    def set_gradient_tensor(self, tensor: object, name: str = "a") -> None:
        self.gradient_tensor = tensor
        self.gradient_name = name
        self.refresh_gradient()

    # ---- following backward ------------------------------------------------------------------
    def attach_stepper(self, stepper) -> None:
        """Refresh the gradient plot (and the selection) whenever the stepper moves."""
        if self._stepper is not None:
            for sig in (self._stepper.stepped, self._stepper.stepped_back, self._stepper.reset_done):
                try:
                    sig.disconnect(self._on_stepper_moved)
                except Exception:  # never connected; nothing to undo
                    pass
        self._stepper = stepper
        if stepper is not None:
            stepper.stepped.connect(self._on_stepper_moved)
            stepper.stepped_back.connect(self._on_stepper_moved)
            stepper.reset_done.connect(self._on_stepper_moved)
        self.refresh_gradient()

    def _on_stepper_moved(self, *_args) -> None:
        # Cheap: only a leaf write changes what these plots show.
        step = self._stepper.current_step if self._stepper is not None else None
        if _args and hasattr(_args[0], "leaf") and _args[0].leaf is None and step is not None:
            return
        self.refresh_gradient()
        self.refresh_selected()

    def refresh_gradient(self) -> None:
        t = self.gradient_tensor
        plot = self.grad_tab.plot
        if t is None:
            self.grad_curve.setData([], [])
            return
        name = self.gradient_name
        plot.setLabel("bottom", name)
        plot.setLabel("left", f"{name}.grad")
        g = t._grad
        if g is None or t._data.ndim != 1:
            self.grad_curve.setData([], [])
            plot.setTitle(f"{name}.grad is None" if g is None else f"{name} is not 1-D")
            return
        self.grad_curve.setData(as_array(t), as_array(g))
        plot.setTitle(f"{name}.grad against {name}")

    def refresh_selected(self) -> None:
        t = self.selected
        if t is None:
            return
        g = t._grad
        source = t if self.hist_source.currentText() == "values" else g
        self._set_histogram(as_array(source) if source is not None else None)
        ndim = t._data.ndim
        if ndim == 0:
            # Nothing to map: say so instead of leaving the previous tensor's picture.
            for view in (self.value_heatmap, self.grad_heatmap):
                view.clear()
            self.value_heatmap.plot.setTitle(f"{self.selected_name} is a single number: no heatmap")
            self.grad_heatmap.plot.setTitle("")
            return
        shape = "x".join(str(n) for n in t._data.shape)
        # 1-D: a 1xN strip; more than 2-D: rows of the last dimension.
        note = {1: f" (1x{shape} strip)", 2: ""}.get(ndim, f" ({shape} as rows of the last dim)")
        self.value_heatmap.set_matrix(t, f"{self.selected_name}{note}")
        if g is not None:
            self.grad_heatmap.set_matrix(g, f"{self.selected_name}.grad")
        else:
            self.grad_heatmap.clear()
            self.grad_heatmap.plot.setTitle(f"{self.selected_name}.grad is None")

    def _set_histogram(self, arr: np.ndarray | None, bins: int = 30) -> None:
        if arr is None or arr.size == 0:
            self.hist_item.setOpts(x0=[], x1=[], height=[])
            self.hist_counts = np.zeros(0)
            return
        finite = arr[np.isfinite(arr)].ravel()
        counts, edges = np.histogram(finite, bins=bins if finite.size else 1)
        self.hist_counts = counts
        self.hist_item.setOpts(x0=edges[:-1], x1=edges[1:], height=counts)
        self.hist_tab.plot.setTitle(f"{self.hist_source.currentText()} of {self.selected_name} ({arr.size} numbers)")
        self.hist_tab.plot.autoRange()
