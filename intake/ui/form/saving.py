"""How the interview form saves: the valid answers of its rows over the stored record, a
rule between answers that fails keeping that question's stored answer, and the words of the
save status ("Saved at 14:03:12", "Unsaved changes", "Not saved: …").

The form (``interview_form.py``) owns the state (the last stored record, the rows); these
helpers only compute from it, so a save that fails leaves the form as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from intake.dates import time_text
from intake.domain.answers import AnswerError
from intake.domain.questionnaire import QType
from intake.domain.record import ConsentRequired, Record
from intake.i18n import _, ngettext
from intake.services.interviews import InterviewService
from intake.ui.form import typed_state
from intake.ui.form.question_row import QuestionRow

CONSENT_QUESTION = "consent.internal_documentation"
TEXT_TYPES = (QType.TEXT, QType.LONGTEXT, QType.LIST)


def collect(
    saved: Record, shown: Iterable[str], rows: list[QuestionRow], show_errors: bool
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """Answers and marks: the rows' valid ones, the stored ones for the rest (``shown``:
    every question the form has a row for)."""
    shown = set(shown)
    answers = {k: v for k, v in saved.answers.items() if k not in shown}
    meta = {k: v for k, v in saved.meta.items() if k not in shown}
    errors: list[str] = []
    for row in rows:
        qid = row.question.id
        answer = row.validate() if show_errors else row.collect()
        if answer.error is not None:
            errors.append(qid)
            keep_stored(saved, qid, answers, meta)
            continue
        if answer.value is not None:
            answers[qid] = answer.value
        if answer.mark is not None:
            meta[qid] = answer.mark
    return answers, meta, errors


def keep_stored(saved: Record, qid: str, answers: dict[str, Any], meta: dict[str, str]) -> None:
    """Put the stored answer and mark of ``qid`` (or none) back in place of the typed one."""
    answers.pop(qid, None)
    meta.pop(qid, None)
    if qid in saved.answers:
        answers[qid] = saved.answers[qid]
    if qid in saved.meta:
        meta[qid] = saved.meta[qid]


def store(service: InterviewService, rows: Mapping[str, QuestionRow], saved: Record,
          candidate: Record, errors: list[str]) -> Record:
    """Save; returns the record as saved (its revision, time and derived answers). A rule
    between answers that fails keeps that question's stored answer. What the rows with an
    error hold is kept as the record's pending answers (typed_state.py), in the same
    transaction, so a lock or a crash never drops it."""
    while True:
        try:
            pending = {qid: typed_state.snapshot(rows[qid]) for qid in errors if qid in rows}
            return service.save(candidate, pending=pending)
        except (AnswerError, ConsentRequired) as error:
            qid = error.question if isinstance(error, AnswerError) else CONSENT_QUESTION
            row = rows.get(qid)
            if row is None or qid in errors:
                raise
            row.show_error(error)
            errors.append(qid)
            keep_stored(saved, qid, candidate.answers, candidate.meta)


def not_saved_text(reason: str) -> str:
    """The message of the dialog shown once when saving starts failing."""
    return _("The interview could not be saved: {reason}\n"
             "Your answers are still in the form; saving is "
             "tried again.").format(reason=reason)


def status_text(kind: str, data: Any) -> str:
    """The save status line for ``(kind, data)``: saved (the time and how many answers have
    an error), pending, failed (the reason) or none."""
    if kind == "saved":
        stamp, errors = data
        text = _("Saved at {time}").format(time=time_text(stamp))
        if errors:
            text += " · " + ngettext(
                "{count} answer has an error and was not saved",
                "{count} answers have an error and were not saved", errors,
            ).format(count=errors)
        return text
    if kind == "pending":
        return _("Unsaved changes")
    if kind == "failed":
        return _("Not saved: {reason}").format(reason=data)
    return ""
