"""Revoking a trusted device (intake org revoke-device) and replacing the office's key
(intake org rotate): a revoked device's genuine bundles are refused with exit 4 and
nothing written, the same bundle imports where the device was not revoked (positive
control); after a rotation bundles sealed to the previous key still open, and the retired
private half is sealed like the current one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intake.errors import ExitCode
from intake.exchange.containers.bundle import WrongRecipient
from intake.services.transfer import TransferService
from intake.vault import audit, private, transfer_keys
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security import vault_reader
from tests.unit.cli_harness import Cli
from tests.unit.transfer_world import (
    COORDINATOR,
    COORDINATOR_PASS,
    World,
    admin_slot,
    coordinator_slot,
    make_world,
)


@pytest.fixture
def world(tmp_path: Path, policy: KdfPolicy) -> World:
    return make_world(tmp_path, policy)


def at(folder: Path, *argv: str) -> list[str]:
    return [*argv, "--vault", str(folder), "--user", USER, "--passphrase-stdin"]


def audit_of(folder: Path, action: str) -> list[dict[str, object]]:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        return [dict(e.detail) for e in audit.entries(vault.connection(), action=action)]


def test_a_revoked_devices_genuine_bundle_is_refused(cli: Cli, world: World) -> None:
    second = world.send(since_last=False)  # genuine, sequence 2, not imported yet
    control = world.tmp / "office-control"
    shutil.copytree(world.office, control)  # the same office, the device not revoked

    revoked = cli(at(world.office, "org", "revoke-device", world.device_fp.replace(" ", "-")))
    assert revoked.code == 0 and "revoked" in revoked.out, revoked
    assert audit_of(world.office, "device_revoked") == [{"device": world.device_fp}]
    listed = cli(at(world.office, "org", "devices")).out.splitlines()
    [fields] = [line.split("\t") for line in listed]
    assert fields[:2] == [world.device_fp, "revoked"] and fields[3].startswith("20")

    before = world.state()
    for argv in (("bundle", "import", str(second)),
                 ("bundle", "import", str(second), "--trust-device", world.device_fp),
                 ("bundle", "import", str(world.first))):  # imported once, before
        refused = cli(at(world.office, *argv))
        assert "revoked" in refused.error_line(ExitCode.INTEGRITY)
        assert world.state() == before
    again = cli(at(world.office, "org", "revoke-device", world.device_fp))
    assert again.code == 0 and "before" in again.out
    assert len(audit_of(world.office, "device_revoked")) == 1

    # positive control: where the device was not revoked, the same bundle imports
    taken = cli(at(control, "bundle", "import", str(second)))
    assert taken.code == 0 and taken.out.startswith("Added "), taken
    assert world.state(control)["imported_bundles"] == before["imported_bundles"] + 1
    listed = cli(at(control, "org", "devices")).out.split("\t")
    assert listed[1] == "trusted" and listed[3] == "-"


def test_revoking_an_unknown_device_or_as_a_coordinator_changes_nothing(
        cli: Cli, world: World) -> None:
    before = world.state()
    unknown = cli(at(world.office, "org", "revoke-device", "1" * 40))
    assert "No trusted device" in unknown.error_line(ExitCode.INVALID_INPUT)
    denied = cli(["org", "revoke-device", world.device_fp, "--vault", str(world.office),
                  "--user", COORDINATOR, "--passphrase-stdin"], COORDINATOR_PASS + "\n")
    denied.error_line(ExitCode.DENIED)
    assert world.state() == before


def test_the_inbox_refuses_a_revoked_devices_bundle(world: World) -> None:
    inbox = world.tmp / "inbox"
    inbox.mkdir()
    shutil.copy(world.send(since_last=False), inbox / "a.intake")
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        service = TransferService(vault)
        assert service.revoke_device(world.device_fp).now
        report = service.process_inbox(inbox)
    [(name, error)] = report.rejected
    assert name == "a.intake" and getattr(error, "exit_code", None) == 4
    assert report.imported == []


def test_a_rotated_office_key_still_opens_bundles_sealed_to_the_previous_one(
        cli: Cli, world: World) -> None:
    old_fp = cli(at(world.office, "org", "export-public", "--out",
                    str(world.tmp / "old.pub"))).out.strip()
    sealed_to_old = world.send(since_last=False)
    rotated = cli(at(world.office, "org", "rotate"))
    assert rotated.code == 0 and old_fp in rotated.err, rotated
    new_fp = rotated.out.strip()
    assert new_fp != old_fp
    assert audit_of(world.office, "org_key_rotated") == [
        {"org_key": new_fp, "retired_org_key": old_fp}]
    exported = cli(at(world.office, "org", "export", "--out", str(world.tmp / "new.pub")))
    assert exported.out.strip() == new_fp
    taken = cli(at(world.office, "bundle", "import", str(sealed_to_old)))
    assert taken.code == 0 and taken.out.startswith("Added "), taken
    trusted = cli(at(world.field, "org", "trust", str(world.tmp / "new.pub"),
                     "--fingerprint", new_fp))
    assert trusted.code == 0, trusted
    sealed_to_new = world.send(since_last=False)
    assert cli(at(world.office, "bundle", "import", str(sealed_to_new))).code == 0

    # the retired private half is sealed too: the coordinator's keys do not open the
    # bundle sealed to it; the administrator's identity key does (positive control)
    coordinator = coordinator_slot(world.office)
    tables = vault_reader.dump(world.office / "intake.db", coordinator.dbk)
    assert tables is not None
    [retired] = tables["org_retired_keys"]
    assert retired["fingerprint"] == old_fp
    blob = bytes(retired["hpke_private"])
    data = sealed_to_old.read_bytes()
    assert all(vault_reader.open_bundle(data, blob[i:i + 96]) is None
               for i in range(len(blob) - 95))
    admin = admin_slot(world.office)
    assert admin.idk is not None
    raw = private.unseal(admin.idk, private.ORG_RETIRED_HPKE.context(old_fp), blob)
    assert vault_reader.open_bundle(data, raw) is not None


def test_a_bundle_to_a_key_the_office_never_had_is_refused(
        world: World, tmp_path: Path, policy: KdfPolicy) -> None:
    other, _code = Vault.create(tmp_path / "other", USER, PASSPHRASE, policy)
    with other:
        stranger = TransferService(other).init_org()
    with Vault.open(world.field, USER, PASSPHRASE) as field:
        TransferService(field).trust_org(stranger.to_file(), stranger.fingerprint)
    path = world.send(since_last=False)
    before = world.state()
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        service = TransferService(vault)
        service.rotate_org()
        assert transfer_keys.opening_key(vault.connection(), vault.identity_key,
                                         stranger.fingerprint) is None
        with pytest.raises(WrongRecipient):
            service.import_bundle(path.read_bytes())
    after = world.state()
    assert after.pop("audit") == [*before.pop("audit"), "org_key_rotated"]
    assert after == {**before, "org_retired_keys": 1}
