"""What a record still lacks, section by section: the questions nobody answered and the
ones whose typed answer has an error. Plain data, no Qt, so the submit check's content is
tested without a window and the form counts a section it has not built yet (its progress
in the section list) from the stored record alone.

"Answered" is the form's word for the progress count: a value, or unknown, or declined
(the person was asked). An estimate is an answer. Whatever was typed but does not
validate is counted as an error, not as unanswered, since the record keeps the last valid
answer in its place.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from intake.domain.answers import is_empty
from intake.domain.questionnaire import Meta, Question, Section
from intake.domain.record import Record

MARKS = (Meta.UNKNOWN.value, Meta.DECLINED.value)


def is_answered(question: Question, record: Record) -> bool:
    """A value, unknown or declined stored for ``question``."""
    if record.meta.get(question.id) in MARKS:
        return True
    return question.id in record.answers and not is_empty(record.answers[question.id])


def answered_count(questions: Iterable[Question], record: Record) -> int:
    return sum(is_answered(q, record) for q in questions)


@dataclass(frozen=True)
class SectionGaps:
    """One section's unanswered questions and questions with an error, in their order."""

    section: Section
    total: int
    unanswered: tuple[Question, ...]
    invalid: tuple[Question, ...]

    @property
    def answered(self) -> int:
        return self.total - len(self.unanswered) - len(self.invalid)


def gaps(shown: Iterable[tuple[Section, Sequence[Question]]], record: Record,
         invalid: Collection[str]) -> list[SectionGaps]:
    """For each section with something missing or wrong (in the form's order): which.
    ``shown`` are the sections and questions the form shows; ``invalid`` the questions
    whose typed answer has an error now."""
    found = []
    for section, questions in shown:
        wrong = tuple(q for q in questions if q.id in invalid)
        missing = tuple(q for q in questions
                        if q.id not in invalid and not is_answered(q, record))
        if wrong or missing:
            found.append(SectionGaps(section, len(questions), missing, wrong))
    return found
