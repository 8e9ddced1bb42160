"""The Transfer menu (field to office): Send to office, Receive from field, and Office and
devices… (:mod:`intake.ui.shell.office`). While the vault is open at the office, the inbox
folder is watched and whole bundles are imported as they arrive.

Sealing, opening and merging run on the session's vault worker (the window's tasks while
the vault is open); every refusal is one message in words.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer
from PySide6.QtWidgets import QWidget

from intake.i18n import _, ngettext
from intake.ui.kit import file_choice
from intake.ui.kit.errors import error_text

if TYPE_CHECKING:  # the transfer service and the office dialog: imported when first used
    from PySide6.QtGui import QAction

    from intake.services.desk import Desk
    from intake.services.transfer import BundleImported, BundleSent, InboxReport
    from intake.settings import SettingsStore
    from intake.ui.kit.progress import Ticker
    from intake.ui.shell.office import OfficeDialog
    from intake.ui.shell.seams import Shell

__all__ = ["OfficeDialog", "TransferMenu", "imported_text"]
log = logging.getLogger(__name__)
INBOX_POLL_MS = 60_000
BUNDLE_FILTER = "intake (*.intake)"


def __getattr__(name: str) -> object:
    """``OfficeDialog``, named here too, without importing it before it is needed."""
    if name == "OfficeDialog":
        from intake.ui.shell.office import OfficeDialog

        return OfficeDialog
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def ask_fingerprint(parent: QWidget, text: str) -> str | None:
    """The typed fingerprint of an untrusted device (``office.ask_fingerprint``)."""
    from intake.ui.shell import office

    return office.ask_fingerprint(parent, text)


def imported_text(result: BundleImported) -> str:
    if result.already_imported:
        return _("This bundle was imported before: nothing changed.")
    return _("Added {added}, updated {updated}, unchanged {skipped}, kept as history "
             "{history}, conflicts for review {conflicts}.").format(
        added=result.added, updated=result.updated, skipped=result.skipped,
        history=result.history, conflicts=result.conflicts)


class TransferMenu(QObject):
    def __init__(self, shell: Shell, send_action: QAction, receive_action: QAction,
                 office_action: QAction) -> None:
        super().__init__(shell.host)
        self.shell, self.window = shell, shell.host
        self.send_action, self.receive_action = send_action, receive_action
        self.office_action = office_action
        #: tests replace these: (parent, title, mode, filter) -> Path | None, and the typed
        #: fingerprint (parent, text) -> str | None
        self.choose: Callable[..., Path | None] = file_choice.choose
        self.ask_fingerprint: Callable[[QWidget, str], str | None] = ask_fingerprint
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _path: self.check_inbox())
        self.poll = QTimer(self)
        self.poll.setInterval(INBOX_POLL_MS)
        self.poll.timeout.connect(self.check_inbox)
        self._seen: set[str] = set()
        self._checking = False

    @property
    def settings(self) -> SettingsStore:
        return self.shell.settings

    def confirm(self, parent: QWidget, title: str, text: str) -> bool:
        """The office dialog's questions (revoke a device, replace the office key)."""
        return self.shell.dialogs.ask(parent, title, text)

    def _desk(self) -> Desk | None:
        return self.shell.desk if self.shell.unlocked else None

    # -- state ----------------------------------------------------------------------------
    def update(self, _unlocked: bool = True) -> None:
        """The actions were enabled (``actions.py``): watch the inbox when receiving is."""
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

    # -- sending --------------------------------------------------------------------------
    def send(self) -> None:
        desk = self._desk()
        if desk is None or not self.send_action.isEnabled():
            return
        outbox = self.settings.load().outbox_dir
        service = desk.transfer
        work: Callable[[Ticker], Any]
        if outbox:
            def work(tick: Ticker) -> Any:
                return service.send_to_outbox(Path(outbox), tick)
        else:
            target = self.choose(self.window, _("Save the sealed bundle"), mode="save",
                                 name_filter=BUNDLE_FILTER)
            if target is None:
                return
            if target.suffix != ".intake":
                target = target.with_name(target.name + ".intake")

            def work(tick: Ticker) -> Any:
                return service.create_bundle(target, tick=tick)
        workspace = self.shell.workspace
        if workspace is not None:
            workspace.flush()
        title = _("Send to office")
        from intake.ui.kit.progress import run_with_progress

        run_with_progress(self.shell.tasks, self.window, title,
                          _("Sealing the testimonies to the office's key…"), work,
                          self._sent, self._failed(title), cancelled=self._cancelled)

    def _cancelled(self) -> None:
        self.shell.say(_("Cancelled. Nothing was written."))

    def _sent(self, sent: BundleSent) -> None:
        window = self.window
        text = ngettext("{count} testimony was sealed to the office's key in {path}.",
                        "{count} testimonies were sealed to the office's key in {path}.",
                        sent.records).format(count=sent.records, path=sent.path)
        self.shell.say(text)
        desk = self._desk()
        question = text + "\n\n" + _(
            "Delete the testimonies you sent from this laptop now? Do it only once the "
            "office has received the bundle, or you keep a copy elsewhere.")
        if desk is None or not self.shell.dialogs.ask(window, _("Send to office"), question):
            return
        workspace = self.shell.workspace
        if workspace is not None:
            workspace.flush()
            workspace.release()
        try:
            deleted = desk.records.clear_all_records(sent.ids)
        except Exception as error:  # in words; nothing was deleted
            self.shell.dialogs.error(window, _("Send to office"), error_text(error))
            deleted = 0
        self.shell.reopen_workspace()
        self.shell.say(
            _("{count} testimonies were deleted.").format(count=deleted))

    # -- receiving ------------------------------------------------------------------------
    def receive(self, path: Path | None = None, trust: str | None = None) -> None:
        desk = self._desk()
        if desk is None or not self.receive_action.isEnabled():
            return
        if path is None:
            path = self.choose(self.window, _("Open a bundle from the field"), mode="open",
                               name_filter=BUNDLE_FILTER)
            if path is None:
                return
        chosen = path
        service = desk.transfer

        def work(tick: Ticker) -> Any:
            return service.import_bundle(chosen.read_bytes(), trust_device=trust, tick=tick)

        def failed(error: BaseException) -> None:
            from intake.services.transfer import UntrustedDevice

            if isinstance(error, UntrustedDevice) and trust is None:
                typed = self.ask_fingerprint(self.window, error.message() + "\n\n" + _(
                    "Ask the sender to read their device fingerprint to you, and type it "
                    "here to trust that device:"))
                if typed:
                    self.receive(chosen, typed)
                return
            self._failed(_("Receive from field"))(error)

        from intake.ui.kit.progress import run_with_progress

        run_with_progress(self.shell.tasks, self.window, _("Receive from field"),
                          _("Opening and checking the bundle, then adding its testimonies…"),
                          work, self._received, failed, cancelled=self._cancelled)

    def _received(self, result: BundleImported) -> None:
        self.shell.say(imported_text(result))
        self.shell.dialogs.inform(self.window, _("Receive from field"), imported_text(result))
        self._refresh_list()

    def _refresh_list(self) -> None:
        workspace = self.shell.workspace
        if workspace is not None:
            workspace.record_list.refresh()

    def check_inbox(self) -> None:
        desk = self._desk()
        inbox = self.settings.load().inbox_dir
        if desk is None or not inbox or self._checking or not self.receive_action.isEnabled():
            return
        self._checking = True
        service, seen = desk.transfer, self._seen
        self.shell.tasks.run(lambda: service.process_inbox(Path(inbox), seen),
                             self._inbox_done, self._inbox_failed)

    def _inbox_failed(self, error: BaseException) -> None:
        self._checking = False
        log.warning("inbox check failed (%s)", type(error).__name__)

    def _inbox_done(self, report: InboxReport) -> None:
        self._checking = False
        if report.imported:
            added = sum(r.added + r.updated for _n, r in report.imported)
            self.shell.say(ngettext(
                "{count} bundle received from the field ({records} testimonies).",
                "{count} bundles received from the field ({records} testimonies).",
                len(report.imported)).format(count=len(report.imported), records=added))
            self._refresh_list()
        if report.rejected:
            self.shell.dialogs.error(self.window, _("Receive from field"), "\n\n".join(
                f"{name}: {error_text(error)}" for name, error in report.rejected))

    def _failed(self, title: str) -> Callable[[BaseException], None]:
        def show(error: BaseException) -> None:
            self.shell.dialogs.error(self.window, title, error_text(error))
        return show

    # -- the office and devices dialog ----------------------------------------------------
    def open_office(self) -> None:
        desk = self._desk()
        if desk is None:
            return
        from intake.ui.shell.office import OfficeDialog

        dialog = OfficeDialog(desk.transfer, self, self.window)
        dialog.exec()
        dialog.deleteLater()
        self._watch(self.receive_action.isEnabled())


