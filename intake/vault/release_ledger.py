"""The release ledger (migration 10; docs/export.md, "Across releases").

Every anonymized table and every statistics release written is one row of ``releases``:
when, by whom, the kind, the parameters (canonical JSON: k, l, the model, the profile or
columns, the thresholds, the perturbation), the released quasi-identifiers, the SHA-256 of
each file written and of the manifest, and the audit entry written with it. Who it held is
in ``release_members``: the person (today a record: see
:func:`intake.services.releases.person_of`), the record and the class it was released in
(a hash of its released quasi-identifiers, so a withdrawal can be grouped as it was
released). Record ids never leave this table: the services list releases without them.

``cell_keys`` holds each person's random key for the statistics' cell-key perturbation
(:mod:`intake.exchange.analysis.cell_key`), drawn once from the system's random source.

Every function runs on the caller's connection and in the caller's transaction; nothing
here checks permissions (the services do).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intake.vault.database import Connection

#: Persons per ``IN (…)`` query.
CHUNK = 500
KINDS = ("anonymized", "statistics")


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class Member:
    person: str
    record_id: str
    cls: str  # hash of the released quasi-identifiers ("" for statistics)


@dataclass(frozen=True)
class Release:
    seq: int
    released_at: str  # UTC ISO 8601
    user: str
    kind: str
    parameters: dict[str, Any]
    columns: list[str]
    files: dict[str, str]  # file name → SHA-256
    manifest_sha256: str
    audit_seq: int
    persons: int


def add(conn: Connection, *, released_at: str, user: str, kind: str,
        parameters: Mapping[str, Any], columns: Sequence[str], files: Mapping[str, str],
        manifest_sha256: str, audit_seq: int, members: Iterable[Member]) -> int:
    """One release and its members; returns its number."""
    if kind not in KINDS:
        raise ValueError("kind: anonymized or statistics")
    cursor = conn.execute(
        "INSERT INTO releases (released_at, user, kind, parameters, columns, files,"
        " manifest_sha256, audit_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (released_at, user, kind, canonical(dict(parameters)), canonical(list(columns)),
         canonical(dict(files)), manifest_sha256, audit_seq))
    seq = int(cursor.lastrowid)
    conn.executemany(
        "INSERT INTO release_members (release, person, record_id, class) VALUES (?, ?, ?, ?)",
        [(seq, m.person, m.record_id, m.cls) for m in members])
    return seq


def releases(conn: Connection, kind: str | None = None) -> list[Release]:
    """Every release, oldest first (of ``kind`` when given), with its number of persons."""
    rows = conn.execute(
        "SELECT r.seq, r.released_at, r.user, r.kind, r.parameters, r.columns, r.files,"
        " r.manifest_sha256, r.audit_seq,"
        " (SELECT count(*) FROM release_members m WHERE m.release = r.seq)"
        " FROM releases r WHERE ? IS NULL OR r.kind = ? ORDER BY r.seq", (kind, kind)
    ).fetchall()
    return [Release(int(r[0]), r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]),
                    json.loads(r[6]), r[7], int(r[8]), int(r[9])) for r in rows]


def members(conn: Connection, release: int) -> list[Member]:
    rows = conn.execute(
        "SELECT person, record_id, class FROM release_members WHERE release = ?",
        (release,)).fetchall()
    return [Member(r[0], r[1], r[2]) for r in rows]


def cell_keys(conn: Connection, persons: Sequence[str]) -> dict[str, int]:
    """The cell key of each person, drawn now (32 random bits, kept) for those without one.
    Writes: call inside a transaction."""
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(persons))
    for start in range(0, len(unique), CHUNK):
        part = unique[start:start + CHUNK]
        marks = ",".join("?" * len(part))
        found.update((p, int(k)) for p, k in conn.execute(
            f"SELECT person, key FROM cell_keys WHERE person IN ({marks})", part))  # noqa: S608
    new = {p: secrets.randbits(32) for p in unique if p not in found}
    conn.executemany("INSERT INTO cell_keys (person, key) VALUES (?, ?)", list(new.items()))
    return {**found, **new}
