"""Why nothing may be exported, said per reason: a draft that has consent is told to be
submitted, not that it lacks consent (the message used to be fixed whatever the reason)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from intake import i18n
from intake.domain.record import Record, Status
from intake.exchange.analysis.anonymize.pipeline import NothingToExport, anonymize
from intake.exchange.demo.generate import generate

TODAY = dt.date(2026, 11, 27)
CONSENT = "consent.anonymized_statistics"
WITHDRAWN = "consent.withdrawn_on"


def records(n: int, *, status: Status = Status.SUBMITTED, consent: bool = True,
            withdrawn: bool = False) -> list[Record]:
    made = list(generate(n, seed=11, author="kim", today=TODAY))
    for record in made:
        record.status = status
        record.answers[CONSENT] = consent
        record.answers.pop(WITHDRAWN, None)
        if withdrawn:
            record.answers[WITHDRAWN] = "2026-11-20"
    return made


def refusal(given: list[Record]) -> str:
    with pytest.raises(NothingToExport) as refused:
        anonymize(given, k=2, l=1)
    return refused.value.message()


@pytest.fixture
def korean() -> Iterator[None]:
    i18n.set_language("ko")
    yield
    i18n.set_language("en")


def test_a_draft_with_consent_is_told_to_be_submitted() -> None:
    text = refusal(records(1, status=Status.DRAFT))
    assert "draft" in text and "Submit it first" in text
    assert "consent" not in text.replace("only submitted", "")  # not a consent problem


def test_each_single_reason_has_its_own_message() -> None:
    drafts = refusal(records(3, status=Status.DRAFT))
    assert "all 3 testimonies are still drafts" in drafts
    no_consent = refusal(records(3, consent=False))
    assert "none of the 3 testimonies has consent to anonymized statistics" in no_consent
    withdrawn = refusal(records(2, withdrawn=True))
    assert "consent was withdrawn for all 2 testimonies" in withdrawn
    nothing = refusal([])
    assert "Clear the filters" in nothing
    assert len({drafts, no_consent, withdrawn, nothing}) == 4


def test_a_mix_of_reasons_counts_each() -> None:
    mixed = (records(2, status=Status.DRAFT) + records(1, consent=False)
             + records(3, withdrawn=True))
    lines = refusal(mixed).splitlines()
    assert lines[0] == "No record may be exported. Of 6 testimonies:"
    assert sorted(lines[1:]) == sorted([
        "– 2 are still drafts: submit them first",
        "– 1 has no consent to anonymized statistics",
        "– 3 have their consent withdrawn",
    ])


def test_a_record_that_may_be_exported_raises_nothing() -> None:
    """The positive control: the same records, submitted with consent, are exported."""
    result = anonymize(records(6), k=2, l=1, max_suppression=1.0)
    assert result.records_in == 6 and result.excluded == {}


def test_the_messages_are_translated(korean: None) -> None:
    draft = refusal(records(1, status=Status.DRAFT))
    assert "초안" in draft and "제출" in draft
    mixed = refusal(records(2, status=Status.DRAFT) + records(2, consent=False))
    assert all(any("\uac00" <= c <= "\ud7a3" for c in line) for line in mixed.splitlines())
