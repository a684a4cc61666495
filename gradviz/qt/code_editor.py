"""The script editor: line numbers, current-line and error-line highlight, Pygments colouring."""

from __future__ import annotations

from pygments.lexers import PythonLexer
from pygments.styles import get_style_by_name
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QPainter,
    QSyntaxHighlighter,
    QTextBlockUserData,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QWidget

from .theme import LIGHT, Theme


class _LineState(QTextBlockUserData):
    pass


class PygmentsHighlighter(QSyntaxHighlighter):
    """Colours Python with Pygments' lexer and a Pygments style.

    Each block is lexed on its own, with the lexer's start state chosen by whether the previous
    block ended inside a triple-quoted string (tracked in the block state), so a multi-line string
    stays coloured as a string.
    """

    def __init__(self, document, style_name: str = "default") -> None:
        super().__init__(document)
        self._lexer = PythonLexer(stripnl=False, ensurenl=False)
        self._formats: dict = {}
        self.set_style(style_name)

    def set_style(self, style_name: str) -> None:
        style = get_style_by_name(style_name)
        self._formats = {}
        for token, spec in style:
            fmt = QTextCharFormat()
            if spec["color"]:
                fmt.setForeground(QColor("#" + spec["color"]))
            if spec["bold"]:
                fmt.setFontWeight(QFont.Weight.Bold)
            if spec["italic"]:
                fmt.setFontItalic(True)
            self._formats[token] = fmt
        self.rehighlight()

    def _format_for(self, token) -> QTextCharFormat | None:
        while token is not None:
            fmt = self._formats.get(token)
            if fmt is not None and (fmt.foreground().style() != Qt.BrushStyle.NoBrush or fmt.fontItalic()):
                return fmt
            token = token.parent
        return None

    def highlightBlock(self, text: str) -> None:
        previous = self.previousBlockState()
        # State 1/2: inside a ''' / """ string carried over from the previous line.
        prefix = {1: "'''", 2: '"""'}.get(previous, "")
        source = prefix + text
        offset = -len(prefix)
        for index, token, value in self._lexer.get_tokens_unprocessed(source):
            start = index + offset
            length = len(value)
            if start < 0:
                length += start
                start = 0
            fmt = self._format_for(token)
            if fmt is not None and length > 0:
                self.setFormat(start, length, fmt)
        # An odd number of triple quotes toggles whether the next line starts inside a string.
        state = previous if previous in (1, 2) else 0
        for quote, code in (("\'\'\'", 1), ('"""', 2)):
            if state in (0, code) and text.count(quote) % 2 == 1:
                state = 0 if state == code else code
        self.setCurrentBlockState(state)


class _LineNumberArea(QWidget):
    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.line_number_width(), 0)

    def paintEvent(self, event) -> None:
        self.editor.paint_line_numbers(event)


