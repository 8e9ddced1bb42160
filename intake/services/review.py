"""The case manager's review and the consent step (who may move a testimony and change its
consent: domain/permissions.py).

:class:`ReviewService` is what the review panel, the queue view and the consent step call.
Every method checks the role (``PermissionDenied``, exit 3) before reading or writing;
every change commits in one transaction with its history row and its audit entry.

Status workflow (rules in :mod:`intake.services.workflow`)
    :meth:`ReviewService.transition` moves a stored record to another status;
    :meth:`~ReviewService.allowed_transitions` lists the ones the current user may choose
    (for the buttons); :meth:`~ReviewService.history` lists every transition made. The
    same rules apply to ``InterviewService.save``/``set_status`` (a form that keeps its
    own ``Record`` may keep using ``set_status``). After a transition made here, give the
    form the returned record (or copy its ``status``): a form that saves a stale status
    asks for the reverse transition, which is refused.

Indicator overrides
    :meth:`~ReviewService.override` sets a reviewer's final value (present or absent) of
    one derived ILO indicator, with a required reason; :meth:`~ReviewService.indicators`
    shows, per indicator, the value derived from the answers and the final one. The
    reason is internal review text stored in the encrypted database, never in the audit log
    (which says ``INDICATOR_OVERRIDDEN {indicator, reason_given: true}``; a cleared
    override is ``{indicator}`` alone). Only reviewers see reasons and who overrode.

    Decision: the **final** values feed the record list (its indicator filter and the
    "indicators present" count: ``record_findings``, ``records.indicators_present``), since
    that is the reviewed conclusion a case manager searches for. The anonymized export's
    ``ilo.*`` columns and the statistics stay **derived**: they are documented in the
    codebook as computed from the coded answers by published rules; a reviewer's judgement,
    whose reason stays internal, would make a published column unreproducible.

Queue
    :meth:`~ReviewService.queue`: submitted records, then those in review, oldest first,
    with the record list's filters.

Consent
    Consent is edited only here: :meth:`~ReviewService.set_consent` (each scope yes/no with
    the date the person decided) and :meth:`~ReviewService.withdraw`. ``InterviewService.
    save`` refuses a change of a stored record's consent answers (``ConsentChangeRefused``,
    an ``AnswerError`` at that question). The questionnaire has no question for the date of
    a consent decision, so the dates are kept in ``consent_decisions`` (with who recorded
    each and when), not in the answers; :meth:`~ReviewService.consent` gives each scope's
    current value with its latest decision. After ``set_consent``/``withdraw`` give the
    form the returned record (its consent answers changed).

    Withdrawal sets ``consent.withdrawn_on``: the anonymized export, its quotes and the
    statistics leave the record out from then on (``exchange/analysis/anonymize/select.py``). With
    ``purge`` the identity section of the record and of every stored revision is removed
    irreversibly, a tombstone (id, date, user) is kept, and the WAL is truncated; later
    saves and imports of that record never bring identifying answers back; its attachments
    (recordings, photos, documents) are deleted with their files.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from intake.domain import answers as answer_rules
from intake.domain import indicators as indicator_rules
from intake.domain.indicators import INDICATOR_IDS, Finding
from intake.domain.permissions import Action, require
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status, now
from intake.services import record_changes, workflow
from intake.services.interviews import InterviewService
from intake.services.record_changes import RESTRICTIONS, WITHDRAWN
from intake.services.review_types import (
    ConsentState,
    IndicatorView,
    InvalidConsentDate,
    InvalidOverride,
    NotAConsentScope,
    ReasonRequired,
    ReasonTooLong,
    UnknownIndicator,
)
from intake.services.saving import identity_key
from intake.services.workflow import InvalidTransition
from intake.vault import attachments, audit, recording_rows, release_ledger, review_store
from intake.vault.audit import AuditAction
from intake.vault.database import Connection, scrub
from intake.vault.record_types import IdentityKeyMissing
from intake.vault.records import RecordFilter, RecordSummary
from intake.vault.review_store import ConsentDecision, StatusChange, Tombstone
from intake.vault.vault import Vault

__all__ = ["ConsentState", "IndicatorView", "InvalidTransition", "ReviewService",
           "StatusChange", "Tombstone"]

#: The queue's statuses, in the order it lists them.
QUEUE_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW)
OVERRIDE_VALUES = (Finding.PRESENT, Finding.ABSENT)
REASON_MAX = 4000


def _day(on: dt.date) -> str:
    if isinstance(on, dt.datetime) or not isinstance(on, dt.date):
        raise InvalidConsentDate()
    if on > dt.date.today():
        raise InvalidConsentDate()
    return on.isoformat()


@dataclass
class ReviewService:
    vault: Vault
    questionnaire: Questionnaire = QUESTIONNAIRE
    interviews: InterviewService = field(init=False)

    def __post_init__(self) -> None:
        self.interviews = InterviewService(self.vault, self.questionnaire)

    @property
    def _conn(self) -> Connection:
        return self.vault.connection()

    @property
    def is_open(self) -> bool:
        return self.vault.is_open

    def may_review(self) -> bool:
        """Whether the current user reviews (the panel, the queue, overrides)."""
        return self.interviews.may(Action.REVIEW)

    def _identity_key(self) -> bytes | None:
        return identity_key(self.vault, True)

    def _require_identity_key(self) -> bytes:
        """Reviewing writes sealed review text: only a slot holding the identity key."""
        key = self._identity_key()
        if key is None:
            raise IdentityKeyMissing()
        return key

    def _visible(self, record_id: str) -> RecordSummary:
        """The record's list row, after checking the current user may see the record."""
        summary = self.interviews._summary(record_id)
        self.interviews._check_view(summary.author)
        return summary

    # -- status ---------------------------------------------------------------------------
    def transition(self, record_id: str, to: Status | str) -> Record:
        """Move the record to status ``to``; returns the record as stored (identity only
        for roles that may see it). Raises ``InvalidTransition`` (a change the workflow
        does not have, staying in one status included), ``PermissionDenied``,
        ``ConsentRequired`` (leaving draft without consent to internal documentation)."""
        record = self.interviews.load(record_id)
        try:
            target = Status(to)
        except ValueError as exc:
            raise InvalidTransition(from_status=record.status.value, to_status=str(to)) from exc
        if target is record.status:  # no transition: refused as the workflow refuses
            workflow.check(self.vault.role, record.author == self.vault.user, target, target)
        return self.interviews.set_status(record, target)

    def allowed_transitions(self, record_id: str) -> list[Status]:
        """The statuses the current user may move the record to now."""
        summary = self._visible(record_id)
        return workflow.allowed_targets(Status(summary.status), self.vault.role,
                                        summary.author == self.vault.user)

    def history(self, record_id: str) -> list[StatusChange]:
        """Every status transition of the record, oldest first (who and when)."""
        self._visible(record_id)
        return review_store.status_history(self._conn, record_id)

    # -- indicators -----------------------------------------------------------------------
    def _derived(self, record_id: str) -> dict[str, Finding]:
        record = self.interviews._store(False).load(record_id)
        return indicator_rules.derive(answer_rules.with_derived(record.answers))

    def indicators(self, record_id: str) -> dict[str, IndicatorView]:
        """Per indicator (in the questionnaire's order): derived and final value."""
        self._visible(record_id)
        derived = self._derived(record_id)
        found = review_store.overrides(self._conn, record_id, self._identity_key())
        reviewer = self.may_review()
        views: dict[str, IndicatorView] = {}
        for indicator in INDICATOR_IDS:
            view = IndicatorView(indicator, derived[indicator])
            override = found.get(indicator)
            if override is not None:
                view = replace(view, override=override.value)
                if reviewer:
                    view = replace(view, reason=override.reason, user=override.user,
                                   at=override.at)
            views[indicator] = view
        return views

    def override(self, record_id: str, indicator: str, value: Finding | str,
                 reason: str) -> IndicatorView:
        """Set the final value of ``indicator`` (``present`` or ``absent``) with a reason
        (required, stripped); replaces an earlier override. Needs ``REVIEW``."""
        require(self.vault.role, Action.REVIEW)
        self._visible(record_id)
        if indicator not in INDICATOR_IDS:
            raise UnknownIndicator(indicator=indicator)
        try:
            final = Finding(value)
        except ValueError as exc:
            raise InvalidOverride() from exc
        if final not in OVERRIDE_VALUES:
            raise InvalidOverride()
        text = reason.strip() if isinstance(reason, str) else ""
        if not text:
            raise ReasonRequired()
        if len(text) > REASON_MAX:
            raise ReasonTooLong(maximum=REASON_MAX)
        at = now()
        with review_store.joined(self._conn):
            review_store.set_override(self._conn, record_id, indicator, final, text,
                                      self.vault.user, at, self._require_identity_key())
            self._refresh_findings(record_id)
            audit.append(self._conn, self.vault.user, AuditAction.INDICATOR_OVERRIDDEN,
                         record_id, {"indicator": indicator, "reason_given": True})
        return self.indicators(record_id)[indicator]

    def clear_override(self, record_id: str, indicator: str) -> bool:
        """Back to the derived value; False (nothing logged) when there was no override."""
        require(self.vault.role, Action.REVIEW)
        self._visible(record_id)
        if indicator not in INDICATOR_IDS:
            raise UnknownIndicator(indicator=indicator)
        with review_store.joined(self._conn):
            if not review_store.clear_override(self._conn, record_id, indicator):
                return False
            self._refresh_findings(record_id)
            audit.append(self._conn, self.vault.user, AuditAction.INDICATOR_OVERRIDDEN,
                         record_id, {"indicator": indicator})
        return True

    def _refresh_findings(self, record_id: str) -> None:
        final = review_store.final_findings(self._derived(record_id),
                                            review_store.overrides(self._conn, record_id))
        review_store.set_findings(self._conn, record_id, final)

    # -- queue ----------------------------------------------------------------------------
    def queue(self, flt: RecordFilter | None = None) -> list[RecordSummary]:
        """Submitted records, then those in review, each oldest first (by creation), that
        match ``flt`` (the record list's filters; a status outside the queue's gives an
        empty list). Needs ``REVIEW``."""
        require(self.vault.role, Action.REVIEW)
        flt = flt or RecordFilter()
        found: list[RecordSummary] = []
        for status in QUEUE_STATUSES:
            if flt.status is not None and flt.status != status.value:
                continue
            one = replace(flt, status=status.value)
            total = self.interviews.count(one)
            if total:
                found.extend(self.interviews.summaries(one, 0, total, "created_at", False))
        return found

    # -- consent --------------------------------------------------------------------------
    def consent(self, record_id: str) -> dict[str, ConsentState]:
        """Every consent question: its current answer and latest recorded decision."""
        record = self.interviews.load(record_id)  # the restrictions only with the key
        latest = {d.question: d for d in review_store.consent_decisions(self._conn, record_id)}
        states: dict[str, ConsentState] = {}
        for qid in record_changes.consent_ids(self.questionnaire):
            decision = latest.get(qid)
            states[qid] = ConsentState(
                qid, record.answers.get(qid),
                *((decision.decided_on, decision.user, decision.at) if decision else ()))
        return states

    def consent_history(self, record_id: str) -> list[ConsentDecision]:
        """Every consent decision recorded for the record, oldest first."""
        self._visible(record_id)
        return review_store.consent_decisions(self._conn, record_id)

    def set_consent(self, record_id: str, scopes: Mapping[str, bool], on: dt.date, *,
                    restrictions: str | None = None) -> Record:
        """Record the person's decisions of ``on`` (a date, not in the future) for the
        given scopes (consent question id → yes/no; the scopes are the consent section's
        yes/no questions) and, when given, the restrictions text ("" clears it). Scopes
        not given stay as they are; a scope given with its current value is no decision.
        Needs the right to edit the record. Logs ``CONSENT_CHANGED {questions}``. Returns
        the record as stored (give it to the form)."""
        allowed_scopes = record_changes.consent_scopes(self.questionnaire)
        for qid, value in scopes.items():
            if qid not in allowed_scopes or not isinstance(value, bool):
                raise NotAConsentScope(question=qid)
        day = _day(on)
        record = self.interviews.load(record_id)
        decisions: list[tuple[str, str]] = []
        for qid, value in scopes.items():
            if record.answers.get(qid) is not value or qid in record.meta:
                record.answers[qid] = value
                record.meta.pop(qid, None)
                decisions.append((qid, "yes" if value else "no"))
        if restrictions is not None:
            text = restrictions.strip()
            if text != (record.answers.get(RESTRICTIONS) or "") or RESTRICTIONS in record.meta:
                record.meta.pop(RESTRICTIONS, None)
                if text:
                    record.answers[RESTRICTIONS] = text
                else:
                    record.answers.pop(RESTRICTIONS, None)
                decisions.append((RESTRICTIONS, "set" if text else "cleared"))
        if not decisions:
            return record
        return self._consent_save(record, decisions, day)

    def _consent_save(self, record: Record, decisions: list[tuple[str, str]], day: str,
                      also_logged: tuple[str, ...] = (),
                      after: list[AuditAction] | None = None) -> Record:
        questions = [qid for qid, _value in decisions]
        user = self.vault.user

        def extra(conn: Connection, saved: Record) -> None:
            for qid, value in decisions:
                review_store.add_consent_decision(conn, saved.id, qid, value, day, user,
                                                  saved.updated_at)
            if questions:
                audit.append(conn, user, AuditAction.CONSENT_CHANGED, saved.id,
                             {"questions": questions})
            for action in after or ():
                if action is AuditAction.IDENTITY_PURGED:
                    review_store.purge_identity(conn, saved.id, user, saved.updated_at)
                    conn.execute("DELETE FROM attachments WHERE record_id = ?", (saved.id,))
                    release_ledger.forget(conn, [saved.id])  # who was released (issue 18)
                audit.append(conn, user, action, saved.id)

        exempt = (*record_changes.consent_ids(self.questionnaire), *also_logged)
        return self.interviews._save(record, consent_step=exempt, extra=extra)

    def conflict(self, record_id: str) -> tuple[str | None, list[str]]:
        """(the original, when ``record_id`` is the field's copy of a testimony both sides
        changed; the copies of ``record_id``, when it is such an original), after a
        field-to-office merge."""
        self.interviews.load(record_id)  # the user may see it
        row = self._conn.execute("SELECT record_id FROM record_conflicts WHERE copy_id = ?",
                                 (record_id,)).fetchone()
        copies = [r[0] for r in self._conn.execute(
            "SELECT copy_id FROM record_conflicts WHERE record_id = ? ORDER BY detected_at",
            (record_id,))]
        return (row[0] if row is not None else None), copies

    def withdraw(self, record_id: str, on: dt.date, purge: bool) -> Record:
        """Record that the person withdrew consent on ``on``: ``consent.withdrawn_on`` is
        set and the record leaves every export from then on. With ``purge`` the identity
        section of the record and of all its revisions is removed irreversibly, leaving a
        tombstone (see :meth:`tombstone`), and the file is rebuilt and the WAL truncated
        after the commit (``database.scrub``).
        Logs ``CONSENT_CHANGED {questions: [consent.withdrawn_on]}`` and
        ``IDENTITY_PURGED``. Calling it again with ``purge`` purges a record withdrawn
        earlier. Needs the right to edit the record. Returns the record as stored."""
        day = _day(on)
        record = self.interviews.load(record_id)
        decisions: list[tuple[str, str]] = []
        if record.answers.get(WITHDRAWN) != day or WITHDRAWN in record.meta:
            record.answers[WITHDRAWN] = day
            record.meta.pop(WITHDRAWN, None)
            decisions.append((WITHDRAWN, day))
        purging = purge and review_store.tombstone(self._conn, record_id) is None
        if not decisions and not purging:
            return record
        identifying: tuple[str, ...] = ()
        if purging:
            identifying = tuple(sorted(self.questionnaire.private_ids))
            record = record_changes.strip_identity(record, self.questionnaire)
        saved = self._consent_save(record, decisions, day, identifying,
                                   [AuditAction.IDENTITY_PURGED] if purging else None)
        if purging:
            scrub(self._conn)  # the file rebuilt: no copy left in unused space
            attachments.sweep(self._conn, self.vault.files.folder)  # their files too
            recording_rows.discard_spools(self._conn, self.vault.files.folder,  # issue 19
                                          self.vault.identity_key, [record_id])
        return saved

    def tombstone(self, record_id: str) -> Tombstone | None:
        """The tombstone of a record whose identity was purged (None otherwise)."""
        self._visible(record_id)
        return review_store.tombstone(self._conn, record_id)
