"""The "already checked" mark a parsed file's record carries (issue 17's review): it spares
the importing service a second check only while the answers and marks hold exactly what
was checked. Any change ends it, in place or not, down to an item of a list; the service
then checks the record again and refuses what does not validate."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

import pytest

from intake.domain.answers import AnswerError
from intake.domain.questionnaire import QType
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.exchange.demo.generate import generate
from intake.exchange.formats import jsonl
from intake.services import saving


def _parsed(seed: int = 5) -> Record:
    out = io.StringIO()
    jsonl.write_records(list(generate(1, seed=seed, author="kim", today=dt.date(2026, 6, 1))),
                        out)
    (record,) = jsonl.parse_lines(out.getvalue().splitlines(), QUESTIONNAIRE, "kim")
    return record


def _multi_answer(record: Record) -> str:
    return next(q.id for q in QUESTIONNAIRE.questions()
                if q.type is QType.MULTI and isinstance(record.answers.get(q.id), list)
                and record.answers[q.id])


def test_a_parsed_record_is_marked_and_skips_the_second_check(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: the mark works, so the tests below that see it end test something."""
    record = _parsed()
    assert record.checked_for(QUESTIONNAIRE)
    calls = []
    monkeypatch.setattr(saving.answer_rules, "validate",
                        lambda *a, **k: calls.append(1) or (a[1], a[2]))
    saving.prepared(QUESTIONNAIRE, record)
    assert calls == []


def test_an_answer_changed_in_place_ends_the_mark() -> None:
    record = _parsed()
    record.answers["work.hours_per_day"] = 999  # the same dict object
    assert not record.checked_for(QUESTIONNAIRE)
    with pytest.raises(AnswerError):
        saving.prepared(QUESTIONNAIRE, record)


def test_an_item_added_to_a_list_in_place_ends_the_mark() -> None:
    record = _parsed()
    qid = _multi_answer(record)
    record.answers[qid].append("not_a_code")  # the same list object
    assert not record.checked_for(QUESTIONNAIRE)
    with pytest.raises(AnswerError):
        saving.prepared(QUESTIONNAIRE, record)


def test_a_mark_added_in_place_ends_the_mark() -> None:
    record = _parsed()
    answered = next(iter(record.answers))
    record.meta[answered] = "declined"  # a value and a mark cannot stand together
    assert not record.checked_for(QUESTIONNAIRE)
    with pytest.raises(AnswerError):
        saving.prepared(QUESTIONNAIRE, record)


def test_the_same_content_keeps_the_mark_and_a_copy_of_the_record_has_none() -> None:
    record = _parsed()
    record.answers = dict(record.answers)  # other maps, same content: still canonical
    assert record.checked_for(QUESTIONNAIRE)
    assert not replace(record).checked_for(QUESTIONNAIRE)  # never copied by replace


def test_the_mark_is_for_one_questionnaire() -> None:
    record = _parsed()
    other = replace(QUESTIONNAIRE)
    assert not record.checked_for(other)
