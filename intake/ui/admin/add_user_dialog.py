"""Users → Add…: a dialog of its own, over the list of users.

One form (name, role, initial passphrase twice, the strength hint) whose labels line up in
one column, and one row of buttons. It only holds the fields: the users dialog runs the
work (``apply_requested``) and tells this dialog when it is busy, when it failed (the
dialog stays, to correct the name) and when it is done (the dialog closes). The passphrase
leaves the fields through :meth:`take`, which clears them; hiding the dialog clears them too.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.domain.roles import Role
from intake.i18n import N_, _
from intake.ui.kit.busy import busy_bar, error_label
from intake.ui.kit.headings import heading
from intake.ui.kit.passphrase_fields import NewPassphraseFields


class AddUserDialog(QDialog):
    apply_requested = Signal()  # Add was pressed with a valid form
    lock_requested = Signal()  # Ctrl+L here (the windows under this one are blocked)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("add_user_dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.title = heading(self, 1.2)
        self.name = QLineEdit(self)
        self.name.setObjectName("users_name")
        self.name.setMaxLength(64)
        self.role = QComboBox(self)
        self.role.setObjectName("users_role_choice")
        self.name_label, self.role_label = QLabel(self), QLabel(self)
        self.name_label.setBuddy(self.name)
        self.role_label.setBuddy(self.role)
        self.form = QFormLayout()
        self.form.addRow(self.name_label, self.name)
        self.form.addRow(self.role_label, self.role)
        self.passphrase = NewPassphraseFields(self, form=self.form)
        self.passphrase.first_label_text = N_("Initial passphrase:")
        self.busy = busy_bar(self)
        self.message = error_label(self, "add_user_message")
        self.buttons = QDialogButtonBox(self)
        self.apply_button = QPushButton(self)
        self.apply_button.setObjectName("users_apply")
        self.apply_button.setDefault(True)
        self.buttons.addButton(self.apply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._apply)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(self.form)
        layout.addWidget(self.busy)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._lock = QShortcut(QKeySequence("Ctrl+L"), self)
        self._lock.setContext(Qt.ShortcutContext.WindowShortcut)
        self._lock.activated.connect(self.lock_requested)
        self.name.textChanged.connect(lambda _t: self._update_apply())
        self.passphrase.validity_changed.connect(lambda _ok: self._update_apply())
        self.setMinimumWidth(480)
        self.retranslate()
        self.name.setFocus()

    @property
    def running(self) -> bool:
        return self.busy.isVisible()

    def _update_apply(self) -> None:
        self.apply_button.setEnabled(not self.running and bool(self.name.text().strip())
                                     and self.passphrase.is_valid())
        self.cancel_button.setEnabled(not self.running)

    def _apply(self) -> None:
        if self.apply_button.isEnabled():
            self.apply_requested.emit()

    def take(self) -> tuple[str, Role, str]:
        """The name, the role and the passphrase; the passphrase fields are cleared."""
        return self.name.text(), Role(self.role.currentData()), self.passphrase.take()

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for widget in (self.name, self.role):
            widget.setEnabled(not busy)
        self.passphrase.set_fields_enabled(not busy)
        if busy:
            self.message.clear()
        self._update_apply()

    def failed(self, text: str) -> None:
        """The work failed: say why and stay, with the keyboard back in the name."""
        self.set_busy(False)
        self.message.setText(text)
        self.name.setFocus()

    def reject(self) -> None:
        if not self.running:  # Escape waits for the work, as the users dialog does
            super().reject()

    def hideEvent(self, event: QHideEvent) -> None:
        self.passphrase.clear()
        super().hideEvent(event)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Add a user"))
        self.title.setText(_("Add a user"))
        self.name_label.setText(_("User name:"))
        self.name.setAccessibleName(_("User name"))
        self.role_label.setText(_("Role:"))
        self.role.setAccessibleName(_("Role"))
        current = self.role.currentData() or Role.INTERVIEWER.value
        self.role.clear()
        for role in Role:
            self.role.addItem(_(role.label), role.value)
        self.role.setCurrentIndex(max(0, self.role.findData(current)))
        self.passphrase.retranslate()
        self.passphrase.first.setAccessibleName(_("Initial passphrase"))
        self.passphrase.second.setAccessibleName(_("Repeat the initial passphrase"))
        self.apply_button.setText(_("&Add"))
        self.cancel_button.setText(_("Cancel"))
        self.busy.setAccessibleName(_("Working"))
        self._update_apply()
