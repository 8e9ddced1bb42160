"""The text search index of records (FTS5, trigram tokenizer, secure-delete).

Secure-delete makes re-indexing a long text cost tens of milliseconds on a large vault, so
autosaves do not re-index: a save whose searchable text changed only marks the record
``text_dirty``, and :meth:`TextIndex.index_pending` brings the index up to date before any
text search, when an editor leaves the record, and at unlock and lock. Each indexing uses a
fresh FTS rowid: deleting and re-inserting one rowid in a transaction leaves stale entries
behind with secure-delete on (seen with SQLite 3.53).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from intake.vault.database import Connection, transaction


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class TextIndex:
    def __init__(self, conn: Connection, text_ids: tuple[str, ...]) -> None:
        self._conn = conn
        self._text_ids = text_ids

    def body(self, answers: Mapping[str, Any]) -> str:
        """The searchable text of a record: its non-identifying text answers, NFC."""
        parts: list[str] = []
        for qid in self._text_ids:
            value = answers.get(qid)
            if isinstance(value, list):
                parts.extend(value)
            elif isinstance(value, str):
                parts.append(value)
        return nfc("\n".join(parts))

    def indexed_body(self, text_rowid: int | None) -> str:
        if text_rowid is None:
            return ""
        row = self._conn.execute("SELECT body FROM record_text WHERE rowid = ?", (text_rowid,))
        found = row.fetchone()
        return "" if found is None else str(found[0])

    def mark_if_changed(self, rid: int, text_rowid: int | None, body: str) -> None:
        """After a save: flag the record when its searchable text changed."""
        if body != self.indexed_body(text_rowid):
            self._conn.execute("UPDATE records SET text_dirty = 1 WHERE rid = ?", (rid,))

    def add(self, body: str) -> int | None:
        """Index ``body`` under a fresh FTS rowid; returns it (None for no text)."""
        if not body:
            return None
        new_rowid = int(self._conn.execute("INSERT INTO record_text_ids DEFAULT VALUES")
                        .lastrowid)
        self._conn.execute("DELETE FROM record_text_ids WHERE id = ?", (new_rowid,))
        self._conn.execute("INSERT INTO record_text (rowid, body) VALUES (?, ?)",
                           (new_rowid, body))
        return new_rowid

    def reindex(self, rid: int, text_rowid: int | None, body: str) -> None:
        """Index ``body`` for the record now, under a fresh FTS rowid."""
        self.remove(text_rowid)
        self._conn.execute("UPDATE records SET text_rowid = ?, text_dirty = 0 WHERE rid = ?",
                           (self.add(body), rid))

    def index_pending(self) -> int:
        """Re-index every record whose text changed since it was last indexed."""
        rows = self._conn.execute(
            "SELECT rid, text_rowid, answers FROM records WHERE text_dirty = 1").fetchall()
        if not rows:
            return 0
        with transaction(self._conn):
            for rid, text_rowid, answers in rows:
                self.reindex(rid, text_rowid, self.body(json.loads(answers)))
        return len(rows)

    def match_count(self, text: str) -> int:
        """How many indexed texts match ``text`` (each belongs to one live record)."""
        clause, params = self.clause(text)
        inner = clause.removeprefix("records.text_rowid IN (").removesuffix(")")
        return int(self._conn.execute(f"SELECT count(*) FROM ({inner})", params).fetchone()[0])

    def remove(self, text_rowid: int | None) -> None:
        if text_rowid is not None:
            self._conn.execute("DELETE FROM record_text WHERE rowid = ?", (text_rowid,))

    @staticmethod
    def clause(text: str) -> tuple[str, list[Any]]:
        """A WHERE clause on ``records`` for the text query (NFC): the trigram index for
        three characters or more, a LIKE scan of the indexed text for fewer."""
        text = nfc(text).strip()
        if len(text) >= 3:
            return ("records.text_rowid IN (SELECT rowid FROM record_text"
                    " WHERE record_text MATCH ?)", ['"' + text.replace('"', '""') + '"'])
        return ("records.text_rowid IN (SELECT rowid FROM record_text"
                " WHERE body LIKE ? ESCAPE '\\')", [like_pattern(text)])


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped (the escape character is a backslash)."""
    escaped = nfc(text).strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return "%" + escaped + "%"
