"""What a save changed, and what the audit log and the status history say about it.

The save (:mod:`intake.services.saving`) calls :func:`log_save` inside the transaction that
stores the record, so the record, its status history row and its audit entries commit together:

- the first save: ``RECORD_CREATED`` with the ids of the questions answered;
- a later save that changed answers or marks: ``RECORD_EDITED`` with the sorted ids of the
  questions whose answer or mark changed (never a value) and the revision they went into;
  a save that changed nothing (an autosave with no edit) logs nothing. Autosaves of one
  editing session go into one revision (vault/records.py), and so into the log once per
  question: a save in the same revision logs only the questions that user's entries for
  it (or the record's creation, for revision 1) do not name yet. Ten minutes typing in
  one answer are one entry, as they are one revision; the record's ``updated_at`` has the
  last save's time. (Each entry costs an autosave its hash and four pages at the commit: the
  log's table and indexes.)
- a save that changed the status: a ``record_status_history`` row and ``STATUS_CHANGED``
  ``{from, to}`` (the workflow was checked before, see :mod:`intake.services.workflow`).

Consent (the ``consent`` section) is changed only through the consent step
(``ReviewService.set_consent`` and ``withdraw``): :func:`check_consent_unchanged` refuses a
save that would change a stored record's consent answers, as an ``AnswerError`` at that
question (the form shows it there and keeps the stored answer).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from typing import Any

from intake.domain.answers import AnswerError
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.i18n import N_
from intake.vault import audit, edit_sessions, review_store
from intake.vault.audit import AuditAction
from intake.vault.database import Connection

CONSENT_SECTION = "consent"
WITHDRAWN = "consent.withdrawn_on"
RESTRICTIONS = "consent.restrictions"


_consent_ids: dict[int, tuple[Questionnaire, tuple[str, ...]]] = {}


def consent_ids(questionnaire: Questionnaire = QUESTIONNAIRE) -> tuple[str, ...]:
    """Every question of the consent section (worked out once per questionnaire: every
    save checks them)."""
    found = _consent_ids.get(id(questionnaire))
    if found is None or found[0] is not questionnaire:
        found = (questionnaire, tuple(q.id for s in questionnaire.sections
                                      if s.id == CONSENT_SECTION for q in s.questions))
        _consent_ids[id(questionnaire)] = found
    return found[1]


def consent_scopes(questionnaire: Questionnaire = QUESTIONNAIRE) -> tuple[str, ...]:
    """The yes/no scopes of consent (every consent question but the restrictions text and
    the withdrawal date)."""
    return tuple(qid for qid in consent_ids(questionnaire)
                 if qid not in (RESTRICTIONS, WITHDRAWN))


class ConsentChangeRefused(AnswerError):
    """A save tried to change a consent answer; consent has its own step."""

    REASON = N_("consent is changed only in the consent step, with the date the person "
                "decided")

    def __init__(self, question: str) -> None:
        super().__init__(question, self.REASON)


def _differs(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """The keys whose value differs (a missing key counts as None), one pass each way."""
    found = {k for k, value in after.items() if before.get(k) != value}
    found.update(k for k, value in before.items() if k not in after and value is not None)
    return found


def changed_questions(stored: Record | None, record: Record) -> list[str]:
    """Sorted ids of the questions whose answer or mark differs (all answered ones for a
    new record)."""
    if stored is None:
        return sorted(record.answers.keys() | record.meta.keys())
    return sorted(_differs(stored.answers, record.answers) | _differs(stored.meta, record.meta))


def check_consent_unchanged(stored: Record, record: Record,
                            questionnaire: Questionnaire = QUESTIONNAIRE) -> None:
    ids = consent_ids(questionnaire)
    for qid in ids:
        if (stored.answers.get(qid) != record.answers.get(qid)
                or stored.meta.get(qid) != record.meta.get(qid)):
            raise ConsentChangeRefused(qid)


def strip_identity(record: Record, questionnaire: Questionnaire = QUESTIONNAIRE) -> Record:
    """The record without its private answers (identifiers and free text, all that sits
    under the identity key), as a new record (a purged record never gets them back)."""
    identifying = questionnaire.private_ids
    return replace(record,
                   answers={k: v for k, v in record.answers.items() if k not in identifying},
                   meta={k: v for k, v in record.meta.items() if k not in identifying})


def log_replaced(conn: Connection, user: str,
                 replaced: Iterable[tuple[Record, Record]]) -> None:
    """An import's entries for the records it replaced with a newer revision (review d8:
    the count alone named neither the record nor the question): ``RECORD_EDITED`` with the
    questions whose answer or mark changed and the revision imported."""
    for stored, record in replaced:
        edited = changed_questions(stored, record)
        if edited:
            audit.append(conn, user, AuditAction.RECORD_EDITED, record.id,
                         {"questions": edited, "revision": record.revision})


def log_save(conn: Connection, user: str, record: Record, stored: Record | None,
             not_edits: Collection[str] = ()) -> None:
    """The audit entries (and status history row) of one save; ``not_edits`` are question
    ids the caller logs itself (the consent step logs ``CONSENT_CHANGED``)."""
    if stored is None:
        created = changed_questions(None, record)
        entry = audit.append(conn, user, AuditAction.RECORD_CREATED, record.id,
                             {"questions": created})
        edit_sessions.note(conn, user, record.id, record.revision, entry, frozenset(created))
        return
    edited = [qid for qid in changed_questions(stored, record) if qid not in not_edits]
    logged: frozenset[str] = frozenset()
    if edited and record.revision == stored.revision:  # the same editing session
        logged = edit_sessions.logged(conn, user, record.id, record.revision)
        edited = [qid for qid in edited if qid not in logged]
    if edited:
        entry = audit.append(conn, user, AuditAction.RECORD_EDITED, record.id,
                             {"questions": edited, "revision": record.revision})
        edit_sessions.note(conn, user, record.id, record.revision, entry,
                           logged.union(edited))
    if record.status is not stored.status:
        review_store.add_status_change(conn, record.id, stored.status.value,
                                       record.status.value, user, record.updated_at)
        audit.append(conn, user, AuditAction.STATUS_CHANGED, record.id,
                     {"from": stored.status.value, "to": record.status.value})
