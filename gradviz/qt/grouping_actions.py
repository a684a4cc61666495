"""View-menu actions for what the graph shows: collapse to a depth, fold repetition, compact parameters.

The state lives in the Workspace (gradviz/model/workspace_grouping.py: ``collapsed``,
``fold_repeats``, ``compact_params``, ``expanded_folds``, ``expanded_params``), whose graph job
groups with it; the window's ``collapse_to_depth/set_fold/set_compact_params`` forward to it. This
module adds the actions and the menu, and when the workspace says the two choices changed
(``grouping_options_changed``) remembers them in QSettings and ticks the actions.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from gradviz.model.grouping import module_depth, module_paths

from .relay import on_gui_thread

COMPACT_KEY = "graph/compactParams"
FOLD_KEY = "graph/foldRepeats"


def _as_bool(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):  # QSettings' ini backend gives strings back
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def remembered_choices(settings) -> tuple[bool, bool]:
    """``(fold_repeats, compact_params)`` as the user last left them (default: fold, full params)."""
    return _as_bool(settings.value(FOLD_KEY), True), _as_bool(settings.value(COMPACT_KEY), False)


def remember(settings, fold_repeats: bool, compact_params: bool) -> None:
    settings.setValue(FOLD_KEY, bool(fold_repeats))
    settings.setValue(COMPACT_KEY, bool(compact_params))


class GroupingActions:
    """The View menu's grouping entries for ``window`` (a MainWindow)."""

    def __init__(self, window) -> None:
        self.window = window
        self.fold = QAction("Fold repeated ops", window)
        self.fold.setObjectName("actionFoldRepeats")
        self.fold.setCheckable(True)
        self.fold.setChecked(window.fold_repeats)
        self.fold.setToolTip("Draw a run of repeated ops (a long chain, an unrolled loop) as one node")
        self.fold.toggled.connect(window.set_fold)
        self.compact = QAction("Compact parameters", window)
        self.compact.setObjectName("actionCompactParams")
        self.compact.setCheckable(True)
        self.compact.setChecked(window.compact_params)
        self.compact.setToolTip("Draw each parameter (AccumulateGrad and its leaf) as a badge on the op "
                                "that uses it")
        self.compact.toggled.connect(window.set_compact_params)
        self.depth_menu = QMenu("Collapse to depth", window)
        self.depth_menu.setObjectName("menuCollapseDepth")
        self.depth_menu.aboutToShow.connect(self._fill_depths)
        for action in (self.fold, self.compact):
            window.addAction(action)
        on_gui_thread(window.workspace.grouping_options_changed, self._on_options_changed, window)

    def _on_options_changed(self, fold_repeats: bool, compact_params: bool) -> None:
        remember(self.window.settings, fold_repeats, compact_params)
        self.sync()

    def install(self, view_menu: QMenu, before: QAction | None = None) -> None:
        view_menu.insertMenu(before, self.depth_menu) if before is not None else view_menu.addMenu(self.depth_menu)
        for action in (self.fold, self.compact):
            view_menu.insertAction(before, action) if before is not None else view_menu.addAction(action)

    def depths(self) -> list[int]:
        model = self.window.model
        if model is None:
            return []
        return sorted({module_depth(p) for p in module_paths(model.graph)})

    def _fill_depths(self) -> None:
        self.depth_menu.clear()
        depths = self.depths()
        if not depths:
            self.depth_menu.addAction("(no modules in this graph)").setEnabled(False)
        for depth in depths:
            action = self.depth_menu.addAction(f"Depth {depth}")
            action.setObjectName(f"actionCollapseDepth{depth}")
            action.triggered.connect(lambda _=False, d=depth: self.window.collapse_to_depth(d))

    def sync(self) -> None:
        """Show the window's current choices (after a setter changed them from code)."""
        for action, value in ((self.fold, self.window.fold_repeats), (self.compact, self.window.compact_params)):
            if action.isChecked() != value:
                action.blockSignals(True)
                action.setChecked(value)
                action.blockSignals(False)
