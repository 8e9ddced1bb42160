"""The users dialog's form for one chosen user: change the role, reset the passphrase, set
or remove the duress passphrase.

Its labels share one column (the passphrase rows go into the same form), and its own
Cancel and Apply are the only buttons shown with it (the dialog hides its Close meanwhile).
The users dialog runs the work; this page only holds the fields and their texts.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.domain.roles import Role
from intake.i18n import N_, _
from intake.ui.kit.headings import heading
from intake.ui.kit.passphrase_fields import NewPassphraseFields

ADD, ROLE, RESET, DURESS = "add", "role", "reset", "duress"


class UserEditPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = ROLE
        self.edit_title = heading(self, 1.2)
        self.role = QComboBox(self)
        self.role.setObjectName("users_role_choice")
        self.role_label = QLabel(self)
        self.role_label.setBuddy(self.role)
        self.form = QFormLayout()
        self.form.addRow(self.role_label, self.role)
        self.passphrase = NewPassphraseFields(self, form=self.form)
        self.duress_help = QLabel(self)
        self.duress_help.setWordWrap(True)
        self.form.addRow(self.duress_help)
        self.apply_button, self.cancel_button = QPushButton(self), QPushButton(self)
        self.remove_duress_button = QPushButton(self)
        self.remove_duress_button.setObjectName("users_remove_duress")
        self.apply_button.setObjectName("users_apply")
        self.apply_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_duress_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.apply_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit_title)
        layout.addLayout(self.form)
        layout.addStretch(1)
        layout.addLayout(buttons)

    def show_mode(self, mode: str, role: Role) -> None:
        """Show the rows ``mode`` needs, empty, with ``role`` chosen; focus the first."""
        self.mode = mode
        self.passphrase.clear()
        self.role.setCurrentIndex(self.role.findData(role.value))
        self.form.setRowVisible(self.role, mode == ROLE)
        self.passphrase.set_rows_visible(mode in (RESET, DURESS))
        self.form.setRowVisible(self.duress_help, mode == DURESS)
        self.remove_duress_button.setVisible(mode == DURESS)

    def focus_first(self) -> None:
        (self.role if self.mode == ROLE else self.passphrase.first).setFocus()

    def update_apply(self, running: bool) -> None:
        ok = not running
        if self.mode in (RESET, DURESS):
            ok = ok and self.passphrase.is_valid()
        self.apply_button.setEnabled(ok)
        self.cancel_button.setEnabled(not running)
        self.remove_duress_button.setEnabled(not running)

    def set_busy(self, busy: bool) -> None:
        self.role.setEnabled(not busy)
        self.passphrase.set_fields_enabled(not busy)

    def retranslate(self, name: str) -> None:
        """The texts, for the user called ``name``."""
        self.remove_duress_button.setText(_("Remove the duress passphrase"))
        self.duress_help.setText(_(
            "A passphrase to type only under threat. At unlock it destroys this vault, "
            "silently, and opens a new, empty one that looks like a normal vault. Tell the "
            "user in person; it cannot be shown again."))
        self.role_label.setText(_("Role:"))
        self.role.setAccessibleName(_("Role"))
        current = self.role.currentData()
        self.role.clear()
        for role in Role:
            self.role.addItem(_(role.label), role.value)
        self.role.setCurrentIndex(max(0, self.role.findData(current)))
        duress = self.mode == DURESS
        self.passphrase.first_label_text = (N_("Duress passphrase:") if duress
                                            else N_("Initial passphrase:"))
        self.passphrase.retranslate()
        self.passphrase.first.setAccessibleName(
            _("Duress passphrase") if duress else _("Initial passphrase"))
        self.passphrase.second.setAccessibleName(
            _("Repeat the duress passphrase") if duress else _("Repeat the initial passphrase"))
        self.edit_title.setText({
            ADD: "",
            ROLE: _("Change the role of {name}").format(name=name),
            RESET: _("Reset the passphrase of {name}").format(name=name),
            DURESS: _("Duress passphrase of {name}").format(name=name),
        }[self.mode])
        self.apply_button.setText(_("&Apply"))
        self.cancel_button.setText(_("Cancel"))
