"""Validating and normalizing answers, from the questionnaire's data alone.

Every value is checked against its question's type, code list and range and put into its
canonical JSON form (the JSONL encodings of shared/questionnaire.md); every text is NFC.
Errors name the question and a reason, as an ``N_()`` template the UI and CLI translate.
The rule of each type, and the checker compiled from it for each question (what
:func:`validate` runs), are in ``intake.domain.answer_checkers``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from intake.domain.answer_checkers import (
    ABOVE,
    BELOW,
    BUILD,
    FULL,
    HIDDEN_CHARACTER,
    NOT_BOOL,
    NOT_CODE,
    NOT_CODES,
    NOT_DATE,
    NOT_INT,
    NOT_LIST,
    NOT_MONEY,
    NOT_NUMBER,
    NOT_TEXT,
    NOT_YEAR,
    SKIP,
    TOO_LONG,
    TOO_MANY,
    AnswerError,
    Checker,
    Clock,
    choice_codes,
    nfc,
)
from intake.domain.questionnaire import Meta, QType, Question, Questionnaire
from intake.i18n import N_

__all__ = [
    "ABOVE", "BELOW", "ESTIMATE_NEEDS_VALUE", "HIDDEN_CHARACTER", "NOT_BOOL", "NOT_CODE",
    "NOT_CODES", "NOT_DATE", "NOT_INT", "NOT_LIST", "NOT_META", "NOT_MONEY", "NOT_NUMBER",
    "NOT_TEXT", "NOT_YEAR", "NO_ESTIMATE", "TOO_LONG", "TOO_MANY", "UNKNOWN_QUESTION",
    "VALUE_AND_META", "AnswerError", "checkers", "is_empty", "marks_after_derivation", "nfc",
    "normalize", "state_share_percent", "validate", "with_derived",
]

UNKNOWN_QUESTION = N_("is not a question of this questionnaire")
NOT_META = N_("“{value}” is not one of: unknown, declined, estimate")
NO_ESTIMATE = N_("cannot be marked as an estimate")
ESTIMATE_NEEDS_VALUE = N_("is marked as an estimate but has no value")
VALUE_AND_META = N_("has a value but is marked {meta}")
_NOTHING: frozenset[Any] = frozenset()


#: id(questionnaire) → (the questionnaire, kept so that its id is not reused; its
#: checkers; the values each question takes as they are, see :func:`_as_is`)
_COMPILED: dict[int, tuple[Questionnaire, dict[str, Checker], dict[str, frozenset[Any]]]] = {}


def checkers(questionnaire: Questionnaire) -> dict[str, Checker]:
    """Question id → its checker (``check(value, clock)``: the canonical value, SKIP for
    no answer, or AnswerError), built on first use for this questionnaire object."""
    return _compiled(questionnaire)[1]


def _as_is(q: Question) -> frozenset[Any]:
    """The ``bool`` and ``str`` values ``q``'s checker returns as they are: yes and no for
    a yes/no question, the codes of a single choice. Those two types are two thirds of a
    record's answers, and :func:`validate` takes them without calling the checker (the
    call cost more than the check)."""
    if q.type is QType.BOOL:
        return frozenset((True, False))
    return choice_codes(q) if q.type is QType.CHOICE else _NOTHING


def _compiled(questionnaire: Questionnaire) -> tuple[
        Questionnaire, dict[str, Checker], dict[str, frozenset[Any]]]:
    entry = _COMPILED.get(id(questionnaire))
    if entry is not None and entry[0] is questionnaire:
        return entry
    table = {qid: BUILD[q.type](q) for qid, q in questionnaire._by_id.items()}
    as_is = {qid: _as_is(q) for qid, q in questionnaire._by_id.items()}
    if len(_COMPILED) >= 16:
        _COMPILED.clear()  # questionnaires made by tests; the app has one
    entry = _COMPILED[id(questionnaire)] = (questionnaire, table, as_is)
    return entry


def normalize(q: Question, value: Any) -> Any:
    """``value`` in canonical form for ``q``, or :class:`AnswerError`."""
    return FULL[q.type](q, value, Clock())


def is_empty(value: Any) -> bool:
    """An empty text or list is no answer (the question was not answered)."""
    return value is None or (isinstance(value, str | list) and not (
        value.strip() if isinstance(value, str) else value))


_META_MARKS = frozenset(Meta)
#: as plain names: a member is looked up through the enum's class at each use (~0.15 µs)
_ESTIMATE, _NO_VALUE = Meta.ESTIMATE, (Meta.UNKNOWN, Meta.DECLINED)


def validate(
    questionnaire: Questionnaire, answers: Mapping[str, Any], meta: Mapping[str, Any],
    checked: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Both maps checked and in canonical form; empty answers are dropped. ``checked``:
    answers already in canonical form for this questionnaire (the stored record an
    autosave replaces); an answer equal to its value there, of the same type, is taken as
    it is (an autosave changes one or two of ~90)."""
    clean: dict[str, Any] = {}
    _, table, as_is = _compiled(questionnaire)  # built once
    check_of, taken = table.get, as_is.get
    before = checked or {}
    clock = Clock()  # today, read once for the record's years and dates
    for qid, value in answers.items():
        if before and qid in before and type(value) is type(before[qid]) \
                and value == before[qid]:
            clean[qid] = before[qid]
            continue
        # a bool or str only: 1 == True, and 1 would be taken for yes
        if (value is True or value is False or type(value) is str) \
                and value in taken(qid, _NOTHING):
            clean[qid] = value  # what its checker returns
            continue
        check = check_of(qid) if type(qid) is str or isinstance(qid, str) else None
        if check is None:
            raise AnswerError(str(qid)[:80], UNKNOWN_QUESTION)
        result = check(value, clock)
        if result is not SKIP:
            clean[qid] = result
    return clean, _marks(questionnaire, meta, clean)


