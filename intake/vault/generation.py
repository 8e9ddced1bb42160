"""The key file's generation, mirrored in the database, to detect an old copy put back.

A key change is written in three durable steps (see docs/vault.md): the database records
the generation about to be written as pending, the key file is replaced atomically, then
the database records it as current. Opening finishes an interrupted change; any other
difference means an older copy of one of the two files was put back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from intake.errors import GenerationMismatch
from intake.vault.database import Connection, transaction

log = logging.getLogger(__name__)

GENERATION = "keyslots_generation"
PENDING = "keyslots_pending"
#: The users table as it must be once the pending key file is in place (JSON rows): a
#: change of users and their slots is applied with the key file, or not at all.
PENDING_USERS = "keyslots_pending_users"
PENDING_USERS_MAC = "keyslots_pending_users_mac"
USERS_MAC = "users_mac"  # vault/roster.py
USER_COLUMNS = ("name_key", "name", "role", "slot_id", "created_at", "must_change_passphrase")


def get_meta(conn: Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def begin_change(conn: Connection, generation: int,
                 users: Sequence[Mapping[str, Any]] | None = None,
                 users_mac: str | None = None) -> None:
    """Step 1: record the generation about to be written to the key file, and the users
    table that goes with it (when the change adds, removes or alters users) with its MAC
    (vault/roster.py; None: the rows that matter are unchanged, the MAC stays)."""
    with transaction(conn):
        set_meta(conn, PENDING, str(generation))
        if users is not None:
            set_meta(conn, PENDING_USERS, json.dumps(
                [{c: row[c] for c in USER_COLUMNS} for row in users], sort_keys=True))
        else:
            conn.execute("DELETE FROM meta WHERE key = ?", (PENDING_USERS,))
        if users is not None and users_mac is not None:
            set_meta(conn, PENDING_USERS_MAC, users_mac)
        else:
            conn.execute("DELETE FROM meta WHERE key = ?", (PENDING_USERS_MAC,))


def set_current(conn: Connection, generation: int, *, apply_users: bool = True) -> None:
    """Step 3 (and the repair of an interrupted change): the key file is at ``generation``;
    the pending users table is applied with it (``apply_users``) or dropped."""
    with transaction(conn):
        pending_users = get_meta(conn, PENDING_USERS)
        if apply_users and pending_users is not None:
            conn.execute("DELETE FROM users")
            conn.executemany(
                f"INSERT INTO users ({', '.join(USER_COLUMNS)}) VALUES "
                f"({', '.join('?' * len(USER_COLUMNS))})",
                [tuple(row[c] for c in USER_COLUMNS) for row in json.loads(pending_users)])
            pending_mac = get_meta(conn, PENDING_USERS_MAC)
            if pending_mac is not None:
                set_meta(conn, USERS_MAC, pending_mac)
        set_meta(conn, GENERATION, str(generation))
        conn.execute("DELETE FROM meta WHERE key IN (?, ?, ?)",
                     (PENDING, PENDING_USERS, PENDING_USERS_MAC))


def reconcile(conn: Connection, in_file: int, folder: str, accept_mismatch: bool) -> None:
    """Match the key file's generation with the database's, or raise GenerationMismatch."""
    in_db = int(get_meta(conn, GENERATION) or 0)
    pending_value = get_meta(conn, PENDING)
    pending = int(pending_value) if pending_value else None
    if in_file == in_db and pending is None:
        return
    if in_file == in_db or in_file == pending:
        # A key change was interrupted before or after the key file was replaced: the key
        # file on disk is authentic (its MAC verified), so finish the change — with its
        # users when the new key file made it to disk, without them when it did not.
        set_current(conn, in_file, apply_users=in_file == pending)
        return
    if not accept_mismatch:
        older = GenerationMismatch.KEY_FILE if in_file < in_db else GenerationMismatch.DATABASE
        raise GenerationMismatch(path=folder, older=older)
    log.warning("generation mismatch accepted by the user")
    set_current(conn, in_file)
