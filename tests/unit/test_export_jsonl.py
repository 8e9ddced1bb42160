"""data.jsonl written by orjson is byte for byte what the standard encoder writes
(export_files.jsonl_bytes and _json_line), on every character class that JSON escapes or
that a line reader splits on, and it falls back where orjson refuses."""

from __future__ import annotations

import random

import pytest

from intake.exchange.formats import export_files
from intake.exchange.formats.export_files import jsonl_bytes


def _standard(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    return "".join(export_files._json_line({c: row[c] for c in columns}) + "\n"
                   for row in rows).encode("utf-8")


HARD = ["", "plain", "김철수 반장 동무", '"quoted" \\ back', "\n\r\t\b\f", "\x00\x01\x1f\x7f",
        "\x85 next line", "\u2028 line \u2029 para", "emoji 🧱 and 한글", "-9", "-8", "*",
        "\ufeff bom", "\u00a0nbsp", "</script>", "\ud7a3\ue000\uffff"]


def test_the_same_bytes_on_hard_text() -> None:
    columns = [f"c{i}" for i in range(len(HARD))]
    rng = random.Random(5)
    rows = [{c: rng.choice(HARD) + rng.choice(HARD) for c in columns} for _ in range(300)]
    rows.append(dict(zip(columns, HARD, strict=True)))
    fast = jsonl_bytes(columns, rows)
    assert fast == _standard(columns, rows)
    assert fast.count(b"\n") == len(rows)
    assert "\u2028".encode() not in fast and b"\xc2\x85" not in fast


@pytest.mark.parametrize("odd", [7, 0.00001, None])
def test_what_orjson_would_write_otherwise_takes_the_standard_way(odd: object) -> None:
    columns = ["a", "b"]
    rows = [{"a": "x", "b": "y"}, {"a": "z", "b": odd}]
    assert jsonl_bytes(columns, rows) == _standard(columns, rows)  # type: ignore[arg-type]


def test_columns_in_the_order_given_not_the_rows() -> None:
    rows = [{"b": "1", "a": "2", "c": "3"}]
    assert jsonl_bytes(["c", "a"], rows) == b'{"c":"3","a":"2"}\n'


def test_a_lone_surrogate_fails_as_before() -> None:
    rows = [{"a": "lone \ud800 surrogate"}]
    with pytest.raises(UnicodeEncodeError):
        _standard(["a"], rows)
    with pytest.raises(UnicodeEncodeError):
        jsonl_bytes(["a"], rows)
