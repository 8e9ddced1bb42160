"""``intake wipe --yes``: the panic wipe (field security). No passphrase: it must work when there
is no time, and anyone at the keyboard could delete the files anyway. The key file is
destroyed first (see :mod:`intake.vault.wipe`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from intake.cli.support import Io
from intake.errors import ExitCode, IntakeError, VaultNotFound
from intake.i18n import N_, _
from intake.paths import app_paths
from intake.services.opening import KdfPolicy, exists, wipe
from intake.settings import SettingsStore, forget_after_wipe


class WipeNeedsYes(IntakeError):
    template = N_("The panic wipe destroys the vault for good: add --yes to do it.")
    exit_code = ExitCode.USAGE


class WipeIncomplete(IntakeError):
    template = N_("The keys were destroyed, but these files could not be removed: {names}. "
                  "Remove them by hand.")


def add_wipe_command(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    wiper = commands.add_parser(
        "wipe", parents=[common],
        help=_("destroy the vault for good, keys first (no passphrase needed)"))
    wiper.add_argument("--yes", action="store_true",
                       help=_("yes, destroy it: nothing can be recovered"))


def cmd_wipe(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    folder: Path = args.vault
    if not args.yes:
        raise WipeNeedsYes()
    if not exists(folder):
        raise VaultNotFound(path=str(folder))
    report = wipe(folder)
    paths = app_paths(io.env)
    store = SettingsStore(paths.settings_file)
    named = store.load().vault_dir
    if folder in (paths.default_vault, Path(named) if named else None):  # the app's vault
        forget_after_wipe(store, folder, paths.default_vault)
    if report.failed:
        raise WipeIncomplete(names=", ".join(report.failed))
    io.stdout.write(_("The vault at {path} was destroyed.").format(path=folder) + "\n")
    return ExitCode.OK
