"""What matching reads of a testimony, and how the review shows it (services/duplicates.py).

:func:`facts_of` turns a record loaded with its private section (the identity key) into
:class:`PersonFacts`, in memory: nothing here writes, and nothing is kept beyond the
service call that built it. :func:`shown` words one answer as the review screen shows it,
in the user's language. Only the questions of :data:`MATCHING` (the facts' sources) and
none restricted to reviewers (``abuse.sexual``) ever reach the review: its fields come from
what matching compared, checked against this list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from intake.dates import stored_date_text
from intake.domain.linkage.facts import PersonFacts
from intake.domain.questionnaire import Meta, QType, Question, Questionnaire
from intake.domain.record import Record
from intake.i18n import N_, _

WITHDRAWN = "consent.withdrawn_on"
ESTIMATE_NOTE = N_("(estimate)")

#: The question each fact is read from (PersonFacts field → question id).
SOURCES: Mapping[str, str] = {
    "full_name": "identity.full_name",
    "aliases": "identity.aliases",
    "birth_date": "identity.birth_date",
    "birth_year": "profile.birth_year",
    "sex": "profile.sex",
    "home_province": "profile.home_province",
    "hometown": "identity.hometown_detail",
    "region": "deployment.destination_region",
    "year_departed": "deployment.year_departed",
    "year_ended": "deployment.year_ended",
    "dispatching_entity": "deployment.dispatching_entity",
    "worksite": "deployment.worksite",
    "contacts": "identity.contacts",
    "documents": "identity.documents",
}
#: The questions a review may show, in the order it shows them.
MATCHING: tuple[str, ...] = tuple(SOURCES.values())
_LISTS = frozenset({"aliases", "contacts", "documents"})
_YEARS = frozenset({"birth_year", "year_departed", "year_ended"})


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _year(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(item.strip() for item in value if isinstance(item, str) and item.strip())


def facts_of(record: Record) -> PersonFacts:
    """The facts of ``record`` (loaded with its private section; without it the
    identifying facts are simply empty)."""
    answers = record.answers
    values: dict[str, Any] = {}
    for fact, qid in SOURCES.items():
        value = answers.get(qid)
        if fact in _LISTS:
            values[fact] = _texts(value)
        elif fact in _YEARS:
            values[fact] = _year(value)
        else:
            values[fact] = _text(value)
    return PersonFacts(record.id, **values)


def is_withdrawn(record: Record) -> bool:
    """Consent withdrawn (and, with a purge, the identity gone): out of matching."""
    return bool(record.answers.get(WITHDRAWN))


def facts_of_all(records: Iterable[Record]) -> list[PersonFacts]:
    """The facts of every testimony not withdrawn."""
    return [facts_of(record) for record in records if not is_withdrawn(record)]


def _value_text(question: Question, value: Any) -> str:
    qtype = question.type
    if qtype is QType.CHOICE and question.codes is not None:
        return _(question.codes.label(str(value)))
    if qtype is QType.DATE:
        return stored_date_text(str(value))
    if qtype is QType.LIST and isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def shown(questionnaire: Questionnaire, qid: str, answers: Mapping[str, Any],
          meta: Mapping[str, str]) -> str:
    """One matching answer as display text ("" when not answered), an estimate noted."""
    if qid not in MATCHING or qid not in answers:
        return ""
    question = questionnaire.question(qid)
    if question.restricted:  # never: no matching question is restricted (tested)
        return ""
    text = _value_text(question, answers[qid])
    if meta.get(qid) == Meta.ESTIMATE:
        text += " " + _(ESTIMATE_NOTE)
    return text


def label(questionnaire: Questionnaire, qid: str) -> str:
    """The question's label in the user's language."""
    return _(questionnaire.question(qid).label) if qid in questionnaire else qid
