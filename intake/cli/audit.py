"""``intake audit``: list the audit log (admins and case managers) or ``--verify`` its chain.

The listing is one line per entry, tab-separated so that scripts can cut it: number, time
(UTC), user, action code, record id (``-`` for none), detail as JSON. The log never holds an
answer's value, so the listing cannot print one. ``--verify`` prints one line and exits 0,
or 4 naming the first broken entry (any role may verify: it shows nothing but a count).
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from intake.cli.support import Io, Secrets, open_vault, user_name
from intake.errors import ExitCode, IntakeError
from intake.i18n import N_, _, ngettext
from intake.services.opening import AuditAction, KdfPolicy


class VerifyTakesNoFilters(IntakeError):
    template = N_("--verify checks the whole log: leave out --by, --record, --action, "
                  "--since and --until.")
    exit_code = ExitCode.USAGE


def add_audit_command(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    auditor = commands.add_parser(
        "audit", parents=[common],
        help=_("list the audit log (administrators and case managers), or verify it"),
    )
    auditor.add_argument("--verify", action="store_true",
                         help=_("check that no entry was changed or removed"))
    # --user is taken: it names who unlocks. The filter is --by.
    auditor.add_argument("--by", metavar=_("NAME"), help=_("only what this user did"))
    auditor.add_argument("--record", metavar=_("ID"), help=_("only entries about this record"))
    auditor.add_argument("--action", choices=[a.value for a in AuditAction],
                         metavar=_("ACTION"),
                         help=_("only this action: {actions}").format(
                             actions=", ".join(a.value for a in AuditAction)))
    auditor.add_argument("--since", type=_date, metavar=_("DATE"),
                         help=_("only entries on or after this day (YYYY-MM-DD, UTC)"))
    auditor.add_argument("--until", type=_date, metavar=_("DATE"),
                         help=_("only entries on or before this day (YYYY-MM-DD, UTC)"))


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("must be a date: YYYY-MM-DD")) from None


def cmd_audit(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    filters = (args.by, args.record, args.action, args.since, args.until)
    if args.verify and any(value is not None for value in filters):
        raise VerifyTakesNoFilters()
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    with open_vault(args, user, secrets.read(_("Passphrase:"))) as desk:
        service = desk.audit
        if args.verify:
            total = service.check()
            io.stdout.write(ngettext("Audit log intact: {count} entry.",
                                     "Audit log intact: {count} entries.",
                                     total).format(count=total) + "\n")
            return ExitCode.OK
        found = service.entries(user=args.by, record_id=args.record, action=args.action,
                                since=args.since, until=args.until, limit=None)
    for entry in found:
        io.stdout.write("\t".join((str(entry.seq), entry.at, entry.user, entry.action,
                                   entry.record_id or "-", entry.detail_json)) + "\n")
    return ExitCode.OK
