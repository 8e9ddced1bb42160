"""The release ledger (migration 10; docs/export.md, "Across releases").

Every anonymized table and every statistics release written is one row of ``releases``:
when, by whom, the kind, the parameters (canonical JSON: k, l, the model, the profile or
columns, the thresholds, the perturbation), the released quasi-identifiers, the SHA-256 of
each file written and of the manifest, and the audit entry written with it. Who it held is
in ``release_members``: the person (today a record: see
:func:`intake.services.releases.person_of`), the record and the class it was released in
(a hash of its released quasi-identifiers, so a withdrawal can be grouped as it was
released), since migration 11 also the released quasi-identifiers themselves (``quasi``,
so that a release of another profile can be compared on the columns both share) and a
digest of the row it released (``digest``, :func:`row_digest`, so that an edited record is
seen as changed), since migration 14 for a table release also the statistics groups of its
testimony (``groups``: period, sector group, federal district, so that statistics and
tables can be compared both ways; a statistics member's class holds them). Record ids
never leave this table: the services list releases without them. :func:`forget` clears
who a removed record was (travel mode, a purged withdrawal).

``cell_keys`` holds each person's random key for the statistics' cell-key perturbation
(:mod:`intake.exchange.analysis.cell_key`), drawn once from the system's random source.

Every function runs on the caller's connection and in the caller's transaction; nothing
here checks permissions (the services do).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.vault.database import Connection
from intake.vault.json_text import json_bytes, json_text

#: Persons per ``IN (…)`` query.
CHUNK = 500
KINDS = ("anonymized", "statistics")


def canonical(value: object) -> str:
    """Sorted keys, no spaces, UTF-8 as is: :func:`intake.vault.json_text.json_text` (the
    standard encoder's bytes, written faster: a row digest encodes every released row)."""
    return json_text(value)


@dataclass(frozen=True)
class Member:
    person: str
    record_id: str
    cls: str  # hash of the released quasi-identifiers ("" for statistics)
    digest: str = ""  # row_digest of the released row ("": before migration 11, forgotten)
    quasi: str = ""  # canonical JSON {column: released value} ("": before migration 11)
    #: a table release: canonical JSON [period, sector group, federal district] of its
    #: testimony as the statistics count it ("": statistics, or before migration 14)
    groups: str = ""
    #: a table release: :func:`cell_digests` of its row's columns that are not
    #: quasi-identifiers, in the release's ``cell_columns`` order ("": statistics, before
    #: migration 15, forgotten)
    cells: str = ""


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
    #: the columns of the members' ``cells`` (a table release since migration 15)
    cell_columns: list[str] = field(default_factory=list)


def add(conn: Connection, *, released_at: str, user: str, kind: str,
        parameters: Mapping[str, Any], columns: Sequence[str], files: Mapping[str, str],
        manifest_sha256: str, audit_seq: int, members: Iterable[Member],
        population: Mapping[str, int] | None = None,
        cell_columns: Sequence[str] = (), persons: Mapping[str, str] | None = None) -> int:
    """One release, its members and the ``population`` of the vault then (record id →
    revision: :func:`population`; kept for statistics too since migration 14, to tell a
    change of the data from another selection) with each record's ``persons`` key (record
    id → the key of its linked testimonies; "" kept for one that is its own person, since
    migration 17); returns its number."""
    if kind not in KINDS:
        raise ValueError("kind: anonymized or statistics")
    cursor = conn.execute(
        "INSERT INTO releases (released_at, user, kind, parameters, columns, files,"
        " manifest_sha256, audit_seq, cell_columns) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (released_at, user, kind, canonical(dict(parameters)), canonical(list(columns)),
         canonical(dict(files)), manifest_sha256, audit_seq, canonical(list(cell_columns))))
    seq = int(cursor.lastrowid)
    conn.executemany(
        "INSERT INTO release_members (release, person, record_id, class, digest, quasi,"
        " stat_groups, cells) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(seq, m.person, m.record_id, m.cls, m.digest, m.quasi, m.groups, m.cells)
         for m in members])
    linked = persons or {}
    conn.executemany(
        "INSERT INTO release_population (release, record_id, revision, person)"
        " VALUES (?, ?, ?, ?)", [(seq, record_id, revision, linked.get(record_id, ""))
                                 for record_id, revision in (population or {}).items()])
    end_editing_sessions(conn)
    return seq


