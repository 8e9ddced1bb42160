"""Encrypted attachments: encrypted as read, never plaintext on disk, checked on
every read, consent and roles enforced, chunks that were flipped, cut, reordered or swapped
refused, and gone with their record."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.services.attachments import (
    AttachmentService,
    CopyExists,
    NoConsentForAttachment,
)
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.vault import accounts, stream
from intake.vault.attachments import AttachmentDamaged, folder_of
from intake.vault.kdf import KdfPolicy
from intake.vault.records import IdentityKeyMissing
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

SENTINEL = b"SENTINEL-voice-of-the-witness-4f1c"


def audio_bytes(size: int = 300_000) -> bytes:
    return SENTINEL + os.urandom(size) + SENTINEL


@pytest.fixture
def setup(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, str, Path]:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        record = Record.new(USER)
        record.answers.update({"consent.internal_documentation": True,
                               "consent.audio_recording": True, "consent.photos": False})
        record.status = Status.SUBMITTED
        InterviewService(vault).import_records([record])
        accounts.add_user(vault, "lee", Role.COORDINATOR, "initial passphrase lee")
    source = tmp_path / "interview.ogg"
    source.write_bytes(audio_bytes())
    return folder, record.id, source


def test_attach_read_and_nothing_plaintext_on_disk(setup: tuple[Path, str, Path]) -> None:
    folder, record_id, source = setup
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = AttachmentService(vault)
        attachment = service.attach(record_id, source, "audio")
        assert attachment.media_type == "audio/ogg" and attachment.size == source.stat().st_size
        assert service.read(attachment.id) == source.read_bytes()
        assert [a.id for a in service.of_record(record_id)] == [attachment.id]
    for path in folder.rglob("*"):
        if path.is_file():
            assert SENTINEL not in path.read_bytes(), path
    stored = folder_of(folder) / attachment.id
    assert stored.stat().st_size == stream.sealed_size(attachment.size)
    assert stored.stat().st_mode & 0o777 == 0o600


def test_consent_decides_what_may_be_attached(setup: tuple[Path, str, Path]) -> None:
    folder, record_id, source = setup
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = AttachmentService(vault)
        with pytest.raises(NoConsentForAttachment):
            service.attach(record_id, source, "photo")
        ReviewService(vault).withdraw(record_id, dt.date(2026, 11, 20), purge=False)
        with pytest.raises(NoConsentForAttachment):
            service.attach(record_id, source, "audio")
    assert not any(folder_of(folder).iterdir()) if folder_of(folder).exists() else True


def test_a_coordinator_cannot_open_an_attachment(setup: tuple[Path, str, Path]) -> None:
    folder, record_id, source = setup
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        attachment = AttachmentService(vault).attach(record_id, source, "audio")
    with Vault.open(folder, "lee", "initial passphrase lee") as vault:
        service = AttachmentService(vault)
        with pytest.raises(IdentityKeyMissing):
            service.read(attachment.id)
        with pytest.raises(PermissionDenied):
            service.attach(record_id, source, "audio")


@pytest.mark.parametrize("damage", ["flip", "cut", "reorder", "swap", "append"])
def test_damaged_files_fail_to_decrypt(setup: tuple[Path, str, Path], tmp_path: Path,
                                       damage: str) -> None:
    folder, record_id, source = setup
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = AttachmentService(vault)
        first = service.attach(record_id, source, "audio")
        second = service.attach(record_id, source, "audio")
    path, other = folder_of(folder) / first.id, folder_of(folder) / second.id
    data = path.read_bytes()
    size = stream.CHUNK_BYTES + stream.TAG_BYTES
    chunks = [data[i:i + size] for i in range(0, len(data), size)]
    if damage == "flip":
        path.write_bytes(data[:1000] + bytes([data[1000] ^ 4]) + data[1001:])
    elif damage == "cut":
        path.write_bytes(b"".join(chunks[:-1]))
    elif damage == "reorder":
        path.write_bytes(chunks[1] + chunks[0] + b"".join(chunks[2:]))
    elif damage == "swap":
        path.write_bytes(other.read_bytes())  # a whole file put under another id
    else:
        path.write_bytes(data + data[:size])
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = AttachmentService(vault)
        with pytest.raises(AttachmentDamaged):
            service.read(first.id)
        with pytest.raises(AttachmentDamaged):
            service.export_copy(first.id, tmp_path / "copy.ogg")
        assert not (tmp_path / "copy.ogg").exists()
        assert service.read(second.id) == source.read_bytes()


def test_an_explicit_copy_is_written_once_and_audited(setup: tuple[Path, str, Path],
                                                      tmp_path: Path) -> None:
    folder, record_id, source = setup
    out = tmp_path / "copy.ogg"
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = AttachmentService(vault)
        attachment = service.attach(record_id, source, "audio")
        service.export_copy(attachment.id, out)
        with pytest.raises(CopyExists):
            service.export_copy(attachment.id, out)
        kinds = [r[0] for r in vault.connection().execute(
            "SELECT detail FROM audit WHERE action = 'exported'")]
    assert out.read_bytes() == source.read_bytes()
    assert out.stat().st_mode & 0o777 == 0o600
    assert any('"kind":"attachment"' in k for k in kinds)


def test_attachments_go_with_their_record_and_with_a_purge(setup: tuple[Path, str, Path]
                                                            ) -> None:
    folder, record_id, source = setup
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = AttachmentService(vault)
        service.attach(record_id, source, "audio")
        ReviewService(vault).withdraw(record_id, dt.date(2026, 11, 21), purge=True)
        assert service.of_record(record_id) == []
        assert list(folder_of(folder).iterdir()) == []
        InterviewService(vault).delete(record_id)
    assert list(folder_of(folder).iterdir()) == []


@pytest.mark.parametrize("size", [0, 1, stream.CHUNK_BYTES - 1, stream.CHUNK_BYTES,
                                  stream.CHUNK_BYTES + 1, 3 * stream.CHUNK_BYTES])
def test_chunk_boundaries_round_trip(tmp_path: Path, size: int) -> None:
    from intake.vault import attachments

    source = tmp_path / "file.bin"
    source.write_bytes(os.urandom(size))
    attachment_id, key, got_size, sha = attachments.encrypt_file(source, tmp_path)
    stored = (tmp_path / "attachments" / attachment_id).read_bytes()
    assert got_size == size and len(stored) == stream.sealed_size(size)
    assert b"".join(attachments.decrypt_chunks(tmp_path, attachment_id, key)) == \
        source.read_bytes()
    assert stream.open_bytes(key, stored, attachment_id.encode()) == source.read_bytes()
    import hashlib
    assert sha == hashlib.sha256(source.read_bytes()).hexdigest()
