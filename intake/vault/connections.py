"""The vault's SQLCipher connections: one per thread, opened on first use.

SQLite connections are bound to the thread that made them. A thread that is done with the
vault closes its own (``release``: checkpointed, so its WAL frames go into the database);
at lock every connection is closed (``close_all``), the caller's own checkpointed and any
other left open closed as a last resort.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import sqlcipher3

from intake.errors import DatabaseDamaged, DatabaseMissing, VaultNotFound
from intake.vault import database, migrations, private, record_index
from intake.vault.database import Connection
from intake.vault.files import VaultFiles
from intake.vault.keyslots import VaultKeys


def open_connection(files: VaultFiles, keys: VaultKeys, *, may_remake_index: bool
                    ) -> Connection:
    """A keyed, verified connection to ``intake.db`` with, for a slot that holds the
    identity key, ``index.db`` attached (vault/record_index.py: an index that does not open
    is derived data, made anew only while no other connection has it attached)."""
    if not files.folder.is_dir():  # a removed drive, a moved folder
        raise VaultNotFound(path=str(files.folder))
    if not files.database.exists():
        raise DatabaseMissing(path=str(files.folder))
    try:
        conn = database.connect(files.database, keys.dbk)
    except (database.NotADatabase, sqlcipher3.DatabaseError) as exc:
        raise DatabaseDamaged(path=str(files.folder)) from exc
    try:
        if keys.idk is not None:
            record_index.open_attached(
                conn, files.folder, private.index_key(keys.idk), may_remake=may_remake_index,
                ready=migrations.current_version(conn) >= migrations.PRIVATE_TEXT)
    except (record_index.IndexUnreadable, sqlcipher3.DatabaseError) as exc:
        conn.close()
        raise DatabaseDamaged(path=str(files.folder)) from exc
    except BaseException:
        conn.close()
        raise
    return conn


class ThreadConnections:
    def __init__(self, open_connection: Callable[[], Connection]) -> None:
        self._open = open_connection
        self._guard = threading.Lock()
        #: thread id → its connection (read by tests: which threads hold one)
        self.by_thread: dict[int, Connection] = {}

    def get(self) -> Connection:
        """This thread's connection, opened on first use."""
        ident = threading.get_ident()
        with self._guard:
            conn = self.by_thread.get(ident)
        if conn is None:
            conn = self._open()
            with self._guard:
                self.by_thread[ident] = conn
        return conn

    def release(self) -> None:
        """Checkpoint and close the calling thread's connection."""
        with self._guard:
            conn = self.by_thread.pop(threading.get_ident(), None)
        if conn is not None:
            database.checkpoint_and_close(conn)

    def close_all(self) -> None:
        """``release`` for this thread, then close any other left open."""
        self.release()
        with self._guard:
            leftover = list(self.by_thread.values())
            self.by_thread.clear()
        for conn in leftover:  # a worker that did not release: close from here as a last resort
            with contextlib.suppress(sqlcipher3.Error):
                conn.close()
