"""SQLCipher connections: opened with the raw database key, hardened and verified.

Every connection sets the pragmas of docs/ARCHITECTURE.md and reads each one back; it
refuses to run if one differs or if ``cipher_version`` is empty (a plain SQLite build would
write plaintext). A file that exists is opened with ``mode=rw`` so that SQLite can never
create a fresh (empty) database in place of one that failed to open.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlcipher3

from intake.errors import StorageFailed, UnsafeDatabaseEngine
from intake.i18n import _

log = logging.getLogger(__name__)

Connection = Any  # sqlcipher3.Connection has no type information

#: (pragma statement, the value read back) in the order they are applied.
#:
#: ``cipher_memory_security`` (SQLCipher zeroes every allocation it frees: process-wide, and
#: never off again once on) is OFF. It protected memory only while the process holding the
#: keys runs; a lock now ends that process (intake.supervisor) and every command is a
#: process of its own, so it bought nothing an attacker reading the memory of an unlocked
#: process lacks, at 2.5x the cost of an import (896 against 2,260 records a second on this
#: 2-core machine). Where a lock stays in the process it is ON (:func:`require_memory_security`).
#: docs/threat-model.md says so.
HARDENING: tuple[tuple[str, str, str], ...] = (
    ("cipher_memory_security = OFF", "cipher_memory_security", "0"),
    ("temp_store = MEMORY", "temp_store", "2"),
    ("secure_delete = ON", "secure_delete", "1"),
    ("journal_mode = WAL", "journal_mode", "wal"),
    ("synchronous = FULL", "synchronous", "2"),
    ("foreign_keys = ON", "foreign_keys", "1"),
)



def require_memory_security() -> None:
    """For a process whose lock does not end it (the window in the process, where no
    supervisor can run it): every connection from now on sets ``cipher_memory_security``
    on and reads it back."""
    global HARDENING  # noqa: PLW0603 - one switch, before the first connection
    HARDENING = (("cipher_memory_security = ON", "cipher_memory_security", "1"),
                 *(entry for entry in HARDENING if entry[1] != "cipher_memory_security"))


PAGE_SIZE = 4096
CACHE_KIB = 64 * 1024
#: The WAL is folded back into the database (a passive checkpoint) once it holds this many
#: frames, and is then written again from its start. SQLite's default, 1,000, let an
#: unlocked session's WAL (truncated at every close) grow for its first 1,000 page writes,
#: and a write that lengthens the file costs its fsync the file system's block allocation:
#: an autosave took 0.69-0.80 ms (p50) against 0.55 ms with 100, its p95 0.84-1.2 against
#: 0.74 ms (tests/perf/test_size_perf.py). It also keeps fewer superseded page versions in
#: the WAL between checkpoints. An import (one transaction) is not slowed.
WAL_FRAMES = 100

#: What ``cipher_settings`` reports under ``cipher_compatibility = 4``.
SQLCIPHER4_SETTINGS = {
    "cipher_page_size": "4096",
    "cipher_use_hmac": "1",
    "cipher_plaintext_header_size": "0",
    "cipher_hmac_algorithm": "HMAC_SHA512",
    "cipher_kdf_algorithm": "PBKDF2_HMAC_SHA512",
}


class NotADatabase(Exception):
    """The file did not decrypt with the key: damaged, truncated, or another file."""


def _uri(path: Path, create: bool) -> str:
    return f"file:{quote(str(path.absolute()))}?mode={'rwc' if create else 'rw'}"


_HEX = b"0123456789abcdef"


def raw_key_text(key: bytes | bytearray) -> bytearray:
    """SQLCipher's raw-key form ``x'<hex>'`` in a mutable buffer the caller zeroes.

    Written digit by digit, so that no Python ``str`` or ``bytes`` of the key (hex or
    otherwise) is ever made: ``Connection.set_key`` hands the buffer to ``sqlite3_key``.
    """
    text = bytearray(len(key) * 2 + 3)
    text[0:2], text[-1] = b"x'", 0x27
    for i, byte in enumerate(key):
        text[2 + 2 * i], text[3 + 2 * i] = _HEX[byte >> 4], _HEX[byte & 15]
    return text


def _set_key(conn: Connection, key: bytes | bytearray) -> None:
    """Key ``conn`` from ``key`` without a ``PRAGMA key`` statement (whose text would stay
    in the heap as a string); the buffer is zeroed at once."""
    text = raw_key_text(key)
    try:
        conn.set_key(text)
    finally:
        text[:] = bytes(len(text))


def _scalar(conn: Connection, sql: str) -> str:
    row = conn.execute(sql).fetchone()
    return "" if row is None else str(row[0])


def _settings(conn: Connection) -> dict[str, str]:
    found: dict[str, str] = {}
    for (line,) in conn.execute("PRAGMA cipher_settings").fetchall():
        # "PRAGMA cipher_page_size = 4096;"
        name, _, value = str(line).removeprefix("PRAGMA ").rstrip(";").partition(" = ")
        found[name.strip()] = value.strip()
    return found


def verify_hardening(conn: Connection) -> None:
    """Read every pragma back; raise :class:`UnsafeDatabaseEngine` on any difference."""
    if not _scalar(conn, "PRAGMA cipher_version"):
        raise UnsafeDatabaseEngine(setting="cipher_version")
    settings = _settings(conn)
    for name, expected in SQLCIPHER4_SETTINGS.items():
        if settings.get(name) != expected:
            raise UnsafeDatabaseEngine(setting=f"{name}={settings.get(name)}")
    for _statement, name, expected in HARDENING:
        if _scalar(conn, f"PRAGMA {name}").lower() != expected:
            raise UnsafeDatabaseEngine(setting=name)


def connect(path: Path, key: bytes | bytearray, *, create: bool = False) -> Connection:
    """An open, keyed, verified connection for the calling thread.

    Raises :class:`NotADatabase` when the key does not open the file.
    """
    if not create:
        # SQLite takes an empty file for a new database and would write a page 1 into it;
        # a SQLCipher 4 file is always whole pages. Refuse before anything is written.
        size = path.stat().st_size
        if size == 0 or size % PAGE_SIZE:
            raise NotADatabase()
    # Connections stay per thread by our own discipline (Vault.connection); not checking
    # the thread lets a lock close, as a last resort, a connection a worker left open.
    conn = sqlcipher3.connect(
        _uri(path, create), uri=True, isolation_level=None, check_same_thread=False
    )
    try:
        # SQLCipher logs HMAC failures to stderr itself; we report them as one clear error.
        conn.execute("PRAGMA cipher_log_level = NONE")
        _set_key(conn, key)
        conn.execute("PRAGMA cipher_compatibility = 4")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            raise NotADatabase() from exc
        for statement, _name, _expected in HARDENING:
            conn.execute(f"PRAGMA {statement}")
        verify_hardening(conn)
        # Every page read is decrypted and checked: a 64 MiB page cache (filled only as
        # used) keeps a large vault's indexes in memory; at 100,000 records it lifts an
        # import from about 1,700 to 2,000 records a second.
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_FRAMES}")
    except BaseException:
        conn.close()
        raise
    return conn


def integrity_problems(conn: Connection, *, full: bool = False) -> list[str]:
    """Pages whose HMAC fails, then SQLite's structural check (``quick_check`` at unlock,
    the slower ``integrity_check``, which also checks indexes, when ``full``); empty when
    healthy."""
    problems = [str(row[0]) for row in conn.execute("PRAGMA cipher_integrity_check")]
    if problems:
        return problems
    check = "integrity_check" if full else "quick_check"
    rows = [str(row[0]) for row in conn.execute(f"PRAGMA {check}")]
    return [] if rows == ["ok"] else rows


def checkpoint_and_close(conn: Connection) -> None:
    """Fold the WAL back into the database and truncate it, then close."""
    try:
        with contextlib.suppress(sqlcipher3.Error):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def scrub(conn: Connection) -> None:
    """After a deletion that must leave nothing readable with the key (travel mode, a
    purge): rebuild the database file (VACUUM) and truncate the WAL. ``secure_delete``
    zeroes what a deletion frees, but not the copies a b-tree leaves behind when it
    moves cells between pages earlier (seen: a forgotten release member's record id in
    the unused space of an index page, one run in six,
    tests/unit/test_release_ledger_forget.py); a rebuilt file holds only what is live."""
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


#: SQLite's primary result codes that mean the storage failed, not the statement
_STORAGE_CODES = {sqlcipher3.SQLITE_FULL, sqlcipher3.SQLITE_IOERR, sqlcipher3.SQLITE_READONLY,
                  sqlcipher3.SQLITE_CANTOPEN}


@contextlib.contextmanager
def transaction(conn: Connection) -> Iterator[Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error. A full disk or a failed
    write (also at commit) becomes :class:`StorageFailed`: nothing of the transaction was
    kept, and the message says why in words."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite already rolled back after SQLITE_FULL/IOERR
                conn.execute("ROLLBACK")
            raise
    except sqlcipher3.Error as exc:
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None and code & 0xFF in _STORAGE_CODES:
            reason = (_("the disk is full") if code & 0xFF == sqlcipher3.SQLITE_FULL
                      else str(getattr(exc, "sqlite_errorname", "I/O")))
            raise StorageFailed(reason=reason) from exc
        raise
