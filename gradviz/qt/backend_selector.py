"""The toolbar's backend choice: run the next script on gradviz's engine or on the real PyTorch.

Whether torch can run is asked off the GUI thread (a :class:`~gradviz.model.jobs.Job` calling
``KernelClient.torch_available()``, which tries ``import torch`` in a throwaway kernel); until the
answer comes, and when it is no, the "PyTorch" item is disabled with the reason as its tooltip.
The user's choice is remembered in QSettings (key ``backend``). After each run the combo shows the
backend the run actually used (a ``# gradviz: backend=torch`` first line wins over the combo), and
that is what the next run uses.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QComboBox, QLabel

from gradviz.kernel import KernelClient
from gradviz.model.jobs import Job

from .relay import on_gui_thread

# (item text, backend name) in the combo's order; the texts are the issue's.
ITEMS = (("engine", "engine"), ("PyTorch", "torch"))
SETTINGS_KEY = "backend"
CHECKING = "Checking whether PyTorch can be imported in the kernel…"


class TorchCheck(QObject):
    """The answer of ``KernelClient.torch_available()``, found on a job thread."""

    answered = Signal(bool, str)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.answer: tuple[bool, str] | None = None
        self.job = Job(lambda job: KernelClient.torch_available(), "torch-check")
        on_gui_thread(self.job.finished, self._on_answer, self)
        on_gui_thread(self.job.failed, lambda exc: self._on_answer((False, f"could not check: {exc}")), self)
        self.job.start()

    def _on_answer(self, answer) -> None:
        self.answer = (bool(answer[0]), str(answer[1]))
        self.answered.emit(*self.answer)


class BackendSelector(QComboBox):
    """``backendSelector``: items "engine" and "PyTorch"; sets ``workspace.backend``."""

    def __init__(self, workspace, settings, parent=None, torch_check: TorchCheck | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("backendSelector")
        self.workspace = workspace
        self.settings = settings
        for text, name in ITEMS:
            self.addItem(text, name)
        self.torch_available: bool | None = None  # None: not known yet
        self.torch_reason = CHECKING
        self._set_torch_enabled(False, CHECKING)
        # A workspace made with a backend keeps it; else the choice remembered from last time.
        wanted = workspace.backend or str(settings.value(SETTINGS_KEY, "engine"))
        self._show(wanted if wanted in ("engine", "torch") else "engine")
        self.workspace.backend = self.backend
        self.currentIndexChanged.connect(self._on_user_choice)
        on_gui_thread(workspace.run_finished, self._on_run_ended, self)
        on_gui_thread(workspace.run_failed, self._on_run_ended, self)
        self.torch_check = torch_check if torch_check is not None else TorchCheck(self)
        self.torch_check.answered.connect(self._on_torch_answer)
        if self.torch_check.answer is not None:
            self._on_torch_answer(*self.torch_check.answer)

    @property
    def backend(self) -> str:
        return str(self.currentData())

    def set_backend(self, name: str, remember: bool = True) -> None:
        """Choose ``name`` ("engine" or "torch") for the next run (the CLI's ``--backend``)."""
        if name not in ("engine", "torch"):
            raise ValueError(f"unknown backend {name!r}")
        self._show(name)
        self.workspace.backend = name
        if remember:
            self.settings.setValue(SETTINGS_KEY, name)

    def _show(self, name: str) -> None:
        self.blockSignals(True)
        self.setCurrentIndex(self.findData(name))
        self.blockSignals(False)

    def _on_user_choice(self, _index: int) -> None:
        self.workspace.backend = self.backend
        self.settings.setValue(SETTINGS_KEY, self.backend)

    def _set_torch_enabled(self, enabled: bool, reason: str) -> None:
        item = self.model().item(self.findData("torch")) if isinstance(self.model(), QStandardItemModel) else None
        if item is not None:
            item.setEnabled(enabled)
            item.setToolTip(reason)
        self.setToolTip("Backend of the next Run: gradviz's engine or the real PyTorch (in the kernel only)"
                        + ("" if enabled else f"\nPyTorch: {reason}"))

    def _on_torch_answer(self, available: bool, reason: str) -> None:
        self.torch_available, self.torch_reason = available, reason
        self._set_torch_enabled(available, reason)
        if not available and self.backend == "torch":
            self._show("engine")  # a remembered choice this Python cannot run
            self.workspace.backend = "engine"

    def _on_run_ended(self, result) -> None:
        used = getattr(result, "backend", None)
        if result.error is not None and result.error.kind == "request":
            return  # refused before running (an unknown backend name): nothing ran on any backend
        if used in ("engine", "torch"):
            self._show(used)
            self.workspace.backend = used  # what the combo shows is what the next Run uses


def install_backend_selector(window) -> BackendSelector:
    """Add the selector to the window's toolbar (after a "Backend" label)."""
    selector = BackendSelector(window.workspace, window.settings, window)
    window.toolbar.addSeparator()
    window.toolbar.addWidget(QLabel(" Backend "))
    window.toolbar.addWidget(selector)
    return selector
