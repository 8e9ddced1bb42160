"""A text search's page by date: the plan (the date index breaks ties by record, so a walk
stops after the page), the same rows whatever the plan, and the kept count.

Records imported from JSONL share one ``created_at`` to the second: before migration 9 the
date index ``(created_at, text_rowid)`` could not give them in ``rid`` order, so every
match was read and sorted (the positive control below rebuilds that index and sees the
sort come back).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService, RecordFilter
from intake.vault import record_index
from intake.vault import records as store
from intake.vault.kdf import KdfPolicy
from intake.vault.records import RecordStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

STAMP = "2026-03-01T09:00:00+00:00"
WORD, OTHER = "감시원이", "벌목장"
COUNT = 60


@pytest.fixture
def service(tmp_path: Path, policy: KdfPolicy) -> Iterator[InterviewService]:
    """Records sharing one timestamp (as a JSONL import makes them), the word in 2 of 3,
    a few with dates of their own, some edited since (their text under a later rowid)."""
    vault, _code = Vault.create(tmp_path / "v", USER, PASSPHRASE, policy)
    records = list(generate(COUNT, 7, USER, today=dt.date(2026, 3, 10)))
    for n, record in enumerate(records):
        if n % 10:
            record.created_at = record.updated_at = STAMP
        record.answers["narrative.summary"] = f"{WORD} 있었다 {n}" if n % 3 else f"{OTHER} {n}"
    service = InterviewService(vault)
    service.import_records(records)
    for record in records[:30:4]:  # re-indexed: text rowids no longer follow the rids
        edited = service.load(record.id)
        edited.answers["narrative.summary"] += " 고침"
        service.save(edited)
    try:
        yield service
    finally:
        vault.close()


def _store(service: InterviewService) -> RecordStore:
    return service._store()


def _expected(service: InterviewService, word: str, descending: bool) -> list[str]:
    """Ids by (created_at, rid), as the record list sorts, filtered in Python."""
    order = "DESC" if descending else "ASC"
    rows = service.vault.connection().execute(
        f"SELECT id, text_rowid FROM records ORDER BY created_at {order}, rid {order}")
    text = _store(service).text
    return [rid for rid, rowid in rows if word in text.indexed_body(rowid)]


def _force(monkeypatch: pytest.MonkeyPatch, plan: str) -> None:
    """``walk``: the date index, reading each row's text; ``walk_match``: the date index
    against every match; ``sort``: the matches' rowids sorted; ``sort_match``: the
    matches sorted through the text query."""
    walk = plan.startswith("walk")
    monkeypatch.setattr(store, "MANY_MATCHES", 0 if walk else 10**9)
    monkeypatch.setattr(store, "LIST_WALK", 10.0**9)
    monkeypatch.setattr(store, "ROW_WALK", 0.0)
    monkeypatch.setattr(store, "DENSE_SHARE", 2.0 if plan == "walk_match" else 0.0)
    monkeypatch.setattr(record_index, "LISTED", 0 if plan == "sort_match" else 1000)
    record_index.forget_matches()


def _plan(service: InterviewService, word: str) -> list[str]:
    conn = service.vault.connection()
    sql, params = _store(service).page_rids_sql(word, "DESC", 0, 10)
    return [str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, [*params, 10, 0])]


@pytest.mark.parametrize("plan", ["walk", "walk_match"])
def test_a_walk_uses_the_date_index_and_sorts_nothing(
    service: InterviewService, monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    _force(monkeypatch, plan)
    plan = _plan(service, WORD)
    assert any("records_created" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
    definition = service.vault.connection().execute(
        "SELECT sql FROM sqlite_master WHERE name = 'records_created'").fetchone()[0]
    assert "(created_at, rid, text_rowid)" in definition


def test_positive_control_the_old_index_sorts_every_match(
    service: InterviewService, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = service.vault.connection()
    conn.execute("DROP INDEX records_created")
    conn.execute("CREATE INDEX records_created ON records (created_at, text_rowid)")
    _force(monkeypatch, "walk")
    assert any("TEMP B-TREE" in step for step in _plan(service, WORD))


@pytest.mark.parametrize("plan", ["walk", "walk_match", "sort", "sort_match"])
def test_every_plan_gives_the_same_pages_in_record_order(
    service: InterviewService, monkeypatch: pytest.MonkeyPatch, plan: str
) -> None:
    _force(monkeypatch, plan)
    for descending in (True, False):
        expected = _expected(service, WORD, descending)
        assert len(expected) == 40 and len(set(expected)) == 40
        pages = [s.id for offset in range(0, 50, 7)
                 for s in service.summaries(RecordFilter(text=WORD), offset, 7,
                                            descending=descending)]
        assert pages == expected
        assert service.count(RecordFilter(text=WORD)) == 40


def test_the_count_is_kept_for_the_page_and_dropped_when_the_index_changes(
    service: InterviewService, monkeypatch: pytest.MonkeyPatch
) -> None:
    _force(monkeypatch, "sort")
    conn = service.vault.connection()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        assert service.count(RecordFilter(text=OTHER)) == 20
        service.summaries(RecordFilter(text=OTHER), 0, 10)
        # the page used the rowids found by the count: one text query in all
        assert sum("MATCH" in s for s in statements) == 1, statements
    finally:
        conn.set_trace_callback(None)
    assert not any(OTHER in repr(entry) for entry in record_index._last_count.values())
    # another thread's connection (its own) adds a match: the sync number changed
    added = next(iter(generate(1, 8, USER)))
    added.answers["narrative.summary"] = f"{OTHER} 새로"

    def other_thread() -> None:
        service.import_records([added])
        service.on_worker_done()
    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join(30)
    assert service.count(RecordFilter(text=OTHER)) == 21
    assert added.id in [s.id for s in service.summaries(RecordFilter(text=OTHER), 0, 30)]
    # this connection's own change to the index, even one without a new sync number
    conn.execute("DELETE FROM ix.record_text WHERE rowid = (SELECT text_rowid FROM records"
                 " WHERE id = ?)", (added.id,))
    assert service.count(RecordFilter(text=OTHER)) == 20


def test_a_short_query_and_no_match(service: InterviewService,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for plan in ("walk", "sort"):
        _force(monkeypatch, plan)
        assert [s.id for s in service.summaries(RecordFilter(text="없는말없는말"), 0, 10)] == []
        expected = _expected(service, "있었", True)[:10]
        assert [s.id for s in service.summaries(RecordFilter(text="있었"), 0, 10)] == expected


def test_the_list_by_date_reads_one_page_of_same_second_records(
    service: InterviewService,
) -> None:
    """The record list without a filter: the first page comes from the date index in
    order, no sort of every record imported in the same second."""
    conn = service.vault.connection()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    try:
        first = service.summaries(None, 0, 7)
    finally:
        conn.set_trace_callback(None)
    (page,) = [s for s in statements if "ORDER BY created_at DESC, rid DESC" in s]
    plan = [str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + page)]
    assert any("records_created" in step for step in plan), plan
    assert not any("TEMP B-TREE" in step for step in plan), plan
    assert [s.id for s in first] == [
        row[0] for row in conn.execute(
            "SELECT id FROM records ORDER BY created_at DESC, rid DESC LIMIT 7")]


def test_the_index_has_the_main_databases_page_cache(service: InterviewService) -> None:
    from intake.vault.database import CACHE_KIB

    conn = service.vault.connection()
    assert conn.execute("PRAGMA ix.cache_size").fetchone()[0] == -CACHE_KIB
    assert conn.execute("PRAGMA main.cache_size").fetchone()[0] == -CACHE_KIB


def test_a_walk_finds_what_the_index_finds_in_any_case(
    service: InterviewService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LIKE folds ASCII case only: a Cyrillic word typed in another case is still found on
    every plan (the walk then checks rows against the matches instead)."""
    records = list(generate(3, 9, USER))
    for record in records:
        record.answers["narrative.summary"] = "Работали в МОСКВЕ, Moscow"
    service.import_records(records)
    conn = service.vault.connection()
    clause, params = record_index.TextIndex.row_clause("москве")
    # positive control: the LIKE of the row walk alone misses them
    assert conn.execute(f"SELECT count(*) FROM records WHERE {clause}", params
                        ).fetchone()[0] == 0
    ids = sorted(r.id for r in records)
    for plan in ("walk", "walk_match", "sort", "sort_match"):
        _force(monkeypatch, plan)
        for query in ("москве", "MOSCOW", "moscow"):
            assert service.count(RecordFilter(text=query)) == 3
            found = service.summaries(RecordFilter(text=query), 0, 10)
            assert sorted(s.id for s in found) == ids, (plan, query)
