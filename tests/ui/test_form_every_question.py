"""Every question of the questionnaire can be entered through its editor, saved, read back
and shown again; and every question can be marked unknown or declined."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from intake.domain.answers import normalize
from intake.domain.questionnaire import CURRENCIES, QType, Question
from intake.domain.questions import QUESTIONNAIRE
from intake.services.interviews import InterviewService
from intake.ui.form.interview_form import InterviewForm
from intake.ui.kit.dialogs import Dialogs
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

DATES = ("2020-02-29", "2019-11", "2018")
#: Different currencies, so the state's share is not derived and keeps its typed value.
FIXED = {
    "wages.gross_monthly": {"amount": 1000, "currency": "USD"},
    "wages.state_quota_monthly": {"amount": 30000, "currency": "RUB"},
}


def valid_value(question: Question, index: int) -> Any:
    """A valid answer for ``question``, varied by its position in the questionnaire."""
    if question.id in FIXED:
        return FIXED[question.id]
    low = question.minimum or 0
    t = question.type
    values: dict[QType, Any] = {
        QType.BOOL: index % 2 == 0,
        QType.INT: int(min(low + 3, question.maximum or low + 3)),
        QType.NUMBER: min(low + 12.5, question.maximum or low + 12.5),
        QType.YEAR: 1980 + index % 40,
        QType.DATE: DATES[index % len(DATES)],
        QType.MONEY: {"amount": 100 + index + 0.5 * (index % 2),
                      "currency": CURRENCIES[index % len(CURRENCIES)]},
        QType.TEXT: f"한국어 답변 {index}",
        QType.LONGTEXT: f"첫째 줄 {index}\n둘째 줄: 벌목장",
        QType.LIST: ["하나", f"둘 {index}"],
    }
    if t is QType.CHOICE:
        assert question.codes is not None
        codes = question.codes.values()
        return codes[index % len(codes)]
    if t is QType.MULTI:
        assert question.codes is not None
        codes = question.codes.values()
        return [codes[0], codes[-1]]
    return values[t]


@pytest.fixture
def service(tmp_path: Path, policy: KdfPolicy) -> Iterator[InterviewService]:
    vault, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    yield InterviewService(vault)
    vault.close()


def make_form(qtbot: QtBot, service: InterviewService, record: Any = None) -> InterviewForm:
    form = InterviewForm(service, record or service.new_record(), True, Dialogs())
    qtbot.addWidget(form)
    return form


def test_every_question_is_entered_saved_and_shown_again(
    qtbot: QtBot, service: InterviewService
) -> None:
    form = make_form(qtbot, service)
    questions = list(QUESTIONNAIRE.questions())
    assert set(form.rows) == {q.id for q in questions}  # a reviewer sees every question
    answers: dict[str, Any] = {}
    meta: dict[str, str] = {}
    for index, question in enumerate(questions):
        value = valid_value(question, index)
        assert normalize(question, value) == value, question.id
        row = form.row(question.id)
        row.editor.set_value(value)
        if question.type.takes_estimate and index % 2 == 0:
            assert row.estimate is not None
            row.estimate.setChecked(True)
            meta[question.id] = "estimate"
        answers[question.id] = value
    assert form.has_unsaved_changes
    assert form.flush()
    assert form.invalid_questions() == []

    stored = InterviewService(service.vault).load(form.record.id)
    assert stored.answers == answers
    assert stored.meta == meta

    again = make_form(qtbot, service, stored)
    for question in questions:
        answer = again.row(question.id).collect()
        assert answer.value == answers[question.id], question.id
        assert answer.mark == meta.get(question.id), question.id
        assert again.row(question.id).is_answered()
    for page in again.section_pages:
        answered, total = page.progress()
        assert answered == total, page.section.id
    form.autosave.stop()
    again.autosave.stop()


def test_every_question_can_be_unknown_or_declined(
    qtbot: QtBot, service: InterviewService
) -> None:
    form = make_form(qtbot, service)
    meta = {}
    for index, question in enumerate(QUESTIONNAIRE.questions()):
        mark = ("unknown", "declined")[index % 2]
        form.row(question.id).set_mark(mark)
        meta[question.id] = mark
    assert form.flush()
    stored = service.load(form.record.id)
    assert stored.answers == {}
    assert stored.meta == meta
    again = make_form(qtbot, service, stored)
    for qid, mark in meta.items():
        assert again.row(qid).collect().mark == mark, qid
        assert not again.row(qid).editor.isEnabled()
    form.autosave.stop()
    again.autosave.stop()
