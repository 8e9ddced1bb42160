"""Migration 16 (issue 17): the audit log's action index without the ``record_edited``
entries, so that an autosave's audit entry writes one page less; every entry, the chain
and every filter of the audit view read as before."""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.vault import audit, database, migrations
from intake.vault.audit import AuditAction
from intake.vault.audit_detail import canonical_detail
from intake.vault.migration_audit_action import V16

WITH_16 = tuple(m for m in migrations.MIGRATIONS if m.version <= V16[0])
BEFORE_16 = tuple(m for m in WITH_16 if m.version < V16[0])
RECORDS = [str(uuid.UUID(int=n)) for n in range(1, 6)]
USERS = ["kim", "lee", "park"]
#: (action, with a record id): every kind the view filters by, edits the most
KINDS = [(AuditAction.RECORD_EDITED, True)] * 6 + [
    (AuditAction.RECORD_CREATED, True), (AuditAction.STATUS_CHANGED, True),
    (AuditAction.UNLOCK, False), (AuditAction.LOCK, False),
    (AuditAction.IDENTITY_VIEWED, True)]


def _detail(action: AuditAction) -> dict[str, object]:
    if action is AuditAction.STATUS_CHANGED:
        return {"from": "draft", "to": "submitted"}
    return {"questions": ["narrative.summary"]} if action.value.startswith("record") else {}


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[Any]:
    """A database at version 15 (before the migration) holding 120 entries."""
    opened = database.connect(tmp_path / "audit.db", os.urandom(32), create=True)
    migrations.migrate(opened, os.urandom(32), BEFORE_16)
    start = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    for n in range(120):
        action, with_record = KINDS[n % len(KINDS)]
        audit.append(opened, USERS[n % 3], action, RECORDS[n % 5] if with_record else None,
                     _detail(action), at=start + dt.timedelta(hours=n))
    yield opened
    database.checkpoint_and_close(opened)


def _views(conn: Any) -> dict[str, list[audit.Entry]]:
    """What the audit view shows for every filter it has (and the whole log)."""
    day = dt.date(2026, 12, 2)
    found = {"all": audit.entries(conn, limit=None),
             "day": audit.entries(conn, since=day, until=day, newest_first=True),
             "kim edits": audit.entries(conn, user="kim", action="record_edited")}
    for action in AuditAction:
        found[action.value] = audit.entries(conn, action=action, newest_first=True, limit=7)
    for user in USERS:
        found[user] = audit.entries(conn, user=user, newest_first=True)
    for record_id in RECORDS:
        found[record_id] = audit.entries(conn, record_id=record_id)
    return found


def test_migration_16_keeps_every_entry_the_chain_and_the_views(conn: Any) -> None:
    before = _views(conn)
    assert len(before["all"]) == 120 and before["record_edited"] and before["status_changed"]
    assert migrations.migrate(conn, None, WITH_16) == [V16[0]]
    assert _views(conn) == before
    assert audit.verify(conn) == [] and audit.count(conn) == 120
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'audit_action'").fetchone()
    assert "WHERE action <> 'record_edited'" in sql
    with pytest.raises(Exception, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq = 1")


def _plan(conn: Any, **filters: Any) -> str:
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    audit.entries(conn, newest_first=True, **filters)
    conn.set_trace_callback(None)
    return " ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + statements[-1]))


def test_the_index_serves_every_action_but_the_edits(conn: Any) -> None:
    migrations.migrate(conn, None, WITH_16)
    assert "audit_action" in _plan(conn, action="exported")
    assert "audit_action" not in _plan(conn, action="record_edited")
    # control: without the index's condition named, SQLite cannot use the partial index
    plain = conn.execute("EXPLAIN QUERY PLAN SELECT seq FROM audit WHERE action = ?"
                         " ORDER BY seq DESC LIMIT 10", ("exported",)).fetchall()
    assert "audit_action" not in " ".join(row[3] for row in plain)


def _frames(conn: Any, tmp_path: Path, action: AuditAction) -> float:
    """The median pages one entry of ``action`` writes at its commit (20 entries)."""
    wal = tmp_path / "audit.db-wal"
    counts = []
    for n in range(20):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        audit.append(conn, "kim", action, RECORDS[n % 5], _detail(action))
        counts.append((wal.stat().st_size - 32) // 4120)
    return statistics.median(counts)


def test_an_edit_entry_writes_one_page_less(conn: Any, tmp_path: Path) -> None:
    edit_before = _frames(conn, tmp_path, AuditAction.RECORD_EDITED)
    other_before = _frames(conn, tmp_path, AuditAction.STATUS_CHANGED)
    migrations.migrate(conn, None, WITH_16)
    assert _frames(conn, tmp_path, AuditAction.RECORD_EDITED) == edit_before - 1
    # control: an entry the index keeps writes as many pages as before
    assert _frames(conn, tmp_path, AuditAction.STATUS_CHANGED) == other_before


# -- the entry's own steps, as they were ----------------------------------------------------
def _record_id_before(value: Any) -> Any:
    """``audit._record_id`` as it was written before the cache."""
    if value is None:
        return None
    try:
        parsed = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError) as exc:
        raise ValueError("record_id: a record's UUID") from exc
    if str(parsed) != value.lower():
        raise ValueError("record_id: a record's UUID")
    return str(parsed)


@pytest.mark.parametrize("value", [
    None, RECORDS[0], RECORDS[0].upper(), "{" + RECORDS[1] + "}", RECORDS[2].replace("-", ""),
    "urn:uuid:" + RECORDS[3], "not a uuid", "", 123, 1.5, b"x" * 16, ["a"]])
def test_a_record_id_is_checked_as_before(value: Any) -> None:
    for _ in range(2):  # the second time from the cache
        try:
            expected: Any = _record_id_before(value)
        except ValueError as exc:
            expected = exc
        if isinstance(expected, ValueError):
            with pytest.raises(ValueError, match="record_id"):
                audit._record_id(value)
        else:
            assert audit._record_id(value) == expected


DETAILS: list[dict[str, object]] = [
    {}, {"questions": ["narrative.summary", "identity.full_name"]},
    {"from": "draft", "to": "submitted"}, {"count": 3, "kind": "jsonl", "reason_given": True},
    {"target_user": "김민지", "role": "admin", "previous_role": "interviewer"},
    {"manifest_sha256": "ab" * 32, "failed_attempts": 0, "recovery_code": False},
    {"device": " ".join(["01234"] * 8), "paired_with": RECORDS[4], "decision": "same"},
    {"target_user": "jane-e-doe", "duress_passphrase": True, "count": 10**6}]


@pytest.mark.parametrize("detail", DETAILS)
def test_the_stored_detail_is_the_json_it_was(detail: dict[str, object]) -> None:
    text = canonical_detail(detail)
    checked = {k: sorted(v) if isinstance(v, list) else v for k, v in detail.items()}
    assert text == json.dumps(checked, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False)
    assert json.loads(text) == checked


def test_an_appended_entry_reads_back_as_written(conn: Any) -> None:
    for detail in DETAILS:
        entry = audit.append(conn, "kim", AuditAction.IMPORTED, RECORDS[0].upper(), detail)
        (stored,) = audit.entries(conn, limit=1, newest_first=True)
        assert entry == stored and entry.record_id == RECORDS[0]
    assert audit.verify(conn) == []
