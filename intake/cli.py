"""The headless commands (``intake --help``).

Every message goes through gettext; errors are one line on stderr with the exit codes of
docs/ARCHITECTURE.md (0 ok, 1 error, 2 usage, 3 wrong passphrase or not allowed, 4
integrity or tamper, 5 invalid input). A passphrase is read from the terminal or, with
``--passphrase-stdin``, one per line from standard input: never an argument or a variable.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import itertools
import logging
import os
import secrets as secrets_module
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import NoReturn, TextIO

from intake import __version__, i18n
from intake.atomic import write_atomic
from intake.domain.questions import QUESTIONNAIRE
from intake.errors import ExitCode, IntakeError, PassphraseMissing
from intake.exchange import demo, jsonl
from intake.hardening import describe, harden_process
from intake.i18n import N_, _, ngettext
from intake.paths import app_paths
from intake.services.interviews import InterviewService
from intake.settings import SettingsStore
from intake.vault import migrations
from intake.vault.kdf import KdfPolicy
from intake.vault.records import IdentityKeyMissing
from intake.vault.vault import Vault

DEMO_MAX = 1_000_000
DEMO_BATCH = 1000

# argparse's own messages, so that usage and errors are translated too (argparse looks
# them up through the module-level ``_`` that ``_localize_argparse`` points at ours).
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("expected one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
)


@dataclass
class Io:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    env: Mapping[str, str]


class _Parser(argparse.ArgumentParser):
    """One line on stderr and exit code 2 for usage errors."""

    def error(self, message: str) -> NoReturn:
        hint = _("see: {command} --help").format(command=self.prog)
        self.exit(ExitCode.USAGE, f"{self.prog}: {message} ({hint})\n")


def _localize_argparse() -> None:
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def _common(default_vault: Path) -> _Parser:
    common = _Parser(add_help=False)
    common.add_argument(
        "--vault", type=Path, default=default_vault, metavar=_("DIR"),
        help=_("the vault folder (default: {path})").format(path=default_vault),
    )
    common.add_argument("--user", metavar=_("NAME"), help=_("your user name in the vault"))
    common.add_argument("--lang", choices=i18n.LANGUAGES, default=argparse.SUPPRESS,
                        help=_("language of messages"))
    common.add_argument(
        "--passphrase-stdin", action="store_true",
        help=_("read passphrases from standard input, one per line"),
    )
    return common


def build_parser(default_vault: Path) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="intake",
        description=_("Record testimonies of forced labour in an encrypted vault."),
        epilog=_("Run intake without a command to open the app."),
    )
    parser.add_argument("--version", action="version", version=f"intake {__version__}")
    parser.add_argument("--lang", choices=i18n.LANGUAGES, help=_("language of messages"))
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"), parser_class=_Parser)
    common = _common(default_vault)
    commands.add_parser(
        "init", parents=[common], help=_("create a new vault and print its recovery code"),
    )
    commands.add_parser(
        "check", parents=[common], help=_("unlock the vault and verify its integrity"),
    )
    commands.add_parser(
        "passwd", parents=[common],
        help=_("change your passphrase (stdin: the old one, then the new one)"),
    )
    commands.add_parser(
        "recover", parents=[common],
        help=_("set a new passphrase with the recovery code (stdin: the code, then it)"),
    )
    _records_commands(commands, common)
    return parser


def _records_commands(
    commands: argparse._SubParsersAction[_Parser], common: _Parser
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


def _user(args: argparse.Namespace) -> str:
    if not args.user:
        raise UserRequired()
    return str(args.user)


def cmd_init(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = _user(args)
    passphrase = secrets.read_new(_("New passphrase:"))
    vault, code = Vault.create(args.vault, user, passphrase, policy)
    vault.close()
    if not args.passphrase_stdin:
        io.stderr.write(
            _("Write this recovery code down and keep it apart from the laptop. "
              "It is shown only once.") + "\n"
        )
    io.stdout.write(code + "\n")
    return ExitCode.OK


def cmd_check(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = _user(args)
    with Vault.open(args.vault, user, secrets.read(_("Passphrase:"))) as vault:
        vault.verify_integrity()
        version = migrations.current_version(vault.connection())
        summary = _(
            "{path}: intact. User {user} ({role}); schema version {schema}; "
            "key file generation {generation}."
        ).format(
            path=args.vault, user=vault.user, role=_(vault.role.label), schema=version,
            generation=vault.generation,
        )
    io.stdout.write(summary + "\n")
    return ExitCode.OK


def cmd_passwd(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = _user(args)
    old = secrets.read(_("Current passphrase:"))
    with Vault.open(args.vault, user, old) as vault:
        vault.change_passphrase(secrets.read_new(_("New passphrase:")))
    io.stdout.write(_("The passphrase was changed.") + "\n")
    return ExitCode.OK


def cmd_recover(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = _user(args)
    code = secrets.read(_("Recovery code:"))
    with Vault.open_with_recovery_code(args.vault, user, code) as vault:
        vault.change_passphrase(secrets.read_new(_("New passphrase:")))
    io.stdout.write(_("A new passphrase was set. The recovery code stays valid.") + "\n")
    return ExitCode.OK


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
    """All or nothing: every line is checked before the vault is opened."""
    secrets = Secrets(io, args.passphrase_stdin)
    user = _user(args)
    records = jsonl.parse_lines(jsonl.read_lines(args.file), QUESTIONNAIRE, user)
    with Vault.open(args.vault, user, secrets.read(_("Passphrase:"))) as vault:
        result = InterviewService(vault).import_records(records)
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
    user = _user(args)
    out: Path = args.out
    if os.path.lexists(out):
        raise OutputExists(path=str(out))
    with Vault.open(args.vault, user, secrets.read(_("Passphrase:"))) as vault:
        if not vault.has_identity_key:
            raise IdentityKeyMissing()  # the file would silently lack who the people are
        buffer = StringIO()
        count = jsonl.write_records(InterviewService(vault).export_records(), buffer)
    data = buffer.getvalue().encode("utf-8")
    try:
        write_atomic(out, data, overwrite=False)
    except FileExistsError as exc:
        raise OutputExists(path=str(out)) from exc
    except OSError as exc:
        raise OutputNotWritable(path=str(out)) from exc
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
    secrets = Secrets(io, args.passphrase_stdin)
    user = _user(args)
    seed = args.seed if args.seed is not None else secrets_module.randbelow(1 << 32)
    added = skipped = 0
    with Vault.open(args.vault, user, secrets.read(_("Passphrase:"))) as vault:
        service = InterviewService(vault)
        records = demo.generate(args.records, seed, vault.user)
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


Command = Callable[[argparse.Namespace, Io, KdfPolicy], int]
COMMANDS: dict[str, Command] = {
    "init": cmd_init,
    "check": cmd_check,
    "passwd": cmd_passwd,
    "recover": cmd_recover,
    "import": cmd_import,
    "export-records": cmd_export_records,
    "demo": cmd_demo,
}


def _choose_language(argv: Sequence[str], env: Mapping[str, str], saved: str | None) -> str:
    for index, arg in enumerate(argv):
        if arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        elif arg == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        else:
            continue
        if value in i18n.LANGUAGES:
            return value
    return saved or i18n.language_from_environment(env)


def run(
    argv: Sequence[str],
    io: Io,
    policy: KdfPolicy | None = None,
) -> int:
    """Parse and run one command; returns the exit code (never raises for user errors)."""
    paths = app_paths(io.env)
    settings = SettingsStore(paths.settings_file).load()
    i18n.set_language(_choose_language(argv, io.env, settings.language))
    _localize_argparse()
    default_vault = Path(settings.vault_dir) if settings.vault_dir else paths.default_vault
    parser = build_parser(default_vault)
    try:
        with contextlib.redirect_stdout(io.stdout), contextlib.redirect_stderr(io.stderr):
            args = parser.parse_args(list(argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(io.stdout)
        return ExitCode.OK
    try:
        return COMMANDS[args.command](args, io, policy or KdfPolicy())
    except IntakeError as error:
        io.stderr.write(f"intake: {error.message()}\n")
        return int(error.exit_code)
    except KeyboardInterrupt:
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    harden_process(log_level=logging.ERROR)  # errors are one line: no warnings on stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        from intake.app import main as gui_main  # the GUI only when asked for

        return gui_main([])
    io = Io(sys.stdin, sys.stdout, sys.stderr, os.environ)
    try:
        return run(argv, io)
    except Exception as exc:  # no traceback: it could carry values
        sys.stderr.write(
            "intake: " + _("unexpected error ({what}).").format(
                what=describe(type(exc), exc.__traceback__)
            ) + "\n"
        )
        return ExitCode.ERROR
