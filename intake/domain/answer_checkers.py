"""The rule of each answer type (``FULL``, what ``normalize`` runs) and, built from it for
each question, a checker with its code set, bounds and limits bound in that accepts the
common well-formed value first-hand and hands everything else, errors included, to the
full rule (``intake.domain.answers.checkers``; an import checks ~95 answers a record).
Values are put into canonical JSON form (shared/questionnaire.md), texts into NFC; errors
name the question and an ``N_()`` reason. tests/unit/test_answer_checkers.py compares
both with a copy of the algorithm they replaced.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from itertools import groupby
from typing import Any

from intake.domain.questionnaire import CURRENCIES, META_LABELS, Meta, QType, Question
from intake.domain.questions import FIRST_YEAR, LIST_MAX_ITEMS
from intake.domain.text_controls import (
    _RANGES,
    HIDDEN,
    REFUSED_IN_LONG_TEXT,
    _character_class,
    code_point,
)
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

_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)
_hidden = HIDDEN.search
#: The hidden characters ``str.isprintable`` accepts (Hangul fillers, variation selectors,
#: the grapheme joiner…): in a printable text only these can be hidden.
_printable_hidden = re.compile(_character_class(tuple(  # consecutive code points as ranges
    (run[0][1], run[-1][1]) for run in (list(g) for _, g in groupby(enumerate(
        c for low, high in _RANGES for c in range(low, high + 1) if chr(c).isprintable()),
        lambda pair: pair[1] - pair[0]))))).search
_CURRENCY_SET = frozenset(CURRENCIES)
#: The members as plain names: ``QType.LONGTEXT`` is looked up through the enum's class at
#: each use (~0.15 µs; an import checks ~10 texts a record).
_LONGTEXT, _MULTI, _NUMBER = QType.LONGTEXT, QType.MULTI, QType.NUMBER
_normalize = unicodedata.normalize
#: Below this, an int or a float converts to a finite float (the largest is ~1.8e308).
_SURELY_FINITE = 1e308


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


class Clock:
    """Today's date, read when first needed: the answers of one call share one day
    (``date.today()`` costs ~2 µs; a record has ~5 years and dates)."""

    __slots__ = ("_today",)

    def __init__(self) -> None:
        self._today: dt.date | None = None

    def today(self) -> dt.date:
        if self._today is None:
            self._today = dt.date.today()
        return self._today


#: A checker's answer for an empty value: no answer (the question was not answered).
SKIP: Any = object()
Rule = Callable[[Question, Any, Clock], Any]
Checker = Callable[[Any, Clock], Any]


def nfc(text: str) -> str:
    return _normalize("NFC", text)


# -- the full rule of each type -------------------------------------------------------------
def _finite(number: int | float) -> bool:
    """A number a float can hold (a 400-digit integer from a JSON file cannot)."""
    try:
        return math.isfinite(number)
    except OverflowError:
        return False


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


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


def _text(q: Question, value: Any, clock: Clock | None = None) -> str:
    if not isinstance(value, str):
        raise AnswerError(q.id, NOT_TEXT)
    try:
        value.encode("utf-8")  # a lone surrogate (half a character) cannot be stored
    except UnicodeEncodeError as exc:
        raise AnswerError(q.id, NOT_TEXT) from exc
    value = _normalize("NFC", value)
    # One-line answers (names, places, phone numbers, list items) refuse every hidden
    # character; a long text keeps them but NUL (intake/domain/text_controls.py).
    if q.type is _LONGTEXT:
        refused = REFUSED_IN_LONG_TEXT if REFUSED_IN_LONG_TEXT in value else None
    else:
        found = (_printable_hidden if value.isprintable() else _hidden)(value)
        refused = None if found is None else found.group()
    if refused is not None:
        raise AnswerError(q.id, HIDDEN_CHARACTER, code=code_point(refused))
    if q.max_length is not None and len(value) > q.max_length:
        raise AnswerError(q.id, TOO_LONG, maximum=q.max_length)
    return value


def _earliest(value: str) -> dt.date | None:
    """The first day ``value`` stands for, or None: not a date from FIRST_YEAR on. (Not
    memoized: a birth date is an identifier, and a lock leaves no answer in the process.)"""
    match = _DATE.fullmatch(value)
    if not match:
        return None
    year, month, day = match.groups()
    try:  # a full date (most are) is YYYY-MM-DD here, which fromisoformat reads in C
        earliest = dt.date.fromisoformat(value) if day else dt.date(
            int(year), int(month) if month else 1, 1)
    except ValueError:
        return None
    return None if earliest.year < FIRST_YEAR else earliest


def _date(q: Question, value: Any, clock: Clock) -> str:
    if not isinstance(value, str) or (earliest := _earliest(value)) is None \
            or earliest > clock.today():
        raise AnswerError(q.id, NOT_DATE, minimum=FIRST_YEAR)
    return value


def _bool(q: Question, value: Any, clock: Clock) -> bool:
    if not isinstance(value, bool):
        raise AnswerError(q.id, NOT_BOOL)
    return value


def _choice(q: Question, value: Any, clock: Clock) -> Any:
    if not isinstance(value, str) or q.codes is None or value not in q.codes:
        raise AnswerError(q.id, NOT_CODE, value=str(value)[:40])
    return value


def _multi(q: Question, value: Any, clock: Clock) -> list[str]:
    if not isinstance(value, list) or q.codes is None:
        raise AnswerError(q.id, NOT_CODES)
    for item in value:
        if not isinstance(item, str) or item not in q.codes:
            raise AnswerError(q.id, NOT_CODE, value=str(item)[:40])
    return [c for c in q.codes.values() if c in value]  # code-list order, no repeats


def _year(q: Question, value: Any, clock: Clock) -> int:
    low, high = int(q.minimum or FIRST_YEAR), clock.today().year
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise AnswerError(q.id, NOT_YEAR, minimum=low, maximum=high)
    return value


def _money(q: Question, value: Any, clock: Clock) -> dict[str, Any]:
    if not isinstance(value, Mapping) or set(value) != {"amount", "currency"}:
        raise AnswerError(q.id, NOT_MONEY)
    amount, currency = value["amount"], value["currency"]
    if (isinstance(amount, bool) or not isinstance(amount, int | float)
            or not _finite(amount) or amount < 0 or currency not in CURRENCIES):
        raise AnswerError(q.id, NOT_MONEY)
    return {"amount": amount, "currency": currency}


def _list(q: Question, value: Any, clock: Clock) -> list[str]:
    if not isinstance(value, list):
        raise AnswerError(q.id, NOT_LIST)
    if len(value) > LIST_MAX_ITEMS:
        raise AnswerError(q.id, TOO_MANY, maximum=LIST_MAX_ITEMS)
    return [_text(q, item) for item in value]


FULL: dict[QType, Rule] = {
    QType.BOOL: _bool,
    QType.CHOICE: _choice,
    QType.MULTI: _multi,
    QType.INT: lambda q, value, clock: _number(q, value, integral=True),
    QType.NUMBER: lambda q, value, clock: _number(q, value, integral=False),
    QType.YEAR: _year,
    QType.DATE: _date,
    QType.MONEY: _money,
    QType.TEXT: _text,
    QType.LONGTEXT: _text,
    QType.LIST: _list,
}


def _slow(q: Question, rule: Rule, value: Any, clock: Clock) -> Any:
    """SKIP for no answer, else ``rule``'s answer. An empty set of codes is an answer ("none
    of these": no threats, no deductions); an empty text or list of texts is none."""
    if value is None:
        return SKIP
    kind = type(value)
    if (kind is str and (not value or value.isspace())) or (  # == not value.strip()
            kind is list and not value and q.type is not _MULTI):
        return SKIP
    return rule(q, value, clock)


