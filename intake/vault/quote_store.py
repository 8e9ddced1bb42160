"""Quotes approved for publication (migration 8's ``approved_quotes``; docs/export.md, the
quotes).

A quote is drafted from a record's long answers by a holder of the identity key, redacted,
edited and approved (:mod:`intake.services.quotes`); only the approved text is kept here,
under the database key, because it is meant for publication: it is the one free text a
coordinator's anonymized export may include. The original answer stays in the record's
private section.

- ``seq`` numbers a record's quotes (1, 2, …); the export numbers its quotes afresh.
- ``redacted``: what the redaction replaced, as JSON ``{placeholder: count}`` (no text),
  and under ``"_rules"`` the version of the redaction rules the approval was checked
  against (:data:`intake.exchange.analysis.redact.RULES_VERSION`; absent: 1, before issue
  18), so that the export can tell a quote approved before the rules caught URLs, third
  parties' names or places (no migration: the column is JSON already).
- ``revision``: the record's revision the quote was drafted from.

Every function runs on the caller's connection and in the caller's transaction; nothing
here checks permissions or consent (the services do). Rows go with their record
(``ON DELETE CASCADE``) and with its identity when consent is withdrawn with a purge
(:func:`remove_all`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from intake.vault.database import Connection

#: Record ids per ``IN (…)`` query (well below SQLite's limit of bound parameters).
CHUNK = 500
_COLUMNS = "record_id, seq, question, text, redacted, revision, approved_by, approved_at"


@dataclass(frozen=True)
class NewQuote:
    """A quote to approve: the question it answers, the final text, what was redacted."""

    question: str
    text: str
    redacted: Mapping[str, int] = field(default_factory=dict)
    rules: int = 1  # the redaction rules the final text was checked against


@dataclass(frozen=True)
class ApprovedQuote:
    record_id: str
    seq: int
    question: str
    text: str
    redacted: dict[str, int]
    revision: int
    approved_by: str
    approved_at: str  # UTC ISO 8601
    rules: int = 1  # the redaction rules the approval was checked against (1: before 18)


_RULES = "_rules"


def _counts(text: str) -> tuple[dict[str, int], int]:
    value = json.loads(text)
    if not isinstance(value, dict):
        return {}, 1
    counts = {str(k): int(v) for k, v in value.items()
              if isinstance(v, int) and not str(k).startswith("_")}
    rules = value.get(_RULES, 1)
    return counts, rules if isinstance(rules, int) else 1


def _quote(row: Sequence[Any]) -> ApprovedQuote:
    record_id, seq, question, text, redacted, revision, user, at = row
    counts, rules = _counts(str(redacted))
    return ApprovedQuote(str(record_id), int(seq), str(question), str(text), counts,
                         int(revision), str(user), str(at), rules)


def _redacted_json(counts: Mapping[str, int], rules: int) -> str:
    clean: dict[str, int] = {str(k): int(v) for k, v in counts.items()
                             if not str(k).startswith("_")}
    if rules > 1:
        clean[_RULES] = int(rules)
    return json.dumps(clean, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def add(conn: Connection, record_id: str, quotes: Iterable[NewQuote], revision: int,
        user: str, at: str) -> list[int]:
    """Add ``quotes`` to the record's approved quotes; returns their numbers."""
    row = conn.execute("SELECT max(seq) FROM approved_quotes WHERE record_id = ?",
                       (record_id,)).fetchone()
    seq = int(row[0] or 0)
    added: list[int] = []
    for quote in quotes:
        seq += 1
        conn.execute(
            f"INSERT INTO approved_quotes ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (record_id, seq, quote.question, quote.text,
             _redacted_json(quote.redacted, quote.rules),
             int(revision), user, at))
        added.append(seq)
    return added


def replace(conn: Connection, record_id: str, quotes: Iterable[NewQuote], revision: int,
            user: str, at: str) -> list[int]:
    """Add ``quotes``, each in place of the record's earlier approved quote of the same
    question (a question keeps one approved quote); returns their numbers."""
    chosen = list(quotes)
    questions = sorted({quote.question for quote in chosen})
    for question in questions:
        conn.execute("DELETE FROM approved_quotes WHERE record_id = ? AND question = ?",
                     (record_id, question))
    return add(conn, record_id, chosen, revision, user, at)


def of_record(conn: Connection, record_id: str) -> list[ApprovedQuote]:
    """The record's approved quotes, in the order they were approved."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM approved_quotes WHERE record_id = ?"
                        " ORDER BY seq", (record_id,))
    return [_quote(row) for row in rows]


def of_records(conn: Connection, record_ids: Iterable[str]) -> list[ApprovedQuote]:
    """The approved quotes of every record in ``record_ids`` (by record, then number)."""
    ids = sorted(set(record_ids))
    found: list[ApprovedQuote] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(f"SELECT {_COLUMNS} FROM approved_quotes"
                            f" WHERE record_id IN ({marks})", chunk)
        found.extend(_quote(row) for row in rows)
    return sorted(found, key=lambda q: (q.record_id, q.seq))


def get(conn: Connection, record_id: str, seq: int) -> ApprovedQuote | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM approved_quotes"
                       " WHERE record_id = ? AND seq = ?", (record_id, seq)).fetchone()
    return _quote(row) if row is not None else None


def remove(conn: Connection, record_id: str, seq: int) -> bool:
    """Withdraw one approved quote; False when there was none with that number."""
    return conn.execute("DELETE FROM approved_quotes WHERE record_id = ? AND seq = ?",
                        (record_id, seq)).rowcount > 0


def remove_all(conn: Connection, record_id: str) -> int:
    """Every approved quote of the record (the identity purge); how many there were."""
    return conn.execute("DELETE FROM approved_quotes WHERE record_id = ?",
                        (record_id,)).rowcount
