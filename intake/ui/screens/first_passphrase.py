"""First unlock with an initial passphrase (set by an administrator): the user chooses their
own before anything else of the vault is shown.

An administrator gave the initial passphrase to the user by some other channel, so it is
known to two people; the workspace opens only once the user has set a new one. The vault
offers no "is this the current passphrase?" check, and the initial passphrase must not be
kept to compare with, so the unlock screen hands over an :class:`InitialPassphrase`: an
HMAC of it under a random key made for this one comparison, dropped with the screen.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.domain.passphrase import normalize
from intake.i18n import _
from intake.ui.kit.busy import busy_bar, centred, error_label
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.passphrase_fields import NewPassphraseFields
from intake.ui.kit.worker import Runner

if TYPE_CHECKING:  # the vault is imported at unlock (issue 17)
    from intake.services.desk import Desk


class InitialPassphrase:
    """Whether a candidate is the passphrase just used to unlock, without keeping it."""

    __slots__ = ("_key", "_digest")

    def __init__(self, passphrase: str) -> None:
        self._key = secrets.token_bytes(32)
        self._digest = self._mac(passphrase)

    def _mac(self, passphrase: str) -> bytes:
        return hmac.new(self._key, normalize(passphrase).encode("utf-8"),
                        hashlib.sha256).digest()

    def matches(self, candidate: str) -> bool:
        return hmac.compare_digest(self._digest, self._mac(candidate))


class FirstPassphraseScreen(QWidget):
    """"Choose your own passphrase": two fields and a button; the change (a new key slot,
    Argon2id) runs on the vault worker, through the desk. ``done``: the vault is ready for
    the workspace."""

    done = Signal()  # the passphrase is the user's own, no longer marked "must change"

    def __init__(self, desk: Desk, initial: InitialPassphrase | None,
                 tasks: Runner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("first_passphrase_screen")
        self._desk, self._initial, self._tasks = desk, initial, tasks
        self.title = heading(self, 1.6)
        self.explanation = QLabel(self)
        self.explanation.setWordWrap(True)
        self.passphrase = NewPassphraseFields(self)
        self.error = error_label(self, "first_passphrase_error")
        self.busy = busy_bar(self)
        self.submit = QPushButton(self)
        self.submit.setObjectName("first_passphrase_submit")
        self.submit.setDefault(True)
        self.submit.setAutoDefault(True)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.submit)
        box = QVBoxLayout()
        box.addWidget(self.title)
        box.addWidget(self.explanation)
        box.addSpacing(16)
        box.addWidget(self.passphrase)
        box.addWidget(self.error)
        box.addWidget(self.busy)
        box.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(centred(self, box, 620))
        outer.addStretch(2)

        self.submit.clicked.connect(lambda _checked=False: self.start())
        self.passphrase.second.returnPressed.connect(self.start)
        self.passphrase.first.returnPressed.connect(self.passphrase.second.setFocus)
        self.passphrase.validity_changed.connect(lambda _ok: self._update_submit())
        self.retranslate()
        self.passphrase.first.setFocus()

    def retranslate(self) -> None:
        self.title.setText(_("Choose your own passphrase"))
        self.explanation.setText(_(
            "You unlocked the vault with an initial passphrase that an administrator gave "
            "you. Choose a new one that only you know before you go on; the initial "
            "passphrase stops working."))
        self.passphrase.retranslate()
        self.submit.setText(_("Set passphrase and open"))
        self.busy.setAccessibleName(_("Setting the passphrase"))
        self._update_submit()

    @property
    def running(self) -> bool:
        return self.busy.isVisible()

    def _update_submit(self) -> None:
        self.submit.setEnabled(not self.running and self.passphrase.is_valid())

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.passphrase.setEnabled(not busy)
        self._update_submit()

    def start(self) -> None:
        if self.running or self._tasks.busy or not self.passphrase.is_valid():
            return
        new = self.passphrase.take()
        if self._initial is not None and self._initial.matches(new):
            self.error.setText(_(
                "That is the initial passphrase. Choose a new one that only you know."))
            self.passphrase.first.setFocus()
            return
        desk = self._desk

        def work() -> None:
            desk.change_passphrase(new)

        self.error.clear()
        self._set_busy(True)
        self._tasks.run(work, self._changed, self._failed)

    def _changed(self, _result: object) -> None:
        self._set_busy(False)
        self._initial = None
        self.done.emit()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        self.error.setText(error_text(error))
        self.passphrase.first.setFocus(Qt.FocusReason.OtherFocusReason)
