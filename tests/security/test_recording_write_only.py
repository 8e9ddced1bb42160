"""The recording spool is write-only (issue 19): attacks on the files, on what the writer
holds, and with a coordinator's passphrase, each with a control that the same attack finds
the audio when the protection is not there.

The adversary's spool reader below is written from the format in
intake/vault/recording_spool.py's docstring with ``cryptography`` alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.domain.roles import Role
from intake.vault import accounts, recording_keys
from intake.vault.kdf import KdfPolicy
from intake.vault.record_types import IdentityKeyMissing
from intake.vault.recording_finish import finish_spool
from intake.vault.recording_read import SpoolDamaged
from intake.vault.recording_spool import RecordingWriter, SpoolGrant
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.recording_vault import audio_consent_record
from tests.security import vault_reader

SENTINEL = b"SENTINEL-the-witness-speaks-7a2e"
MAGIC = b"intake recording spool v1\n"
COORDINATOR, COORDINATOR_PASS = "lee", "a coordinator's passphrase 19"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def audio(number: int) -> bytes:
    return os.urandom(700) + SENTINEL + number.to_bytes(4, "big") + os.urandom(300)


# -- the adversary's reader, from the documented format -------------------------------------
def frames(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    assert data.startswith(MAGIC)
    position = len(MAGIC) + 16
    while position + 5 <= len(data):
        length = int.from_bytes(data[position + 1:position + 5], "big")
        yield data[position:position + 1], data[position + 5:position + 5 + length]
        position += 5 + length


def segments(data: bytes) -> list[tuple[int, int, bytes, list[bytes]]]:
    """(segment, first record, HPKE box, sealed records) of every segment."""
    found: list[tuple[int, int, bytes, list[bytes]]] = []
    for kind, body in frames(data):
        if kind == b"K":
            found.append((int.from_bytes(body[:4], "big"), int.from_bytes(body[4:12], "big"),
                          body[12:], []))
        else:
            found[-1][3].append(body)
    return found


def try_records(aead: AESGCM, spool_id: bytes, segment: int, first: int,
                records: list[bytes]) -> list[bytes]:
    opened = []
    for offset, sealed in enumerate(records):
        number = first + offset
        aad = (b"intake recording record v1\x00" + spool_id + segment.to_bytes(4, "big")
               + number.to_bytes(8, "big"))
        for last in (b"\x00", b"\x01"):
            try:
                opened.append(aead.decrypt(number.to_bytes(11, "big") + last, sealed, aad))
                break
            except InvalidTag:
                continue
    return opened


def open_with_private(data: bytes, private: bytes) -> list[bytes]:
    """Every record a recording private key opens."""
    spool_id = data[len(MAGIC):len(MAGIC) + 16]
    opened = []
    for segment, first, box, records in segments(data):
        info = (b"intake recording segment v1\x00" + spool_id + segment.to_bytes(4, "big")
                + first.to_bytes(8, "big"))
        try:
            payload = vault_reader.SUITE.decrypt(box, vault_reader._private(private), info=info)
        except (InvalidTag, ValueError):
            continue
        opened += try_records(AESGCM(payload[:32]), spool_id, segment, first, records)
    return opened


def files_holding(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in sorted(folder.rglob("*")) if p.is_file() and needle in p.read_bytes()]


# -- the vault ------------------------------------------------------------------------------
@pytest.fixture
def made(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, str]:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        record_id = audio_consent_record(vault)
        accounts.add_user(vault, COORDINATOR, Role.COORDINATOR, COORDINATOR_PASS)
        recording_keys.recording_public(vault.connection(), vault.identity_key)  # the pair
    return folder, record_id


def recorded(folder: Path, record_id: str, flushes: int = 8,
             close: bool = True) -> tuple[RecordingWriter, bytes]:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        grant = recording_keys.grant_spool(vault.connection(), vault.identity_key)
    clock = Clock()  # the vault is locked (closed) before the recording starts
    writer = RecordingWriter(folder, record_id, grant, rotate_seconds=20, clock=clock)
    written = b""
    for number in range(flushes):
        piece = audio(number)
        writer.write(piece)
        writer.mark(clock.now, "section.wages")
        written += piece
        clock.now += 5
        writer.flush(clock.now)
        assert files_holding(folder, SENTINEL) == []  # after every flush
    if close:
        writer.close(clock.now)
    return writer, written


def test_no_plaintext_in_any_file_written(made: tuple[Path, str], tmp_path: Path) -> None:
    folder, record_id = made
    writer, written = recorded(folder, record_id)
    assert files_holding(folder, SENTINEL) == []
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        done = finish_spool(vault.connection(), folder, vault.identity_key, writer.path, USER)
        assert done.attachment is not None
    assert files_holding(folder, SENTINEL) == []  # nor once finished
    control = tmp_path / "plain copy.ogg"  # control: the same scan finds it in plaintext
    control.write_bytes(written)
    assert files_holding(tmp_path, SENTINEL) == [control]


def _held(value: object, seen: set[int] | None = None) -> Iterator[bytes]:
    """Every bytes-like value reachable from the writer's attributes."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, bytes | bytearray):
        yield bytes(value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _held(item, seen)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        for item in vars(value).values():
            yield from _held(item, seen)


def test_the_writer_cannot_open_an_earlier_segment(made: tuple[Path, str]) -> None:
    folder, record_id = made
    writer, _written = recorded(folder, record_id, flushes=12, close=False)
    writer.write(audio(12))  # the current segment (started at the last flush) gets a record
    writer.flush()
    data = writer.path.read_bytes()
    found = segments(data)
    assert writer.segment >= 2 and len(found) == writer.segment + 1
    spool_id = writer.spool_id
    held = list(_held(writer))
    aeads = [AESGCM(v) for v in held if len(v) == 32]
    aeads += [writer._aead] if writer._aead is not None else []
    segment, first, box, records = found[0]
    for aead in aeads:  # the attack: every key the writer holds, on segment 0
        assert try_records(aead, spool_id, segment, first, records) == []
    for value in held:  # no private key among what it holds
        if len(value) == 96:
            assert open_with_private(data, value) == []
    # control 1: the same attack opens the current segment (its key is held)
    current = found[-1]
    assert writer._aead is not None
    assert any(SENTINEL in p for p in try_records(writer._aead, spool_id, *current[:2],
                                                  current[3]))
    # control 2: the private key (identity key holders) opens segment 0
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        private = recording_keys.recording_private(vault.connection(), vault.identity_key)
    everything = open_with_private(data, bytes(private))
    assert sum(SENTINEL in p for p in everything) == 13
    writer.close()
    assert writer._key is None and writer._aead is None


def test_a_coordinator_cannot_finish_or_open_a_spool(made: tuple[Path, str]) -> None:
    folder, record_id = made
    writer, _written = recorded(folder, record_id)
    with Vault.open(folder, COORDINATOR, COORDINATOR_PASS) as vault:  # through the app
        assert vault.identity_key is None
        with pytest.raises(IdentityKeyMissing):
            finish_spool(vault.connection(), folder, vault.identity_key, writer.path, USER)
        with pytest.raises(IdentityKeyMissing):
            recording_keys.recording_private(vault.connection(), vault.identity_key)
    assert writer.path.exists()
    data = writer.path.read_bytes()

    def attack(name: str, passphrase: str) -> list[bytes]:
        """Every key and opened blob of the slot, as a recording private key, on the spool."""
        reading = vault_reader.read_folder(folder, vault_reader.open_user_slot(
            folder, name, passphrase))
        assert not any(SENTINEL in plain for _where, plain in reading.plaintexts())
        candidates = [*reading.keys.values(), *reading.opened_blobs]
        return [p for c in candidates if len(c) == 96 for p in open_with_private(data, c)]

    assert attack(COORDINATOR, COORDINATOR_PASS) == []
    # control: the same attack with the identity-key holder's slot finds the audio
    assert sum(SENTINEL in p for p in attack(USER, PASSPHRASE)) == 8


def test_a_coordinator_cannot_plant_a_recording(made: tuple[Path, str]) -> None:
    """The public key is readable with the database key: a coordinator seals a spool of
    their own to it (a grant they made up) for a record; finishing refuses it."""
    folder, record_id = made
    reading = vault_reader.read_folder(folder, vault_reader.open_user_slot(
        folder, COORDINATOR, COORDINATOR_PASS))
    [row] = reading.tables["intake.db"]["recording_key"]
    forged = SpoolGrant(os.urandom(16), bytes(row["public"]), os.urandom(32))
    writer = RecordingWriter(folder, record_id, forged)
    writer.write(b"words never said " * 100)
    writer.close()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        with pytest.raises(SpoolDamaged):
            finish_spool(vault.connection(), folder, vault.identity_key, writer.path, USER)
        assert writer.path.exists()  # kept, for whoever looks into it
        # control: a spool granted by the identity-key holder finishes
        genuine = RecordingWriter(folder, record_id, recording_keys.grant_spool(
            vault.connection(), vault.identity_key))
        genuine.write(b"words said " * 100)
        genuine.close()
        done = finish_spool(vault.connection(), folder, vault.identity_key, genuine.path, USER)
        assert done.attachment is not None
