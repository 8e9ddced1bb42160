"""Bold heading labels, the one text style the app's screens share."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


def heading(parent: QWidget, scale: float = 1.0, wrap: bool = True) -> QLabel:
    """A bold label ``scale`` times the default size."""
    label = QLabel(parent)
    font = label.font()
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(wrap)
    return label
