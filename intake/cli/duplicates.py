"""``intake duplicates``: testimonies that may be one person (issue 20)::

    intake duplicates [--min-score S] [--json]   the candidate pairs, highest score first
    intake duplicates link A B                   the same person
    intake duplicates distinct A B               not the same person (never proposed again)
    intake duplicates unlink A B                 undo the decision on the pair

All with ``--vault``, ``--user`` and ``--passphrase-stdin``. Case managers and
administrators only: another role, or a slot without the identity key, exits 3 with one
line. The listing prints record ids and scores, never a name or any other value, nor the
evidence: ``--json`` one object ``{"min_score": S, "pairs": [{"a", "b", "score"}]}``,
otherwise one tab-separated line per pair (a, b, score). Listing stores nothing. An id
that names no testimony exits 5.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from intake.cli.support import Io, Secrets, open_vault, user_name
from intake.errors import ExitCode, IntakeError
from intake.i18n import N_, _
from intake.services.opening import KdfPolicy

ACTIONS = {"link": "same", "distinct": "distinct", "unlink": None}


class TwoIdsNeeded(IntakeError):
    template = N_("{action} needs the ids of two testimonies: intake duplicates {action} A B")
    exit_code = ExitCode.USAGE


class ListingOptionsOnly(IntakeError):
    template = N_("--min-score and --json go with the listing, not with {action}.")
    exit_code = ExitCode.USAGE


class IdsWithoutAction(IntakeError):
    template = N_("Say what to do with the testimonies: link, distinct or unlink.")
    exit_code = ExitCode.USAGE


def _score(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(_("must be more than 0 and at most 1"))
    return value


def add_duplicates_command(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "duplicates", parents=[common],
        help=_("testimonies that may be one person: list them, link them or keep them "
               "apart (case managers and administrators)"))
    parser.add_argument("action", nargs="?", choices=tuple(ACTIONS), metavar=_("ACTION"),
                        help=_("link, distinct or unlink two testimonies; without it, "
                               "list the candidate pairs"))
    parser.add_argument("ids", nargs="*", metavar=_("ID"), help=_("two testimony ids"))
    parser.add_argument("--min-score", type=_score, metavar=_("SCORE"),
                        help=_("list only pairs scoring at least SCORE (more than 0, "
                               "at most 1)"))
    parser.add_argument("--json", action="store_true",
                        help=_("print the pairs as JSON (ids and scores only)"))


def _check(args: argparse.Namespace) -> None:
    if args.action is None:
        if args.ids:
            raise IdsWithoutAction()
        return
    if args.min_score is not None or args.json:
        raise ListingOptionsOnly(action=args.action)
    if len(args.ids) != 2:
        raise TwoIdsNeeded(action=args.action)


def cmd_duplicates(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    _check(args)
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    with open_vault(args, user, secrets.read(_("Passphrase:"))) as desk:
        service = desk.duplicates
        if args.action is None:
            found = service.candidates(args.min_score)
            shown = service.threshold(args.min_score)
        else:
            a, b = args.ids
            if args.action == "unlink":
                undone = service.unlink(a, b)
                message = (_("The decision on the two testimonies was undone.") if undone
                           else _("Nothing to undo: the two testimonies were not decided."))
            else:
                service.decide(a, b, ACTIONS[args.action] or "")
                message = (_("Linked: the two testimonies are of the same person.")
                           if args.action == "link" else
                           _("Kept apart: the two testimonies are not of the same person."))
    if args.action is not None:
        io.stdout.write(message + "\n")
        return ExitCode.OK
    pairs = [{"a": c.a, "b": c.b, "score": round(float(c.score), 4)} for c in found]
    if args.json:
        io.stdout.write(json.dumps({"min_score": shown, "pairs": pairs},
                                   ensure_ascii=False) + "\n")
    else:
        for pair in pairs:
            io.stdout.write(f"{pair['a']}\t{pair['b']}\t{pair['score']:.4f}\n")
    return ExitCode.OK
