"""Separation by key, the transfer side (issue 15): a coordinator's passphrase (its slot
carries the database key, never the identity key) neither opens a bundle nor signs one the
office accepts.

The adversary reads the vault as tests/security/vault_reader.py does: the coordinator's
slot unwrapped from the key file, ``intake.db`` opened with sqlcipher3 and the database key,
every page decrypted. The private keys it finds are sealed under the identity key; the
positive controls unseal the same bytes with an administrator's identity key and open the
bundle, or sign one the office takes.
"""

from __future__ import annotations

import hashlib
import os
import struct
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake.domain.roles import Role
from intake.errors import DatabaseDamaged, PermissionDenied
from intake.exchange.containers import bundle
from intake.exchange.demo.generate import generate
from intake.exchange.formats.jsonl import record_line
from intake.services.transfer import TransferKeyMissing, TransferService
from intake.vault import accounts, private, sealing, stream, transfer_keys
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security import vault_reader
from tests.unit.transfer_world import (
    COORDINATOR,
    COORDINATOR_PASS,
    TODAY,
    World,
    admin_slot,
    coordinator_slot,
    lines_of,
    make_world,
    one_line,
    row,
    run_intake,
    unsealed,
    windows,
)


@pytest.fixture
def world(tmp_path: Path, policy: KdfPolicy) -> World:
    return make_world(tmp_path, policy)


def decrypted_pages(folder: Path, keys: dict[str, bytes]) -> list[bytes]:
    """Every page of the vault's databases (WAL frames too) the keys decrypt."""
    pages: list[bytes] = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and vault_reader.is_database(path):
            pages.extend(vault_reader.decrypt_file(path, keys).data)
    return pages


# -- (a) the coordinator's keys and the stored private halves ----------------------------
def test_the_office_key_a_coordinator_reads_opens_no_bundle(world: World) -> None:
    data = world.first.read_bytes()
    coordinator = coordinator_slot(world.office)
    org = row(world.office, coordinator.dbk, "org_identity")
    sealed_hpke, sealed_sign = bytes(org["hpke_private"]), bytes(org["sign_private"])
    assert len(sealed_hpke) == private.NONCE_BYTES + sealing.PRIVATE_BYTES + 16
    for candidate in windows(sealed_hpke + sealed_sign, sealing.PRIVATE_BYTES):
        assert vault_reader.open_bundle(data, candidate) is None
    # positive control: the same bytes, unsealed with an administrator's identity key
    admin = admin_slot(world.office)
    assert admin.idk is not None
    raw = unsealed(admin.idk, private.ORG_HPKE, sealed_hpke)
    assert vault_reader.open_bundle(data, raw) is not None
    # and nowhere in what the coordinator's keys decrypt (free pages, WAL) is it plain
    pages = decrypted_pages(world.office, vault_reader.key_candidates(coordinator))
    assert any(sealed_hpke in page for page in pages)  # the scan does see that row
    assert not any(raw in page for page in pages)
    raw_sign = unsealed(admin.idk, private.ORG_SIGN, sealed_sign)
    assert not any(raw_sign in page for page in pages)


def test_the_device_key_a_coordinator_reads_signs_nothing_the_office_accepts(
        world: World) -> None:
    coordinator = coordinator_slot(world.field)
    device = row(world.field, coordinator.dbk, "device_identity")
    sealed, public = bytes(device["sign_private"]), bytes(device["sign_public"])
    assert transfer_keys.fingerprint(public) == world.device_fp
    guesses = [Ed25519PrivateKey.from_private_bytes(w) for w in windows(sealed, 32)]
    assert all(g.public_key().public_bytes_raw() != public for g in guesses)
    office_admin = admin_slot(world.office)
    assert office_admin.idk is not None
    org = row(world.office, office_admin.dbk, "org_identity")
    lines = lines_of(world.first.read_bytes(),
                     unsealed(office_admin.idk, private.ORG_HPKE, bytes(org["hpke_private"])))
    public_org = transfer_keys.OrgPublic(bytes(org["hpke_public"]), bytes(org["sign_public"]))
    before = world.state()
    for guess in (guesses[0], guesses[-1]):  # in the device's name, with a guessed key
        forged = forge(public_org, lines, guess, claimed=public, sequence=2)
        with Vault.open(world.office, USER, PASSPHRASE) as vault, \
                pytest.raises(bundle.BadSignature) as refused:
            TransferService(vault).import_bundle(forged)
        assert refused.value.exit_code == 4
    assert world.state() == before
    # positive control: unsealed with the field administrator's identity key, it signs
    field_admin = admin_slot(world.field)
    assert field_admin.idk is not None
    raw = unsealed(field_admin.idk, private.DEVICE_SIGN, sealed)
    genuine = bundle.seal(public_org.hpke_public, public_org.fingerprint, raw, 2, lines)
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        result = TransferService(vault).import_bundle(genuine)
    assert not result.already_imported and result.device == world.device_fp
    assert world.state()["imported_bundles"] == before["imported_bundles"] + 1


