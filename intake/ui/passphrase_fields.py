"""A new passphrase typed twice, with a strength hint; used by the wizard and recovery."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from intake.domain.passphrase import Strength, strength
from intake.i18n import _


class NewPassphraseFields(QWidget):
    validity_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = QLineEdit(self)
        self.first.setObjectName("new_passphrase")
        self.second = QLineEdit(self)
        self.second.setObjectName("repeat_passphrase")
        for field in (self.first, self.second):
            field.setEchoMode(QLineEdit.EchoMode.Password)
            field.textChanged.connect(self._update)
        self.hint = QLabel(self)
        self.hint.setObjectName("strength_hint")
        self.hint.setWordWrap(True)
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._first_label = QLabel(self)
        self._second_label = QLabel(self)
        self._layout.addRow(self._first_label, self.first)
        self._layout.addRow(self._second_label, self.second)
        self._layout.addRow("", self.hint)
        self.retranslate()

    def retranslate(self) -> None:
        self._first_label.setText(_("New passphrase:"))
        self._second_label.setText(_("Repeat it:"))
        self._first_label.setBuddy(self.first)
        self._second_label.setBuddy(self.second)
        self.first.setAccessibleName(_("New passphrase"))
        self.second.setAccessibleName(_("Repeat the new passphrase"))
        self._update()

    def _update(self) -> None:
        level = strength(self.first.text())
        text = _("Strength: {level}").format(level=_(level.label))
        if self.second.text() and self.second.text() != self.first.text():
            text += "\n" + _("The two passphrases differ.")
        self.hint.setText(text)
        self.validity_changed.emit(self.is_valid())

    def is_valid(self) -> bool:
        return strength(self.first.text()) > Strength.TOO_SHORT and (
            self.first.text() == self.second.text()
        )

    def take(self) -> str:
        """The passphrase, and both fields cleared: it lives in one place only, briefly."""
        value = self.first.text()
        self.clear()
        return value

    def clear(self) -> None:
        self.first.clear()
        self.second.clear()
