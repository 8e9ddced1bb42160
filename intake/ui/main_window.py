"""The main window: one screen at a time (first run, unlock, workspace) and the menus.

The window owns no data. Locking closes the vault through the session and replaces the
workspace by a fresh unlock screen; the workspace widget is deleted, not hidden.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QMainWindow, QWidget

from intake import __version__
from intake.i18n import LANGUAGE_NAMES, _
from intake.services.session import Session
from intake.settings import SettingsStore
from intake.ui.dialogs import Dialogs
from intake.ui.language import LanguageController
from intake.ui.unlock import UnlockScreen
from intake.ui.wizard import FirstRunWizard
from intake.ui.worker import BackgroundTasks
from intake.ui.workspace import Workspace
from intake.vault.vault import Vault


class MainWindow(QMainWindow):
    def __init__(
        self,
        session: Session,
        languages: LanguageController,
        settings: SettingsStore,
        vault_folder: Path,
        dialogs: Dialogs | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._session = session
        self._languages = languages
        self._settings = settings
        self._folder = vault_folder
        self.dialogs = dialogs or Dialogs()
        self.tasks = BackgroundTasks(self)
        self.setWindowTitle("intake")  # never a user's or a person's name
        self.resize(1000, 680)
        self.setMinimumSize(720, 520)

        self.vault_menu = self.menuBar().addMenu("")
        self.lock_action = QAction(self)
        self.lock_action.setObjectName("lock_action")
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.vault_menu.addAction(self.lock_action)
        self.vault_menu.addSeparator()
        self.vault_menu.addAction(self.quit_action)
        self.language_menu = self.menuBar().addMenu("")
        group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for code, name in LANGUAGE_NAMES.items():
            action = QAction(name, self, checkable=True)
            action.triggered.connect(lambda _c=False, c=code: self._languages.apply(c))
            group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[code] = action
        self.help_menu = self.menuBar().addMenu("")
        self.about_action = QAction(self)
        self.about_action.triggered.connect(self._about)
        self.help_menu.addAction(self.about_action)

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
        self.lock_action.setEnabled(self._session.unlocked)

    def show_wizard(self) -> None:
        wizard = FirstRunWizard(
            self._session, self.tasks, self._languages, self.dialogs, self._settings,
            self._folder, self,
        )
        wizard.finished.connect(self._open_workspace)
        self._set_screen(wizard)

    def show_unlock(self) -> None:
        screen = UnlockScreen(
            self._session, self.tasks, self._languages, self.dialogs, self._folder, self
        )
        screen.unlocked.connect(self._open_workspace)
        self._set_screen(screen)
        screen.user.setFocus()

    def _open_workspace(self, vault: Vault) -> None:
        self._folder = vault.files.folder
        self._session.attach(vault)
        workspace = Workspace(self._session, self)
        workspace.lock_requested.connect(self.lock)
        self._set_screen(workspace)

    def lock(self) -> None:
        """Close the vault and show a fresh unlock screen; the workspace is destroyed."""
        if not self._session.unlocked:
            return
        self.tasks.drain()
        self._session.lock()
        self.show_unlock()

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.vault_menu.setTitle(_("&Vault"))
        self.lock_action.setText(_("&Lock"))
        self.quit_action.setText(_("&Quit"))
        self.language_menu.setTitle(_("L&anguage"))
        self.help_menu.setTitle(_("&Help"))
        self.about_action.setText(_("&About intake"))
        for code, action in self.language_actions.items():
            action.setChecked(code == self._languages.language)
        screen = self.centralWidget()
        retranslate = getattr(screen, "retranslate", None)
        if callable(retranslate):
            retranslate()

    def _about(self) -> None:
        self.dialogs.inform(self, _("About intake"), _(
            "intake {version}\nRecords testimonies of forced labour in an encrypted vault."
        ).format(version=__version__))

    # -- closing --------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        self.tasks.drain()
        self._session.lock()
        super().closeEvent(event)
