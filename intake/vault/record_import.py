"""Importing records that carry their own revisions (a JSONL file, a transfer bundle)
into the record store, in one transaction: idempotent (the same id and revision is
skipped), a newer revision replaces the current one (which becomes history), an older one
is kept as history. No coalescing of revisions, and a withdrawal of consent stays: an
older file cannot undo it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from intake.domain.indicators import Finding
from intake.domain.record import Record
from intake.vault import identity
from intake.vault.json_text import json_text
from intake.vault.record_types import ImportResult
from intake.vault.records import RecordStore
from intake.vault.review_store import joined

WITHDRAWN = "consent.withdrawn_on"
WITHDRAWN_PATH = '$."consent.withdrawn_on"'
#: The stored row an imported record is compared with (then its id)
_STORED = ("SELECT revision, identity, text_rowid, rid, json_extract(answers, ?), id"
           " FROM records")
BLOCK = 500  # ids a statement (SQLite allows 32,766 parameters)


@dataclass(slots=True)
class PreparedImport:
    """A record to import with what its row needs, made before the transaction or in
    :mod:`intake.vault.import_pipeline`'s producer: ``values`` (the new row's columns,
    encoded and sealed), the text to index and its excerpt (its findings are read back from
    the row). Without ``values`` (or when the record is already stored) it is stored as a
    sequential import stores it."""

    record: Record
    findings: Mapping[str, Finding]
    values: dict[str, Any] | None = None
    body: str = ""
    excerpt: str = ""


class ImportingStore(RecordStore):
    """The record store, with the import of records as they are."""

    def import_many(self, items: Sequence[tuple[Record, Mapping[str, Finding]]]) -> ImportResult:
        """Import ``items`` (each stored as it comes: nothing prepared ahead)."""
        return self.import_blocks([[PreparedImport(record, findings)
                                    for record, findings in items]],
                                  [record.id for record, _findings in items])

    def prepared(self, record: Record, findings: Mapping[str, Finding]) -> PreparedImport:
        """What a new row of ``record`` needs, made without the connection (any thread).
        Whatever fails here is left to the store, which fails where a sequential import
        fails (a record it skips is never encoded)."""
        if self._idk is None:
            return PreparedImport(record, findings)
        try:
            answers, meta, id_answers, id_meta = record.split(self._q)
            values = self._values(record, answers, meta,
                                  self._seal_identity(record.id, id_answers, id_meta),
                                  findings, record.updated_at)
            values["revision"], values["session"] = max(record.revision, 1), None
            return PreparedImport(record, findings, values, self.text.body(id_answers),
                                  self.text.excerpt(id_answers))
        except Exception:  # noqa: BLE001 - the store raises it at the record's place
            return PreparedImport(record, findings)

    def prepared_from(self, record: Record, findings: Mapping[str, Finding], *,
                      answers: dict[str, Any], texts: tuple[str, str], private: bytes | None,
                      body: str, excerpt: str,
                      indicators: tuple[str, int] | None = None) -> PreparedImport:
        """:meth:`prepared`, from what was made without the key
        (:mod:`intake.services.import_ahead`): ``answers`` the stored section, ``texts``
        its JSON and its meta's, ``private`` the private section's plaintext,
        ``indicators`` the findings' row (:func:`findings_row`) when not overridden; only
        the seal is left."""
        if self._idk is None:
            return PreparedImport(record, findings)
        values = self._values(record, answers, {},
                              identity.seal_plaintext(self._idk, record.id, private),
                              findings, record.updated_at, texts, indicators)
        values["revision"], values["session"] = max(record.revision, 1), None
        return PreparedImport(record, findings, values, body, excerpt)

    def import_blocks(self, blocks: Iterable[Sequence[PreparedImport]],
                      ids: Sequence[str]) -> ImportResult:
        """Import the records of ``blocks`` (``ids``: theirs, in order, known before they
        are prepared) in one transaction: a new record prepared ahead is written with the
        new ones next to it (a statement for many), any other as :meth:`import_many`
        always did."""
        self._counts = [0, 0, 0, 0]  # added, updated, skipped, history
        #: (the record as stored, as imported) of each record this import replaced, for
        #: the caller's audit entries (which questions changed)
        self.replaced: list[tuple[Record, Record]] = []
        #: the rows this import adds: their findings are written in one statement at the end
        self._new_rids: set[int] = set()
        with joined(self._conn):
            self._rowids = self.text.reserve(len(ids))
            stored = self._stored_rows(ids)
            for block in blocks:
                new: list[PreparedImport] = []
                for item in block:
                    record_id = item.record.id
                    if record_id in stored and stored[record_id] is None \
                            and item.values is not None:
                        new.append(item)
                        continue
                    self._add_new(new)
                    new = []
                    self._import_one(item.record, item.findings, stored[record_id]
                                     if record_id in stored else self._conn.execute(
                                         _STORED + " WHERE id = ?",
                                         (WITHDRAWN_PATH, record_id)).fetchone())
                self._add_new(new)
            self._conn.execute(  # read by SQLite from the rows; in the key's order: appended
                "INSERT INTO record_findings (indicator, rid) SELECT f.key, r.rid"
                " FROM records AS r, json_each(r.indicators) AS f"
                " WHERE r.rid IN (SELECT value FROM json_each(?)) AND f.value = ?"
                " ORDER BY 1, 2", (json_text(sorted(self._new_rids)), Finding.PRESENT.value))
            self.text.touch()  # the index is written in the same transaction
        return ImportResult(*self._counts)

    def _import_one(self, record: Record, findings: Mapping[str, Finding],
                    found: Any) -> None:
        """One record as a sequential import stores it (``found``: its ``_STORED`` row)."""
        row = found[:4] if found is not None else None
        if row is None:
            self._insert_as_is(record, findings, None)
            self._counts[0] += 1
        elif record.revision > row[0]:
            if found[4] is not None and not record.answers.get(WITHDRAWN):
                # a withdrawal stays: an older file cannot undo it
                record.answers[WITHDRAWN] = found[4]
                record.meta.pop(WITHDRAWN, None)
            self.replaced.append((self._stored_record(row[3]), record))
            self._insert_as_is(record, findings, row)
            self._counts[1] += 1
        elif record.revision == row[0] or self._has_revision(record):
            self._counts[2] += 1
        else:
            answers, meta, id_answers, id_meta = record.split(self._q)
            identity = self._identity_for_save(record.id, id_answers, id_meta, None)
            self._write_revision(record, {
                "status": record.status.value, "author": record.author,
                "updated_at": record.updated_at, "answers": json_text(answers),
                "meta": json_text(meta), "identity": identity})
            self._counts[3] += 1

    def _add_new(self, items: Sequence[PreparedImport]) -> None:
        """Write new records prepared ahead, as :meth:`_insert_as_is` writes each: their
        texts and excerpts, then their rows (rids as the table would give them, one after
        the other), their findings kept for the end."""
        if not items:
            return
        texts: list[tuple[int, str, str]] = []
        rows: list[list[Any]] = []
        row_of = itemgetter(*self._COLUMNS)  # the row's values, in the columns' order
        for item in items:
            values = item.values
            assert values is not None
            item.record.revision = values["revision"]
            values["text_rowid"] = None
            if item.body and self.text.attached:
                values["text_rowid"] = next(self._rowids)
                texts.append((values["text_rowid"], item.body, item.excerpt))
            rows.append([*row_of(values), values["started"], 0])
        self._conn.executemany("INSERT INTO ix.record_text (rowid, body) VALUES (?, ?)",
                               [(rowid, body) for rowid, body, _excerpt in texts])
        self._conn.executemany("INSERT INTO ix.excerpts (text_rowid, excerpt) VALUES (?, ?)",
                               [(rowid, excerpt) for rowid, _body, excerpt in texts])
        columns = ", ".join((*self._COLUMNS, "revision_started_at", "text_dirty"))
        marks = ", ".join("?" * (len(self._COLUMNS) + 2))
        first = int(self._conn.execute(f"INSERT INTO records ({columns}) VALUES ({marks})",
                                       rows[0]).lastrowid)
        self._conn.executemany(f"INSERT INTO records (rid, {columns}) VALUES (?, {marks})",
                               [(first + n, *row) for n, row in enumerate(rows[1:], 1)])
        self._new_rids.update(range(first, first + len(items)))
        self._counts[0] += len(items)

    def _stored_rows(self, ids: Sequence[str]) -> dict[str, Any]:
        """The stored rows (``_STORED``'s columns) of the ids given once, read in blocks of
        :data:`BLOCK` (one statement a block, not one a record), with None for those not
        stored; an id given more than once is left out: the import reads its row again
        after each of its revisions."""
        counts = Counter(ids)
        once = [record_id for record_id, count in counts.items() if count == 1]
        found: dict[str, Any] = dict.fromkeys(once)
        for start in range(0, len(once), BLOCK):
            block = once[start:start + BLOCK]
            for row in self._conn.execute(
                    f"{_STORED} WHERE id IN ({', '.join('?' * len(block))})",
                    (WITHDRAWN_PATH, *block)):
                found[row[5]] = row[:5]
        return found

    def _stored_record(self, rid: int) -> Record:
        return self._record(self._conn.execute(
            "SELECT id, schema, revision, status, author, created_at, updated_at, answers,"
            " meta, identity FROM records WHERE rid = ?", (rid,)).fetchone())

    def _has_revision(self, record: Record) -> bool:
        return self._conn.execute(
            "SELECT 1 FROM record_revisions WHERE record_id = ? AND revision = ?",
            (record.id, record.revision)).fetchone() is not None

    def _insert_as_is(self, record: Record, findings: Mapping[str, Finding],
                      existing: Sequence[Any] | None) -> None:
        """Store an imported record with its own revision number (no coalescing);
        ``existing`` is the stored (revision, identity, text_rowid, rid) when it replaces
        one."""
        record.revision = max(record.revision, 1)
        answers, meta, id_answers, id_meta = record.split(self._q)
        identity = self._identity_for_save(record.id, id_answers, id_meta,
                                           existing[1] if existing else None)
        values = self._values(record, answers, meta, identity, findings, record.updated_at)
        values["session"] = None
        if existing:
            self._keep_as_history(existing[3])
            self.text.remove(existing[2])
        values["text_rowid"] = self.text.add(id_answers, self._rowids)
        rid = self._upsert(values, existing[3] if existing else None)
        if existing is None or rid in self._new_rids:  # a row this import added
            self._new_rids.add(rid)
        else:
            self._write_findings(rid, findings, new=False)

    def _write_revision(self, record: Record, values: Mapping[str, Any]) -> None:
        self._conn.execute(
            "INSERT INTO record_revisions (record_id, revision, status, author, saved_at,"
            " answers, meta, identity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id, revision) DO UPDATE SET status = excluded.status,"
            " author = excluded.author, saved_at = excluded.saved_at,"
            " answers = excluded.answers, meta = excluded.meta, identity = excluded.identity",
            (record.id, record.revision, values["status"], values["author"],
             values["updated_at"], values["answers"], values["meta"], values["identity"]),
        )
