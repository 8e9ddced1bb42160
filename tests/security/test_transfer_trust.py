"""Adversary: a coerced coordinator's database key rewrites what a vault *trusts* for
transfer — the office key a field vault seals to, the devices an office accepts, a
revocation — because those rows are only under the database key (migration 5,
``trusted_org`` / ``trusted_devices``; ``intake/vault/transfer_keys.py``), with nothing the
coordinator lacks (the identity key) authenticating them.

- **Field, confidentiality**: the coordinator replaces ``trusted_org`` by a key pair of the
  adversary's own. The next *Send to office* (an interviewer or an administrator) seals
  every testimony, names included, to the adversary, who opens the bundle wherever it is
  carried (an outbox synced by Syncthing, a USB stick, an e-mail).
- **Office, confidentiality**: the coordinator replaces the *public* halves in the
  office's own ``org_identity`` row by the adversary's. The administrator's
  ``intake org export-public`` (Save the public key for the field…) then hands every new
  field laptop the adversary's key, and the fingerprint read out by phone matches it,
  since it is computed from the same row.
- **Office, forgery**: the coordinator adds a device key of the adversary's own to
  ``trusted_devices``; the office then merges the adversary's bundles without
  ``--trust-device`` (the inbox imports them unattended).
- **Office, revocation**: the coordinator clears ``revoked_at`` and a revoked (seized)
  device's bundles are accepted again.

The fix (issue 15, :mod:`intake.vault.transfer_trust`): those rows carry a MAC under a key
derived from the identity key, and the office's public halves are checked against its
sealed private halves; a tamper is refused (:class:`TrustTampered`, exit 4) before anything
is sent or merged. Each test runs twice: with the check (the attack must be refused or come
to nothing) and with the check bypassed (the positive control: the very same tamper must
then succeed, the name read by the adversary, the forged or revoked bundle merged), which
proves the test can fail.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import sqlcipher3
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake.exchange.containers import bundle
from intake.services.interviews import InterviewService
from intake.services.transfer import TransferService
from intake.services.transfer_types import RevokedDevice, UntrustedDevice
from intake.vault import accounts, migrations, private, transfer_keys, transfer_trust
from intake.vault.kdf import KdfPolicy
from intake.vault.transfer_keys import TrustTampered
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security.sentinels import hangul_of
from tests.tamper import tamper_with_key as tamper
from tests.unit.transfer_world import (
    COORDINATOR,
    World,
    admin_slot,
    coordinator_slot,
    lines_of,
    make_world,
    one_line,
    row,
    run_intake,
    unsealed,
)


@pytest.fixture
def world(tmp_path: Path, policy: KdfPolicy) -> World:
    return make_world(tmp_path, policy)


@pytest.fixture(params=["checked", "bypassed"])
def mac_check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """"bypassed": every MAC passes and the office's pair is not compared (the control)."""
    if request.param == "bypassed":
        monkeypatch.setattr(private, "row_mac_ok", lambda *_args: True)
        monkeypatch.setattr(transfer_trust, "check_org_pair", lambda *_args: None)
    return str(request.param)


def refused(mac_check: str) -> None:
    assert mac_check == "checked", (
        "positive control: with the MAC check bypassed the tamper was still refused, so "
        "this test cannot tell a protected vault from an unprotected one")


def control(mac_check: str, succeeded: bool) -> bool:
    """True when this is the control run (checked here: the attack succeeded)."""
    if mac_check == "bypassed":
        assert succeeded, "positive control: without the MAC check the attack must succeed"
        return True
    return False


def adversary_vault(folder: Path, policy: KdfPolicy) -> None:
    """The adversary's own vault (it is its administrator): an office key of its own."""
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    vault.close()


