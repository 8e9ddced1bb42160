"""Migration 10 (issue 18, safe across releases): the release ledger and the persons' cell
keys (intake/vault/release_ledger.py; docs/export.md, "Across releases")."""

from __future__ import annotations

STATEMENTS: tuple[str, ...] = (
    # One row per release written (intake/vault/release_ledger.py), in the same
    # transaction as its EXPORTED audit entry (``audit_seq``): kind, parameters
    # (canonical JSON), the released quasi-identifiers, the SHA-256 of every file.
    """CREATE TABLE releases (
           seq         INTEGER PRIMARY KEY,
           released_at TEXT NOT NULL,
           user        TEXT NOT NULL,
           kind        TEXT NOT NULL CHECK (kind IN ('anonymized', 'statistics')),
           parameters  TEXT NOT NULL,
           columns     TEXT NOT NULL,
           files       TEXT NOT NULL,
           manifest_sha256 TEXT NOT NULL,
           audit_seq   INTEGER NOT NULL
       ) STRICT""",
    # Who each release held: the person (a record until testimonies are linked) and
    # the class it was released in (a hash of its released quasi-identifiers). No
    # foreign key: the ledger remembers a record deleted since.
    """CREATE TABLE release_members (
           release   INTEGER NOT NULL REFERENCES releases (seq),
           person    TEXT NOT NULL,
           record_id TEXT NOT NULL,
           class     TEXT NOT NULL,
           PRIMARY KEY (release, person)
       ) STRICT, WITHOUT ROWID""",
    """CREATE TRIGGER releases_no_update BEFORE UPDATE ON releases
       BEGIN SELECT RAISE(ABORT, 'the release ledger is append-only'); END""",
    """CREATE TRIGGER release_members_no_update BEFORE UPDATE ON release_members
       BEGIN SELECT RAISE(ABORT, 'the release ledger is append-only'); END""",
    # A person's random key for the statistics' cell-key perturbation, drawn once
    # and kept, so the same contributors always get the same noise.
    """CREATE TABLE cell_keys (
           person TEXT PRIMARY KEY,
           key    INTEGER NOT NULL CHECK (key >= 0 AND key < 4294967296)
       ) STRICT, WITHOUT ROWID""",
)