def end_editing_sessions(conn: Connection) -> None:
    """End every editing session still open: the next save of those records
    starts a new revision. An autosave that joined its session after a release left the
    record's revision, and so the population the release kept, as it was: the next release
    saw no change of that record and compared nothing (one answer edited by someone who
    edits and releases in one session went out alone). Every open session, however old: a
    session begun more than ``REVISION_WINDOW`` before the release was joined again by a save
    with the clock set back (RecordStore's ``_age`` now refuses that too)."""
    conn.execute("UPDATE records SET session = NULL WHERE session IS NOT NULL")


def population(conn: Connection, release: int | None = None) -> dict[str, int]:
    """Record id → revision of every record the vault holds (``release``: held when that
    release was written; empty for a release recorded without it)."""
    if release is None:
        return {r[0]: int(r[1]) for r in conn.execute("SELECT id, revision FROM records")}
    return {r[0]: int(r[1]) for r in conn.execute(
        "SELECT record_id, revision FROM release_population WHERE release = ?", (release,))}


def persons_then(conn: Connection, release: int) -> dict[str, str]:
    """Record id → the key of its person when ``release`` was written (its own id for a
    testimony no link joined); empty for a release recorded before migration 17."""
    rows = conn.execute("SELECT record_id, person FROM release_population WHERE release = ?",
                        (release,)).fetchall()
    if any(person is None for _record, person in rows):
        return {}
    return {record: person or record for record, person in rows}


def releases(conn: Connection, kind: str | None = None) -> list[Release]:
    """Every release, oldest first (of ``kind`` when given), with its number of persons."""
    rows = conn.execute(
        "SELECT r.seq, r.released_at, r.user, r.kind, r.parameters, r.columns, r.files,"
        " r.manifest_sha256, r.audit_seq,"
        " (SELECT count(*) FROM release_members m WHERE m.release = r.seq), r.cell_columns"
        " FROM releases r WHERE ? IS NULL OR r.kind = ? ORDER BY r.seq", (kind, kind)
    ).fetchall()
    return [Release(int(r[0]), r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]),
                    json.loads(r[6]), r[7], int(r[8]), int(r[9]), json.loads(r[10]))
            for r in rows]


def members(conn: Connection, release: int) -> list[Member]:
    rows = conn.execute(
        "SELECT person, record_id, class, digest, quasi, stat_groups, cells"
        " FROM release_members WHERE release = ?", (release,)).fetchall()
    return [Member(*r) for r in rows]


def hidden_before(conn: Connection) -> tuple[dict[str, set[str]], set[str]]:
    """What earlier table releases hid, for the final gate to hide again (its decoys
    move no more than the data): record id → the columns released as ``*`` for it in any
    of them (cell digest :data:`SUPPRESSED_CELL`), and every record id they released."""
    hidden: dict[str, set[str]] = {}
    released: set[str] = set()
    width = CELL_DIGITS
    for release in releases(conn, "anonymized"):
        columns = release.cell_columns
        for member in members(conn, release.seq):
            if not member.record_id:
                continue  # forgotten
            released.add(member.record_id)
            cells = member.cells
            gone = [c for i, c in enumerate(columns)
                    if cells[i * width:(i + 1) * width] == SUPPRESSED_CELL]
            if gone:
                hidden.setdefault(member.record_id, set()).update(gone)
    return hidden, released


def levels_before(conn: Connection) -> dict[str, int]:
    """QI → the most general level earlier table releases gave it (their parameters'
    ``levels``), for the final gate to fall back to (anonymize.gate_decoys.as_before)."""
    levels: dict[str, int] = {}
    for release in releases(conn, "anonymized"):
        for qi, level in (release.parameters.get("levels") or {}).items():
            if isinstance(level, int):
                levels[qi] = max(level, levels.get(qi, level))
    return levels


