"""Schema migrations of the vault database, applied in order, each in its own transaction.

The ``schema_migrations`` table records which versions ran and when. A database whose
version is newer than this code knows is refused rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from intake.errors import VaultNeedsUpgrade
from intake.vault import migration_audit_action as audit_action
from intake.vault import migration_persons as persons
from intake.vault import migration_private, migration_recording, migration_releases
from intake.vault import migration_release_groups as release_groups
from intake.vault.database import Connection, transaction


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]
    #: Python run after the statements, in the same transaction, with the identity key
    #: (a migration that re-encrypts data can only be run by a slot that holds it).
    step: Callable[[Connection, bytes], None] | None = None
    #: VACUUM after the commit: data moved out must leave no copy in free pages.
    vacuum: bool = False

    @property
    def needs_identity_key(self) -> bool:
        return self.step is not None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "vault metadata and users",
        (
            """CREATE TABLE meta (
                   key   TEXT PRIMARY KEY,
                   value TEXT NOT NULL
               ) STRICT""",
            """CREATE TABLE users (
                   name_key   TEXT PRIMARY KEY,
                   name       TEXT NOT NULL,
                   role       TEXT NOT NULL CHECK (role IN
                              ('interviewer', 'case_manager', 'coordinator', 'admin')),
                   slot_id    TEXT NOT NULL UNIQUE,
                   created_at TEXT NOT NULL,
                   must_change_passphrase INTEGER NOT NULL DEFAULT 0
               ) STRICT""",
        ),
    ),
    Migration(
        2,
        "testimony records, their revisions, text search",
        (
            """CREATE TABLE records (
                   rid         INTEGER PRIMARY KEY AUTOINCREMENT,
                   id          TEXT NOT NULL UNIQUE,
                   schema      TEXT NOT NULL,
                   revision    INTEGER NOT NULL,
                   status      TEXT NOT NULL,
                   author      TEXT NOT NULL,
                   created_at  TEXT NOT NULL,
                   updated_at  TEXT NOT NULL,
                   answers     TEXT NOT NULL,
                   meta        TEXT NOT NULL,
                   identity    BLOB,
                   indicators  TEXT NOT NULL,
                   sector      TEXT,
                   region      TEXT,
                   year_departed INTEGER,
                   indicators_present INTEGER NOT NULL,
                   excerpt     TEXT NOT NULL,
                   session     TEXT,
                   revision_started_at TEXT NOT NULL,
                   text_rowid  INTEGER,
                   text_dirty  INTEGER NOT NULL DEFAULT 0
               ) STRICT""",
            # Both carry the other column, so a text search sorted by date reads only the
            # index until it knows which page of rows to fetch.
            "CREATE INDEX records_text ON records (text_rowid, created_at)",
            "CREATE INDEX records_text_dirty ON records (rid) WHERE text_dirty = 1",
            "CREATE INDEX records_region ON records (region)",
            "CREATE INDEX records_indicators ON records (indicators_present)",
            # Each save indexes the text under a fresh FTS rowid: deleting and re-inserting
            # the same rowid in one transaction leaves stale entries behind when FTS5
            # secure-delete is on (seen with SQLite 3.53), so rowids are never reused.
            "CREATE TABLE record_text_ids (id INTEGER PRIMARY KEY AUTOINCREMENT) STRICT",
            "CREATE INDEX records_created ON records (created_at, text_rowid)",
            "CREATE INDEX records_updated ON records (updated_at)",
            "CREATE INDEX records_status ON records (status, created_at)",
            "CREATE INDEX records_sector ON records (sector, created_at)",
            "CREATE INDEX records_year ON records (year_departed, created_at)",
            "CREATE INDEX records_author ON records (author, created_at)",
            """CREATE TABLE record_revisions (
                   record_id  TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
                   revision   INTEGER NOT NULL,
                   status     TEXT NOT NULL,
                   author     TEXT NOT NULL,
                   saved_at   TEXT NOT NULL,
                   answers    TEXT NOT NULL,
                   meta       TEXT NOT NULL,
                   identity   BLOB,
                   PRIMARY KEY (record_id, revision)
               ) STRICT, WITHOUT ROWID""",
            # Present indicators, for the filter. No index on rid and no foreign key (whose
            # cascade would need one): rows are removed by (indicator, rid), which is the key.
            """CREATE TABLE record_findings (
                   indicator TEXT NOT NULL,
                   rid       INTEGER NOT NULL,
                   PRIMARY KEY (indicator, rid)
               ) STRICT, WITHOUT ROWID""",
            "CREATE VIRTUAL TABLE record_text USING fts5 (body, tokenize = 'trigram')",
            "INSERT INTO record_text (record_text, rank) VALUES ('secure-delete', 1)",
        ),
    ),
    Migration(
        3,
        "the hash-chained audit log",
        (
            # Append-only (intake/vault/audit.py): each entry's hash covers its columns and
            # the previous entry's hash. ``detail`` is canonical JSON of allow-listed keys
            # only, never an answer's value.
            """CREATE TABLE audit (
                   seq       INTEGER PRIMARY KEY,
                   at        TEXT NOT NULL,
                   user      TEXT NOT NULL,
                   action    TEXT NOT NULL,
                   record_id TEXT,
                   detail    TEXT NOT NULL,
                   prev      TEXT NOT NULL,
                   hash      TEXT NOT NULL
               ) STRICT""",
            "CREATE INDEX audit_user ON audit (user, seq)",
            "CREATE INDEX audit_record ON audit (record_id, seq) WHERE record_id IS NOT NULL",
            "CREATE INDEX audit_action ON audit (action, seq)",
            "CREATE INDEX audit_at ON audit (at)",
            # A guard against mistakes, not against someone with the key (who can drop it):
            # the chain and its head bound in the key file are what detect that.
            """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
            """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
               BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
        ),
    ),
    Migration(
        4,
        "review workflow: status history, indicator overrides, consent decisions, tombstones",
        (
            # Every status transition, numbered per record (intake/services/review.py).
            """CREATE TABLE record_status_history (
                   record_id   TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
                   seq         INTEGER NOT NULL,
                   from_status TEXT NOT NULL,
                   to_status   TEXT NOT NULL,
                   user        TEXT NOT NULL,
                   at          TEXT NOT NULL,
                   PRIMARY KEY (record_id, seq)
               ) STRICT, WITHOUT ROWID""",
            # A case manager's final value of a derived ILO indicator; the reason is internal
            # review text and stays here (the audit log only says that one was given).
            """CREATE TABLE indicator_overrides (
                   record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
                   indicator TEXT NOT NULL,
                   value     TEXT NOT NULL CHECK (value IN ('present', 'absent')),
                   reason    TEXT NOT NULL CHECK (length(trim(reason)) > 0),
                   user      TEXT NOT NULL,
                   at        TEXT NOT NULL,
                   PRIMARY KEY (record_id, indicator)
               ) STRICT, WITHOUT ROWID""",
            # Each consent decision (a scope's yes/no, or a withdrawal) with the date the
            # person gave it; the record's consent.* answers hold the current values.
            """CREATE TABLE consent_decisions (
                   record_id  TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
                   seq        INTEGER NOT NULL,
                   question   TEXT NOT NULL,
                   value      TEXT NOT NULL,
                   decided_on TEXT NOT NULL,
                   user       TEXT NOT NULL,
                   at         TEXT NOT NULL,
                   PRIMARY KEY (record_id, seq)
               ) STRICT, WITHOUT ROWID""",
            # What is left of an identity purged after consent was withdrawn: the id and
            # the date. No foreign key: the tombstone outlives the record.
            """CREATE TABLE record_tombstones (
                   record_id TEXT PRIMARY KEY,
                   purged_at TEXT NOT NULL,
                   user      TEXT NOT NULL
               ) STRICT, WITHOUT ROWID""",
        ),
    ),
    Migration(
        5,
        "field to office: organisation and device keys, trusted devices, bundles, sync",
        (
            # The office's own organisation key pair (HPKE private key and Ed25519 signing
            # key), at most one; inside the encrypted database, never in a file.
            """CREATE TABLE org_identity (
                   one            INTEGER PRIMARY KEY CHECK (one = 1),
                   hpke_private   BLOB NOT NULL,
                   hpke_public    BLOB NOT NULL,
                   sign_private   BLOB NOT NULL,
                   sign_public    BLOB NOT NULL,
                   created_at     TEXT NOT NULL
               ) STRICT""",
            # The organisation a field vault sends to (its public half), at most one.
            """CREATE TABLE trusted_org (
                   one          INTEGER PRIMARY KEY CHECK (one = 1),
                   hpke_public  BLOB NOT NULL,
                   sign_public  BLOB NOT NULL,
                   fingerprint  TEXT NOT NULL,
                   trusted_at   TEXT NOT NULL
               ) STRICT""",
            # This vault's device signing key and the number of its last bundle.
            """CREATE TABLE device_identity (
                   one           INTEGER PRIMARY KEY CHECK (one = 1),
                   sign_private  BLOB NOT NULL,
                   sign_public   BLOB NOT NULL,
                   last_sequence INTEGER NOT NULL DEFAULT 0,
                   last_sent_at  TEXT,
                   created_at    TEXT NOT NULL
               ) STRICT""",
            # What this vault sent to the office: a record goes again only when its
            # revision changed (clocks and imported timestamps are not trusted for this).
            """CREATE TABLE sent_records (
                   record_id TEXT PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,
                   revision  INTEGER NOT NULL
               ) STRICT, WITHOUT ROWID""",
            # Devices the office accepts bundles from, and the last bundle number seen.
            """CREATE TABLE trusted_devices (
                   fingerprint   TEXT PRIMARY KEY,
                   sign_public   BLOB NOT NULL UNIQUE,
                   trusted_at    TEXT NOT NULL,
                   last_sequence INTEGER NOT NULL DEFAULT 0
               ) STRICT, WITHOUT ROWID""",
            """CREATE TABLE imported_bundles (
                   bundle_id   TEXT PRIMARY KEY,
                   device      TEXT NOT NULL,
                   sequence    INTEGER NOT NULL,
                   sha256      TEXT NOT NULL,
                   imported_at TEXT NOT NULL
               ) STRICT, WITHOUT ROWID""",
            # The revision of a record last received from a device: the office changed the
            # record since when its current revision is another one.
            """CREATE TABLE record_sync (
                   record_id TEXT PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,
                   device    TEXT NOT NULL,
                   revision  INTEGER NOT NULL
               ) STRICT, WITHOUT ROWID""",
            # Both sides changed a record: the field's version was kept as a copy, for a
            # case manager to reconcile.
            """CREATE TABLE record_conflicts (
                   copy_id     TEXT PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,
                   record_id   TEXT NOT NULL,
                   device      TEXT NOT NULL,
                   revision    INTEGER NOT NULL,
                   detected_at TEXT NOT NULL
               ) STRICT, WITHOUT ROWID""",
        ),
    ),
    Migration(
        6,
        "encrypted attachments",
        (
            # The file's own key is sealed with the identity key (a recording or a photo
            # identifies a person as surely as a name): roles without it cannot open one.
            """CREATE TABLE attachments (
                   id          TEXT PRIMARY KEY,
                   record_id   TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
                   kind        TEXT NOT NULL CHECK (kind IN ('audio', 'photo', 'document')),
                   media_type  TEXT NOT NULL,
                   size        INTEGER NOT NULL,
                   sha256      TEXT NOT NULL,
                   file_key    BLOB NOT NULL,
                   created_at  TEXT NOT NULL,
                   author      TEXT NOT NULL
               ) STRICT, WITHOUT ROWID""",
            "CREATE INDEX attachments_record ON attachments (record_id)",
            # Attachments this vault already sent to the office.
            """CREATE TABLE sent_attachments (
                   id TEXT PRIMARY KEY REFERENCES attachments (id) ON DELETE CASCADE
               ) STRICT, WITHOUT ROWID""",
        ),
    ),
    Migration(
        7,
        "answers kept as typed while they do not validate, and where each user left off",
        (
            # A record's answers that do not validate yet ("500" typed before a currency),
            # as the editors held them, so a lock or a crash loses nothing. Identifying
            # questions' entries are sealed with the identity key like the record's own
            # identity section (same blob format; re-sealed by a rekey).
            """CREATE TABLE pending_answers (
                   record_id TEXT PRIMARY KEY REFERENCES records (id) ON DELETE CASCADE,
                   answers   TEXT NOT NULL,
                   identity  BLOB,
                   saved_at  TEXT NOT NULL
               ) STRICT, WITHOUT ROWID""",
            # Where each user was when the vault locked: a record, a section, a question
            # (ids only), so unlocking returns there. Inside the vault, never in settings.
            """CREATE TABLE resume_place (
                   user      TEXT PRIMARY KEY,
                   record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
                   section   TEXT NOT NULL,
                   question  TEXT NOT NULL,
                   saved_at  TEXT NOT NULL
               ) STRICT, WITHOUT ROWID""",
        ),
    ),
    Migration(
        8,
        "everything identifying under the identity key; revoked devices; approved quotes",
        migration_private.STATEMENTS,
        step=migration_private.run,
        vacuum=True,
    ),
    Migration(9, "the date index breaks ties by record, as the record list sorts", (
        # The list sorts by (created_at, rid); the old index broke ties by text_rowid, so
        # records imported in the same second (a JSONL import stamps them all alike) were
        # all read and sorted for every page. The same name keeps the INDEXED BY of
        # records.py; text_rowid stays for a text search's walk.
        "DROP INDEX records_created",
        "CREATE INDEX records_created ON records (created_at, rid, text_rowid)",
    )),
    Migration(10, "the release ledger and the persons' cell keys (issue 18, safe across "
              "releases)", migration_releases.STATEMENTS),
    Migration(11, migration_releases.DIGESTS_DESCRIPTION, migration_releases.DIGESTS),
    Migration(12, migration_recording.DESCRIPTION, migration_recording.STATEMENTS),
    Migration(13, persons.DESCRIPTION, persons.STATEMENTS),
    Migration(*release_groups.V14), Migration(*release_groups.V15),
    Migration(*audit_action.V16), Migration(*release_groups.V17))


#: From this version on free text lives in the private blob and the index in index.db.
PRIVATE_TEXT = 8


class SchemaTooNew(Exception):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(f"schema {found} > {known}")
        self.found, self.known = found, known


def _ensure_table(conn: Connection) -> None:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL"
        ") STRICT"
    )


def current_version(conn: Connection) -> int:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
    return int(row[0] or 0)


def pending(conn: Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
    version = current_version(conn)
    known = max((m.version for m in migrations), default=0)
    if version > known:
        raise SchemaTooNew(version, known)
    return [m for m in migrations if m.version > version]


def migrate(conn: Connection, identity_key: bytes | bytearray | None,
            migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Apply what is pending; return the versions applied. Raises
    :class:`VaultNeedsUpgrade`, before anything is written, when a pending migration
    needs the identity key and ``identity_key`` is None."""
    todo = pending(conn, migrations)
    if identity_key is None and any(m.needs_identity_key for m in todo):
        raise VaultNeedsUpgrade()
    applied = []
    for migration in todo:
        with transaction(conn):
            _ensure_table(conn)
            for statement in migration.statements:
                conn.execute(statement)
            if migration.step is not None and identity_key is not None:
                migration.step(conn, bytes(identity_key))
            conn.execute(
                "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.description, dt.datetime.now(dt.UTC).isoformat()),
            )
        applied.append(migration.version)
        if migration.vacuum:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return applied
