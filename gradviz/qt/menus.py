"""Desktop conventions for the main window: toolbar icons, standard shortcuts, the Edit and Tools
menus, and Help → Keyboard shortcuts (a table built from the actions themselves, so it never lists
a key that does nothing or misses one that was added).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

# Qt's own icons (themed by the platform style; no icon files or extra dependency).
ICONS = {
    "actionRun": QStyle.StandardPixmap.SP_MediaPlay,
    "actionStop": QStyle.StandardPixmap.SP_MediaStop,
    "actionStep": QStyle.StandardPixmap.SP_ArrowForward,
    "actionStepBack": QStyle.StandardPixmap.SP_ArrowBack,
    "actionContinue": QStyle.StandardPixmap.SP_MediaSkipForward,
    "actionResetBackward": QStyle.StandardPixmap.SP_BrowserReload,
    "actionFit": QStyle.StandardPixmap.SP_TitleBarMaxButton,
}
# Keys for actions that had none, following common IDE conventions (Shift+F5 stops what F5
# continues; Ctrl+0 is "fit" in most viewers, F fits only while the graph has focus).
# (Strings and StandardKeys, made into QKeySequences only once a QGuiApplication exists.)
EXTRA_SHORTCUTS = {
    "actionStop": ["Shift+F5"],
    "actionResetBackward": ["Ctrl+Shift+F5"],
    "actionFit": ["Ctrl+0"],
    "actionZoomIn": [QKeySequence.StandardKey.ZoomIn, "Ctrl+="],
    "actionZoomOut": [QKeySequence.StandardKey.ZoomOut],
    "actionSaveAs": [QKeySequence.StandardKey.SaveAs],
}
# Keys that work without a menu entry (listed in the shortcuts page too).
WIDGET_KEYS = [("Graph view", "F", "Fit the graph (while the graph has focus)"),
               ("Graph view", "Wheel / drag", "Zoom under the cursor / pan"),
               ("Editor", "Ctrl+Z / Ctrl+Shift+Z", "Undo / redo typing")]


def install_conventions(window) -> None:
    """Icons, shortcuts, Edit/Tools/Help entries for a MainWindow whose docks are all installed."""
    style = window.style()
    # Every action of that name (the stepper panel keeps its own copies of the stepping actions).
    for action in window.findChildren(QAction):
        name = action.objectName()
        if name in ICONS:
            action.setIcon(style.standardIcon(ICONS[name]))
        if name in EXTRA_SHORTCUTS and action.parent() is window:
            keys = []
            for key in EXTRA_SHORTCUTS[name]:
                keys += QKeySequence.keyBindings(key) if not isinstance(key, str) else [QKeySequence(key)]
            action.setShortcuts(keys)
            _mention_key(action)
    window.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    _fill_edit_menu(window)
    _fill_tools_menu(window)
    shortcuts = QAction("Keyboard shortcuts", window)
    shortcuts.setObjectName("actionShortcuts")
    shortcuts.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
    shortcuts.triggered.connect(lambda: show_shortcuts(window))
    help_menu = window.menus["Help"]
    help_menu.insertAction(help_menu.actions()[0] if help_menu.actions() else None, shortcuts)
    window.addAction(shortcuts)


def _mention_key(action: QAction) -> None:
    """Put the (first) key in the tooltip, as the other actions do."""
    tip = action.toolTip().split(" (")[0]
    key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    if key:
        action.setToolTip(f"{tip} ({key})")


def _fill_edit_menu(window) -> None:
    """Undo/redo/cut/copy/paste/select all for the editor, with their standard keys shown.

    While the editor has focus it handles these keys itself (a text widget claims them first),
    so the menu entries never fire twice; from elsewhere they act on the editor."""
    editor = window.editor
    menu = window.menus["Edit"]
    first = menu.actions()[0] if menu.actions() else None
    K = QKeySequence.StandardKey
    for name, text, key, slot in (("actionUndo", "Undo", K.Undo, editor.undo),
                                  ("actionRedo", "Redo", K.Redo, editor.redo),
                                  ("actionCut", "Cut", K.Cut, editor.cut),
                                  ("actionCopy", "Copy", K.Copy, editor.copy),
                                  ("actionPaste", "Paste", K.Paste, editor.paste),
                                  ("actionSelectAll", "Select all", K.SelectAll, editor.selectAll)):
        action = QAction(text, window)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(key))
        # Only from the menu: the editor handles the keys itself when focused, and a window-wide
        # Ctrl+C would copy the script while the user copies from the output panel.
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        menu.insertAction(first, action)
    menu.insertSeparator(first)


def _fill_tools_menu(window) -> None:
    """The analysis tools, each opening its dock (the profiler also profiles the script)."""
    tools = window.backward_tools
    menu = window.menus["Tools"]

    def opener(title: str, then=None):
        def open_dock() -> None:
            dock = window.docks[title]
            dock.show()
            dock.raise_()
            if then is not None:
                then()
        return open_dock

    for name, text, title, then, tip in (
        ("actionToolProfile", "Profile script", "Profiler", lambda: tools.profiler.profile_editor(),
         "Run the script under the autograd profiler and show its table"),
        ("actionToolTraining", "Train a model…", "Training", None,
         "Train an nn.Module of the script step by step (zero_grad on or off)"),
        ("actionToolJacobian", "Jacobian / Hessian…", "Jacobian", None,
         "Jacobian, Hessian, vjp and jvp of a function, as heatmaps"),
        ("actionToolPlots", "Plots", "Plots", None, "Values, gradients, histograms and heatmaps"),
    ):
        action = QAction(text, window)
        action.setObjectName(name)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(opener(title, then))
        menu.addAction(action)
        window.addAction(action)


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(where, keys, what) for every menu action with a shortcut, then the widget-only keys."""
    rows = []
    for title, menu in window.menus.items():
        if not hasattr(menu, "actions"):
            continue
        for action in menu.actions():
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            if keys and not action.isSeparator():
                rows.append((title, keys, action.text().replace("&", "")))
    return rows + WIDGET_KEYS


def show_shortcuts(window) -> QDialog:
    """Help → Keyboard shortcuts: a non-modal table of every key (objectName ``shortcutsDialog``)."""
    dialog = window.findChild(QDialog, "shortcutsDialog")
    if dialog is None:
        dialog = QDialog(window)
        dialog.setObjectName("shortcutsDialog")
        dialog.setWindowTitle("Keyboard shortcuts — gradviz")
        table = QTableWidget(0, 3, dialog)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Menu", "Keys", "Does"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
        buttons.rejected.connect(dialog.close)
        layout = QVBoxLayout(dialog)
        layout.addWidget(table)
        layout.addWidget(buttons)
        dialog.resize(620, 560)
    table = dialog.findChild(QTableWidget, "shortcutsTable")
    rows = shortcut_rows(window)
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()
    dialog.show()
    dialog.raise_()
    return dialog
