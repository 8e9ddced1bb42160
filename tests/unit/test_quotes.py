"""Quotes: drafts only with publication consent, only sentences, redacted; the export's
quotes are approved text of records whose consent still holds, shuffled, unlinked."""

from __future__ import annotations

import random

from intake.domain.record import Record
from intake.exchange.analysis.quotes import (
    Quote,
    drafts_of,
    kept,
    publishable,
    quote_questions,
    still_identifying,
)
from intake.vault.quote_store import ApprovedQuote

STORY = "리명철씨가 2019년 3월 5일에 +7 914 555 12 34 로 전화했다. 하루 16시간 일했다."


def _record(consent: bool | None = True, **answers: object) -> Record:
    record = Record.new("tester")
    record.answers.update({
        "identity.full_name": "리명철",
        "deployment.dispatching_entity": "릉라도무역총회사",
        "narrative.summary": STORY,
        "abuse.details": "반장이 때렸다.",
    })
    if consent is not None:
        record.answers["consent.publication_without_identifiers"] = consent
    record.answers.update({k.replace("__", "."): v for k, v in answers.items()})
    return record


def test_only_long_free_text_questions_are_quoted() -> None:
    questions = quote_questions()
    assert "narrative.summary" in questions and "abuse.details" in questions
    assert "deployment.dispatching_entity" not in questions  # a name, not a sentence
    assert not [q for q in questions if q.startswith("identity.")]


def test_quotes_are_redacted_and_count_what_was_replaced() -> None:
    quotes = drafts_of(_record())
    assert [q.question for q in quotes] == ["abuse.details", "narrative.summary"]  # in order
    story = next(q for q in quotes if q.question == "narrative.summary")
    assert "리명철" not in story.text and "명철" not in story.text
    assert "914" not in story.text and "3월 5일" not in story.text
    assert "[NAME]" in story.text and "[PHONE]" in story.text and "[DATE]" in story.text
    assert "16시간" in story.text
    assert story.redacted == {"NAME": 1, "DATE": 1, "PHONE": 1}
    assert all(q.keep and not q.edited for q in quotes)


def test_no_consent_or_withdrawn_means_no_quote() -> None:
    records = [_record(None), _record(False),
               _record(True, consent__withdrawn_on="2026-01-02")]
    assert [drafts_of(record) for record in records] == [[], [], []]


def test_empty_answers_are_skipped() -> None:
    assert drafts_of(_record(narrative__summary="   ", abuse__details=None)) == []


def test_what_a_final_text_still_gives_away() -> None:
    record = _record()
    assert still_identifying("[NAME]씨가 [DATE]에 전화했다.", record) == {}
    assert still_identifying("명철이가 +7 914 555 12 34 로 전화했다.", record) == {
        "NAME": 1, "PHONE": 1}


def _approved(record: Record, question: str, text: str) -> ApprovedQuote:
    return ApprovedQuote(record.id, 1, question, text, {"NAME": 1}, 1, "park",
                         "2026-12-01T10:00:00+00:00")


def test_the_export_takes_approved_text_of_records_that_still_consent() -> None:
    yes, no, withdrawn = (_record(True), _record(False),
                          _record(True, consent__withdrawn_on="2026-01-02"))
    approved = [_approved(r, "narrative.summary", f"[NAME] {i}")
                for i, r in enumerate((yes, no, withdrawn))]
    approved.append(_approved(yes, "abuse.details", "   "))
    quotes = publishable([yes, no, withdrawn], approved)
    assert [(q.question, q.text, q.redacted, q.keep, q.edited) for q in quotes] == [
        ("narrative.summary", "[NAME] 0", {"NAME": 1}, True, False)]
    assert publishable([no, withdrawn], approved) == []
    assert publishable([], approved) == []  # a record not in the export: no quote


def test_the_order_does_not_follow_the_records() -> None:
    records = [_record() for _i in range(40)]
    approved = [_approved(r, "narrative.summary", f"이야기 {i}번") for i, r in enumerate(records)]
    quotes = [q.text for q in publishable(records, approved, rng=random.Random(7))]
    assert sorted(quotes, key=lambda t: int(t.split()[1][:-1])) != quotes
    assert len(quotes) == 40


def test_kept_numbers_the_quotes_left_after_review() -> None:
    quotes = [Quote("narrative.summary", "하나"), Quote("abuse.details", "둘"),
              Quote("escape.details", "셋"), Quote("medical.details", "  ")]
    quotes[1].keep = False
    quotes[2].edit("셋, 고침")
    quotes[0].edit("하나")  # unchanged: not an edit
    assert kept(quotes) == [
        {"quote": "1", "question": "narrative.summary", "text": "하나"},
        {"quote": "2", "question": "escape.details", "text": "셋, 고침"}]
    assert quotes[2].edited and not quotes[0].edited
