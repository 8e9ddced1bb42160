"""The Transfer menu (field to office): Send to office, Receive from field, and Office and devices…
(the organisation's key, trusting the office's key by its fingerprint, this device's
fingerprint, and the outbox and inbox folders). While the vault is open at the office, the
inbox folder is watched and whole bundles are imported as they arrive.

Sealing, opening and merging run on a worker; every refusal is one message in words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFileSystemWatcher, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.domain.permissions import Action, allowed
from intake.errors import NewFileExists
from intake.i18n import _, ngettext
from intake.services.interviews import InterviewService
from intake.services.transfer import (
    BundleImported,
    BundleSent,
    InboxReport,
    TransferService,
    UntrustedDevice,
)
from intake.settings import SettingsStore
from intake.ui.kit import file_choice
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.progress import Ticker, run_with_progress
from intake.vault.transfer_keys import OrgPublic
from intake.vault.vault import Vault

if TYPE_CHECKING:
    from intake.ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)
INBOX_POLL_MS = 60_000
BUNDLE_FILTER = "intake (*.intake)"


def _released(vault: Vault, work: Callable[[], Any]) -> Any:
    """Run ``work`` on this (worker) thread, then close the thread's connection."""
    try:
        return work()
    finally:
        vault.release_thread_connection()


def _on_worker(vault: Vault, work: Callable[[], Any]) -> Callable[[], Any]:
    return lambda: _released(vault, work)


def imported_text(result: BundleImported) -> str:
    if result.already_imported:
        return _("This bundle was imported before: nothing changed.")
    return _("Added {added}, updated {updated}, unchanged {skipped}, kept as history "
             "{history}, conflicts for review {conflicts}.").format(
        added=result.added, updated=result.updated, skipped=result.skipped,
        history=result.history, conflicts=result.conflicts)


