"""Validating and normalizing answers, from the questionnaire's data alone.

Every value is checked against its question's type, code list and range and put into its
canonical JSON form (the JSONL encodings of shared/questionnaire.md); every text is NFC.
Errors name the question and a reason, as an ``N_()`` template the UI and CLI translate.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from intake.domain.questionnaire import (
    CURRENCIES,
    META_LABELS,
    Meta,
    QType,
    Question,
    Questionnaire,
)
from intake.domain.questions import FIRST_YEAR, LIST_MAX_ITEMS, current_year
from intake.domain.text_controls import code_point, first_refused
from intake.errors import ExitCode, IntakeError
from intake.i18n import N_, _

NOT_BOOL = N_("must be yes or no")
NOT_CODE = N_("“{value}” is not one of its codes")
NOT_CODES = N_("must be a list of its codes")
NOT_INT = N_("must be a whole number")
NOT_NUMBER = N_("must be a number")
BELOW = N_("must be at least {minimum}")
ABOVE = N_("must be at most {maximum}")
NOT_YEAR = N_("must be a year from {minimum} to {maximum}")
NOT_DATE = N_("must be a date written YYYY-MM-DD, YYYY-MM or YYYY, from {minimum} to today")
NOT_MONEY = N_("must be an amount of at least 0 with a currency (RUB, USD, CNY, EUR, KRW, KPW)")
NOT_TEXT = N_("must be text")
TOO_LONG = N_("is too long: at most {maximum} characters")
HIDDEN_CHARACTER = N_("contains a hidden character ({code}) that is not shown or changes how "
                      "the text reads; write it again without that character")
NOT_LIST = N_("must be a list of texts")
TOO_MANY = N_("has too many entries: at most {maximum}")
UNKNOWN_QUESTION = N_("is not a question of this questionnaire")
NOT_META = N_("“{value}” is not one of: unknown, declined, estimate")
NO_ESTIMATE = N_("cannot be marked as an estimate")
ESTIMATE_NEEDS_VALUE = N_("is marked as an estimate but has no value")
VALUE_AND_META = N_("has a value but is marked {meta}")

_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)


class AnswerError(IntakeError):
    """An answer that does not fit its question."""

    template = N_("{question}: {reason}")
    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, question: str, reason: str, **params: object) -> None:
        super().__init__(question=question, reason=reason, **params)
        self.question = question
        self.reason = reason

    def reason_text(self) -> str:
        extra = {k: _(META_LABELS[v]) if isinstance(v, Meta) else v
                 for k, v in self.params.items() if k not in ("question", "reason")}
        return _(self.reason).format(**extra)

    def message(self) -> str:
        return _(self.template).format(question=self.question, reason=self.reason_text())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _number(q: Question, value: Any, integral: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnswerError(q.id, NOT_INT if integral else NOT_NUMBER)
    if not _finite(value):
        raise AnswerError(q.id, NOT_INT if integral else NOT_NUMBER)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AnswerError(q.id, NOT_NUMBER)
        if integral:
            if not value.is_integer():
                raise AnswerError(q.id, NOT_INT)
            value = int(value)
    if q.minimum is not None and value < q.minimum:
        raise AnswerError(q.id, BELOW, minimum=_plain(q.minimum))
    if q.maximum is not None and value > q.maximum:
        raise AnswerError(q.id, ABOVE, maximum=_plain(q.maximum))
    return value


def _finite(number: int | float) -> bool:
    """A number a float can hold (a 400-digit integer from a JSON file cannot)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _text(q: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise AnswerError(q.id, NOT_TEXT)
    try:
        value.encode("utf-8")  # a lone surrogate (half a character) cannot be stored
    except UnicodeEncodeError as exc:
        raise AnswerError(q.id, NOT_TEXT) from exc
    value = nfc(value)
    # One-line answers (names, places, phone numbers, list items) refuse every hidden
    # character; a long text keeps them but NUL (intake/domain/text_controls.py).
    refused = first_refused(value, long_text=q.type is QType.LONGTEXT)
    if refused is not None:
        raise AnswerError(q.id, HIDDEN_CHARACTER, code=code_point(refused))
    if q.max_length is not None and len(value) > q.max_length:
        raise AnswerError(q.id, TOO_LONG, maximum=q.max_length)
    return value


def _date(q: Question, value: Any) -> str:
    if not isinstance(value, str):
        raise AnswerError(q.id, NOT_DATE, minimum=FIRST_YEAR)
    match = _DATE.fullmatch(value)
    if not match:
        raise AnswerError(q.id, NOT_DATE, minimum=FIRST_YEAR)
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        earliest = dt.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError as exc:
        raise AnswerError(q.id, NOT_DATE, minimum=FIRST_YEAR) from exc
    if year < FIRST_YEAR or earliest > dt.date.today():
        raise AnswerError(q.id, NOT_DATE, minimum=FIRST_YEAR)
    return value


def normalize(q: Question, value: Any) -> Any:
    """``value`` in canonical form for ``q``, or :class:`AnswerError`."""
    return _NORMALIZE[q.type](q, value)


def _normalize(q: Question, value: Any) -> Any:
    t = q.type
    if t is QType.BOOL:
        if not isinstance(value, bool):
            raise AnswerError(q.id, NOT_BOOL)
        return value
    if t is QType.CHOICE:
        if not isinstance(value, str) or q.codes is None or value not in q.codes:
            raise AnswerError(q.id, NOT_CODE, value=str(value)[:40])
        return value
    if t is QType.MULTI:
        if not isinstance(value, list) or q.codes is None:
            raise AnswerError(q.id, NOT_CODES)
        for item in value:
            if not isinstance(item, str) or item not in q.codes:
                raise AnswerError(q.id, NOT_CODE, value=str(item)[:40])
        return [c for c in q.codes.values() if c in value]  # code-list order, no repeats
    if t is QType.INT:
        return _number(q, value, integral=True)
    if t is QType.NUMBER:
        return _number(q, value, integral=False)
    if t is QType.YEAR:
        low, high = int(q.minimum or FIRST_YEAR), current_year()
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise AnswerError(q.id, NOT_YEAR, minimum=low, maximum=high)
        return value
    if t is QType.DATE:
        return _date(q, value)
    if t is QType.MONEY:
        if not isinstance(value, Mapping) or set(value) != {"amount", "currency"}:
            raise AnswerError(q.id, NOT_MONEY)
        amount, currency = value["amount"], value["currency"]
        if (isinstance(amount, bool) or not isinstance(amount, int | float)
                or not _finite(amount) or amount < 0 or currency not in CURRENCIES):
            raise AnswerError(q.id, NOT_MONEY)
        return {"amount": amount, "currency": currency}
    if t in (QType.TEXT, QType.LONGTEXT):
        return _text(q, value)
    if t is QType.LIST:
        if not isinstance(value, list):
            raise AnswerError(q.id, NOT_LIST)
        if len(value) > LIST_MAX_ITEMS:
            raise AnswerError(q.id, TOO_MANY, maximum=LIST_MAX_ITEMS)
        return [_text(q, item) for item in value]
    raise AssertionError(t)


def _choice(q: Question, value: Any) -> Any:
    if not isinstance(value, str) or q.codes is None or value not in q.codes:
        raise AnswerError(q.id, NOT_CODE, value=str(value)[:40])
    return value


#: the common types first-hand, the rest through the full chain
_NORMALIZE = {t: _normalize for t in QType} | {
    QType.CHOICE: _choice,
    QType.TEXT: _text,
    QType.LONGTEXT: _text,
}


def is_empty(value: Any) -> bool:
    """An empty text or list is no answer (the question was not answered)."""
    return value is None or (isinstance(value, str | list) and not (
        value.strip() if isinstance(value, str) else value))


_META_MARKS = frozenset(Meta)


def validate(
    questionnaire: Questionnaire, answers: Mapping[str, Any], meta: Mapping[str, Any],
    checked: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Both maps checked and in canonical form; empty answers are dropped. ``checked``:
    answers already in canonical form for this questionnaire (the stored record an
    autosave replaces); an answer equal to its value there, of the same type, is taken as
    it is (an autosave changes one or two of ~90)."""
    clean: dict[str, Any] = {}
    known = questionnaire._by_id  # one lookup per answer: an import checks ~100 a record
    before = checked or {}
    for qid, value in answers.items():
        if qid in before and type(value) is type(before[qid]) and value == before[qid]:
            clean[qid] = before[qid]
            continue
        question = known.get(qid) if isinstance(qid, str) else None
        if question is None:
            raise AnswerError(str(qid)[:80], UNKNOWN_QUESTION)
        # An empty set of codes is an answer ("none of these": no threats, no deductions);
        # an empty text or list of texts is no answer (``is_empty``, written out here).
        if value is None:
            continue
        kind = type(value)
        if (kind is str and not value.strip()) or (
                kind is list and not value and question.type is not QType.MULTI):
            continue
        clean[qid] = _NORMALIZE[question.type](question, value)
    marks: dict[str, str] = {}
    for qid, mark in meta.items():
        if qid not in questionnaire:
            raise AnswerError(str(qid)[:80], UNKNOWN_QUESTION)
        if mark not in _META_MARKS:
            raise AnswerError(qid, NOT_META, value=str(mark)[:40])
        question = questionnaire.question(qid)
        if mark == Meta.ESTIMATE:
            if not question.type.takes_estimate:
                raise AnswerError(qid, NO_ESTIMATE)
            if qid not in clean:
                raise AnswerError(qid, ESTIMATE_NEEDS_VALUE)
        elif qid in clean:
            raise AnswerError(qid, VALUE_AND_META, meta=Meta(mark))
        marks[qid] = str(mark)
    return clean, marks


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
            if not (qid in answers and mark in (Meta.UNKNOWN, Meta.DECLINED))}
