"""Migration 8 on a vault written in the old layout (schema 7): free text in the plain
answers, the text index and excerpts in intake.db, override reasons and private keys in
the clear under the database key.

The old vault is made with migrations 1–7 and rows written as the previous release wrote
them. A coordinator is refused until an identity-key holder unlocks once; after that no
planted free text, reason or private key is left anywhere in intake.db — not in a table,
not in a free page (``secure_delete`` and VACUUM), not in the WAL (truncated) — and the
text search finds the moved text in index.db.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.roles import Role
from intake.errors import VaultNeedsUpgrade
from intake.services.interviews import InterviewService
from intake.vault import accounts, database, identity, migrations, private
from intake.vault.database import transaction
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.records import RecordFilter, RecordStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

COORDINATOR, CO_PASS = "조정관", "coordinator passphrase 123"
SECRET_TEXT = "감시원박철수가매일때렸다MIGRATE1"
REASON = "면담자확인사유MIGRATE2"
OLD_TEXT = "예전판본의서술MIGRATE3"
PENDING = "입력중인세부사항MIGRATE4"
RAW_KEY = bytes(range(32))


def _old_vault(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, str]:
    """A schema-7 vault with one record in the old layout; returns (DBK, record id)."""
    real = migrations.migrate
    monkeypatch.setattr(migrations, "migrate",
                        lambda conn, idk, m=migrations.MIGRATIONS[:7]: real(conn, idk, m))
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    accounts.add_user(vault, COORDINATOR, Role.COORDINATOR, CO_PASS)
    dbk, idk = bytes(vault._require_keys().dbk), bytes(vault.identity_key or b"")
    vault.close()
    monkeypatch.setattr(migrations, "migrate", real)
    for name in ("index.db", "index.db-wal", "index.db-shm"):  # the old release had none
        (folder / name).unlink(missing_ok=True)
    record_id = "0f6b3c1e-8d1a-4c55-9a53-5b1f3f0e0001"
    answers = {"narrative.summary": SECRET_TEXT, "profile.sex": "male",
               "consent.internal_documentation": True}
    conn = database.connect(folder / "intake.db", dbk)
    try:
        with transaction(conn):
            conn.execute(
                "INSERT INTO records (id, schema, revision, status, author, created_at,"
                " updated_at, answers, meta, identity, indicators, indicators_present,"
                " excerpt, revision_started_at, text_rowid) VALUES (?, 'intake.testimony/1',"
                " 2, 'draft', ?, '2026-01-01T00:00:00+00:00', '2026-01-02T00:00:00+00:00',"
                " ?, '{}', ?, '{}', 0, ?, '2026-01-02T00:00:00+00:00', 1)",
                (record_id, USER, json.dumps(answers, ensure_ascii=False),
                 identity.seal(idk, record_id, {"identity.full_name": "박영호"}, {}),
                 SECRET_TEXT[:20]))
            conn.execute("INSERT INTO record_text (rowid, body) VALUES (1, ?)", (SECRET_TEXT,))
            conn.execute(
                "INSERT INTO record_revisions (record_id, revision, status, author, saved_at,"
                " answers, meta, identity) VALUES (?, 1, 'draft', ?, '2026-01-01', ?, '{}',"
                " NULL)", (record_id, USER, json.dumps({"narrative.summary": OLD_TEXT},
                                                       ensure_ascii=False)))
            conn.execute("INSERT INTO pending_answers (record_id, answers, identity, saved_at)"
                         " VALUES (?, ?, NULL, '2026-01-02')",
                         (record_id, json.dumps({"abuse.details": PENDING},
                                                ensure_ascii=False)))
            conn.execute("INSERT INTO indicator_overrides (record_id, indicator, value, reason,"
                         " user, at) VALUES (?, 'physical_violence', 'present', ?, ?, 'now')",
                         (record_id, REASON, USER))
            conn.execute("INSERT INTO device_identity (one, sign_private, sign_public,"
                         " created_at) VALUES (1, ?, ?, 'now')", (RAW_KEY, b"p" * 32))
    finally:
        database.checkpoint_and_close(conn)
    return dbk, record_id


def _plaintext_of(folder: Path, dbk: bytes) -> bytes:
    """Every row of every table of intake.db, as a coordinator's key reads it (the page
    level scan, free pages and WAL included, is tests/security/test_role_separation.py)."""
    conn = database.connect(folder / "intake.db", dbk)
    try:
        found = bytearray()
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type ="
                                             " 'table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                found += repr(row).encode("utf-8")
        return bytes(found)
    finally:
        conn.close()


def test_a_coordinator_is_refused_until_an_identity_holder_upgrades(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "vault"
    dbk, record_id = _old_vault(folder, monkeypatch)
    before = (folder / "intake.db").read_bytes()
    with pytest.raises(VaultNeedsUpgrade):
        Vault.open(folder, COORDINATOR, CO_PASS)
    assert (folder / "intake.db").read_bytes() == before  # nothing written
    # positive control: the old layout really has the text where a coordinator reads it
    assert SECRET_TEXT.encode() in _plaintext_of(folder, dbk)

    with Vault.open(folder, USER, PASSPHRASE) as vault:
        idk = bytes(vault.identity_key or b"")
        service = InterviewService(vault)
        record = service.load(record_id)
        assert record.answers["narrative.summary"] == SECRET_TEXT
        assert record.answers["identity.full_name"] == "박영호"
        assert [s.id for s in service.summaries(RecordFilter(text="박철수가매일"))] == [record_id]
        assert service.pending_answers(record_id)["abuse.details"] == PENDING
        earlier = RecordStore(vault.connection(), idk, QUESTIONNAIRE).history(record)
        assert earlier[0].answers["narrative.summary"] == OLD_TEXT
    assert migrations.PRIVATE_TEXT == 8
    plain = _plaintext_of(folder, dbk)
    for secret in (SECRET_TEXT, REASON, OLD_TEXT, PENDING):
        assert secret.encode() not in plain, secret
    assert RAW_KEY not in plain and RAW_KEY.hex().encode() not in plain
    raw = (folder / "intake.db").read_bytes()
    assert not (folder / "intake.db-wal").exists() or os.path.getsize(
        folder / "intake.db-wal") == 0
    conn = database.connect(folder / "intake.db", dbk)
    try:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0  # VACUUMed
        assert "record_text" not in {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master")}
        sealed = conn.execute("SELECT sign_private FROM device_identity").fetchone()[0]
        assert private.unseal(idk, private.DEVICE_SIGN.context(1), sealed) == RAW_KEY
    finally:
        conn.close()
    assert SECRET_TEXT.encode() not in raw  # and never in the clear on disk

    with Vault.open(folder, COORDINATOR, CO_PASS) as vault:  # now it opens
        service = InterviewService(vault)
        assert "narrative.summary" not in service.load(record_id).answers
        assert [s.excerpt for s in service.summaries()] == [""]
