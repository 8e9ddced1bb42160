"""The review's tables (migration 4): status history, indicator overrides, consent
decisions, tombstones of purged identities; and the purge itself.

Every function runs on the caller's connection and inside the caller's transaction (the
services open one with :func:`joined` so that a change, its history row and its audit entry
commit together). Nothing here checks permissions: that is the services' job
(:mod:`intake.services.review`).

- ``record_status_history``: one row per status transition, numbered per record.
- ``indicator_overrides``: a reviewer's final value (``present``/``absent``) of one derived
  ILO indicator, with the reason (internal review text: sealed with the identity key,
  :data:`intake.vault.private.OVERRIDE_REASON`; it never reaches the audit log).
- ``consent_decisions``: each consent decision (a scope's ``yes``/``no``, a withdrawal)
  with the date the person gave it; the record's ``consent.*`` answers hold the current
  values, this table when and by whom each was recorded.
- ``record_tombstones``: the id of a record whose identity section was purged, the date
  and who did it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from intake.domain.indicators import INDICATOR_IDS, Finding, present_count
from intake.vault import person_links, private
from intake.vault.database import Connection, transaction
from intake.vault.record_index import TextIndex, is_attached


@contextlib.contextmanager
def joined(conn: Connection) -> Iterator[bool]:
    """Join the open transaction, or open one (``BEGIN IMMEDIATE``); yields whether this
    call opened it (and so commits it)."""
    if conn.in_transaction:
        yield False
        return
    with transaction(conn):
        yield True


# -- status history -----------------------------------------------------------------------
@dataclass(frozen=True)
class StatusChange:
    seq: int  # 1, 2, … per record
    from_status: str
    to_status: str
    user: str
    at: str  # UTC ISO 8601


def add_status_change(conn: Connection, record_id: str, from_status: str, to_status: str,
                      user: str, at: str) -> int:
    row = conn.execute("SELECT max(seq) FROM record_status_history WHERE record_id = ?",
                       (record_id,)).fetchone()
    seq = int(row[0] or 0) + 1
    conn.execute(
        "INSERT INTO record_status_history (record_id, seq, from_status, to_status, user, at)"
        " VALUES (?, ?, ?, ?, ?, ?)", (record_id, seq, from_status, to_status, user, at))
    return seq


def status_history(conn: Connection, record_id: str) -> list[StatusChange]:
    rows = conn.execute(
        "SELECT seq, from_status, to_status, user, at FROM record_status_history"
        " WHERE record_id = ? ORDER BY seq", (record_id,))
    return [StatusChange(*row) for row in rows]


# -- indicator overrides ------------------------------------------------------------------
@dataclass(frozen=True)
class Override:
    indicator: str
    value: Finding  # PRESENT or ABSENT
    reason: str
    user: str
    at: str


def overrides(conn: Connection, record_id: str,
              identity_key: bytes | None = None) -> dict[str, Override]:
    """The record's overrides; their reasons only with the identity key (else "")."""
    rows = conn.execute(
        "SELECT indicator, value, reason, user, at FROM indicator_overrides"
        " WHERE record_id = ?", (record_id,))
    return {indicator: Override(indicator, Finding(value), private.unseal_text(
                identity_key, private.OVERRIDE_REASON.context(record_id, indicator), sealed)
                if identity_key is not None else "", user, at)
            for indicator, value, sealed, user, at in rows}


def all_overrides(conn: Connection) -> dict[str, dict[str, Finding]]:
    """record id → indicator → final value, for every record with an override."""
    found: dict[str, dict[str, Finding]] = {}
    for record_id, indicator, value in conn.execute(
            "SELECT record_id, indicator, value FROM indicator_overrides"):
        found.setdefault(record_id, {})[indicator] = Finding(value)
    return found


def set_override(conn: Connection, record_id: str, indicator: str, value: Finding,
                 reason: str, user: str, at: str, identity_key: bytes) -> None:
    """Set an override; the reason is sealed (only holders of the identity key review)."""
    sealed = private.seal_text(identity_key, private.OVERRIDE_REASON.context(record_id, indicator),
                               reason)
    conn.execute(
        "INSERT INTO indicator_overrides (record_id, indicator, value, reason, user, at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (record_id, indicator) DO UPDATE SET"
        " value = excluded.value, reason = excluded.reason, user = excluded.user,"
        " at = excluded.at", (record_id, indicator, value.value, sealed, user, at))


def clear_override(conn: Connection, record_id: str, indicator: str) -> bool:
    """Remove an override; False when there was none."""
    cursor = conn.execute(
        "DELETE FROM indicator_overrides WHERE record_id = ? AND indicator = ?",
        (record_id, indicator))
    return bool(cursor.rowcount)


