"""The full check of the vault after an unlock, watched from the window.

An unlock no longer waits for the check of every page and index (it would grow with the
vault); a few seconds after it, the desk starts that check in a process of its own at the
lowest priority (:meth:`Desk.start_background_check`). This watches it: a lock or quitting
stops it at once; a finding locks the vault, so that nothing more is written to a damaged
or altered vault, and says so. A check that could not run is no finding (the Vault menu's
Check the vault remains).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from intake.i18n import _

if TYPE_CHECKING:
    from intake.services.desk import Desk, IntegrityCheck
    from intake.ui.shell.seams import Shell

log = logging.getLogger(__name__)

#: after the unlock, so that the workspace is drawn first
DELAY_MS = 3000
POLL_MS = 500


class IntegrityWatch(QObject):
    def __init__(self, shell: Shell) -> None:
        super().__init__(shell.host)
        self._shell = shell
        self._desk: Desk | None = None
        self._check: IntegrityCheck | None = None
        self.delay_ms = DELAY_MS  # tests shorten it
        self._start = QTimer(self, singleShot=True)
        self._start.timeout.connect(self._begin)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._poll_once)
        #: the last outcome ("intact", "damaged", "audit", "failed"; None: none yet)
        self.outcome: str | None = None

    @property
    def running(self) -> bool:
        return self._check is not None

    def start(self, desk: Desk) -> None:
        """A vault was unlocked: check it soon."""
        self.stop()
        self._desk, self.outcome = desk, None
        self._start.start(self.delay_ms)

    def stop(self) -> None:
        """The vault locks (or the app quits): the check ends now, whatever it is doing."""
        self._start.stop()
        self._poll.stop()
        check, self._check, self._desk = self._check, None, None
        if check is not None:
            check.cancel()

    def _begin(self) -> None:
        desk = self._desk
        if desk is None:
            return
        try:
            self._check = desk.start_background_check()
        except Exception as exc:  # no finding: the menu's check remains
            log.warning("background check not started (%s)", type(exc).__name__)
            return
        self._poll.start()

    def _poll_once(self) -> None:
        check = self._check
        outcome = check.poll() if check is not None else "failed"
        if outcome is None:
            return
        self._poll.stop()
        self._check, self.outcome = None, outcome
        if outcome in ("damaged", "audit"):
            self._found(outcome)
        elif outcome == "failed":
            log.warning("background check could not run")

    def _found(self, outcome: str) -> None:
        shell = self._shell
        what = (_("a page or an index of the database is damaged") if outcome == "damaged"
                else _("the audit log was changed or cut short"))
        # Said first: the lock may end this process (a fresh one shows the unlock screen).
        shell.dialogs.error(shell.host, _("Check the vault"), _(
            "The check that runs after unlocking found that {what}. The vault is locked now "
            "so that nothing more is written to it. Restore it from a backup, or ask the "
            "office before you open it again.").format(what=what))
        shell.lock()
