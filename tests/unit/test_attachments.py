"""Encrypted attachments: encrypted as read, never plaintext on disk, checked on
every read, consent and roles enforced, chunks that were flipped, cut, reordered or swapped
refused, and gone with their record."""

from __future__ import annotations

import datetime as dt
import hashlib
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
from intake.vault import accounts, attachment_padding, attachments, database, stream
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
    assert stored.stat().st_size == attachments.stored_size(attachment.size)
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
    source = tmp_path / "file.bin"
    source.write_bytes(os.urandom(size))
    attachment_id, key, got_size, sha = attachments.encrypt_file(source, tmp_path)
    stored = (tmp_path / "attachments" / attachment_id).read_bytes()
    assert got_size == size and len(stored) == attachments.stored_size(size)
    assert b"".join(attachments.decrypt_chunks(tmp_path, attachment_id, key)) == \
        source.read_bytes()
    assert stored.startswith(attachments.MAGIC)
    padded = stream.open_bytes(attachments._stream_key(key), stored[len(attachments.MAGIC):],
                               attachments.MAGIC + attachment_id.encode())
    assert padded == source.read_bytes() + b"\x80" + bytes(len(padded) - size - 1)
    assert len(padded) == stream.padded_size(size) <= max(2, int(size * 1.12) + 1)
    import hashlib
    assert sha == hashlib.sha256(source.read_bytes()).hexdigest()


# -- format 1 (unpadded, before migration 8) and re-encrypting it padded ------------------
def _file_key(vault: Vault, attachment_id: str) -> bytes:
    found = attachments.get(vault.connection(), attachment_id, vault.identity_key)
    assert found is not None and vault.identity_key is not None
    return attachments.open_key(vault.identity_key, attachment_id, found[1])


def _write_format_1(folder: Path, attachment_id: str, key: bytes, data: bytes) -> None:
    """The file as the previous release wrote it: the bare stream under the file key."""
    (folder_of(folder) / attachment_id).write_bytes(
        stream.seal_bytes(key, data, attachment_id.encode("ascii")))


def test_an_old_unpadded_file_still_opens_and_is_padded_in_place(
        setup: tuple[Path, str, Path], tmp_path: Path) -> None:
    folder, record_id, source = setup
    data = source.read_bytes()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = AttachmentService(vault)
        attachment = service.attach(record_id, source, "audio")
        key = _file_key(vault, attachment.id)
        _write_format_1(folder, attachment.id, key, data)
        path = folder_of(folder) / attachment.id
        assert path.stat().st_size == stream.sealed_size(len(data))  # really format 1
        assert service.read(attachment.id) == data
        service.export_copy(attachment.id, tmp_path / "old.ogg")
        assert (tmp_path / "old.ogg").read_bytes() == data
        assert attachment_padding.repad(folder, attachment.id, key) is True
        assert attachment_padding.repad(folder, attachment.id, key) is False
        assert path.stat().st_size == attachments.stored_size(len(data))
        assert service.read(attachment.id) == data
    assert sorted(p.name for p in folder_of(folder).iterdir()) == [attachment.id]


_KILL = """
import os, signal, sys
from pathlib import Path
from intake.vault import attachment_padding, attachments
at = sys.argv[4]
def kill(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
if at == "rename":
    attachments.os.replace = kill
else:
    attachments.fsync_dir = kill
attachment_padding.repad(Path(sys.argv[1]), sys.argv[2], bytes.fromhex(sys.argv[3]))
"""


@pytest.mark.parametrize("at", ["rename", "folder-sync"])
def test_a_kill_while_padding_leaves_the_attachment_readable(
        setup: tuple[Path, str, Path], at: str) -> None:
    import signal
    import subprocess
    import sys

    folder, record_id, source = setup
    data = source.read_bytes()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        attachment = AttachmentService(vault).attach(record_id, source, "audio")
        key = _file_key(vault, attachment.id)
    _write_format_1(folder, attachment.id, key, data)
    done = subprocess.run([sys.executable, "-c", _KILL, str(folder), attachment.id,
                           key.hex(), at], timeout=60, check=False,
                          cwd=Path(__file__).parents[2])
    assert done.returncode == -signal.SIGKILL
    path, tmp = folder_of(folder) / attachment.id, folder_of(folder) / f".{attachment.id}.tmp"
    # killed before the rename: the old file and the new one beside it; after: the new one
    assert tmp.exists() == (at == "rename")
    assert path.read_bytes().startswith(attachments.MAGIC) == (at != "rename")
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert AttachmentService(vault).read(attachment.id) == data
        assert attachment_padding.repad(folder, attachment.id, key) == (at == "rename")
        assert AttachmentService(vault).read(attachment.id) == data
    assert not tmp.exists() and path.read_bytes().startswith(attachments.MAGIC)


def test_migration_8_seals_the_size_and_pads_old_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.security import vault_reader
    from tests.unit.test_migration_private import CO_PASS, COORDINATOR, _old_vault

    folder = tmp_path / "vault"
    dbk, record_id = _old_vault(folder, monkeypatch)
    idk = vault_reader.open_user_slot(folder, USER, PASSPHRASE).idk
    assert idk is not None
    data, attachment_id, key = os.urandom(200_001), "ab" * 16, os.urandom(32)
    gone = "cd" * 16  # a row whose file is missing: the upgrade goes on without it
    folder_of(folder).mkdir(mode=0o700)
    _write_format_1(folder, attachment_id, key, data)
    conn = database.connect(folder / "intake.db", dbk)
    try:
        with database.transaction(conn):
            for row_id in (attachment_id, gone):
                conn.execute(
                    "INSERT INTO attachments (id, record_id, kind, media_type, size, sha256,"
                    " file_key, created_at, author) VALUES (?, ?, 'document', 'text/plain',"
                    " ?, ?, ?, 'now', ?)", (row_id, record_id, len(data),
                                            hashlib.sha256(data).hexdigest(),
                                            attachments.seal_key(idk, row_id, key), USER))
    finally:
        database.checkpoint_and_close(conn)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = AttachmentService(vault)
        assert [a.size for a in service.of_record(record_id)] == [len(data)] * 2
        assert service.read(attachment_id) == data
        with pytest.raises(attachments.AttachmentMissing):
            service.read(gone)
    path = folder_of(folder) / attachment_id
    assert path.stat().st_size == attachments.stored_size(len(data))
    assert path.read_bytes().startswith(attachments.MAGIC)
    with Vault.open(folder, COORDINATOR, CO_PASS) as vault:
        seen = attachments.of_record(vault.connection(), record_id)
        assert [a.size for a in seen] == [stream.padded_size(len(data))] * 2
    assert sorted(p.name for p in folder_of(folder).iterdir()) == [attachment_id]


def test_the_true_size_is_resealed_when_the_identity_key_changes(
        setup: tuple[Path, str, Path]) -> None:
    from intake.services.users import UserService

    folder, record_id, source = setup
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        attachment = AttachmentService(vault).attach(record_id, source, "audio")
        before = bytes(vault.identity_key or b"")
        accounts.add_user(vault, "park", Role.CASE_MANAGER, "initial passphrase park")
        assert UserService(vault).set_role("park", Role.COORDINATOR) is not None
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert bytes(vault.identity_key or b"") != before  # rekeyed
        service = AttachmentService(vault)
        assert [a.size for a in service.of_record(record_id)] == [source.stat().st_size]
        assert service.read(attachment.id) == source.read_bytes()
