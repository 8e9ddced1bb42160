"""Transfer → Office and devices…: the organisation's key (office administrators: make
it, replace it, save its public half), trusting the office's key by its fingerprint (field
administrators), this device's fingerprint, the devices the office trusts and revoking one
(those who receive bundles, :mod:`intake.ui.shell.office_devices`), and the outbox and
inbox folders the Transfer menu uses. A coordinator sees the fingerprints and the folders.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.domain.permissions import Action, allowed
from intake.errors import IntakeError, NewFileExists
from intake.i18n import _
from intake.services.transfer import NoOrganisation, OrgPublic, TransferService
from intake.settings import SettingsStore
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.shell.office_devices import TrustedDevices


class KeyFiles(Protocol):
    """What the dialog borrows from the Transfer menu: the settings, and the file and
    fingerprint questions (tests replace both)."""

    choose: Callable[..., Path | None]
    ask_fingerprint: Callable[[QWidget, str], str | None]

    def confirm(self, parent: QWidget, title: str, text: str) -> bool: ...

    @property
    def settings(self) -> SettingsStore: ...


def ask_fingerprint(parent: QWidget, text: str) -> str | None:
    typed, ok = QInputDialog.getText(parent, _("Compare the fingerprint"), text,
                                     QLineEdit.EchoMode.Normal, "")
    return typed if ok and typed.strip() else None


class OfficeDialog(QDialog):
    """The organisation's key (office administrators), the office this vault sends to
    (field administrators), this device's fingerprint, and the two folders."""

    def __init__(self, service: TransferService, menu: KeyFiles,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("office_dialog")
        self.setModal(True)
        self._service, self._menu = service, menu
        self.setMinimumWidth(640)  # the folders and fingerprints read whole
        self._admin = allowed(service.role, Action.MANAGE_USERS)
        self._receiver = allowed(service.role, Action.IMPORT)
        self.title = heading(self, 1.2)
        self.org_label, self.org_value = QLabel(self), QLabel(self)
        self.trusted_label, self.trusted_value = QLabel(self), QLabel(self)
        self.device_label, self.device_value = QLabel(self), QLabel(self)
        for value in (self.org_value, self.trusted_value, self.device_value):
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                          | Qt.TextInteractionFlag.TextSelectableByKeyboard)
            value.setWordWrap(True)
        self.create_org = QPushButton(self)
        self.create_org.setObjectName("create_org")
        self.create_org.clicked.connect(self._create_org)
        self.rotate_org = QPushButton(self)
        self.rotate_org.setObjectName("rotate_org")
        self.rotate_org.clicked.connect(self._rotate_org)
        self.save_public = QPushButton(self)
        self.save_public.setObjectName("save_org_public")
        self.save_public.clicked.connect(self._save_public)
        self.trust_button = QPushButton(self)
        self.trust_button.setObjectName("trust_office")
        self.trust_button.clicked.connect(self._trust)
        self.outbox_label, self.inbox_label = QLabel(self), QLabel(self)
        self.outbox, self.inbox = QLineEdit(self), QLineEdit(self)
        self.outbox.setObjectName("outbox_folder")
        self.inbox.setObjectName("inbox_folder")
        self.outbox_label.setBuddy(self.outbox)
        self.inbox_label.setBuddy(self.inbox)
        settings = menu.settings.load()
        self.outbox.setText(settings.outbox_dir or "")
        self.inbox.setText(settings.inbox_dir or "")
        self.outbox_browse, self.inbox_browse = QPushButton(self), QPushButton(self)
        self.outbox_browse.clicked.connect(lambda: self._browse(self.outbox))
        self.inbox_browse.clicked.connect(lambda: self._browse(self.inbox))
        self.message = QLabel(self)
        self.message.setObjectName("office_message")
        self.message.setWordWrap(True)
        self.devices = TrustedDevices(service, menu.confirm, self._say, self)
        self.devices.setVisible(self._receiver)

        self._lay_out()
        for widget in (self.create_org, self.rotate_org, self.save_public, self.trust_button):
            widget.setVisible(self._admin)
        self.refresh()

    def _lay_out(self) -> None:
        org_row = QHBoxLayout()
        org_row.addWidget(self.create_org)
        org_row.addWidget(self.rotate_org)
        org_row.addWidget(self.save_public)
        org_row.addStretch(1)
        form = QFormLayout()
        form.addRow(self.org_label, self.org_value)
        form.addRow(org_row)
        form.addRow(self.trusted_label, self.trusted_value)
        form.addRow(self.trust_button)
        form.addRow(self.device_label, self.device_value)
        for label, edit, browse in ((self.outbox_label, self.outbox, self.outbox_browse),
                                    (self.inbox_label, self.inbox, self.inbox_browse)):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(browse)
            form.addRow(label, row)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(form)
        layout.addWidget(self.devices)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def refresh(self) -> None:
        self.retranslate()
        service = self._service
        org: OrgPublic | None = None
        org_text, refused = _("none (this is not the office)"), False
        if self._admin:
            try:
                org = service.org_public()
            except NoOrganisation:  # a field vault, or not yet
                org = None
            except IntakeError as error:  # keys changed behind the app's back: say so
                org_text, refused = error_text(error), True
        self.org_value.setText(org.fingerprint if org else org_text)
        self.create_org.setEnabled(self._admin and org is None and not refused)
        self.rotate_org.setEnabled(self._admin and org is not None)
        self.save_public.setEnabled(org is not None)
        self.trusted_value.setText(self._shown(
            lambda: (found.fingerprint if (found := service.trusted_org()) else
                     _("not set yet"))))
        self.device_value.setText(self._shown(
            lambda: service.device_fingerprint() or _("none (your role does not send bundles)")))
        if self._receiver:
            self.devices.refresh()

    @staticmethod
    def _shown(read: Callable[[], str]) -> str:
        """What ``read`` gives, or the refusal in words (a key changed behind the app's
        back is refused, and the dialog says why instead of failing)."""
        try:
            return read()
        except IntakeError as error:
            return error_text(error)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Office and devices"))
        self.title.setText(_("Office and devices"))
        self.org_label.setText(_("This office's key:"))
        self.trusted_label.setText(_("The office this vault sends to:"))
        self.device_label.setText(_("This device's fingerprint:"))
        self.create_org.setText(_("Create the office key"))
        self.rotate_org.setText(_("Replace the office key…"))
        self.save_public.setText(_("Save the public key for the field…"))
        self.trust_button.setText(_("Trust an office key file…"))
        self.outbox_label.setText(_("Outbox folder (sent bundles):"))
        self.inbox_label.setText(_("Inbox folder (bundles to receive):"))
        self.outbox.setAccessibleName(_("Outbox folder"))
        self.inbox.setAccessibleName(_("Inbox folder"))
        for button in (self.outbox_browse, self.inbox_browse):
            button.setText(_("Choose…"))

    def _say(self, text: str) -> None:
        self.message.setText(text)

    def _create_org(self) -> None:
        try:
            public = self._service.init_org()
        except Exception as error:
            self._say(error_text(error))
            return
        self._say(_("The office key was made. Its fingerprint: {fingerprint}").format(
            fingerprint=public.fingerprint))
        self.refresh()

    def _rotate_org(self) -> None:
        question = _("Replace the office key with a new one?\n\nBundles sealed to the "
                     "current key will still open here. Every field vault must then trust "
                     "the new public key (save it for the field, and read them its "
                     "fingerprint by phone) before its next bundle.")
        if not self._menu.confirm(self, _("Replace the office key"), question):
            return
        try:
            rotated = self._service.rotate_org()
        except Exception as error:
            self._say(error_text(error))
            return
        self._say(_("The office has a new key. Its fingerprint: {fingerprint}").format(
            fingerprint=rotated.new.fingerprint))
        self.refresh()

    def _save_public(self) -> None:
        path = self._menu.choose(self, _("Save the office's public key"), mode="save",
                                 name_filter="intake (*.pub)")
        if path is None:
            return
        try:
            public = self._service.org_public()
            with open(path, "xb") as handle:
                handle.write(public.to_file())
        except FileExistsError:
            self._say(NewFileExists(path=str(path)).message())
            return
        except Exception as error:
            self._say(error_text(error))
            return
        self._say(_("Saved. Give this file to the field, and read them the fingerprint by "
                    "phone: {fingerprint}").format(fingerprint=public.fingerprint))

    def _trust(self) -> None:
        path = self._menu.choose(self, _("Open the office's key file"), mode="open",
                                 name_filter="intake (*.pub)")
        if path is None:
            return
        try:
            data = path.read_bytes()
            public = OrgPublic.from_file(data)
        except Exception as error:
            self._say(error_text(error))
            return
        typed = self._menu.ask_fingerprint(self, _(
            "The key in this file has the fingerprint\n\n{fingerprint}\n\nAsk the office to "
            "read you their fingerprint by phone and type it here. Only if they match is "
            "this the office's key.").format(fingerprint=public.fingerprint))
        if typed is None:
            return
        try:
            self._service.trust_org(data, typed)
        except Exception as error:
            self._say(error_text(error))
            return
        self._say(_("The office's key is trusted: {fingerprint}").format(
            fingerprint=public.fingerprint))
        self.refresh()

    def _browse(self, edit: QLineEdit) -> None:
        chosen = self._menu.choose(self, _("Choose a folder"), mode="folder")
        if chosen is not None:
            edit.setText(str(chosen))

    def save(self) -> None:
        outbox, inbox = self.outbox.text().strip(), self.inbox.text().strip()
        for folder in (outbox, inbox):
            if folder and not Path(folder).is_dir():
                self._say(_("{path} is not a folder.").format(path=folder))
                return
        store = self._menu.settings
        store.save(store.load().with_changes(outbox_dir=outbox or None,
                                             inbox_dir=inbox or None))
        self.accept()
