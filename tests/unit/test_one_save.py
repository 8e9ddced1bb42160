"""One save: a save of a stored record reads its ``records`` row once, validates once,
derives the indicators once, and returns a new record, leaving the caller's untouched
(services/saving.py owns what a save means)."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from intake.domain import answers as answer_rules
from intake.domain import indicators
from intake.services.interviews import InterviewService
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

CONSENTED = {"consent.internal_documentation": True}
#: A read of one record's row by its id (what "load the stored row" means in SQL).
ROW_READ = re.compile(r"^\s*SELECT\b.*\bFROM records WHERE id = ", re.IGNORECASE | re.DOTALL)


@pytest.fixture
def vault(created_vault: tuple[Path, str]) -> Iterator[Vault]:
    with Vault.open(created_vault[0], USER, PASSPHRASE) as opened:
        yield opened


def stored(service: InterviewService) -> Any:
    record = service.new_record()
    record.answers.update(CONSENTED)
    return service.save(record)


class Counts:
    """The statements run on the connection, and the calls of the spied functions."""

    def __init__(self, vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
        self.statements: list[str] = []
        self.calls = {"derive": 0, "validate": 0, "with_derived": 0}
        vault.connection().set_trace_callback(self.statements.append)
        for module, name in ((indicators, "derive"), (answer_rules, "validate"),
                             (answer_rules, "with_derived")):
            self._spy(monkeypatch, module, name)

    def _spy(self, monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> None:
        real = getattr(module, name)

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)

    def row_reads(self) -> int:
        return sum(1 for sql in self.statements if ROW_READ.match(sql))


def test_a_save_reads_its_row_once_validates_once_derives_once(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    service = InterviewService(vault)
    record = stored(service)
    counts = Counts(vault, monkeypatch)
    service.save(replace(record, answers={**record.answers, "narrative.summary": "edited"}))
    assert counts.row_reads() == 1, counts.statements
    assert counts.calls == {"derive": 1, "validate": 1, "with_derived": 1}


def test_the_counter_sees_reads_of_the_row(vault: Vault,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Positive control: loading twice is counted twice (the pattern matches the read)."""
    service = InterviewService(vault)
    record = stored(service)
    counts = Counts(vault, monkeypatch)
    service.load(record.id)
    service.load(record.id)
    assert counts.row_reads() == 2


def test_save_returns_a_new_record_and_leaves_the_callers_alone(vault: Vault) -> None:
    service = InterviewService(vault)
    first = service.new_record()
    first.answers.update({**CONSENTED,
                          "wages.gross_monthly": {"amount": 1000, "currency": "USD"},
                          "wages.state_quota_monthly": {"amount": 250, "currency": "USD"}})
    before = copy.deepcopy(first)
    saved = service.save(first)
    assert saved is not first and saved.revision == 1
    assert first == before and first.revision == before.revision
    assert first.updated_at == before.updated_at and first.answers == before.answers
    assert "wages.state_share_percent" not in first.answers
    assert saved.answers.keys() - first.answers.keys() == {"wages.state_share_percent"}
    edited = replace(saved, answers={**saved.answers, "narrative.summary": "x"})
    kept = copy.deepcopy(edited)
    again = service.save(edited)
    assert edited == kept and again.updated_at >= saved.updated_at
    assert service.load(first.id) == again


def test_set_status_leaves_the_callers_record_alone(vault: Vault) -> None:
    service = InterviewService(vault)
    record = stored(service)
    submitted = service.set_status(record, type(record.status)("submitted"))
    assert record.status.value == "draft" and submitted.status.value == "submitted"


# -- an autosave writes only what changed (issue 17: autosave p95) -----------------------------
UPDATE = re.compile(r"^\s*UPDATE records SET (.*) WHERE rid = ", re.IGNORECASE | re.DOTALL)


def updated_columns(statements: list[str]) -> list[set[str]]:
    return [{part.split("=")[0].strip() for part in found.group(1).split(",")}
            for sql in statements if (found := UPDATE.match(sql))]


def test_an_autosave_sets_only_the_columns_that_changed(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    service = InterviewService(vault)
    record = service.save(replace(stored(service), answers={
        **CONSENTED, "deployment.sector": "construction", "narrative.summary": "first"}))
    service.index_pending()  # its text indexed: a changed text is marked again
    counts = Counts(vault, monkeypatch)
    record = service.save(replace(record, answers={**record.answers,
                                                   "narrative.summary": "second"}))
    (columns,) = updated_columns(counts.statements)
    assert {"identity", "text_dirty"} <= columns  # the summary is private: in the blob
    counts.statements.clear()  # marked already (not indexed since): not marked again
    record = service.save(replace(record, answers={**record.answers,
                                                   "narrative.summary": "third"}))
    (columns,) = updated_columns(counts.statements)
    assert "identity" in columns and "text_dirty" not in columns
    assert not columns & {"id", "created_at", "author", "sector", "region", "status",
                          "year_departed", "text_rowid", "schema"}, columns
    # control: a changed indexed column is set, and unchanged text leaves text_dirty alone
    counts.statements.clear()
    service.save(replace(record, answers={**record.answers, "deployment.sector": "logging"}))
    (columns,) = updated_columns(counts.statements)
    assert "sector" in columns and "text_dirty" not in columns
    assert service.load(record.id).answers["deployment.sector"] == "logging"
    assert service.text_ids("third") == [record.id]  # the index caught up with the text


def test_an_unchanged_answer_is_not_checked_again_but_a_changed_one_is(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    service = InterviewService(vault)
    record = service.save(replace(stored(service), answers={
        **CONSENTED, "work.hours_per_day": 14, "narrative.summary": "text"}))
    normalized: list[str] = []
    table = answer_rules.checkers(service.questionnaire)  # the checkers validate runs
    for qid, check in list(table.items()):
        monkeypatch.setitem(table, qid, lambda v, clock, qid=qid, check=check:
                            normalized.append(qid) or check(v, clock))
    service.save(replace(record, answers={**record.answers, "narrative.summary": "edited"}))
    assert normalized == ["narrative.summary"]
    with pytest.raises(answer_rules.AnswerError):  # a changed answer is still refused
        service.save(replace(record, answers={**record.answers, "work.hours_per_day": 30}))
    with pytest.raises(answer_rules.AnswerError):  # the same digits as text are not "equal"
        service.save(replace(record, answers={**record.answers, "work.hours_per_day": "14"}))
    assert service.load(record.id).answers["work.hours_per_day"] == 14
