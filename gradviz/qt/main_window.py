"""The main window: editor, graph view, docks, menus; runs scripts and lays out their graphs.

Other panels plug in through :meth:`MainWindow.add_dock` and the ``menus`` dict
("File", "Edit", "View", "Run", "Backward", "Tools", "Examples", "Help"), and react to
``graph_changed(scene)`` (a new GraphScene is on screen) and ``run_finished(result)``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QSettings, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolBar,
    QWidget,
)

from gradviz.model import workspace_graph
from gradviz.model.layout import LAYOUTS
from gradviz.model.layout_warmup import wait_for_warm_up, warm_up_in_background
from gradviz.model.workspace import Workspace

from .backend_selector import install_backend_selector
from .backward_tools import install_backward_tools
from .code_editor import CodeEditor
from .compare_panel import install_compare
from .export_dialog import install_export_actions
from .graph_scene import GraphScene
from .graph_view import GraphView
from .grouping_actions import GroupingActions, remembered_choices
from .inspector import Inspector
from .menus import install_conventions
from .relay import on_gui_thread
from .theme import apply_palette, get_theme
from .variables_panel import VariablesPanel

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "resources" / "examples"
# The editor text is autosaved this long after the last keystroke (debounced: typing never waits
# on the disk, and a crash loses at most the last second).
AUTOSAVE_DELAY_MS = 800
# Each running window autosaves to its own slot (autosave.py, autosave-1.py, ...), held by a lock
# file, so two copies of the app never load or overwrite each other's text.
MAX_AUTOSAVE_SLOTS = 32
# On first launch the window takes this share of the screen's available width and height.
DEFAULT_SCREEN_FRACTION = 0.92
# Default proportions: the editor's share of the editor+graph width, the bottom docks' share of
# the window height, the right-hand docks' width as a share of the window width.
EDITOR_SHARE = 0.46
BOTTOM_SHARE = 0.24
RIGHT_SHARE = 0.24
MAX_RECENT = 8
FAILED_RUN_NOTICE = "This run failed; the graph is from the last run that finished."
# The output panel keeps the last this many lines (a print loop must not eat the memory).
MAX_OUTPUT_LINES = 20000


class MainWindow(QMainWindow):
    """The gradviz window: composes the Workspace (all state) and the panels that show it.

    ``settings`` and ``autosave_path`` default to the user's locations; ``workspace`` defaults to a
    new :class:`~gradviz.model.workspace.Workspace` (its kernel runs the scripts; this process never
    executes user code). ``graph_changed(scene)`` fires when a new GraphScene is on screen.
    """

    graph_changed = Signal(object)   # the new GraphScene

    def __init__(self, settings: QSettings | None = None, autosave_path: str | os.PathLike | None = None,
                 parent: QWidget | None = None, workspace: Workspace | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        # The first layout would otherwise import scipy.optimize (over a second): do it now, on a
        # thread, while the kernel starts and the script runs (gradviz/model/layout_warmup.py).
        warm_up_in_background()
        self.settings = settings if settings is not None else QSettings("gradviz", "gradviz")
        if autosave_path is None:
            base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
            autosave_path = Path(base or Path.home() / ".gradviz") / "autosave.py"
        # autosave_path names slot 0; this window uses the first slot no running window holds.
        self._autosave_lock: QLockFile | None = None
        self.autosave_path = self._claim_autosave_slot(Path(autosave_path))
        self.restored_autosave: Path | None = None
        self.workspace = workspace if workspace is not None else Workspace()
        # Fold repeats / compact parameters as the user last left them (grouping_actions.py).
        fold_repeats, compact_params = remembered_choices(self.settings)
        self.workspace.set_grouping_options(fold_repeats, compact_params)
        # The text as last opened or saved: the editor is "modified" when its text differs.
        self._baseline_text = ""
        self._modified = False
        self._ask_on_close = False
        self._shut_down = False
        self.theme_name = str(self.settings.value("theme", "light"))
        self.scene: GraphScene | None = None
        self._drawn_shown = None  # the workspace's DrawnGraph the scene shows (None: nothing)
        self._centre_after_layout = None  # a node a breakpoint revealed, centred once it is drawn
        self._awaiting_outcome = False
        self._match_index = -1
        self.menus: dict[str, object] = {}
        self.docks: dict[str, QDockWidget] = {}

        self._build_widgets()
        self._build_actions()
        self._build_menus_and_toolbar()
        # File → Export graph… / Export data… (export_dialog.py).
        self.export_actions = install_export_actions(self, self.workspace)
        self._connect()
        # Backward stepper, plots, training, profiler and Jacobian docks (backward_tools.py).
        self.backward_tools = install_backward_tools(self, self.workspace)
        # Toolbar backend combo; Run → Run under both and its Compare dock (issue 12).
        self.backend_selector = install_backend_selector(self)
        self.compare_panel = install_compare(self, self.backend_selector)
        # Icons, standard shortcuts, Edit / Tools / Help → Keyboard shortcuts (menus.py).
        install_conventions(self)
        self._arrange_docks()
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setSingleShot(True)
        self._autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self._autosave_timer.timeout.connect(self.autosave)
        self._restore_settings()
        self._update_title()
        self.apply_theme(self.theme_name)
        self._update_running(False)

    # ---- construction --------------------------------------------------------------------------
    def _build_widgets(self) -> None:
        self.editor = CodeEditor(self)
        self.view = GraphView(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.setObjectName("centralSplitter")
        splitter.addWidget(self.editor)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([480, 820])
        self.setCentralWidget(splitter)
        self.splitter = splitter

        self.inspector = Inspector(self.workspace, self)
        self.variables = VariablesPanel(self.workspace, self)
        self.root_selector = self.variables.root_selector
        self.output_panel = QPlainTextEdit(self)
        self.output_panel.setObjectName("outputPanel")
        self.output_panel.setReadOnly(True)
        self.output_panel.setMaximumBlockCount(MAX_OUTPUT_LINES + 1)
        self.error_panel = QPlainTextEdit(self)
        self.error_panel.setObjectName("errorPanel")
        self.error_panel.setReadOnly(True)
        mono = self.editor.font()
        self.output_panel.setFont(mono)
        self.error_panel.setFont(mono)
        self.add_dock(self.inspector, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea)
        self.add_dock(self.variables, "Variables", Qt.DockWidgetArea.RightDockWidgetArea)
        self.add_dock(self.output_panel, "Output", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.add_dock(self.error_panel, "Errors", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.docks["Output"], self.docks["Errors"])
        self.docks["Output"].raise_()
        self.resizeDocks([self.docks["Inspector"]], [360], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Output"]], [170], Qt.Orientation.Vertical)

        self.status_label = QLabel("Ready", self)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("layoutProgress")
        self.progress.setRange(0, 100)
        self.progress.setFormat("%p%")
        self.progress.setFixedWidth(120)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelLayout")
        self.cancel_button.clicked.connect(self.cancel_layout)
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()

    def _arrange_docks(self) -> None:
        """Default dock layout: inspector on top right, variables and backward tabbed below it."""
        right = [self.docks[t] for t in ("Variables", "Backward") if t in self.docks]
        for other in right[1:]:
            self.tabifyDockWidget(right[0], other)
        self.docks["Variables"].raise_()
        # The right-hand docks run the full height; the output/plots docks sit under editor and graph.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock_sizes_pending = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not getattr(self, "_fitted_to_screen", False):
            self._fitted_to_screen = True
            QTimer.singleShot(0, self.fit_to_screen)
        # Dock sizes only take once the window has its real size; user-restored state wins.
        if getattr(self, "_dock_sizes_pending", False) and self.settings.value("windowState") is None:
            self._dock_sizes_pending = False
            QTimer.singleShot(0, self._size_docks)

    def _size_docks(self) -> None:
        height = max(self.height(), 600)
        width = max(self.width(), 900)
        self.resizeDocks([self.docks["Inspector"], self.docks["Variables"]],
                         [int(height * 0.45), int(height * 0.55)], Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["Inspector"]], [max(360, int(width * RIGHT_SHARE))], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["Output"]], [int(height * BOTTOM_SHARE)], Qt.Orientation.Vertical)
        if getattr(self, "_splitter_pending", True):
            # The editor gets room for ~80 columns; the graph keeps the larger share.
            total = sum(self.splitter.sizes()) or self.splitter.width()
            editor = int(total * EDITOR_SHARE)
            self.splitter.setSizes([editor, total - editor])

    def _action(self, name: str, text: str, shortcut=None, slot=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        if slot is not None:
            action.triggered.connect(slot)
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        K = QKeySequence
        self.action_run = self._action("actionRun", "Run", [K("Ctrl+Return"), K("Ctrl+Enter")], self.run,
                                       "Run the script and draw its graph (Ctrl+Enter)")
        self.action_stop = self._action("actionStop", "Stop", None, self.stop, "Stop the running script")
        self.action_fit = self._action("actionFit", "Fit", None, self.view.fit, "Fit the graph in the view (F)")
        # F alone would steal typing in the editor: it fits only when the graph view has focus.
        fit_key = QAction(self.view)
        fit_key.setShortcut(K("F"))
        fit_key.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        fit_key.triggered.connect(self.view.fit)
        self.view.addAction(fit_key)
        self.action_find = self._action("actionFind", "Find node…", K.StandardKey.Find, self.focus_find,
                                        "Find nodes by name (Ctrl+F)")
        self.action_zoom_in = self._action("actionZoomIn", "Zoom in", [K("Ctrl+="), K("Ctrl++")], self.view.zoom_in)
        self.action_zoom_out = self._action("actionZoomOut", "Zoom out", K("Ctrl+-"), self.view.zoom_out)
        self.action_open = self._action("actionOpen", "Open…", K.StandardKey.Open, self.open_dialog)
        self.action_save = self._action("actionSave", "Save", K.StandardKey.Save, self.save)
        self.action_save_as = self._action("actionSaveAs", "Save as…", K("Ctrl+Shift+S"), self.save_as)
        self.action_new = self._action("actionNew", "New", K.StandardKey.New, self.new_file)
        self.action_quit = self._action("actionQuit", "Quit", K.StandardKey.Quit, self.quit)
        self.action_dark = self._action("actionDarkTheme", "Dark theme", None, None)
        self.action_dark.setCheckable(True)
        self.action_dark.toggled.connect(lambda on: self.apply_theme("dark" if on else "light"))
        self.action_expand_all = self._action("actionExpandAll", "Expand all modules", None, self.expand_all)
        self.action_collapse_all = self._action("actionCollapseAll", "Collapse all modules", None, self.collapse_all)
        self.grouping_actions = GroupingActions(self)

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        for title in ("File", "Edit", "View", "Run", "Backward", "Tools", "Examples", "Help"):
            menu = bar.addMenu(f"&{title}")
            menu.setObjectName(f"menu{title}")
            self.menus[title] = menu
        file_menu = self.menus["File"]
        file_menu.addActions([self.action_new, self.action_open])
        self.recent_menu = file_menu.addMenu("Open recent")
        self.recent_menu.setObjectName("menuRecent")
        file_menu.addActions([self.action_save, self.action_save_as])
        file_menu.addSeparator()
        file_menu.addAction(self.action_quit)
        self.menus["Recent"] = self.recent_menu
        self.menus["Edit"].addAction(self.action_find)
        view_menu = self.menus["View"]
        view_menu.addActions([self.action_fit, self.action_zoom_in, self.action_zoom_out])
        view_menu.addSeparator()
        view_menu.addActions([self.action_expand_all, self.action_collapse_all])
        self.grouping_actions.install(view_menu)
        view_menu.addSeparator()
        view_menu.addAction(self.action_dark)
        view_menu.addSeparator()
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        self.menus["Run"].addActions([self.action_run, self.action_stop])
        self._fill_examples_menu()
        about = self._action("actionAbout", "About gradviz", None, self._about)
        self.menus["Help"].addAction(about)

        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.addActions([self.action_run, self.action_stop])
        toolbar.addSeparator()
        toolbar.addAction(self.action_fit)
        toolbar.addWidget(QLabel(" Layout "))
        self.layout_selector = QComboBox(self)
        self.layout_selector.setObjectName("layoutSelector")
        self.layout_selector.addItems(list(LAYOUTS))
        toolbar.addWidget(self.layout_selector)
        toolbar.addSeparator()
        self.find_field = QLineEdit(self)
        self.find_field.setObjectName("findField")
        self.find_field.setPlaceholderText("Find node (Ctrl+F)")
        self.find_field.setClearButtonEnabled(True)
        self.find_field.setMaximumWidth(220)
        toolbar.addWidget(self.find_field)
        self.find_status = QLabel("", self)
        toolbar.addWidget(self.find_status)
        self.addToolBar(toolbar)
        self.toolbar = toolbar

    def add_dock(self, widget: QWidget, title: str, area=Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:
        """Put ``widget`` in a dock (objectName ``dock<Title>``); other panels call this."""
        dock = QDockWidget(title, self)
        dock.setObjectName("dock" + "".join(part.capitalize() for part in title.split()))
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[title] = dock
        if "View" in self.menus:
            self.menus["View"].addAction(dock.toggleViewAction())
        return dock

    def add_action(self, menu: str, action: QAction, toolbar: bool = False) -> None:
        """Add an action to a named menu (created if new) and optionally to the toolbar."""
        if menu not in self.menus:
            self.menus[menu] = self.menuBar().addMenu(menu)
        self.menus[menu].addAction(action)
        if action.parent() is not self:
            self.addAction(action)
        if toolbar:
            self.toolbar.addAction(action)

    def _connect(self) -> None:
        ws = self.workspace
        for signal, slot in ((ws.run_started, self._on_started), (ws.output_written, self._on_output),
                             (ws.run_finished, self._on_finished), (ws.run_failed, self._on_failed),
                             (ws.graph_changed, self._on_graph_changed), (ws.graph_failed, self._on_graph_failed),
                             (ws.job_progressed, self._on_job_progress), (ws.search_changed, self._on_search_changed),
                             (ws.selection_changed, self._on_selection_changed), (ws.stepped, self._on_stepped),
                             (ws.busy_changed, self._on_busy_changed)):
            on_gui_thread(signal, slot, self)
        self.layout_selector.currentTextChanged.connect(self._on_layout_changed)
        self.inspector.source_requested.connect(self.editor.go_to_line)
        self.inspector.expand_requested.connect(self.workspace.expand_drawn)
        self.find_field.textChanged.connect(self._on_find_text)
        self.find_field.returnPressed.connect(self.find_next)
        self.editor.textChanged.connect(self._on_text_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)

    # ---- persistence ---------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self._default_geometry()
        state = self.settings.value("windowState")
        if state is not None:
            self.restoreState(state)
        splitter_state = self.settings.value("splitterState")
        if splitter_state is not None:
            self.splitter.restoreState(splitter_state)
            self._splitter_pending = False
        self._refresh_recent_menu()
        self._restore_autosave()

    def fit_to_screen(self) -> None:
        """Keep the whole window (frame included) on the screen's available area.

        The first size is chosen in __init__, before the widgets are polished, when the layout's
        minimum height is overestimated (758 px on a 720 px screen); and a geometry restored from a
        larger monitor may not fit this one. Once shown, the real minimum is known: shrink to the
        screen (never below that minimum) and move the window inside it.
        """
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        frame, inner = self.frameGeometry(), self.geometry()
        extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
        minimum = self.layout().minimumSize() if self.layout() is not None else self.minimumSizeHint()
        width = max(minimum.width(), min(inner.width(), avail.width() - extra_w))
        height = max(minimum.height(), min(inner.height(), avail.height() - extra_h))
        if (width, height) != (inner.width(), inner.height()):
            self.resize(width, height)
        frame = self.frameGeometry()
        x = min(max(frame.left(), avail.left()), max(avail.left(), avail.right() + 1 - frame.width()))
        y = min(max(frame.top(), avail.top()), max(avail.top(), avail.bottom() + 1 - frame.height()))
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def _default_geometry(self) -> None:
        """First launch: most of the available screen (never more than it), centred on it."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(1500, 920)
            return
        avail = screen.availableGeometry()
        width = min(avail.width(), max(int(avail.width() * DEFAULT_SCREEN_FRACTION), min(1200, avail.width())))
        height = min(avail.height(), max(int(avail.height() * DEFAULT_SCREEN_FRACTION), min(760, avail.height())))
        self.resize(width, height)
        self.move(avail.left() + (avail.width() - width) // 2, avail.top() + (avail.height() - height) // 2)

    # ---- autosave: one slot per running window ------------------------------------------------
    def _claim_autosave_slot(self, base: Path) -> Path:
        """The first autosave file (``base``, ``base-1``, ...) whose lock no running window holds.

        A lock left by a killed process is stale (its process is gone) and is taken over, so the
        next launch finds the killed session's text; a window that is still running keeps its own.
        """
        try:
            base.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            return base
        for n in range(MAX_AUTOSAVE_SLOTS):
            path = base if n == 0 else base.with_name(f"{base.stem}-{n}{base.suffix}")
            lock = QLockFile(str(path) + ".lock")
            lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
            if lock.tryLock(0):
                self._autosave_lock = lock
                return path
        return base  # every slot busy (or locks unsupported): share the first, as before

    def _autosave_meta_path(self) -> Path:
        return self.autosave_path.with_suffix(".json")

    def _restore_autosave(self) -> None:
        """Load this slot's autosave (unsaved text of a session that ended without saving it).

        The text is shown, marked modified and tied to the file it belonged to, but not run.
        """
        try:
            text = self.autosave_path.read_text(encoding="utf-8")
        except OSError:
            return
        meta = {}
        try:
            meta = json.loads(self._autosave_meta_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        file = Path(meta["file"]) if isinstance(meta.get("file"), str) else None
        baseline = ""
        if file is not None:
            try:
                baseline = file.read_text(encoding="utf-8")
            except OSError:
                baseline = ""
        self.current_file = file
        self._baseline_text = baseline
        self.editor.setPlainText(text)
        self.restored_autosave = self.autosave_path
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.autosave_path.stat().st_mtime))
        lines = text.count("\n") + (not text.endswith("\n") and bool(text))
        what = f"unsaved changes to {file.name}" if file is not None else "an unsaved untitled script"
        self.status_label.setText(
            f"Restored {what} ({lines} lines, autosaved {when}) from {self.autosave_path}. "
            "Not run: press Run (Ctrl+Enter) to run it."
        )

    def autosave(self) -> None:
        """Write unsaved editor text to this window's autosave slot; drop the slot when nothing
        is unsaved (only when something changed since the last write)."""
        if not getattr(self, "_dirty_autosave", False):
            return
        self._autosave_timer.stop()
        try:
            if self.is_modified():
                self.autosave_path.parent.mkdir(parents=True, exist_ok=True)
                meta = {"file": str(self.current_file) if self.current_file is not None else None,
                        "pid": os.getpid()}
                for path, content in ((self._autosave_meta_path(), json.dumps(meta)),
                                      (self.autosave_path, self.editor.toPlainText())):
                    tmp = path.with_name(path.name + ".tmp")
                    tmp.write_text(content, encoding="utf-8")
                    os.replace(tmp, path)
            else:
                self._drop_autosave()
            self._dirty_autosave = False
        except OSError as exc:
            self.status_label.setText(f"Autosave failed: {exc}")

    def _drop_autosave(self) -> None:
        for path in (self.autosave_path, self._autosave_meta_path()):
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError as exc:
                self.status_label.setText(f"Cannot remove the autosave {path}: {exc}")

    def is_modified(self) -> bool:
        """True when the editor holds text that is not saved in a file."""
        return self._modified

    def _on_text_changed(self) -> None:
        self.workspace.set_text(self.editor.toPlainText())
        self._dirty_autosave = True
        modified = self.editor.toPlainText() != self._baseline_text
        if modified != self._modified:
            self._modified = modified
            self._update_title()
        if not self._shut_down:
            self._autosave_timer.start()  # restarts: written AUTOSAVE_DELAY_MS after the last key

    def _set_baseline(self, text: str) -> None:
        """The editor's text is now saved (or freshly opened): not modified."""
        self._baseline_text = text
        self._modified = self.editor.toPlainText() != text
        self._dirty_autosave = True
        self._update_title()
        self.autosave()  # nothing unsaved any more: the slot is dropped at once

    def _update_title(self) -> None:
        name = self.current_file.name if self.current_file is not None else "untitled"
        self.setWindowTitle(f"{name}[*] — gradviz")
        self.setWindowModified(self._modified)

    def maybe_save(self, doing: str = "continuing") -> bool:
        """Ask Save / Discard / Cancel when the editor has unsaved text; True to go ahead."""
        if not self.is_modified():
            return True
        name = self.current_file.name if self.current_file is not None else "The untitled script"
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes", f"{name} has unsaved changes.",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("unsavedChangesPrompt")
        box.setInformativeText(f"Save them before {doing}?")
        for button, name in ((QMessageBox.StandardButton.Save, "promptSave"),
                             (QMessageBox.StandardButton.Discard, "promptDiscard"),
                             (QMessageBox.StandardButton.Cancel, "promptCancel")):
            box.button(button).setObjectName(name)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)
        choice = box.exec()
        box.deleteLater()
        if choice == QMessageBox.StandardButton.Save:
            return self.save()
        if choice == QMessageBox.StandardButton.Discard:
            self._drop_autosave()
            return True
        return False

    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _remember_recent(self, path: Path) -> None:
        files = [str(path)] + [f for f in self.recent_files() if f != str(path)]
        self.settings.setValue("recentFiles", files[:MAX_RECENT])
        self._refresh_recent_menu()

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for f in files:
            action = self.recent_menu.addAction(f)
            action.triggered.connect(lambda _=False, f=f: self.open_file(f))
        self.recent_menu.setEnabled(bool(files))

    def quit(self) -> None:
        """File → Quit: close the window, asking first about unsaved text."""
        self._ask_on_close = True
        try:
            self.close()
        finally:
            self._ask_on_close = False

    def closeEvent(self, event) -> None:
        # The user closing the window (Quit, the title bar's close button) is asked about unsaved
        # text; a programmatic close keeps it in the autosave, restored on the next launch.
        if (self._ask_on_close or event.spontaneous()) and not self._shut_down \
                and not self.maybe_save("quitting"):
            event.ignore()
            return
        if not self._shut_down:
            self._dirty_autosave = True
            self.autosave()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("splitterState", self.splitter.saveState())
        self.settings.setValue("theme", self.theme_name)
        self.settings.sync()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the script and the layout worker and wait for both (no thread outlives the window);
        write what is pending for the autosave and let go of its slot."""
        if not self._shut_down:
            self.autosave()
            self._shut_down = True
        self._autosave_timer.stop()
        if self._autosave_lock is not None:
            self._autosave_lock.unlock()
            self._autosave_lock = None
        self.workspace.stop()
        self.workspace.wait(3)
        self.workspace.wait_graph(5)
        self.workspace.close()
        for panel in self.backward_tools.job_panels():  # their kernel requests end with the kernel
            panel.wait(10)
        self.compare_panel.shutdown()  # its two kernels, and the torch check (issue 12)
        self.backend_selector.torch_check.job.wait(15)
        wait_for_warm_up(15)  # the layout's imports (started when the first window opened)

    # ---- files ---------------------------------------------------------------------------------
    def _fill_examples_menu(self) -> None:
        menu = self.menus["Examples"]
        menu.clear()
        files = sorted(EXAMPLES_DIR.glob("*.py")) if EXAMPLES_DIR.is_dir() else []
        for path in files:
            title = path.stem.replace("_", " ")
            action = menu.addAction(title)
            action.setObjectName(f"example_{path.stem}")
            action.triggered.connect(lambda _=False, p=path: self.open_file(p, run=True))
        menu.setEnabled(bool(files))

    def open_dialog(self) -> None:
        if not self.maybe_save("opening another script"):
            return
        path, _ = QFileDialog.getOpenFileName(self, "Open script", str(self.current_file or Path.cwd()),
                                              "Python (*.py);;All files (*)")
        if path:
            self.open_file(path, ask=False)

    def open_file(self, path, run: bool = False, ask: bool = True) -> bool:
        """Load ``path`` into the editor (asking first about unsaved text unless ``ask`` is False)."""
        path = Path(path)
        if ask and not self.maybe_save(f"opening {path.name}"):
            return False
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self, "gradviz", f"Cannot open {path}: {exc}")
            return False
        self.current_file = path
        self._baseline_text = text
        self.editor.setPlainText(text)
        self._set_baseline(text)
        self._remember_recent(path)
        if run:
            self.run()
        return True

    def new_file(self) -> bool:
        if not self.maybe_save("starting a new script"):
            return False
        self.current_file = None
        self._baseline_text = ""
        self.editor.setPlainText("")
        self._set_baseline("")
        return True

    def save(self) -> bool:
        if self.current_file is None or self.current_file.parent == EXAMPLES_DIR:
            return self.save_as()
        return self._write(self.current_file)

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save script", str(self.current_file or "script.py"),
                                              "Python (*.py)")
        return bool(path) and self._write(Path(path))

    def _write(self, path: Path) -> bool:
        try:
            path.write_text(self.editor.toPlainText(), encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(self, "gradviz", f"Cannot save {path}: {exc}")
            return False
        self.current_file = path
        self._set_baseline(self.editor.toPlainText())
        self._remember_recent(path)
        self.status_label.setText(f"Saved {path}")
        return True

    # ---- the workspace's state, read-only here --------------------------------------------------
    @property
    def current_file(self) -> Path | None:
        return self.workspace.file

    @current_file.setter
    def current_file(self, path) -> None:
        self.workspace.set_file(path)

    @property
    def last_result(self):
        """The last good run (a kernel RunResult: tensor descriptions, not tensors)."""
        return self.workspace.result

    @property
    def model(self):
        """The drawn graph's GraphReplica (None before a graph)."""
        return self.workspace.replica

    @property
    def positions(self):
        return self.workspace.positions

    @property
    def collapsed(self) -> set[str]:
        return set(self.workspace.collapsed)

    @property
    def grouping(self):
        """The Grouping on screen (gradviz/model/grouping.py), None before a graph."""
        return self.workspace.grouping

    @property
    def fold_repeats(self) -> bool:
        return self.workspace.fold_repeats

    @property
    def compact_params(self) -> bool:
        return self.workspace.compact_params

    @property
    def expanded_folds(self) -> dict[str, int]:
        return dict(self.workspace.expanded_folds)

    @property
    def expanded_params(self) -> set[str]:
        return set(self.workspace.expanded_params)

    # ---- running -------------------------------------------------------------------------------
    def run(self) -> None:
        if self.workspace.running:
            return
        self.editor.set_error_line(None)
        self.output_panel.clear()
        self._output_lines = 0
        # Busy until the outcome has been handled on this thread (signals arrive queued).
        self._awaiting_outcome = True
        filename = str(self.current_file) if self.current_file is not None else "<editor>"
        if self.workspace.run(self.editor.toPlainText(), filename) is None:
            self._awaiting_outcome = False

    def stop(self) -> None:
        """Stop the script, a Continue or a layout (or the threads a script left running): the
        kernel ends what it does within a second."""
        self.workspace.stop()
        if not self.workspace.running:
            self.action_stop.setEnabled(False)

    def is_running(self) -> bool:
        return self.workspace.running

    def _update_running(self, running: bool) -> None:
        self.action_run.setEnabled(not running)
        self.action_stop.setEnabled(running)

    def _on_busy_changed(self, busy: bool) -> None:
        running = self.workspace.running or self._awaiting_outcome
        self.action_run.setEnabled(not running)
        self.action_stop.setEnabled(running or bool(self.workspace.kernel.threads))

    def _on_started(self) -> None:
        self._update_running(True)
        self.status_label.setText("Running…")
        # The last run's failure no longer describes what is on screen once a new run starts.
        if self.view.notice == FAILED_RUN_NOTICE:
            self.view.notice = ""
            self.view.viewport().update()

    def _on_output(self, text: str) -> None:
        self.output_panel.moveCursor(self.output_panel.textCursor().MoveOperation.End)
        self.output_panel.insertPlainText(text)
        self._output_lines = getattr(self, "_output_lines", 0) + text.count("\n")

    def _output_note(self) -> str:
        """Says so when the output panel dropped the oldest lines (it keeps MAX_OUTPUT_LINES)."""
        total = getattr(self, "_output_lines", 0)
        if total <= MAX_OUTPUT_LINES:
            return ""
        return f" Output: {total:,} lines printed; the panel keeps the last {MAX_OUTPUT_LINES:,}."

    def _on_finished(self, result) -> None:
        self._awaiting_outcome = False
        self._update_running(False)
        self.error_panel.clear()
        if not self.docks["Errors"].visibleRegion().isEmpty():
            self.docks["Output"].raise_()  # the errors tab is empty now
        self.status_label.setText(f"Ran in {result.seconds:.2f} s; {len(result.tensors)} tensors.{self._output_note()}")
        if result.default_root is not None:
            self.status_label.setText("Laying out the graph…")
        if result.threads:
            # The script left threads running in the kernel: Stop ends them (and the kernel).
            self.action_stop.setEnabled(True)
            self.output_panel.appendPlainText(f"[the script left {len(result.threads)} thread(s) running: "
                                              f"{', '.join(result.threads[:4])}; Stop ends them]")

    def _on_failed(self, result) -> None:
        error = result.error
        self._awaiting_outcome = False
        self._update_running(False)
        self.error_panel.setPlainText(error.traceback or error.message)
        self.docks["Errors"].raise_()
        if error.lineno is not None and error.kind != "stopped":
            self.editor.set_error_line(error.lineno)
        self.status_label.setText(error.message + self._output_note())
        if self.scene is not None:
            # Nothing is lost: the last good graph stays, marked as such.
            self.view.notice = FAILED_RUN_NOTICE
            self.view.viewport().update()

    # ---- the graph -----------------------------------------------------------------------------
    def show_root(self, name: str) -> None:
        """Draw the graph of the tensor variable ``name`` from the last run."""
        self.workspace.set_root(name)

    def relayout(self) -> None:
        """Lay the current graph out again with the selected method."""
        self.workspace.relayout(self.layout_selector.currentText())

    def cancel_layout(self) -> None:
        self.workspace.cancel_graph_job()

    def is_busy(self) -> bool:
        """True while a script runs, a graph is being laid out, or their outcome is not on screen."""
        ws = self.workspace
        return ws.busy or self._awaiting_outcome or ws.drawn is not self._drawn_shown

    def _on_job_progress(self, fraction: float, message: str) -> None:
        # The bar holds only the percentage (a phrase overflowed it); the phrase goes beside it.
        self.progress.show()
        self.cancel_button.show()
        self.progress.setValue(int(fraction * 100))
        self.status_label.setText(f"Laying out the graph: {message}…")

    def _hide_progress(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()

    def _on_graph_failed(self, message: str) -> None:
        self._hide_progress()
        self.status_label.setText("Layout cancelled; the previous graph stays." if message == "cancelled"
                                  else f"Layout failed: {message}")
        self.layout_selector.blockSignals(True)
        self.layout_selector.setCurrentText(self.workspace.layout_method)
        self.layout_selector.blockSignals(False)

    def _on_graph_changed(self, drawn) -> None:
        self._hide_progress()
        self._drawn_shown = drawn
        if drawn is None:
            # Keeping the previous script's graph would show nodes this script never made.
            self._clear_graph()
            self.view.show_empty("This run made no tensor with a grad_fn: compute with a tensor that "
                                 "has requires_grad=True to see its graph.")
            self.status_label.setText("Ran; no tensor with a grad_fn to draw (make one that requires grad)."
                                      + self._output_note())
            return
        if drawn is not self.workspace.drawn:
            return  # a newer graph is on its way
        self.layout_selector.blockSignals(True)
        self.layout_selector.setCurrentText(drawn.method)
        self.layout_selector.blockSignals(False)
        self._build_scene(fit=True)
        revealed, self._centre_after_layout = self._centre_after_layout, None
        if revealed in self.scene.items_by_id:
            # The group a breakpoint stopped in is open now: centre the node that is current.
            self.scene.select_node(revealed)
            self.view.centre_on_node(revealed)
        parts = [f"{self.scene.node_count():,} nodes drawn ({drawn.seconds:.2f} s)"]
        if drawn.collapsed:
            parts.append(f"{len(drawn.collapsed)} module(s) collapsed — double-click to expand")
        if drawn.grouping is not None and drawn.grouping.folds:
            parts.append(f"{len(drawn.grouping.folds)} repeated run(s) folded — double-click to expand")
        parts += drawn.notes
        self.status_label.setText("; ".join(parts) + self._output_note())

    def _clear_graph(self) -> None:
        """Drop the drawn graph (the view shows its placeholder)."""
        old = self.scene
        self.scene = None
        self.view.show_empty()
        if old is not None:
            old.deleteLater()
        self.view.viewport().update()

    def _build_scene(self, fit: bool = False) -> None:
        drawn = self._drawn_shown
        old = self.scene
        scene = GraphScene(drawn.replica, drawn.positions, theme=self.theme_name, display=drawn.display,
                           hidden_count=drawn.hidden, parent=self)
        scene.selectionChanged.connect(self._on_scene_selection)
        scene.module_toggled.connect(self.workspace.collapse_module)
        scene.node_activated.connect(self._on_node_activated)
        scene.badge_activated.connect(self.workspace.expand_param)
        self.scene = scene
        self.view.setScene(scene)
        notes = []
        if drawn.hidden:
            total = len(drawn.display) + drawn.hidden
            notes.append(f"Showing {len(drawn.display):,} of {total:,} nodes (drawing is capped at "
                         f"{workspace_graph.MAX_DRAWN:,}); collapse modules or pick another root to see the rest.")
        if drawn.replica.truncated:
            notes.append(f"The graph has more than {workspace_graph.MAX_MODEL_NODES:,} nodes; only those were read.")
        self.view.notice = "  ".join(notes)
        if fit:
            self.view.show_top()
        if old is not None:
            old.deleteLater()
        if self.workspace.backward is not None:
            scene.apply_step_state(self.workspace.backward)
        if self.workspace.search_text:
            self._on_search_changed(self.workspace.matches)
        self.graph_changed.emit(scene)

    def collapse_module(self, path: str) -> None:
        self.workspace.collapse_module(path)

    def expand_module(self, path: str) -> None:
        self.workspace.expand_module(path)

    def expand_all(self) -> None:
        self.workspace.expand_all()

    def collapse_all(self) -> None:
        self.workspace.collapse_all()

    # What the graph groups lives in the workspace (gradviz/model/workspace_grouping.py).
    def collapse_to_depth(self, depth: int) -> None:
        """Draw every module ``depth`` levels deep as one node (1 = the top-level modules)."""
        self.workspace.collapse_to_depth(depth)

    def set_fold(self, on: bool) -> None:
        self.workspace.set_fold(on)

    def set_compact_params(self, on: bool) -> None:
        """Parameters as badges on their ops (remembered across runs and launches)."""
        self.workspace.set_compact_params(on)

    def expand_fold(self, drawn_id: str) -> None:
        self.workspace.expand_fold(drawn_id)

    def collapse_fold(self, fold_id: str) -> None:
        self.workspace.collapse_fold(fold_id)

    def expand_param(self, badge_id: str) -> None:
        self.workspace.expand_param(badge_id)

    def reveal_node(self, node_id: str) -> bool:
        """Open the collapsed module or fold that hides ``node_id`` (a breakpoint stopped in it)."""
        return self.workspace.reveal_node(node_id)

    def expand_drawn(self, drawn_id: str) -> None:
        self.workspace.expand_drawn(drawn_id)

    def _on_node_activated(self, node_id: str) -> None:
        data = self.workspace.node_data(node_id)
        if data and data.get("kind") == "module":
            self.workspace.expand_module(data["name"])
        elif data and data.get("kind") == "fold":
            self.workspace.expand_fold(node_id)
        elif data and data.get("source"):
            self.editor.go_to_line(data["source"][1])

    def _on_layout_changed(self, method: str) -> None:
        self.workspace.relayout(method)

    def _on_scene_selection(self) -> None:
        if self.scene is not None:
            self.workspace.select(self.scene.selected_node_id())

    def _on_selection_changed(self, node_id) -> None:
        if self.scene is not None and node_id is not None and self.scene.selected_node_id() != node_id:
            self.scene.select_node(node_id)

    # ---- backward: the graph and the editor follow the stepper ---------------------------------
    def _on_stepped(self, backward) -> None:
        scene = self.scene
        if backward is None:
            if scene is not None:
                scene.clear_step_state()
            self.editor.set_step_line(None)
            return
        if scene is None or backward is not self.workspace.backward:
            return
        scene.apply_step_state(backward)
        current = backward.current_node
        paused = bool(backward.pause_reason)
        if current is not None and current in scene.items_by_id:
            if paused:
                # A breakpoint: show the node (selected, so the inspector describes it).
                scene.select_node(current)
                self.view.centre_on_node(current)
            elif self.backward_tools.stepper_panel.animate.isChecked():
                self.view.ensureVisible(scene.items_by_id[current], 40, 40)
        elif ((paused or current == self.workspace.run_to_target) and current is not None
              and self.workspace.reveal_node(current)):
            # A breakpoint (or Run-to) stopped inside a collapsed module or a fold: open it (issue
            # 13), and once the graph is laid out again show the node there (_on_graph_changed).
            self._centre_after_layout = current
        self._mark_source_line(current, reveal=paused)
        if paused:
            self.status_label.setText(f"Backward paused: {backward.pause_reason}")
            self.docks["Backward"].raise_()

    def _mark_source_line(self, node_id, reveal: bool = False) -> None:
        """Highlight in the editor the forward line that created the node (if it is this script's)."""
        data = self.workspace.node_data(node_id) if node_id is not None else None
        src = data.get("source") if data else None
        line = src[1] if src and src[0] == self.workspace.filename else None
        self.editor.set_step_line(line, reveal=reveal)

    def _on_context_menu(self, pos) -> None:
        """Right-click on an op node: Run to here / Set (or remove) breakpoint."""
        from PySide6.QtWidgets import QMenu

        item = self.view.itemAt(pos)
        while item is not None and not hasattr(item, "node_id"):
            item = item.parentItem()
        ws = self.workspace
        if item is None or ws.backward is None:
            return
        data = ws.node_data(item.node_id) or {}
        is_node = data.get("kind") == "grad_fn"
        menu = QMenu(self.view)
        run_to = menu.addAction("Run to here")
        run_to.setObjectName("actionRunToHere")
        brk = menu.addAction("Remove breakpoint" if item.node_id in ws.breakpoints else "Set breakpoint")
        run_to.setEnabled(is_node)
        brk.setEnabled(is_node)
        chosen = menu.exec(self.view.viewport().mapToGlobal(pos))
        if chosen is run_to:
            ws.run_to(item.node_id)
        elif chosen is brk:
            ws.toggle_breakpoint(item.node_id)

    # ---- search --------------------------------------------------------------------------------
    def focus_find(self) -> None:
        self.find_field.setFocus()
        self.find_field.selectAll()

    def find(self, text: str) -> list[str]:
        """Highlight nodes matching ``text``, select and centre the first; returns the matches."""
        if self.find_field.text() == text:
            self._on_find_text(text)
        else:
            self.find_field.setText(text)
        return list(self.workspace.matches)

    def _on_find_text(self, text: str) -> None:
        self.workspace.find(text)
        self._on_search_changed(self.workspace.matches)  # at once (the signal's copy comes queued)

    def _on_search_changed(self, matches) -> None:
        text = self.workspace.search_text
        if self.scene is None or getattr(self, "_shown_matches", None) == (text, tuple(matches), id(self.scene)):
            return
        self._shown_matches = (text, tuple(matches), id(self.scene))
        self.scene.find(text)  # marks the same nodes the workspace found
        self._match_index = -1
        self.find_status.setText(f" {len(matches)} found " if matches else " no match " if text else "")
        self.find_field.setStyleSheet("" if matches or not text else
                                      f"QLineEdit {{ color: {get_theme(self.theme_name).error_text}; }}")
        if matches:
            self.find_next()

    def find_next(self) -> None:
        matches = self.workspace.matches
        if not matches or self.scene is None:
            return
        self._match_index = (self._match_index + 1) % len(matches)
        node_id = matches[self._match_index]
        self.scene.select_node(node_id)
        self.view.centre_on_node(node_id)
        self.find_status.setText(f" {self._match_index + 1} of {len(matches)} ")

    # ---- theme ---------------------------------------------------------------------------------
    def apply_theme(self, name: str) -> None:
        self.theme_name = "dark" if name == "dark" else "light"
        theme = get_theme(self.theme_name)
        app = QApplication.instance()
        if app is not None:
            apply_palette(app, theme)
        self.editor.set_theme(theme)
        self.action_dark.blockSignals(True)
        self.action_dark.setChecked(self.theme_name == "dark")
        self.action_dark.blockSignals(False)
        self.settings.setValue("theme", self.theme_name)
        if self.scene is not None:
            selected = self.scene.selected_node_id()
            transform = self.view.transform()
            centre = self.view.mapToScene(self.view.viewport().rect().center())
            self._build_scene()
            self.view.setTransform(transform)
            self.view.centerOn(centre)
            if selected:
                self.scene.select_node(selected)

    def _about(self) -> None:
        from gradviz import __version__

        QMessageBox.about(self, "About gradviz",
                          f"gradviz {__version__}\nSee backprop: engine's live grad_fn graph.")
