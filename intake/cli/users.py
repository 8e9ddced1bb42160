"""``intake users add|list|remove|set-role|reset-passphrase|set-duress|new-recovery-code``
(users and roles, the duress passphrase; administrators).

For scripts, with ``--passphrase-stdin``: the first line of standard input is the
administrator's passphrase, the second the new user's initial passphrase (``add``,
``reset-passphrase``) or the duress passphrase (``set-duress``). A removal, and a role
change that takes the identity key away, rekey the vault and print the new recovery code
alone on stdout (as ``intake init`` does): the old one stops working. ``list`` prints one
tab-separated line per user for scripts to cut (name, role code, when added as ISO 8601
with its offset, a flag), so its time is not in the words of :mod:`intake.dates`.
"""

from __future__ import annotations

import argparse
from typing import Any

from intake.cli.support import Io, Secrets, open_vault, user_name
from intake.domain.roles import Role
from intake.errors import ExitCode
from intake.i18n import _
from intake.services.opening import KdfPolicy

ROLES = [r.value for r in Role]


def add_users_command(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    users = commands.add_parser("users", help=_("manage the users of the vault "
                                                "(administrators)"))
    actions = users.add_subparsers(dest="users_command", metavar=_("ACTION"), required=True)
    adder = actions.add_parser("add", parents=[common],
                               help=_("add a user with a role and an initial passphrase"))
    adder.add_argument("name", metavar=_("NAME"))
    adder.add_argument("--role", choices=ROLES, required=True)
    actions.add_parser("list", parents=[common], help=_("list the users and their roles"))
    remover = actions.add_parser(
        "remove", parents=[common],
        help=_("remove a user and rekey the vault (prints the new recovery code)"))
    remover.add_argument("name", metavar=_("NAME"))
    setter = actions.add_parser(
        "set-role", parents=[common],
        help=_("change a user's role (taking the identity key away rekeys the vault and "
               "prints the new recovery code)"))
    setter.add_argument("name", metavar=_("NAME"))
    setter.add_argument("--role", choices=ROLES, required=True)
    resetter = actions.add_parser(
        "reset-passphrase", parents=[common],
        help=_("give a user a new initial passphrase, to be changed at their next unlock"))
    resetter.add_argument("name", metavar=_("NAME"))
    duress = actions.add_parser(
        "set-duress", parents=[common],
        help=_("set a user's duress passphrase: typed at unlock, it destroys the vault and "
               "opens a new, empty one"))
    duress.add_argument("name", metavar=_("NAME"))
    duress.add_argument("--remove", action="store_true",
                        help=_("remove the user's duress passphrase"))
    actions.add_parser(
        "new-recovery-code", parents=[common],
        help=_("replace the recovery code (prints the new one; the old one stops working)"))


def cmd_users(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    admin = user_name(args)
    with open_vault(args, admin, secrets.read(_("Passphrase:"))) as desk:
        service = desk.users
        command = args.users_command
        if command == "list":
            for user in service.list():
                flag = "\t" + _("must change passphrase") if user.must_change_passphrase else ""
                io.stdout.write(f"{user.name}\t{user.role.value}\t{user.created_at}{flag}\n")
            return ExitCode.OK
        if command == "add":
            service._check()  # before asking for the second secret
            info = service.add(args.name, Role(args.role),
                               secrets.read_new(_("Initial passphrase for the new user:")))
            io.stdout.write(_("{name} was added as {role}; they must choose their own "
                              "passphrase at first unlock.").format(
                name=info.name, role=_(info.role.label)) + "\n")
            return ExitCode.OK
        if command == "reset-passphrase":
            service._check()
            service.reset_passphrase(args.name, secrets.read_new(
                _("New initial passphrase for the user:")))
            io.stdout.write(_("{name} has a new initial passphrase to change at their next "
                              "unlock.").format(name=args.name) + "\n")
            return ExitCode.OK
        if command == "set-duress":
            service._check()
            duress = None if args.remove else secrets.read_new(_("Duress passphrase:"))
            service.set_duress_passphrase(args.name, duress)
            io.stdout.write((_("The duress passphrase of {name} was removed.") if args.remove
                             else _("{name} has a duress passphrase now.")).format(
                name=args.name) + "\n")
            return ExitCode.OK
        if command == "new-recovery-code":
            code: str | None = service.new_recovery_code()
        elif command == "remove":
            code = service.remove(args.name)
        else:
            code = service.set_role(args.name, Role(args.role))
    if code is not None:
        io.stdout.write(code + "\n")
        io.stderr.write((_("Write the new recovery code down; the old one no longer works.")
                         if command == "new-recovery-code" else
                         _("The vault was rekeyed. Write the new recovery code down; the old "
                           "one no longer works.")) + "\n")
    else:
        io.stdout.write(_("The role of {name} is now {role}.").format(
            name=args.name, role=_(Role(args.role).label)) + "\n")
    return ExitCode.OK
