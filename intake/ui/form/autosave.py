"""When the form saves: soon after typing pauses, and never later than a bound.

Two single-shot timers. Every change restarts the *idle* timer (``idle_ms`` after the last
keystroke); the first change after a save also starts the *deadline* timer, which no later
change restarts, so a change is saved within ``max_delay_ms`` even while the interviewer
types without pause. Whichever fires first saves and stops both. ``save_now()`` saves at
once if anything is pending (section change, ``flush()`` before lock, quit or close).

The save runs on the UI thread: it is one SQLCipher transaction (measured: about 11 ms for
a full record, 20 ms with a 20,000-character narrative, 35 ms at the 100,000-character
limit), at most once per ``max_delay_ms`` while typing goes on, which a typist does not
notice; and it keeps the record's state simple (no second copy in flight while the next
keystroke arrives). ``last_duration_ms`` keeps the last measurement. A failed save keeps the
changes pending and is retried after ``retry_ms``, and at the next change or flush;
``stop()`` (the vault was locked under the form) ends the retries until the next change.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

IDLE_MS = 800
MAX_DELAY_MS = 2000
RETRY_MS = 5000


class AutosaveController(QObject):
    pending_changed = Signal(bool)  # True: unsaved changes exist

    def __init__(
        self,
        save: Callable[[], bool],
        idle_ms: int = IDLE_MS,
        max_delay_ms: int = MAX_DELAY_MS,
        retry_ms: int = RETRY_MS,
        parent: QObject | None = None,
    ) -> None:
        """``save`` stores the current state and returns whether it succeeded."""
        super().__init__(parent)
        self._save = save
        self._retry_ms = retry_ms
        self._pending = False
        self._saving = False
        self._changes = 0  # counts note_change() calls, to see a change made during a save
        self._halted = False  # stop() was called: no retry until the next change
        self.last_duration_ms = 0.0  # of the last save, for diagnostics
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(idle_ms)
        self._idle.timeout.connect(self.save_now)
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.setInterval(max_delay_ms)
        self._deadline.timeout.connect(self.save_now)
        self._max_delay_ms = max_delay_ms

    @property
    def pending(self) -> bool:
        return self._pending

    @property
    def scheduled(self) -> bool:
        """Whether a timer will save (for tests and diagnostics)."""
        return self._idle.isActive() or self._deadline.isActive()

    def note_change(self) -> None:
        """Something was edited: save it soon."""
        self._changes += 1
        self._halted = False
        if not self._pending:
            self._pending = True
            self.pending_changed.emit(True)
        if not self._deadline.isActive():
            self._deadline.start(self._max_delay_ms)
        self._idle.start()

    def save_now(self) -> bool:
        """Save at once if anything is pending. True when nothing is left unsaved."""
        self._idle.stop()
        self._deadline.stop()
        if not self._pending:
            return True
        if self._saving:  # a save that led back here (a dialog, say): let it finish
            return False
        self._saving = True
        changes = self._changes
        started = time.perf_counter()
        try:
            ok = self._save()
        finally:
            self._saving = False
            self.last_duration_ms = (time.perf_counter() - started) * 1000
        log.debug("autosave %s in %.1f ms", "done" if ok else "failed", self.last_duration_ms)
        if not ok:
            if not self._halted:
                self._deadline.start(self._retry_ms)
        elif self._changes != changes:  # edited while saving: save that too, soon
            self._idle.start()
        else:
            self._pending = False
            self.pending_changed.emit(False)
        return ok

    def flush(self) -> bool:
        return self.save_now()

    def stop(self) -> None:
        """Stop the timers and retries until the next change (pending changes stay
        pending; ``flush()`` still saves them)."""
        self._halted = True
        self._idle.stop()
        self._deadline.stop()
