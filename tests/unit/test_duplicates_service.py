"""The duplicates service (issue 20) on real vaults: who may use it, the search stored as
proposals, decisions and their undoing with their audit entries (ids, never values), the
review of a pair (labels in the user's language, no restricted answer), and nothing
written beside the database while it searches.

Most tests pass a tiny stand-in engine (tests/unit/duplicate_records.py) so that they test
the service, not the scores; the last ones run the real engine (intake.domain.linkage)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake import i18n
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import ExitCode, PermissionDenied
from intake.services.duplicate_facts import MATCHING, facts_of
from intake.services.duplicate_types import (
    InvalidDecision,
    InvalidMinScore,
    NotAPair,
    UnknownTestimony,
)
from intake.services.duplicates import DuplicateService
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.vault import audit, person_links
from intake.vault.audit import AuditAction
from intake.vault.record_types import IdentityKeyMissing
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.duplicate_records import (
    compile_korean,
    fake_compare,
    fake_find,
    make_vault,
    stranger,
    third_time,
    witness_twice,
)

FIRST, SECOND = witness_twice()
OTHER = stranger()
THIRD = third_time(FIRST)
VALUES = ("리명철", "이명철", "Ri Myong-chol", "+82-10-5551-0001", "Hoeryong-Sentinel-Town",
          "Rungrado-Sentinel", "Vladivostok-Sentinel-Site", "1985-03-14", "박순희")
real_engine = pytest.mark.skipif(
    importlib.util.find_spec("intake.domain.linkage") is None
    or not hasattr(importlib.import_module("intake.domain.linkage"), "find_candidates"),
    reason="the matching engine (intake.domain.linkage) has not landed yet")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_vault(tmp_path_factory.mktemp("dups") / "vault", [FIRST, SECOND, OTHER])


@pytest.fixture
def vault(template: Path, tmp_path: Path) -> Iterator[Vault]:
    shutil.copytree(template, tmp_path / "vault")
    with Vault.open(tmp_path / "vault", USER, PASSPHRASE) as opened:
        opened.role = Role.CASE_MANAGER
        yield opened


def service(vault: Vault) -> DuplicateService:
    return DuplicateService(vault, find=fake_find, compare=fake_compare,
                            default_min_score=0.5)


def pair(x: Record, y: Record) -> tuple[str, str]:
    return person_links.ordered(x.id, y.id)


def audit_rows(vault: Vault) -> list[audit.Entry]:
    return audit.entries(vault.connection(), limit=None)


# -- who ------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.COORDINATOR])
def test_interviewers_and_coordinators_are_refused_everything(vault: Vault, role: Role) -> None:
    vault.role = role
    dups = service(vault)
    assert not dups.may_use()
    calls = (dups.candidates, dups.refresh, dups.queue, dups.persons, dups.linked_groups,
             lambda: dups.review(FIRST.id, SECOND.id),
             lambda: dups.decide(FIRST.id, SECOND.id, "same"),
             lambda: dups.unlink(FIRST.id, SECOND.id), dups.decided,
             lambda: dups.unlink_testimony(FIRST.id))
    for call in calls:
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.exit_code == ExitCode.DENIED
    assert person_links.decisions(vault.connection()) == []
    assert person_links.proposals(vault.connection()) == []


def test_an_allowed_role_without_the_identity_key_is_refused(vault: Vault,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setattr(Vault, "identity_key", property(lambda self: None))
    assert not service(vault).may_use()
    with pytest.raises(IdentityKeyMissing) as refused:
        service(vault).candidates()
    assert refused.value.exit_code == ExitCode.DENIED


@pytest.mark.parametrize("role", [Role.CASE_MANAGER, Role.ADMIN])
def test_case_managers_and_admins_get_the_planted_pair(vault: Vault, role: Role) -> None:
    vault.role = role
    assert service(vault).may_use()
    found = service(vault).candidates()
    assert [(c.a, c.b) for c in found] == [pair(FIRST, SECOND)]


# -- search, proposals, decisions -------------------------------------------------------------
def test_refresh_stores_new_pairs_once_with_ids_and_score(vault: Vault) -> None:
    dups = service(vault)
    assert dups.refresh() == 1
    assert dups.refresh() == 0
    [proposal] = person_links.proposals(vault.connection())
    assert (proposal.a, proposal.b, proposal.source) == (*pair(FIRST, SECOND), "search")
    assert proposal.score == pytest.approx(0.95)
    assert [(e.a, e.b, e.source) for e in dups.queue()] == [(*pair(FIRST, SECOND), "search")]


def test_a_decision_is_stored_audited_and_leaves_the_queue(vault: Vault) -> None:
    dups = service(vault)
    dups.refresh()
    before = len(audit_rows(vault))
    dups.decide(SECOND.id, FIRST.id, "same")
    assert dups.queue() == [] and dups.candidates() == []
    assert person_links.decision_of(vault.connection(), FIRST.id, SECOND.id) == "same"
    a, b = pair(FIRST, SECOND)
    [group] = dups.linked_groups()
    assert group.person == a and group.record_ids == (a, b)
    assert dups.persons() == {a: a, b: a}
    [entry] = audit_rows(vault)[before:]
    assert entry.action == AuditAction.DUPLICATE_DECIDED and entry.user == USER
    assert entry.record_id == a and entry.detail == {"decision": "same", "paired_with": b}


def test_distinct_is_never_proposed_again_until_undone(vault: Vault) -> None:
    dups = service(vault)
    dups.decide(FIRST.id, SECOND.id, "distinct")
    assert dups.candidates() == [] and dups.refresh() == 0
    assert dups.unlink(FIRST.id, SECOND.id) == "distinct"
    assert [(c.a, c.b) for c in dups.candidates()] == [pair(FIRST, SECOND)]
    entry = audit_rows(vault)[-1]
    assert entry.action == AuditAction.DUPLICATE_UNDONE
    assert entry.detail == {"decision": "distinct", "paired_with": pair(FIRST, SECOND)[1]}


def test_unsure_stays_in_the_queue_marked(vault: Vault) -> None:
    dups = service(vault)
    dups.refresh()
    dups.decide(FIRST.id, SECOND.id, "unsure")
    [entry] = dups.queue()
    assert (entry.a, entry.b, entry.source, entry.decision, entry.by) == (
        *pair(FIRST, SECOND), "unsure", "unsure", USER)
    assert entry.score == pytest.approx(0.95)  # computed again from the testimonies
    assert [(c.a, c.b) for c in dups.candidates()] == [pair(FIRST, SECOND)]
    assert dups.refresh() == 0  # an unsure pair is decided: not proposed a second time


def test_unlinking_nothing_changes_nothing(vault: Vault) -> None:
    before = len(audit_rows(vault))
    assert service(vault).unlink(FIRST.id, OTHER.id) is None
    assert len(audit_rows(vault)) == before


def test_a_person_already_linked_through_a_third_testimony_is_no_candidate(
        vault: Vault) -> None:
    InterviewService(vault).import_records([third_time(FIRST)])
    third = next(r for r in InterviewService(vault).summaries(None, 0, 10, "created_at", True)
                 if r.id not in (FIRST.id, SECOND.id, OTHER.id))
    dups = service(vault)
    dups.decide(FIRST.id, SECOND.id, "same")
    dups.decide(SECOND.id, third.id, "same")
    assert all({c.a, c.b} != {FIRST.id, third.id} for c in dups.candidates())
    assert [g.record_ids for g in dups.linked_groups()] == [
        tuple(sorted((FIRST.id, SECOND.id, third.id)))]


def test_a_testimony_leaves_its_person_and_other_decisions_stay(vault: Vault) -> None:
    InterviewService(vault).import_records([THIRD])
    dups = service(vault)
    dups.decide(FIRST.id, SECOND.id, "same")
    dups.decide(SECOND.id, THIRD.id, "same")
    dups.decide(FIRST.id, OTHER.id, "distinct")
    assert {(d.a, d.b) for d in dups.decided(SECOND.id)} == {
        pair(FIRST, SECOND), pair(SECOND, THIRD)}
    before = len(audit_rows(vault))
    assert dups.unlink_testimony(SECOND.id) == 2
    assert dups.linked_groups() == []
    assert [(d.a, d.b, d.decision) for d in dups.decided()] == [
        (*pair(FIRST, OTHER), "distinct")]
    logged = audit_rows(vault)[before:]
    assert [e.action for e in logged] == [AuditAction.DUPLICATE_UNDONE] * 2
    assert {(e.record_id, e.detail["paired_with"]) for e in logged} == {
        pair(FIRST, SECOND), pair(SECOND, THIRD)}
    assert dups.unlink_testimony(SECOND.id) == 0


def test_withdrawn_testimonies_are_left_out_of_the_search_and_the_queue(
        vault: Vault) -> None:
    import datetime as dt

    dups = service(vault)
    dups.refresh()
    assert len(dups.queue()) == 1  # control
    ReviewService(vault).withdraw(SECOND.id, dt.date(2024, 1, 2), purge=False)
    assert dups.candidates() == [] and dups.queue() == []


def test_a_conflict_copy_is_no_duplicate_of_its_record(vault: Vault) -> None:
    vault.connection().execute(
        "INSERT INTO record_conflicts (copy_id, record_id, device, revision, detected_at)"
        " VALUES (?, ?, 'device', 1, '2026-12-06T00:00:00+00:00')", (SECOND.id, FIRST.id))
    assert service(vault).candidates() == []


def test_bad_pairs_are_invalid_input(vault: Vault) -> None:
    dups = service(vault)
    missing = "00000000-0000-4000-8000-000000000000"
    for call, error in ((lambda: dups.decide(FIRST.id, missing, "same"), UnknownTestimony),
                        (lambda: dups.review(missing, FIRST.id), UnknownTestimony),
                        (lambda: dups.unlink(FIRST.id, FIRST.id), NotAPair),
                        (lambda: dups.decide(FIRST.id, SECOND.id, "merge"), InvalidDecision),
                        (lambda: dups.candidates(0.0), InvalidMinScore),
                        (lambda: dups.refresh(1.5), InvalidMinScore)):
        with pytest.raises(error) as refused:
            call()
        assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert person_links.decisions(vault.connection()) == []


# -- the review of a pair ----------------------------------------------------------------------
def test_review_shows_labels_values_and_agreement_and_logs_the_viewing(vault: Vault) -> None:
    dups = service(vault)
    before = len(audit_rows(vault))
    shown = dups.review(SECOND.id, FIRST.id)
    a, b = pair(FIRST, SECOND)
    assert (shown.a, shown.b, shown.decision) == (a, b, None)
    left, right = (FIRST, SECOND) if a == FIRST.id else (SECOND, FIRST)
    by_field = {f.field: f for f in shown.fields}
    name = by_field["identity.full_name"]
    assert (name.label, name.left, name.right, name.agreement) == (
        "Full name", left.answers["identity.full_name"],
        right.answers["identity.full_name"], "variant")
    years = by_field["profile.birth_year"]
    assert {years.left, years.right} == {"1985", "1986 (estimate)"}
    assert shown.left.interviewer == USER and shown.left.status == "submitted"
    assert shown.left.person == a
    viewed = audit_rows(vault)[before:]
    assert [(e.action, e.record_id) for e in viewed] == [
        (AuditAction.IDENTITY_VIEWED, a), (AuditAction.IDENTITY_VIEWED, b)]


def test_review_never_shows_a_restricted_answer(vault: Vault) -> None:
    assert not any(QUESTIONNAIRE.question(q).restricted for q in MATCHING)
    assert FIRST.answers["abuse.sexual"] is True  # planted: the review must not show it

    def compare_everything(x: object, y: object) -> object:
        found = fake_compare(x, y)  # type: ignore[arg-type]
        from intake.domain.linkage.facts import Evidence

        return type(found)(found.a, found.b, found.score,
                           (*found.evidence, Evidence("abuse.sexual", "exact", 0.3)))

    dups = DuplicateService(vault, find=fake_find, compare=compare_everything,  # type: ignore[arg-type]
                            default_min_score=0.5)
    shown = dups.review(FIRST.id, SECOND.id)
    assert "abuse.sexual" not in {f.field for f in shown.fields}


def test_review_labels_in_korean(vault: Vault, tmp_path: Path) -> None:
    i18n.set_language("ko", compile_korean(tmp_path / "catalogs"))
    shown = service(vault).review(FIRST.id, SECOND.id)
    labels = {f.field: f.label for f in shown.fields}
    assert labels["identity.full_name"] != "Full name"
    assert any("\uac00" <= ch <= "\ud7a3" for ch in labels["identity.full_name"])


def test_facts_are_read_from_the_identity_section_and_the_answers() -> None:
    facts = facts_of(FIRST)
    assert facts.full_name == "리명철" and facts.aliases == ("Ri Myong-chol",)
    assert facts.birth_year == 1985 and facts.home_province == "north_hamgyong"
    assert facts.contacts == ("+82-10-5551-0001",) and facts.year_ended == 2018
    assert facts.worksite == "Vladivostok-Sentinel-Site"
    assert facts.dispatching_entity == "Rungrado-Sentinel"


# -- nothing but ids leaves memory ----------------------------------------------------------
def test_search_writes_no_file_and_no_table_and_the_audit_holds_no_value(vault: Vault) -> None:
    folder = vault.files.folder
    tables = vault.connection().execute(
        "SELECT count(*) FROM sqlite_master").fetchone()[0]
    files = {p.relative_to(folder) for p in folder.rglob("*")}
    dups = service(vault)
    dups.refresh()
    dups.candidates()
    dups.decide(FIRST.id, SECOND.id, "same")
    dups.unlink(FIRST.id, SECOND.id)
    dups.decide(FIRST.id, SECOND.id, "unsure")
    conn = vault.connection()
    assert conn.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == tables
    assert {p.relative_to(folder) for p in folder.rglob("*")} <= files | {
        Path("intake.db-wal"), Path("intake.db-shm")}
    logged = " ".join(f"{e.user} {e.action} {e.record_id} {e.detail_json}"
                      for e in audit_rows(vault))
    assert "duplicate_decided" in logged  # control: the entries are there
    for value in VALUES:
        assert value not in logged, value
    stored = " ".join(str(row) for table in ("person_links", "duplicate_proposals")
                      for row in conn.execute(f"SELECT * FROM {table}"))  # noqa: S608
    assert FIRST.id in stored
    for value in VALUES:
        assert value not in stored, value
    assert not [p for p in folder.rglob("*") if p.suffix in (".tmp", ".spill")]
    assert os.listdir(folder)


# -- the real engine ----------------------------------------------------------------------------
@real_engine
def test_the_real_engine_finds_the_witness_under_two_spellings(vault: Vault) -> None:
    dups = DuplicateService(vault)
    found = dups.candidates()
    assert pair(FIRST, SECOND) in [(c.a, c.b) for c in found]
    assert all(OTHER.id not in (c.a, c.b) for c in found)
    assert all(c.score >= dups.threshold() for c in found)
    shown = dups.review(FIRST.id, SECOND.id)
    assert shown.fields and all(f.field in MATCHING for f in shown.fields)
    assert dups.refresh() == 1
