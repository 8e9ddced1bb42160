"""The headless anonymized export: ``intake export`` (the wizard's twin, docs/export.md).

Opens the vault, runs every record through ``anonymize`` and writes the folder of
:mod:`intake.exchange.formats.export_files`. Nothing is written when the targets cannot be met
(exit 5) or the folder exists and is not empty (exit 1). ``--quotes`` adds the quotes a case
manager or an administrator approved for publication (approved text only; consent checked
again), all of them: the CLI cannot drop one as the wizard can. Approved quotes in which the
current redaction rules still find something are left out until approved again;
``--unreviewed-quotes`` (case managers and administrators only: exit 3 otherwise) adds the
automatic drafts of records without an approved quote, and the risk report says
``reviewed_by_a_person: false`` (docs/export.md, redaction of what people write).
The table is one row per person (issue 20); ``--stats`` counts each person once unless
``--count testimonies`` is given (docs/export.md, "Counting people, not testimonies").
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path
from typing import Any

from intake import __version__
from intake.cli.support import Io, Secrets, open_vault, user_name
from intake.errors import ExitCode, IntakeError
from intake.exchange.analysis.anonymize import blas
from intake.exchange.analysis.anonymize.pipeline import InvalidTargets
from intake.exchange.analysis.anonymize.profiles import DEFAULT_PROFILE, PROFILES
from intake.exchange.formats.export_files import ExportFolderNotEmpty
from intake.i18n import N_, _, ngettext
from intake.services.exports import (
    DEFAULT_C,
    DEFAULT_K,
    DEFAULT_L,
    DEFAULT_MAX_SUPPRESSION,
    PERSONS,
    SMALL_CELL_THRESHOLD,
    TESTIMONIES,
    UNITS,
    ExportSettings,
    LKind,
    PreparedExport,
)
from intake.services.opening import KdfPolicy
from intake.services.releases import describe


def add_export_command(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    exporter = commands.add_parser(
        "export", parents=[common],
        help=_("write an anonymized export (data.csv, data.jsonl, risk report) of the "
               "records with consent to a new folder"),
    )
    exporter.add_argument("--out", type=Path, required=False, metavar=_("DIR"),
                          help=_("the new folder (an existing folder must be empty)"))
    exporter.add_argument("--ledger", action="store_true",
                          help=_("list the releases made so far (date, kind, parameters, "
                                 "the files' SHA-256; never which records) and write "
                                 "nothing"))
    exporter.add_argument("--k", type=_whole, default=DEFAULT_K, metavar="K",
                          help=_("every record shares its quasi-identifiers with at least "
                                 "K-1 others (default: {value})").format(value=DEFAULT_K))
    exporter.add_argument("--l", type=_at_least_one, default=DEFAULT_L, metavar="L",
                          help=_("at least L different values of each sensitive answer in "
                                 "every group; with --l-kind entropy L may be a fraction "
                                 "such as 1.5 (default: {value})").format(value=DEFAULT_L))
    exporter.add_argument("--max-suppression", type=_share, default=DEFAULT_MAX_SUPPRESSION,
                          metavar=_("SHARE"),
                          help=_("the largest share of records that may be left out to "
                                 "reach K and L, from 0 to 1 (default: {value})").format(
                              value=DEFAULT_MAX_SUPPRESSION))
    exporter.add_argument("--l-kind", choices=[kind.value for kind in LKind],
                          default=LKind.DISTINCT.value,
                          help=_("how L is measured in every group: distinct values, the "
                                 "entropy of the values, or recursive (C, L)-diversity; "
                                 "declined and unknown answers never count (default: "
                                 "distinct)"))
    exporter.add_argument("--c", type=_positive, default=DEFAULT_C, metavar="C",
                          help=_("C of recursive (C, L)-diversity: the most common value "
                                 "of a group is less than C times the rarer ones from the "
                                 "L-th on (default: {value})").format(value=DEFAULT_C))
    exporter.add_argument("--t", type=_share, default=None, metavar="T",
                          help=_("t-closeness: in every group, each sensitive answer's "
                                 "distribution is within T (earth mover's distance, 0 to 1) "
                                 "of the whole table's (default: not checked)"))
    exporter.add_argument("--profile", choices=list(PROFILES), default=DEFAULT_PROFILE,
                          help=_("which columns to release: a purpose profile; fewer columns "
                                 "keep finer detail (default: {value})").format(
                              value=DEFAULT_PROFILE))
    _add_count(exporter)
    tier = exporter.add_mutually_exclusive_group()
    tier.add_argument("--stats", action="store_true",
                      help=_("write the public statistics instead (statistics.csv and a "
                             "bilingual statistics.html; counts below {value} shown as "
                             "<{value})").format(value=SMALL_CELL_THRESHOLD))
    tier.add_argument("--quotes", action="store_true",
                      help=_("also write the quotes approved for publication (quotes.csv) "
                             "of the exported records whose interviewees still consent to "
                             "publication"))
    tier.add_argument("--unreviewed-quotes", action="store_true",
                      help=_("as --quotes, and also the automatic drafts (redacted, not "
                             "reviewed by a person) of exported records without an approved "
                             "quote; case managers and administrators only, and the risk "
                             "report says so"))


def _add_count(exporter: argparse.ArgumentParser) -> None:
    exporter.add_argument("--count", choices=list(UNITS), default=None,
                          help=_("with --stats: count each person once (persons, the "
                                 "default: one testimony stands for testimonies linked as "
                                 "one person's) or every testimony; the anonymized table is "
                                 "always one row per person"))


def _whole(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be a whole number of at least 1"))
    return value


def _at_least_one(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 1 <= value < math.inf:  # also false for NaN
        raise argparse.ArgumentTypeError(_("must be a number of at least 1"))
    return value


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or math.isinf(value):  # also false for NaN
        raise argparse.ArgumentTypeError(_("must be a number above 0"))
    return value


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= 1:  # also false for NaN
        raise argparse.ArgumentTypeError(_("must be a number from 0 to 1"))
    return value


def _not_empty(folder: Path) -> bool:
    if not os.path.lexists(folder):
        return False
    return folder.is_symlink() or not folder.is_dir() or any(folder.iterdir())


class CountNeedsStats(IntakeError):
    template = N_("--count goes with --stats only: the anonymized table is always one row "
                  "per person.")
    exit_code = ExitCode.USAGE


class OutRequired(IntakeError):
    template = N_("Give the new folder with --out DIR (or list the releases with --ledger).")
    exit_code = ExitCode.USAGE


def _ledger(args: argparse.Namespace, io: Io, secrets: Secrets, user: str) -> int:
    """``intake export --ledger``: one line per release, never a record id."""
    with open_vault(args, user, secrets.read(_("Passphrase:"))) as desk:
        releases = desk.exports.releases()
    if not releases:
        io.stdout.write(_("No release has been made from this vault yet.") + "\n")
    for release in releases:
        io.stdout.write(describe(release) + "\n")
    return ExitCode.OK


def _warm_up() -> None:
    """What the anonymization needs and no key: found while the key is derived (the other
    core), not after. The BLAS's thread pools (threadpoolctl looks at every library
    loaded: about 0.09 s)."""
    blas.controller()


def cmd_export(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    if args.ledger:
        return _ledger(args, io, secrets, user)
    if args.count is not None and not args.stats:
        raise CountNeedsStats()  # never two rows of one person (issue 20)
    if args.out is None:
        raise OutRequired()
    out: Path = args.out
    if _not_empty(out):  # before the passphrase: fail fast (write_export checks again)
        raise ExportFolderNotEmpty(path=str(out))
    if args.stats:
        return _statistics(args, io, secrets, user, out)
    l_value = args.l  # noqa: E741
    if args.l_kind != LKind.ENTROPY.value:
        if not float(l_value).is_integer():
            raise InvalidTargets()
        l_value = int(l_value)
    elif float(l_value).is_integer():
        l_value = int(l_value)
    settings = ExportSettings(k=args.k, l=l_value, max_suppression=args.max_suppression,
                              quotes=args.quotes or args.unreviewed_quotes,
                              unreviewed_quotes=args.unreviewed_quotes,
                              l_kind=LKind(args.l_kind), c=args.c, t=args.t,
                              columns=PROFILES[args.profile])
    with open_vault(args, user, secrets.read(_("Passphrase:")), _warm_up) as desk:
        service = desk.exports
        prepared = service.prepare(settings)
        service.write(prepared, out, tool_version=__version__)
    result = prepared.result
    left_out = sum(result.excluded.values())
    io.stdout.write(ngettext(
        "{count} record exported to {path}: {suppressed} suppressed, {left_out} left out (no "
        "consent, consent withdrawn or draft); achieved k = {k}, l = {l}.",
        "{count} records exported to {path}: {suppressed} suppressed, {left_out} left out (no "
        "consent, consent withdrawn or draft); achieved k = {k}, l = {l}.",
        result.records_out,
    ).format(count=result.records_out, path=out, suppressed=result.suppressed,
             left_out=left_out, k=result.k, l="–" if result.l is None else result.l) + "\n")
    if args.quotes or args.unreviewed_quotes:
        _report_quotes(io, prepared)
    return ExitCode.OK


def _report_quotes(io: Io, prepared: PreparedExport) -> None:
    """The quote lines of ``intake export``: approved, unreviewed, left for a new review."""
    approved = len(prepared.quotes) - prepared.quotes_unreviewed
    io.stdout.write(ngettext(
        "{count} approved quote written to quotes.csv.",
        "{count} approved quotes written to quotes.csv.",
        approved).format(count=approved) + "\n")
    if prepared.settings.unreviewed_quotes:
        io.stdout.write(ngettext(
            "{count} quote written without review (automatic redaction only); the risk "
            "report says so.",
            "{count} quotes written without review (automatic redaction only); the risk "
            "report says so.",
            prepared.quotes_unreviewed).format(count=prepared.quotes_unreviewed) + "\n")
    if prepared.quotes_left_for_review:
        io.stdout.write(ngettext(
            "{count} approved quote left out: it was approved before the current redaction "
            "rules, which still find something in it; a case manager must approve it again.",
            "{count} approved quotes left out: they were approved before the current "
            "redaction rules, which still find something in them; a case manager must "
            "approve them again.",
            prepared.quotes_left_for_review).format(
                count=prepared.quotes_left_for_review) + "\n")


def _statistics(args: argparse.Namespace, io: Io, secrets: Secrets, user: str,
                out: Path) -> int:
    with open_vault(args, user, secrets.read(_("Passphrase:"))) as desk:
        service = desk.exports
        stats = service.statistics(unit=args.count or PERSONS)
        service.write_statistics(stats, out, tool_version=__version__)
    io.stdout.write(ngettext(
        "Statistics of {count} record written to {path}; counts below {threshold} are "
        "shown as <{threshold}.",
        "Statistics of {count} records written to {path}; counts below {threshold} are "
        "shown as <{threshold}.",
        stats.records).format(count=stats.records, path=out,
                              threshold=stats.threshold) + "\n")
    if args.count == TESTIMONIES:  # the default, persons, is what the files say first
        io.stdout.write(_("Testimonies were counted, not people: a person interviewed more "
                          "than once is counted once for each testimony.") + "\n")
    return ExitCode.OK
