"""Rekeying the database: a copy under new keys, swapped in so that a crash at any point
leaves a vault that opens (after removing a user or taking the identity key away).

SQLCipher's ``PRAGMA rekey`` rewrites pages in place, which is not safe in WAL mode in
SQLCipher 4; instead the database is copied page by page with SQLite's backup API into
``intake.db.rekey`` under the new database key (the copy decrypts with the old key and
encrypts with the new one), its users and generation are set to the state that goes with
the new key file, identity sections are re-encrypted when the identity key changes, and
the copy is made durable. Then the key file is replaced, then the copy is renamed over
``intake.db``. At the next unlock :func:`finish` completes or abandons an interrupted
swap: if the copy carries the key file's generation and opens with its key, the key file
was already replaced and the copy goes into place; otherwise the copy is thrown away and
the old pair (key file, database) is still consistent.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3

from intake.atomic import fsync_dir
from intake.vault import (
    attachments,
    database,
    generation,
    identity,
    private,
    record_index,
    roster,
)
from intake.vault.database import Connection, transaction
from intake.vault.files import DATABASE_NAME, VaultFiles
from intake.vault.generation import USER_COLUMNS
from intake.vault.transfer_keys import remac

SUFFIX = ".rekey"
#: Tables whose ``identity`` column holds a blob sealed with the identity key: the column
#: naming the record id the blob is bound to, and the key of a row.
IDENTITY_TABLES = {"records": ("id", ("rid",)),
                   "record_revisions": ("record_id", ("record_id", "revision")),
                   "pending_answers": ("record_id", ("record_id",))}


def copy_path(files: VaultFiles) -> Path:
    return files.database.with_name(DATABASE_NAME + SUFFIX)


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def _remove(path: Path) -> None:
    for candidate in (path, *_sidecars(path)):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_copy(conn: Connection, files: VaultFiles, new_dbk: bytes | bytearray, *,
               users: Sequence[Mapping[str, Any]], new_generation: int,
               identity_keys: tuple[bytes, bytes] | None) -> None:
    """Copy the database under ``new_dbk`` into ``intake.db.rekey`` with the ``users`` rows
    and ``new_generation`` of the new key file; ``identity_keys`` (old, new) re-encrypts
    every identity section. Durable when this returns."""
    path = copy_path(files)
    _remove(path)
    dest = database.connect(path, new_dbk, create=True)
    try:
        if os.name == "posix":
            os.chmod(path, 0o600)
        conn.backup(dest)
        with transaction(dest):
            dest.execute("DELETE FROM users")
            dest.executemany(
                f"INSERT INTO users ({', '.join(USER_COLUMNS)}) VALUES "
                f"({', '.join('?' * len(USER_COLUMNS))})",
                [tuple(row[c] for c in USER_COLUMNS) for row in users])
            generation.set_meta(dest, generation.GENERATION, str(new_generation))
            dest.execute("DELETE FROM meta WHERE key IN (?, ?)",
                         (generation.PENDING, generation.PENDING_USERS))
            if identity_keys is not None:
                _reseal_identities(dest, *identity_keys)
                roster.store(dest, identity_keys[1])  # the new users, under the new key
    finally:
        database.checkpoint_and_close(dest)
    _fsync(path)
    fsync_dir(files.folder)


def _reseal_identities(conn: Connection, old: bytes, new: bytes) -> None:
    """Everything sealed with the identity key, sealed anew under the new one: the private
    blobs, the single sealed values (vault/private.py) and the attachments' file keys."""
    private.reseal_columns(conn, old, new)
    remac(conn, old, new)  # what transfer trusts: its MACs, under the new key
    for attachment_id, sealed in conn.execute(
            "SELECT id, file_key FROM attachments").fetchall():
        conn.execute("UPDATE attachments SET file_key = ? WHERE id = ?", (
            attachments.seal_key(new, attachment_id,
                                 attachments.open_key(old, attachment_id, sealed)),
            attachment_id))
    for table, (id_column, key) in IDENTITY_TABLES.items():
        rows = conn.execute(
            f"SELECT {id_column}, identity, {', '.join(key)} FROM {table}"
            " WHERE identity IS NOT NULL").fetchall()
        where = " AND ".join(f"{column} = ?" for column in key)
        for record_id, blob, *row_key in rows:
            answers, meta = identity.unseal(old, record_id, blob)
            conn.execute(f"UPDATE {table} SET identity = ? WHERE {where}",
                         (identity.seal(new, record_id, answers, meta), *row_key))


def swap_in(files: VaultFiles) -> None:
    """Put the copy in place of the database (every connection to it must be closed)."""
    for stale in _sidecars(files.database):  # frames under the old key must not survive
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
    os.replace(copy_path(files), files.database)
    # The text index is keyed from the identity key: made anew from the database under
    # the new key at the next connection (a crash before this line: it no longer opens
    # with the new key and is made anew all the same).
    record_index.remove_files(files.folder)
    fsync_dir(files.folder)


def finish(files: VaultFiles, dbk: bytes | bytearray, key_file_generation: int) -> bool:
    """Complete or abandon a swap interrupted by a crash (see the module doc); True when a
    copy was put in place. Called at unlock, before the database is opened."""
    path = copy_path(files)
    if not path.exists():
        return False
    found: str | None = None
    try:
        conn = database.connect(path, dbk)
        try:
            found = generation.get_meta(conn, generation.GENERATION)
        finally:
            conn.close()
    except (database.NotADatabase, sqlcipher3.Error, OSError):
        found = None
    if found == str(key_file_generation):
        swap_in(files)
        return True
    _remove(path)
    fsync_dir(files.folder)
    return False


def users_rows(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(f"SELECT {', '.join(USER_COLUMNS)} FROM users ORDER BY name_key")
    return [dict(zip(USER_COLUMNS, row, strict=True)) for row in rows]