def test_a_field_coordinator_cannot_redirect_bundles_to_another_office_key(
        world: World, policy: KdfPolicy, mac_check: str) -> None:
    run = secrets.token_hex(4)
    name = f"리{hangul_of(run)}철 Ri-{run}"
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        record = InterviewService(vault).new_record()
        record.answers.update({"consent.internal_documentation": True,
                               "identity.full_name": name})
        InterviewService(vault).save(record)
    spy = world.tmp / "spy"
    adversary_vault(spy, policy)
    with Vault.open(spy, USER, PASSPHRASE) as vault:
        spy_public = TransferService(vault).init_org()
    spy_keys = admin_slot(spy)
    assert spy_keys.idk is not None
    spy_private = unsealed(spy_keys.idk, private.ORG_HPKE,
                           bytes(row(spy, spy_keys.dbk, "org_identity")["hpke_private"]))

    # the attack: the field coordinator's database key swaps the trusted office key
    coordinator = coordinator_slot(world.field)
    tamper(world.field, coordinator.dbk,
           "UPDATE trusted_org SET hpke_public = ?, sign_public = ?, fingerprint = ?",
           spy_public.hpke_public, spy_public.sign_public, spy_public.fingerprint)

    # later, the field administrator sends to the office as usual
    try:
        sent = world.send()
    except TrustTampered:
        return refused(mac_check)  # the swap was detected (what the fix does)
    data = sent.read_bytes()
    try:
        lines = lines_of(data, spy_private)
    except bundle.BundleRejected:
        lines = []
    leaked = any(name in line for line in lines)
    if control(mac_check, leaked):
        return
    assert not leaked, (
        "a coordinator rewrote trusted_org with its database key and the next Send to "
        f"office sealed {len(lines)} lines, the witness's name among them, to the "
        "ADVERSARY's key (cause: intake/vault/transfer_keys.py trusted_org(), a row only "
        "the database key protects; no check against a value bound to the identity key)")


def test_an_office_coordinator_cannot_change_the_public_key_the_office_hands_out(
        world: World, policy: KdfPolicy, tmp_path: Path, mac_check: str) -> None:
    run = secrets.token_hex(4)
    name = f"리{hangul_of(run)}철 Ri-{run}"
    spy = world.tmp / "spy"
    adversary_vault(spy, policy)
    with Vault.open(spy, USER, PASSPHRASE) as vault:
        spy_public = TransferService(vault).init_org()
    spy_keys = admin_slot(spy)
    assert spy_keys.idk is not None
    spy_private = unsealed(spy_keys.idk, private.ORG_HPKE,
                           bytes(row(spy, spy_keys.dbk, "org_identity")["hpke_private"]))
    # the attack: the office coordinator rewrites the public halves of the office's key
    tamper(world.office, coordinator_slot(world.office).dbk,
           "UPDATE org_identity SET hpke_public = ?, sign_public = ?",
           spy_public.hpke_public, spy_public.sign_public)
    # later, the office administrator sets up a new field laptop as docs/transfer.md says
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        try:
            handed_out = TransferService(vault).org_public()
        except TrustTampered:  # the swap was detected (what the fix does)
            return refused(mac_check)
    field = tmp_path / "field2"
    vault, _code = Vault.create(field, USER, PASSPHRASE, policy)
    with vault:
        service = TransferService(vault)
        service.trust_org(handed_out.to_file(), handed_out.fingerprint)  # read by phone
        record = InterviewService(vault).new_record()
        record.answers.update({"consent.internal_documentation": True,
                               "identity.full_name": name})
        InterviewService(vault).save(record)
        service.create_bundle(tmp_path / "sent.intake")
    data = (tmp_path / "sent.intake").read_bytes()
    try:
        lines = lines_of(data, spy_private)
    except bundle.BundleRejected:
        lines = []
    if control(mac_check, any(name in line for line in lines)):
        return
    assert not any(name in line for line in lines), (
        "the office coordinator rewrote org_identity's public halves with its database "
        "key; the administrator's export-public handed the field the ADVERSARY's key "
        f"(fingerprint {handed_out.fingerprint} matched) and the adversary opened the "
        "field's bundle, the witness's name in it (cause: intake/vault/transfer_keys.py "
        "org_public() reads columns only the database key protects, never checked "
        "against the private halves sealed under the identity key)")


