"""What every headless command shares: its streams, reading secrets, the user name."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from intake.errors import ExitCode, IntakeError, PassphraseMissing
from intake.i18n import N_, _
from intake.services.opening import Desk, open_desk


@dataclass
class Io:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    env: Mapping[str, str]


class Secrets:
    """Reads secrets from stdin (one per line) or from the terminal without echo."""

    def __init__(self, io: Io, from_stdin: bool) -> None:
        self._io = io
        self._from_stdin = from_stdin

    def read(self, prompt: str) -> str:
        if self._from_stdin:
            line = self._io.stdin.readline()
            if not line:
                raise PassphraseMissing()
            return line.rstrip("\r\n")
        return getpass.getpass(prompt + " ", stream=self._io.stderr)

    def read_new(self, prompt: str) -> str:
        first = self.read(prompt)
        if not self._from_stdin and self.read(_("Repeat it:")) != first:
            raise PassphrasesDiffer()
        return first


class PassphrasesDiffer(IntakeError):
    template = N_("The two passphrases differ.")
    exit_code = ExitCode.INVALID_INPUT


class UserRequired(IntakeError):
    template = N_("Give your user name with --user NAME.")
    exit_code = ExitCode.USAGE


class MustChangePassphrase(IntakeError):
    template = N_("You must first replace the initial passphrase an administrator gave you: "
                  "intake passwd --user {user}")
    exit_code = ExitCode.DENIED


def open_vault(args: argparse.Namespace, user: str, passphrase: str,
               meanwhile: Callable[[], object] | None = None) -> Desk:
    """Unlock for a command; refused (and locked again) while the user still has the initial
    passphrase an administrator gave them — only ``intake passwd`` may run then.
    ``meanwhile``: work that needs no key, run while the key is derived."""
    desk = open_desk(args.vault, user, passphrase, meanwhile)
    if desk.must_change_passphrase:
        desk.close()
        raise MustChangePassphrase(user=desk.user)
    return desk


def user_name(args: argparse.Namespace) -> str:
    if not args.user:
        raise UserRequired()
    return str(args.user)
