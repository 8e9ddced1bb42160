"""``intake backup --out FILE`` and ``intake restore FILE --vault DIR``.

The backup holds the vault as it is on disk (key file, encrypted database, encrypted
attachments): as safe as the vault itself. A restore is checked — opened with the user's
passphrase (or, with ``--recovery-code``, the recovery code) and fully verified — before
it takes the place of anything; an existing vault is refused unless ``--replace``, which
moves it aside rather than deleting it.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from intake.cli.support import Io, Secrets, open_vault, user_name
from intake.errors import ExitCode
from intake.i18n import _
from intake.services.backup import restore
from intake.services.opening import KdfPolicy


def add_backup_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    maker = commands.add_parser(
        "backup", parents=[common],
        help=_("write the whole vault, still encrypted, into one new file"))
    maker.add_argument("--out", type=Path, required=True, metavar=_("FILE"))
    restorer = commands.add_parser(
        "restore", parents=[common],
        help=_("restore a backup into --vault, after checking that it opens and is whole"))
    restorer.add_argument("file", type=Path, metavar=_("FILE"))
    restorer.add_argument("--recovery-code", action="store_true",
                          help=_("check it with the recovery code instead of a passphrase"))
    restorer.add_argument("--replace", action="store_true",
                          help=_("move a vault already in --vault aside and put this one "
                                 "in its place"))


def cmd_backup(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    with open_vault(args, user_name(args), secrets.read(_("Passphrase:"))) as desk:
        made = desk.backup.create(args.out)
    io.stdout.write(_("Backup written to {path} ({files} files).").format(
        path=made.path, files=made.files) + "\n")
    return ExitCode.OK


def cmd_restore(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    secret = secrets.read(_("Recovery code:") if args.recovery_code else _("Passphrase:"))
    aside = restore(args.file, args.vault, user_name(args), secret,
                    recovery_code=args.recovery_code, replace=args.replace)
    io.stdout.write(_("The vault was restored to {path}.").format(path=args.vault) + "\n")
    if args.replace and aside != args.vault:
        io.stderr.write(_("The vault that was there was moved to {path}.").format(
            path=aside) + "\n")
    return ExitCode.OK
