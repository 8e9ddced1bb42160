"""Migrations 10 and 11 (issue 18, safe across releases): the release ledger and the persons'
cell keys; then, per released record, a keyed digest of its released row and its released
quasi-identifiers, and members that can be forgotten (intake/vault/release_ledger.py;
docs/export.md, "Across releases")."""

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

#: Migration 11: an edit of a released testimony is a change (``digest``: HMAC of the row
#: it released, :func:`intake.vault.release_ledger.row_digest`); releases of other profiles
#: are compared on the columns they share (``quasi``: the released quasi-identifiers,
#: canonical JSON); travel mode and a purge forget who was released (the one update the
#: trigger lets through: a random person, no record id, no digest; the class and the
#: released values stay, for the withdrawal they are).
DIGESTS_DESCRIPTION = "release ledger: digests of released rows, forgetting removed records"
DIGESTS: tuple[str, ...] = (
    "ALTER TABLE release_members ADD COLUMN digest TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE release_members ADD COLUMN quasi TEXT NOT NULL DEFAULT ''",
    "CREATE INDEX release_members_record ON release_members (record_id)",
    # Which records the vault held, at which revision, when a table release was written
    # (released or not): a record changed since (added, edited, withdrawn, deleted) is
    # told from one another profile suppressed differently.
    """CREATE TABLE release_population (
           release   INTEGER NOT NULL REFERENCES releases (seq),
           record_id TEXT NOT NULL,
           revision  INTEGER NOT NULL,
           PRIMARY KEY (release, record_id)
       ) STRICT, WITHOUT ROWID""",
    "CREATE INDEX release_population_record ON release_population (record_id)",
    """CREATE TRIGGER release_population_no_update BEFORE UPDATE ON release_population
       BEGIN SELECT RAISE(ABORT, 'the release ledger is append-only'); END""",
    "DROP TRIGGER release_members_no_update",
    """CREATE TRIGGER release_members_only_forget BEFORE UPDATE ON release_members
       WHEN NEW.release IS NOT OLD.release OR NEW.class IS NOT OLD.class
         OR NEW.quasi IS NOT OLD.quasi OR NEW.record_id != '' OR NEW.digest != ''
         OR NEW.person NOT LIKE 'forgotten:%'
       BEGIN SELECT RAISE(ABORT, 'the release ledger is append-only'); END""",
)
