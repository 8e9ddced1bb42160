"""Persons: decisions on pairs of testimonies and the pairs waiting for review (migration 13,
intake/vault/migration_persons.py).

A person is a connected group of testimonies joined by ``same`` decisions; a testimony no
decision joins is its own person. Its key is the smallest record id of its group, so it
stays the same whichever pair of the group was decided first, and changes only when the
group does. Every function runs on the caller's connection and in the caller's
transaction; nothing here checks permissions or writes the audit log (the services do).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from intake.vault.database import Connection

DECISIONS = ("same", "distinct", "unsure")
SOURCES = ("search", "merge")


def ordered(a: str, b: str) -> tuple[str, str]:
    """A pair as stored: the smaller id first. Refuses a testimony paired with itself."""
    if a == b:
        raise ValueError("a testimony cannot be paired with itself")
    return (a, b) if a < b else (b, a)


@dataclass(frozen=True, slots=True)
class Decision:
    a: str
    b: str
    decision: str
    decided_at: str
    decided_by: str


@dataclass(frozen=True, slots=True)
class Proposal:
    a: str
    b: str
    score: float
    source: str
    proposed_at: str


def decide(conn: Connection, a: str, b: str, decision: str, user: str, now: str) -> None:
    """Record (or change) the decision on a pair; the pair leaves the proposals."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    a, b = ordered(a, b)
    conn.execute(
        "INSERT INTO person_links (a, b, decision, decided_at, decided_by)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (a, b) DO UPDATE SET"
        " decision = excluded.decision, decided_at = excluded.decided_at,"
        " decided_by = excluded.decided_by", (a, b, decision, now, user))
    conn.execute("DELETE FROM duplicate_proposals WHERE a = ? AND b = ?", (a, b))


def undo(conn: Connection, a: str, b: str) -> str | None:
    """Forget the decision on a pair (a link undone); returns the decision there was."""
    a, b = ordered(a, b)
    row = conn.execute("SELECT decision FROM person_links WHERE a = ? AND b = ?",
                       (a, b)).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM person_links WHERE a = ? AND b = ?", (a, b))
    return str(row[0])


def decision_of(conn: Connection, a: str, b: str) -> str | None:
    a, b = ordered(a, b)
    row = conn.execute("SELECT decision FROM person_links WHERE a = ? AND b = ?",
                       (a, b)).fetchone()
    return None if row is None else str(row[0])


def decisions(conn: Connection) -> list[Decision]:
    """Every decided pair, in the order of the pair."""
    rows = conn.execute("SELECT a, b, decision, decided_at, decided_by FROM person_links"
                        " ORDER BY a, b")
    return [Decision(*row) for row in rows]


def persons(conn: Connection) -> dict[str, str]:
    """The person of every linked testimony (record id → the smallest id of its group).
    Testimonies absent from the result are each their own person."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in conn.execute("SELECT a, b FROM person_links WHERE decision = 'same'"):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: root(x) for x in parent}


def groups(conn: Connection) -> list[tuple[str, ...]]:
    """Every person of more than one testimony: its record ids, sorted."""
    members: dict[str, list[str]] = {}
    for record_id, person in persons(conn).items():
        members.setdefault(person, []).append(record_id)
    return sorted(tuple(sorted(m)) for m in members.values())


def propose(conn: Connection, pairs: Iterable[tuple[str, str, float]], source: str,
            now: str) -> int:
    """Add pairs to the review queue unless already decided ``same`` or ``distinct`` (an
    ``unsure`` pair stays decided and is not proposed twice); a pair proposed again keeps
    its higher score. Returns how many pairs are new in the queue."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    added = 0
    for x, y, score in pairs:
        a, b = ordered(x, y)
        if conn.execute("SELECT 1 FROM person_links WHERE a = ? AND b = ?",
                        (a, b)).fetchone() is not None:
            continue
        known = conn.execute("SELECT 1 FROM duplicate_proposals WHERE a = ? AND b = ?",
                             (a, b)).fetchone() is not None
        conn.execute(
            "INSERT INTO duplicate_proposals (a, b, score, source, proposed_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (a, b) DO UPDATE SET"
            " score = max(score, excluded.score)", (a, b, float(score), source, now))
        added += not known
    return added


def proposals(conn: Connection) -> list[Proposal]:
    """The pairs waiting for a decision, highest score first."""
    rows = conn.execute("SELECT a, b, score, source, proposed_at FROM duplicate_proposals"
                        " ORDER BY score DESC, a, b")
    return [Proposal(*row) for row in rows]


def forget(conn: Connection, record_ids: Iterable[str]) -> None:
    """Remove every decision and proposal naming these testimonies (a deleted record
    cascades; travel mode and a purge call this before they keep the row)."""
    for rid in record_ids:
        conn.execute("DELETE FROM person_links WHERE a = ? OR b = ?", (rid, rid))
        conn.execute("DELETE FROM duplicate_proposals WHERE a = ? OR b = ?", (rid, rid))
