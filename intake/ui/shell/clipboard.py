"""What the app puts on the clipboard is secret, and does not stay (field security).

Text copied from any of the app's fields is marked with the hints password managers use so
that clipboard managers and history tools neither show nor keep it
(``x-kde-passwordManagerHint: secret`` on Linux, the concealed type on macOS,
``ExcludeClipboardContentFromMonitorProcessing`` on Windows), and is cleared after
``CLEAR_AFTER_MS``, on lock and on quit — but only if the clipboard still holds exactly
what the app put there: text the user copied from another program is never touched.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, Qt, QTimer
from PySide6.QtGui import QClipboard, QGuiApplication

CLEAR_AFTER_MS = 30_000
SECRET_HINTS = {
    "x-kde-passwordManagerHint": b"secret",
    "application/x-nspasteboard-concealed-type": b"secret",
    "ExcludeClipboardContentFromMonitorProcessing": b"1",
}


def _digest(text: str) -> bytes:
    import hashlib  # here: it maps libcrypto, which the unlock window's start need not read

    return hashlib.sha256(text.encode("utf-8")).digest()  # never keep the text itself


class ClipboardGuard(QObject):
    """Watches the clipboard; marks and times out what this application copied."""

    def __init__(self, parent: QObject | None = None, clear_after_ms: int = CLEAR_AFTER_MS,
                 clipboard: QClipboard | None = None) -> None:
        super().__init__(parent)
        self._clipboard = clipboard or QGuiApplication.clipboard()
        self._ours: bytes | None = None  # digest of the text we put there
        self._marking = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(clear_after_ms)
        self._timer.timeout.connect(self.clear)
        self._clipboard.dataChanged.connect(self._changed)

    @property
    def holds_ours(self) -> bool:
        return self._ours is not None and self._ours == _digest(self._clipboard.text())

    def _from_us(self) -> bool:
        """Whether the new content came from this application: the clipboard says so where
        the platform tracks ownership (X11, Windows); elsewhere (macOS, Wayland) a change
        while one of our windows has the focus is taken as ours."""
        if self._clipboard.ownsClipboard():
            return True
        app = QGuiApplication.instance()
        return (isinstance(app, QGuiApplication)
                and app.applicationState() == Qt.ApplicationState.ApplicationActive
                and app.focusWindow() is not None)

    def _changed(self) -> None:
        if self._marking:
            return
        if not self._from_us():
            self._ours = None  # another program's text: not ours to clear
            self._timer.stop()
            return
        text = self._clipboard.text()
        if not text:
            return
        mime = QMimeData()
        mime.setText(text)
        for kind, value in SECRET_HINTS.items():
            mime.setData(kind, value)
        self._marking = True
        try:
            self._clipboard.setMimeData(mime)
        finally:
            self._marking = False
        self._ours = _digest(text)
        self._timer.start()

    def clear(self) -> None:
        """Empty the clipboard if it still holds what the app copied (timeout, lock, quit)."""
        self._timer.stop()
        if self.holds_ours:
            self._marking = True
            try:
                self._clipboard.clear()
            finally:
                self._marking = False
        self._ours = None
