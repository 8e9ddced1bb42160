"""Vault → Security settings… (field security): how soon the vault locks by itself, whether
minimizing locks it, and — administrators only, kept in the vault's key file — whether it
destroys itself after a number of wrong passphrases in a row."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from intake.i18n import _
from intake.services.opening import WIPE_AFTER_RANGE
from intake.services.users import UserService
from intake.settings import SettingsStore
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading

DEFAULT_WIPE_AFTER = 10


class SecuritySettingsDialog(QDialog):
    def __init__(self, settings: SettingsStore, users: UserService | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("security_settings")
        self.setModal(True)
        self._store, self._users = settings, users
        current = settings.load()
        self.title = heading(self, 1.2)
        self.minutes = QSpinBox(self)
        self.minutes.setObjectName("auto_lock_minutes")
        self.minutes.setRange(1, 60)
        self.minutes.setValue(current.auto_lock_minutes)
        self.on_minimize = QCheckBox(self)
        self.on_minimize.setObjectName("lock_on_minimize")
        self.on_minimize.setChecked(current.lock_on_minimize)
        self.wipe = QCheckBox(self)
        self.wipe.setObjectName("wipe_after_failures")
        self.wipe_count = QSpinBox(self)
        self.wipe_count.setObjectName("wipe_after_count")
        self.wipe_count.setRange(*WIPE_AFTER_RANGE)
        self._limit: int | None = None
        if users is not None:
            self._limit = users.wipe_after_failures()
        self.wipe.setChecked(self._limit is not None)
        self.wipe_count.setValue(self._limit or DEFAULT_WIPE_AFTER)
        self.wipe_count.setEnabled(self.wipe.isChecked())
        self.wipe.toggled.connect(self.wipe_count.setEnabled)
        self.wipe_help = QLabel(self)
        self.wipe_help.setWordWrap(True)
        self.minutes_label, self.count_label = QLabel(self), QLabel(self)
        self.minutes_label.setBuddy(self.minutes)
        self.count_label.setBuddy(self.wipe_count)
        self.error = QLabel(self)
        self.error.setObjectName("security_settings_error")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.minutes_label, self.minutes)
        form.addRow(self.on_minimize)
        form.addRow(self.wipe)
        form.addRow(self.count_label, self.wipe_count)
        form.addRow(self.wipe_help)
        if users is None:  # only administrators see and change the vault's own setting
            for widget in (self.wipe, self.count_label, self.wipe_count, self.wipe_help):
                widget.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.retranslate()
        self.minutes.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Security settings"))
        self.title.setText(_("Security settings"))
        self.minutes_label.setText(_("Lock after this many minutes without use:"))
        self.minutes.setAccessibleName(_("Minutes without use before the vault locks"))
        self.on_minimize.setText(_("Lock when the window is minimized"))
        self.wipe.setText(_("Destroy the vault after too many wrong passphrases"))
        self.count_label.setText(_("Wrong passphrases in a row:"))
        self.wipe_count.setAccessibleName(_("Wrong passphrases in a row before the vault is "
                                            "destroyed"))
        self.wipe_help.setText(_(
            "For every user of this vault: at that many wrong passphrases in a row, the "
            "vault is destroyed as by the panic wipe. A successful unlock starts the count "
            "again."))

    def save(self) -> None:
        settings = self._store.load().with_changes(
            auto_lock_minutes=self.minutes.value(),
            lock_on_minimize=self.on_minimize.isChecked())
        try:
            self._store.save(settings)
            if self._users is not None:
                limit = self.wipe_count.value() if self.wipe.isChecked() else None
                if limit != self._limit:
                    self._users.set_wipe_after_failures(limit)
        except Exception as error:  # in words; the dialog stays open
            self.error.setText(error_text(error))
            return
        self.accept()
