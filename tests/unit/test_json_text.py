"""The vault's JSON is written by orjson (intake/vault/json_text.py) and must be byte for
byte what the standard encoder (sorted keys, no spaces, UTF-8 as is) writes: a stored row
compared with a new one, a keyed digest of a released row and an old vault read by a new
release all rest on it. Compared on every section of 2,000 demo records and on every case
where the two encoders differ or refuse; a control shows the comparison sees orjson's
own output where it differs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import math
import random
import struct
from typing import Any

import orjson
import pytest

from intake.domain import indicators
from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.demo.generate import generate
from intake.vault import identity
from intake.vault.json_text import json_bytes, json_text

STANDARD = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Kind(enum.StrEnum):
    A = "a"


@dataclasses.dataclass
class Point:
    x: int


def _standard(value: Any) -> str:
    return STANDARD.encode(value)


def test_every_section_of_the_demo_records_is_written_as_the_standard_encoder_writes() -> None:
    seen = 0
    for record in generate(2000, seed=3, author="kim", today=dt.date(2026, 11, 27)):
        answers, meta, id_answers, id_meta = record.split(QUESTIONNAIRE)
        found = {k: str(v) for k, v in indicators.derive(record.answers).items()}
        for value in (record.answers, answers, meta, id_answers, id_meta, found):
            assert json_text(value) == ("{}" if value == {} else _standard(value))
            seen += 1
        private = identity.plaintext(id_answers, id_meta)
        if private is not None:
            assert private == _standard({"answers": id_answers, "meta": id_meta}).encode()
    assert seen == 12_000


@pytest.mark.parametrize("value", [
    {"wage": 1e16}, {"wage": 1e-7}, {"w": 5e-324}, {"w": 7.97e-05}, {"name": "Tae-ho"},
    [1e22, 0.5, -0.0, 3.0], {"n": 2 ** 64}, {"n": -2 ** 70},
    {"note": "1e5 원"}, {"a": None}, [None, True, False], {"k": "\u00e9\u0301 김철수 \u200b"},
    {"emoji": "🙂", "tab": "a\tb\n\"c\"\\"}, {"b": 1, "a": {"d": [1, {"z": 0, "y": 1}]}},
    {1: "int key", "2": "x"}, {"e": Kind.A}, {"nan": math.nan}, {"inf": -math.inf},
    {"s": "\ud800"}, [], {}, "text", 12, 1.5,
])
def test_where_the_encoders_differ_or_refuse_the_standard_one_decides(value: Any) -> None:
    try:
        expected = _standard(value)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            json_text(value)
        return
    assert json_text(value) == ("{}" if value == {} else expected)
    try:
        assert json_bytes(value) == expected.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no UTF-8 for it either way
        with pytest.raises(UnicodeEncodeError):
            expected.encode("utf-8")


def _floats(count: int, seed: int) -> list[float]:
    """Random finite floats: any bit pattern, plain magnitudes, and every decade."""
    rng, found = random.Random(seed), []
    while len(found) < count:
        kind = len(found) % 3
        value = (struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] if kind == 0
                 else rng.uniform(-1e6, 1e6) if kind == 1
                 else rng.random() * 10 ** rng.randint(-30, 30))
        if math.isfinite(value):
            found.append(value)
    return found


def test_every_float_is_written_as_the_standard_encoder_writes() -> None:
    values = _floats(60_000, seed=5)
    assert [json_text([v]) for v in values] == [_standard([v]) for v in values]
    differ = sum(orjson.dumps([v]).decode() != _standard([v]) for v in values)
    assert differ > 500  # control: orjson alone writes hundreds of them otherwise


@pytest.mark.parametrize("value", [Point(1), {"at": dt.datetime(2026, 1, 1)},
                                   {"d": dt.date(2026, 1, 1)}])
def test_what_the_standard_encoder_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        _standard(value)
    with pytest.raises(TypeError):
        json_text(value)


@pytest.mark.parametrize("value", [{"wage": 1e-7}, {"wage": 7.97e-05}, {"nan": math.nan},
                                   {1: "x"}])
def test_positive_control_orjson_alone_writes_these_otherwise(value: Any) -> None:
    """Where the module falls back, orjson's own output differs from the standard one
    (or it refuses): the cases above test something."""
    try:
        own = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return
    assert own != _standard(value)