def test_the_app_refuses_a_coordinator_every_private_key(world: World) -> None:
    data = world.first.read_bytes()
    with Vault.open(world.office, COORDINATOR, COORDINATOR_PASS) as vault:
        assert vault.identity_key is None
        service, conn = TransferService(vault), vault.connection()
        for attempt in (lambda: service.import_bundle(data), service.rotate_org,
                        service.init_org, lambda: service.process_inbox(world.tmp),
                        lambda: transfer_keys.org(conn, None),
                        lambda: transfer_keys.opening_key(conn, None, "x")):
            with pytest.raises(TransferKeyMissing) as refused:
                attempt()
            assert refused.value.exit_code == 3
        assert transfer_keys.org_public(conn) is not None  # the public half stays plain
    with Vault.open(world.field, COORDINATOR, COORDINATOR_PASS) as vault:
        service, conn = TransferService(vault), vault.connection()
        with pytest.raises(PermissionDenied):
            service.create_bundle(world.tmp / "no.intake")
        with pytest.raises(TransferKeyMissing):
            transfer_keys.device(conn, None)
        assert service.device_fingerprint() == world.device_fp  # public: may be read
    assert not (world.tmp / "no.intake").exists()


# -- (b) a bundle a coordinator forged -----------------------------------------------------
def forge(org: transfer_keys.OrgPublic, lines: Sequence[str], signer: Ed25519PrivateKey,
          *, claimed: bytes | None = None, sequence: int = 1) -> bytes:
    """A bundle sealed to the office's public key and signed with ``signer``, naming the
    device ``claimed`` (by default the signer's own key): the format's own parts, as
    anyone holding the office's public key can assemble them."""
    claimed = claimed or signer.public_key().public_bytes_raw()
    encoded = [line.encode() for line in lines]
    body = b"".join(line + b"\n" for line in encoded)
    size = len(bundle._envelope(claimed, sequence, bytes(64))) + 1 + len(body)
    header = bundle.Header(str(uuid.uuid4()), org.fingerprint, len(lines), size).to_bytes()
    signature = signer.sign(bundle._signed(header, claimed, sequence, encoded))
    payload = bundle._envelope(claimed, sequence, signature) + b"\n" + body
    key = os.urandom(stream.KEY_BYTES)
    box = sealing.seal(org.hpke_public, key, bundle.SUITE_INFO + header)
    return b"".join((bundle.MAGIC, struct.pack(">I", len(header)), header,
                     struct.pack(">I", len(box)), box,
                     stream.seal_bytes(key, payload, hashlib.sha256(header).digest())))


@pytest.mark.parametrize("in_the_devices_name", [False, True])
def test_a_bundle_a_coordinator_forged_is_refused_by_the_cli(
        world: World, in_the_devices_name: bool) -> None:
    coordinator = coordinator_slot(world.office)
    org = row(world.office, coordinator.dbk, "org_identity")  # the public half is plain
    public = transfer_keys.OrgPublic(bytes(org["hpke_public"]), bytes(org["sign_public"]))
    device = row(world.field, coordinator_slot(world.field).dbk, "device_identity")
    lines = [record_line(r, with_author=True)
             for r in generate(2, seed=151, author=USER, today=TODAY)]
    own = Ed25519PrivateKey.generate()  # the coordinator cannot use the device's key
    claimed = bytes(device["sign_public"]) if in_the_devices_name else None
    forged = world.tmp / "forged.intake"
    forged.write_bytes(forge(public, lines, own, claimed=claimed, sequence=9))
    before = world.state()
    result = run_intake(["bundle", "import", str(forged), "--vault", str(world.office),
                         "--user", USER, "--passphrase-stdin"], world.tmp / "home")
    line = one_line(result, 4)
    assert ("signature" in line) if in_the_devices_name else ("does not trust" in line)
    assert world.state() == before
    # positive control: the same lines signed with the device's own key are taken
    field_admin = admin_slot(world.field)
    assert field_admin.idk is not None
    genuine = world.tmp / "genuine.intake"
    genuine.write_bytes(forge(public, lines, Ed25519PrivateKey.from_private_bytes(unsealed(
        field_admin.idk, private.DEVICE_SIGN, bytes(device["sign_private"]))), sequence=9))
    taken = run_intake(["bundle", "import", str(genuine), "--vault", str(world.office),
                        "--user", USER, "--passphrase-stdin"], world.tmp / "home")
    assert taken.returncode == 0 and taken.stdout.startswith("Added 2"), taken


