"""Backup and restore: one file, consistent while the vault is in use, as
unreadable as the vault; restored on a fresh folder only after it opened and passed the
full check; never over another vault unless asked, and then moved aside."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from intake.errors import ExitCode, IntakeError, VaultExists, WrongPassphrase
from intake.exchange.containers import backup
from intake.exchange.demo.generate import generate
from intake.services.backup import BackupExists, BackupService, TargetNotEmpty, restore
from intake.services.interviews import InterviewService
from intake.vault import database
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def vault_with_records(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, str]:
    folder = tmp_path / "vault"
    vault, code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        InterviewService(vault).import_records(generate(25, seed=6, author=USER, today=TODAY))
    return folder, code


def make_backup(folder: Path, out: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        BackupService(vault).create(out)


def records(folder: Path, secret: str = PASSPHRASE) -> dict[str, int]:
    with Vault.open(folder, USER, secret) as vault:
        return {s.id: s.revision for s in InterviewService(vault).summaries(limit=1000)}


def test_round_trip_to_a_fresh_folder_with_passphrase_and_with_recovery_code(
    vault_with_records: tuple[Path, str], tmp_path: Path,
) -> None:
    folder, code = vault_with_records
    out = tmp_path / "vault.backup"
    make_backup(folder, out)
    assert out.stat().st_mode & 0o777 == 0o600
    assert not list(folder.glob("*.backup*"))  # the consistent copy is not left behind
    restore(out, tmp_path / "restored", USER, PASSPHRASE)
    assert records(tmp_path / "restored") == records(folder)
    restore(out, tmp_path / "by-code", USER, code, recovery_code=True)
    assert len(records(tmp_path / "by-code")) == 25
    assert not list(tmp_path.glob(".*.restoring"))


def test_the_backup_holds_no_plaintext(vault_with_records: tuple[Path, str],
                                       tmp_path: Path) -> None:
    folder, _code = vault_with_records
    out = tmp_path / "vault.backup"
    make_backup(folder, out)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record = next(iter(InterviewService(vault).export_records()))
    data = out.read_bytes()
    for value in (record.answers.get("narrative.summary"), record.answers.get(
            "identity.full_name"), PASSPHRASE):
        assert isinstance(value, str) and value.encode() not in data
    # A 3-byte user name turns up in 300 KB of ciphertext by chance (about 2 % of runs):
    # look for it where plaintext could be, the manifest and the key file, not the cipher.
    with out.open("rb") as handle:
        entries = backup.read_manifest(handle, len(data))
        readable = data[:handle.tell()]
    offset = len(readable)
    for entry in entries:
        if entry.name == KEYSLOTS_NAME:
            readable += data[offset:offset + entry.size]
        offset += entry.size
    # (a JSON string "kim", not three letters a base64 value may hold by chance)
    assert KEYSLOTS_NAME.encode() in readable and f"\"{USER}\"".encode() not in readable


def test_a_backup_during_writes_is_consistent(vault_with_records: tuple[Path, str],
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    folder, _code = vault_with_records
    out = tmp_path / "vault.backup"
    logged: list[object] = []  # the audit entry waits for the writer; noted here instead
    monkeypatch.setattr("intake.services.backup.audit.append",
                        lambda *args, **kw: logged.append(kw.get("detail")))
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = InterviewService(vault)
        writer = database.connect(folder / DATABASE_NAME, vault._require_keys().dbk)
        try:  # another connection in the middle of a write, not yet committed
            writer.execute("BEGIN IMMEDIATE")
            writer.execute("DELETE FROM records WHERE rid IN (SELECT rid FROM records"
                           " LIMIT 5)")
            BackupService(vault).create(out)
            writer.execute("ROLLBACK")
        finally:
            writer.close()
        assert service.count() == 25
    assert any(isinstance(d, dict) and d.get("kind") == "backup" for d in logged)
    restore(out, tmp_path / "restored", USER, PASSPHRASE)
    assert records(tmp_path / "restored") == records(folder)


def test_the_backup_is_audited(vault_with_records: tuple[Path, str], tmp_path: Path) -> None:
    folder, _code = vault_with_records
    make_backup(folder, tmp_path / "vault.backup")
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        row = vault.connection().execute(
            "SELECT detail FROM audit WHERE action = 'exported' ORDER BY seq DESC").fetchone()
    assert '"kind":"backup"' in row[0]


def test_the_wrong_passphrase_restores_nothing(vault_with_records: tuple[Path, str],
                                              tmp_path: Path) -> None:
    folder, _code = vault_with_records
    out = tmp_path / "vault.backup"
    make_backup(folder, out)
    with pytest.raises(WrongPassphrase):
        restore(out, tmp_path / "restored", USER, "not the passphrase at all")
    assert not (tmp_path / "restored").exists()
    assert not list(tmp_path.glob(".*.restoring"))


def test_a_wrong_passphrase_is_refused_before_the_backup_is_extracted(
    vault_with_records: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder, _code = vault_with_records
    out = tmp_path / "vault.backup"
    make_backup(folder, out)
    stale = tmp_path / ".restored.restoring"  # left by a restore cut short: not even
    stale.mkdir()                              # tidied up before the secret is known
    extracted: list[Path] = []
    real_extract = backup.extract

    def spy(handle: BinaryIO, entries: list[backup.Entry], into: Path) -> Iterator[Path]:
        extracted.append(into)
        return real_extract(handle, entries, into)

    monkeypatch.setattr(backup, "extract", spy)
    with pytest.raises(WrongPassphrase):
        restore(out, tmp_path / "restored", USER, "not the passphrase at all")
    assert extracted == [] and stale.is_dir() and not (tmp_path / "restored").exists()
    restore(out, tmp_path / "restored", USER, PASSPHRASE)  # control: the spy does see it
    assert extracted == [stale] and not stale.exists()


def test_a_duress_passphrase_restores_nothing(vault_with_records: tuple[Path, str],
                                              tmp_path: Path) -> None:
    """Opening the backup's key file with the duress passphrase must not restore a decoy
    (the old restore opened the extracted copy with Vault.open, which would have)."""
    from intake.vault import accounts

    folder, _code = vault_with_records
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        accounts.set_duress_passphrase(vault, USER, "a duress passphrase here")
    out = tmp_path / "vault.backup"
    make_backup(folder, out)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(WrongPassphrase):
        restore(out, tmp_path / "restored", USER, "a duress passphrase here")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    shutil.copytree(folder, tmp_path / "copy")  # control: the old restore's Vault.open
    Vault.open(tmp_path / "copy", USER, "a duress passphrase here").close()  # lets it in


def test_a_damaged_key_file_in_the_backup_is_damage(vault_with_records: tuple[Path, str],
                                                    tmp_path: Path) -> None:
    folder, _code = vault_with_records
    (folder / KEYSLOTS_NAME).write_bytes(b"[" * 100_000)  # its hash is in the manifest
    out = tmp_path / "vault.backup"
    with out.open("wb") as handle:
        backup.write(handle, [(KEYSLOTS_NAME, folder / KEYSLOTS_NAME),
                              (DATABASE_NAME, folder / DATABASE_NAME)])
    with pytest.raises(IntakeError) as refused:
        restore(out, tmp_path / "restored", USER, PASSPHRASE)
    assert refused.value.exit_code == ExitCode.INTEGRITY
    assert not (tmp_path / "restored").exists() and not list(tmp_path.glob(".*.restoring"))


class _Reads:
    """A file that remembers how much each read asked for and how much it gave."""

    def __init__(self, data: bytes) -> None:
        self.inner = io.BytesIO(data)
        self.asked: list[int] = []
        self.given = 0

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        chunk = self.inner.read(size)
        self.given += len(chunk)
        return chunk

    def seek(self, offset: int) -> int:
        return self.inner.seek(offset)

    def tell(self) -> int:
        return self.inner.tell()


def _big_backup(tmp_path: Path) -> bytes:
    files = []
    for name, size in (("keyslots.json", 3000), ("intake.db", 5 << 20),
                       ("attachments/" + "0" * 32, 3 << 20)):
        (tmp_path / name.replace("/", "_")).write_bytes(os.urandom(size))
        files.append((name, tmp_path / name.replace("/", "_")))
    buffer = io.BytesIO()
    backup.write(buffer, files)
    return buffer.getvalue()


def test_checking_reads_in_bounded_chunks_and_the_key_file_alone(tmp_path: Path) -> None:
    data = _big_backup(tmp_path)
    handle = _Reads(data)
    entries = backup.read_manifest(handle, len(data))  # type: ignore[arg-type]
    start = handle.tell()
    backup.check(handle, start, entries)  # type: ignore[arg-type]
    assert max(handle.asked) <= 1 << 20 and handle.given == len(data)
    assert all(size >= 0 for size in handle.asked)  # never "the rest of the file"
    handle = _Reads(data)
    key_file = backup.read_entry(handle, start, entries, "keyslots.json")  # type: ignore[arg-type]
    assert len(key_file) == 3000 and handle.given == 3000
    with pytest.raises(backup.BackupInvalid):
        backup.read_entry(_Reads(data), start, entries, "intake.db",  # type: ignore[arg-type]
                          limit=1 << 20)
    flipped = bytearray(data)
    flipped[-1] ^= 1
    with pytest.raises(backup.BackupInvalid):
        backup.check(io.BytesIO(bytes(flipped)), start, entries)


def test_an_existing_vault_is_refused_or_moved_aside(vault_with_records: tuple[Path, str],
                                                     tmp_path: Path) -> None:
    folder, _code = vault_with_records
    out = tmp_path / "vault.backup"
    make_backup(folder, out)
    with pytest.raises(VaultExists):
        restore(out, folder, USER, PASSPHRASE)
    aside = restore(out, folder, USER, PASSPHRASE, replace=True)
    assert aside != folder and (aside / KEYSLOTS_NAME).exists()
    assert len(records(folder)) == 25 and len(records(aside)) == 25
    other = tmp_path / "busy"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(TargetNotEmpty):
        restore(out, other, USER, PASSPHRASE)
    assert (other / "notes.txt").read_text() == "mine"


def test_an_existing_backup_file_is_never_replaced(vault_with_records: tuple[Path, str],
                                                   tmp_path: Path) -> None:
    folder, _code = vault_with_records
    out = tmp_path / "vault.backup"
    out.write_bytes(b"someone's file")
    with pytest.raises(BackupExists):
        make_backup(folder, out)
    assert out.read_bytes() == b"someone's file"


def _damage(data: bytes, name: str) -> bytes:
    size = struct.unpack(">I", data[8:12])[0]
    body = 12 + size
    return {
        "truncated": data[:-1],
        "extended": data + b"x",
        "flipped in the database": data[:body + 5000] + bytes([data[body + 5000] ^ 1])
        + data[body + 5001:],
        "flipped in the manifest": data[:20] + bytes([data[20] ^ 1]) + data[21:],
        "not a backup": b"PK" + data[2:],
    }[name]


@pytest.mark.parametrize("name", ["truncated", "extended", "flipped in the database",
                                  "flipped in the manifest", "not a backup"])
def test_a_damaged_backup_restores_nothing(vault_with_records: tuple[Path, str],
                                           tmp_path: Path, name: str) -> None:
    folder, _code = vault_with_records
    out = tmp_path / "vault.backup"
    make_backup(folder, out)
    out.write_bytes(_damage(out.read_bytes(), name))
    with pytest.raises(IntakeError) as refused:
        restore(out, tmp_path / "restored", USER, PASSPHRASE)
    assert refused.value.exit_code in (ExitCode.INTEGRITY, ExitCode.INVALID_INPUT)
    assert not (tmp_path / "restored").exists()
    assert not list(tmp_path.glob(".*.restoring"))


def test_a_name_cannot_leave_the_folder(tmp_path: Path) -> None:
    bad = tmp_path / "evil"
    bad.write_bytes(b"x")
    for name in ("../outside", "/etc/passwd", "attachments/../../x", "intake.db-wal"):
        with pytest.raises(ValueError):
            backup.write(open(os.devnull, "wb"), [("keyslots.json", bad), (name, bad)])


def test_backup_and_restore_by_script(cli: Cli, vault_with_records: tuple[Path, str],
                                      tmp_path: Path) -> None:
    folder, _code = vault_with_records
    out = tmp_path / "cli.backup"
    made = cli(["backup", "--out", str(out), "--vault", str(folder), "--user", USER,
                "--passphrase-stdin"])
    assert made.code == 0 and out.exists(), made
    target = tmp_path / "cli-restored"
    done = cli(["restore", str(out), "--vault", str(target), "--user", USER,
                "--passphrase-stdin"])
    assert done.code == 0, done
    assert (target / DATABASE_NAME).exists() and len(records(target)) == 25
    again = cli(["restore", str(out), "--vault", str(target), "--user", USER,
                 "--passphrase-stdin"])
    assert again.error_line(ExitCode.ERROR)