def _marks(questionnaire: Questionnaire, meta: Mapping[str, Any],
           clean: Mapping[str, Any]) -> dict[str, str]:
    known = questionnaire._by_id
    marks: dict[str, str] = {}
    for qid, mark in meta.items():
        if qid not in known:
            raise AnswerError(str(qid)[:80], UNKNOWN_QUESTION)
        if mark not in _META_MARKS:
            raise AnswerError(qid, NOT_META, value=str(mark)[:40])
        question = known[qid]
        if mark == _ESTIMATE:
            if not question.type.takes_estimate:
                raise AnswerError(qid, NO_ESTIMATE)
            if qid not in clean:
                raise AnswerError(qid, ESTIMATE_NEEDS_VALUE)
        elif qid in clean:
            raise AnswerError(qid, VALUE_AND_META, meta=Meta(mark))
        marks[qid] = str(mark)
    return marks


def state_share_percent(answers: Mapping[str, Any]) -> float | None:
    """wages.state_share_percent when the gross wage and the state's quota are known in the
    same currency (quota / gross × 100, at most 100), else None."""
    gross, quota = answers.get("wages.gross_monthly"), answers.get("wages.state_quota_monthly")
    if not gross or not quota or gross["currency"] != quota["currency"] or gross["amount"] <= 0:
        return None
    return round(min(100.0, quota["amount"] / gross["amount"] * 100), 1)


def with_derived(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with derived values filled in."""
    result = dict(answers)
    share = state_share_percent(answers)
    if share is not None:
        result["wages.state_share_percent"] = share
    return result


def marks_after_derivation(answers: Mapping[str, Any], meta: Mapping[str, str]) -> dict[str, str]:
    """The meta without an unknown or declined mark on a question that now has a value
    (a derived one): a value and such a mark cannot stand together."""
    return {qid: mark for qid, mark in meta.items()
            if not (qid in answers and mark in _NO_VALUE)}
