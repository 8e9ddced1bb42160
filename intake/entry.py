"""The one choice every way of starting intake makes (`intake`, `python -m intake`, the
frozen app): no arguments opens the window through the supervisor (:func:`intake.app.main`,
which loads neither Qt nor the vault in the supervising process), ``--session R W`` is a
window process that supervisor started, ``--check-vault`` the check after an unlock
(:mod:`intake.integrity_process`), ``--record`` the recorder process of the frozen app
(:mod:`intake.ui.recording.process`; ``python -m`` starts it directly otherwise), anything
else is a command (:mod:`intake.cli`).
Nothing heavy is imported before that choice."""

from __future__ import annotations

import sys

#: ``typing.TYPE_CHECKING`` without importing :mod:`typing` (mypy reads it the same way):
#: the window's supervisor is started through here, before anything else (issue 17).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: as intake.vault.background_check.CHECK_FLAG and intake.supervisor.SESSION_FLAG (not
#: imported: nothing heavy before the choice; a command need not load the supervisor)
CHECK_FLAG = "--check-vault"
SESSION_FLAG = "--session"
RECORD_FLAG = "--record"  # as intake.ui.recording.client.command()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args == [CHECK_FLAG]:  # the check after an unlock (intake/vault/background_check.py)
        from intake.integrity_process import main as check

        return check()
    if args == [RECORD_FLAG]:  # a recording that outlives the lock (the frozen app)
        from intake.ui.recording.process import main as record

        return record()
    if not args or args[0] == SESSION_FLAG:
        from intake.app import main as window

        return window(args)
    from intake.cli.main import main as command

    return command(args)
