"""Importing records that carry their own revisions (a JSONL file, a transfer bundle)
into the record store, in one transaction: idempotent (the same id and revision is
skipped), a newer revision replaces the current one (which becomes history), an older one
is kept as history. No coalescing of revisions, and a withdrawal of consent stays: an
older file cannot undo it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from intake.domain.indicators import Finding
from intake.domain.record import Record
from intake.vault.record_types import ImportResult
from intake.vault.records import RecordStore, json_text
from intake.vault.review_store import joined

WITHDRAWN = "consent.withdrawn_on"
WITHDRAWN_PATH = '$."consent.withdrawn_on"'
#: The stored row an imported record is compared with (then its id)
_STORED = ("SELECT revision, identity, text_rowid, rid, json_extract(answers, ?), id"
           " FROM records")
BLOCK = 500  # ids a statement (SQLite allows 32,766 parameters)


class ImportingStore(RecordStore):
    """The record store, with the import of records as they are."""

    def import_many(self, items: Sequence[tuple[Record, Mapping[str, Finding]]]) -> ImportResult:
        added = updated = skipped = history = 0
        #: the findings of the rows this import adds, by rid: written in one call at the end
        self._new_findings: dict[int, list[tuple[str, int]]] = {}
        with joined(self._conn):
            self._rowids = self.text.reserve(len(items))
            stored = self._stored_rows([record.id for record, _findings in items])
            for record, findings in items:
                found = stored[record.id] if record.id in stored else self._conn.execute(
                    _STORED + " WHERE id = ?", (WITHDRAWN_PATH, record.id)).fetchone()
                row = found[:4] if found is not None else None
                if row is None:
                    self._insert_as_is(record, findings, None)
                    added += 1
                elif record.revision > row[0]:
                    if found[4] is not None and not record.answers.get(WITHDRAWN):
                        # a withdrawal stays: an older file cannot undo it
                        record.answers[WITHDRAWN] = found[4]
                        record.meta.pop(WITHDRAWN, None)
                    self._insert_as_is(record, findings, row)
                    updated += 1
                elif record.revision == row[0] or self._has_revision(record):
                    skipped += 1
                else:
                    answers, meta, id_answers, id_meta = record.split(self._q)
                    identity = self._identity_for_save(record.id, id_answers, id_meta, None)
                    self._write_revision(record, {
                        "status": record.status.value, "author": record.author,
                        "updated_at": record.updated_at, "answers": json_text(answers),
                        "meta": json_text(meta), "identity": identity})
                    history += 1
            self._conn.executemany(  # in the key's order: appended, not spread
                "INSERT INTO record_findings (indicator, rid) VALUES (?, ?)",
                sorted(row for rows in self._new_findings.values() for row in rows))
            self.text.touch()  # the index is written in the same transaction
        return ImportResult(added, updated, skipped, history)

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
        if existing is None or rid in self._new_findings:  # a row this import added
            self._new_findings[rid] = [(name, rid) for name, value in findings.items()
                                       if value == Finding.PRESENT]
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
