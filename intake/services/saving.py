"""What a save means, in one place: the rule the form's autosave, a status change and the
consent step all go through (``InterviewService.save``, ``ReviewService``'s consent step).

One save, in one transaction:

1. read the record's stored row once (``RecordStore.stored_row``; the identity section
   opened only for a role that may see it, otherwise kept as stored, unread);
2. check the role may write it (create, edit own or others', the review statuses and the
   reviewers' section, the workflow's transitions: services/workflow.py);
3. validate and derive once (answers, marks, the current schema, the status's needs);
4. refuse a changed consent answer outside the consent step, drop the identity answers of
   a purged record;
5. derive the indicators once and apply the reviewers' overrides;
6. store over the row already read (no second read), log what changed
   (services/record_changes.py), run the caller's ``extra`` step.

The caller's record is never changed: the saved one comes back as a new ``Record`` with its
revision, ``updated_at`` and derived answers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from intake.domain import answers as answer_rules
from intake.domain import indicators
from intake.domain.permissions import Action, allowed, require
from intake.domain.questionnaire import Questionnaire
from intake.domain.record import Record, Status, now
from intake.services import record_changes, workflow
from intake.vault import review_store
from intake.vault.database import Connection
from intake.vault.records import RecordStore
from intake.vault.vault import Vault

#: Statuses only a reviewer may set, or move a record out of (the review workflow).
REVIEW_STATUSES = frozenset({Status.IN_REVIEW, Status.VERIFIED, Status.NEEDS_FOLLOW_UP})

#: A step run in the save's transaction after the record is stored, given the saved record.
AfterSave = Callable[[Connection, Record], None]


def identity_key(vault: Vault, with_identity: bool) -> bytes | None:
    """The identity key for a store, or None: without it for a role that must not hold it,
    even if the key happens to be in memory."""
    return vault.identity_key if with_identity and vault.role.holds_identity_key else None


def identity_action(user: str, author: str) -> Action:
    """What seeing the identity section of ``author``'s record needs, for ``user``."""
    return Action.VIEW_OWN_IDENTITY if author == user else Action.VIEW_OTHERS_IDENTITY


def prepared(questionnaire: Questionnaire, record: Record,
             stored: Record | None = None) -> Record:
    """``record`` validated and normalized, as a new record (derived answers filled in,
    the current schema); raises AnswerError, InvalidRecordField or ConsentRequired.
    ``stored``: the version it replaces, whose unchanged answers need no second check."""
    record.check_fields()
    if record.checked_for(questionnaire):  # a parsed file's record: checked when read
        answers, meta = record.answers, record.meta
    else:
        same = stored is not None and stored.schema == questionnaire.schema
        answers, meta = answer_rules.validate(questionnaire, record.answers, record.meta,
                                              stored.answers if same and stored else None)
    answers = answer_rules.with_derived(answers)
    result = replace(record, answers=answers, schema=questionnaire.schema,
                     meta=answer_rules.marks_after_derivation(answers, meta))
    result.check_status()
    return result


@dataclass
class RecordSaver:
    """Saves records as the vault's user, under that user's role."""

    vault: Vault
    questionnaire: Questionnaire

    def save(self, record: Record, *, consent_step: Collection[str] = (),
             extra: AfterSave | None = None) -> Record:
        """Store ``record`` (see the module doc); returns the saved record. ``consent_step``
        names the question ids this call may change without the consent check and logs
        itself (services/review.py)."""
        conn = self.vault.connection()
        with review_store.joined(conn):
            row = RecordStore(conn, None, self.questionnaire).stored_row(record.id)
            with_identity = row is None or allowed(
                self.vault.role, identity_action(self.vault.user, row.author))
            store = self._store(conn, with_identity)
            stored = None if row is None else store.from_row(row)
            self.check_write(record, stored)
            result = prepared(self.questionnaire, record, stored)
            if stored is not None:
                if not consent_step:
                    record_changes.check_consent_unchanged(stored, result, self.questionnaire)
                if review_store.tombstone(conn, record.id) is not None:
                    result = record_changes.strip_identity(result, self.questionnaire)
            result = replace(result, updated_at=now())
            findings = review_store.final_findings(indicators.derive(result.answers),
                                                   review_store.overrides(conn, record.id))
            result = replace(result, revision=store.save_over(result, findings, row, stored))
            record_changes.log_save(conn, self.vault.user, result, stored, consent_step)
            if extra is not None:
                extra(conn, result)
        return result

    def _store(self, conn: Connection, with_identity: bool) -> RecordStore:
        return RecordStore(conn, identity_key(self.vault, with_identity), self.questionnaire)

    def check_write(self, record: Record, stored: Record | None) -> None:
        """Creating or editing ``record``; ``stored`` is what the vault holds now. Raises
        ``PermissionDenied`` or ``InvalidTransition``."""
        role, user = self.vault.role, self.vault.user
        if stored is None:
            if record.status in REVIEW_STATUSES or any(self.reviewed(record)):
                require(role, Action.REVIEW)
            require(role, Action.CREATE_RECORD)
            if record.author != user:
                require(role, Action.EDIT_OTHERS_RECORD)
            return
        if record.status is not stored.status:
            workflow.check(role, stored.author == user, stored.status, record.status)
        if self.reviewed(record) != self.reviewed(stored):
            require(role, Action.REVIEW)
        own = stored.author == user and record.author == stored.author
        require(role, Action.EDIT_OWN_RECORD if own else Action.EDIT_OTHERS_RECORD)

    def reviewed(self, record: Record) -> tuple[dict[str, object], dict[str, str]]:
        """The answers and marks of the reviewers' sections (the case manager's part)."""
        ids = reviewer_ids(self.questionnaire)
        return ({k: record.answers[k] for k in ids if k in record.answers},
                {k: record.meta[k] for k in ids if k in record.meta})


_reviewer_ids: dict[int, tuple[Questionnaire, tuple[str, ...]]] = {}


def reviewer_ids(questionnaire: Questionnaire) -> tuple[str, ...]:
    """The questions of the reviewers' sections, worked out once per questionnaire (each
    save compares them twice)."""
    found = _reviewer_ids.get(id(questionnaire))
    if found is None or found[0] is not questionnaire:
        found = (questionnaire, tuple(q.id for section in questionnaire.sections
                                      if section.reviewers_only for q in section.questions))
        _reviewer_ids[id(questionnaire)] = found
    return found[1]
