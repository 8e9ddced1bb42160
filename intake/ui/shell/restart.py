"""The session's end of the supervisor's pipes (:mod:`intake.supervisor`).

A session process starts hidden (the standby) and shows its window when the supervisor says
``show``, with the user who locked the session before it (so that only the passphrase is
asked for). Its own lock ends it: :meth:`SessionLink.leave` tells the supervisor
``locked`` with that user and exits at once, after the vault was closed, without running
anything else of the interpreter's shutdown (nothing is written, nothing is saved by it).
Without a supervisor (the tests building the window in their own process, or a platform
without the pipes) nothing of this runs and a lock stays in the process, as before.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable

from PySide6.QtCore import QSocketNotifier

from intake.supervisor import LOCKED, QUIT, READY, SHOW, SHOWN, Lines, encode

log = logging.getLogger(__name__)


class SessionLink:
    """Messages to and from the supervisor; ``present(user)`` on ``show``,
    ``lost(shown)`` when the supervisor is gone."""

    def __init__(self, read_fd: int, write_fd: int, present: Callable[[str], None],
                 lost: Callable[[bool], None]) -> None:
        self._lines, self._write_fd = Lines(read_fd), write_fd
        self._present, self._on_lost = present, lost
        self.shown = False
        self.connected = True
        self._notifier = QSocketNotifier(read_fd, QSocketNotifier.Type.Read)
        self._notifier.activated.connect(self._readable)

    def send(self, kind: str, **fields: object) -> None:
        if not self.connected:
            return
        try:
            os.write(self._write_fd, encode(kind, **fields))
        except OSError:
            self._lost()

    def ready(self) -> None:
        self.send(READY)

    def _readable(self) -> None:
        messages = self._lines.read()
        if messages is None:
            self._lost()
            return
        for message in messages:
            if message.get("kind") == SHOW and not self.shown:
                self.shown = True
                self._present(str(message.get("user") or ""))
                self.send(SHOWN)

    def _lost(self) -> None:
        """The supervisor is gone (killed): nobody would show a window after a lock, and
        this process would outlive it; ``lost`` decides (the app locks and quits)."""
        if not self.connected:
            return
        self.connected = False
        self._notifier.setEnabled(False)
        self._on_lost(self.shown)

    def leave(self, locked_by: str) -> bool:
        """After a lock (the vault closed): hand over to the standby and end this process
        here. False when there is no supervisor to hand over to (lock in the process)."""
        if not self.connected:
            return False
        try:
            os.write(self._write_fd, encode(LOCKED, user=locked_by))
        except OSError:
            pass  # the supervisor went just now: this process ends all the same
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(0)

    def quit(self, code: int) -> None:
        self.send(QUIT, code=code)
