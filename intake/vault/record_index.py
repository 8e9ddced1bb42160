"""The text search index of records and their excerpts, in ``index.db`` under the identity
key (FTS5, trigram tokenizer, secure-delete).

Free text is private (:mod:`intake.vault.private`): the index built from it, and the
excerpts the record list shows, sit in a second SQLCipher database keyed by
``HKDF(IDK, "intake text index v1")`` and attached (as ``ix``) only to the connections of a
slot that holds the identity key. A coordinator's connection has no ``ix``: no text search,
no excerpt, and nothing of the index in any file it can decrypt.

``index.db`` is derived data; ``intake.db`` is the one authoritative file:

- a save commits in ``intake.db`` alone; when its text changed it only marks the record
  ``text_dirty``, and :meth:`TextIndex.index_pending` brings the index up to date before
  any text search, when an editor leaves the record, and at unlock and lock;
- ``records.text_rowid`` (allocated in ``intake.db``, never reused) names the index entry
  of the record's current text; a stale or missing entry is simply not joined;
- the two files do not commit atomically together: every transaction that writes the
  index writes the same new ``sync`` number into both (:meth:`TextIndex.touch`). At open,
  different numbers mean a crash fell between the two commits (or a role without the
  index deleted a record): :func:`reconcile` then drops index entries no record points to
  and marks dirty every record whose entry is missing. An index that does not open with
  the key (damaged, or made under an identity key since replaced) or is missing is made
  anew, and every record is indexed again.

Each indexing uses a fresh FTS rowid: deleting and re-inserting one rowid in a transaction
leaves stale entries behind with secure-delete on (seen with SQLite 3.53).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import sqlcipher3

from intake.domain.questionnaire import Questionnaire
from intake.errors import UnsafeDatabaseEngine
from intake.vault import database
from intake.vault.database import PAGE_SIZE, Connection, transaction

INDEX_NAME = "index.db"
SCHEMA = "ix"
EXCERPT_LENGTH = 120
SYNC = "text_sync"
#: FTS5's own table of the indexed texts (``id`` the rowid, ``c0`` the body column)
CONTENT = "ix.record_text_content"
#: Up to this many matches :meth:`TextIndex.matches` keeps their rowids for the page (more
#: would cost more to fetch into Python than a second text query costs).
LISTED = 1000
_COUNT_SALT = secrets.token_bytes(32)
#: ((connection, index sync, its changes, query digest), matches) of the last query
_last_count: dict[str, tuple[tuple[int, str | None, int, bytes], tuple[int, str | None]]] = {}
_ATTACHED_PRAGMAS = (("journal_mode", "WAL", "wal"), ("synchronous", "FULL", "2"),
                     ("secure_delete", "ON", "1"))
_TABLES = (
    "CREATE TABLE IF NOT EXISTS ix.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT",
    "CREATE TABLE IF NOT EXISTS ix.excerpts (text_rowid INTEGER PRIMARY KEY,"
    " excerpt TEXT NOT NULL) STRICT",
)


def forget_matches() -> None:
    """Drop the last query's kept matches (at lock: nothing of a search stays)."""
    _last_count.clear()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# -- the attached database ------------------------------------------------------------------
def index_path(folder: Path) -> Path:
    return folder / INDEX_NAME


def remove_files(folder: Path) -> None:
    """Delete ``index.db`` and its WAL (it is rebuilt from ``intake.db``)."""
    path = index_path(folder)
    for candidate in (path, path.with_name(path.name + "-wal"),
                      path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError):
            candidate.unlink()


class IndexUnreadable(Exception):
    """``index.db`` did not open with the key (damaged, or from an earlier identity key)."""


