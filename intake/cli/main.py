"""The headless commands (``intake --help``).

Every message goes through gettext; errors are one line on stderr with the exit codes of
docs/ARCHITECTURE.md (0 ok, 1 error, 2 usage, 3 wrong passphrase or not allowed, 4
integrity or tamper, 5 invalid input). A passphrase is read from the terminal or, with
``--passphrase-stdin``, one per line from standard input: never an argument or a variable.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from intake import __version__, i18n
from intake.cli.support import Io, Secrets, open_vault, user_name
from intake.errors import ExitCode, IntakeError
from intake.hardening import describe, harden_process
from intake.i18n import N_, _
from intake.paths import app_paths
from intake.services import opening
from intake.services.opening import KdfPolicy
from intake.settings import SettingsStore

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


#: The commands of each module (name → function) and the module's function that adds
#: their parsers: a run imports only the module of its command (the export's modules, with
#: the redaction rules, cost every other command 0.15 s); help and errors import them all.
MODULES: dict[str, tuple[str, dict[str, str]]] = {
    "intake.cli.records": ("add_records_commands", {
        "import": "cmd_import", "export-records": "cmd_export_records", "demo": "cmd_demo"}),
    "intake.cli.export": ("add_export_command", {"export": "cmd_export"}),
    "intake.cli.users": ("add_users_command", {"users": "cmd_users"}),
    "intake.cli.security": ("add_security_command", {"security": "cmd_security"}),
    "intake.cli.transfer": ("add_transfer_commands", {
        "org": "cmd_org", "device": "cmd_device", "bundle": "cmd_bundle"}),
    "intake.cli.backup": ("add_backup_commands", {"backup": "cmd_backup",
                                                  "restore": "cmd_restore"}),
    "intake.cli.wipe": ("add_wipe_command", {"wipe": "cmd_wipe"}),
    "intake.cli.audit": ("add_audit_command", {"audit": "cmd_audit"}),
    "intake.cli.duplicates": ("add_duplicates_command", {"duplicates": "cmd_duplicates"}),
}


def command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names before anything else but options (None: none, or help)."""
    skip = False
    for arg in argv:
        if skip or arg.startswith("--lang="):
            skip = False
        elif arg == "--lang":
            skip = True
        elif arg.startswith("-"):
            return None  # --help, --version, or a mistake: the whole parser answers
        else:
            return arg
    return None


def build_parser(default_vault: Path, command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of ``command`` alone when it is one."""
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
    known = command is not None and any(command in names for _a, names in MODULES.values())
    for module, (adder, names) in MODULES.items():
        if not known or command in names:
            getattr(importlib.import_module(module), adder)(commands, common)
    return parser


def cmd_init(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    passphrase = secrets.read_new(_("New passphrase:"))
    desk, code = opening.create(args.vault, user, passphrase, policy)
    desk.close()
    _print_recovery_code(io, code, args.passphrase_stdin)
    return ExitCode.OK


def _print_recovery_code(io: Io, code: str, scripted: bool) -> None:
    """The code alone on its own line of stdout, which scripts read; a person at a terminal
    sees a label above it, in their language (on stdout only when it is a terminal, so a
    pipe still gets the code alone; otherwise on stderr, unless the run is scripted)."""
    label = _("Recovery code of the new vault (write it down and keep it apart from the "
              "laptop; it is shown only once):")
    if io.stdout.isatty():
        io.stdout.write(label + "\n")
    elif not scripted:
        io.stderr.write(label + "\n")
    io.stdout.write(code + "\n")


def cmd_check(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    with open_vault(args, user, secrets.read(_("Passphrase:"))) as desk:
        desk.check_integrity()
        version = desk.schema_version()
        summary = _(
            "{path}: intact. User {user} ({role}); schema version {schema}; "
            "key file generation {generation}."
        ).format(
            path=args.vault, user=desk.user, role=_(desk.role.label), schema=version,
            generation=desk.generation,
        )
    io.stdout.write(summary + "\n")
    return ExitCode.OK


def cmd_passwd(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    old = secrets.read(_("Current passphrase:"))
    with opening.open_desk(args.vault, user, old) as desk:
        desk.change_passphrase(secrets.read_new(_("New passphrase:")))
    io.stdout.write(_("The passphrase was changed.") + "\n")
    return ExitCode.OK


def cmd_recover(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    user = user_name(args)
    code = secrets.read(_("Recovery code:"))
    with opening.open_with_recovery_code(args.vault, user, code) as desk:
        desk.change_passphrase(secrets.read_new(_("New passphrase:")))
    io.stdout.write(_("A new passphrase was set. The recovery code stays valid.") + "\n")
    return ExitCode.OK


Command = Callable[[argparse.Namespace, Io, KdfPolicy], int]
COMMANDS: dict[str, Command] = {
    "init": cmd_init,
    "check": cmd_check,
    "passwd": cmd_passwd,
    "recover": cmd_recover,
}


def command_function(name: str) -> Command:
    """The function of the command ``name`` (its module imported now)."""
    if name in COMMANDS:
        return COMMANDS[name]
    for module, (_adder, names) in MODULES.items():
        if name in names:
            found: Command = getattr(importlib.import_module(module), names[name])
            return found
    raise KeyError(name)


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
    parser = build_parser(default_vault, command_named(argv))
    try:
        with contextlib.redirect_stdout(io.stdout), contextlib.redirect_stderr(io.stderr):
            args = parser.parse_args(list(argv))
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.command is None:
        parser.print_help(io.stdout)
        return ExitCode.OK
    try:
        return command_function(args.command)(args, io, policy or KdfPolicy())
    except IntakeError as error:
        io.stderr.write(f"intake: {error.message()}\n")
        return int(error.exit_code)
    except KeyboardInterrupt:
        return 130


def main(argv: Sequence[str] | None = None) -> int:
    harden_process(log_level=logging.ERROR)  # errors are one line: no warnings on stderr
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] == "--session":  # the window (intake.entry is the usual way in)
        from intake.app import main as gui_main

        return gui_main(argv)
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
