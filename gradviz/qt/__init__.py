"""The PySide6 widgets of gradviz; ``MainWindow`` is the app's window."""

from .main_window import MainWindow

__all__ = ["MainWindow"]