def forgotten(conn: Connection, release: int) -> int:
    """How many members of ``release`` were forgotten (:func:`forget`)."""
    return int(conn.execute("SELECT count(*) FROM release_members"
                            " WHERE release = ? AND record_id = ''", (release,)).fetchone()[0])


def decoy_key(database_key: bytes | bytearray) -> bytes:
    """The key that ranks the final gate's decoys (anonymize.decoys.row_keys): HKDF-SHA-256
    (database key, "intake release decoys v1"), the same for every release of a vault, so
    that its releases choose the same rows, and unknown to whoever reads them."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"intake release decoys v1").derive(bytes(database_key))


def digest_key(database_key: bytes | bytearray) -> bytes:
    """The key of :func:`row_digest`: HKDF-SHA-256(database key, "intake release row v1")."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"intake release row v1").derive(bytes(database_key))


def row_digest(key: bytes, row: Mapping[str, str]) -> str:
    """HMAC-SHA-256 under :func:`digest_key` of a released row (canonical JSON, every
    column). Keyed, not a plain hash: a row's answers come from small domains, and a
    plain hash of them could be reversed by trying every combination against the
    released files, telling which released row is which record."""
    return hmac.new(key, json_bytes(dict(row)), hashlib.sha256).hexdigest()[:32]


#: A suppressed cell in :func:`cell_digests` (no digest of a value is written so).
SUPPRESSED_CELL = "0000"
CELL_DIGITS = 4


def cell_digests(key: bytes, columns: Sequence[str], rows: Sequence[Mapping[str, str]],
                 suppressed: str) -> list[str]:
    """Per row, a short keyed digest (BLAKE2b under :func:`digest_key`, 4 hex digits) of
    each of ``columns``, joined; :data:`SUPPRESSED_CELL` where the row holds
    ``suppressed``. Short: it tells an edited answer from the same one (a collision hides
    one edit in 65,536), and a member of a large release keeps one per column. Made
    column by column (values come from small domains: each is digested once)."""
    by_column = []
    for column in columns:
        made = {suppressed: SUPPRESSED_CELL}
        values = [row[column] for row in rows]
        for value in set(values) - made.keys():
            digest = hashlib.blake2b(f"{column}\x1f{value}".encode(), key=key,
                                     digest_size=2).hexdigest()
            made[value] = "0001" if digest == SUPPRESSED_CELL else digest
        by_column.append([made[value] for value in values])
    return ["".join(cells) for cells in zip(*by_column, strict=True)] if by_column \
        else [""] * len(rows)


def forget(conn: Connection, record_ids: Iterable[str]) -> int:
    """Forget who the records ``record_ids`` were, in every release (travel mode, a purged
    withdrawal): each of their members gets a random person, no record id and no digest,
    and their cell keys and places in the releases' populations go; a release keeps its
    date, parameters, file hashes, number of persons and the class, released values and
    statistics groups of each, which name no record (a later release is still compared
    with it: they count as withdrawn). Run in
    the caller's transaction with secure_delete on, then truncate the WAL. Returns the
    members forgotten."""
    ids = list(dict.fromkeys(record_ids))
    done = 0
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        marks = ",".join("?" * len(part))
        # a person's key is the smallest record id of their linked testimonies, which need
        # not be the testimony a release held (services/persons.py): both are looked for
        found = conn.execute(
            f"SELECT release, person FROM release_members WHERE record_id IN ({marks})"  # noqa: S608
            f" OR person IN ({marks})", part * 2).fetchall()
        conn.executemany(
            "UPDATE release_members SET person = ?, record_id = '', digest = '', cells = ''"
            " WHERE release = ? AND person = ?",
            [(f"forgotten:{secrets.token_hex(16)}", r[0], r[1]) for r in found])
        conn.execute(f"DELETE FROM cell_keys WHERE person IN ({marks})", part)  # noqa: S608
        conn.execute(f"DELETE FROM release_population WHERE record_id IN ({marks})",  # noqa: S608
                     part)
        done += len(found)
    return done


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
