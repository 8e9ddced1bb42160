"""What an exported column is: the pseudonym, an ILO indicator, or a question's answer (or
one code of a multi answer released one column per code, ``<qid>.<code>``: multi.py).

One place decides it, so the codebook (exchange/formats/codebook.py) and the export
wizard's preview describe the same column the same way; and how far a quasi-identifier can
be generalized (its top level is ``*``, removed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from intake.domain.questionnaire import QType, Question, Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.analysis.anonymize.generalize import QuasiIdentifier

PSEUDONYM = "pseudonym"
ILO_PREFIX = "ilo."


class Kind(StrEnum):
    PSEUDONYM = "pseudonym"
    INDICATOR = "indicator"
    QUESTION = "question"
    OTHER = "other"  # none of ours (never written; shown as is)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    indicator: str | None = None  # for an indicator column
    question: Question | None = None  # for a question's column
    #: for a code column of a split multi answer: its code (``question`` is the question)
    code: str | None = None

    @property
    def option(self) -> str | None:
        """The English label of ``code`` (its code list's option), or None."""
        if self.code is None or self.question is None or self.question.codes is None:
            return None
        return self.question.codes.label(self.code)


def describe(name: str, questionnaire: Questionnaire = QUESTIONNAIRE) -> Column:
    if name == PSEUDONYM:
        return Column(name, Kind.PSEUDONYM)
    if name.startswith(ILO_PREFIX):
        return Column(name, Kind.INDICATOR, indicator=name[len(ILO_PREFIX):])
    if name in questionnaire:
        return Column(name, Kind.QUESTION, question=questionnaire.question(name))
    qid, _dot, code = name.rpartition(".")
    if qid in questionnaire:
        question = questionnaire.question(qid)
        if question.type is QType.MULTI and question.codes is not None and \
                code in question.codes:
            return Column(name, Kind.QUESTION, question=question, code=code)
    return Column(name, Kind.OTHER)


def top_level(question_id: str, questionnaire: Questionnaire = QUESTIONNAIRE) -> int:
    """The most general level of a quasi-identifier (``*``: the column removed)."""
    return QuasiIdentifier(questionnaire.question(question_id)).max_level
