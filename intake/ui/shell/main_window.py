"""The main window: one screen at a time (first run, unlock, workspace) and the menus.

The window owns no data. Locking and quitting first save the open testimony (the form's
``flush``), then wait for background work, then close the vault through the session; the
workspace is replaced by a fresh unlock screen and deleted, not hidden.

While a vault is open, :class:`AutoLock` watches the input of the whole application and
locks after the configured minutes without any; minimizing locks too when the settings say
so, and the screen locking or the machine going to sleep does (see
:mod:`intake.ui.shell.field_security`, which also holds the panic wipe, travel mode and the
security settings).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from intake.domain.permissions import Action, allowed
from intake.errors import IntakeError
from intake.i18n import LANGUAGE_NAMES, _
from intake.services.desk import Desk
from intake.services.drafts import Place, ResumePlace
from intake.services.exports import EXPORTERS
from intake.services.interviews import InterviewService
from intake.services.session import Session
from intake.settings import SettingsStore
from intake.ui.admin.audit_view import AuditView
from intake.ui.admin.users_dialog import UsersDialog
from intake.ui.export.export_wizard import ExportWizard
from intake.ui.export.statistics_export import StatisticsExportDialog
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.theme import icon
from intake.ui.kit.worker import BackgroundTasks
from intake.ui.records.workspace import Workspace
from intake.ui.screens.first_passphrase import FirstPassphraseScreen, InitialPassphrase
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.screens.wizard import FirstRunWizard
from intake.ui.shell.auto_lock import MINUTE_MS, AutoLock
from intake.ui.shell.clipboard import ClipboardGuard
from intake.ui.shell.field_security import FieldSecurity, close_modal_dialogs
from intake.ui.shell.help_menu import HelpMenu
from intake.ui.shell.language import LanguageController
from intake.ui.shell.lock_countdown import LockCountdown
from intake.ui.shell.record_tools import RecordTools
from intake.ui.shell.transfer import TransferMenu
from intake.vault.vault import Vault

log = logging.getLogger(__name__)
#: Language → its menu entry's shortcut (K for 한국어; G, as in "Global", for English).
LANGUAGE_KEYS = {"ko": "Ctrl+Shift+K", "en": "Ctrl+Shift+G"}


class MainWindow(QMainWindow):
    def __init__(
        self,
        session: Session,
        languages: LanguageController,
        settings: SettingsStore,
        vault_folder: Path,
        dialogs: Dialogs | None = None,
        interviews: Callable[[Vault], InterviewService] = InterviewService,
        parent: QWidget | None = None,
        default_folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._interviews = interviews
        self._languages = languages
        self._settings = settings
        self._folder = vault_folder
        # Where a new installation puts its vault (the wizard's proposal after a panic
        # wipe). Unknown when the settings name another folder and the caller did not say.
        if default_folder is None and settings.load().vault_dir is None:
            default_folder = vault_folder
        self._default_folder = default_folder
        self.dialogs = dialogs or Dialogs()
        self.tasks = BackgroundTasks(self)
        self.auto_lock = AutoLock(parent=self)
        self.clipboard = ClipboardGuard(self)  # the app's copies: secret, and not kept
        self.auto_lock.idle.connect(self._idle)
        self.lock_countdown = LockCountdown(self.auto_lock, self)
        #: Tests set this (milliseconds) instead of the minutes in the settings.
        self.auto_lock_interval_ms: int | None = None
        self.setWindowTitle("intake")  # never a user's or a person's name
        self.resize(1000, 680)
        self.setMinimumSize(640, 480)  # fits 1366x768 at 150 % scaling

        self.vault_menu = self.menuBar().addMenu("")
        self.lock_action = QAction(icon("lock"), "", self)
        self.lock_action.setObjectName("lock_action")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock)
        self.panic_wipe_action = QAction(self)
        self.panic_wipe_action.setObjectName("panic_wipe_action")
        self.panic_wipe_action.setShortcut(QKeySequence("Ctrl+Shift+Delete"))
        self.panic_wipe_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.panic_wipe_action.triggered.connect(self.panic_wipe)
        self.travel_action = QAction(self)
        self.travel_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.travel_action.setObjectName("travel_mode_action")
        self.travel_action.triggered.connect(self.travel_mode)
        self.backup_action = QAction(self)
        self.backup_action.setShortcut(QKeySequence("Ctrl+Shift+B"))
        self.backup_action.setObjectName("backup_action")
        self.backup_action.triggered.connect(self.back_up)
        self.check_action = QAction(self)
        self.check_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.check_action.setObjectName("check_vault_action")
        self.check_action.triggered.connect(self.check_vault)
        self.security_action = QAction(icon("shield-check"), "", self)
        self.security_action.setShortcut(QKeySequence("Ctrl+,"))
        self.security_action.setObjectName("security_settings_action")
        self.security_action.triggered.connect(self.open_security_settings)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))  # StandardKey.Quit: unbound on X11
        self.quit_action.triggered.connect(self.close)
        self.users_action = QAction(icon("users"), "", self)
        self.users_action.setShortcut(QKeySequence("Ctrl+Shift+U"))
        self.users_action.setObjectName("users_action")
        self.users_action.triggered.connect(self.open_users)
        self.audit_action = QAction(icon("scroll-text"), "", self)
        self.audit_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.audit_action.setObjectName("audit_action")
        self.audit_action.triggered.connect(self.open_audit)
        self.vault_menu.addAction(self.users_action)
        self.vault_menu.addAction(self.audit_action)
        self.vault_menu.addAction(self.security_action)
        self.vault_menu.addAction(self.backup_action)
        self.vault_menu.addAction(self.check_action)
        self.vault_menu.addSeparator()
        self.users_dialog: UsersDialog | None = None
        self.audit_view: AuditView | None = None
        self.vault_menu.addAction(self.lock_action)
        self.vault_menu.addAction(self.travel_action)
        self.vault_menu.addAction(self.panic_wipe_action)
        self.vault_menu.addSeparator()
        self.vault_menu.addAction(self.quit_action)
        self.records_menu = self.menuBar().addMenu("")
        self.new_record_action = QAction(icon("file-plus"), "", self)
        self.new_record_action.setObjectName("new_record_action")
        self.new_record_action.setShortcut(QKeySequence("Ctrl+N"))
        self.new_record_action.triggered.connect(self._new_record)
        self.find_action = QAction(icon("search"), "", self)
        self.find_action.setObjectName("find_action")
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self._find)
        self.queue_action = QAction(icon("clipboard-check"), "", self)
        self.queue_action.setShortcut(QKeySequence("Ctrl+R"))
        self.queue_action.setObjectName("review_queue_action")
        self.queue_action.triggered.connect(self._review_queue)
        self.records_menu.addAction(self.new_record_action)
        self.records_menu.addAction(self.find_action)
        self.records_menu.addAction(self.queue_action)
        self.export_action = QAction(icon("file-output"), "", self)
        self.export_action.setObjectName("export_action")
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.open_export)
        self.records_menu.addSeparator()
        self.records_menu.addAction(self.export_action)
        self.export_wizard: ExportWizard | None = None
        self.statistics_action = QAction(self)
        self.statistics_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.statistics_action.setObjectName("statistics_action")
        self.statistics_action.triggered.connect(self.open_statistics)
        self.records_menu.addAction(self.statistics_action)
        self.statistics_dialog: StatisticsExportDialog | None = None
        self.records_menu.addSeparator()
        self.tools = RecordTools(self, self.records_menu)
        self.transfer = TransferMenu(self, self.menuBar().addMenu(""))
        self.language_menu = self.menuBar().addMenu("")
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGE_NAMES.items():
            action = QAction(name, self, checkable=True)
            action.setShortcut(QKeySequence(LANGUAGE_KEYS[code]))
            action.triggered.connect(lambda _c=False, c=code: self._languages.apply(c))
            group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action
        self.help = HelpMenu(self, self.menuBar().addMenu(""))
        self.field = FieldSecurity(self)

        languages.changed.connect(lambda _lang: self.retranslate())
        if session.exists(vault_folder):
            self.show_unlock()
        else:
            self.show_wizard()
        self.retranslate()

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
        unlocked = self._session.unlocked and isinstance(widget, Workspace)
        self.lock_action.setEnabled(self._session.unlocked)
        # Anyone may wipe: on the unlock screen as well as with the vault open.
        self.panic_wipe_action.setEnabled(
            self._session.unlocked or isinstance(widget, UnlockScreen))
        role = self._session.role
        self.new_record_action.setEnabled(
            unlocked and role is not None and allowed(role, Action.CREATE_RECORD))
        self.find_action.setEnabled(unlocked)
        self.queue_action.setEnabled(unlocked and role is not None
                                     and allowed(role, Action.REVIEW))
        self.export_action.setEnabled(self.may_export())
        self.statistics_action.setEnabled(self.may_export())
        self.users_action.setEnabled(
            unlocked and role is not None and allowed(role, Action.MANAGE_USERS))
        self.audit_action.setEnabled(unlocked and role is not None
                                     and allowed(role, Action.READ_AUDIT))
        self.security_action.setEnabled(unlocked)
        self.backup_action.setEnabled(unlocked)
        self.check_action.setEnabled(unlocked)
        self.transfer.update(unlocked)
        self.tools.update(unlocked)
        self.travel_action.setEnabled(unlocked and role is not None and (
            allowed(role, Action.CREATE_RECORD) or allowed(role, Action.DELETE_RECORD)))

    @property
    def workspace(self) -> Workspace | None:
        widget = self.centralWidget()
        return widget if isinstance(widget, Workspace) else None

    def show_wizard(self) -> None:
        wizard = FirstRunWizard(
            self._session, self.tasks, self._languages, self.dialogs, self._settings,
            self._folder, self,
        )
        wizard.finished.connect(self._open_workspace)
        self._set_screen(wizard)

    def show_unlock(self, locked_by: str = "") -> None:
        """``locked_by``: the user who just locked, passed in memory only (never stored)."""
        screen = UnlockScreen(
            self._session, self.tasks, self._languages, self.dialogs, self._folder, self,
            locked_by=locked_by,
        )
        screen.unlocked.connect(self._open_workspace)
        screen.must_change.connect(self._choose_passphrase)
        screen.wiped.connect(self._vault_wiped)
        self._set_screen(screen)
        screen.first_field.setFocus()

    def _choose_passphrase(self, vault: Vault, initial: InitialPassphrase | None) -> None:
        """First unlock with an initial passphrase: only this screen (and Lock, Quit and the
        language) until the user has chosen their own; then the workspace."""
        self._folder = vault.files.folder
        self._session.attach(vault)  # so that Lock and Quit close it from here on
        self._start_auto_lock()
        screen = FirstPassphraseScreen(Desk(vault), initial, self.tasks, self)
        screen.done.connect(lambda: self._open_workspace(vault))
        self._set_screen(screen)
        screen.passphrase.first.setFocus()

    def _open_workspace(self, vault: Vault) -> None:
        if vault.must_change_passphrase:
            self._choose_passphrase(vault, None)
            return
        self._folder = vault.files.folder
        self._session.attach(vault)
        self._start_auto_lock()
        workspace = Workspace(Desk(vault), self.dialogs, self,
                              tasks=self.tasks)
        workspace.lock_requested.connect(self.lock)
        workspace.status_message.connect(self.statusBar().showMessage)
        self._set_screen(workspace)
        # the keyboard starts in the list of testimonies (nothing had focus after unlock)
        workspace.record_list.table.setFocus(Qt.FocusReason.OtherFocusReason)
        self._resume(workspace, vault)  # or where the user was when the vault locked

    def _new_record(self) -> None:
        if self.workspace is not None:
            self.workspace.new_record()

    def _review_queue(self) -> None:
        if self.workspace is not None:
            self.workspace.show_queue()

    def _find(self) -> None:
        if self.workspace is not None:
            self.workspace.focus_search()

    # -- export ---------------------------------------------------------------------------
    def may_export(self) -> bool:
        vault = self._session.vault
        return (self._session.unlocked and self.workspace is not None and vault is not None
                and vault.role in EXPORTERS)

    def open_export(self) -> None:
        """The export wizard (coordinators and administrators); one at a time."""
        vault = self._session.vault
        if not self.may_export() or vault is None:
            return
        if self.export_wizard is not None and shiboken6.isValid(self.export_wizard):
            self.export_wizard.raise_()
            self.export_wizard.activateWindow()
            return
        wizard = ExportWizard(Desk(vault), self.tasks, interviewers=[vault.user],
                              parent=self)
        wizard.lock_requested.connect(self.lock)
        self.export_wizard = wizard
        wizard.show()

    def open_statistics(self) -> None:
        """The public statistics dialog (the same roles as the wizard); one at a time."""
        vault = self._session.vault
        if not self.may_export() or vault is None:
            return
        dialog = self.statistics_dialog
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = StatisticsExportDialog(Desk(vault), self.tasks,
                                            interviewers=[vault.user], parent=self)
            dialog.lock_requested.connect(self.lock)
            self.statistics_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _close_export(self) -> None:
        """Close the export dialogs: their running work is told to stop, their rows dropped."""
        for dialog in (self.export_wizard, self.statistics_dialog):
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.reject()
        self.export_wizard = self.statistics_dialog = None

    # -- users and the audit log ----------------------------------------------------------
    def open_users(self) -> None:
        """Vault → Users… (administrators); one at a time."""
        vault = self._session.vault
        if not self.users_action.isEnabled() or vault is None:
            return
        dialog = self.users_dialog
        if dialog is None or not shiboken6.isValid(dialog):
            dialog = UsersDialog(Desk(vault), self.tasks, self.dialogs, self)
            dialog.lock_requested.connect(self.lock)
            dialog.about_to_change.connect(self._quiesce)
            dialog.rekeyed.connect(self._after_rekey)
            self.users_dialog = dialog
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()

    def _quiesce(self) -> None:
        """Before user changes (a rekey closes every connection): save the open testimony
        and let other background work finish."""
        workspace = self.workspace
        if workspace is not None:
            workspace.flush()
        self.tasks.drain()

    def _after_rekey(self) -> None:
        workspace = self.workspace
        if workspace is not None:
            workspace.record_list.refresh()

    def open_audit(self) -> None:
        """Vault → Audit log… (administrators and case managers); one at a time."""
        vault = self._session.vault
        if not self.audit_action.isEnabled() or vault is None:
            return
        view = self.audit_view
        if view is None or not shiboken6.isValid(view):
            view = AuditView(Desk(vault), self.tasks, self)
            view.lock_requested.connect(self.lock)
            self.audit_view = view
        view.show()
        view.raise_()
        view.activateWindow()

    def _close_vault_dialogs(self) -> None:
        """Close the users dialog (even while it shows a recovery code) and the audit log;
        a passphrase change finishing while the vault locks opens no workspace."""
        if isinstance(self.centralWidget(), FirstPassphraseScreen):
            self.screen_widget.blockSignals(True)
        if self.users_dialog is not None and shiboken6.isValid(self.users_dialog):
            self.users_dialog.close_for_lock()
        if self.audit_view is not None and shiboken6.isValid(self.audit_view):
            self.audit_view.reject()
        self.users_dialog = self.audit_view = None
        self.tools.close_for_lock()

    def lock(self) -> None:
        """Save the open testimony, close the vault and show a fresh unlock screen; the
        workspace is destroyed. A lock is never refused: what could not be saved is lost."""
        if not self._session.unlocked:
            self.auto_lock.stop()
            return
        self.auto_lock.stop()
        self.tasks.drain()  # a running save finishes first
        close_modal_dialogs()
        self._close_export()
        self._close_vault_dialogs()
        self.clipboard.clear()
        workspace = self.workspace
        if workspace is not None:
            place = workspace.place()  # before the flush: the focus is still there
            workspace.flush()
            self._remember_place(place)
            workspace.release()
        self.tasks.drain()
        locked_by = self._session.user or ""
        self._session.lock()
        self.statusBar().clearMessage()
        self.show_unlock(locked_by)

    def _remember_place(self, place: Place | None) -> None:
        """Keep where the user was (ids only, inside the vault) for the next unlock; on the
        list, forget it. Never stops a lock."""
        vault = self._session.vault
        if vault is None or not vault.is_open:
            return
        try:
            resume = ResumePlace(vault)
            if place is None:
                resume.forget()
            else:
                resume.remember(place)
        except IntakeError as error:
            log.warning("place not kept at lock: %s", type(error).__name__)

    def _resume(self, workspace: Workspace, vault: Vault) -> None:
        """Back to the testimony, section and question the user locked on."""
        try:
            place = ResumePlace(vault).place()
        except IntakeError as error:
            log.warning("place not read at unlock: %s", type(error).__name__)
            return
        if place is not None and not workspace.resume(place):
            log.info("the testimony of the last place cannot be opened any more")

    # -- auto-lock ------------------------------------------------------------------------
    def _start_auto_lock(self) -> None:
        interval = self.auto_lock_interval_ms
        if interval is None:
            interval = self._settings.load().auto_lock_minutes * MINUTE_MS
        self.auto_lock.start(interval)

    def _idle(self) -> None:
        if self._session.unlocked:
            log.info("locking after inactivity")
            self.lock()
        else:
            self.auto_lock.stop()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if (event.type() == QEvent.Type.WindowStateChange and self.isMinimized()
                and self._session.unlocked and self._settings.load().lock_on_minimize):
            self.lock()

    # -- field security (intake.ui.shell.field_security) -----------------------------------------
    def panic_wipe(self) -> None:
        self.field.panic_wipe()

    def travel_mode(self) -> None:
        self.field.travel_mode()

    def open_security_settings(self) -> None:
        self.field.open_settings()

    def back_up(self) -> None:
        self.field.backup()

    def check_vault(self) -> None:
        self.field.check_vault()

    def _vault_wiped(self) -> None:
        """The unlock screen's vault destroyed itself (too many wrong passphrases)."""
        self.field.start_over(self._folder)

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.vault_menu.setTitle(_("&Vault"))
        self.users_action.setText(_("&Users…"))
        self.audit_action.setText(_("&Audit log…"))
        self.lock_action.setText(_("&Lock"))
        self.panic_wipe_action.setText(_("&Panic wipe…"))
        self.travel_action.setText(_("&Travel mode: delete all testimonies…"))
        self.security_action.setText(_("&Security settings…"))
        self.backup_action.setText(_("&Back up…"))
        self.check_action.setText(_("&Check the vault…"))
        self.transfer.retranslate()
        self.quit_action.setText(_("&Quit"))
        self.records_menu.setTitle(_("&Testimonies"))
        self.new_record_action.setText(_("&New testimony"))
        self.find_action.setText(_("&Find"))
        self.queue_action.setText(_("&Review queue"))
        self.export_action.setText(_("&Export anonymized data…"))
        self.statistics_action.setText(_("Export public &statistics…"))
        self.tools.retranslate()
        self.language_menu.setTitle(_("L&anguage"))
        self.help.retranslate()
        for code, action in self.language_actions.items():
            action.setChecked(code == self._languages.language)
        if self.export_wizard is not None and shiboken6.isValid(self.export_wizard):
            self.export_wizard.retranslate()
        if self.statistics_dialog is not None and shiboken6.isValid(self.statistics_dialog):
            self.statistics_dialog.retranslate()
        for view in (self.users_dialog, self.audit_view):
            if view is not None and shiboken6.isValid(view):
                view.retranslate()
        screen = self.centralWidget()
        retranslate = getattr(screen, "retranslate", None)
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
        self._close_export()
        self._close_vault_dialogs()
        self.tasks.drain()
        self._session.lock()
        self.statusBar().clearMessage()
        super().closeEvent(event)