# -- the compiled checkers: the common value first-hand, the rest through FULL --------------
def _bool_checker(q: Question) -> Checker:
    def check(value: Any, clock: Clock) -> Any:
        if value is True or value is False:
            return value
        return _slow(q, _bool, value, clock)
    return check


def _choice_checker(q: Question) -> Checker:
    codes = choice_codes(q)

    def check(value: Any, clock: Clock) -> Any:
        if type(value) is str and value in codes:
            return value
        return _slow(q, _choice, value, clock)
    return check


def _multi_checker(q: Question) -> Checker:
    if q.codes is None or len(set(q.codes.values())) != len(q.codes.values()):
        return _plain_checker(q)
    order = q.codes.values()
    bits = {code: 1 << i for i, code in enumerate(order)}
    chosen: dict[int, tuple[str, ...]] = {}  # a set of codes → them in code-list order

    def check(value: Any, clock: Clock) -> Any:
        if type(value) is list:
            mask = 0
            for item in value:
                bit = bits.get(item) if type(item) is str else None
                if bit is None:
                    break
                mask |= bit
            else:
                codes = chosen.get(mask)
                if codes is None:
                    if len(chosen) >= 4096:
                        chosen.clear()
                    codes = chosen[mask] = tuple(c for c in order if bits[c] & mask)
                return list(codes)
        return _slow(q, _multi, value, clock)
    return check


