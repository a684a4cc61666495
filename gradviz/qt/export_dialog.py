"""File → Export: write the graph on screen as PNG, SVG, PDF, Graphviz DOT or gradviz JSON.

The export goes through ``gradviz export``'s pipeline (:mod:`gradviz.export_job`): the kernel sends
the graph document as of now (backward's steps included), the picture is a scene built from the
workspace's graph replica, its drawn graph and positions and the backward state, and the file is
written next to its destination and renamed into place (:func:`gradviz.export_job.write_atomically`)
-- a failed export leaves neither a half-written file nor a damaged earlier one. The dialog reads
the workspace, nothing of the window.

:class:`ExportDialog` can be driven without a modal loop: :meth:`ExportDialog.export_to` does
what the Export button does.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRectF, QStandardPaths, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

# Format key -> (menu text, file-dialog filter).
FORMATS: dict[str, tuple[str, str]] = {
    "png": ("PNG image", "PNG image (*.png)"),
    "svg": ("SVG drawing", "SVG drawing (*.svg)"),
    "pdf": ("PDF document", "PDF document (*.pdf)"),
    "dot": ("Graphviz DOT", "Graphviz DOT (*.dot)"),
    "json": ("gradviz JSON", "gradviz graph JSON (*.json)"),
}
IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("dot", "json")
MIN_SCALE, MAX_SCALE = 0.5, 8.0
DEFAULT_SCALE = 2.0
SETTINGS_GROUP = "export"


class NothingToExport(Exception):
    """The window shows no graph yet."""


def export_graph(workspace, path: str | os.PathLike, fmt: str, *, scale: float = 1.0,
                 transparent: bool = False, rect: QRectF | None = None, theme: str = "light") -> str:
    """Write the workspace's graph to ``path`` in ``fmt``; returns a short description.

    ``scale`` and ``transparent`` apply to images (``scale`` to PNG only: SVG and PDF are vector
    drawings at one point per scene unit); ``rect`` limits an image to that scene rectangle (the
    view's visible region). Raises :class:`NothingToExport`, ValueError (bad format/scale),
    :class:`~gradviz.export_job.ExportFailed` (cannot write) or a kernel error.
    """
    from types import SimpleNamespace

    from gradviz.export_job import ExportBuild, write_atomically, write_build
    from gradviz.kernel.replica import GraphReplica

    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    drawn = workspace.drawn
    if drawn is None:
        raise NothingToExport("there is no graph to export yet: run a script first")
    path = Path(path)
    if not path.parent.is_dir():
        raise OSError(f"the folder does not exist: {path.parent}")
    if fmt in IMAGE_FORMATS and not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(f"the scale must be between {MIN_SCALE:g} and {MAX_SCALE:g}, got {scale:g}")
    # The document as of now: the steps backward has run so far (what `--steps N` writes).
    replica = GraphReplica(workspace.current_graph_answer())
    backward = workspace.backward
    build = ExportBuild(replica, drawn.positions, backward.snapshot if backward is not None else None,
                        workspace.root or "", display=drawn.display)
    request = SimpleNamespace(fmt=fmt, scale=scale if fmt == "png" else 1.0, theme=theme,
                              transparent=transparent, rect=rect, fold=False)
    size = write_atomically(path, fmt, lambda tmp: write_build(request, build, tmp))
    count = replica.graph.number_of_nodes()
    if fmt == "json":
        return f"{count} nodes, {len(replica.document.get('steps') or [])} backward steps"
    if fmt == "dot":
        return f"{count} nodes"
    return size.lstrip(", ").replace("x", "×")


def visible_rect(view) -> QRectF:
    """The scene rectangle the graph view shows right now."""
    return view.mapToScene(view.viewport().rect()).boundingRect()


# ---- the dialog ---------------------------------------------------------------------------------
class ExportDialog(QDialog):
    """Choose a format, scale, background, region and file, then export (objectName ``exportDialog``).

    The Export button calls :meth:`export_to` with the widgets' values; tests call it directly.
    Choices are remembered in ``settings`` (group ``export``). ``view``: the graph view whose
    visible region "Visible region" exports; ``theme``: the theme name the picture is drawn in.
    ``exported(message)`` fires after a successful export.
    """

    exported = Signal(str)

    def __init__(self, workspace, view=None, settings=None, theme: str = "light", fmt: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent if parent is not None else view)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export graph")
        self.workspace = workspace
        self.view = view
        self.theme = theme
        self.settings = settings
        self.last_error: str | None = None
        self.last_path: Path | None = None
        self._build()
        self._restore(fmt)

    # ---- construction ------------------------------------------------------------------------
    def _build(self) -> None:
        self.format_box = QComboBox(self)
        self.format_box.setObjectName("exportFormat")
        for key, (text, _filter) in FORMATS.items():
            self.format_box.addItem(f"{text} (.{key})", key)

        self.scale_box = QDoubleSpinBox(self)
        self.scale_box.setObjectName("exportScale")
        self.scale_box.setRange(MIN_SCALE, MAX_SCALE)
        self.scale_box.setSingleStep(0.5)
        self.scale_box.setDecimals(2)
        self.scale_box.setSuffix(" ×")
        self.scale_box.setToolTip("Pixels per scene unit of the PNG (SVG and PDF are vector drawings)")

        self.transparent_box = QCheckBox("Transparent background", self)
        self.transparent_box.setObjectName("exportTransparent")
        self.transparent_box.setToolTip("Off: the theme's canvas colour fills the background")

        self.whole_button = QRadioButton("Whole graph", self)
        self.whole_button.setObjectName("exportWholeGraph")
        self.visible_button = QRadioButton("Visible region of the view", self)
        self.visible_button.setObjectName("exportVisibleOnly")
        self.region_group = QButtonGroup(self)
        self.region_group.addButton(self.whole_button)
        self.region_group.addButton(self.visible_button)
        self.whole_button.setChecked(True)
        region = QHBoxLayout()
        region.addWidget(self.whole_button)
        region.addWidget(self.visible_button)
        region.addStretch(1)

        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("exportPath")
        self.path_edit.setMinimumWidth(360)
        browse = QPushButton("Browse…", self)
        browse.setObjectName("exportBrowse")
        browse.clicked.connect(self.browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)

        self.note = QLabel(self)
        self.note.setObjectName("exportNote")
        self.note.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Format:", self.format_box)
        form.addRow("Scale:", self.scale_box)
        form.addRow("Background:", self.transparent_box)
        form.addRow("Region:", region)
        form.addRow("File:", file_row)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self.format_box.currentIndexChanged.connect(self._on_format_changed)
        self.path_edit.textChanged.connect(self._update_enabled)

    def _setting(self, key: str, default):
        if self.settings is None:
            return default
        return self.settings.value(f"{SETTINGS_GROUP}/{key}", default)

    def _restore(self, fmt: str | None) -> None:
        fmt = fmt or str(self._setting("format", "png"))
        self.format_box.setCurrentIndex(max(0, list(FORMATS).index(fmt) if fmt in FORMATS else 0))
        try:
            self.scale_box.setValue(float(self._setting("scale", DEFAULT_SCALE)))
        except (TypeError, ValueError):
            self.scale_box.setValue(DEFAULT_SCALE)
        self.transparent_box.setChecked(str(self._setting("transparent", "false")).lower() == "true")
        self.path_edit.setText(str(self._suggested_path(self.format())))
        self._on_format_changed()

    def _suggested_path(self, fmt: str) -> Path:
        # The folder of the last export, else Pictures, else home: the first that exists.
        candidates = (str(self._setting("folder", "") or ""),
                      QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation),
                      str(Path.home()))
        folder = next((c for c in candidates if c and Path(c).is_dir()), str(Path.cwd()))
        current = self.workspace.file
        root = self.workspace.root
        stem = Path(current).stem if current else "graph"
        if root:
            stem = f"{stem}-{root}"
        return Path(str(folder)) / f"{stem}.{fmt}"

    # ---- reading the widgets -----------------------------------------------------------------
    def format(self) -> str:
        return str(self.format_box.currentData())

    def path(self) -> str:
        return self.path_edit.text().strip()

    def _on_format_changed(self, *_args) -> None:
        fmt = self.format()
        image = fmt in IMAGE_FORMATS
        self.scale_box.setEnabled(fmt == "png")
        self.transparent_box.setEnabled(image)
        self.whole_button.setEnabled(image)
        self.visible_button.setEnabled(image)
        # Keep the file name's extension in step with the format.
        text = self.path()
        if text:
            current = Path(text)
            if current.suffix.lstrip(".").lower() in FORMATS or not current.suffix:
                self.path_edit.setText(str(current.with_suffix("." + fmt)))
        self._update_enabled()

    def _update_enabled(self, *_args) -> None:
        has_graph = self.workspace.drawn is not None
        self.export_button.setEnabled(has_graph and bool(self.path()))
        self.note.setText(self._describe_state() if has_graph else "Run a script first: there is no graph yet.")

    def _describe_state(self) -> str:
        """What the export will carry of backward: highlights for images, the step log for JSON."""
        backward = self.workspace.backward
        steps = backward.position + 1 if backward is not None else 0
        fmt = self.format()
        if fmt == "dot":
            return "DOT holds the graph's structure and layout (no backward state)."
        if steps <= 0:
            return "Backward has not been stepped: the graph is exported as drawn."
        counted = "1 backward step" if steps == 1 else f"{steps} backward steps"
        if fmt == "json":
            return f"Includes the {counted} run so far and the leaves' gradients as of now."
        return f"Includes the backward state after {counted}: node highlights and edge gradients."

    def browse(self) -> None:
        fmt = self.format()
        filters = ";;".join(f for _t, f in FORMATS.values())
        path, chosen = QFileDialog.getSaveFileName(self, "Export graph", self.path(), filters, FORMATS[fmt][1])
        if not path:
            return
        suffix = Path(path).suffix.lstrip(".").lower()
        if suffix not in FORMATS:
            # The chosen filter names the format when the typed name has no known extension.
            suffix = next((k for k, (_t, f) in FORMATS.items() if f == chosen), fmt)
            path = f"{path}.{suffix}"
        self.format_box.setCurrentIndex(list(FORMATS).index(suffix))
        self.path_edit.setText(path)

    # ---- exporting ---------------------------------------------------------------------------
    def export_to(self, path: str | os.PathLike, fmt: str | None = None, scale: float | None = None,
                  transparent: bool | None = None, visible_only: bool | None = None) -> Path | None:
        """Export to ``path``; unspecified options come from the widgets. Returns the path, or None.

        A failure is shown in a message box (and kept in :attr:`last_error`); nothing is written then.
        """
        fmt = (fmt or Path(path).suffix.lstrip(".") or self.format()).lower()
        scale = self.scale_box.value() if scale is None else scale
        transparent = self.transparent_box.isChecked() if transparent is None else transparent
        visible_only = self.visible_button.isChecked() if visible_only is None else visible_only
        target = Path(path).expanduser()
        self.last_error = None
        try:
            rect = visible_rect(self.view) if visible_only and self.view is not None else None
            summary = export_graph(self.workspace, target, fmt, scale=scale, transparent=transparent,
                                   rect=rect, theme=self.theme)
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the user sees it; nothing was written
            self.last_error = str(exc) if isinstance(exc, NothingToExport) else f"{type(exc).__name__}: {exc}"
            QMessageBox.warning(self, "Export failed", f"Could not export to {target}:\n{self.last_error}")
            return None
        self.last_path = target
        self._remember(target, fmt, scale, transparent)
        self.exported.emit(f"Exported {target.name} ({summary})")
        return target

    def _remember(self, path: Path, fmt: str, scale: float, transparent: bool) -> None:
        if self.settings is None:
            return
        for key, value in (("format", fmt), ("scale", scale), ("transparent", "true" if transparent else "false"),
                           ("folder", str(path.parent))):
            self.settings.setValue(f"{SETTINGS_GROUP}/{key}", value)

    def accept(self) -> None:
        """The Export button: export with the chosen options; the dialog stays open after a failure."""
        if not self.path():
            return
        if self.export_to(self.path(), self.format()) is not None:
            super().accept()


# ---- the window's actions -----------------------------------------------------------------------
def open_export_dialog(window, workspace, fmt: str | None = None) -> ExportDialog:
    """Show the export dialog window-modally without blocking (returned so tests can drive it).

    ``window`` composes: it hands the dialog the workspace, its graph view, settings and theme, and
    shows the dialog's ``exported`` message in its status bar."""
    dialog = ExportDialog(workspace, window.view, window.settings, window.theme_name, fmt, parent=window)
    dialog.exported.connect(window.status_label.setText)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def install_export_actions(window, workspace) -> dict[str, QAction]:
    """Add File → "Export graph…" (``actionExportImage``, Ctrl+E) and "Export data…"
    (``actionExportData``, DOT/JSON) above Quit in the window's File menu."""
    image = QAction("Export graph…", window)
    image.setObjectName("actionExportImage")
    image.setShortcut(QKeySequence("Ctrl+E"))
    image.setStatusTip("Export the graph as PNG, SVG, PDF, DOT or JSON, with the backward state (Ctrl+E)")
    image.triggered.connect(lambda: open_export_dialog(window, workspace))
    data = QAction("Export data (DOT/JSON)…", window)
    data.setObjectName("actionExportData")
    data.setStatusTip("Export the graph as Graphviz DOT or gradviz JSON (with the backward steps)")
    data.triggered.connect(lambda: open_export_dialog(window, workspace, "json"))
    file_menu = window.menus["File"]
    quit_action = getattr(window, "action_quit", None)
    if quit_action is not None and quit_action in file_menu.actions():
        file_menu.insertActions(quit_action, [image, data])
        file_menu.insertSeparator(quit_action)
    else:
        file_menu.addActions([image, data])
    for action in (image, data):
        window.addAction(action)
    return {"actionExportImage": image, "actionExportData": data}
