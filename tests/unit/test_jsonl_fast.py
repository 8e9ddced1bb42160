"""The JSON Lines reader's fast path (orjson, taken only for a line exactly as the app
writes it) reads what the standard decoder reads, and never takes a line the standard
decoder refuses or words differently: a repeated key, NaN, a huge integer, a lone
surrogate, a BOM, other spacing or escapes all go the standard way."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.demo.generate import generate
from intake.exchange.formats import jsonl, jsonl_fast
from intake.exchange.formats.jsonl import InvalidLine, parse_lines, write_records

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    out = io.StringIO()
    records = list(generate(300, seed=4, author="kim", today=TODAY))
    records[0].answers["narrative.summary"] = "줄\u2028바꿈 \x85 \"따옴표\" \\ 🧱 \t\x01"
    write_records(records, out)
    return out.getvalue().splitlines(keepends=True)


def test_every_written_line_takes_the_fast_path_and_reads_the_same(lines: list[str]) -> None:
    fast = [jsonl_fast.as_written(line) for line in lines]
    assert sum(doc is not None for doc in fast) >= len(lines) - 1  # the \u2028 one may not
    for line, doc in zip(lines, fast, strict=True):
        if doc is not None:
            assert doc == jsonl._DECODER.decode(line)
            assert [type(v) for v in doc["answers"].values()] == [
                type(v) for v in jsonl._DECODER.decode(line)["answers"].values()]


def test_the_records_read_are_the_same_either_way(lines: list[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fast = parse_lines(lines, QUESTIONNAIRE, "kim")
    monkeypatch.setattr(jsonl, "as_written", lambda line: None)  # the standard way only
    slow = parse_lines(lines, QUESTIONNAIRE, "kim")
    assert [(r.id, r.answers, r.meta, r.status, r.created_at) for r in fast] == \
        [(r.id, r.answers, r.meta, r.status, r.created_at) for r in slow]


def _line(lines: list[str], old: str, new: str) -> str:
    line = lines[1]
    assert old in line
    return line.replace(old, new, 1)


@pytest.mark.parametrize(("old", "new"), [
    ('"revision":1,', '"revision":1,"revision":1,'),  # a repeated key, same value
    ('"revision":1,', '"revision":2,"revision":1,'),
    ('"revision":1,', '"revision":NaN,'),
    ('"revision":1,', '"revision":123456789012345678901234567890,'),
    ('"revision":1,', '"revision":1e0,'),
    ('"revision":1,', '"revision": 1,'),
    ('"status":"', '"status":"\\ud800'),
    ('"status":"', '"stat\\u0075s":"'),
])
def test_what_the_standard_decoder_must_judge_never_takes_the_fast_path(
        lines: list[str], old: str, new: str) -> None:
    line = _line(lines, old, new)
    assert jsonl_fast.as_written(line) is None


def test_a_repeated_key_is_refused_as_before(lines: list[str]) -> None:
    line = _line(lines, '"revision":1,', '"revision":2,"revision":1,')
    with pytest.raises(InvalidLine) as refused:
        parse_lines([line], QUESTIONNAIRE, "kim")
    assert refused.value.reason == jsonl.DUPLICATE_KEY


def test_a_bom_and_a_non_object_go_the_standard_way(lines: list[str]) -> None:
    assert jsonl_fast.as_written("\ufeff" + lines[1]) is None
    assert jsonl_fast.as_written("[1,2]\n") is None
    assert jsonl_fast.as_written(lines[1].rstrip("\n") + "\r\n") is None
