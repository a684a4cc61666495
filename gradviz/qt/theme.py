"""Light and dark colour themes: one palette for the widgets and the graph's own colours."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("light", "dark")


@dataclass(frozen=True)
class Theme:
    """Colours as Qt colour strings; 8-digit ones are Qt's ``#AARRGGBB`` (alpha first)."""

    name: str
    window: str
    base: str
    text: str
    muted: str
    highlight: str
    # graph colours
    canvas: str
    op_fill: str
    op_border: str
    acc_fill: str
    leaf_fill: str
    leaf_border: str
    constant_fill: str
    constant_text: str
    module_fill: str
    module_border: str
    edge: str
    constant_edge: str
    selection: str
    match: str
    current_line: str
    error_line: str
    line_numbers: str
    pygments_style: str
    # stepper states (drawn by GraphScene.apply_step_state)
    state_done: str
    state_current: str
    state_ready: str
    state_waiting: str
    # text colours that must stay readable on ``base``/``window``: errors, warnings, links
    error_text: str = "#b00020"
    warn_text: str = "#8a5a00"
    link: str = "#0550ae"


LIGHT = Theme(
    name="light", window="#f3f4f6", base="#ffffff", text="#1f2328", muted="#6e7781", highlight="#0969da",
    canvas="#fbfbfc", op_fill="#e8f0fe", op_border="#4a72b8", acc_fill="#eef6ee", leaf_fill="#fff4d6",
    leaf_border="#b7892b", constant_fill="#f4f4f4", constant_text="#9aa0a6", module_fill="#207f8fa6",
    module_border="#8c99ad", edge="#5b6573", constant_edge="#c4c8ce", selection="#e8590c", match="#d63384",
    current_line="#f0f4fa", error_line="#ffd7d5", line_numbers="#8c959f", pygments_style="default",
    state_done="#b7e4c7", state_current="#ffd43b", state_ready="#a5d8ff", state_waiting="#ffc9c9",
)

DARK = Theme(
    name="dark", window="#1e2127", base="#16181d", text="#d8dee9", muted="#8b93a1", highlight="#4c8dff",
    canvas="#1b1d23", op_fill="#24334d", op_border="#6f9be8", acc_fill="#233a2c", leaf_fill="#3d3220",
    leaf_border="#d1a544", constant_fill="#23252b", constant_text="#6b717c", module_fill="#188c99ad",
    module_border="#5d6778", edge="#9aa3b2", constant_edge="#454a54", selection="#ff922b", match="#f06595",
    current_line="#20242c", error_line="#5c2226", line_numbers="#5d6470", pygments_style="monokai",
    state_done="#2b5d3e", state_current="#8a6d00", state_ready="#1f4f7a", state_waiting="#6b2b2b",
    error_text="#ff8a8a", warn_text="#e3b341", link="#79b8ff",
)


def get_theme(name: str) -> Theme:
    return DARK if name == "dark" else LIGHT


def current_theme() -> Theme:
    """The theme the application's palette is in (for widgets that colour rich text themselves)."""
    app = QApplication.instance()
    if app is None:
        return LIGHT
    return DARK if app.palette().color(QPalette.ColorRole.Window).lightness() < 128 else LIGHT


def apply_palette(app: QApplication, theme: Theme) -> None:
    """Colour every standard widget (Fusion style takes palettes faithfully on every platform)."""
    app.setStyle("Fusion")
    p = QPalette()
    p.setColor(QPalette.ColorRole.Window, QColor(theme.window))
    p.setColor(QPalette.ColorRole.WindowText, QColor(theme.text))
    p.setColor(QPalette.ColorRole.Base, QColor(theme.base))
    p.setColor(QPalette.ColorRole.AlternateBase, QColor(theme.window))
    p.setColor(QPalette.ColorRole.Text, QColor(theme.text))
    p.setColor(QPalette.ColorRole.Button, QColor(theme.window))
    p.setColor(QPalette.ColorRole.ButtonText, QColor(theme.text))
    p.setColor(QPalette.ColorRole.ToolTipBase, QColor(theme.base))
    p.setColor(QPalette.ColorRole.ToolTipText, QColor(theme.text))
    p.setColor(QPalette.ColorRole.Highlight, QColor(theme.highlight))
    p.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    p.setColor(QPalette.ColorRole.PlaceholderText, QColor(theme.muted))
    # Rich-text links (the inspector's "created at" line): Qt's default blue is unreadable on dark.
    p.setColor(QPalette.ColorRole.Link, QColor(theme.link))
    p.setColor(QPalette.ColorRole.LinkVisited, QColor(theme.link))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(theme.muted))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(theme.muted))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText, QColor(theme.muted))
    app.setPalette(p)
