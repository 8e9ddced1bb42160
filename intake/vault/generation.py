"""The key file's generation, mirrored in the database, to detect an old copy put back.

A key change is written in three durable steps (see docs/vault.md): the database records
the generation about to be written as pending, the key file is replaced atomically, then
the database records it as current. Opening finishes an interrupted change; any other
difference means an older copy of one of the two files was put back.
"""

from __future__ import annotations

import logging

from intake.errors import GenerationMismatch
from intake.vault.database import Connection, transaction

log = logging.getLogger(__name__)

GENERATION = "keyslots_generation"
PENDING = "keyslots_pending"


def get_meta(conn: Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def begin_change(conn: Connection, generation: int) -> None:
    """Step 1: record the generation about to be written to the key file."""
    with transaction(conn):
        set_meta(conn, PENDING, str(generation))


def set_current(conn: Connection, generation: int) -> None:
    """Step 3 (and the repair of an interrupted change): the key file is at ``generation``."""
    with transaction(conn):
        set_meta(conn, GENERATION, str(generation))
        conn.execute("DELETE FROM meta WHERE key = ?", (PENDING,))


def reconcile(conn: Connection, in_file: int, folder: str, accept_mismatch: bool) -> None:
    """Match the key file's generation with the database's, or raise GenerationMismatch."""
    in_db = int(get_meta(conn, GENERATION) or 0)
    pending_value = get_meta(conn, PENDING)
    pending = int(pending_value) if pending_value else None
    if in_file == in_db and pending is None:
        return
    if in_file == in_db or in_file == pending:
        # A key change was interrupted before or after the key file was replaced: the key
        # file on disk is authentic (its MAC verified), so finish the change.
        set_current(conn, in_file)
        return
    if not accept_mismatch:
        older = GenerationMismatch.KEY_FILE if in_file < in_db else GenerationMismatch.DATABASE
        raise GenerationMismatch(path=folder, older=older)
    log.warning("generation mismatch accepted by the user")
    set_current(conn, in_file)
