"""The review workflow: status transitions by role, their history and audit
entries in one transaction, indicator overrides (derived and final kept), the queue."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.indicators import INDICATOR_IDS, Finding
from intake.domain.permissions import Action, allowed
from intake.domain.record import ConsentRequired, Record, Status
from intake.domain.roles import Role
from intake.errors import ExitCode, InvalidInput, PermissionDenied
from intake.services import review as review_module
from intake.services.interviews import InterviewService
from intake.services.review import (
    InvalidOverride,
    ReasonRequired,
    ReviewService,
    UnknownIndicator,
)
from intake.services.workflow import TRANSITIONS, InvalidTransition
from intake.vault import audit
from intake.vault.audit import AuditAction
from intake.vault.kdf import KdfPolicy
from intake.vault.records import RecordFilter
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

OTHER = "lee"
REASON = "The interviewer noted the passport was taken at the border; 증언 확인됨."
D, S, R, V, F = (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.VERIFIED,
                 Status.NEEDS_FOLLOW_UP)
ALLOWED_PAIRS = {(D, S), (S, R), (R, V), (R, F), (F, S), (F, R), (V, R)}
BY_AUTHOR = {(D, S), (F, S)}


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    yield opened
    opened.close()


def record(author: str = USER, status: Status = D, created: str | None = None,
           **answers: object) -> Record:
    new = Record.new(author)
    new.status = status
    if created is not None:
        new.created_at = new.updated_at = created
    new.answers.update({"consent.internal_documentation": True,
                        "narrative.summary": "2018년 연해주 건설 현장.", **answers})
    return new


def add(vault: Vault, *records: Record) -> list[str]:
    """Store as an administrator (an import: statuses as they are)."""
    role, vault.role = vault.role, Role.ADMIN
    try:
        InterviewService(vault).import_records(list(records))
    finally:
        vault.role = role
    return [r.id for r in records]


def entries(vault: Vault, record_id: str, action: AuditAction) -> list[audit.Entry]:
    return audit.entries(vault.connection(), record_id=record_id, action=action)


def test_the_workflow_table_is_the_issue_s() -> None:
    assert set(TRANSITIONS) == ALLOWED_PAIRS
    assert {pair for pair, author in TRANSITIONS.items() if author} == BY_AUTHOR


@pytest.mark.parametrize("role", list(Role))
def test_every_transition_for_every_role_on_an_own_record(vault: Vault, role: Role) -> None:
    pairs = list(itertools.product(Status, Status))
    ids = dict(zip(pairs, add(vault, *(record(USER, a) for a, _b in pairs)), strict=True))
    vault.role = role
    service = ReviewService(vault)
    may_review = allowed(role, Action.REVIEW)
    may_edit = allowed(role, Action.EDIT_OWN_RECORD)
    for (start, target), record_id in ids.items():
        allowed_here = (start, target) in ALLOWED_PAIRS and may_edit and (
            may_review or (start, target) in BY_AUTHOR)
        if allowed_here:
            assert service.transition(record_id, target).status is target
            [change] = service.history(record_id)
            assert (change.seq, change.from_status, change.to_status, change.user) == (
                1, start.value, target.value, USER)
            [entry] = entries(vault, record_id, AuditAction.STATUS_CHANGED)
            assert entry.detail == {"from": start.value, "to": target.value}
            continue
        expected: type[Exception]
        if not may_edit or (not may_review and (start, target) not in BY_AUTHOR):
            expected = PermissionDenied
        else:
            expected = InvalidTransition
        with pytest.raises(expected) as refused:
            service.transition(record_id, target)
        assert refused.value.exit_code == (
            ExitCode.DENIED if expected is PermissionDenied else ExitCode.INVALID_INPUT)
        vault.role, role_now = Role.ADMIN, vault.role
        assert InterviewService(vault).load(record_id).status is start
        vault.role = role_now
        assert service.history(record_id) == []
        assert entries(vault, record_id, AuditAction.STATUS_CHANGED) == []


def test_allowed_transitions_follow_role_and_authorship(vault: Vault) -> None:
    own_draft, own_follow, own_review = add(vault, record(USER, D), record(USER, F),
                                            record(USER, R))
    vault.role = Role.INTERVIEWER
    service = ReviewService(vault)
    assert service.allowed_transitions(own_draft) == [S]
    assert service.allowed_transitions(own_follow) == [S]
    assert service.allowed_transitions(own_review) == []
    vault.role = Role.CASE_MANAGER
    assert ReviewService(vault).allowed_transitions(own_review) == [V, F]
    assert ReviewService(vault).allowed_transitions(own_follow) == [S, R]


def test_interviewers_may_not_touch_other_users_records(vault: Vault) -> None:
    [other] = add(vault, record(OTHER, D))
    vault.role = Role.INTERVIEWER
    with pytest.raises(PermissionDenied):
        ReviewService(vault).transition(other, S)
    vault.role = Role.CASE_MANAGER  # a reviewer may submit another user's draft
    assert ReviewService(vault).transition(other, S).status is S


def test_a_whole_review_is_recorded_in_order(vault: Vault) -> None:
    [record_id] = add(vault, record(OTHER, D))
    vault.role = Role.CASE_MANAGER
    service = ReviewService(vault)
    for target in (S, R, F, S, R, V, R, V):
        service.transition(record_id, target)
    history = service.history(record_id)
    assert [(h.seq, h.from_status, h.to_status) for h in history] == [
        (1, "draft", "submitted"), (2, "submitted", "in_review"),
        (3, "in_review", "needs_follow_up"), (4, "needs_follow_up", "submitted"),
        (5, "submitted", "in_review"), (6, "in_review", "verified"),
        (7, "verified", "in_review"), (8, "in_review", "verified")]
    assert all(h.user == USER and h.at for h in history)
    logged = entries(vault, record_id, AuditAction.STATUS_CHANGED)
    assert [(e.detail["from"], e.detail["to"]) for e in logged] == [
        (h.from_status, h.to_status) for h in history]
    # the status changes are not edits: nothing but the status changed
    assert entries(vault, record_id, AuditAction.RECORD_EDITED) == []


def test_set_status_through_save_follows_the_same_rules(vault: Vault) -> None:
    [record_id] = add(vault, record(USER, S))
    service = InterviewService(vault)
    loaded = service.load(record_id)
    with pytest.raises(InvalidTransition):
        service.set_status(loaded, V)  # submitted → verified skips the review
    assert loaded.status is S
    service.set_status(loaded, R)
    assert [h.to_status for h in ReviewService(vault).history(record_id)] == ["in_review"]


def test_submitting_needs_consent_and_changes_nothing_without(vault: Vault) -> None:
    [record_id] = add(vault, record(USER, D, None, **{"consent.internal_documentation": False}))
    with pytest.raises(ConsentRequired):
        ReviewService(vault).transition(record_id, S)
    assert ReviewService(vault).history(record_id) == []
    assert entries(vault, record_id, AuditAction.STATUS_CHANGED) == []


def test_the_status_history_and_audit_commit_with_the_status(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    [record_id] = add(vault, record(USER, S))

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "append", broken)
    with pytest.raises(RuntimeError):
        ReviewService(vault).transition(record_id, R)
    monkeypatch.undo()
    assert InterviewService(vault).load(record_id).status is S
    assert ReviewService(vault).history(record_id) == []


def test_a_refused_transition_names_both_statuses_in_words(vault: Vault) -> None:
    [record_id] = add(vault, record(USER, V))
    with pytest.raises(InvalidTransition) as refused:
        ReviewService(vault).transition(record_id, D)
    assert refused.value.message() == "A record cannot go from Verified to Draft."
    assert isinstance(refused.value, InvalidInput)
    with pytest.raises(InvalidTransition):
        ReviewService(vault).transition(record_id, V)  # staying is no transition
    with pytest.raises(InvalidTransition):
        ReviewService(vault).transition(record_id, "archived")


# -- indicator overrides ------------------------------------------------------------------
PASSPORT = "retention_of_identity_documents"


def test_an_override_keeps_derived_and_final(vault: Vault) -> None:
    [record_id] = add(vault, record(USER, R, **{"surveillance.passport_holder": "self"}))
    vault.role = Role.CASE_MANAGER
    service = ReviewService(vault)
    before = service.indicators(record_id)
    assert list(before) == list(INDICATOR_IDS)
    assert before[PASSPORT].derived is Finding.ABSENT
    assert before[PASSPORT].final is Finding.ABSENT and not before[PASSPORT].overridden
    in_list = InterviewService(vault)
    assert in_list.count(RecordFilter(indicator=PASSPORT)) == 0
    present_before = in_list.summaries()[0].indicators_present

    view = service.override(record_id, PASSPORT, "present", f"  {REASON}  ")
    assert (view.derived, view.override, view.final) == (
        Finding.ABSENT, Finding.PRESENT, Finding.PRESENT)
    assert (view.reason, view.user) == (REASON, USER) and view.at
    # the final values feed the record list's filter and count
    assert in_list.count(RecordFilter(indicator=PASSPORT)) == 1
    assert in_list.summaries()[0].indicators_present == present_before + 1
    # a later save of the record keeps the override in the list
    loaded = in_list.load(record_id)
    loaded.answers["narrative.summary"] = "더 자세한 내용."
    in_list.save(loaded)
    assert in_list.count(RecordFilter(indicator=PASSPORT)) == 1
    assert service.indicators(record_id)[PASSPORT].final is Finding.PRESENT

    [entry] = entries(vault, record_id, AuditAction.INDICATOR_OVERRIDDEN)
    assert entry.detail == {"indicator": PASSPORT, "reason_given": True}
    assert "passport" not in entry.detail_json.replace(PASSPORT, "")

    assert service.clear_override(record_id, PASSPORT) is True
    assert service.clear_override(record_id, PASSPORT) is False
    after = service.indicators(record_id)[PASSPORT]
    assert (after.derived, after.override, after.final) == (Finding.ABSENT, None, Finding.ABSENT)
    assert in_list.count(RecordFilter(indicator=PASSPORT)) == 0
    cleared = entries(vault, record_id, AuditAction.INDICATOR_OVERRIDDEN)[-1]
    assert cleared.detail == {"indicator": PASSPORT}


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_an_override_needs_a_reason(vault: Vault, reason: str) -> None:
    [record_id] = add(vault, record(USER, R))
    with pytest.raises(ReasonRequired) as refused:
        ReviewService(vault).override(record_id, PASSPORT, Finding.PRESENT, reason)
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert ReviewService(vault).indicators(record_id)[PASSPORT].override is None
    assert entries(vault, record_id, AuditAction.INDICATOR_OVERRIDDEN) == []


def test_overrides_are_present_or_absent_of_a_known_indicator(vault: Vault) -> None:
    [record_id] = add(vault, record(USER, R))
    service = ReviewService(vault)
    with pytest.raises(InvalidOverride):
        service.override(record_id, PASSPORT, Finding.INSUFFICIENT, REASON)
    with pytest.raises(InvalidOverride):
        service.override(record_id, PASSPORT, "maybe", REASON)
    with pytest.raises(UnknownIndicator):
        service.override(record_id, "forced_smiling", "present", REASON)


@pytest.mark.parametrize("role", list(Role))
def test_only_reviewers_override_and_see_reasons(vault: Vault, role: Role) -> None:
    [record_id] = add(vault, record(USER, R))
    ReviewService(vault).override(record_id, PASSPORT, "present", REASON)
    vault.role = role
    service = ReviewService(vault)
    view = service.indicators(record_id)[PASSPORT]
    assert view.final is Finding.PRESENT
    if allowed(role, Action.REVIEW):
        assert view.reason == REASON
        service.override(record_id, PASSPORT, "absent", REASON)
        assert service.clear_override(record_id, PASSPORT)
    else:
        assert view.reason is None and view.user is None
        with pytest.raises(PermissionDenied):
            service.override(record_id, PASSPORT, "absent", REASON)
        with pytest.raises(PermissionDenied):
            service.clear_override(record_id, PASSPORT)


# -- the queue ----------------------------------------------------------------------------
def test_the_queue_lists_submitted_then_in_review_oldest_first(vault: Vault) -> None:
    def at(day: int) -> str:
        return f"2026-10-{day:02d}T09:00:00+00:00"

    ids = add(
        vault,
        record(USER, S, at(5), **{"deployment.sector": "construction"}),
        record(OTHER, S, at(2), **{"deployment.sector": "logging"}),
        record(USER, R, at(1), **{"deployment.sector": "construction"}),
        record(OTHER, R, at(9), **{"deployment.sector": "construction"}),
        record(USER, D, at(3)), record(USER, V, at(4)), record(USER, F, at(6)),
    )
    vault.role = Role.CASE_MANAGER
    service = ReviewService(vault)
    assert [s.id for s in service.queue()] == [ids[1], ids[0], ids[2], ids[3]]
    assert [s.id for s in service.queue(RecordFilter(sector="construction"))] == [
        ids[0], ids[2], ids[3]]
    assert [s.id for s in service.queue(RecordFilter(interviewer=OTHER))] == [ids[1], ids[3]]
    assert [s.id for s in service.queue(RecordFilter(status="in_review"))] == [ids[2], ids[3]]
    assert service.queue(RecordFilter(status="verified")) == []
    service.transition(ids[1], R)
    assert [s.id for s in service.queue()] == [ids[0], ids[2], ids[1], ids[3]]
    for role in (Role.INTERVIEWER, Role.COORDINATOR):
        vault.role = role
        with pytest.raises(PermissionDenied):
            ReviewService(vault).queue()


def test_the_module_documents_the_api() -> None:
    doc = review_module.__doc__ or ""
    for name in ("transition", "override", "queue", "set_consent", "withdraw"):
        assert name in doc


def test_deleting_a_record_removes_its_review(vault: Vault) -> None:
    [record_id] = add(vault, record(USER, S))
    service = ReviewService(vault)
    service.transition(record_id, R)
    service.override(record_id, PASSPORT, "present", REASON)
    InterviewService(vault).delete(record_id)
    conn = vault.connection()
    for table in ("record_status_history", "indicator_overrides", "consent_decisions"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
