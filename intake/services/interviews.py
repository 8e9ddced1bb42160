"""Recording testimonies: create, save (a new revision), load, delete, list and search.

The form and the CLI call this; a save (validating with the questionnaire, deriving the
ILO indicators, storing through :class:`intake.vault.records.RecordStore`) is the rule of
:mod:`intake.services.saving`, and returns a new record. Identifying
answers (class D) are encrypted with the identity key, which coordinators do not hold.

Every call checks the role of the vault's user against the permission table
(:mod:`intake.domain.permissions`): interviewers see and search only their own records,
coordinators see every record but never an identity section, the review statuses and the
reviewers' section need ``REVIEW``. A refused call raises ``PermissionDenied`` before
anything is read or written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from intake.domain import answers as answer_rules
from intake.domain import indicators
from intake.domain.indicators import Finding
from intake.domain.permissions import Action, allowed, require
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.services import drafts, import_ahead, record_changes, saving
from intake.services.saving import AfterSave, RecordSaver, identity_action, identity_key
from intake.vault import (
    attachments,
    audit,
    import_pipeline,
    recording_rows,
    release_ledger,
    review_store,
)
from intake.vault.audit import AuditAction
from intake.vault.database import Connection, scrub
from intake.vault.drafts import DraftStore
from intake.vault.record_import import ImportingStore, PreparedImport
from intake.vault.record_types import ImportResult
from intake.vault.records import (
    IdentityKeyMissing,
    RecordFilter,
    RecordNotFound,
    RecordStore,
    RecordSummary,
)
from intake.vault.vault import Vault

__all__ = ["ImportResult", "InterviewService", "RecordFilter", "RecordSummary"]

#: What the anonymized export and the statistics may read (never the plaintext export's).
ANONYMIZING_EXPORTS = frozenset({Action.EXPORT_ANONYMIZED, Action.EXPORT_STATISTICS})


@dataclass
class InterviewService:
    vault: Vault
    questionnaire: Questionnaire = QUESTIONNAIRE
    _saver: RecordSaver = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._saver = RecordSaver(self.vault, self.questionnaire)

    def _store(self, with_identity: bool = True) -> RecordStore:
        return RecordStore(self.vault.connection(), identity_key(self.vault, with_identity),
                           self.questionnaire)

    # -- permissions ----------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        """Whether the vault is still unlocked (a form saving under a lock checks this)."""
        return self.vault.is_open

    @property
    def user(self) -> str:
        return self.vault.user

    def may(self, action: Action) -> bool:
        """Whether the current user's role may do ``action`` (for the UI to hide it)."""
        return allowed(self.vault.role, action)

    def _require(self, action: Action) -> None:
        require(self.vault.role, action)

    def _sees_all(self) -> bool:
        return self.may(Action.VIEW_OTHERS_RECORDS)

    def _summary(self, record_id: str) -> RecordSummary:
        found = self._store().summaries(RecordFilter(ids=(record_id,)), 0, 1,
                                             "created_at", True)
        if not found:
            raise RecordNotFound(id=record_id)
        return found[0]

    def _identity_action(self, author: str) -> Action:
        return identity_action(self.vault.user, author)

    def may_see_identity(self, author: str) -> bool:
        """Whether identity sections of ``author``'s records are shown to the current
        user (the form hides the identity questions otherwise)."""
        return (self.vault.has_identity_key and self.vault.role.holds_identity_key
                and self.may(self._identity_action(author)))

    def _check_view(self, author: str) -> None:
        if author != self.vault.user:
            self._require(Action.VIEW_OTHERS_RECORDS)

    def _own_ids(self) -> set[str]:
        mine = RecordFilter(interviewer=self.vault.user)
        store = self._store()
        total = store.count(mine)
        return {s.id for s in store.summaries(mine, 0, max(total, 1), "created_at", True)}

    def _visible(self, flt: RecordFilter | None) -> RecordFilter | None:
        """``flt`` limited to what the role may see; None when it can match nothing."""
        flt = flt or RecordFilter()
        if self._sees_all():
            return flt
        if flt.interviewer is not None and flt.interviewer != self.vault.user:
            return None
        return replace(flt, interviewer=self.vault.user)

    # -- one record -----------------------------------------------------------------------
    def new_record(self) -> Record:
        """A new, unsaved draft by the current user."""
        self._require(Action.CREATE_RECORD)
        return Record.new(self.vault.user, self.questionnaire)

    def prepare(self, record: Record) -> Record:
        """``record`` validated and normalized, as a new record (derived answers filled
        in); raises AnswerError or ConsentRequired. Nothing is stored."""
        return saving.prepared(self.questionnaire, record)

    def save(self, record: Record, pending: Mapping[str, Any] | None = None) -> Record:
        """Store ``record`` (validated first); returns the saved record, a new one with its
        revision number, ``updated_at`` and derived answers (``record`` is left as it was).
        The rule is services/saving.py's: autosaves of the same editing session are
        coalesced into one revision (see RecordStore.save). Raises ``PermissionDenied``
        for a record the role may not create or edit, and for a review status or review
        answer it may not set; ``InvalidTransition`` for a status change the workflow does
        not have (services/workflow.py); ``ConsentChangeRefused`` (an ``AnswerError`` at
        that question) for a changed consent answer of a stored record: consent is changed
        only through ``ReviewService.set_consent``/``withdraw``. A new record's first save
        may carry consent answers (there is no decision yet to overwrite).

        In the same transaction as the record: the audit entries (``RECORD_CREATED``,
        ``RECORD_EDITED`` with the changed question ids, ``STATUS_CHANGED``) and the status
        history row (services/record_changes.py). A save that changes nothing logs
        nothing. The identity answers of a record whose identity was purged are dropped.

        ``pending`` (the form's autosave): the entries of questions whose input does not
        validate yet, as the editors hold them; they replace the record's pending answers
        in the same transaction (``{}`` clears them; see vault/drafts.py)."""
        if pending is None:
            return self._save(record)

        def keep_pending(conn: Connection, saved: Record) -> None:
            plain, identifying = drafts.split(self.questionnaire, pending)
            DraftStore(conn, self._identity_key(saved.author)).put(
                saved.id, plain, identifying, saved.updated_at)

        return self._save(record, extra=keep_pending)

    def _identity_key(self, author: str) -> bytes | None:
        """The identity key, for a role that may read this author's identity sections."""
        return identity_key(self.vault, allowed(self.vault.role, self._identity_action(author)))

    def pending_answers(self, record_id: str) -> dict[str, Any]:
        """What the form held for the record's questions that did not validate yet (the
        identifying ones only for a role that may see the identity section)."""
        author = self._summary(record_id).author
        self._check_view(author)
        return DraftStore(self.vault.connection(), self._identity_key(author)).get(record_id)

    def _save(self, record: Record, *, consent_step: Collection[str] = (),
              extra: AfterSave | None = None) -> Record:
        """``save``, for the consent step (services/review.py): ``consent_step`` names the
        question ids this call may change without the consent check and logs itself (the
        consent ids; with a purge, the identity ids too); ``extra(conn, saved)`` runs in
        the same transaction, after the record is stored."""
        return self._saver.save(record, consent_step=consent_step, extra=extra)

    def load(self, record_id: str) -> Record:
        """The record, with its identity section only for a role that may see it."""
        author = self._summary(record_id).author
        self._check_view(author)
        with_identity = allowed(self.vault.role, self._identity_action(author))
        return self._store(with_identity).load(record_id)

    def identity(self, record_id: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The identity section (class D) of one record (answers, marks), for revealing it; raises
        ``PermissionDenied`` for a role that may not see it (coordinators, and
        interviewers for other users' records)."""
        author = self._summary(record_id).author
        self._require(self._identity_action(author))
        self._check_view(author)
        record = self._store().load(record_id)
        identifying = self.questionnaire.identifying_ids
        answers = {k: v for k, v in record.answers.items() if k in identifying}
        meta = {k: v for k, v in record.meta.items() if k in identifying}
        if answers or meta:
            audit.append(self.vault.connection(), self.vault.user,
                         AuditAction.IDENTITY_VIEWED, record_id)
        return answers, meta

    def identity_viewed(self, record_id: str) -> None:
        """Log ``IDENTITY_VIEWED``: the form calls this each time it reveals the identity
        section it already holds ("Show identity", ``InterviewForm.identity_revealed``).
        ``load`` does not log: the form loads the identity masked."""
        author = self._summary(record_id).author
        self._require(self._identity_action(author))
        self._check_view(author)
        audit.append(self.vault.connection(), self.vault.user, AuditAction.IDENTITY_VIEWED,
                     record_id)

    def delete(self, record_id: str) -> None:
        """Own drafts for those who create records; anything else for administrators."""
        summary = self._summary(record_id)
        self._check_view(summary.author)
        own_draft = summary.author == self.vault.user and summary.status == Status.DRAFT
        if not self.may(Action.DELETE_RECORD):
            self._require(Action.DELETE_OWN_DRAFT if own_draft else Action.DELETE_RECORD)
        conn = self.vault.connection()
        with review_store.joined(conn):
            self._store().delete(record_id)
            audit.append(conn, self.vault.user, AuditAction.RECORD_DELETED, record_id)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        attachments.sweep(conn, self.vault.files.folder)  # its files went with their keys
        recording_rows.discard_spools(conn, self.vault.files.folder, self.vault.identity_key,
                                      [record_id])  # its recordings not yet finished

    def clear_all_records(self, ids: Collection[str] | None = None) -> int:
        """Travel mode's local part (field security): delete every testimony in the vault (or those
        of ``ids``: "delete after sending") in one transaction, leaving users, settings and
        the audit log (which names no one); returns how many. Roles that may delete any
        record may always; those who create records only when each is their own. The
        file is rebuilt after the commit (``database.scrub``)."""
        if not self.may(Action.DELETE_RECORD):
            self._require(Action.CREATE_RECORD)
        conn = self.vault.connection()
        rows = conn.execute("SELECT id, author FROM records").fetchall()
        if ids is not None:
            wanted = set(ids)
            rows = [row for row in rows if row[0] in wanted]
        if not self.may(Action.DELETE_RECORD) and any(r[1] != self.vault.user for r in rows):
            self._require(Action.DELETE_RECORD)
        store = self._store()
        with review_store.joined(conn):
            for record_id, _author in rows:
                store.delete(record_id)
            release_ledger.forget(conn, [row[0] for row in rows])  # issue 18
            audit.append(conn, self.vault.user, AuditAction.RECORDS_CLEARED,
                         detail={"count": len(rows)})
        scrub(conn)
        attachments.sweep(conn, self.vault.files.folder)
        recording_rows.discard_spools(  # recordings not yet finished (issue 19)
            conn, self.vault.files.folder, self.vault.identity_key,
            None if ids is None else [row[0] for row in rows])
        return len(rows)

    def indicators(self, record: Record) -> dict[str, Finding]:
        return indicators.derive(answer_rules.with_derived(record.answers))

    def index_pending(self) -> int:
        """Bring the text search index up to date with the records' latest saves (autosaves
        only mark a changed text; see intake/vault/record_index.py)."""
        return self._store().text.index_pending()

    def revisions(self, record_id: str) -> list[int]:
        """Every revision kept (none for a record that is not, or no longer, stored)."""
        try:
            self._check_view(self._summary(record_id).author)
        except RecordNotFound:
            return []
        return self._store(False).revisions(record_id)

    # -- many records ---------------------------------------------------------------------
    def count(self, flt: RecordFilter | None = None) -> int:
        visible = self._visible(flt)
        return 0 if visible is None else self._store().count(visible)

    def summaries(
        self, flt: RecordFilter | None = None, offset: int = 0, limit: int = 200,
        sort: str = "created_at", descending: bool = True,
    ) -> list[RecordSummary]:
        visible = self._visible(flt)
        if visible is None:
            return []
        return self._store().summaries(visible, offset, limit, sort, descending)

    def find_by_name(self, text: str, limit: int = 1000) -> list[str]:
        """Record ids whose identity answers contain ``text`` (names, aliases, contacts).
        Done in memory after decrypting; only roles that may see identity sections may
        ask, and those that see only their own records find only those."""
        self._require(Action.VIEW_OWN_IDENTITY)
        store = self._store()
        if self.may(Action.VIEW_OTHERS_IDENTITY) and self._sees_all():
            return store.find_in_identities(text, limit)
        own = self._own_ids()
        found = store.find_in_identities(text, max(store.count(RecordFilter()), 1))
        return [record_id for record_id in found if record_id in own][:limit]

    def text_ids(self, text: str) -> list[str]:
        """Ids of the records whose words contain ``text`` (one scan; used to resolve a
        short query once instead of on every page); only those the role may see."""
        found = self._store().ids_matching(text)
        if self._sees_all():
            return found
        own = self._own_ids()
        return [record_id for record_id in found if record_id in own]

    def on_worker_done(self) -> None:
        """A worker thread finished with the vault: close its connection."""
        self.vault.release_thread_connection()

    def import_records(self, records: Iterable[Record],
                       ahead: Sequence[import_ahead.Ahead] | None = None) -> ImportResult:
        """Store already-validated records in one transaction (idempotent: same id and
        revision are skipped, a newer revision replaces, an older one is kept as history).
        Needs ``IMPORT`` (records of any user, with their review statuses; statuses are
        taken as they are, not as workflow transitions).

        Logs ``IMPORTED {count}`` (records added, updated or kept as history) and, for each
        record replaced, ``RECORD_EDITED`` (its changed questions) in the transaction. A
        purged identity is not brought back (its answers are dropped); a withdrawn consent
        stays withdrawn (an older file without ``consent.withdrawn_on`` does not undo it).
        Overridden indicators stay overridden. ``ahead``: what :func:`import_ahead.ahead`
        made of ``records`` before the vault was open (the same outcome, sooner)."""
        self._require(Action.IMPORT)
        conn = self.vault.connection()
        purged = review_store.tombstoned_ids(conn)
        overridden = review_store.all_overrides(conn)
        store = ImportingStore(conn, identity_key(self.vault, True), self.questionnaire)
        given = list(records)

        made = import_ahead.by_source(ahead)

        def prepare(one: Record) -> PreparedImport:  # no connection: it runs in a thread
            entry = import_ahead.entry_for(made, one)
            if entry is not None and one.id not in purged:
                return import_ahead.prepared(store, entry, overridden.get(one.id, {}))
            record = self.prepare(one)
            if record.id in purged:
                record = record_changes.strip_identity(record, self.questionnaire)
            return store.prepared(record, review_store.final_findings(  # derived: prepared
                indicators.derive(record.answers), overridden.get(record.id, {})))

        # prepared first, or (import_pipeline.PIPELINED_FROM) while the statements run
        with import_pipeline.collection_paused():
            least = import_pipeline.PIPELINED_FROM
            blocks = (import_pipeline.sequential_blocks(given, prepare)
                      if least is None or len(given) < least
                      else import_pipeline.prepared_blocks(given, prepare))
            try:
                with review_store.joined(conn):
                    result = store.import_blocks(blocks, [record.id for record in given])
                    record_changes.log_replaced(conn, self.vault.user, store.replaced)
                    audit.append(conn, self.vault.user, AuditAction.IMPORTED, detail={
                        "count": result.added + result.updated + result.history})
            finally:
                if not isinstance(blocks, list):
                    blocks.close()  # the producer stopped and joined, whatever happened
        return result

    def export_records(self) -> Iterator[Record]:
        """Every record in full, identity sections included, for the plaintext JSONL
        export (``EXPORT_PLAINTEXT``). Checked when called, not when iterated."""
        self._require(Action.EXPORT_PLAINTEXT)
        self._require(Action.VIEW_OTHERS_IDENTITY)
        if not self.vault.has_identity_key:
            raise IdentityKeyMissing()  # the file would silently lack who the people are
        return self._store().iter_records(with_identity=True)

    def note_plaintext_export(self, count: int, file_sha256: str) -> None:
        """Log ``EXPORTED {kind: jsonl, count, manifest_sha256}`` once the plaintext file
        is written; a single .jsonl file has no MANIFEST.sha256, so the hash is the
        file's own SHA-256 (lowercase hex)."""
        self._require(Action.EXPORT_PLAINTEXT)
        audit.append(self.vault.connection(), self.vault.user, AuditAction.EXPORTED,
                     detail={"kind": "jsonl", "count": count, "manifest_sha256": file_sha256})

    def records_for(self, action: Action, with_identity: bool = False) -> Iterator[Record]:
        """Every record, for the anonymized export or the statistics (``action``); the
        identity sections stay sealed unless asked for (only quote redaction needs them,
        and only for a role that may see them)."""
        if action not in ANONYMIZING_EXPORTS:
            raise ValueError(action)
        self._require(action)
        if with_identity:
            self._require(Action.VIEW_OTHERS_IDENTITY)
        return self._store(with_identity).iter_records(with_identity=with_identity)

    def set_status(self, record: Record, status: Status) -> Record:
        """Submitting is the author's; the review statuses need ``REVIEW`` (see save).
        Returns the saved record; ``record`` is left as it was."""
        return self.save(replace(record, status=status))