def test_an_office_coordinator_cannot_make_the_office_trust_its_own_device(
        world: World, policy: KdfPolicy, mac_check: str) -> None:
    spy = world.tmp / "spy"
    adversary_vault(spy, policy)
    office_coordinator = coordinator_slot(world.office)
    org = row(world.office, office_coordinator.dbk, "org_identity")  # the public halves
    public = transfer_keys.OrgPublic(bytes(org["hpke_public"]), bytes(org["sign_public"]))
    forged_path = world.tmp / "forged.intake"
    with Vault.open(spy, USER, PASSPHRASE) as vault:
        service = TransferService(vault)
        service.trust_org(public.to_file(), public.fingerprint)
        record = InterviewService(vault).new_record()
        record.answers.update({"consent.internal_documentation": True,
                               "narrative.summary": "A fabricated testimony."})
        InterviewService(vault).save(record)
        service.create_bundle(forged_path)
    spy_device = transfer_keys.device_public(  # public: anyone may read it
        sqlcipher_conn := _open(spy, admin_slot(spy).dbk))
    sqlcipher_conn.close()
    assert spy_device is not None
    data = forged_path.read_bytes()

    # positive control: without the tamper the office refuses the adversary's bundle
    with Vault.open(world.office, USER, PASSPHRASE) as vault, pytest.raises(UntrustedDevice):
        TransferService(vault).import_bundle(data)

    # the attack: one INSERT under the office coordinator's database key
    tamper(world.office, office_coordinator.dbk,
           "INSERT INTO trusted_devices (fingerprint, sign_public, trusted_at)"
           " VALUES (?, ?, '2026-11-27T00:00:00+00:00')",
           transfer_keys.fingerprint(spy_device), spy_device)
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        try:
            result = TransferService(vault).import_bundle(data)
        except TrustTampered:
            return refused(mac_check)  # the forged row was detected (what the fix does)
    if control(mac_check, result.added > 0):
        return
    assert result.added == 0, (
        f"the office merged {result.added} record(s) of a bundle signed by the "
        "adversary's own device key, after the office coordinator added that key to "
        "trusted_devices with its database key (cause: intake/vault/transfer_keys.py "
        "trusted_device() trusts a row only the database key protects)")


def test_an_office_coordinator_cannot_undo_a_revocation(world: World, mac_check: str) -> None:
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        assert TransferService(vault).revoke_device(world.device_fp).now
    data = world.send(since_last=False).read_bytes()
    # positive control: the revoked device is refused
    with Vault.open(world.office, USER, PASSPHRASE) as vault, pytest.raises(RevokedDevice):
        TransferService(vault).import_bundle(data)
    coordinator = coordinator_slot(world.office)
    tamper(world.office, coordinator.dbk,
           "UPDATE trusted_devices SET revoked_at = NULL, revoked_by = NULL")
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        try:
            result = TransferService(vault).import_bundle(data)
        except TrustTampered:
            return refused(mac_check)  # the cleared revocation was detected (the fix)
    if control(mac_check, True):
        return
    pytest.fail(
        f"a bundle of a REVOKED device was accepted ({result}) after the office "
        "coordinator cleared trusted_devices.revoked_at with its database key (cause: "
        "the revocation is a column only the database key protects, "
        "intake/vault/transfer_keys.py trusted_device())")


def _open(folder: Path, dbk: bytes) -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(str(folder / "intake.db"))
    conn.execute(f"PRAGMA key = \"x'{dbk.hex()}'\"")
    conn.execute("PRAGMA cipher_compatibility = 4")
    return conn


