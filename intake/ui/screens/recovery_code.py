"""A recovery code shown once: large monospace groups and "I have written it down".

Shared by the first-run wizard and the users dialog (after a rekey the old code no longer
opens the vault). The code is never selectable, never copied to the clipboard and cleared
from the label as soon as the user goes on.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from intake.ui.kit.headings import heading


class RecoveryCodePanel(QWidget):
    """Title, explanation, the code and the confirmation box; texts set by the owner."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = heading(self, 1.4)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.code = QLabel(self)
        self.code.setObjectName("recovery_code")
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(self.font().pointSizeF() * 1.5)
        self.code.setFont(mono)
        self.written_down = QCheckBox(self)
        self.written_down.setObjectName("recovery_written_down")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addSpacing(12)
        layout.addWidget(self.code)
        layout.addSpacing(12)
        layout.addWidget(self.written_down)
        layout.addStretch(1)

    def show_code(self, code: str) -> None:
        """Show ``code`` in groups; the confirmation starts unchecked."""
        self.written_down.setChecked(False)
        self.code.setText(code.replace("-", " "))
        self.code.setAccessibleName(self.code.text())

    def clear(self) -> None:
        self.code.clear()
        self.code.setAccessibleName("")
        self.written_down.setChecked(False)
