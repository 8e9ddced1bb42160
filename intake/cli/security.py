"""``intake security [--wipe-after-failed-unlocks N|off]`` (field security; administrators): the
vault's own security settings, kept in its key file so that every program that opens the
vault obeys them. Without an option it prints them."""

from __future__ import annotations

import argparse
from typing import Any

from intake.cli.support import Io, Secrets, open_vault, user_name
from intake.errors import ExitCode
from intake.i18n import _
from intake.services.opening import WIPE_AFTER_RANGE, KdfPolicy


def _limit(text: str) -> int | None:
    if text == "off":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("a number or off")) from None


def add_security_command(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    security = commands.add_parser(
        "security", parents=[common],
        help=_("show or change the vault's security settings (administrators)"))
    low, high = WIPE_AFTER_RANGE
    security.add_argument(
        "--wipe-after-failed-unlocks", type=_limit, metavar=_("N|off"), default=False,
        help=_("destroy the vault after N wrong passphrases in a row ({low} to {high}), "
               "or never (off, the default)").format(low=low, high=high))


def cmd_security(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    with open_vault(args, user_name(args), secrets.read(_("Passphrase:"))) as desk:
        service = desk.users
        if args.wipe_after_failed_unlocks is not False:
            service.set_wipe_after_failures(args.wipe_after_failed_unlocks)
        limit = service.wipe_after_failures()
    io.stdout.write((_("Wipe after failed unlocks: off") if limit is None else
                     _("Wipe after failed unlocks: {count}").format(count=limit)) + "\n")
    return ExitCode.OK
