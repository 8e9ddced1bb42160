"""The approved quotes table: add, replace per question, list one or many records, remove;
rows go with their record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.record import Record, Status
from intake.services.interviews import InterviewService
from intake.vault import quote_store
from intake.vault.kdf import KdfPolicy
from intake.vault.quote_store import NewQuote
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

AT = "2026-12-01T10:00:00+00:00"


@pytest.fixture
def setup(tmp_path: Path, policy: KdfPolicy) -> Iterator[tuple[Vault, list[str]]]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    records = []
    for _i in range(3):
        record = Record.new(USER)
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED
        records.append(record)
    InterviewService(opened).import_records(records)
    yield opened, [r.id for r in records]
    opened.close()


@pytest.fixture
def vault(setup: tuple[Vault, list[str]]) -> Vault:
    return setup[0]


@pytest.fixture
def record_ids(setup: tuple[Vault, list[str]]) -> list[str]:
    return setup[1]


def test_add_numbers_and_lists_in_order(vault: Vault, record_ids: list[str]) -> None:
    conn, (first, second, _third) = vault.connection(), record_ids
    added = quote_store.add(conn, first, [
        NewQuote("narrative.summary", "[NAME] worked 16 hours.", {"NAME": 1}),
        NewQuote("abuse.details", "The foreman hit us.")], 3, "park", AT)
    assert added == [1, 2]
    assert quote_store.add(conn, second, [NewQuote("escape.details", "We ran.")], 1,
                           USER, AT) == [1]
    mine = quote_store.of_record(conn, first)
    assert [(q.seq, q.question, q.text) for q in mine] == [
        (1, "narrative.summary", "[NAME] worked 16 hours."),
        (2, "abuse.details", "The foreman hit us.")]
    assert mine[0].redacted == {"NAME": 1} and mine[1].redacted == {}
    assert (mine[0].revision, mine[0].approved_by, mine[0].approved_at) == (3, "park", AT)
    both = quote_store.of_records(conn, [second, first, "not-a-record"])
    assert [(q.record_id, q.seq) for q in both] == sorted(
        [(first, 1), (first, 2), (second, 1)])
    assert quote_store.of_records(conn, []) == []


def test_replace_keeps_one_quote_per_question(vault: Vault, record_ids: list[str]) -> None:
    conn, record_id = vault.connection(), record_ids[0]
    quote_store.add(conn, record_id, [NewQuote("narrative.summary", "old"),
                                      NewQuote("abuse.details", "kept")], 1, USER, AT)
    quote_store.replace(conn, record_id, [NewQuote("narrative.summary", "new")], 2, USER, AT)
    texts = {q.question: (q.text, q.revision) for q in quote_store.of_record(conn, record_id)}
    assert texts == {"narrative.summary": ("new", 2), "abuse.details": ("kept", 1)}


def test_remove_one_and_all(vault: Vault, record_ids: list[str]) -> None:
    conn, record_id = vault.connection(), record_ids[0]
    quote_store.add(conn, record_id, [NewQuote("narrative.summary", "a"),
                                      NewQuote("abuse.details", "b")], 1, USER, AT)
    assert quote_store.get(conn, record_id, 1) is not None
    assert quote_store.remove(conn, record_id, 1)
    assert not quote_store.remove(conn, record_id, 1)
    assert quote_store.get(conn, record_id, 1) is None
    assert [q.seq for q in quote_store.of_record(conn, record_id)] == [2]
    assert quote_store.remove_all(conn, record_id) == 1
    assert quote_store.of_record(conn, record_id) == []


def test_an_empty_text_is_refused_by_the_table(vault: Vault, record_ids: list[str]) -> None:
    conn, record_id = vault.connection(), record_ids[0]
    with pytest.raises(Exception, match="CHECK"):
        quote_store.add(conn, record_id, [NewQuote("narrative.summary", "   ")], 1, USER, AT)


def test_quotes_go_with_their_record(vault: Vault, record_ids: list[str]) -> None:
    conn, record_id = vault.connection(), record_ids[0]
    quote_store.add(conn, record_id, [NewQuote("narrative.summary", "a")], 1, USER, AT)
    InterviewService(vault).delete(record_id)
    assert quote_store.of_record(conn, record_id) == []


def test_many_records_are_read_in_chunks(vault: Vault, record_ids: list[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quote_store, "CHUNK", 2)
    conn = vault.connection()
    for record_id in record_ids:
        quote_store.add(conn, record_id, [NewQuote("narrative.summary", record_id)], 1,
                        USER, AT)
    found = quote_store.of_records(conn, record_ids)
    assert sorted(q.text for q in found) == sorted(record_ids)