@pytest.mark.parametrize(("where", "command"), [
    ("office", ["bundle", "import", "{first}"]),
    ("office", ["bundle", "import", "{first}", "--trust-device", "{device}"]),
    ("office", ["org", "rotate"]),
    ("office", ["org", "init"]),
    ("field", ["bundle", "create", "--out", "{out}", "--all"]),
])
def test_a_coordinator_gets_one_refusal_and_nothing_is_written(
        world: World, where: str, command: list[str]) -> None:
    folder = world.office if where == "office" else world.field
    out = world.tmp / "coordinator.intake"
    argv = [part.format(first=world.first, device=world.device_fp, out=out)
            for part in command]
    before = world.state(folder)
    result = run_intake([*argv, "--vault", str(folder), "--user", COORDINATOR,
                         "--passphrase-stdin"], world.tmp / "home", COORDINATOR_PASS)
    one_line(result, 3)
    assert world.state(folder) == before and not out.exists()


def test_a_coordinator_at_the_office_still_exports_merged_records(world: World) -> None:
    out = world.tmp / "export"
    result = run_intake(["export", "--stats", "--out", str(out), "--vault",
                         str(world.office), "--user", COORDINATOR, "--passphrase-stdin"],
                        world.tmp / "home", COORDINATOR_PASS)
    assert result.returncode == 0, result
    assert (out / "statistics.csv").is_file()


# -- a rekey (the identity key replaced) re-seals every private key of transfer ------------
def rekey(folder: Path) -> None:
    """Take the identity key away from someone: the vault gets a new identity key."""
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        accounts.add_user(vault, "park", Role.CASE_MANAGER, "initial passphrase park")
        assert accounts.set_role(vault, "park", Role.COORDINATOR) is not None


def test_after_a_rekey_the_keys_work_and_the_old_identity_key_opens_none(world: World) -> None:
    sealed_to_old = world.send(since_last=False)
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        rotated = TransferService(vault).rotate_org()
    office_idk, field_idk = admin_slot(world.office).idk, admin_slot(world.field).idk
    rekey(world.office)
    rekey(world.field)
    assert admin_slot(world.office).idk not in (office_idk, None)
    assert admin_slot(world.field).idk not in (field_idk, None)
    with Vault.open(world.office, USER, PASSPHRASE) as vault:  # the retired key, resealed
        assert not TransferService(vault).import_bundle(sealed_to_old.read_bytes()).already_imported
    with Vault.open(world.field, USER, PASSPHRASE) as vault:  # the device key, resealed
        TransferService(vault).trust_org(rotated.new.to_file(), rotated.new.fingerprint)
    with Vault.open(world.office, USER, PASSPHRASE) as vault:
        result = TransferService(vault).import_bundle(world.send(since_last=False).read_bytes())
    assert result.device == world.device_fp
    # the identity keys of before the rekey open none of the sealed private halves
    dbk = coordinator_slot(world.office).dbk
    org = row(world.office, dbk, "org_identity")
    retired = row(world.office, dbk, "org_retired_keys")
    device = row(world.field, coordinator_slot(world.field).dbk, "device_identity")
    assert office_idk is not None and field_idk is not None
    office_now, field_now = admin_slot(world.office).idk, admin_slot(world.field).idk
    assert office_now is not None and field_now is not None
    for old, now, context, blob in (
            (office_idk, office_now, private.ORG_HPKE.context(1), org["hpke_private"]),
            (office_idk, office_now, private.ORG_SIGN.context(1), org["sign_private"]),
            (office_idk, office_now, private.ORG_RETIRED_HPKE.context(retired["fingerprint"]),
             retired["hpke_private"]),
            (field_idk, field_now, private.DEVICE_SIGN.context(1), device["sign_private"])):
        with pytest.raises(DatabaseDamaged):
            private.unseal(old, context, bytes(blob))
        assert private.unseal(now, context, bytes(blob))  # positive control
