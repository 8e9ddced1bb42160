"""At unlock, recordings cut short are finished and the user told once (issue 19).

The finish runs on the vault worker (:mod:`intake.ui.shell.session_tasks`), never on the
GUI thread; only a role that holds the identity key finishes spools. What it found is
said in one message box (:mod:`intake.services.recording_recovery`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from intake.dates import datetime_text, local_moment, time_text
from intake.i18n import _

if TYPE_CHECKING:
    from intake.services.desk import Desk
    from intake.services.recording_recovery import Recovered
    from intake.ui.shell.seams import Shell

log = logging.getLogger(__name__)


def _when(at: dt.datetime) -> str:
    """The time alone today, else the date and time (one style per kind: intake.dates)."""
    if local_moment(at).date() == dt.datetime.now().astimezone().date():
        return time_text(at)
    return datetime_text(at)


def message(found: list[Recovered]) -> str:
    """One sentence per recovered recording."""
    return "\n".join(
        _("A recording interrupted at {time} was recovered; at most the last {seconds} "
          "seconds were lost.").format(time=_when(item.interrupted_at),
                                       seconds=item.lost_seconds)
        for item in found)


def recover_recordings(shell: Shell, desk: Desk) -> None:
    """After an unlock: finish the pending spools on the vault worker, then say so."""
    if not desk.has_identity_key:
        return
    from intake.services.recording_recovery import recover

    def done(found: list[Recovered]) -> None:
        if found:
            shell.dialogs.inform(shell.host, _("Recording recovered"), message(found))

    def failed(exc: BaseException) -> None:
        log.warning("recordings not recovered (%s)", type(exc).__name__)

    shell.tasks.run(lambda: recover(desk.recording), done, failed)
