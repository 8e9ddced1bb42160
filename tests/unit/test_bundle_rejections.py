"""Every way a bundle is refused, with real crafted files, and a fuzz test of the
reader: whatever the bytes, the office gets one typed refusal and nothing is written.

An attacker can seal anything to the office: its public key is no secret. So the crafted
bundles here are built the way such a person would, from the format's own parts, with
keys of their choosing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.errors import IntakeError
from intake.exchange.containers import bundle
from intake.exchange.demo.generate import generate
from intake.exchange.formats.jsonl import InvalidLine, record_line
from intake.services.transfer import TransferService, UntrustedDevice
from intake.vault import sealing, stream, transfer_keys
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

TODAY = dt.date(2026, 11, 27)


@dataclass
class Office:
    vault: Vault
    public: transfer_keys.OrgPublic
    device: Ed25519PrivateKey  # a device the office trusts
    lines: list[str]

    def state(self) -> tuple[int, ...]:
        conn = self.vault.connection()
        return tuple(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in (
            "records", "record_revisions", "trusted_devices", "imported_bundles",
            "record_sync", "audit"))

    def refuse(self, data: bytes, trust: str | None = None) -> IntakeError:
        before = self.state()
        with pytest.raises(IntakeError) as refused:
            TransferService(self.vault).import_bundle(data, trust_device=trust)
        assert self.state() == before
        assert refused.value.exit_code in (4, 5)
        return refused.value


@pytest.fixture
def office(tmp_path: Path, policy: KdfPolicy) -> Iterator[Office]:
    vault, _code = Vault.create(tmp_path / "office", USER, PASSPHRASE, policy)
    with vault:
        public = TransferService(vault).init_org()
        device = Ed25519PrivateKey.generate()
        transfer_keys.trust_device(vault.connection(), vault.identity_key,
                                   device.public_key().public_bytes_raw(),
                                   transfer_keys.fingerprint(
                                       device.public_key().public_bytes_raw()))
        records = generate(3, seed=2, author=USER, today=TODAY)
        lines = [record_line(r, with_author=True) for r in records]
        yield Office(vault, public, device, lines)


def sealed(office: Office, lines: Sequence[str], sequence: int = 1,
           device: Ed25519PrivateKey | None = None) -> bytes:
    return bundle.seal(office.public.hpke_public, office.public.fingerprint,
                       (device or office.device).private_bytes_raw(), sequence, lines)


def craft(office: Office, *, header: dict[str, object] | None = None,
          envelope: bytes | None = None, body: bytes | None = None,
          signer: Ed25519PrivateKey | None = None, claimed: bytes | None = None,
          lines: Sequence[str] | None = None) -> bytes:
    """A bundle built by hand: any header, envelope or body, sealed to the office."""
    lines = office.lines if lines is None else lines
    encoded = [line.encode() for line in lines]
    body = body if body is not None else b"".join(line + b"\n" for line in encoded)
    claimed = claimed or office.device.public_key().public_bytes_raw()
    env_size = len(bundle._envelope(claimed, 1, bytes(64)))
    fields: dict[str, object] = {
        "format": bundle.FORMAT, "bundle": str(uuid.uuid4()),
        "recipient": office.public.fingerprint, "lines": len(lines),
        "payload_bytes": env_size + 1 + len(body)}
    fields.update(header or {})
    header_bytes = bundle._canonical(fields)
    if envelope is None:
        signature = (signer or office.device).sign(
            bundle._signed(header_bytes, claimed, 1, encoded))
        envelope = bundle._envelope(claimed, 1, signature)
    payload = envelope + b"\n" + body
    key = os.urandom(32)
    box = sealing.seal(office.public.hpke_public, key, bundle.SUITE_INFO + header_bytes)
    return b"".join((bundle.MAGIC, struct.pack(">I", len(header_bytes)), header_bytes,
                     struct.pack(">I", len(box)), box,
                     stream.seal_bytes(key, payload, hashlib.sha256(header_bytes).digest())))


def test_the_crafting_helper_makes_a_bundle_the_office_accepts(office: Office) -> None:
    result = TransferService(office.vault).import_bundle(craft(office))
    assert result.added == 3


def test_wrong_recipient(office: Office, tmp_path: Path) -> None:
    _private, other = sealing.new_key_pair()
    data = bundle.seal(other, transfer_keys.fingerprint(other, b"x" * 32),
                       office.device.private_bytes_raw(), 1, office.lines)
    assert isinstance(office.refuse(data), bundle.WrongRecipient)
    # the right fingerprint written on a bundle sealed to another key: the key won't open
    data = bundle.seal(other, office.public.fingerprint, office.device.private_bytes_raw(), 1,
                       office.lines)
    assert isinstance(office.refuse(data), bundle.BundleDamaged)


def test_unknown_and_untrusted_device(office: Office) -> None:
    stranger = Ed25519PrivateKey.generate()
    error = office.refuse(sealed(office, office.lines, device=stranger))
    assert isinstance(error, UntrustedDevice)
    assert transfer_keys.fingerprint(stranger.public_key().public_bytes_raw()) in error.message()


def test_a_signature_by_another_key_in_the_name_of_a_trusted_device(office: Office) -> None:
    error = office.refuse(craft(office, signer=Ed25519PrivateKey.generate()))
    assert isinstance(error, bundle.BadSignature)


def test_records_changed_after_signing(office: Office) -> None:
    signed = [line.encode() for line in office.lines]
    header_probe = craft(office)  # for the header's shape only
    del header_probe
    changed = [office.lines[0].replace(USER, "mallory"), *office.lines[1:]]
    claimed = office.device.public_key().public_bytes_raw()
    fields = {"format": bundle.FORMAT, "bundle": str(uuid.uuid4()),
              "recipient": office.public.fingerprint, "lines": len(changed)}
    body = b"".join(line.encode() + b"\n" for line in changed)
    env_size = len(bundle._envelope(claimed, 1, bytes(64)))
    fields["payload_bytes"] = env_size + 1 + len(body)
    signature = office.device.sign(bundle._signed(bundle._canonical(fields), claimed, 1, signed))
    data = craft(office, header=fields, envelope=bundle._envelope(claimed, 1, signature),
                 body=body, lines=changed)
    assert isinstance(office.refuse(data), bundle.BadSignature)


def test_unknown_format_version(office: Office) -> None:
    data = craft(office, header={"format": "intake.bundle/9"})
    error = office.refuse(data)
    assert isinstance(error, bundle.UnknownBundleVersion) and "intake.bundle/9" in \
        error.message()


def test_more_or_fewer_lines_than_the_header_declares(office: Office) -> None:
    assert isinstance(office.refuse(craft(office, header={"lines": 2})), bundle.BundleDamaged)
    assert isinstance(office.refuse(craft(office, header={"lines": 4})), bundle.BundleDamaged)


def test_more_bytes_than_declared_inside_the_seal(office: Office) -> None:
    data = craft(office, header={"payload_bytes": 10})
    assert isinstance(office.refuse(data), bundle.BundleDamaged)


@pytest.mark.parametrize("declared", [{"lines": bundle.MAX_LINES + 1},
                                      {"payload_bytes": bundle.MAX_BUNDLE_BYTES + 1}])
def test_a_header_declaring_too_much(office: Office, declared: dict[str, int]) -> None:
    assert isinstance(office.refuse(craft(office, header=declared)), bundle.BundleTooLarge)


def test_an_oversized_field_is_refused_as_an_import_would(office: Office) -> None:
    document = json.loads(office.lines[0])
    document["answers"]["narrative.summary"] = "가" * 3_000_000
    lines = [json.dumps(document, ensure_ascii=False), *office.lines[1:]]
    error = office.refuse(sealed(office, lines))
    assert isinstance(error, InvalidLine)


def test_an_invalid_answer_is_refused_as_an_import_would(office: Office) -> None:
    document = json.loads(office.lines[1])
    document["answers"]["work.sector"] = "not-a-code"
    error = office.refuse(sealed(office, [office.lines[0], json.dumps(document)]))
    assert isinstance(error, InvalidLine)


@pytest.mark.parametrize("name", ["truncated", "extended", "empty", "header only",
                                  "not a bundle", "magic only"])
def test_cut_or_padded_files(office: Office, name: str) -> None:
    good = sealed(office, office.lines)
    header, offset = bundle.read_header(good)
    data = {"truncated": good[:-7], "extended": good + b"\0" * 7, "empty": b"",
            "header only": good[:offset], "not a bundle": b"PK\x03\x04" + good[4:],
            "magic only": bundle.MAGIC}[name]
    assert header.lines == 3
    office.refuse(data)


def test_reordered_chunks(office: Office) -> None:
    long = [office.lines[0]] * 1 + [
        json.dumps({**json.loads(office.lines[0]), "id": str(uuid.uuid4())}) for _ in range(60)]
    good = sealed(office, long)
    _header, offset = bundle.read_header(good)
    start = offset + 4 + bundle.SEALED_KEY_BYTES
    size = stream.CHUNK_BYTES + stream.TAG_BYTES
    chunks = [good[i:i + size] for i in range(start, len(good), size)]
    assert len(chunks) >= 3
    swapped = good[:start] + chunks[1] + chunks[0] + b"".join(chunks[2:])
    assert isinstance(office.refuse(swapped), bundle.BundleDamaged)
    dropped = good[:start] + b"".join(chunks[:-2]) + chunks[-1]
    assert isinstance(office.refuse(dropped), bundle.BundleDamaged)


# -- fuzz ---------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzz_any_change_is_refused_with_a_typed_error_and_writes_nothing(
    office: Office, data: st.DataObject,
) -> None:
    good = getattr(office, "_good", None)
    if good is None:
        good = sealed(office, office.lines)
        office._good = good  # type: ignore[attr-defined]
    kind = data.draw(st.sampled_from(["flip", "cut", "insert", "splice", "random"]))
    mutated = bytearray(good)
    if kind == "flip":
        for _ in range(data.draw(st.integers(1, 4))):
            index = data.draw(st.integers(0, len(mutated) - 1))
            mutated[index] ^= data.draw(st.integers(1, 255))
    elif kind == "cut":
        mutated = mutated[:data.draw(st.integers(0, len(mutated) - 1))]
    elif kind == "insert":
        index = data.draw(st.integers(0, len(mutated)))
        mutated[index:index] = data.draw(st.binary(min_size=1, max_size=64))
    elif kind == "splice":
        start = data.draw(st.integers(0, len(mutated) - 1))
        end = data.draw(st.integers(start, len(mutated)))
        mutated[start:end] = data.draw(st.binary(max_size=32))
    else:
        mutated = bytearray(data.draw(st.binary(max_size=4096)))
    if bytes(mutated) == good:
        return
    office.refuse(bytes(mutated), trust=None)


@pytest.mark.parametrize("change", ["sha256", "size", "record", "id", "kind", "base64"])
def test_a_forged_attachment_line_is_refused(office: Office, change: str) -> None:
    import base64
    import hashlib as hl

    data = b"voice" * 100
    record_id = json.loads(office.lines[0])["id"]
    meta: dict[str, object] = {"id": "ab" * 16, "record": record_id, "kind": "document",
                               "media_type": "application/pdf", "size": len(data),
                               "sha256": hl.sha256(data).hexdigest()}
    encoded = base64.b64encode(data).decode()
    if change == "sha256":
        meta["sha256"] = "0" * 64
    elif change == "size":
        meta["size"] = len(data) + 1
    elif change == "record":
        meta["record"] = str(uuid.uuid4())
    elif change == "id":
        meta["id"] = "../../etc/passwd"
    elif change == "kind":
        meta["kind"] = "video"
    else:
        encoded = "%%%not base64%%%"
    line = json.dumps({"attachment": meta, "data": encoded}, separators=(",", ":"),
                      sort_keys=True)
    error = office.refuse(sealed(office, [*office.lines, line]))
    assert error.exit_code == 5
    assert not (office.vault.files.folder / "attachments").exists() or not any(
        (office.vault.files.folder / "attachments").iterdir())
