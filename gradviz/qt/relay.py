"""Deliver psygnal signals fired on worker threads to slots on the GUI thread.

Model objects (the Workspace, jobs) emit psygnal signals from whatever thread does the work. A
:class:`_Relay` lives on the GUI thread; its Qt signal is emitted from the worker and, since the
relay's thread differs from the emitter's, Qt queues it and calls the slot on the GUI thread. When
the owner widget is deleted its relays go with it and later emissions are dropped, so a job that
ends after its window closed cannot touch a deleted widget.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal


class _Relay(QObject):
    fired = Signal(object)  # the emitted arguments, as a tuple

    def __init__(self, slot, parent: QObject) -> None:
        super().__init__(parent)
        self._slot = slot
        self._alive = True
        self.fired.connect(self._deliver)
        self.destroyed.connect(self._die)

    def _die(self, *_args) -> None:
        self._alive = False

    def _deliver(self, args: tuple) -> None:
        if self._alive:
            self._slot(*args)

    def forward(self, *args) -> None:
        if not self._alive:
            return
        try:
            if QThread.currentThread() is self.thread():
                # Emitted on the GUI thread itself (a user action the model answered at once): deliver
                # now, so the view is up to date when the action returns.
                self._slot(*args)
                return
            self.fired.emit(args)
        except RuntimeError:  # the C++ side is gone (window closed while the work ran)
            self._alive = False


def on_gui_thread(signal, slot, owner: QObject) -> None:
    """Connect psygnal ``signal`` to ``slot`` so that the slot always runs on ``owner``'s thread
    (the GUI thread), whichever thread emits; the connection lives as long as ``owner``."""
    relay = _Relay(slot, owner)
    signal.connect(relay.forward)

    def disconnect(*_args, _signal=signal, _forward=relay.forward) -> None:
        try:
            _signal.disconnect(_forward)
        except (ValueError, RuntimeError):
            pass

    relay.destroyed.connect(disconnect)