class CodeEditor(QPlainTextEdit):
    """Python editor; ``run_requested`` is emitted on Ctrl+Enter when no action handles it."""

    run_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codeEditor")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(10)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self._theme: Theme = LIGHT
        self._error_line: int | None = None
        self._step_line: int | None = None
        self._line_numbers = _LineNumberArea(self)
        self.highlighter = PygmentsHighlighter(self.document(), LIGHT.pygments_style)
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._scroll_line_numbers)
        self.cursorPositionChanged.connect(self._update_extra_selections)
        self._update_margin()
        self._update_extra_selections()

    # ---- theme ---------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        self._theme = theme
        self.highlighter.set_style(theme.pygments_style)
        self._update_extra_selections()
        self._line_numbers.update()

    # ---- line numbers --------------------------------------------------------------------------
    def line_number_width(self) -> int:
        digits = max(3, len(str(max(1, self.blockCount()))))
        return 12 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margin(self, *_args) -> None:
        self.setViewportMargins(self.line_number_width(), 0, 0, 0)

    def _scroll_line_numbers(self, rect: QRect, dy: int) -> None:
        if dy:
            self._line_numbers.scroll(0, dy)
        else:
            self._line_numbers.update(0, rect.y(), self._line_numbers.width(), rect.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self._line_numbers.setGeometry(QRect(cr.left(), cr.top(), self.line_number_width(), cr.height()))

    def paint_line_numbers(self, event) -> None:
        painter = QPainter(self._line_numbers)
        painter.fillRect(event.rect(), QColor(self._theme.window))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        current = self.textCursor().blockNumber()
        width = self._line_numbers.width() - 6
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                if self._error_line == number + 1:
                    painter.fillRect(0, top, self._line_numbers.width(), height, QColor(self._theme.error_line))
                color = self._theme.text if number == current else self._theme.line_numbers
                painter.setPen(QColor(color))
                painter.drawText(0, top, width, height, Qt.AlignmentFlag.AlignRight, str(number + 1))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    # ---- highlights ----------------------------------------------------------------------------
    def _update_extra_selections(self) -> None:
        selections = []
        current = QTextEdit.ExtraSelection()
        current.format.setBackground(QColor(self._theme.current_line))
        current.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        current.cursor = self.textCursor()
        current.cursor.clearSelection()
        selections.append(current)
        if self._step_line is not None:
            block = self.document().findBlockByNumber(self._step_line - 1)
            if block.isValid():
                step = QTextEdit.ExtraSelection()
                step.format.setBackground(QColor(self._theme.state_current))
                step.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                step.cursor = QTextCursor(block)
                selections.append(step)
        if self._error_line is not None:
            block = self.document().findBlockByNumber(self._error_line - 1)
            if block.isValid():
                error = QTextEdit.ExtraSelection()
                error.format.setBackground(QColor(self._theme.error_line))
                error.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
                error.cursor = QTextCursor(block)
                selections.append(error)
        self.setExtraSelections(selections)

    def set_error_line(self, lineno: int | None) -> None:
        """Mark (or with None, unmark) the line a syntax error or exception came from."""
        self._error_line = lineno
        self._update_extra_selections()
        self._line_numbers.update()
        if lineno is not None:
            self.go_to_line(lineno, focus=False)

    def set_step_line(self, lineno: int | None, reveal: bool = False) -> None:
        """Mark (or with None, unmark) the forward line of the backward node that ran last.

        ``reveal`` scrolls it into view without moving the user's cursor.
        """
        if lineno == self._step_line and not reveal:
            return
        self._step_line = lineno
        self._update_extra_selections()
        if reveal and lineno is not None:
            block = self.document().findBlockByNumber(lineno - 1)
            if block.isValid():
                top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
                if not 0 <= top <= self.viewport().height() - self.fontMetrics().height():
                    bar = self.verticalScrollBar()
                    bar.setValue(max(0, block.blockNumber() - self.viewport().height() // (2 * max(1, self.fontMetrics().height()))))

    @property
    def step_line(self) -> int | None:
        return self._step_line

    @property
    def error_line(self) -> int | None:
        return self._error_line

    def go_to_line(self, lineno: int, focus: bool = True) -> None:
        """Put the cursor at the start of line ``lineno`` (1-based) and scroll it into view."""
        block = self.document().findBlockByNumber(max(0, lineno - 1))
        if not block.isValid():
            return
        cursor = QTextCursor(block)
        self.setTextCursor(cursor)
        self.centerCursor()
        if focus:
            self.setFocus()

    def keyPressEvent(self, event) -> None:
        # Tab inserts four spaces; Python code indented with spaces is what everyone expects.
        if event.key() == Qt.Key.Key_Tab and not event.modifiers():
            self.insertPlainText("    ")
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            # Keep the current indentation, and indent after a colon.
            line = self.textCursor().block().text()
            indent = line[: len(line) - len(line.lstrip())]
            if line.rstrip().endswith(":"):
                indent += "    "
            super().keyPressEvent(event)
            self.insertPlainText(indent)
            return
        super().keyPressEvent(event)
