"""The Backward stepper, plots, training, profiler and Jacobian docks, composed into the main window.

Each panel takes the workspace (or what it needs of it) and listens to it; this module only builds
them and puts them in docks and menus. The training, profiler and Jacobian panels send their work to
the kernel as jobs (training and Jacobians in the run's kernel, on the script's own objects; the
profiler runs the editor's text in a kernel of its own).

The Plots, Training and Profiler panels sit in tabs behind the Output dock, and their pyqtgraph
plots were most of a new window's cost (~0.45 of 0.6 s). They are built when their dock is first
shown, or when code asks for one (``tools.plots``); each shows the workspace's current state when
built, so a late panel looks as it would had it been there from the start.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget

from .stepper_panel import StepperPanel, make_stepper_actions

# Dock title -> (module, class, minimum height in lines of text) of the panels built on first
# show. The placeholder asks for the panel's minimum height, so the dock area has the height it
# would have with the panels in it and does not jump when one is built (tests check the numbers).
_LATE_PANELS = {
    "Plots": ("gradviz.qt.plots", "PlotsPanel", 13),
    "Training": ("gradviz.qt.training_panel", "TrainingPanel", 17),
    "Profiler": ("gradviz.qt.profiler_panel", "ProfilerPanel", 11),  # profiles workspace.text
}


class BackwardTools(QObject):
    """Holds the docks' panels: ``stepper_panel``, ``plots``, ``training``, ``profiler``, ``jacobian``."""

    def __init__(self, window, workspace) -> None:
        super().__init__(window)
        from gradviz.qt.jacobian_panel import JacobianPanel

        self.window, self.workspace = window, workspace
        self.actions = make_stepper_actions(window)
        self.stepper_panel = StepperPanel(workspace, window, actions=self.actions)
        self.jacobian = JacobianPanel(workspace, window)
        self._built: dict[str, QWidget] = {}
        right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        window.add_dock(self.stepper_panel, "Backward", right)
        for title, (_module, _name, lines) in _LATE_PANELS.items():
            placeholder = QWidget()
            placeholder.setObjectName(f"{title.lower()}Placeholder")
            placeholder.setMinimumHeight(lines * placeholder.fontMetrics().height())
            dock = window.add_dock(placeholder, title, bottom)
            dock.visibilityChanged.connect(lambda visible, t=title: visible and self.panel(t))
        window.add_dock(self.jacobian, "Jacobian", bottom)
        docks = window.docks
        for title in ("Plots", "Training", "Profiler", "Jacobian"):
            window.tabifyDockWidget(docks["Output"], docks[title])
        window.tabifyDockWidget(docks["Inspector"], docks["Backward"])
        docks["Output"].raise_()
        for name in ("actionStep", "actionStepBack", "actionContinue", "actionResetBackward"):
            window.add_action("Backward", self.actions[name], toolbar=True)

    def panel(self, title: str) -> QWidget:
        """The panel of dock ``title`` ("Plots", "Training", "Profiler"), built on first use."""
        panel = self._built.get(title)
        if panel is None:
            module, name, _lines = _LATE_PANELS[title]
            panel = getattr(importlib.import_module(module), name)(self.workspace, self.window)
            self._built[title] = panel
            dock = self.window.docks[title]
            placeholder = dock.widget()
            dock.setWidget(panel)
            placeholder.deleteLater()  # setWidget leaves the old widget a child of the dock
            if dock.isVisible():
                panel.show()  # Qt: a widget put into a visible dock must be shown explicitly
        return panel

    @property
    def plots(self):
        return self.panel("Plots")

    @property
    def training(self):
        return self.panel("Training")

    @property
    def profiler(self):
        return self.panel("Profiler")

    def job_panels(self) -> list:
        """The panels that may have a kernel request going: those built so far, and the Jacobian."""
        return [self._built[t] for t in ("Training", "Profiler") if t in self._built] + [self.jacobian]

    @property
    def stepper(self):
        """Where backward is (the workspace's BackwardState), or None."""
        return self.workspace.backward


def install_backward_tools(window, workspace) -> BackwardTools:
    """Add the backward stepper and the analysis docks to ``window`` (a MainWindow)."""
    return BackwardTools(window, workspace)
