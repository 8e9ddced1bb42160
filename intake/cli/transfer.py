"""Field → office from the command line (docs/transfer.md)::

    intake org init                            (office, administrator)
    intake org rotate                          (office, administrator: a new key pair)
    intake org export-public --out FILE        (alias: export; prints the fingerprint)
    intake org trust FILE --fingerprint FP     (field; refuses when FP does not match)
    intake org devices                         (office: the trusted devices, revoked ones)
    intake org revoke-device FP                (office: refuse that device's bundles)
    intake device fingerprint                  (field)
    intake bundle create --out FILE [--since last | --all]
    intake bundle import FILE [--trust-device FP]   (office)

All with ``--vault``, ``--user`` and ``--passphrase-stdin``. A refused bundle exits 4
(integrity, trust, a revoked device) or 5 (malformed), with one line on stderr; nothing is
written then. A role without the identity key (a coordinator) cannot open, merge or sign a
bundle, nor make or replace the office's key: one line, exit 3, nothing written. What the
vault trusts (the office's key, the trusted devices, a revocation) changed by someone
without the identity key is refused by every command that relies on it: one line, exit 4,
nothing sent or written (docs/transfer.md, *Who holds which key*).

``intake org devices`` prints one tab-separated line per device for scripts:
fingerprint, ``trusted`` or ``revoked``, trusted at, revoked at (or ``-``), last sequence.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from intake.cli.support import Io, Secrets, open_vault, user_name
from intake.errors import ExitCode, IntakeError
from intake.i18n import N_, _
from intake.services.opening import KdfPolicy
from intake.services.transfer import TransferKeyMissing, TransferService


class FileUnreadable(IntakeError):
    template = N_("The file {path} cannot be read. Nothing was changed.")
    exit_code = ExitCode.INVALID_INPUT


class SinceUnknown(IntakeError):
    template = N_("--since takes 'last' (the records changed since the last bundle).")
    exit_code = ExitCode.USAGE


def _read(path: Path, limit: int = (1 << 30) + (1 << 20)) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except OSError as exc:
        raise FileUnreadable(path=str(path)) from exc


def add_transfer_commands(
    commands: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
) -> None:
    org = commands.add_parser("org", help=_("the organisation's key (office) and trusting "
                                            "it (field)"))
    org_actions = org.add_subparsers(dest="org_command", metavar=_("ACTION"), required=True)
    org_actions.add_parser("init", parents=[common],
                           help=_("create the organisation's key pair (office)"))
    org_actions.add_parser("rotate", parents=[common],
                           help=_("replace the organisation's key pair; bundles sealed to "
                                  "the previous key still open (office)"))
    exporter = org_actions.add_parser(
        "export-public", parents=[common], aliases=["export"],
        help=_("write the public half of the organisation's key; prints its fingerprint"))
    exporter.add_argument("--out", type=Path, required=True, metavar=_("FILE"))
    truster = org_actions.add_parser(
        "trust", parents=[common],
        help=_("trust the office's public key after comparing its fingerprint (field)"))
    truster.add_argument("file", type=Path, metavar=_("FILE"))
    truster.add_argument("--fingerprint", required=True, metavar=_("FINGERPRINT"))
    org_actions.add_parser("devices", parents=[common],
                           help=_("list the devices this office trusts, revoked ones too"))
    revoker = org_actions.add_parser(
        "revoke-device", parents=[common],
        help=_("refuse every bundle of a trusted device from now on (office)"))
    revoker.add_argument("fingerprint", metavar=_("FINGERPRINT"))

    device = commands.add_parser("device", help=_("this vault's device key"))
    device_actions = device.add_subparsers(dest="device_command", metavar=_("ACTION"),
                                           required=True)
    device_actions.add_parser("fingerprint", parents=[common],
                              help=_("print this vault's device fingerprint"))

    bundles = commands.add_parser("bundle", help=_("sealed transfer bundles, field to office"))
    bundle_actions = bundles.add_subparsers(dest="bundle_command", metavar=_("ACTION"),
                                            required=True)
    creator = bundle_actions.add_parser(
        "create", parents=[common],
        help=_("seal the testimonies to the office's key, into a new file"))
    creator.add_argument("--out", type=Path, required=True, metavar=_("FILE"))
    which = creator.add_mutually_exclusive_group()
    which.add_argument("--since", metavar="last",
                       help=_("only what changed since the last bundle (the default)"))
    which.add_argument("--all", action="store_true",
                       help=_("every testimony that may be sent"))
    creator.add_argument("--delete-after", action="store_true",
                         help=_("delete the sealed testimonies from this vault once the "
                                "bundle is written (the last step of travel mode)"))
    importer = bundle_actions.add_parser(
        "import", parents=[common], help=_("open, check and merge a bundle (office)"))
    importer.add_argument("file", type=Path, metavar=_("FILE"))
    importer.add_argument("--trust-device", metavar=_("FINGERPRINT"),
                          help=_("trust the sending device, after comparing its fingerprint"))


def cmd_org(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    with open_vault(args, user_name(args), secrets.read(_("Passphrase:"))) as desk:
        service = desk.transfer
        if args.org_command == "init":
            public = service.init_org()
            io.stdout.write(public.fingerprint + "\n")
            return ExitCode.OK
        if args.org_command in ("export-public", "export"):
            public = service.org_public()
            try:
                args.out.write_bytes(public.to_file())
            except OSError as exc:
                raise FileUnreadable(path=str(args.out)) from exc
            io.stdout.write(public.fingerprint + "\n")
            return ExitCode.OK
        if args.org_command in ("rotate", "devices", "revoke-device"):
            return _org_keys(args, io, service)
        public = service.trust_org(_read(args.file, 1 << 16), args.fingerprint)
    io.stdout.write(_("The office's key is trusted: {fingerprint}").format(
        fingerprint=public.fingerprint) + "\n")
    return ExitCode.OK


def _org_keys(args: argparse.Namespace, io: Io, service: TransferService) -> int:
    """rotate, devices and revoke-device (inside the open vault)."""
    if args.org_command == "rotate":
        rotated = service.rotate_org()
        io.stdout.write(rotated.new.fingerprint + "\n")
        io.stderr.write(_("The office has a new key; bundles sealed to the previous one "
                          "({fingerprint}) still open. Give the field the new public key "
                          "(intake org export-public) to trust.").format(
            fingerprint=rotated.retired.fingerprint) + "\n")
        return ExitCode.OK
    if args.org_command == "devices":
        for device in service.trusted_devices():
            state = "revoked" if device.revoked else "trusted"
            io.stdout.write("\t".join((device.fingerprint, state, device.trusted_at,
                                       device.revoked_at or "-",
                                       str(device.last_sequence))) + "\n")
        return ExitCode.OK
    revoked = service.revoke_device(args.fingerprint)
    text = (_("The device {fingerprint} is revoked: its bundles are refused from now on.")
            if revoked.now else
            _("The device {fingerprint} was revoked before: nothing changed."))
    io.stdout.write(text.format(fingerprint=revoked.device.fingerprint) + "\n")
    return ExitCode.OK


def cmd_device(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    secrets = Secrets(io, args.passphrase_stdin)
    with open_vault(args, user_name(args), secrets.read(_("Passphrase:"))) as desk:
        found = desk.transfer.device_fingerprint()
    if found is None:  # a role that may not send, before anyone made the key
        raise TransferKeyMissing()
    io.stdout.write(found + "\n")
    return ExitCode.OK


def cmd_bundle(args: argparse.Namespace, io: Io, policy: KdfPolicy) -> int:
    if args.bundle_command == "create" and args.since is not None \
            and args.since.casefold() != "last":
        raise SinceUnknown()
    secrets = Secrets(io, args.passphrase_stdin)
    with open_vault(args, user_name(args), secrets.read(_("Passphrase:"))) as desk:
        service = desk.transfer
        if args.bundle_command == "create":
            sent = service.create_bundle(args.out, since_last=not args.all)
            io.stdout.write(_("{count} testimonies sealed to the office in {path}.").format(
                count=sent.records, path=sent.path) + "\n")
            if args.delete_after:
                deleted = desk.records.clear_all_records(sent.ids)
                io.stdout.write(_("{count} testimonies were deleted.").format(
                    count=deleted) + "\n")
            return ExitCode.OK
        result = service.import_bundle(_read(args.file), trust_device=args.trust_device)
    if result.already_imported:
        io.stdout.write(_("This bundle was imported before: nothing changed.") + "\n")
    else:
        io.stdout.write(_("Added {added}, updated {updated}, unchanged {skipped}, kept as "
                          "history {history}, conflicts for review {conflicts}.").format(
            added=result.added, updated=result.updated, skipped=result.skipped,
            history=result.history, conflicts=result.conflicts) + "\n")
    return ExitCode.OK