def attach(conn: Connection, folder: Path, key: bytes) -> bool:
    """Attach ``index.db`` as ``ix`` (created when missing or empty: a decoy writes into
    the file a duress unlock emptied, see :mod:`intake.vault.duress`); True when it was
    created. Raises :class:`IndexUnreadable` when the file does not open with ``key``."""
    path = index_path(folder)
    size = path.stat().st_size if path.exists() else 0
    created = not size  # (derived data: an emptied index is made anew, as a missing one)
    if size % PAGE_SIZE:
        raise IndexUnreadable()
    key_text = database.raw_key_text(key)  # bound, never a statement's text (a str)
    try:
        conn.execute(f"ATTACH DATABASE ? AS {SCHEMA} KEY ?",
                     (f"file:{quote(str(path.absolute()))}?mode={'rwc' if created else 'rw'}",
                      key_text))
    except sqlcipher3.DatabaseError as exc:
        raise IndexUnreadable() from exc
    finally:
        key_text[:] = bytes(len(key_text))
    try:
        try:
            conn.execute("SELECT count(*) FROM ix.sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            raise IndexUnreadable() from exc
        for name, value, expected in _ATTACHED_PRAGMAS:
            conn.execute(f"PRAGMA ix.{name} = {value}")
            if str(conn.execute(f"PRAGMA ix.{name}").fetchone()[0]).lower() != expected:
                raise UnsafeDatabaseEngine(setting=f"index {name}")
        # the main database's page cache (filled only as used), not SQLite's 8 MB: a search
        # reads excerpts and texts all over the index (twice as fast at 100,000 records)
        conn.execute(f"PRAGMA ix.cache_size = -{database.CACHE_KIB}")
        if created or not _has_schema(conn):
            _create_schema(conn)
        if created and os.name == "posix":
            os.chmod(path, 0o600)  # as intake.db (SQLite makes it with the umask's mode)
    except BaseException:
        conn.execute(f"DETACH DATABASE {SCHEMA}")
        raise
    return created


def open_attached(conn: Connection, folder: Path, key: bytes, *, may_remake: bool,
                  ready: bool) -> None:
    """:func:`attach`, making an unreadable index anew when ``may_remake`` (it is derived
    data), then :func:`reconcile` when the database is ``ready`` (migrated)."""
    try:
        fresh = attach(conn, folder, key)
    except IndexUnreadable:
        if not may_remake:
            raise
        remove_files(folder)
        fresh = attach(conn, folder, key)
    if ready:
        reconcile(conn, fresh)


def is_attached(conn: Connection) -> bool:
    """Whether ``conn`` has ``index.db`` attached (a slot holding the identity key)."""
    return any(row[1] == SCHEMA for row in conn.execute("PRAGMA database_list"))


def _has_schema(conn: Connection) -> bool:
    return conn.execute("SELECT 1 FROM ix.sqlite_master WHERE name = 'record_text'"
                        ).fetchone() is not None


def _create_schema(conn: Connection) -> None:
    with transaction(conn):
        for statement in _TABLES:
            conn.execute(statement)
        conn.execute("CREATE VIRTUAL TABLE ix.record_text USING fts5 (body,"
                     " tokenize = 'trigram')")
        conn.execute("INSERT INTO ix.record_text (record_text, rank) VALUES"
                     " ('secure-delete', 1)")


def _sync_of(conn: Connection, table: str) -> str | None:
    row = conn.execute(f"SELECT value FROM {table} WHERE key = ?", (SYNC,)).fetchone()
    return None if row is None else str(row[0])


def reconcile(conn: Connection, fresh: bool) -> int:
    """At open, with ``ix`` attached: bring the index in line with ``intake.db`` when the
    two files' ``sync`` numbers differ (see the module doc) or the index is ``fresh``
    (just made). Returns how many records were marked for indexing."""
    if not fresh and _sync_of(conn, "main.meta") == _sync_of(conn, "ix.meta"):
        return 0
    with transaction(conn):
        conn.execute("DELETE FROM ix.record_text WHERE rowid NOT IN"
                     " (SELECT text_rowid FROM records WHERE text_rowid IS NOT NULL)")
        conn.execute("DELETE FROM ix.excerpts WHERE text_rowid NOT IN"
                     " (SELECT text_rowid FROM records WHERE text_rowid IS NOT NULL)")
        marked = conn.execute(
            "UPDATE records SET text_dirty = 1 WHERE text_dirty = 0 AND (text_rowid IS NULL"
            " OR text_rowid NOT IN (SELECT text_rowid FROM ix.excerpts))").rowcount
        TextIndex.touch_both(conn)
    return int(marked)


# -- the index ------------------------------------------------------------------------------
_text_ids: dict[int, tuple[Questionnaire, tuple[str, ...]]] = {}


def text_ids(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The questions whose answers are indexed (text, not identifying), worked out once
    per questionnaire: a record store is made for every call of a search."""
    found = _text_ids.get(id(questionnaire))
    if found is None or found[0] is not questionnaire:
        found = (questionnaire, tuple(q.id for q in questionnaire.questions()
                                      if q.type.is_text and not q.is_identifying))
        _text_ids[id(questionnaire)] = found
    return found[1]


def body_of(indexed: Sequence[str], answers: Mapping[str, Any]) -> str:
    """The searchable text of a record: the answers to ``indexed`` (:func:`text_ids`),
    NFC; no connection needed (an import makes it while the key is derived)."""
    parts: list[str] = []
    for qid in indexed:
        value = answers.get(qid)
        if isinstance(value, list):
            parts.extend(value)
        elif isinstance(value, str):
            parts.append(value)
    return nfc("\n".join(parts))


class TextIndex:
    """The index as one connection sees it: ``attached`` when the slot holds the identity
    key; ``private_answers(record_id, blob)`` opens a record's private section."""

    def __init__(self, conn: Connection, text_ids: tuple[str, ...],
                 attached: bool | Callable[[], bool],
                 private_answers: Callable[[str, bytes | None], Mapping[str, Any]]) -> None:
        self._conn = conn
        self._text_ids = text_ids
        self._attached = attached
        self._private = private_answers

    @property
    def attached(self) -> bool:
        """Whether ``ix`` is attached, asked at first use (a save that never needs it does
        not ask SQLite): ``attached`` may be a function that tells."""
        if not isinstance(self._attached, bool):
            self._attached = self._attached()
        return self._attached

    def body(self, answers: Mapping[str, Any]) -> str:
        """The searchable text of a record: its non-identifying text answers, NFC."""
        return body_of(self._text_ids, answers)

    @staticmethod
    def excerpt(answers: Mapping[str, Any]) -> str:
        text = answers.get("narrative.summary") or answers.get("narrative.quotes") or ""
        text = " ".join(str(text).split())
        return text[:EXCERPT_LENGTH] + ("…" if len(text) > EXCERPT_LENGTH else "")

    def indexed_body(self, text_rowid: int | None) -> str:
        if text_rowid is None or not self.attached:
            return ""
        found = self._conn.execute("SELECT body FROM ix.record_text WHERE rowid = ?",
                                   (text_rowid,)).fetchone()
        return "" if found is None else str(found[0])

    def reserve(self, count: int) -> Iterator[int]:
        """``count`` rowids never used before, taken as one block in the caller's
        transaction (AUTOINCREMENT keeps the highest; unused ones are simply skipped)."""
        if count <= 0 or not self.attached:
            return iter(())
        first = int(self._conn.execute("INSERT INTO record_text_ids DEFAULT VALUES").lastrowid)
        last = first + count - 1
        if last > first:
            self._conn.execute("INSERT INTO record_text_ids (id) VALUES (?)", (last,))
        self._conn.execute("DELETE FROM record_text_ids WHERE id IN (?, ?)", (first, last))
        return iter(range(first, last + 1))

    def add(self, answers: Mapping[str, Any], rowids: Iterator[int] | None = None) -> int | None:
        """Index a record's private ``answers`` under a fresh rowid (the next of ``rowids``
        when given, from :meth:`reserve`); returns it (None for no text). The caller
        stores it in ``records.text_rowid`` and calls :meth:`touch`."""
        body = self.body(answers)
        if not body or not self.attached:
            return None
        new_rowid = next(rowids if rowids is not None else self.reserve(1))
        self._conn.execute("INSERT INTO ix.record_text (rowid, body) VALUES (?, ?)",
                           (new_rowid, body))
        self._conn.execute("INSERT INTO ix.excerpts (text_rowid, excerpt) VALUES (?, ?)",
                           (new_rowid, self.excerpt(answers)))
        return new_rowid

    def remove(self, text_rowid: int | None) -> None:
        """Drop an entry (a deleted record, replaced text). Without ``ix`` the entry stays
        until the next unlock by a holder of the key (the sync numbers now differ)."""
        if text_rowid is None:
            return
        if not self.attached:
            self._bump_main()
            return
        self._conn.execute("DELETE FROM ix.record_text WHERE rowid = ?", (text_rowid,))
        self._conn.execute("DELETE FROM ix.excerpts WHERE text_rowid = ?", (text_rowid,))

    def touch(self) -> None:
        """Write one new sync number into both files (in the caller's transaction)."""
        if self.attached:
            self.touch_both(self._conn)

    @staticmethod
    def touch_both(conn: Connection) -> None:
        token = secrets.token_hex(8)
        for table in ("main.meta", "ix.meta"):
            conn.execute(f"INSERT INTO {table} (key, value) VALUES (?, ?) ON CONFLICT (key)"
                         " DO UPDATE SET value = excluded.value", (SYNC, token))

    def _bump_main(self) -> None:
        self._conn.execute("INSERT INTO main.meta (key, value) VALUES (?, ?) ON CONFLICT (key)"
                           " DO UPDATE SET value = excluded.value",
                           (SYNC, secrets.token_hex(8)))

    def index_pending(self) -> int:
        """Re-index every record whose text changed since it was last indexed."""
        if not self.attached:
            return 0
        rows = self._conn.execute("SELECT rid, id, text_rowid, identity FROM records"
                                  " WHERE text_dirty = 1").fetchall()
        if not rows:
            return 0
        with transaction(self._conn):
            rowids = self.reserve(len(rows))
            for rid, record_id, text_rowid, blob in rows:
                self.remove(text_rowid)
                self._conn.execute(
                    "UPDATE records SET text_rowid = ?, text_dirty = 0 WHERE rid = ?",
                    (self.add(self._private(record_id, blob), rowids), rid))
            self.touch()
        return len(rows)

    def matches(self, text: str) -> tuple[int, str | None]:
        """How many indexed texts match ``text`` (each belongs to one live record), with
        their rowids (a JSON array) when there are at most :data:`LISTED` (one pass).

        The record list asks for the count and then for the first page, which needs it
        again: the last answer is kept, under a keyed digest of the query (never its
        text), while this connection sees the same index (its sync number, which every
        transaction that changes the index writes, and this connection's own changes)."""
        digest = hashlib.blake2b(nfc(text).strip().encode("utf-8"), key=_COUNT_SALT,
                                 digest_size=16).digest()
        key = (id(self._conn), _sync_of(self._conn, "ix.meta"), self._conn.total_changes,
               digest)
        last = _last_count.get("last")  # one read: another thread may replace it
        if last is not None and last[0] == key:
            return last[1]
        clause, params = self.clause(text)
        inner = clause.removeprefix("records.text_rowid IN (").removesuffix(")")
        first, rowids = self._conn.execute(  # the rowids as a JSON array, made by SQLite
            f"SELECT count(*), json_group_array(rowid) FROM ({inner} LIMIT {LISTED + 1})",
            params).fetchone()
        found: tuple[int, str | None] = (int(first), str(rowids))
        if first > LISTED:
            found = (int(self._conn.execute(f"SELECT count(*) FROM ({inner})", params)
                         .fetchone()[0]), None)
        _last_count["last"] = (key, found)
        return found

    def match_count(self, text: str) -> int:
        """How many indexed texts match ``text`` (:meth:`matches`)."""
        return self.matches(text)[0]

    @staticmethod
    def listed_clause(rowids: str) -> tuple[str, list[Any]]:
        """A WHERE clause on ``records``: its text is one of ``rowids`` (from
        :meth:`matches`, so that a page does not run the text query a second time)."""
        return "records.text_rowid IN (SELECT value FROM json_each(?))", [rowids]

    @staticmethod
    def row_clause(text: str) -> tuple[str, list[Any]]:
        """A WHERE clause on one ``records`` row: its indexed text contains ``text`` (a
        LIKE, as :meth:`clause` for short queries). The text is read from the FTS5 table's
        content table by rowid, a plain B-tree lookup: through the FTS5 table each row
        would open a cursor of its own, some fifty memory allocations (each one locked and
        wiped with ``cipher_memory_security``), where a date walk reads hundreds of rows."""
        return (f"(SELECT c0 FROM {CONTENT} WHERE id = records.text_rowid) LIKE ? ESCAPE '\\'",
                [like_pattern(text)])

    @staticmethod
    def like_finds_alike(text: str) -> bool:
        """Whether LIKE, which folds ASCII case only, finds what the trigram index, which
        folds every case, finds: for a query with no cased letter beyond ASCII (Korean has
        none; Cyrillic has)."""
        return all(char.isascii() or char.lower() == char.upper() for char in nfc(text))

    @staticmethod
    def clause(text: str) -> tuple[str, list[Any]]:
        """A WHERE clause on ``records`` for the text query (NFC): the trigram index for
        three characters or more, a LIKE scan of the indexed text for fewer."""
        text = nfc(text).strip()
        if len(text) >= 3:
            return ("records.text_rowid IN (SELECT rowid FROM ix.record_text"
                    " WHERE record_text MATCH ?)", ['"' + text.replace('"', '""') + '"'])
        return ("records.text_rowid IN (SELECT rowid FROM ix.record_text"
                " WHERE body LIKE ? ESCAPE '\\')", [like_pattern(text)])


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped (the escape character is a backslash)."""
    escaped = nfc(text).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped + "%"
