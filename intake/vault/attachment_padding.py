"""Padding the attachments written before format 2 (migration 8): each file's true size
sealed, the padded size left in ``size``, and every format-1 file re-encrypted padded
(:mod:`intake.vault.attachments`, "Sizes").

A file is re-encrypted under its own id and file key, so the database row does not change
when its file does: it is written to ``.<id>.tmp``, flushed, renamed over the old file and
the folder flushed. A crash at any point leaves the old file (format 1) or the new one
(format 2), and both open with the row's key; a ``.tmp`` a crash left is replaced by the
next attempt (migration 8 runs again when its transaction did not commit).
"""

from __future__ import annotations

from pathlib import Path

from intake.vault import stream
from intake.vault.attachments import (
    AttachmentDamaged,
    AttachmentMissing,
    decrypt_chunks,
    is_padded,
    open_key,
    path_of,
    seal_into,
    sealed_size,
    sealer,
    write_durably,
)
from intake.vault.database import Connection


def repad(vault_folder: Path, attachment_id: str, key: bytes) -> bool:
    """Re-encrypt a format-1 file padded, under its id and file key; False if it was padded
    already. Written to ``.<id>.tmp``, flushed, renamed over the old file, the folder
    flushed: a crash at any point leaves the old file or the new one, and both open with
    the row's key (the first write of a ``.tmp`` left by a crash replaces it)."""
    try:
        if is_padded(vault_folder, attachment_id):
            return False
    except FileNotFoundError as exc:
        raise AttachmentMissing() from exc
    target = path_of(vault_folder, attachment_id)
    partial = target.with_name(f".{attachment_id}.tmp")
    partial.unlink(missing_ok=True)
    write_durably(target, partial, lambda fd: seal_into(
        fd, decrypt_chunks(vault_folder, attachment_id, key), sealer(key, attachment_id)))
    return True


def pad_existing(conn: Connection, identity_key: bytes) -> list[str]:
    """Migration 8: seal each row's true size and keep the padded one in ``size``, then
    re-encrypt every format-1 file padded (:func:`repad`; the folder is the database's).
    A file that is missing, damaged or cannot be rewritten now (a full disk) is left as it
    is, still readable; returns their ids (calling this again retries them)."""
    for attachment_id, size in conn.execute(
            "SELECT id, size FROM attachments WHERE sealed_size IS NULL").fetchall():
        conn.execute("UPDATE attachments SET size = ?, sealed_size = ? WHERE id = ?", (
            stream.padded_size(size), sealed_size(identity_key, attachment_id, size),
            attachment_id))
    rows = conn.execute("SELECT id, file_key FROM attachments").fetchall()
    database = {row[1]: row[2] for row in conn.execute("PRAGMA database_list")}.get("main")
    if not rows or not database:
        return []
    left = []
    for attachment_id, sealed_key in rows:
        try:
            repad(Path(database).parent, attachment_id,
                  open_key(identity_key, attachment_id, sealed_key))
        except (AttachmentMissing, AttachmentDamaged, OSError):
            left.append(attachment_id)
    return left
