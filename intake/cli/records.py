"""The headless commands for records: import, export-records, demo.

The role checks are the services' (intake/domain/permissions.py): import and demo need
``IMPORT``, export-records ``EXPORT_PLAINTEXT``; a refusal is one line and exit code 3,
raised before anything is written.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import secrets as secrets_module
from io import StringIO
from pathlib import Path
from typing import Any

from intake.atomic import write_atomic
from intake.cli.support import Io, Secrets, user_name
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.errors import ExitCode, IntakeError
from intake.exchange.formats import jsonl
from intake.i18n import N_, _, ngettext
from intake.services import import_ahead
from intake.services.opening import KdfPolicy, open_desk

DEMO_MAX = 1_000_000
DEMO_BATCH = 1000


def add_records_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    importer = commands.add_parser(
        "import", parents=[common],
        help=_("import testimonies from a JSON Lines file: every line is checked first, "
               "and a file with a bad line imports nothing"),
    )
    importer.add_argument("file", type=Path, metavar=_("FILE"),
                          help=_("the .jsonl file (UTF-8, one record per line)"))
    exporter = commands.add_parser(
        "export-records", parents=[common],
        help=_("write every record, with who the people are, to a NOT encrypted JSON Lines "
               "file (for moving to another vault)"),
    )
    exporter.add_argument("--out", type=Path, required=True, metavar=_("FILE"),
                          help=_("the new .jsonl file (an existing file is never replaced)"))
    exporter.add_argument("--i-understand-plaintext", action="store_true",
                          help=_("confirm that the file will not be encrypted"))
    inventor = commands.add_parser(
        "demo", parents=[common],
        help=_("fill the vault with invented testimonies, for training and tests"),
    )
    inventor.add_argument("--records", type=_demo_count, required=True, metavar="N",
                          help=_("how many records to invent (1 to {maximum})").format(
                              maximum=DEMO_MAX))
    inventor.add_argument("--seed", type=int, metavar="S",
                          help=_("the same seed invents the same records"))


def _demo_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= DEMO_MAX:
        raise argparse.ArgumentTypeError(
            _("must be a whole number from 1 to {maximum}").format(maximum=DEMO_MAX))
    return value


class PlaintextNotConfirmed(IntakeError):
    template = N_(
        "export-records writes every record, with who the people are, to a file that is "
        "NOT encrypted. Nothing was written. To do it anyway, add --i-understand-plaintext."
    )
    exit_code = ExitCode.USAGE


class OutputExists(IntakeError):
    template = N_("{path} already exists. Nothing was written; choose a new file name.")


class OutputNotWritable(IntakeError):
    template = N_("{path} cannot be written. Nothing was written.")


def cmd_import(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    """All or nothing: every line is checked before anything is written. The lines are
    read while the passphrase's key is derived (on the other core); a bad file stops the
    unlock before anything is written, for the real passphrase and the duress one alike
    (a wrong passphrase is still counted). The cyclic garbage collector is paused
    throughout (services/import_ahead.collection_paused)."""
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    parsed: list[list[Record]] = []
    ahead: list[list[import_ahead.Ahead]] = []

    def parse() -> None:  # and what needs no key (services/import_ahead.py)
        records = jsonl.parse_lines(jsonl.read_lines(args.file), QUESTIONNAIRE, user)
        parsed.append(records)
        ahead.append(import_ahead.ahead(records, QUESTIONNAIRE))

    passphrase = secrets.read(_("Passphrase:"))
    with import_ahead.collection_paused():
        try:
            with open_desk(args.vault, user, passphrase, parse) as desk:
                result = desk.records.import_records(parsed[0], ahead[0] if ahead else None)
        finally:  # freed before the collector resumes, whose first walk would visit them
            ahead.clear()
            parsed.clear()
    io.stdout.write(_(
        "{path}: {added} added, {updated} updated, {skipped} skipped (already in the "
        "vault), {history} kept as older revisions."
    ).format(path=args.file, added=result.added, updated=result.updated,
             skipped=result.skipped, history=result.history) + "\n")
    return ExitCode.OK


def cmd_export_records(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    """Every record in full, identities included, to a new 0600 file written atomically."""
    if not args.i_understand_plaintext:
        raise PlaintextNotConfirmed()
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    out: Path = args.out
    if os.path.lexists(out):
        raise OutputExists(path=str(out))
    with open_desk(args.vault, user, secrets.read(_("Passphrase:"))) as desk:
        service = desk.records
        records = service.export_records()  # checks the role first
        buffer = StringIO()
        count = jsonl.write_records(records, buffer)
        data = buffer.getvalue().encode("utf-8")
        del buffer
        try:
            write_atomic(out, data, overwrite=False)
        except FileExistsError as exc:
            raise OutputExists(path=str(out)) from exc
        except OSError as exc:
            raise OutputNotWritable(path=str(out)) from exc
        # the audit entry: the file has no manifest, so its own hash stands for one
        service.note_plaintext_export(count, hashlib.sha256(data).hexdigest())
    io.stderr.write(_(
        "Warning: {path} is NOT encrypted and holds who the people are. Keep it on an "
        "encrypted disk and delete it as soon as it is imported."
    ).format(path=out) + "\n")
    io.stdout.write(ngettext("{count} record written to {path}.",
                             "{count} records written to {path}.", count).format(
        count=count, path=out) + "\n")
    return ExitCode.OK


def cmd_demo(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    """Invented records, imported in batches of DEMO_BATCH (one transaction each)."""
    from intake.exchange.demo import generate as demo  # not loaded for the other commands

    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    seed = args.seed if args.seed is not None else secrets_module.randbelow(1 << 32)
    added = skipped = 0
    with open_desk(args.vault, user, secrets.read(_("Passphrase:"))) as desk:
        service = desk.records
        records = demo.generate(args.records, seed, desk.user)
        while batch := list(itertools.islice(records, DEMO_BATCH)):
            result = service.import_records(batch)
            added += result.added + result.updated
            skipped += result.skipped + result.history
    io.stdout.write(ngettext(
        "{added} invented record added to {path}, {skipped} already there (seed {seed}).",
        "{added} invented records added to {path}, {skipped} already there (seed {seed}).",
        added,
    ).format(added=added, path=args.vault, skipped=skipped, seed=seed) + "\n")
    return ExitCode.OK