class TransferMenu(QObject):
    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        super().__init__(window)
        self.window, self.menu = window, menu
        self.send_action = QAction(window)
        self.send_action.setObjectName("send_to_office_action")
        self.send_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.send_action.triggered.connect(self.send)
        self.receive_action = QAction(window)
        self.receive_action.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.receive_action.setObjectName("receive_from_field_action")
        self.receive_action.triggered.connect(lambda _checked=False: self.receive())
        self.office_action = QAction(window)
        self.office_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.office_action.setObjectName("office_and_devices_action")
        self.office_action.triggered.connect(self.open_office)
        for action in (self.send_action, self.receive_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.office_action)
        #: tests replace these: (parent, title, mode, filter) -> Path | None, and the typed
        #: fingerprint (parent, text) -> str | None
        self.choose: Callable[..., Path | None] = file_choice.choose
        self.ask_fingerprint: Callable[[QWidget, str], str | None] = _ask_fingerprint
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _path: self.check_inbox())
        self.poll = QTimer(self)
        self.poll.setInterval(INBOX_POLL_MS)
        self.poll.timeout.connect(self.check_inbox)
        self._seen: set[str] = set()
        self._checking = False

    @property
    def settings(self) -> SettingsStore:
        return self.window._settings

    def _vault(self) -> Vault | None:
        return self.window._session.vault if self.window._session.unlocked else None

    # -- state ----------------------------------------------------------------------------
    def update(self, unlocked: bool) -> None:
        vault = self._vault() if unlocked else None
        role = vault.role if vault is not None else None
        self.send_action.setEnabled(role is not None and allowed(role, Action.SEND_TO_OFFICE))
        self.receive_action.setEnabled(role is not None and allowed(role, Action.IMPORT))
        self.office_action.setEnabled(role is not None)
        self._watch(self.receive_action.isEnabled())

    def _watch(self, on: bool) -> None:
        for path in self.watcher.directories():
            self.watcher.removePath(path)
        self.poll.stop()
        inbox = self.settings.load().inbox_dir
        if on and inbox and Path(inbox).is_dir():
            self.watcher.addPath(inbox)
            self.poll.start()
            QTimer.singleShot(0, self.check_inbox)

    def retranslate(self) -> None:
        self.menu.setTitle(_("T&ransfer"))
        self.send_action.setText(_("&Send to office"))
        self.receive_action.setText(_("&Receive from field…"))
        self.office_action.setText(_("&Office and devices…"))

    # -- sending --------------------------------------------------------------------------
    def send(self) -> None:
        vault = self._vault()
        if vault is None or not self.send_action.isEnabled():
            return
        outbox = self.settings.load().outbox_dir
        service = TransferService(vault)
        work: Callable[[Ticker], Any]
        if outbox:
            def work(tick: Ticker) -> Any:
                return _released(vault, lambda: service.send_to_outbox(Path(outbox), tick))
        else:
            target = self.choose(self.window, _("Save the sealed bundle"), mode="save",
                                 name_filter=BUNDLE_FILTER)
            if target is None:
                return
            if target.suffix != ".intake":
                target = target.with_name(target.name + ".intake")

            def work(tick: Ticker) -> Any:
                return _released(vault, lambda: service.create_bundle(target, tick=tick))
        workspace = self.window.workspace
        if workspace is not None:
            workspace.flush()
        title = _("Send to office")
        run_with_progress(self.window.tasks, self.window, title,
                          _("Sealing the testimonies to the office's key…"), work,
                          self._sent, self._failed(title), cancelled=self._cancelled)

    def _cancelled(self) -> None:
        self.window.statusBar().showMessage(_("Cancelled. Nothing was written."))

    def _sent(self, sent: BundleSent) -> None:
        window = self.window
        text = ngettext("{count} testimony was sealed to the office's key in {path}.",
                        "{count} testimonies were sealed to the office's key in {path}.",
                        sent.records).format(count=sent.records, path=sent.path)
        window.statusBar().showMessage(text)
        vault = self._vault()
        if vault is None or not window.dialogs.ask(window, _("Send to office"), text + "\n\n" + _(
                "Delete the testimonies you sent from this laptop now? Do it only once the "
                "office has received the bundle, or you keep a copy elsewhere.")):
            return
        workspace = window.workspace
        if workspace is not None:
            workspace.flush()
            workspace.release()
        try:
            deleted = InterviewService(vault).clear_all_records(sent.ids)
        except Exception as error:  # in words; nothing was deleted
            window.dialogs.error(window, _("Send to office"), error_text(error))
            deleted = 0
        window._open_workspace(vault)
        window.statusBar().showMessage(
            _("{count} testimonies were deleted.").format(count=deleted))

    # -- receiving ------------------------------------------------------------------------
    def receive(self, path: Path | None = None, trust: str | None = None) -> None:
        vault = self._vault()
        if vault is None or not self.receive_action.isEnabled():
            return
        if path is None:
            path = self.choose(self.window, _("Open a bundle from the field"), mode="open",
                               name_filter=BUNDLE_FILTER)
            if path is None:
                return
        chosen = path
        service = TransferService(vault)

        def work(tick: Ticker) -> Any:
            return _released(vault, lambda: service.import_bundle(
                chosen.read_bytes(), trust_device=trust, tick=tick))

        def failed(error: BaseException) -> None:
            if isinstance(error, UntrustedDevice) and trust is None:
                typed = self.ask_fingerprint(self.window, error.message() + "\n\n" + _(
                    "Ask the sender to read their device fingerprint to you, and type it "
                    "here to trust that device:"))
                if typed:
                    self.receive(chosen, typed)
                return
            self._failed(_("Receive from field"))(error)

        run_with_progress(self.window.tasks, self.window, _("Receive from field"),
                          _("Opening and checking the bundle, then adding its testimonies…"),
                          work, self._received, failed, cancelled=self._cancelled)

    def _received(self, result: BundleImported) -> None:
        self.window.statusBar().showMessage(imported_text(result))
        self.window.dialogs.inform(self.window, _("Receive from field"), imported_text(result))
        self._refresh_list()

    def _refresh_list(self) -> None:
        workspace = self.window.workspace
        if workspace is not None:
            workspace.record_list.refresh()

    def check_inbox(self) -> None:
        vault = self._vault()
        inbox = self.settings.load().inbox_dir
        if vault is None or not inbox or self._checking or not self.receive_action.isEnabled():
            return
        self._checking = True
        service, seen = TransferService(vault), self._seen
        self.window.tasks.run(_on_worker(vault, lambda: service.process_inbox(Path(inbox), seen)),
                              self._inbox_done, self._inbox_failed)

    def _inbox_failed(self, error: BaseException) -> None:
        self._checking = False
        log.warning("inbox check failed (%s)", type(error).__name__)

    def _inbox_done(self, report: InboxReport) -> None:
        self._checking = False
        if report.imported:
            added = sum(r.added + r.updated for _n, r in report.imported)
            self.window.statusBar().showMessage(ngettext(
                "{count} bundle received from the field ({records} testimonies).",
                "{count} bundles received from the field ({records} testimonies).",
                len(report.imported)).format(count=len(report.imported), records=added))
            self._refresh_list()
        if report.rejected:
            self.window.dialogs.error(self.window, _("Receive from field"), "\n\n".join(
                f"{name}: {error_text(error)}" for name, error in report.rejected))

    def _failed(self, title: str) -> Callable[[BaseException], None]:
        def show(error: BaseException) -> None:
            self.window.dialogs.error(self.window, title, error_text(error))
        return show

    # -- the office and devices dialog ----------------------------------------------------
    def open_office(self) -> None:
        vault = self._vault()
        if vault is None:
            return
        dialog = OfficeDialog(TransferService(vault), self, self.window)
        dialog.exec()
        dialog.deleteLater()
        self._watch(self.receive_action.isEnabled())


