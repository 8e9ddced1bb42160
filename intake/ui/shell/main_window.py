"""The main window: one screen at a time (first run, unlock, workspace) and the menus.

The window owns no data. Locking and quitting first save the open testimony (the form's
``flush``), then wait for background work, then close the vault through the session; the
workspace is replaced by a fresh unlock screen and deleted, not hidden. Run by the supervisor
(:mod:`intake.supervisor`), a lock ends the process instead and a fresh one shows that screen.

While a vault is open, :class:`AutoLock` watches the input of the whole application and
locks after the configured minutes without any; minimizing locks too when the settings say
so, and the screen locking or the machine going to sleep does (see
:mod:`intake.ui.shell.field_security`, which also holds the panic wipe, travel mode and the
security settings). The menus are declared once, as data, in :mod:`intake.ui.shell.actions`;
the views opened beside the window live in :class:`~intake.ui.shell.views.OpenViews`. A
language change reaches the window as Qt's ``LanguageChange`` event (sent by the
:class:`~intake.ui.shell.language.LanguageController`), handled in :meth:`changeEvent`.
At unlock the window makes the session's one :class:`~intake.services.desk.Desk` and its
vault worker (:mod:`intake.ui.shell.session_tasks`); the helpers (field security, record
tools, transfer, help, the vault dialogs) get the desk through the small
:class:`~intake.ui.shell.seams.Shell` protocol, never the window's fields or the vault.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QWidget

from intake.domain.permissions import Action, allowed
from intake.i18n import _
from intake.settings import forget_after_wipe
from intake.ui.kit.dialogs import Dialogs
from intake.ui.shell.actions import Screen, build_menu_bar, enable_actions, retranslate_menus
from intake.ui.shell.auto_lock import MINUTE_MS, AutoLock
from intake.ui.shell.clipboard import ClipboardGuard
from intake.ui.shell.lock_countdown import LockCountdown
from intake.ui.shell.menu_parts import MenuParts
from intake.ui.shell.place import remember_place, resume_place, take_back_recording
from intake.ui.shell.screen_kinds import is_first_passphrase, is_unlock_screen, is_workspace
from intake.ui.shell.session_tasks import SessionTasks
from intake.ui.shell.vault_views import OpenVaultViews
from intake.ui.shell.views import OpenViews

if TYPE_CHECKING:  # each screen and view is imported when first shown (issue 17)
    from intake.services.desk import Desk
    from intake.services.session import Session
    from intake.settings import SettingsStore
    from intake.ui.records.workspace import Workspace
    from intake.ui.screens.first_passphrase import InitialPassphrase
    from intake.ui.shell.language import LanguageController

log = logging.getLogger(__name__)


class MainWindow(QMainWindow, OpenVaultViews, MenuParts):
    """``menus_later``: the menus' entries and their helpers are made by
    :meth:`~intake.ui.shell.menu_parts.MenuParts.complete` once the window is up (issue 17;
    the menu bar and its titles are there from the start); without it, at once."""

    def __init__(
        self,
        session: Session,
        languages: LanguageController,
        settings: SettingsStore,
        vault_folder: Path,
        dialogs: Dialogs | None = None,
        parent: QWidget | None = None,
        default_folder: Path | None = None,
        menus_later: bool = False,
    ) -> None:
        super().__init__(parent)
        self._completed = False
        self._session, self._languages, self._settings = session, languages, settings
        self._folder = vault_folder
        self._desk: Desk | None = None  # one per unlock, made in _attach
        # Where a new installation puts its vault (the wizard's proposal after a panic
        # wipe). Unknown when the settings name another folder and the caller did not say.
        if default_folder is None and settings.load().vault_dir is None:
            default_folder = vault_folder
        self._default_folder = default_folder
        self.dialogs = dialogs or Dialogs()
        self.tasks = SessionTasks(self)  # the vault worker from unlock to lock
        self.views = OpenViews()
        self.auto_lock = AutoLock(parent=self)
        self.clipboard = ClipboardGuard(self)  # the app's copies: secret, and not kept
        self.auto_lock.idle.connect(self._idle)
        self.lock_countdown = LockCountdown(self.auto_lock, self)
        #: Set when a supervisor runs this process (intake.app): called after a lock closed
        #: the vault, with the user who locked; it ends the process when it can.
        self.leave_on_lock: Callable[[str], object] | None = None
        #: Tests set this (milliseconds) instead of the minutes in the settings.
        self.auto_lock_interval_ms: int | None = None
        self.setWindowTitle("intake")  # never a user's or a person's name
        self.resize(1000, 680)
        self.setMinimumSize(640, 480)  # fits 1366x768 at 150 % scaling

        self.menus = build_menu_bar(self)  # the titles; also window.vault_menu, ...
        if not menus_later:
            self.complete()
        if session.exists(vault_folder):
            self.show_unlock()
        else:
            self.show_wizard()
        self.retranslate()

    # -- what the helpers may ask (intake.ui.shell.seams.Shell) ----------------------------
    @property
    def host(self) -> QMainWindow:
        return self

    @property
    def languages(self) -> LanguageController:
        return self._languages

    @property
    def settings(self) -> SettingsStore:
        return self._settings

    @property
    def desk(self) -> Desk | None:
        return self._desk if self._session.unlocked else None

    @property
    def unlocked(self) -> bool:
        return self._session.unlocked

    @property
    def vault_folder(self) -> Path:
        return self._folder

    def say(self, text: str) -> None:
        self.statusBar().showMessage(text)

    # -- screens --------------------------------------------------------------------------
    @property
    def screen_widget(self) -> QWidget:
        widget = self.centralWidget()
        assert widget is not None
        return widget

    def _set_screen(self, widget: QWidget) -> None:
        old = self.centralWidget()
        self.setCentralWidget(widget)  # takes ownership; the old one is deleted by Qt
        if old is not None:
            old.deleteLater()
        self.enable_actions()

    def enable_actions(self) -> None:
        """Each action's rule (``actions.py``) over the session and the screen shown."""
        if not self.completed:
            return  # complete() enables them as the screen shown says
        widget = self.centralWidget()
        unlocked = self._session.unlocked
        in_workspace = unlocked and is_workspace(widget)
        role = self._session.role
        enable_actions(self.menu_actions, Screen(
            unlocked=unlocked, workspace=in_workspace,
            unlock_screen=is_unlock_screen(widget), role=role,
            may_export=(in_workspace and role is not None
                        and allowed(role, Action.EXPORT_ANONYMIZED))))
        self.transfer.update(in_workspace)

    @property
    def workspace(self) -> Workspace | None:
        widget = self.centralWidget()
        return widget if is_workspace(widget) else None

    def show_wizard(self) -> None:
        from intake.ui.screens.wizard import FirstRunWizard

        wizard = FirstRunWizard(
            self._session, self.tasks, self._languages, self.dialogs, self._settings,
            self._folder, self,
        )
        wizard.finished.connect(self._open_workspace)
        self._set_screen(wizard)

    def show_unlock(self, locked_by: str = "") -> None:
        """``locked_by``: the user who just locked, passed in memory only (never stored)."""
        from intake.ui.screens.unlock import UnlockScreen

        screen = UnlockScreen(
            self._session, self.tasks, self._languages, self.dialogs, self._folder, self,
            locked_by=locked_by,
        )
        screen.unlocked.connect(self._open_workspace)
        screen.must_change.connect(self._choose_passphrase)
        screen.wiped.connect(self._vault_wiped)
        self._set_screen(screen)
        screen.first_field.setFocus()

    def _attach(self, desk: Desk) -> Desk:
        """The unlocked vault's desk joins the session (so that Lock and Quit close it from
        here on) and is this unlock's one desk."""
        self.complete()  # before anything runs over the vault: its helpers are there
        self._folder = desk.folder
        self._session.attach(desk)
        if self._desk is None:
            self._desk = desk
            self.tasks.open_vault(desk)
            self.integrity.start(desk)
            from intake.ui.shell.recording_recovery import recover_recordings

            recover_recordings(self, desk)  # recordings cut short, finished (issue 19)
        self._start_auto_lock()
        return self._desk

    def _choose_passphrase(self, desk: Desk, initial: InitialPassphrase | None) -> None:
        """First unlock with an initial passphrase: only this screen (and Lock, Quit and the
        language) until the user has chosen their own; then the workspace."""
        from intake.ui.screens.first_passphrase import FirstPassphraseScreen

        screen = FirstPassphraseScreen(self._attach(desk), initial, self.tasks, self)
        screen.done.connect(lambda: self._open_workspace(desk))
        self._set_screen(screen)
        screen.passphrase.first.setFocus()

    def _open_workspace(self, unlocked: Desk) -> None:
        locked_recording = getattr(self.centralWidget(), "recording", None)
        desk = self._attach(unlocked)
        if desk.must_change_passphrase:
            self._choose_passphrase(desk, None)
            return
        if locked_recording is not None:
            locked_recording.release()
        workspace = self._show_workspace(desk)
        # the recording that went on while locked, on its testimony; else back to where
        # the user was when the vault locked
        if not take_back_recording(desk, workspace):
            resume_place(desk, workspace)

    def reopen_workspace(self) -> None:
        desk = self.desk
        if desk is not None:
            self._show_workspace(desk)

    def _show_workspace(self, desk: Desk) -> Workspace:
        from intake.ui.records.workspace import Workspace

        workspace = Workspace(desk, self.dialogs, self, tasks=self.tasks)
        workspace.lock_requested.connect(self.lock)
        workspace.status_message.connect(self.statusBar().showMessage)
        self._set_screen(workspace)
        # the keyboard starts in the list of testimonies (nothing had focus after unlock)
        workspace.record_list.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return workspace

    def new_record(self) -> None:
        if self.workspace is not None:
            self.workspace.new_record()

    def review_queue(self) -> None:
        if self.workspace is not None:
            self.workspace.show_queue()

    def find_testimony(self) -> None:
        if self.workspace is not None:
            self.workspace.focus_search()

    def may_export(self) -> bool:
        return self.menu_actions["export_action"].isEnabled()

    def _close_views(self) -> None:
        """Close every view beside the window (even the users dialog while it shows a
        recovery code); a passphrase change finishing while the vault locks opens no
        workspace."""
        if is_first_passphrase(self.centralWidget()):
            self.screen_widget.blockSignals(True)
        self.views.close_all()

    # -- locking --------------------------------------------------------------------------
    def lock(self, idle: bool = False) -> None:
        """Save the open testimony, close the vault and show a fresh unlock screen; the
        workspace is destroyed. A lock is never refused: what could not be saved is lost.
        A recording stops, except at the auto-lock (``idle``): it goes on, write-only."""
        self.auto_lock.stop()
        if not self._session.unlocked:
            return
        self.tasks.drain()  # a running save finishes first
        from intake.ui.shell.field_security import close_modal_dialogs

        close_modal_dialogs()
        self._close_views()
        self.clipboard.clear()
        workspace = self.workspace
        if workspace is not None:
            place = workspace.place()  # before the flush: the focus is still there
            workspace.flush()
            remember_place(self.desk, place)
            workspace.release(idle=idle)
        self.tasks.drain()
        locked_by = self._session.user or ""
        self._end_session()
        if self.leave_on_lock is not None:
            # Locked means empty: this process ends here and a fresh one shows the unlock
            # screen (intake.ui.shell.restart); it returns only without a supervisor.
            self.hide()
            self.leave_on_lock(locked_by)
            self.show()
        self.show_unlock(locked_by)

    def _end_session(self) -> None:
        if self.completed:  # else no check was started
            self.integrity.stop()
        self.tasks.close_vault()  # its connection closed on its own thread, first
        self._session.lock()
        self._desk = None
        self.statusBar().clearMessage()

    def close_at_once(self) -> None:
        """The panic wipe: no save, no audit entry; close what is open, drop the keys."""
        self.auto_lock.stop()
        self._close_views()
        workspace = self.workspace
        if workspace is not None:
            workspace.release(discard=True)
        from intake.ui.records.workspace_recording import abort_all

        abort_all(self._folder)  # a recording going on since a lock, discarded too
        self.tasks.drain()  # a running save or unlock finishes before the files go
        self._end_session()

    def start_over(self, folder: Path) -> None:
        """After the vault was destroyed (panic wipe, too many failed unlocks): the
        first-run wizard, or the unlock screen when the key slots are still there (never
        offer to overwrite them)."""
        if self._session.exists(folder):
            self.show_unlock()
        else:
            forget_after_wipe(self._settings, folder, self._default_folder)
            if self._default_folder is not None:
                self._folder = self._default_folder
            self.show_wizard()
        self.retranslate()

    def _vault_wiped(self) -> None:
        """The unlock screen's vault destroyed itself (too many wrong passphrases)."""
        self.start_over(self._folder)

    # -- auto-lock ------------------------------------------------------------------------
    def start_auto_lock(self) -> None:
        interval = self.auto_lock_interval_ms
        if interval is None:
            interval = self._settings.load().auto_lock_minutes * MINUTE_MS
        self.auto_lock.start(interval)

    _start_auto_lock = start_auto_lock

    def _idle(self) -> None:
        if self._session.unlocked:
            log.info("locking after inactivity")
            self.lock(idle=True)
        else:
            self.auto_lock.stop()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        elif (event.type() == QEvent.Type.WindowStateChange and self.isMinimized()
                and self._session.unlocked and self._settings.load().lock_on_minimize):
            self.lock()

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Every text of the window from the action table, then the open views and the
        screen (called on ``LanguageChange``)."""
        retranslate_menus(self.menus, self.menu_actions if self.completed else {})
        if self.completed:
            for code, action in self.language_actions.items():
                action.setChecked(code == self._languages.language)
        self.views.retranslate()
        retranslate = getattr(self.centralWidget(), "retranslate", None)
        if callable(retranslate):
            retranslate()

    # -- closing --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        workspace = self.workspace
        if workspace is not None:
            if not workspace.flush() and not self.dialogs.ask(
                self, _("Changes not saved"),
                _("The last changes to the open testimony could not be saved. "
                  "Quit anyway? Those changes will be lost."),
            ):
                event.ignore()
                return
            workspace.release()
        self.auto_lock.stop()
        self.clipboard.clear()
        self._close_views()
        self.tasks.drain()
        self._end_session()
        super().closeEvent(event)
