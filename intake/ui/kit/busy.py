"""Pieces the screens and dialogs that run work on a worker share: the busy bar shown while
it runs, the error line under a form, and a form column centred on a full-window screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QProgressBar, QWidget

ERROR_STYLE = "color: #a40000;"


def busy_bar(parent: QWidget) -> QProgressBar:
    """An indeterminate progress bar without text, hidden until the work starts."""
    bar = QProgressBar(parent)
    bar.setRange(0, 0)
    bar.setTextVisible(False)
    bar.hide()
    return bar


def error_label(parent: QWidget, name: str) -> QLabel:
    """A wrapped, red label named ``name`` for what went wrong."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    return label


def message_label(parent: QWidget, name: str) -> QLabel:
    """A wrapped label named ``name`` whose text can be selected (a folder to copy)."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def centred(parent: QWidget, column: QLayout, max_width: int) -> QHBoxLayout:
    """A row holding ``column`` in a widget at most ``max_width`` wide, with stretch on
    both sides (for a screen that fills the window)."""
    centre = QWidget(parent)
    centre.setLayout(column)
    centre.setMaximumWidth(max_width)
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(centre, 4)
    row.addStretch(1)
    return row