def _ask_fingerprint(parent: QWidget, text: str) -> str | None:
    typed, ok = QInputDialog.getText(parent, _("Compare the fingerprint"), text,
                                     QLineEdit.EchoMode.Normal, "")
    return typed if ok and typed.strip() else None


class OfficeDialog(QDialog):
    """The organisation's key (office administrators), the office this vault sends to
    (field administrators), this device's fingerprint, and the two folders."""

    def __init__(self, service: TransferService, menu: TransferMenu,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("office_dialog")
        self.setModal(True)
        self._service, self._menu = service, menu
        self.setMinimumWidth(640)  # the folders and fingerprints read whole
        self._admin = allowed(service.vault.role, Action.MANAGE_USERS)
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

        org_row = QHBoxLayout()
        org_row.addWidget(self.create_org)
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
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        for widget in (self.create_org, self.save_public, self.trust_button):
            widget.setVisible(self._admin)
        self.refresh()

    def refresh(self) -> None:
        self.retranslate()
        service = self._service
        org: OrgPublic | None = None
        if self._admin:
            try:
                org = service.org_public()
            except Exception:  # no organisation key: this is a field vault, or not yet
                org = None
        self.org_value.setText(org.fingerprint if org else _("none (this is not the office)"))
        self.create_org.setEnabled(self._admin and org is None)
        self.save_public.setEnabled(org is not None)
        trusted = service.trusted_org()
        self.trusted_value.setText(trusted.fingerprint if trusted else _("not set yet"))
        self.device_value.setText(service.device_fingerprint())

    def retranslate(self) -> None:
        self.setWindowTitle(_("Office and devices"))
        self.title.setText(_("Office and devices"))
        self.org_label.setText(_("This office's key:"))
        self.trusted_label.setText(_("The office this vault sends to:"))
        self.device_label.setText(_("This device's fingerprint:"))
        self.create_org.setText(_("Create the office key"))
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