def _number_checker(q: Question) -> Checker:
    rule = FULL[q.type]
    low, high, floats = q.minimum, q.maximum, q.type is _NUMBER
    if low is None or high is None or not (_finite(low) and _finite(high)):
        return lambda value, clock: _slow(q, rule, value, clock)

    def check(value: Any, clock: Clock) -> Any:
        kind = type(value)  # within finite bounds, hence finite
        if (kind is int or (floats and kind is float)) and low <= value <= high:
            return value
        return _slow(q, rule, value, clock)
    return check


def _year_checker(q: Question) -> Checker:
    low = int(q.minimum or FIRST_YEAR)

    def check(value: Any, clock: Clock) -> Any:
        if type(value) is int and low <= value and value <= clock.today().year:
            return value
        return _slow(q, _year, value, clock)
    return check


def _date_checker(q: Question) -> Checker:
    def check(value: Any, clock: Clock) -> Any:
        if type(value) is str:
            earliest = _earliest(value)
            if earliest is not None and earliest <= clock.today():
                return value
        return _slow(q, _date, value, clock)
    return check


def _money_checker(q: Question) -> Checker:
    def check(value: Any, clock: Clock) -> Any:
        if type(value) is dict and len(value) == 2 and "amount" in value \
                and "currency" in value:
            amount, currency = value["amount"], value["currency"]
            if (type(amount) is int or type(amount) is float) and type(currency) is str \
                    and 0 <= amount < _SURELY_FINITE and currency in _CURRENCY_SET:
                return {"amount": amount, "currency": currency}
        return _slow(q, _money, value, clock)
    return check


def _text_checker(q: Question) -> Checker:
    limit = q.max_length
    long = q.type is _LONGTEXT

    def check(value: Any, clock: Clock) -> Any:
        if type(value) is str and value and not value.isspace():
            # ASCII is NFC and holds no surrogate; its hidden characters are exactly the
            # ones ``isprintable`` refuses (C0 and DEL)
            if value.isascii() and (limit is None or len(value) <= limit) and (
                    REFUSED_IN_LONG_TEXT not in value if long else value.isprintable()):
                return value
            return _text(q, value)
        return _slow(q, _text, value, clock)
    return check


def _list_checker(q: Question) -> Checker:
    limit = q.max_length

    def check(value: Any, clock: Clock) -> Any:
        if type(value) is list and 0 < len(value) <= LIST_MAX_ITEMS:
            return [item if type(item) is str and item.isascii() and item.isprintable()
                    and (limit is None or len(item) <= limit) else _text(q, item)
                    for item in value]
        return _slow(q, _list, value, clock)
    return check


def choice_codes(q: Question) -> frozenset[str]:
    """The codes a single choice's checker takes as they are (given as a ``str``)."""
    # a blank code (none today) is no answer, as any blank text: left to the full path
    return frozenset(c for c in q.codes.values() if c.strip()) if q.codes is not None \
        else frozenset()


def _plain_checker(q: Question) -> Checker:
    rule = FULL[q.type]
    return lambda value, clock: _slow(q, rule, value, clock)


#: the checker for a question, by its type
BUILD: dict[QType, Callable[[Question], Checker]] = {
    QType.BOOL: _bool_checker, QType.CHOICE: _choice_checker, QType.MULTI: _multi_checker,
    QType.INT: _number_checker, QType.NUMBER: _number_checker, QType.YEAR: _year_checker,
    QType.DATE: _date_checker, QType.MONEY: _money_checker, QType.TEXT: _text_checker,
    QType.LONGTEXT: _text_checker, QType.LIST: _list_checker,
}
