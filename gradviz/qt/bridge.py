"""Carry psygnal signals emitted on worker threads over to the GUI thread.

Model objects emit plain psygnal signals from whatever thread they run on. A :class:`SignalBridge`
lives on the GUI thread; its Qt signals are emitted from the worker and, because the bridge's thread
differs from the emitter's, Qt queues them and delivers on the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal

from gradviz.model.session import Session


class SessionBridge(QObject):
    """The Session's signals, delivered on the GUI thread."""

    started = Signal()
    output_written = Signal(str)
    finished = Signal(object)
    failed = Signal(object)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        # Emitting a Qt signal from the worker thread with queued connections is thread-safe.
        session.started.connect(self._forward_started)
        session.output_written.connect(self._forward_output)
        session.finished.connect(self._forward_finished)
        session.failed.connect(self._forward_failed)

    def _forward_started(self) -> None:
        self.started.emit()

    def _forward_output(self, text: str) -> None:
        self.output_written.emit(text)

    def _forward_finished(self, result) -> None:
        self.finished.emit(result)

    def _forward_failed(self, error) -> None:
        self.failed.emit(error)

    def disconnect_session(self) -> None:
        for sig, slot in (
            (self.session.started, self._forward_started),
            (self.session.output_written, self._forward_output),
            (self.session.finished, self._forward_finished),
            (self.session.failed, self._forward_failed),
        ):
            try:
                sig.disconnect(slot)
            except (ValueError, RuntimeError):
                pass


def queued(signal, slot) -> None:
    """Connect with Qt.QueuedConnection: the slot runs on the receiver's (GUI) thread."""
    signal.connect(slot, Qt.ConnectionType.QueuedConnection)
