"""The answers' compiled checkers (intake/domain/answer_checkers.py) against the algorithm
they replaced, copied here as the oracle: the same clean answers and marks (values, types,
order) or the same error (type, question, reason, parameters, message) on 2,000 demo
records, on thousands of randomly broken ones and on autosaves (``checked=``)."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from intake.domain import answer_checkers
from intake.domain.answers import (
    ABOVE,
    BELOW,
    ESTIMATE_NEEDS_VALUE,
    HIDDEN_CHARACTER,
    NO_ESTIMATE,
    NOT_BOOL,
    NOT_CODE,
    NOT_CODES,
    NOT_DATE,
    NOT_INT,
    NOT_LIST,
    NOT_META,
    NOT_MONEY,
    NOT_NUMBER,
    NOT_TEXT,
    NOT_YEAR,
    TOO_LONG,
    TOO_MANY,
    UNKNOWN_QUESTION,
    VALUE_AND_META,
    AnswerError,
    checkers,
    normalize,
    validate,
)
from intake.domain.questionnaire import CURRENCIES, Meta, QType, Question, Questionnaire
from intake.domain.questions import FIRST_YEAR, LIST_MAX_ITEMS, QUESTIONNAIRE, current_year
from intake.domain.text_controls import HIDDEN, code_point, first_refused
from intake.exchange.demo.generate import generate

_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- the oracle: intake/domain/answers.py as it was before the checkers (commit 58dc286) ----

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


def reference_normalize(q: Question, value: Any) -> Any:
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


_META_MARKS = frozenset(Meta)


def reference_validate(
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


# -- comparing outcomes -----------------------------------------------------------------
def same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down, dicts in the same order."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def outcome(run: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        return ("ok", run())
    except AnswerError as exc:
        return ("error", type(exc), exc.question, exc.reason, exc.params, exc.message())
    except Exception as exc:  # noqa: BLE001 - the same non-answer error is part of the contract
        return ("error", type(exc), str(exc), exc.args)


def same_outcome(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "ok":
        return same(a[1], b[1])
    return a[1] is b[1] and all(same(x, y) for x, y in zip(a[2:], b[2:], strict=True))


def compare(questionnaire: Questionnaire, answers: Mapping[str, Any],
            meta: Mapping[str, Any], checked: Mapping[str, Any] | None = None) -> str:
    """"ok" or "error" when both agree; AssertionError with both outcomes when not."""
    old = outcome(lambda: reference_validate(questionnaire, answers, meta, checked))
    new = outcome(lambda: validate(questionnaire, answers, meta, checked))
    assert same_outcome(old, new), (answers, meta, checked, old, new)
    return str(old[0])


def test_the_comparison_can_fail() -> None:
    """Positive control: a changed type, order or message is seen."""
    assert same({"a": 14, "b": [1]}, {"a": 14, "b": [1]})
    assert not same({"a": 14}, {"a": 14.0})
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same({"a": {"amount": True}}, {"a": {"amount": 1}})
    error = ("error", AnswerError, "q", NOT_INT, {"question": "q", "reason": NOT_INT}, "m")
    assert same_outcome(error, error)
    assert not same_outcome(error, (*error[:3], NOT_NUMBER, *error[4:]))
    assert not same_outcome(error, ("error", ValueError, "q", (), None, None)[:4])


# -- demo records -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(r.answers, r.meta) for r in generate(2000, 17, "demo")]


def test_two_thousand_demo_records_give_the_same_answers(
        demo: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    results = [compare(QUESTIONNAIRE, answers, meta) for answers, meta in demo]
    assert results.count("ok") == len(demo)  # demo records are valid


# -- broken values -----------------------------------------------------------------------
class Text(str):
    pass


class Items(list):  # type: ignore[type-arg]
    pass


OTHER_CODES = sorted({c for q in QUESTIONNAIRE.questions() if q.codes for c in q.codes.values()})
TODAY = dt.date.today()
ANY = [
    None, "", "   ", "\u3000", "\x1c", "\t\n", [], {}, (), True, False, 0, 1, -1, 14, "14",
    14.0, 14.5, -0.0, float("nan"), float("inf"), -float("inf"), 10**400, -(10**400), [""],
    ["  "], ["x"], [1], [None], [[]], [["x"]], ("a",), Items(), Items(["a"]), Text("x"),
    Text(" "), Text(""), "x", "logging", "construction", "KR", "USD", 1939, 1940, 2000, 2000.0,
    "2000", current_year(), current_year() + 1, {"amount": 1, "currency": "USD"},
]
TEXTS = [
    "plain", "김철수 (데모)", "e\u0301", "\u1100\u1161", "a\u202eb", "a\x00b", "a\tb", "a\nb",
    "a\x7fb", "\u3164", "가\u3164", "a\ufe0fb", "a\U000e0100", "a\u034fb", "a\u200bb",
    "a\ud800b", "\ud800", "x" * 500, "x" * 501, "가" * 500, "가" * 501, "\u1100\u1161" * 300,
    "x" * 100_001, "a\u2028b", " lead", "trail ", "a\x85b", "\xa0", "a\U0001d173",
]
DATES = [
    "2020-01-01", "2020-1-1", "2020-02-29", "2021-02-29", "2020-13-01", "2020-00-10",
    "2020-04-31", "1939-12-31", "1940-01-01", "1940", "1939", "2020", "2020-05", "2020-00",
    "9999-01-01", "0000", "20-01-01", "２０２０-01-01", "2020-01-01\n", " 2020-01-01",
    "2020-01-01T00:00", TODAY.isoformat(), (TODAY + dt.timedelta(days=1)).isoformat(),
    TODAY.strftime("%Y-%m"), f"{TODAY.year + 1}", f"{TODAY.year}", "2020/01/01", 20200101,
]
MONEY = [
    {"amount": 0, "currency": "KPW"}, {"amount": 12.5, "currency": "RUB"},
    {"amount": -1, "currency": "USD"}, {"amount": -0.0, "currency": "USD"},
    {"amount": True, "currency": "USD"}, {"amount": "5", "currency": "USD"},
    {"amount": float("nan"), "currency": "USD"}, {"amount": float("inf"), "currency": "EUR"},
    {"amount": 10**400, "currency": "CNY"}, {"amount": 10**300, "currency": "CNY"},
    {"amount": 1.7e308, "currency": "KRW"}, {"amount": 1, "currency": "usd"},
    {"amount": 1, "currency": ["USD"]}, {"amount": 1, "currency": Text("USD")},
    {"amount": 1}, {"currency": "USD"}, {"amount": 1, "currency": "USD", "x": 1},
    {"currency": "USD", "amount": 3}, {"amount": None, "currency": "USD"},
    {"amount": 1, "currency": None}, [1, "USD"],
]


def values_for(q: Question, rng: random.Random) -> list[Any]:
    t = q.type
    if t in (QType.CHOICE, QType.MULTI):
        own = list(q.codes.values()) if q.codes else []
        code = rng.choice(own)
        pool = [code, code.upper(), code + " ", rng.choice(OTHER_CODES), Text(code)]
        if t is QType.MULTI:
            pool = [[code], [code, code], own[::-1], own[:3], [rng.choice(OTHER_CODES)],
                    [code, "bogus"], [1], [code, None], [[]], [code, [code]], tuple(own[:2]),
                    code, [], Items([code]), [Text(code)], own + own]
        return pool
    if t in (QType.INT, QType.NUMBER):
        low = q.minimum if q.minimum is not None else 0
        high = q.maximum if q.maximum is not None else 10**6
        return [low, high, low - 1, high + 1, float(low), float(high), low - 0.5, high + 0.5,
                (low + high) / 2, int((low + high) // 2), str(int(low)), True, 2**63, 1e308]
    if t is QType.YEAR:
        return [FIRST_YEAR - 1, FIRST_YEAR, current_year(), current_year() + 1, 2000, 2000.0,
                "2000", True, 10**400]
    if t is QType.DATE:
        return DATES
    if t is QType.MONEY:
        return MONEY
    if t is QType.LIST:
        return [[rng.choice(TEXTS)], [rng.choice(TEXTS), rng.choice(TEXTS)], ["a"] * 50,
                ["a"] * 51, ["a", 1], ["a", None], [""], ["a", "x" * 501], Items(["a"]),
                ("a",), "a", [], [[]]]
    return TEXTS


def mutated(rng: random.Random, answers: dict[str, Any], meta: dict[str, Any],
            questions: list[Question]) -> tuple[dict[str, Any], dict[str, Any]]:
    answers, meta = dict(answers), dict(meta)
    for _ in range(rng.choice((1, 1, 2, 3))):
        q = rng.choice(questions)
        roll = rng.random()
        if roll < 0.55:
            answers[q.id] = rng.choice(values_for(q, rng))
        elif roll < 0.75:
            answers[q.id] = rng.choice(ANY)
        elif roll < 0.8:
            answers.pop(q.id, None)
        elif roll < 0.85:
            answers[rng.choice(["nope.nope", "", q.id + " ", q.id.upper(), 5, None,
                                ("a",), Text("x.y")])] = True
        else:
            key = rng.choice([q.id, q.id, q.id, "nope.nope", 7])
            meta[key] = rng.choice(["unknown", "declined", "estimate", "estimate", "bogus",
                                    Meta.UNKNOWN, Meta.ESTIMATE, "Unknown", 1, None, ["x"],
                                    Text("declined")])
    if rng.random() < 0.3:  # another order: with several bad answers, which one is named
        items = list(answers.items())
        rng.shuffle(items)
        answers = dict(items)
    return answers, meta


def test_thousands_of_broken_records_give_the_same_answers_or_errors(
        demo: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    rng = random.Random(1717)
    questions = list(QUESTIONNAIRE.questions())
    results = [compare(QUESTIONNAIRE, *mutated(rng, *rng.choice(demo), questions))
               for _ in range(6000)]
    assert results.count("error") > 2000 and results.count("ok") > 500, (
        results.count("error"))  # both sides of every rule were reached


def test_each_value_of_each_question_alone(demo: Any) -> None:
    """Every question with every pool value, through validate and through normalize."""
    rng = random.Random(7)
    for q in QUESTIONNAIRE.questions():
        for value in values_for(q, rng) + ANY + TEXTS[:8] + DATES[:6] + MONEY[:6]:
            compare(QUESTIONNAIRE, {q.id: value}, {})
            old = outcome(lambda q=q, value=value: reference_normalize(q, value))
            new = outcome(lambda q=q, value=value: normalize(q, value))
            assert same_outcome(old, new), (q.id, value, old, new)


def test_autosaves_against_the_stored_answers_give_the_same_answers(
        demo: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """``checked=``: unchanged answers taken as stored, changed ones checked, a changed
    type (14 and "14" or 14.0) checked again."""
    rng = random.Random(99)
    questions = list(QUESTIONNAIRE.questions())
    for answers, meta in demo[:1500]:
        stored, _ = reference_validate(QUESTIONNAIRE, answers, meta)
        edited, marks = mutated(rng, stored, meta, questions)
        for qid in rng.sample(sorted(stored), 2):
            value = stored[qid]
            if type(value) is int and not isinstance(value, bool):
                edited[qid] = rng.choice([float(value), str(value), value])
        compare(QUESTIONNAIRE, edited, marks, stored)


# -- a questionnaire with the edge cases the interview does not have ----------------------
def edge_questionnaire() -> Questionnaire:
    from intake.domain.questionnaire import QClass, Section, codes

    odd = codes(("a", "A"), (" ", "blank"), ("", "empty"), ("b", "B"))
    twice = codes(("a", "A"), ("b", "B"), ("a", "A again"))
    op = QClass.OPERATIONAL
    return Questionnaire(version=9, sections=(Section("e", "E", (
        Question("e.int", QType.INT, op, "i"),
        Question("e.int_low", QType.INT, op, "i", minimum=-5),
        Question("e.num_high", QType.NUMBER, op, "n", maximum=2.5),
        Question("e.num_inf", QType.NUMBER, op, "n", minimum=0, maximum=float("inf")),
        Question("e.year", QType.YEAR, op, "y"),
        Question("e.year_late", QType.YEAR, op, "y", minimum=2010),
        Question("e.choice", QType.CHOICE, op, "c", codes=odd),
        Question("e.choice_none", QType.CHOICE, op, "c"),
        Question("e.multi", QType.MULTI, op, "m", codes=twice),
        Question("e.multi_odd", QType.MULTI, op, "m", codes=odd),
        Question("e.multi_none", QType.MULTI, op, "m"),
        Question("e.text", QType.TEXT, op, "t"),
        Question("e.long", QType.LONGTEXT, op, "t", max_length=3),
        Question("e.list", QType.LIST, op, "l"),
        Question("e.money", QType.MONEY, op, "m"),
    )),))


EDGE_VALUES = [
    0, 1, -5, -6, 2.5, 2.6, 3, 10**400, 1e308, float("inf"), 2009, 2010, 1940, 1939, "a",
    " ", "", "b", "c", ["a"], ["a", "a"], ["b", "a"], ["a", "c"], [" "], [""], [], ["a", " "],
    "abcd", "abc", "ab\x00", "가나다라", "x" * 1000, ["x" * 1000], {"amount": 1, "currency": "USD"},
]


def test_edge_questionnaire_gives_the_same_answers() -> None:
    questionnaire = edge_questionnaire()
    assert checkers(questionnaire) is checkers(questionnaire)
    questions = list(questionnaire.questions())
    for q in questions:
        for value in EDGE_VALUES + ANY:
            compare(questionnaire, {q.id: value}, {})
            compare(questionnaire, {q.id: value}, {q.id: "estimate"})
            compare(questionnaire, {q.id: value}, {q.id: "unknown"})


def test_the_cache_holds_one_table_per_questionnaire() -> None:
    first, second = edge_questionnaire(), edge_questionnaire()
    assert checkers(first) is not checkers(second)
    assert checkers(QUESTIONNAIRE) is checkers(QUESTIONNAIRE)


def test_the_printable_hidden_characters_are_all_the_hidden_printable_ones() -> None:
    """The one-line text's shortcut (a printable text is searched for fewer characters)
    finds exactly what HIDDEN finds, character by character."""
    search = answer_checkers._printable_hidden
    for code in range(0x110000):
        char = chr(code)
        if char.isprintable():
            assert (search(char) is None) == (HIDDEN.search(char) is None), hex(code)
