"""The workspace shown while the vault is unlocked (records arrive with the capture issue).

It is destroyed on lock, so nothing it showed outlives the keys.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from intake.i18n import _
from intake.services.session import Session


class Workspace(QWidget):
    lock_requested = Signal()

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self._session = session
        self.heading = QLabel(self)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.heading.setFont(font)
        self.status = QLabel(self)
        self.status.setObjectName("workspace_status")
        self.status.setWordWrap(True)
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lock_button = QPushButton(self)
        self.lock_button.setObjectName("lock_button")
        self.lock_button.clicked.connect(self.lock_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.addWidget(self.heading)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.empty)
        layout.addStretch(2)
        layout.addWidget(self.lock_button, 0, Qt.AlignmentFlag.AlignRight)
        self.retranslate()

    def retranslate(self) -> None:
        role = self._session.role
        self.heading.setText(_("Testimonies"))
        self.status.setText(_("Unlocked as {user} ({role}).").format(
            user=self._session.user or "", role=_(role.label) if role else ""))
        self.empty.setText(_("No testimonies yet."))
        self.lock_button.setText(_("Lock"))
