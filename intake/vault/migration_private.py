"""Migration 8: everything that can identify a person moves under the identity key.

Run once, in the migration's transaction, by the first slot holding the identity key that
unlocks the vault (a coordinator is told to ask an administrator first):

- every record and earlier revision: the free texts and direct identifiers still in the
  plain ``answers``/``meta`` JSON move into the record's private blob (``identity``
  column, :mod:`intake.vault.identity`); every pending answer moves into its blob (what
  was typed may be a name whatever the question);
- the old text index in ``intake.db`` (FTS5 ``record_text``) and the ``excerpt`` column are
  dropped; every record is marked for indexing into ``index.db``
  (:mod:`intake.vault.text_index`);
- indicator overrides' reasons, attachments' SHA-256 and the office's and the device's
  private keys are sealed (:mod:`intake.vault.private`).

``secure_delete`` zeroes what is freed and the migration ends with VACUUM and a truncating
checkpoint, so no old copy stays in a free page or the WAL.
"""

from __future__ import annotations

import json
from typing import Any

from intake.domain.questions import QUESTIONNAIRE
from intake.vault import attachment_padding, identity, private, roster
from intake.vault.database import Connection
from intake.vault.transfer_keys import mac_trust_rows

STATEMENTS = (
    # A device whose bundles are refused from now on (intake org revoke-device).
    "ALTER TABLE trusted_devices ADD COLUMN revoked_at TEXT",
    "ALTER TABLE trusted_devices ADD COLUMN revoked_by TEXT",
    # Quotes for publication, redacted and approved by a holder of the identity key
    # from a record whose interviewee consented to publication: the only free text
    # a coordinator's export may include (the original stays in the private section).
    """CREATE TABLE approved_quotes (
           record_id   TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
           seq         INTEGER NOT NULL,
           question    TEXT NOT NULL,
           text        TEXT NOT NULL CHECK (length(trim(text)) > 0),
           redacted    TEXT NOT NULL,
           revision    INTEGER NOT NULL,
           approved_by TEXT NOT NULL,
           approved_at TEXT NOT NULL,
           PRIMARY KEY (record_id, seq)
       ) STRICT, WITHOUT ROWID""",
    # The office's earlier key pairs after a rotation (intake org rotate), kept so that
    # bundles sealed to an earlier public key still open; the private half sealed.
    """CREATE TABLE org_retired_keys (
           fingerprint  TEXT PRIMARY KEY,
           hpke_private BLOB NOT NULL,
           hpke_public  BLOB NOT NULL,
           sign_public  BLOB NOT NULL,
           retired_at   TEXT NOT NULL
       ) STRICT, WITHOUT ROWID""",
    # An override's reason is review text: sealed (intake/vault/private.py).
    """CREATE TABLE indicator_overrides_sealed (
           record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
           indicator TEXT NOT NULL,
           value     TEXT NOT NULL CHECK (value IN ('present', 'absent')),
           reason    BLOB NOT NULL,
           user      TEXT NOT NULL,
           at        TEXT NOT NULL,
           PRIMARY KEY (record_id, indicator)
       ) STRICT, WITHOUT ROWID""",
    # What a vault trusts for transfer, authenticated by the identity key: a coordinator's
    # database key cannot swap the office's key or add or un-revoke a device
    # (intake/vault/transfer_trust.py; filled in by run()).
    "ALTER TABLE trusted_org ADD COLUMN mac BLOB",
    "ALTER TABLE trusted_devices ADD COLUMN mac BLOB",
    # An attachment's true size, sealed (private.ATTACHMENT_SIZE); ``size`` keeps only the
    # padded size (filled in by run(): vault/attachment_padding.py).
    "ALTER TABLE attachments ADD COLUMN sealed_size TEXT",
)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _is_private(qid: str) -> bool:
    q = QUESTIONNAIRE
    return qid in q.private_ids or q.renamed.get(qid) in q.private_ids


def _split(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    plain = {k: v for k, v in values.items() if not _is_private(k)}
    return plain, {k: v for k, v in values.items() if _is_private(k)}


def _move(idk: bytes, record_id: str, answers: str, meta: str | None,
          blob: bytes | None) -> tuple[str, str | None, bytes | None]:
    """(answers, meta, blob) with every private entry moved into the blob."""
    plain, moved = _split(json.loads(answers))
    plain_meta, moved_meta = _split(json.loads(meta)) if meta is not None else ({}, {})
    if not moved and not moved_meta:
        return answers, meta, blob
    sealed, sealed_meta = identity.unseal(idk, record_id, blob) if blob else ({}, {})
    new_blob = identity.seal(idk, record_id, {**moved, **sealed}, {**moved_meta, **sealed_meta})
    return _json(plain), (_json(plain_meta) if meta is not None else None), new_blob


def _move_records(conn: Connection, idk: bytes) -> None:
    for rid, record_id, answers, meta, blob in conn.execute(
            "SELECT rid, id, answers, meta, identity FROM records").fetchall():
        conn.execute("UPDATE records SET answers = ?, meta = ?, identity = ?, text_dirty = 1"
                     " WHERE rid = ?", (*_move(idk, record_id, answers, meta, blob), rid))
    for record_id, revision, answers, meta, blob in conn.execute(
            "SELECT record_id, revision, answers, meta, identity FROM record_revisions"
            ).fetchall():
        conn.execute("UPDATE record_revisions SET answers = ?, meta = ?, identity = ?"
                     " WHERE record_id = ? AND revision = ?",
                     (*_move(idk, record_id, answers, meta, blob), record_id, revision))
    for record_id, answers, blob in conn.execute(  # every pending entry: it is raw typing
            "SELECT record_id, answers, identity FROM pending_answers").fetchall():
        sealed, _meta = identity.unseal(idk, record_id, blob) if blob else ({}, {})
        conn.execute("UPDATE pending_answers SET answers = '{}', identity = ?"
                     " WHERE record_id = ?", (identity.seal(
                         idk, record_id, {**json.loads(answers), **sealed}, {}), record_id))


def _seal_overrides(conn: Connection, idk: bytes) -> None:
    rows = conn.execute("SELECT record_id, indicator, value, reason, user, at"
                        " FROM indicator_overrides").fetchall()
    conn.executemany(
        "INSERT INTO indicator_overrides_sealed (record_id, indicator, value, reason, user, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(rid, ind, value, private.seal_text(
            idk, private.OVERRIDE_REASON.context(rid, ind), reason), user, at)
         for rid, ind, value, reason, user, at in rows])
    conn.execute("DROP TABLE indicator_overrides")
    conn.execute("ALTER TABLE indicator_overrides_sealed RENAME TO indicator_overrides")


def run(conn: Connection, idk: bytes) -> None:
    _move_records(conn, idk)
    _seal_overrides(conn, idk)
    private.transform_columns(conn, lambda _col, ctx, value: private.seal(idk, ctx, value),
                              (private.ORG_HPKE, private.ORG_SIGN, private.DEVICE_SIGN,
                               private.ATTACHMENT_SHA256))
    roster.store(conn, idk)  # the roles, authenticated from now on (vault/roster.py)
    conn.execute("DROP TABLE record_text")
    conn.execute("ALTER TABLE records DROP COLUMN excerpt")
    mac_trust_rows(conn, idk)  # the rows transfer trusts, MACed from now on
    attachment_padding.pad_existing(conn, idk)  # sizes sealed, old files re-encrypted padded
