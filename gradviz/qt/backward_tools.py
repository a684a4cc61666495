"""The Backward stepper, plots, training, profiler and Jacobian docks, composed into the main window.

Each panel takes the workspace (or what it needs of it) and listens to it; this module only builds
them and puts them in docks and menus. The training, profiler and Jacobian panels send their work to
the kernel as jobs (training and Jacobians in the run's kernel, on the script's own objects; the
profiler runs the editor's text in a kernel of its own).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt

from .stepper_panel import StepperPanel, make_stepper_actions


class BackwardTools(QObject):
    """Holds the docks' panels: ``stepper_panel``, ``plots``, ``training``, ``profiler``, ``jacobian``."""

    def __init__(self, window, workspace) -> None:
        super().__init__(window)
        from gradviz.qt.jacobian_panel import JacobianPanel
        from gradviz.qt.plots import PlotsPanel
        from gradviz.qt.profiler_panel import ProfilerPanel
        from gradviz.qt.training_panel import TrainingPanel

        self.workspace = workspace
        self.actions = make_stepper_actions(window)
        self.stepper_panel = StepperPanel(workspace, window, actions=self.actions)
        self.plots = PlotsPanel(workspace, window)
        self.training = TrainingPanel(workspace, window)
        self.profiler = ProfilerPanel(workspace, window)  # profiles workspace.text
        self.jacobian = JacobianPanel(workspace, window)
        right, bottom = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        window.add_dock(self.stepper_panel, "Backward", right)
        window.add_dock(self.plots, "Plots", bottom)
        window.add_dock(self.training, "Training", bottom)
        window.add_dock(self.profiler, "Profiler", bottom)
        window.add_dock(self.jacobian, "Jacobian", bottom)
        docks = window.docks
        for title in ("Plots", "Training", "Profiler", "Jacobian"):
            window.tabifyDockWidget(docks["Output"], docks[title])
        window.tabifyDockWidget(docks["Inspector"], docks["Backward"])
        docks["Output"].raise_()
        for name in ("actionStep", "actionStepBack", "actionContinue", "actionResetBackward"):
            window.add_action("Backward", self.actions[name], toolbar=True)

    @property
    def stepper(self):
        """Where backward is (the workspace's BackwardState), or None."""
        return self.workspace.backward


def install_backward_tools(window, workspace) -> BackwardTools:
    """Add the backward stepper and the analysis docks to ``window`` (a MainWindow)."""
    return BackwardTools(window, workspace)
