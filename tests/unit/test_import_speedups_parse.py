"""The JSON Lines reader's shortcuts (issue 17) read every file as the plain path reads it.

The shortcuts: a timestamp's text is parsed once per file (``parse_lines``' ``times``); a
line the fast path (orjson) read is not searched for an escaped lone surrogate (orjson
reads and writes none); a blank line is found without copying it. The plain path: the
standard decoder for every line (``as_written`` off), every timestamp parsed afresh. Both
read generated records and bad lines of every kind; the outcome compared is the records
(every field) or the error (its class, line, message and count of other bad lines). The
control shows the comparison sees a difference: without the surrogate search on the plain
path a lone surrogate is refused with another reason.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.errors import IntakeError
from intake.exchange.demo.generate import generate
from intake.exchange.formats import jsonl
from intake.exchange.formats.jsonl import InvalidLine, write_records

TODAY = dt.date(2026, 11, 27)
STAMP = "2026-11-27T09:00:00+00:00"


@pytest.fixture(scope="module")
def lines() -> list[str]:
    out = io.StringIO()
    records = list(generate(40, seed=11, author="kim", today=TODAY))
    for record in records[:20]:  # half with one timestamp, as another tool writes them
        record.created_at = record.updated_at = STAMP
    records[3].answers["narrative.summary"] = "a \\ud800 b \\\\ud83d c 🧱"  # backslashes
    write_records(records, out)
    return out.getvalue().splitlines(keepends=True)


def _edited(line: str, **changes: Any) -> str:
    document = json.loads(line)
    for key, value in changes.items():
        if key.startswith("answers."):
            document["answers"][key.removeprefix("answers.")] = value
        else:
            document[key] = value
    return json.dumps(document, ensure_ascii=False) + "\n"


def _bad_lines(lines: list[str]) -> list[str]:
    """Lines the reader refuses or reads another way than the fast path, one a kind."""
    good = lines[25]
    surrogate = good.replace('"narrative.summary":"', '"narrative.summary":"\\ud800', 1)
    pair = good.replace('"narrative.summary":"', '"narrative.summary":"\\ud83d\\ude00', 1)
    return [
        _edited(good, created_at="yesterday"), _edited(good, updated_at="2026-11-27T09:00"),
        _edited(good, created_at=20261127), _edited(good, updated_at=[STAMP]),
        _edited(good, created_at={"at": STAMP}), _edited(good, status=["draft"]),
        _edited(good, status="archived"), _edited(good, status=None),
        _edited(good, **{"answers.work.hours_per_day": 30}), _edited(good, extra=1),
        surrogate, pair, good.replace('"meta":{', '"meta":{"\\udc00x":"unknown",', 1),
        good.replace("\n", "\r\n"), good.replace('"revision":1,', '"revision":1,"revision":1,'),
        "", "   \n", "\u3000\n", "\x1c\x1d\n", "\t", " x \n", "{}\n", "[]\n", "not json\n",
    ]


def _outcome(lines: list[str]) -> Any:
    try:
        records = jsonl.parse_lines(lines, QUESTIONNAIRE, "kim")
    except IntakeError as exc:
        return type(exc).__name__, getattr(exc, "line", None), exc.message(), \
            getattr(exc, "others", None)
    return [(r.id, r.schema, r.revision, r.status, r.author, r.created_at, r.updated_at,
             r.answers, r.meta, [type(v) for v in r.answers.values()]) for r in records]


def _cases(lines: list[str]) -> list[list[str]]:
    """The whole good file, each bad line alone and among good ones, two bad ones."""
    bad = _bad_lines(lines)
    return [lines, *([line] for line in bad), *([*lines[:5], line, *lines[5:9]] for line in bad),
            [*lines[:3], bad[0], *lines[3:6], bad[0], bad[1]], [*lines, *lines[:2]]]


def test_the_fast_and_the_plain_path_read_every_file_alike(
        lines: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    cases = _cases(lines)
    fast = [_outcome(case) for case in cases]
    assert isinstance(fast[0], list) and len(fast[0]) == len(lines)
    assert sum(isinstance(found, tuple) for found in fast) > len(cases) // 2  # refusals too
    real = jsonl._timestamp
    monkeypatch.setattr(jsonl, "as_written", lambda line: None)
    monkeypatch.setattr(jsonl, "_timestamp",
                        lambda document, key, fail, times: real(document, key, fail, {}))
    assert [_outcome(case) for case in cases] == fast


def test_control_the_comparison_sees_a_lone_surrogate_read_without_its_search(
        lines: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    surrogate = [line for line in _bad_lines(lines) if "\\ud800" in line and "b \\" not in line]
    fast = _outcome(surrogate)
    assert "not valid Unicode" in fast[2]
    real = jsonl._document
    monkeypatch.setattr(jsonl, "_document", lambda number, line: (real(number, line)[0], True))
    assert _outcome(surrogate) != fast  # refused, but for another reason


def test_a_timestamp_read_once_per_file_gives_each_record_its_own_reading(
        lines: list[str]) -> None:
    whole = _outcome(lines)
    alone = [found for line in lines for found in _outcome([line])]
    assert whole == alone
    assert {record[5] for record in whole[:20]} == {STAMP}


def test_blank_lines_are_those_strip_empties() -> None:
    for text in ("", " ", "\t\n", "\u3000", "\x1c\x1d\x1e\x1f", "\x85", "\u2028", "\u200b",
                 "\ufeff", " x ", "x", "\x00"):
        assert (not text or text.isspace()) == (not text.strip()), repr(text)


@pytest.mark.parametrize(("body", "end", "too_long"), [
    (jsonl.MAX_LINE_BYTES, "\r\n", False), (jsonl.MAX_LINE_BYTES, "\n", False),
    (jsonl.MAX_LINE_BYTES, "", False), (jsonl.MAX_LINE_BYTES + 1, "\r\n", True),
    (jsonl.MAX_LINE_BYTES + 1, "", True), (jsonl.MAX_LINE_BYTES - 1, "\r\n", False)])
def test_a_line_is_too_long_by_its_bytes_without_its_end(
        tmp_path: Path, body: int, end: str, too_long: bool) -> None:
    """read_lines looks at a line's length without its end only for a long line (and reads
    the file 1 MiB at a time): the limit is where it was."""
    path = tmp_path / "long.jsonl"
    path.write_bytes(b"{}\n" + b"x" * body + end.encode() + (b"{}\n" if end else b""))
    if too_long:
        with pytest.raises(InvalidLine) as refused:
            list(jsonl.read_lines(path))
        assert refused.value.line == 2 and refused.value.reason == jsonl.LINE_TOO_LONG
    else:
        assert [len(line) for line in jsonl.read_lines(path)][:2] == [3, body + len(end)]
