"""Migration 12 (issue 19, recording inside the app): the vault's recording key pair and
what a finished recording keeps beside its attachment (intake/vault/recording_keys.py,
intake/vault/recording_spool.py, intake/vault/recording_finish.py)."""

from __future__ import annotations

DESCRIPTION = "recordings: the recording key pair, markers of finished recordings"

STATEMENTS: tuple[str, ...] = (
    # One row: the vault's recording key pair (hybrid ML-KEM-768 + X25519, as
    # vault/sealing.py). ``public`` is plain (a recorder seals segment keys to it without
    # any vault key); ``private`` is sealed under the identity key (vault/private.py,
    # context "recording_key.private:1").
    """CREATE TABLE recording_key (
           one        INTEGER PRIMARY KEY CHECK (one = 1),
           public     BLOB NOT NULL,
           private    BLOB NOT NULL,
           created_at TEXT NOT NULL
       ) STRICT""",
    # A recording finished into an attachment: the spool it came from (so a finish
    # interrupted after its commit never attaches the same spool twice), its markers
    # (JSON, sealed under the identity key, context "recordings.markers:<attachment id>"),
    # whether the writer closed it, and how many bytes of a cut tail were dropped.
    """CREATE TABLE recordings (
           attachment_id TEXT PRIMARY KEY REFERENCES attachments (id) ON DELETE CASCADE,
           spool_id      TEXT NOT NULL UNIQUE,
           markers       BLOB NOT NULL,
           complete      INTEGER NOT NULL CHECK (complete IN (0, 1)),
           dropped_bytes INTEGER NOT NULL CHECK (dropped_bytes >= 0),
           seconds       REAL NOT NULL
       ) STRICT, WITHOUT ROWID""",
)
