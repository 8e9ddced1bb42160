"""The unlock screen: user, passphrase, language; or the recovery code and a new passphrase.

Unlocking (Argon2id, opening the database, its integrity check) runs on a worker with a
busy indicator. The passphrase field is cleared the moment the work starts, so on success
and on failure alike it holds nothing. A user still on the initial passphrase an
administrator gave them gets ``must_change`` instead of ``unlocked``, with an
:class:`InitialPassphrase` (not the passphrase) so that it cannot be chosen again.

A passphrase typed and left while the screen is hidden (the window minimized or behind
another, the user away) is cleared after ``CLEAR_HIDDEN_MS``. When the vault destroyed
itself after too many wrong passphrases, the screen says so once and emits ``wiped``.

After a lock, the main window hands over the name of the user who locked, in memory only
(``locked_by``, or :meth:`UnlockScreen.hand_over` in the fresh process that shows the screen
after a lock), so that only the passphrase is asked for; a fresh start asks for both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.errors import GenerationMismatch, VaultWipedAfterFailures
from intake.i18n import _
from intake.ui.kit.busy import busy_bar, centred, error_label
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.passphrase_fields import (
    NewPassphraseFields,
    add_reveal_toggle,
    retranslate_reveal,
)
from intake.ui.kit.worker import BackgroundTasks
from intake.ui.recording.locked_recording import LockedRecording
from intake.ui.screens.language_switch import LanguageSwitch
from intake.ui.shell.language import LanguageController

if TYPE_CHECKING:  # the vault is imported at unlock (issue 17)
    from intake.services.desk import Desk
    from intake.services.session import Session
    from intake.ui.screens.first_passphrase import InitialPassphrase

UNLOCK, RECOVER = 0, 1
CLEAR_HIDDEN_MS = 30_000


class UnlockScreen(QWidget):
    unlocked = Signal(object)  # the unlocked vault's Desk
    must_change = Signal(object, object)  # the Desk, an InitialPassphrase
    wiped = Signal()  # the vault destroyed itself (too many wrong passphrases)

    def __init__(
        self,
        session: Session,
        tasks: BackgroundTasks,
        languages: LanguageController,
        dialogs: Dialogs,
        folder: Path,
        parent: QWidget | None = None,
        locked_by: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("unlock_screen")
        self._session, self._tasks, self._dialogs = session, tasks, dialogs
        self._folder = folder
        self._accept_next = False  # the user chose to open an older copy (asked each time)

        self.title = heading(self, 1.6, wrap=False)
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.vault_label = QLabel(self)
        self.vault_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.vault_label.setWordWrap(True)
        self.language_switch = LanguageSwitch(languages, self)

        self.user = QLineEdit(self)
        self.user.setObjectName("unlock_user")
        self.user.setMaxLength(64)
        self.passphrase = QLineEdit(self)
        self.passphrase.setObjectName("unlock_passphrase")
        add_reveal_toggle(self.passphrase)
        self.recovery_code = QLineEdit(self)
        self.recovery_code.setObjectName("recovery_code_input")
        add_reveal_toggle(self.recovery_code)
        self.new_passphrase = NewPassphraseFields(self)

        self.mode = UNLOCK
        self.user_label, self.passphrase_label, self.code_label = (
            QLabel(self), QLabel(self), QLabel(self),
        )
        self.form = QFormLayout()
        self.form.addRow(self.user_label, self.user)
        self.form.addRow(self.passphrase_label, self.passphrase)
        self.form.addRow(self.code_label, self.recovery_code)
        self.form.addRow(self.new_passphrase)

        self.error = error_label(self, "unlock_error")
        self.busy = busy_bar(self)
        self.submit = QPushButton(self)
        self.submit.setObjectName("unlock_button")
        self.submit.setDefault(True)
        self.submit.setAutoDefault(True)
        self.switch_mode = QPushButton(self)
        self.switch_mode.setObjectName("recovery_mode_button")
        self.switch_mode.setFlat(True)
        # Stops waiting for the key derivation (Argon2id cannot stop half-way: its result
        # is thrown away when it arrives, an opened vault closed at once).
        self.cancel = QPushButton(self)
        self.cancel.setObjectName("unlock_cancel")
        self.cancel.hide()
        self.cancel.clicked.connect(self.abandon)
        self._abandoned = False

        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_mode)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.submit)
        box = QVBoxLayout()
        box.addWidget(self.title)
        box.addWidget(self.vault_label)
        # a recording going on while locked is never hidden (issue 19)
        self.recording = LockedRecording(folder, self)
        box.addWidget(self.recording)
        box.addSpacing(16)
        box.addLayout(self.form)
        box.addWidget(self.error)
        box.addWidget(self.busy)
        box.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addWidget(self.language_switch)
        outer.addStretch(1)
        outer.addLayout(centred(self, box, 560))
        outer.addStretch(2)

        self.submit.clicked.connect(lambda _checked=False: self.start())
        self.passphrase.returnPressed.connect(lambda: self.start())
        self.user.returnPressed.connect(self.passphrase.setFocus)
        self.switch_mode.clicked.connect(self.toggle_mode)
        self.new_passphrase.validity_changed.connect(lambda _ok: self._update_submit())
        self.recovery_code.textChanged.connect(lambda _t: self._update_submit())
        self._show_mode_rows()
        self._chain_tab_order()
        self.retranslate()
        self.user.setText(locked_by)
        self.first_field.setFocus()
        self.hidden_timer = QTimer(self)
        self.hidden_timer.setSingleShot(True)
        self.hidden_timer.setInterval(CLEAR_HIDDEN_MS)
        self.hidden_timer.timeout.connect(self._clear_secrets)
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            app.applicationStateChanged.connect(self._application_state)

    def hand_over(self, locked_by: str) -> None:
        """A fresh process shows this screen after another one locked (see
        :mod:`intake.ui.shell.restart`): the user who locked, received over the
        supervisor's pipe (in memory only), as ``locked_by`` would have given it."""
        self.user.setText(locked_by)
        self.first_field.setFocus()

    @property
    def first_field(self) -> QLineEdit:
        """Where typing starts: the passphrase when the user is known (after a lock)."""
        return self.passphrase if self.user.text() else self.user

    # -- a passphrase left behind ---------------------------------------------------------
    def _application_state(self, state: Qt.ApplicationState) -> None:
        if state == Qt.ApplicationState.ApplicationActive and self.isVisible():
            self.hidden_timer.stop()
        else:
            self.hidden_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.hidden_timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.hidden_timer.stop()

    def _chain_tab_order(self) -> None:
        """Tab as the eye reads: the language, the fields, then the buttons left to right
        (Enter in the passphrase field unlocks without going through them)."""
        order: list[QWidget] = [*self.language_switch.buttons.values(), self.user,
                                self.passphrase, self.recovery_code, self.new_passphrase.first,
                                self.new_passphrase.second, self.switch_mode, self.submit]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _show_mode_rows(self) -> None:
        recovering = self.mode == RECOVER
        self.form.setRowVisible(self.passphrase, not recovering)
        self.form.setRowVisible(self.recovery_code, recovering)
        self.form.setRowVisible(self.new_passphrase, recovering)

    def retranslate(self) -> None:
        recovering = self.mode == RECOVER
        self.title.setText(_("Recover access") if recovering else _("Unlock the vault"))
        self.vault_label.setText(_("Vault: {path}").format(path=self._folder))
        self.user_label.setText(_("User name:"))
        self.passphrase_label.setText(_("Passphrase:"))
        self.code_label.setText(_("Recovery code:"))
        for label, field in ((self.user_label, self.user),
                             (self.passphrase_label, self.passphrase),
                             (self.code_label, self.recovery_code)):
            label.setBuddy(field)
        self.user.setAccessibleName(_("User name"))
        self.passphrase.setAccessibleName(_("Passphrase"))
        self.recovery_code.setAccessibleName(_("Recovery code"))
        retranslate_reveal(self.passphrase)
        retranslate_reveal(self.recovery_code)
        self.new_passphrase.retranslate()
        self.submit.setText(_("Set passphrase and unlock") if recovering else _("Unlock"))
        self.cancel.setText(_("Cancel"))
        self.switch_mode.setText(
            _("Back to unlocking") if recovering else _("Forgot the passphrase?")
        )
        self._update_submit()

    def toggle_mode(self) -> None:
        recovering = self.mode == UNLOCK
        self.mode = RECOVER if recovering else UNLOCK
        self._show_mode_rows()
        self._clear_secrets()
        self.error.clear()
        self.retranslate()
        (self.recovery_code if recovering else self.passphrase).setFocus()

    def _update_submit(self) -> None:
        if self.mode == RECOVER:
            self.submit.setEnabled(
                bool(self.recovery_code.text()) and self.new_passphrase.is_valid()
            )
        else:
            self.submit.setEnabled(True)

    def _clear_secrets(self) -> None:
        self.passphrase.clear()
        self.recovery_code.clear()
        self.new_passphrase.clear()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.cancel.setVisible(busy)
        if busy:
            self.cancel.setFocus()  # Enter or Space stops waiting
        for widget in (self.submit, self.switch_mode, self.user, self.passphrase,
                       self.recovery_code, self.new_passphrase, self.language_switch):
            widget.setEnabled(not busy)
        if not busy:
            self._update_submit()

    def abandon(self) -> None:
        """Cancel while unlocking: the form is usable again at once; the unlock still
        running finishes in the background and what it opened is closed."""
        if not self.busy.isVisible():
            return
        self._abandoned = True
        self._set_busy(False)
        self.error.setText(_("Unlocking was cancelled."))
        self.passphrase.setFocus()

    def start(self) -> None:
        if self._tasks.busy:
            if self._abandoned:
                self.error.setText(_("Still stopping the previous attempt; try again in a "
                                     "moment."))
            return
        user = self.user.text()
        if not user.strip():
            self.error.setText(_("Type your user name."))
            self.user.setFocus()
            return
        folder, session = self._folder, self._session
        if self.mode == RECOVER:
            code = self.recovery_code.text()
            new = self.new_passphrase.take()
            self.recovery_code.clear()

            def work() -> tuple[Desk, InitialPassphrase | None]:
                return session.recover_vault(folder, user, code, new), None
        else:
            # the first passphrase's screen (hashlib, hmac, secrets) waits for an unlock
            from intake.ui.screens.first_passphrase import InitialPassphrase

            passphrase = self.passphrase.text()
            self.passphrase.clear()
            accept, self._accept_next = self._accept_next, False

            def work() -> tuple[Desk, InitialPassphrase | None]:
                desk = session.open_vault(folder, user, passphrase, accept)
                if desk.must_change_passphrase:
                    return desk, InitialPassphrase(passphrase)
                return desk, None

        self.error.clear()
        self._set_busy(True)
        self._tasks.run(work, self._succeeded, self._failed)

    def _succeeded(self, result: tuple[Desk, InitialPassphrase | None]) -> None:
        desk, initial = result
        if self._abandoned:
            self._abandoned = False
            desk.close()
            return
        self._set_busy(False)
        if initial is not None:
            self.must_change.emit(desk, initial)
        else:
            self.unlocked.emit(desk)

    def _failed(self, error: BaseException) -> None:
        abandoned, self._abandoned = self._abandoned, False
        if abandoned and not isinstance(error, VaultWipedAfterFailures):
            return  # the user had stopped waiting: what went wrong no longer matters
        self._set_busy(False)
        self._clear_secrets()
        if isinstance(error, VaultWipedAfterFailures):
            self._dialogs.error(self, _("Vault destroyed"), error_text(error))
            self.wiped.emit()
            return
        if isinstance(error, GenerationMismatch) and self.mode == UNLOCK:
            if self._dialogs.ask(self, _("Old copy detected"), error.message() + "\n\n" + _(
                "Continue anyway? Type the passphrase again to go on."
            )):
                self.error.setText(_("Type the passphrase again to open this copy."))
                self._accept_next = True
                self.passphrase.setFocus()
                return
        self._accept_next = False
        self.error.setText(error_text(error))
        (self.passphrase if self.mode == UNLOCK else self.recovery_code).setFocus()
