"""Auto-lock: an application-wide watch on user input that reports inactivity.

While started, every key press, mouse press, move or wheel turn anywhere in the application
restarts a single-shot timer; when it runs out, :attr:`AutoLock.idle` is emitted (the main
window locks the vault). Stopped, it neither filters events nor fires.

A few seconds before (``WARNING_MS``, or a quarter of a short interval),
:attr:`AutoLock.warning` gives the interviewer a countdown (ui/shell/lock_countdown.py); any
input before the end emits :attr:`AutoLock.resumed` and starts the wait afresh, so moving
the mouse dismisses it.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

#: Events that mean a person is at the keyboard or the mouse.
USER_INPUT = frozenset({
    QEvent.Type.KeyPress,
    QEvent.Type.KeyRelease,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseButtonDblClick,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress,
    QEvent.Type.TabletMove,
})

MINUTE_MS = 60_000
#: How long before locking the countdown shows.
WARNING_MS = 15_000


def warning_ms(interval_ms: int) -> int:
    """The countdown's length for this interval: ``WARNING_MS``, but at most a quarter of
    it (a one-minute auto-lock warns for 15 s, a test's 400 ms for 100 ms)."""
    return min(WARNING_MS, interval_ms // 4)


class AutoLock(QObject):
    """Emits :attr:`idle` after ``interval_ms`` without user input (while started)."""

    idle = Signal()
    warning = Signal(int)  # milliseconds left before locking
    resumed = Signal()  # input during the countdown: no lock

    def __init__(self, interval_ms: int = 5 * MINUTE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, interval_ms))
        self._timer.timeout.connect(self._expired)
        self._warn = QTimer(self)
        self._warn.setSingleShot(True)
        self._warn.timeout.connect(self._warn_now)
        self._filtering = False
        self._warning = False

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    @property
    def warning_shown(self) -> bool:
        return self._warning

    def set_interval_ms(self, interval_ms: int) -> None:
        self._timer.setInterval(max(1, interval_ms))
        if self.active:
            self._restart()

    def _restart(self) -> None:
        """The wait starts afresh (and a countdown on screen ends)."""
        self._timer.start()
        lead = warning_ms(self._timer.interval())
        if lead > 0:
            self._warn.start(self._timer.interval() - lead)
        if self._warning:
            self._warning = False
            self.resumed.emit()

    @property
    def active(self) -> bool:
        return self._filtering

    def start(self, interval_ms: int | None = None) -> None:
        """Watch input from now on; the countdown starts afresh."""
        if interval_ms is not None:
            self._timer.setInterval(max(1, interval_ms))
        app = QCoreApplication.instance()
        if app is not None and not self._filtering:
            app.installEventFilter(self)
        self._filtering = True
        self._restart()

    def stop(self) -> None:
        self._timer.stop()
        self._warn.stop()
        if self._warning:
            self._warning = False
            self.resumed.emit()
        app = QCoreApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
        self._filtering = False

    def reset(self) -> None:
        """Input seen: the countdown starts again (nothing happens while stopped)."""
        if self._filtering:
            self._restart()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._filtering and event.type() in USER_INPUT:
            self._restart()
        return False  # never swallows the event

    def _warn_now(self) -> None:
        if self._filtering and self._timer.isActive():
            self._warning = True
            self.warning.emit(self._timer.remainingTime())

    def _expired(self) -> None:
        if self._filtering:
            self._warning = False
            self.idle.emit()
