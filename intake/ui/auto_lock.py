"""Auto-lock: an application-wide watch on user input that reports inactivity.

While started, every key press, mouse press, move or wheel turn anywhere in the application
restarts a single-shot timer; when it runs out, :attr:`AutoLock.idle` is emitted (the main
window locks the vault). Stopped, it neither filters events nor fires.
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


class AutoLock(QObject):
    """Emits :attr:`idle` after ``interval_ms`` without user input (while started)."""

    idle = Signal()

    def __init__(self, interval_ms: int = 5 * MINUTE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(max(1, interval_ms))
        self._timer.timeout.connect(self._expired)
        self._filtering = False

    @property
    def interval_ms(self) -> int:
        return self._timer.interval()

    def set_interval_ms(self, interval_ms: int) -> None:
        self._timer.setInterval(max(1, interval_ms))
        if self.active:
            self._timer.start()

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
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        app = QCoreApplication.instance()
        if app is not None and self._filtering:
            app.removeEventFilter(self)
        self._filtering = False

    def reset(self) -> None:
        """Input seen: the countdown starts again (nothing happens while stopped)."""
        if self._filtering:
            self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self._filtering and event.type() in USER_INPUT:
            self._timer.start()
        return False  # never swallows the event

    def _expired(self) -> None:
        if self._filtering:
            self.idle.emit()
