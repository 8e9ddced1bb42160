"""Progress with Cancel for work that may take more than half a second.

:func:`run_with_progress` runs ``work(ticker)`` on the window's :class:`BackgroundTasks`
and, if it is still running after :data:`SHOW_AFTER_MS`, shows a small window-modal dialog
with what is happening, a bar and Cancel. The work reports through the :class:`Ticker` it
is given (``ticker(done, total)``, callable from the worker thread); the dialog polls the
latest figures, so no signal crosses threads for every step. A total of 0 keeps the bar
moving without a figure (a key derivation cannot say how far it is).

Cancel has one of two meanings, chosen by the caller:

- ``stop`` (the default): the next ``ticker(...)`` call raises :class:`Cancelled`; the
  services called with a ticker undo what they started (a partial file is removed, an open
  transaction rolls back), so a cancelled operation leaves nothing behind;
- ``abandon``: the work cannot be stopped (an Argon2id derivation, one long ``PRAGMA``), so
  its result is discarded when it arrives (``discard(result)`` releases it, e.g. closes an
  unlocked vault) and the caller hears ``cancelled`` instead.

Locking closes the dialog like any modal dialog (``close_modal_dialogs``), which cancels.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from intake.errors import Cancelled
from intake.i18n import _
from intake.ui.kit.worker import Runner

SHOW_AFTER_MS = 500
POLL_MS = 100
STOP = "stop"
ABANDON = "abandon"


class Ticker:
    """What the work reports, and the way Cancel reaches it (thread-safe)."""

    def __init__(self, stoppable: bool = True) -> None:
        self._stop = threading.Event()
        self._stoppable = stoppable
        self._lock = threading.Lock()
        self._latest = (0, 0)

    def __call__(self, done: int, total: int) -> None:
        with self._lock:
            self._latest = (done, total)
        if self._stoppable and self._stop.is_set():
            raise Cancelled()

    def latest(self) -> tuple[int, int]:
        with self._lock:
            return self._latest

    def cancel(self) -> None:
        self._stop.set()

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()


class ProgressDialog(QDialog):
    def __init__(self, parent: QWidget, title: str, text: str, ticker: Ticker) -> None:
        super().__init__(parent)
        self.setObjectName("progress_dialog")
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.ticker = ticker
        self.label = QLabel(text, self)
        self.label.setObjectName("progress_label")
        self.label.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("progress_bar")
        self.bar.setRange(0, 0)
        self.bar.setAccessibleName(title)
        self.bar.setAccessibleDescription(text)
        self.cancel_button = QPushButton(_("Cancel"), self)
        self.cancel_button.setObjectName("progress_cancel")
        self.cancel_button.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addLayout(row)
        self.setMinimumWidth(420)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self.finished_work = False

    def start(self) -> None:
        self._timer.start()

    def _poll(self) -> None:
        done, total = self.ticker.latest()
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        else:
            self.bar.setRange(0, 0)

    def reject(self) -> None:
        """Cancel (the button, Escape, closing the window or a lock): ask the work to stop
        and wait for it, saying so; the dialog goes when the work returns."""
        if self.finished_work:
            super().reject()
            return
        self.ticker.cancel()
        self.label.setText(_("Stopping…"))
        self.cancel_button.setEnabled(False)
        super().reject()  # hidden now; deleted by run_with_progress when the work returns

    def finish(self) -> None:
        self.finished_work = True
        self._timer.stop()
        self.hide()
        self.deleteLater()


def run_with_progress(tasks: Runner, parent: QWidget, title: str, text: str,
                      work: Callable[[Ticker], Any], done: Callable[[Any], None],
                      failed: Callable[[BaseException], None], *,
                      cancelled: Callable[[], None] | None = None, mode: str = STOP,
                      discard: Callable[[Any], None] | None = None) -> ProgressDialog:
    """Run ``work(ticker)`` on a worker with a progress dialog shown after half a second;
    ``done(result)``, ``failed(error)`` or ``cancelled()`` is called on the UI thread."""
    ticker = Ticker(stoppable=mode == STOP)
    dialog = ProgressDialog(parent, title, text, ticker)

    def show_if_running() -> None:
        if not dialog.finished_work and not ticker.cancelled:
            dialog.show()

    def on_cancel() -> None:
        if cancelled is not None:
            cancelled()

    def succeeded(result: Any) -> None:
        dialog.finish()
        if ticker.cancelled and mode == ABANDON:
            if discard is not None:
                discard(result)
            on_cancel()
            return
        done(result)

    def errored(error: BaseException) -> None:
        dialog.finish()
        if isinstance(error, Cancelled) or (ticker.cancelled and mode == ABANDON):
            on_cancel()
            return
        failed(error)

    dialog.start()
    QTimer.singleShot(SHOW_AFTER_MS, dialog, show_if_running)
    tasks.run(lambda: work(ticker), succeeded, errored)
    return dialog
