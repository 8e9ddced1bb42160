"""index.db: the text index under the identity key, and how it is reconciled with
intake.db after a crash between the two files' commits (intake/vault/record_index.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.services.interviews import InterviewService
from intake.vault import accounts, database, private
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.record_types import IdentityKeyMissing
from intake.vault.records import RecordFilter
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

COORDINATOR, CO_PASS = "조정관", "coordinator passphrase 123"
INDEX_FILES = ("index.db", "index.db-wal", "index.db-shm")


def _save(vault: Vault, text: str, record_id: str | None = None) -> str:
    service = InterviewService(vault)
    record = service.load(record_id) if record_id else service.new_record()
    record.answers["narrative.summary"] = text
    record.answers["consent.internal_documentation"] = True
    return service.save(record).id


def _found(vault: Vault, text: str) -> set[str]:
    return {s.id for s in InterviewService(vault).summaries(RecordFilter(text=text))}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    accounts.add_user(vault, COORDINATOR, Role.COORDINATOR, CO_PASS)
    vault.close()
    return folder


def _copy_index(folder: Path, to: Path) -> None:
    to.mkdir(exist_ok=True)
    for name in INDEX_FILES:
        if (folder / name).exists():
            shutil.copy2(folder / name, to / name)


def _put_index_back(folder: Path, frm: Path) -> None:
    for name in INDEX_FILES:
        (folder / name).unlink(missing_ok=True)
        if (frm / name).exists():
            shutil.copy2(frm / name, folder / name)


def test_an_index_commit_lost_after_the_database_commit_is_redone_at_unlock(
        folder: Path, tmp_path: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        first = _save(vault, "첫번째벌목장기록")
        assert _found(vault, "벌목장") == {first}
    old = tmp_path / "old-index"
    _copy_index(folder, old)  # index.db as it was before the next indexing
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        _save(vault, "두번째어업기록이다", first)
        second = _save(vault, "세번째보위부감시")
        assert _found(vault, "보위부") == {second}  # indexed: both files committed
    _put_index_back(folder, old)  # as if index.db's commit never reached the disk
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert _found(vault, "보위부") == {second}
        assert _found(vault, "어업기록") == {first}
        assert _found(vault, "벌목장") == set()  # the replaced text is not found any more


def test_a_missing_or_damaged_index_is_made_anew_from_the_database(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record_id = _save(vault, "충성자금을바쳤다")
        assert _found(vault, "충성자금") == {record_id}
    for name in INDEX_FILES:
        (folder / name).unlink(missing_ok=True)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert _found(vault, "충성자금") == {record_id}
    (folder / "index.db").write_bytes(b"\x00" * 4096 * 3)  # damaged: not a database
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert _found(vault, "충성자금") == {record_id}
        assert [s.excerpt for s in InterviewService(vault).summaries()] == ["충성자금을바쳤다"]


def test_a_record_deleted_without_the_index_leaves_no_entry_after_the_next_unlock(
        folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record_id = _save(vault, "지워질이야기입니다")
        _found(vault, "이야기")
        idk = bytes(vault.identity_key or b"")
    # a connection without index.db (as a coordinator's) deletes the record
    with Vault.open(folder, COORDINATOR, CO_PASS) as vault:
        assert "ix" not in {r[1] for r in vault.connection().execute("PRAGMA database_list")}
        with pytest.raises(IdentityKeyMissing):
            InterviewService(vault).summaries(RecordFilter(text="이야기"))
        from intake.domain.questions import QUESTIONNAIRE
        from intake.vault.records import RecordStore
        RecordStore(vault.connection(), None, QUESTIONNAIRE).delete(record_id)
    conn = database.connect(folder / "index.db", private.index_key(idk))
    try:  # the entry is still there: only a holder of the key can remove it
        assert conn.execute("SELECT count(*) FROM record_text").fetchone()[0] == 1
    finally:
        conn.close()
    with Vault.open(folder, USER, PASSPHRASE):
        pass
    conn = database.connect(folder / "index.db", private.index_key(idk))
    try:
        assert conn.execute("SELECT count(*) FROM record_text").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM excerpts").fetchone()[0] == 0
    finally:
        conn.close()


def test_index_db_opens_with_the_key_derived_from_the_identity_key_only(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        _save(vault, "비밀스러운서술MARKER")
        _found(vault, "서술")
        keys = vault._require_keys()
        dbk, idk = bytes(keys.dbk), bytes(keys.idk or b"")
    data = (folder / "index.db").read_bytes()
    assert not data.startswith(b"SQLite format 3") and b"MARKER" not in data
    with pytest.raises(database.NotADatabase):  # every role's database key: no
        database.connect(folder / "index.db", dbk)
    conn = database.connect(folder / "index.db", private.index_key(idk))  # control
    try:
        assert "MARKER" in conn.execute("SELECT body FROM record_text").fetchone()[0]
    finally:
        conn.close()
