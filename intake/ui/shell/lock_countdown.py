"""The warning before an auto-lock: "Locking in 12 s — move the mouse to stay unlocked".

An interviewer listening for minutes without typing should not be surprised by the lock:
:class:`LockCountdown` floats over the top of the window while :class:`AutoLock` counts the
last seconds down, and goes away at the first key press or mouse move (AutoLock's
``resumed``) or when the vault locks. It shows nothing of the vault.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QDeadlineTimer, Qt, QTimer
from PySide6.QtWidgets import QLabel, QWidget

from intake.i18n import ngettext
from intake.ui.shell.auto_lock import AutoLock

TICK_MS = 250
STYLE = ("QLabel#lock_countdown { background: #fff4ce; color: #3b2f00;"
         " border: 1px solid #8a6d00; border-radius: 6px; padding: 10px 16px;"
         " font-weight: bold; }")


class LockCountdown(QLabel):
    def __init__(self, auto_lock: AutoLock, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("lock_countdown")
        self.setStyleSheet(STYLE)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._deadline = QDeadlineTimer()
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._update)
        auto_lock.warning.connect(self.start)
        auto_lock.resumed.connect(self.dismiss)
        auto_lock.idle.connect(self.dismiss)
        self.hide()

    def start(self, remaining_ms: int) -> None:
        self._deadline = QDeadlineTimer(max(0, remaining_ms))
        self._tick.start()
        self._update()
        self.show()
        self.raise_()

    def dismiss(self) -> None:
        self._tick.stop()
        self.hide()

    def seconds_left(self) -> int:
        return max(0, math.ceil(self._deadline.remainingTime() / 1000))

    def _update(self) -> None:
        seconds = self.seconds_left()
        self.setText(ngettext(
            "The vault locks in {seconds} second. Move the mouse or press a key to stay.",
            "The vault locks in {seconds} seconds. Move the mouse or press a key to stay.",
            seconds).format(seconds=seconds))
        self.setAccessibleName(self.text())
        self._place()

    def _place(self) -> None:
        parent = self.parentWidget()
        if parent is None:
            return
        width = min(560, max(240, parent.width() - 40))
        self.setFixedWidth(width)
        self.adjustSize()
        self.move((parent.width() - width) // 2, 48)
