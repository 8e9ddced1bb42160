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

from PySide6.QtCore import SLOT, QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QInputDialog, QLineEdit

from intake.i18n import _
from intake.services.backup import BackupMade, BackupService
from intake.services.interviews import InterviewService
from intake.services.users import UserService
from intake.ui.admin.security_settings import SecuritySettingsDialog
from intake.ui.kit import file_choice
from intake.ui.kit.errors import error_text
from intake.ui.kit.progress import ABANDON, Ticker, run_with_progress
from intake.vault.wipe import wipe_vault

if TYPE_CHECKING:
    from intake.ui.shell.main_window import MainWindow

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
        self._connect_dbus()

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
    """The window's panic wipe, travel mode and security settings."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.screen_lock = ScreenLockWatcher(window)
        self.screen_lock.should_lock.connect(self._screen_locked)
        #: tests replace it (see intake.ui.kit.file_choice.choose)
        self.choose_file: Callable[..., Path | None] = file_choice.choose

    def _screen_locked(self) -> None:
        if self.window._session.unlocked:
            log.info("locking: screen locked or session suspended")
            self.window.lock()

    # -- security settings ----------------------------------------------------------------
    def open_settings(self) -> None:
        window = self.window
        vault = window._session.vault
        users = (UserService(vault) if vault is not None and window.users_action.isEnabled()
                 else None)
        dialog = SecuritySettingsDialog(window._settings, users, window)
        window.auto_lock.stop()  # the dialog is modal; restart with what it saved
        try:
            dialog.exec()
        finally:
            if window._session.unlocked:
                window._start_auto_lock()

    # -- travel mode ----------------------------------------------------------------------
    def travel_mode(self) -> None:
        """Vault → Travel mode: delete every testimony, after two confirmations."""
        window = self.window
        vault = window._session.vault
        workspace = window.workspace
        if vault is None or workspace is None:
            return
        service = InterviewService(vault)
        count = service.count()
        if not window.dialogs.ask(window, _("Travel mode"), _(
            "Delete all {count} testimonies in this vault now?\n\nDo this only when they "
            "are safe elsewhere (at the office). Users and settings stay; the testimonies "
            "cannot be brought back.").format(count=count)):
            return
        typed = self._ask_count(count)
        if typed is None:
            return
        if typed.strip() != str(count):
            window.dialogs.inform(window, _("Travel mode"), _(
                "The number did not match: nothing was deleted."))
            return
        workspace.flush()
        workspace.release()
        window.tasks.drain()
        try:
            deleted = service.clear_all_records()
        except Exception as error:  # one message in words; the testimonies are all there
            window.dialogs.error(window, _("Travel mode"), error_text(error))
            window._open_workspace(vault)
            return
        window._open_workspace(vault)
        window.statusBar().showMessage(
            _("{count} testimonies were deleted.").format(count=deleted))

    def _ask_count(self, count: int) -> str | None:
        """The second confirmation: the number of testimonies typed back (tests answer
        through ``Dialogs.set_next_answer``-style hooks by replacing this method)."""
        text, ok = QInputDialog.getText(
            self.window, _("Travel mode"),
            _("To confirm, type the number of testimonies that will be deleted ({count}):")
            .format(count=count), QLineEdit.EchoMode.Normal, "")
        return text if ok else None

    # -- backup ---------------------------------------------------------------------------
    def backup(self) -> None:
        """Vault → Back up…: the whole vault, still encrypted, into one new file (on a
        worker); restoring is ``intake restore`` on the machine that needs it."""
        window = self.window
        vault = window._session.vault
        if vault is None:
            return
        target = self.choose_file(window, _("Back up the vault"), mode="save",
                                  name_filter="intake (*.backup)")
        if target is None:
            return
        if not target.suffix:
            target = target.with_name(target.name + ".backup")
        workspace = window.workspace
        if workspace is not None:
            workspace.flush()

        def work(tick: Ticker) -> BackupMade:
            try:
                return BackupService(vault).create(target, tick)
            finally:
                vault.release_thread_connection()

        run_with_progress(
            window.tasks, window, _("Back up the vault"),
            _("Copying the encrypted vault into the backup file…"), work,
            lambda made: window.statusBar().showMessage(_(
                "Backup written to {path} ({files} files).").format(path=made.path,
                                                                   files=made.files)),
            lambda error: window.dialogs.error(window, _("Back up the vault"),
                                               error_text(error)),
            cancelled=lambda: window.statusBar().showMessage(
                _("Cancelled. Nothing was written.")))

    def check_vault(self) -> None:
        """Vault → Check the vault…: the full check of ``intake check`` (every page's HMAC,
        every index, the audit log's chain and bound head) on a worker. Cancel abandons it
        (one long PRAGMA cannot stop half-way; a check changes nothing)."""
        window = self.window
        vault = window._session.vault
        if vault is None:
            return
        title = _("Check the vault")

        def work(_tick: Ticker) -> None:
            try:
                vault.verify_integrity()
            finally:
                vault.release_thread_connection()

        run_with_progress(
            window.tasks, window, title,
            _("Checking every page of the vault and the audit log…"), work,
            lambda _result: window.dialogs.inform(window, title, _(
                "The vault is intact: every page, every index and the audit log were "
                "checked.")),
            lambda error: window.dialogs.error(window, title, error_text(error)),
            cancelled=lambda: window.statusBar().showMessage(_("The check was stopped.")),
            mode=ABANDON)

    # -- panic wipe -----------------------------------------------------------------------
    def panic_wipe(self) -> None:
        """Vault → Panic wipe…: after one confirmation, close the vault without saving,
        destroy its files (key slots first) and start over with the first-run wizard."""
        window = self.window
        if not window.panic_wipe_action.isEnabled():
            return
        if not window.dialogs.ask(window, _("Panic wipe"), _(
            "Destroy this vault now?\n\nEVERYTHING in this vault is destroyed for good: "
            "every testimony, every user and the audit log. There is no recovery, not even "
            "with the recovery code.\n\nThe program then starts over as if newly installed."
        )):
            return
        vault = window._session.vault
        folder = vault.files.folder if vault is not None else window._folder
        # No save, no audit entry: close what is open and drop the keys, as fast as possible.
        window.auto_lock.stop()
        window._close_export()
        window._close_vault_dialogs()
        workspace = window.workspace
        if workspace is not None:
            workspace.release()
        window.tasks.drain()  # a running save or unlock finishes before the files go
        window._session.lock()
        window.statusBar().clearMessage()
        try:
            failed = list(wipe_vault(folder).failed)
        except Exception as exc:  # each step is independent inside; this is the last resort
            log.error("panic wipe failed (%s)", type(exc).__name__)  # no message: no path
            failed = [_("everything")]
        self.start_over(folder)
        if failed:
            log.error("panic wipe: %d step(s) failed", len(failed))
            window.dialogs.error(window, _("Panic wipe"), _(
                "Some parts of the vault could not be destroyed ({steps}). Delete the vault "
                "folder by hand or destroy the disk."
            ).format(steps=", ".join(failed)))

    def start_over(self, folder: Path) -> None:
        """After the vault was destroyed (panic wipe, too many failed unlocks): the
        first-run wizard, or the unlock screen when the key slots are still there (never
        offer to overwrite them)."""
        window = self.window
        if window._session.exists(folder):
            window.show_unlock()
        else:
            self._forget_vault_folder()
            window.show_wizard()
        window.retranslate()

    def _forget_vault_folder(self) -> None:
        """After a wipe, the settings no longer name the wiped folder (when the default
        folder is known; otherwise the wizard proposes the same folder again)."""
        window = self.window
        if window._default_folder is None:
            return
        settings = window._settings.load()
        if settings.vault_dir is not None:
            window._settings.save(settings.with_changes(vault_dir=None))
        window._folder = window._default_folder
