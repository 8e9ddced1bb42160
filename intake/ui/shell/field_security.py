"""The main window's field-security actions: panic wipe, travel mode, the
security settings, and locking when the screen locks or the machine goes to sleep.

- **Screen lock and suspend**: where the desktop reports them over D-Bus (the
  freedesktop/GNOME/KDE screen savers' ``ActiveChanged``, logind's ``PrepareForSleep``), and
  where Qt itself reports the application suspended, the vault locks at once. Without a bus
  (a bare X server, Windows, macOS) the inactivity timer still applies.
- **Modal dialogs** are closed first when the vault locks: a question left open must not
  keep a testimony on screen, nor act on a vault that is gone when it is answered.
- **Travel mode** deletes every testimony after two confirmations: a question, then the
  number of testimonies typed back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import SLOT, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QLineEdit

from intake.domain.permissions import Action, allowed
from intake.i18n import _
from intake.ui.kit import file_choice
from intake.ui.kit.errors import error_text

if TYPE_CHECKING:
    from intake.services.backup import BackupMade
    from intake.ui.kit.progress import Ticker
    from intake.ui.shell.seams import Shell

log = logging.getLogger(__name__)

#: (service, path, interface) of the screen savers that announce ``ActiveChanged(bool)``
SCREEN_SAVERS = (
    ("org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
     "org.freedesktop.ScreenSaver"),
    ("org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver"),
    ("org.kde.screensaver", "/ScreenSaver", "org.freedesktop.ScreenSaver"),
)
LOGIN1 = ("org.freedesktop.login1", "/org/freedesktop/login1",
          "org.freedesktop.login1.Manager")
#: D-Bus is connected to this long after the window is built, so that the first screen does
#: not wait for it (issue 17); a lock matters only once a vault is open, and no unlock (a
#: key derivation of a second or more) ends before then.
DBUS_DELAY_MS = 100


class ScreenLockWatcher(QObject):
    """Emits ``should_lock`` when the screen locks, the session is about to sleep, or Qt
    reports the application suspended."""

    should_lock = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sources: list[str] = []  # what is being watched, for the log and the tests
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._state_changed)
            self.sources.append("qt")
        QTimer.singleShot(DBUS_DELAY_MS, self, self._connect_dbus)

    def _connect_dbus(self) -> None:
        try:
            from PySide6.QtDBus import QDBusConnection
        except ImportError:  # a build of Qt without D-Bus (Windows, macOS)
            return
        session = QDBusConnection.sessionBus()
        if session.isConnected():
            for service, path, interface in SCREEN_SAVERS:
                if session.connect(service, path, interface, "ActiveChanged", self,
                                   SLOT("screen_saver_changed(bool)").encode("ascii")):
                    self.sources.append(service)
        system = QDBusConnection.systemBus()
        service, path, interface = LOGIN1
        if system.isConnected() and system.connect(
                service, path, interface, "PrepareForSleep", self,
                SLOT("prepare_for_sleep(bool)").encode("ascii")):
            self.sources.append(LOGIN1[0])
        log.info("screen lock sources: %d", len(self.sources))

    @Slot(bool)
    def screen_saver_changed(self, active: bool) -> None:
        if active:
            self.should_lock.emit()

    @Slot(bool)
    def prepare_for_sleep(self, going_to_sleep: bool) -> None:
        if going_to_sleep:
            self.should_lock.emit()

    def _state_changed(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationSuspended:
            self.should_lock.emit()


def close_modal_dialogs(limit: int = 20) -> int:
    """Close every open modal dialog, innermost first (a question's nested event loop
    returns as if it were cancelled); returns how many were closed."""
    closed = 0
    while closed < limit:
        modal = QApplication.activeModalWidget()
        if modal is None:
            break
        if isinstance(modal, QDialog):
            modal.reject()
        modal.close()
        modal.hide()
        closed += 1
    return closed


class FieldSecurity:
    """The window's panic wipe, travel mode, backup, check and security settings."""

    def __init__(self, shell: Shell, panic_wipe_action: QAction) -> None:
        self.shell = shell
        self._panic_wipe_action = panic_wipe_action
        self.screen_lock = ScreenLockWatcher(shell.host)
        self.screen_lock.should_lock.connect(self._screen_locked)
        #: tests replace it (see intake.ui.kit.file_choice.choose)
        self.choose_file: Callable[..., Path | None] = file_choice.choose

    def _screen_locked(self) -> None:
        if self.shell.unlocked:
            log.info("locking: screen locked or session suspended")
            self.shell.lock()

    # -- security settings ----------------------------------------------------------------
    def open_settings(self) -> None:
        from intake.ui.admin.security_settings import SecuritySettingsDialog

        shell = self.shell
        desk = shell.desk
        users = (desk.users if desk is not None and allowed(desk.role, Action.MANAGE_USERS)
                 else None)
        dialog = SecuritySettingsDialog(shell.settings, users, shell.host)
        shell.auto_lock.stop()  # the dialog is modal; restart with what it saved
        try:
            dialog.exec()
        finally:
            if shell.unlocked:
                shell.start_auto_lock()

    # -- travel mode ----------------------------------------------------------------------
    def travel_mode(self) -> None:
        """Vault → Travel mode: delete every testimony, after two confirmations."""
        shell, window = self.shell, self.shell.host
        desk, workspace = shell.desk, shell.workspace
        if desk is None or workspace is None:
            return
        count = desk.records.count()
        if not shell.dialogs.ask(window, _("Travel mode"), _(
            "Delete all {count} testimonies in this vault now?\n\nDo this only when they "
            "are safe elsewhere (at the office). Users and settings stay; the testimonies "
            "cannot be brought back.").format(count=count)):
            return
        typed = self._ask_count(count)
        if typed is None:
            return
        if typed.strip() != str(count):
            shell.dialogs.inform(window, _("Travel mode"), _(
                "The number did not match: nothing was deleted."))
            return
        workspace.flush()
        workspace.release(discard=True)  # a recording too (issue 19)
        shell.tasks.drain()
        try:
            deleted = desk.records.clear_all_records()
        except Exception as error:  # one message in words; the testimonies are all there
            shell.dialogs.error(window, _("Travel mode"), error_text(error))
            shell.reopen_workspace()
            return
        shell.reopen_workspace()
        shell.say(_("{count} testimonies were deleted.").format(count=deleted))

    def _ask_count(self, count: int) -> str | None:
        """The second confirmation: the number of testimonies typed back (tests answer
        through ``Dialogs.set_next_answer``-style hooks by replacing this method)."""
        text, ok = QInputDialog.getText(
            self.shell.host, _("Travel mode"),
            _("To confirm, type the number of testimonies that will be deleted ({count}):")
            .format(count=count), QLineEdit.EchoMode.Normal, "")
        return text if ok else None

    # -- backup ---------------------------------------------------------------------------
    def backup(self) -> None:
        """Vault → Back up…: the whole vault, still encrypted, into one new file (on a
        worker); restoring is ``intake restore`` on the machine that needs it."""
        shell, window = self.shell, self.shell.host
        desk = shell.desk
        if desk is None:
            return
        target = self.choose_file(window, _("Back up the vault"), mode="save",
                                  name_filter="intake (*.backup)")
        if target is None:
            return
        if not target.suffix:
            target = target.with_name(target.name + ".backup")
        from intake.ui.kit.progress import run_with_progress

        workspace = shell.workspace
        if workspace is not None:
            workspace.flush()

        def work(tick: Ticker) -> BackupMade:  # on the vault worker
            return desk.backup.create(target, tick)

        run_with_progress(
            shell.tasks, window, _("Back up the vault"),
            _("Copying the encrypted vault into the backup file…"), work,
            lambda made: shell.say(_(
                "Backup written to {path} ({files} files).").format(path=made.path,
                                                                   files=made.files)),
            lambda error: shell.dialogs.error(window, _("Back up the vault"),
                                              error_text(error)),
            cancelled=lambda: shell.say(_("Cancelled. Nothing was written.")))

    def check_vault(self) -> None:
        """Vault → Check the vault…: the full check of ``intake check`` (every page's HMAC,
        every index, the audit log's chain and bound head) on a worker. Cancel abandons it
        (one long PRAGMA cannot stop half-way; a check changes nothing)."""
        shell, window = self.shell, self.shell.host
        desk = shell.desk
        if desk is None:
            return
        title = _("Check the vault")
        from intake.ui.kit.progress import ABANDON, run_with_progress

        def work(_tick: Ticker) -> None:  # aside: a connection of its own, closed here
            try:
                desk.check_integrity()
            finally:
                desk.end_thread()

        run_with_progress(
            shell.tasks.aside, window, title,
            _("Checking every page of the vault and the audit log…"), work,
            lambda _result: shell.dialogs.inform(window, title, _(
                "The vault is intact: every page, every index and the audit log were "
                "checked.")),
            lambda error: shell.dialogs.error(window, title, error_text(error)),
            cancelled=lambda: shell.say(_("The check was stopped.")),
            mode=ABANDON)

    # -- panic wipe -----------------------------------------------------------------------
    def panic_wipe(self) -> None:
        """Vault → Panic wipe…: after one confirmation, close the vault without saving,
        destroy its files (key slots first) and start over with the first-run wizard."""
        shell, window = self.shell, self.shell.host
        if not self._panic_wipe_action.isEnabled():
            return
        if not shell.dialogs.ask(window, _("Panic wipe"), _(
            "Destroy this vault now?\n\nEVERYTHING in this vault is destroyed for good: "
            "every testimony, every user and the audit log. There is no recovery, not even "
            "with the recovery code.\n\nThe program then starts over as if newly installed."
        )):
            return
        desk = shell.desk
        folder = desk.folder if desk is not None else shell.vault_folder
        # No save, no audit entry: close what is open and drop the keys, as fast as possible.
        from intake.services import opening  # imported by the warm-up long before

        shell.close_at_once()
        try:
            failed = list(opening.wipe(folder).failed)
        except Exception as exc:  # each step is independent inside; this is the last resort
            log.error("panic wipe failed (%s)", type(exc).__name__)  # no message: no path
            failed = [_("everything")]
        shell.start_over(folder)
        if failed:
            log.error("panic wipe: %d step(s) failed", len(failed))
            shell.dialogs.error(window, _("Panic wipe"), _(
                "Some parts of the vault could not be destroyed ({steps}). Delete the vault "
                "folder by hand or destroy the disk."
            ).format(steps=", ".join(failed)))
        leave = getattr(window, "leave_on_lock", None)
        if leave is not None:  # as a lock: this process ends, a fresh one shows the wizard
            leave("")
