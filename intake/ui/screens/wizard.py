"""First run: language, where the vault goes, who you are, a passphrase, the recovery code.

The vault is created on a worker thread (calibrating Argon2id takes a few seconds); the
recovery code is shown once, and Finish stays disabled until the user confirms they wrote it
down. The code is never copied to the clipboard and never written anywhere.

Enter moves on, as in a dialog: in the first passphrase field it goes to the second one,
on Back or Choose… it presses that button, elsewhere it does what the Next (Create vault,
Finish) button does when that is enabled.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from intake.domain.users import validate_user_name
from intake.errors import IntakeError, VaultExists
from intake.i18n import _
from intake.settings import SettingsStore
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.file_choice import choose
from intake.ui.kit.headings import heading
from intake.ui.kit.passphrase_fields import NewPassphraseFields
from intake.ui.kit.worker import BackgroundTasks
from intake.ui.screens.language_switch import LanguageSwitch
from intake.ui.screens.recovery_code import RecoveryCodePanel
from intake.ui.shell.language import LanguageController

WELCOME, ACCOUNT, PASSPHRASE, CREATING, RECOVERY = range(5)

if TYPE_CHECKING:  # the vault is imported at unlock (issue 17)
    from intake.services.desk import Desk
    from intake.services.session import Session


def _text(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    return label


class FirstRunWizard(QWidget):
    finished = Signal(object)  # the created vault's Desk

    def __init__(
        self,
        session: Session,
        tasks: BackgroundTasks,
        languages: LanguageController,
        dialogs: Dialogs,
        settings: SettingsStore,
        default_folder: Path,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("first_run_wizard")
        self._session, self._tasks, self._dialogs = session, tasks, dialogs
        self._settings = settings
        self._default_folder = default_folder
        self._desk: Desk | None = None
        self._recovery_code: str | None = None

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._welcome_page(languages))
        self.pages.addWidget(self._account_page())
        self.pages.addWidget(self._passphrase_page())
        self.pages.addWidget(self._creating_page())
        self.pages.addWidget(self._recovery_page())

        self.error = QLabel(self)
        self.error.setObjectName("wizard_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #a40000;")
        self.back_button = QPushButton(self)
        self.next_button = QPushButton(self)
        self.next_button.setObjectName("wizard_next")
        self.next_button.setDefault(True)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.advance)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.passphrase.validity_changed.connect(lambda _ok: self._update_buttons())
        self.written_down.toggled.connect(lambda _on: self._update_buttons())
        self.retranslate()

    # -- pages ----------------------------------------------------------------------------
    def _welcome_page(self, languages: LanguageController) -> QWidget:
        page = QWidget(self)
        self.welcome_title = heading(page, 1.4)
        self.welcome_text = _text(page)
        self.language_switch = LanguageSwitch(languages, page, align_right=False)
        layout = QVBoxLayout(page)
        layout.addWidget(self.welcome_title)
        layout.addWidget(self.welcome_text)
        layout.addWidget(self.language_switch)
        layout.addStretch(1)
        return page

    def _account_page(self) -> QWidget:
        page = QWidget(self)
        self.account_title = heading(page, 1.4)
        self.account_text = _text(page)
        self.folder = QLineEdit(str(self._default_folder), page)
        self.folder.setObjectName("vault_folder")
        self.browse_button = QPushButton(page)
        self.browse_button.clicked.connect(self._browse)
        self.user_name = QLineEdit(page)
        self.user_name.setObjectName("user_name")
        self.user_name.setMaxLength(64)
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse_button)
        self.folder_label, self.user_label = QLabel(page), QLabel(page)
        self.folder_label.setBuddy(self.folder)
        self.user_label.setBuddy(self.user_name)
        form = QFormLayout()
        form.addRow(self.folder_label, folder_row)
        form.addRow(self.user_label, self.user_name)
        layout = QVBoxLayout(page)
        layout.addWidget(self.account_title)
        layout.addWidget(self.account_text)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _passphrase_page(self) -> QWidget:
        page = QWidget(self)
        self.passphrase_title = heading(page, 1.4)
        self.passphrase_text = _text(page)
        self.passphrase = NewPassphraseFields(page)
        layout = QVBoxLayout(page)
        layout.addWidget(self.passphrase_title)
        layout.addWidget(self.passphrase_text)
        layout.addWidget(self.passphrase)
        layout.addStretch(1)
        return page

    def _creating_page(self) -> QWidget:
        page = QWidget(self)
        self.creating_text = _text(page)
        self.creating_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.creating_progress = QProgressBar(page)
        self.creating_progress.setRange(0, 0)  # busy
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.creating_text)
        layout.addWidget(self.creating_progress)
        layout.addStretch(1)
        return page

    def _recovery_page(self) -> QWidget:
        panel = RecoveryCodePanel(self)
        self.recovery_title, self.recovery_text = panel.title, panel.text
        self.recovery_code, self.written_down = panel.code, panel.written_down
        return panel

    # -- texts ----------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.welcome_title.setText(_("Welcome to intake"))
        self.welcome_text.setText(_(
            "intake keeps the testimonies you record in an encrypted vault on this computer. "
            "Without your passphrase nobody can read them, not even if the laptop is taken.\n\n"
            "Choose the language of the program."
        ))
        self.account_title.setText(_("Where the vault goes, and who you are"))
        self.account_text.setText(_(
            "The vault is one folder. Your user name is how you sign in; it is not shown to "
            "anyone who finds the laptop."
        ))
        self.folder_label.setText(_("Vault folder:"))
        self.user_label.setText(_("Your user name:"))
        self.browse_button.setText(_("Choose…"))
        self.folder.setAccessibleName(_("Vault folder"))
        self.user_name.setAccessibleName(_("Your user name"))
        self.passphrase_title.setText(_("Choose a passphrase"))
        self.passphrase_text.setText(_(
            "Use a phrase of several words that only you know. If you forget it, only the "
            "recovery code shown next can open the vault."
        ))
        self.passphrase.retranslate()
        self.creating_text.setText(_(
            "Creating the encrypted vault. Measuring this computer to choose the key "
            "strength; this takes a few seconds."
        ))
        self.recovery_title.setText(_("Your recovery code"))
        self.recovery_text.setText(_(
            "Write this code on paper now and keep it apart from the laptop. It opens the "
            "vault if the passphrase is forgotten. It is shown only this once."
        ))
        self.written_down.setText(_("I have written the recovery code down"))
        self.back_button.setText(_("Back"))
        self._update_buttons()

    def _update_buttons(self) -> None:
        page = self.pages.currentIndex()
        self.back_button.setVisible(page in (ACCOUNT, PASSPHRASE))
        self.next_button.setVisible(page != CREATING)
        labels = {PASSPHRASE: _("Create vault"), RECOVERY: _("Finish")}
        self.next_button.setText(labels.get(page, _("Next")))
        enabled = True
        if page == PASSPHRASE:
            enabled = self.passphrase.is_valid()
        elif page == RECOVERY:
            enabled = self.written_down.isChecked()
        self.next_button.setEnabled(enabled)

    def _go(self, page: int) -> None:
        self.error.clear()
        self.pages.setCurrentIndex(page)
        self._update_buttons()

    # -- navigation -----------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Return and Enter reach here from the fields (a line edit passes them on)."""
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter) or (
                event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            super().keyPressEvent(event)
            return
        event.accept()
        focused = self.focusWidget()
        if focused in (self.back_button, self.browse_button):
            focused.click()  # Enter on Back or Choose… does what it says
        elif self.pages.currentIndex() == PASSPHRASE and self.passphrase.first.hasFocus() \
                and not self.passphrase.second.text():
            self.passphrase.second.setFocus()
        elif self.next_button.isVisible() and self.next_button.isEnabled():
            self.advance()

    def back(self) -> None:
        page = self.pages.currentIndex()
        if page == PASSPHRASE:
            self.passphrase.clear()
        if page in (ACCOUNT, PASSPHRASE):
            self._go(page - 1)

    def advance(self) -> None:
        page = self.pages.currentIndex()
        if page == WELCOME:
            self._go(ACCOUNT)
            self.user_name.setFocus()
        elif page == ACCOUNT:
            if self._check_account():
                self._go(PASSPHRASE)
                self.passphrase.first.setFocus()
        elif page == PASSPHRASE and self.passphrase.is_valid():
            self._create()
        elif page == RECOVERY and self.written_down.isChecked():
            self._finish()

    def _check_account(self) -> bool:
        folder = Path(self.folder.text().strip()).expanduser()
        try:
            validate_user_name(self.user_name.text())
            if not self.folder.text().strip():
                raise ValueError
            if self._session.exists(folder):
                raise VaultExists(path=str(folder))
        except IntakeError as error:
            self.error.setText(error.message())
            return False
        except ValueError:
            self.error.setText(_("Choose a folder for the vault."))
            return False
        return True

    def _browse(self) -> None:
        chosen = choose(self, _("Vault folder"), mode="folder")  # the one traceless path
        if chosen is not None:
            self.folder.setText(str(chosen / "intake-vault"))

    def _create(self) -> None:
        folder = Path(self.folder.text().strip()).expanduser()
        user = self.user_name.text()
        passphrase = self.passphrase.take()
        self._go(CREATING)
        session = self._session
        self._tasks.run(
            lambda: session.create_vault(folder, user, passphrase),
            self._created,
            self._creation_failed,
        )

    def _created(self, result: tuple[Desk, str]) -> None:
        self._desk, self._recovery_code = result
        # The session owns the open vault from now on, so quitting here still locks it.
        self._session.attach(self._desk)
        folder = self._desk.folder
        if folder != self._default_folder:
            self._settings.save(self._settings.load().with_changes(vault_dir=str(folder)))
        self.recovery_code.setText(self._recovery_code.replace("-", " "))
        self._go(RECOVERY)

    def _creation_failed(self, error: BaseException) -> None:
        self._go(PASSPHRASE)
        self.error.setText(error_text(error))

    def _finish(self) -> None:
        desk, self._desk = self._desk, None
        self._recovery_code = None
        self.recovery_code.clear()
        if desk is not None:
            self.finished.emit(desk)