def final_findings(derived: Mapping[str, Finding],
                   overridden: Mapping[str, Finding | Override]) -> dict[str, Finding]:
    """The derived findings with the overrides applied."""
    final = dict(derived)
    for indicator, value in overridden.items():
        final[indicator] = value.value if isinstance(value, Override) else value
    return final


def set_findings(conn: Connection, record_id: str, findings: Mapping[str, Finding]) -> None:
    """Rewrite what the record list filters and counts by (``records.indicators``,
    ``indicators_present`` and ``record_findings``) after an override changed."""
    row = conn.execute("SELECT rid FROM records WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        return
    rid = int(row[0])
    as_json = json.dumps({k: str(v) for k, v in findings.items()}, ensure_ascii=False,
                         sort_keys=True, separators=(",", ":"))
    conn.execute("UPDATE records SET indicators = ?, indicators_present = ? WHERE rid = ?",
                 (as_json, present_count(findings), rid))
    conn.execute(
        f"DELETE FROM record_findings WHERE rid = ? AND indicator IN"
        f" ({', '.join('?' * len(INDICATOR_IDS))})", (rid, *INDICATOR_IDS))
    conn.executemany("INSERT INTO record_findings (indicator, rid) VALUES (?, ?)",
                     [(name, rid) for name, value in findings.items()
                      if value == Finding.PRESENT])


# -- consent ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConsentDecision:
    seq: int
    question: str  # a consent.* question id
    value: str  # "yes", "no", or for consent.withdrawn_on the date (YYYY-MM-DD)
    decided_on: str  # YYYY-MM-DD: when the person decided
    user: str  # who recorded it
    at: str  # when it was recorded (UTC ISO 8601)


def add_consent_decision(conn: Connection, record_id: str, question: str, value: str,
                         decided_on: str, user: str, at: str) -> None:
    row = conn.execute("SELECT max(seq) FROM consent_decisions WHERE record_id = ?",
                       (record_id,)).fetchone()
    conn.execute(
        "INSERT INTO consent_decisions (record_id, seq, question, value, decided_on, user, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (record_id, int(row[0] or 0) + 1, question, value, decided_on, user, at))


def consent_decisions(conn: Connection, record_id: str) -> list[ConsentDecision]:
    rows = conn.execute(
        "SELECT seq, question, value, decided_on, user, at FROM consent_decisions"
        " WHERE record_id = ? ORDER BY seq", (record_id,))
    return [ConsentDecision(*row) for row in rows]


# -- purge --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tombstone:
    record_id: str
    purged_at: str
    user: str


def purge_identity(conn: Connection, record_id: str, user: str, at: str) -> None:
    """Remove the private section (identifiers and free text) of the record, of every
    stored revision and of its pending answers (the blobs become NULL; ``secure_delete``
    zeroes the freed bytes), its text index entry and approved quotes, and leave a
    tombstone. The caller checkpoints the WAL (TRUNCATE) after the commit."""
    conn.execute("UPDATE records SET identity = NULL WHERE id = ?", (record_id,))
    conn.execute("UPDATE record_revisions SET identity = NULL WHERE record_id = ?",
                 (record_id,))
    conn.execute("UPDATE pending_answers SET identity = NULL WHERE record_id = ?",
                 (record_id,))
    conn.execute("DELETE FROM approved_quotes WHERE record_id = ?", (record_id,))
    person_links.forget(conn, [record_id])  # issue 20: linked through who the person is
    row = conn.execute("SELECT text_rowid FROM records WHERE id = ?", (record_id,)).fetchone()
    if row is not None and row[0] is not None:  # its entry in the text index, at once
        if is_attached(conn):
            conn.execute("DELETE FROM ix.record_text WHERE rowid = ?", (row[0],))
            conn.execute("DELETE FROM ix.excerpts WHERE text_rowid = ?", (row[0],))
            TextIndex.touch_both(conn)
        conn.execute("UPDATE records SET text_rowid = NULL, text_dirty = 0 WHERE id = ?",
                     (record_id,))
    conn.execute(
        "INSERT INTO record_tombstones (record_id, purged_at, user) VALUES (?, ?, ?)"
        " ON CONFLICT (record_id) DO UPDATE SET purged_at = excluded.purged_at,"
        " user = excluded.user", (record_id, at, user))


def tombstone(conn: Connection, record_id: str) -> Tombstone | None:
    row = conn.execute("SELECT record_id, purged_at, user FROM record_tombstones"
                       " WHERE record_id = ?", (record_id,)).fetchone()
    return None if row is None else Tombstone(*row)


def tombstoned_ids(conn: Connection) -> set[str]:
    return {str(row[0]) for row in conn.execute("SELECT record_id FROM record_tombstones")}
