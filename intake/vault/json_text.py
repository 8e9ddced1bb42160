"""The JSON the vault stores (answers, meta, indicators, the private section's plaintext):
sorted keys, no spaces, UTF-8 as is — written by orjson, byte for byte what the standard
library's encoder writes with those settings, about three times faster (issue 17: 5,000
imported records spent 0.29 s encoding their answers with the standard encoder, 0.09 s
with orjson).

The standard encoder still writes what orjson would write differently or refuses:
- a float below 1e-4: Python writes ``7.97e-05`` and ``4.7e-07`` where orjson writes
  ``0.0000797`` and ``4.7e-7`` (every other float is written alike: 600,000 random ones
  compared). Any output holding ``e-`` or ``0.0000``, inside a string too, takes this way:
  slower, never different;
- a ``null`` (orjson writes NaN and infinities as null, the standard encoder ``NaN``);
- an integer beyond 64 bits, a lone surrogate, a key that is not a string, and a subclass,
  dataclass or date that orjson would encode where the standard encoder refuses it (the
  same error as before).
The checks are substring searches (a few µs for a record's answers; a regular expression
took 27–61 µs, as long as the encoding it checks).
tests/unit/test_json_text.py compares the two on every demo record and on those cases.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
            | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME)


def _orjson(value: object) -> bytes | None:
    """orjson's bytes for ``value``, or None where the standard encoder decides."""
    try:
        data = orjson.dumps(value, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is one: see the module doc
        return None
    # in orjson's output, what the standard encoder may write otherwise (see the module doc)
    return None if _e_minus(data) or b"0.0000" in data or b"null" in data else data


def _e_minus(data: bytes) -> bool:
    """``b"e-" in data``, found from the few hyphens (a date has two) that ``find`` reaches
    at memchr's speed: the search for the pair took 3.4 µs on a record's answers, this
    about 1 (a record's answers, private section and marks are each searched)."""
    at = data.find(b"-")
    while at >= 0:
        if at and data[at - 1] == 0x65:  # "e"
            return True
        at = data.find(b"-", at + 1)
    return False


def json_bytes(value: object) -> bytes:
    """``value`` as the vault stores it, UTF-8."""
    data = _orjson(value)
    return _ENCODER.encode(value).encode("utf-8") if data is None else data


def json_text(value: object) -> str:
    """``value`` as the vault stores it, as text (a TEXT column)."""
    if value == {}:
        return "{}"
    data = _orjson(value)
    return _ENCODER.encode(value) if data is None else data.decode("utf-8")


def json_loads(text: str | bytes) -> Any:
    """The vault's own JSON read back (answers, meta, the private section): orjson, about
    twice as fast on a record's answers; the standard decoder for what orjson refuses (an
    integer beyond 64 bits). Never for a file from outside: those are read by the JSON
    Lines reader, which refuses duplicate keys (exchange/formats/jsonl.py)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)