# -- the MACs across a rekey, a migration and the command line ------------------------------
def test_a_rekey_moves_the_trust_to_the_new_identity_key_without_blessing_a_tamper(
        world: World) -> None:
    before = admin_slot(world.office).idk
    field_dbk = coordinator_slot(world.field).dbk
    # tampered before the rekeys: the field's office key (its MAC now fails)
    tamper(world.field, field_dbk, "UPDATE trusted_org SET sign_public = ?",
           Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    for folder in (world.office, world.field):  # removing a user gives a new identity key
        with Vault.open(folder, USER, PASSPHRASE) as vault:
            accounts.remove_user(vault, COORDINATOR)
    after = admin_slot(world.office).idk
    assert after is not None and after != before
    with Vault.open(world.office, USER, PASSPHRASE) as vault:  # MACs verify under the new IDK
        [device] = TransferService(vault).trusted_devices()
        assert device.fingerprint == world.device_fp and not device.revoked
    # the field's tampered row was not blessed by its rekey: still refused
    with pytest.raises(TrustTampered):
        world.send(since_last=False)
    # the administrator trusts the office again (as the error says) and sends: merged
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        public = TransferService(vault).org_public()
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        TransferService(vault).trust_org(public.to_file(), public.fingerprint)
    data = world.send(since_last=False).read_bytes()
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        assert not TransferService(vault).import_bundle(data).already_imported
    # and a coordinator's old database key forging a device now fails under the new IDK too
    tamper(world.office, admin_slot(world.office).dbk,
           "UPDATE trusted_devices SET last_sequence = 0")
    with Vault.open(world.office, USER, PASSPHRASE) as vault, pytest.raises(TrustTampered):
        TransferService(vault).import_bundle(data)


def test_migration_8_macs_the_rows_trusted_before(
        tmp_path: Path, policy: KdfPolicy, monkeypatch: pytest.MonkeyPatch) -> None:
    office = tmp_path / "office"
    vault, _code = Vault.create(office, USER, PASSPHRASE, policy)
    with vault:
        public = TransferService(vault).init_org()
    device = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    old = tmp_path / "old"
    real = migrations.migrate
    monkeypatch.setattr(migrations, "migrate",  # a vault of the previous release (schema 7)
                        lambda conn, idk, m=migrations.MIGRATIONS[:7]: real(conn, idk, m))
    vault, _code = Vault.create(old, USER, PASSPHRASE, policy)
    vault.close()
    monkeypatch.setattr(migrations, "migrate", real)
    dbk = admin_slot(old).dbk
    tamper(old, dbk, "INSERT INTO trusted_org (one, hpke_public, sign_public, fingerprint,"
           " trusted_at) VALUES (1, ?, ?, ?, '2026-01-01')",
           public.hpke_public, public.sign_public, public.fingerprint)
    tamper(old, dbk, "INSERT INTO trusted_devices (fingerprint, sign_public, trusted_at)"
           " VALUES (?, ?, '2026-01-01')", transfer_keys.fingerprint(device), device)
    with Vault.open(old, USER, PASSPHRASE) as vault:  # migration 8 runs
        service = TransferService(vault)
        assert service.trusted_org() == public
        assert [d.fingerprint for d in service.trusted_devices()] == [
            transfer_keys.fingerprint(device)]
    tamper(old, dbk, "UPDATE trusted_devices SET revoked_at = '2026-02-02'")
    with Vault.open(old, USER, PASSPHRASE) as vault, pytest.raises(TrustTampered):
        TransferService(vault).trusted_devices()


def test_the_command_line_refuses_a_tampered_office_key_with_exit_4(world: World) -> None:
    spy = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    tamper(world.office, coordinator_slot(world.office).dbk,
           "UPDATE org_identity SET sign_public = ?", spy)
    out = world.tmp / "office.pub"
    result = run_intake(["org", "export-public", "--out", str(out), "--vault",
                         str(world.office), "--user", USER, "--passphrase-stdin"],
                        world.tmp / "home")
    assert "without the identity key" in one_line(result, 4)
    assert not out.exists()
