"""The steps of a save made cheaper for issue 17 (autosave near the floor) give what they
gave before: the changed questions, the reviewers' and consent questions (worked out once
per questionnaire), and the text index asked whether it is attached only when needed."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.services import record_changes, saving
from intake.services.interviews import InterviewService
from intake.vault.records import RecordStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

VALUES = [None, 0, 1, 1.0, True, False, "", "x", [1], {"a": 1}, float("nan")]


def _differs_before(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """The rule as it was written before (a missing key counts as None)."""
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


def test_the_changed_keys_are_those_of_the_rule_before() -> None:
    rng = random.Random(17)
    seen = {"missing vs None": 0, "missing vs a value": 0}
    for _ in range(20_000):
        before = {k: rng.choice(VALUES) for k in "abcde" if rng.random() < 0.6}
        after = {k: rng.choice(VALUES) for k in "abcde" if rng.random() < 0.6}
        assert record_changes._differs(before, after) == _differs_before(before, after)
        for k in before.keys() ^ after.keys():
            value = before.get(k, after.get(k))
            seen["missing vs None" if value is None else "missing vs a value"] += 1
    assert min(seen.values()) > 1000  # the cases a wrong rule would get wrong were there


def _sections_with_reviewers(reviewers: bool) -> Any:
    return replace(QUESTIONNAIRE, sections=tuple(
        replace(s, reviewers_only=reviewers if s.id == "consent" else s.reviewers_only)
        for s in QUESTIONNAIRE.sections))


def test_the_reviewer_and_consent_questions_are_each_questionnaires_own() -> None:
    expected = {q.id for s in QUESTIONNAIRE.sections if s.reviewers_only
                for q in s.questions}
    assert expected and set(saving.reviewer_ids(QUESTIONNAIRE)) == expected
    assert saving.reviewer_ids(QUESTIONNAIRE) is saving.reviewer_ids(QUESTIONNAIRE)
    # control: another questionnaire (consent made a reviewers' section) gets its own
    other = _sections_with_reviewers(True)
    consent = set(record_changes.consent_ids(QUESTIONNAIRE))
    assert consent and set(saving.reviewer_ids(other)) == expected | consent
    assert set(saving.reviewer_ids(QUESTIONNAIRE)) == expected
    assert record_changes.consent_ids(other) == record_changes.consent_ids(QUESTIONNAIRE)
    assert consent == {q.id for s in QUESTIONNAIRE.sections if s.id == "consent"
                       for q in s.questions}


@pytest.fixture
def vault(created_vault: tuple[Path, str]) -> Iterator[Vault]:
    with Vault.open(created_vault[0], USER, PASSPHRASE) as opened:
        yield opened


def test_a_save_does_not_ask_whether_the_index_is_attached(vault: Vault) -> None:
    service = InterviewService(vault)
    record = service.new_record()
    record.answers.update({"consent.internal_documentation": True,
                           "narrative.summary": "asked once"})
    record = service.save(record)
    statements: list[str] = []
    vault.connection().set_trace_callback(statements.append)
    service.save(replace(record, answers={**record.answers, "narrative.summary": "again"}))
    assert not [s for s in statements if "database_list" in s]
    # control: a text search asks, and the store knows the index is attached
    assert service.text_ids("again") == [record.id]
    assert [s for s in statements if "database_list" in s]
    assert RecordStore(vault.connection(), vault.identity_key, QUESTIONNAIRE).text.attached
    assert not RecordStore(vault.connection(), None, QUESTIONNAIRE).text.attached
