"""Testimony records in the database: current state, revisions, text search, deletion.

- ``records`` holds each record's current revision; ``record_revisions`` every earlier one
  (moved there when a newer one replaces it): nothing is lost, nothing stored twice.
- The private section (every identifying answer and every free text,
  :attr:`Questionnaire.private_ids`) is stored as one AES-256-GCM blob under the identity
  key, with the record id as associated data; without that key it is never decrypted.
- The text index (FTS5, trigram tokenizer, secure-delete) and the excerpts are in
  ``index.db``, attached only with the identity key (:mod:`intake.vault.record_index`): a
  query of three characters or more uses the index, a shorter one (a two-syllable Korean
  word) a LIKE scan. Queries are NFC-normalized. Without the key there is no text search.
- Autosaves of one editing session within ``REVISION_WINDOW`` update the same revision (only
  the columns that changed); a new session, status, author or a clock set back starts anew.
- Importing records with their own revisions is :mod:`intake.vault.record_import`'s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from intake.domain.indicators import INDICATOR_IDS, Finding
from intake.domain.questionnaire import Questionnaire
from intake.domain.record import Record, Status
from intake.domain.upgrade import upgrade
from intake.vault import identity
from intake.vault.database import Connection
from intake.vault.json_text import json_loads, json_text
from intake.vault.record_index import TextIndex, is_attached, text_ids
from intake.vault.record_types import (
    IdentityKeyMissing,
    RecordFilter,
    RecordNotFound,
    RecordSummary,
    StoredRow,
    findings_row,
)
from intake.vault.review_store import joined

REVISION_WINDOW = dt.timedelta(minutes=10)
#: How a text page by date is found, for ``matches`` of ``records`` and ``rows = (offset +
#: limit) × records / matches`` (the date index's rows a walk reads to fill the page): a walk
#: reading each row's text (about 1.5 µs a row) while ``rows × ROW_WALK < matches``, from a
#: share of DENSE_SHARE on; else a walk against every match gathered first (0.2 µs a match,
#: 0.1 a row) while ``rows < LIST_WALK × matches``; else the matches sorted (0.5 µs each).
#: At or below MANY_MATCHES, always sorted (tests/perf/test_search_perf.py; tests force
#: plans with these).
ROW_WALK, LIST_WALK, MANY_MATCHES, DENSE_SHARE = 7.0, 3.0, 100, 0.0
SORTABLE = ("created_at", "updated_at", "author", "status", "sector", "region",
            "indicators_present", "year_departed")


class RecordStore:
    """Records on one connection (the calling thread's)."""

    def __init__(self, conn: Connection, identity_key: bytes | bytearray | None,
                 questionnaire: Questionnaire) -> None:
        self._conn = conn
        self._idk = bytes(identity_key) if identity_key is not None else None
        self._q = questionnaire
        self._opened: tuple[str, bytes, dict, dict] | None = None
        self.text = TextIndex(conn, text_ids(questionnaire),
                              lambda: self._idk is not None and is_attached(conn),
                              lambda record_id, blob: self._open_identity(record_id, blob)[0])

    # -- encoding -------------------------------------------------------------------------
    def _seal_identity(self, record_id: str, answers: dict[str, Any],
                       meta: dict[str, str]) -> bytes | None:
        if (answers or meta) and self._idk is None:
            raise IdentityKeyMissing()
        return identity.seal(self._idk or b"", record_id, answers, meta)

    def _open_identity(self, record_id: str, blob: bytes | None) -> tuple[dict, dict]:
        if blob is None or self._idk is None:
            return {}, {}
        opened = self._opened = (record_id, blob, *identity.unseal(self._idk, record_id, blob))
        return opened[2], opened[3]  # the last one is kept, for a save over it

    # -- writing --------------------------------------------------------------------------
    def save(self, record: Record, findings: Mapping[str, Finding]) -> int:
        """Store the record's current state; returns the revision it was given (see the
        module doc; ``record`` is left as it is). Joins the caller's transaction if open."""
        with joined(self._conn):
            return self.save_over(record, findings, self.stored_row(record.id))

    def save_over(self, record: Record, findings: Mapping[str, Finding],
                  row: StoredRow | None, before: Record | None = None) -> int:
        """``save`` over ``row``, the record's row as the caller read it in the same
        transaction (None: not stored yet), so the row is not read again; returns the
        revision; ``before``, that row's record as the caller opened it, tells whether the
        text changed without reading the index."""
        answers, meta, id_answers, id_meta = record.split(self._q)
        if before is None or (record.answers, record.meta, record.status) != (
                before.answers, before.meta, before.status):
            self._opened = None  # a record that changed is sealed anew (a fresh nonce)
        identity = self._identity_for_save(record.id, id_answers, id_meta,
                                           row.identity if row is not None else None)
        saved_at = record.updated_at
        if row is None:
            revision, started = max(record.revision, 1), saved_at
        elif (row.session == record.session and row.status == record.status.value
              and row.author == record.author and row.revision == record.revision
              and _age(row.started, saved_at) < REVISION_WINDOW):
            revision, started = row.revision, row.started  # the same editing session
        else:
            self._keep_as_history(row.rid)
            revision, started = row.revision + 1, saved_at
        values = self._values(replace(record, revision=revision), answers, meta, identity,
                              findings, started)
        body = self.text.body(id_answers)
        values["text_rowid"] = None if row is None else row.text_rowid
        if row is None:  # indexed by index_pending: a save writes intake.db alone
            self._write_findings(self._upsert(values, None, dirty=bool(body)), findings,
                                 new=True)
            return revision
        changed = row.changed({c: values[c] for c in self._COLUMNS}
                              | {"revision_started_at": values["started"]})
        if not row.text_dirty and body != (self.text.body(before.answers) if before  # (text
                                           else self.text.indexed_body(row.text_rowid)):
            changed["text_dirty"] = 1  # ids are private ids; marked once: no index page
        if changed:  # only what differs: the indexes on the rest stay untouched
            self._conn.execute(f"UPDATE records SET {', '.join(c + ' = ?' for c in changed)}"
                               " WHERE rid = ?", (*changed.values(), row.rid))
        if values["indicators"] != row.indicators:
            self._write_findings(row.rid, findings, new=False)
        return revision

    def _identity_for_save(self, record_id: str, answers: dict[str, Any],
                           meta: dict[str, str], existing: bytes | None) -> bytes | None:
        if self._idk is None:
            if answers or meta:
                raise IdentityKeyMissing()
            return existing  # a role without the identity key keeps what it cannot read
        data, opened = identity.plaintext(answers, meta), self._opened
        if (existing is not None and opened is not None and opened[:2] == (record_id, existing)
                and data == identity.plaintext(opened[2], opened[3])):
            return existing  # opened with this key, the same content: no new seal, no write
        return identity.seal_plaintext(self._idk, record_id, data)

    _COLUMNS = ("id", "schema", "revision", "status", "author", "created_at", "updated_at",
                "answers", "meta", "identity", "indicators", "sector", "region",
                "year_departed", "indicators_present", "session", "text_rowid")

    def _upsert(self, values: Mapping[str, Any], rid: int | None, dirty: bool = False) -> int:
        """Insert a record's current state (its text to index when ``dirty``), or replace
        it when ``rid`` is known; returns the rowid (no RETURNING: a millisecond a row)."""
        columns = (*self._COLUMNS, "revision_started_at")
        params = [values[c] for c in self._COLUMNS] + [values["started"]]
        if rid is None:
            cursor = self._conn.execute(
                f"INSERT INTO records ({', '.join(columns)}, text_dirty)"
                f" VALUES ({', '.join('?' * len(columns))}, ?)", [*params, int(dirty)])
            return int(cursor.lastrowid)
        self._conn.execute(
            f"UPDATE records SET {', '.join(c + ' = ?' for c in columns)} WHERE rid = ?",
            [*params, rid])
        return rid

    def _values(self, record: Record, answers: dict[str, Any], meta: dict[str, str],
                identity: bytes | None, findings: Mapping[str, Finding],
                started: str, texts: tuple[str, str] | None = None,
                indicators: tuple[str, int] | None = None) -> dict[str, Any]:
        # texts, indicators: the sections' JSON and findings_row, when made already (ahead)
        year, found = answers.get("deployment.year_departed"), indicators or findings_row(findings)
        stored = texts or (json_text(answers), json_text(meta))
        return {
            "id": record.id, "schema": record.schema, "revision": record.revision,
            "status": record.status.value, "author": record.author,
            "created_at": record.created_at, "updated_at": record.updated_at,
            "answers": stored[0], "meta": stored[1], "identity": identity,
            "indicators": found[0], "indicators_present": found[1],
            "sector": answers.get("deployment.sector"),
            "region": answers.get("deployment.destination_region"),
            "year_departed": year if isinstance(year, int) else None,
            "session": record.session, "started": started,
        }

    def _keep_as_history(self, rid: int) -> None:
        """Copy the current revision into ``record_revisions`` before it is replaced."""
        self._conn.execute(
            "INSERT OR IGNORE INTO record_revisions (record_id, revision, status, author,"
            " saved_at, answers, meta, identity) SELECT id, revision, status, author,"
            " updated_at, answers, meta, identity FROM records WHERE rid = ?", (rid,))

    def _write_findings(self, rid: int, findings: Mapping[str, Finding], new: bool) -> None:
        if not new:
            self._forget_findings(rid)
        self._conn.executemany("INSERT INTO record_findings (indicator, rid) VALUES (?, ?)",
                               [(n, rid) for n, v in findings.items() if v == Finding.PRESENT])

    def _forget_findings(self, rid: int) -> None:
        self._conn.execute(
            f"DELETE FROM record_findings WHERE rid = ? AND indicator IN"
            f" ({', '.join('?' * len(INDICATOR_IDS))})", (rid, *INDICATOR_IDS))

    def delete(self, record_id: str) -> None:
        """Remove the record and every revision; no trace stays readable with the key
        (secure_delete zeroes freed pages, FTS5 secure-delete rewrites the index, and the
        WAL is truncated afterwards, by the caller when it opened the transaction)."""
        with joined(self._conn) as own:
            row = self._conn.execute("SELECT rid, text_rowid FROM records WHERE id = ?",
                                     (record_id,)).fetchone()
            if row is None:
                raise RecordNotFound(id=record_id)
            self.text.remove(row[1])
            self.text.touch()
            self._forget_findings(row[0])
            self._conn.execute("DELETE FROM record_revisions WHERE record_id = ?", (record_id,))
            self._conn.execute("DELETE FROM records WHERE rid = ?", (row[0],))
        if own:
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- reading --------------------------------------------------------------------------
    def load(self, record_id: str) -> Record:
        row = self._conn.execute(
            "SELECT id, schema, revision, status, author, created_at, updated_at, answers,"
            " meta, identity FROM records WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise RecordNotFound(id=record_id)
        return self._record(row)

    def stored_row(self, record_id: str) -> StoredRow | None:
        """The record's row, for a save (one SELECT: what it compares with and replaces)."""
        row = self._conn.execute(
            "SELECT rid, id, schema, revision, status, author, created_at, updated_at,"
            " answers, meta, identity, session, revision_started_at, text_rowid, indicators,"
            " sector, region, year_departed, indicators_present, text_dirty"
            " FROM records WHERE id = ?", (record_id,)).fetchone()
        return None if row is None else StoredRow(*row)

    def from_row(self, row: StoredRow) -> Record:
        """The record of a row read by :meth:`stored_row` (identity only with the key)."""
        return self._record((row.id, row.schema, row.revision, row.status, row.author,
                             row.created_at, row.updated_at, row.answers, row.meta, row.identity))

    def _record(self, row: Sequence[Any], with_identity: bool = True) -> Record:
        rid, schema, revision, status, author, created, updated, answers, meta, blob = row
        id_answers, id_meta = self._open_identity(rid, blob) if with_identity else ({}, {})
        all_answers = {**json_loads(answers), **id_answers}
        all_meta = {**json_loads(meta), **id_meta}
        if schema != self._q.schema:  # written by an older questionnaire
            all_answers, all_meta = upgrade(self._q, all_answers, all_meta)
        return Record(rid, schema, revision, Status(status), author, created, updated,
                      all_answers, all_meta)

    def revisions(self, record_id: str) -> list[int]:
        """Every revision kept: the earlier ones and the current one."""
        return [r[0] for r in self._conn.execute(
            "SELECT revision FROM record_revisions WHERE record_id = ?"
            " UNION SELECT revision FROM records WHERE id = ? ORDER BY 1", (record_id, record_id))]

    def history(self, record: Record) -> list[Record]:
        """The revisions kept before ``record``'s current one, oldest first (their schema
        and creation time are the record's)."""
        rows = self._conn.execute(
            "SELECT revision, status, author, saved_at, answers, meta, identity"
            " FROM record_revisions WHERE record_id = ? AND revision < ? ORDER BY revision",
            (record.id, record.revision)).fetchall()
        return [self._record((record.id, record.schema, rev, status, author,
                              record.created_at, saved, answers, meta, blob))
                for rev, status, author, saved, answers, meta, blob in rows]

    def iter_records(self, batch: int = 500, with_identity: bool = True) -> Iterator[Record]:
        last = 0
        while True:
            rows = self._conn.execute(
                "SELECT rid, id, schema, revision, status, author, created_at, updated_at,"
                " answers, meta, identity FROM records WHERE rid > ? ORDER BY rid LIMIT ?",
                (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield self._record(row[1:], with_identity)
            last = rows[-1][0]

    def _where(self, flt: RecordFilter) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (("status", flt.status), ("sector", flt.sector),
                              ("year_departed", flt.year), ("author", flt.interviewer)):
            if value is not None:
                clauses.append(f"records.{column} = ?")
                params.append(value)
        if flt.indicator is not None:
            clauses.append("records.rid IN (SELECT rid FROM record_findings WHERE indicator = ?)")
            params.append(flt.indicator)
        if flt.ids is not None:
            clauses.append(f"records.id IN ({','.join('?' * len(flt.ids))})" if flt.ids
                           else "0")
            params.extend(flt.ids)
        if flt.text.strip():
            clause, values = TextIndex.clause(flt.text)
            clauses.append(clause)
            params.extend(values)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def _require_text(self, flt: RecordFilter) -> bool:
        """Whether ``flt`` searches text; without the index (no identity key) it may not."""
        if not flt.text.strip():
            return False
        if not self.text.attached:
            raise IdentityKeyMissing()
        self.text.index_pending()
        return True

    def count(self, flt: RecordFilter) -> int:
        if self._require_text(flt):
            if flt == RecordFilter(text=flt.text):  # every indexed text is one live record
                return self.text.match_count(flt.text)
        where, params = self._where(flt)
        return int(self._conn.execute(f"SELECT count(*) FROM records{where}", params)
                   .fetchone()[0])

    def summaries(self, flt: RecordFilter, offset: int, limit: int, sort: str,
                  descending: bool) -> list[RecordSummary]:
        if sort not in SORTABLE:
            raise ValueError(sort)
        order = "DESC" if descending else "ASC"
        # the excerpt's place holds the text rowid; the page's excerpts are read after
        columns = ("id, created_at, updated_at, author, status, sector, region,"
                   " year_departed, indicators_present, text_rowid, revision")
        if self._require_text(flt):
            if sort == "created_at" and flt == RecordFilter(text=flt.text):
                return self._with_excerpts(
                    self._text_page(flt.text, columns, order, offset, limit))
        where, params = self._where(flt)
        rows = self._conn.execute(
            f"SELECT {columns} FROM records{where} ORDER BY {sort} {order}, rid {order}"
            " LIMIT ? OFFSET ?", [*params, limit, offset]).fetchall()
        return self._with_excerpts(rows)

    def _with_excerpts(self, rows: Sequence[Sequence[Any]]) -> list[RecordSummary]:
        """Summaries of ``rows`` (the text rowid at the excerpt's place), their excerpts
        read from the index in one statement (a subquery per row costs a tenth of a text
        search); none without the index."""
        found: dict[int, str] = {}
        wanted = [row[9] for row in rows if row[9] is not None]
        if self.text.attached:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start:start + 500]
                found.update(self._conn.execute(
                    "SELECT text_rowid, excerpt FROM ix.excerpts WHERE text_rowid IN"
                    f" ({','.join('?' * len(chunk))})", chunk).fetchall())
        return [RecordSummary(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7],
                              row[8], found.get(row[9], ""), row[10]) for row in rows]

    def _text_page(self, text: str, columns: str, order: str, offset: int,
                   limit: int) -> list[Any]:
        """A page of a text search by date: the page's rids chosen from an index alone
        (:meth:`page_rids_sql`), then only those rows read."""
        rids, params = self.page_rids_sql(text, order, offset, limit)
        return self._conn.execute(
            f"SELECT {columns} FROM records WHERE rid IN ({rids})"
            f" ORDER BY created_at {order}, rid {order}", [*params, limit, offset]).fetchall()

    def page_rids_sql(self, text: str, order: str, offset: int,
                      limit: int) -> tuple[str, list[Any]]:
        """The query of the rids of a text search's page by date (its parameters, then
        ``LIMIT ? OFFSET ?``). With few matches they are sorted (their rowids kept from the
        count); with many, the date index ``(created_at, rid, text_rowid)`` is walked in the
        page's order and the walk stops after the page (see :data:`ROW_WALK`)."""
        (matches, rowids), total = self.text.matches(text), self._highest_rid()
        rows = (offset + limit) * total / max(matches, 1)
        index, (clause, params) = "records_created", TextIndex.clause(text)
        if matches <= MANY_MATCHES or rows >= LIST_WALK * matches:
            index = "records_text"
            if rowids is not None:
                clause, params = TextIndex.listed_clause(rowids)
        elif (rows * ROW_WALK < matches and matches >= DENSE_SHARE * total
              and TextIndex.like_finds_alike(text)):
            clause, params = TextIndex.row_clause(text)
        return (f"SELECT rid FROM records INDEXED BY {index} WHERE {clause}"
                f" ORDER BY created_at {order}, rid {order} LIMIT ? OFFSET ?", params)

    def ids_matching(self, text: str) -> list[str]:
        """Ids of every record whose indexed text matches ``text`` (one pass)."""
        if not self.text.attached:
            raise IdentityKeyMissing()
        self.text.index_pending()
        clause, params = TextIndex.clause(text)
        return [r[0] for r in self._conn.execute(f"SELECT id FROM records WHERE {clause}", params)]

    def _highest_rid(self) -> int:  # an upper bound of the records (rowids never reused)
        return int(self._conn.execute("SELECT max(rid) FROM records").fetchone()[0] or 0)

    def find_in_identities(self, text: str, limit: int) -> list[str]:
        if self._idk is None:
            raise IdentityKeyMissing()
        rows = self._conn.execute("SELECT id, identity FROM records WHERE identity IS NOT NULL")
        return identity.find(self._idk, rows, text, limit, self._q.identifying_ids)


def _age(started: str, now: str) -> dt.timedelta:
    try:
        age = dt.datetime.fromisoformat(now) - dt.datetime.fromisoformat(started)
    except ValueError:
        age = REVISION_WINDOW
    return age if age.days >= 0 else REVISION_WINDOW  # a clock set back: no session
