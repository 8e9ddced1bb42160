"""The table of permissions (domain/permissions.py), one action and one role at a time,
through the services.

Every (action, role) pair calls the service that does the action: an allowed pair works,
a denied one raises ``PermissionDenied`` (exit code 3) whose message names the role and
the action, and changes nothing. One vault is opened for the module (the KDF is slow on
purpose); each test switches its role, and a probe that writes brings its own records.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from intake.domain.permissions import ALLOWED, Action, allowed, require
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.errors import ExitCode, PermissionDenied
from intake.exchange.demo.generate import generate
from intake.i18n import _
from intake.services.audit_log import AuditService
from intake.services.desk import Desk
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService, RecordFilter
from intake.services.session import Session
from intake.services.transfer import TransferService
from intake.services.users import UserService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

OTHER = "lee"
OWN_NAME = "김철호"
OTHER_NAME = "박영수"
POPULATION = 80


def _record(author: str, status: Status, name: str | None = None, **answers: object) -> Record:
    record = Record.new(author)
    record.status = status
    record.answers.update({"consent.internal_documentation": True,
                           "narrative.summary": "2018년 연해주 건설 현장.", **answers})
    if name is not None:
        record.answers["identity.full_name"] = name
    return record


def _population() -> list[Record]:
    records = list(generate(POPULATION, seed=5, author=USER))
    for record in records:
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED
    return records


@dataclass
class Fixture:
    vault: Vault
    own: str  # USER's submitted record, with a name
    other: str  # OTHER's submitted record, with a name
    folder: Path

    @property
    def service(self) -> InterviewService:
        return InterviewService(self.vault)

    def add(self, record: Record) -> Record:
        """Store ``record`` as an administrator, whatever the current role."""
        role, self.vault.role = self.vault.role, Role.ADMIN
        try:
            self.service.import_records([record])
            return self.service.load(record.id)
        finally:
            self.vault.role = role

    def exists(self, record_id: str) -> bool:
        role, self.vault.role = self.vault.role, Role.ADMIN
        try:
            return self.service.count(RecordFilter(ids=(record_id,))) == 1
        finally:
            self.vault.role = role


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("permissions") / "vault"
    Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))[0].close()
    return folder


@pytest.fixture(scope="module")
def shared(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fixture]:
    folder = tmp_path_factory.mktemp("shared") / "vault"
    shutil.copytree(template, folder)
    vault = Vault.open(folder, USER, PASSPHRASE)
    own = _record(USER, Status.SUBMITTED, OWN_NAME)
    other = _record(OTHER, Status.SUBMITTED, OTHER_NAME)
    InterviewService(vault).import_records([own, other, *_population()])
    yield Fixture(vault, own.id, other.id, template)
    vault.close()


@pytest.fixture
def world(shared: Fixture) -> Iterator[Fixture]:
    shared.vault.role = Role.ADMIN
    yield shared
    shared.vault.role = Role.ADMIN


# -- the probes: one call of the service per action --------------------------------------
def create_record(w: Fixture) -> None:
    draft = _record(w.vault.user, Status.DRAFT)
    try:
        assert not w.exists(w.service.new_record().id)  # new_record() stores nothing
        w.service.save(draft)
    finally:
        assert w.exists(draft.id) is allowed(w.vault.role, Action.CREATE_RECORD)


def edit_own_record(w: Fixture) -> None:
    record = w.add(_record(USER, Status.DRAFT, OWN_NAME))
    record.answers["narrative.summary"] = "고쳐 쓴 요약."
    w.service.save(record)


def edit_others_record(w: Fixture) -> None:
    record = w.add(_record(OTHER, Status.SUBMITTED, OTHER_NAME))
    record.answers["narrative.summary"] = "고쳐 쓴 요약."
    w.service.save(record)


def delete_own_draft(w: Fixture) -> None:
    record = w.add(_record(USER, Status.DRAFT))
    try:
        w.service.delete(record.id)
    finally:
        assert w.exists(record.id) is not allowed(w.vault.role, Action.DELETE_OWN_DRAFT)


def delete_record(w: Fixture) -> None:
    record = w.add(_record(USER, Status.SUBMITTED))
    try:
        w.service.delete(record.id)
    finally:
        assert w.exists(record.id) is not allowed(w.vault.role, Action.DELETE_RECORD)


def view_others_records(w: Fixture) -> None:
    listed = {s.id for s in w.service.summaries(limit=1000)}
    assert (w.other in listed) is allowed(w.vault.role, Action.VIEW_OTHERS_RECORDS)
    assert w.service.count() == len(listed)
    assert w.service.load(w.other).author == OTHER


def view_own_identity(w: Fixture) -> None:
    shown = w.service.load(w.own).answers.get("identity.full_name")
    assert (shown == OWN_NAME) is allowed(w.vault.role, Action.VIEW_OWN_IDENTITY)
    assert w.service.identity(w.own)[0]["identity.full_name"] == OWN_NAME
    assert w.own in w.service.find_by_name(OWN_NAME)


def view_others_identity(w: Fixture) -> None:
    found = w.service.find_by_name(OTHER_NAME) if allowed(
        w.vault.role, Action.VIEW_OWN_IDENTITY) else []
    assert (w.other in found) is allowed(w.vault.role, Action.VIEW_OTHERS_IDENTITY)
    if allowed(w.vault.role, Action.VIEW_OTHERS_RECORDS):
        shown = w.service.load(w.other).answers.get("identity.full_name")
        assert (shown == OTHER_NAME) is allowed(w.vault.role, Action.VIEW_OTHERS_IDENTITY)
    assert w.service.identity(w.other)[0]["identity.full_name"] == OTHER_NAME


def review(w: Fixture) -> None:
    record = w.add(_record(USER, Status.IN_REVIEW))  # the workflow: in_review → verified
    try:
        w.service.set_status(record, Status.VERIFIED)
    finally:
        w.vault.role, role = Role.ADMIN, w.vault.role
        stored = w.service.load(record.id).status
        w.vault.role = role
        assert (stored is Status.VERIFIED) is allowed(role, Action.REVIEW)


def export_anonymized(w: Fixture) -> None:
    assert ExportService(w.vault).prepare(ExportSettings(k=2)).result.records_out > 0


def export_statistics(w: Fixture) -> None:
    assert ExportService(w.vault).statistics().records > 0


def export_plaintext(w: Fixture) -> None:
    records = w.service.export_records()
    assert {w.own, w.other} <= {r.id for r in records}


def import_records(w: Fixture) -> None:
    record = _record(OTHER, Status.SUBMITTED)
    try:
        assert w.service.import_records([record]).added == 1
    finally:
        assert w.exists(record.id) is allowed(w.vault.role, Action.IMPORT)


def send_to_office(w: Fixture) -> None:
    role, w.vault.role = w.vault.role, Role.ADMIN
    try:
        office = TransferService(w.vault)
        if office.trusted_org() is None:  # the same vault plays the office
            public = office.init_org()
            office.trust_org(public.to_file(), public.fingerprint)
    finally:
        w.vault.role = role
    out = w.folder.parent / f"bundle-{role}.intake"
    out.unlink(missing_ok=True)
    sent = TransferService(w.vault).create_bundle(out, since_last=False)
    assert sent.records >= 1 and out.exists()


def manage_users(w: Fixture) -> None:
    assert USER in {user.name for user in UserService(w.vault).list()}


def read_audit(w: Fixture) -> None:
    assert AuditService(w.vault).entries()  # the fixture's unlocks at least


def lock(w: Fixture) -> None:
    folder = w.folder.parent / f"lock-{w.vault.role}"
    shutil.copytree(w.folder, folder)
    vault = Vault.open(folder, USER, PASSPHRASE)
    vault.role = w.vault.role
    session = Session(KdfPolicy(FLOOR))
    session.attach(Desk(vault))
    require(vault.role, Action.LOCK)
    session.lock()
    assert not session.unlocked and not vault.is_open
    shutil.rmtree(folder)


def panic_wipe(w: Fixture) -> None:
    # No panic wipe yet: every role may, so there is nothing to refuse.
    require(w.vault.role, Action.PANIC_WIPE)


PROBES: dict[Action, Callable[[Fixture], None]] = {
    Action.CREATE_RECORD: create_record,
    Action.EDIT_OWN_RECORD: edit_own_record,
    Action.EDIT_OTHERS_RECORD: edit_others_record,
    Action.DELETE_OWN_DRAFT: delete_own_draft,
    Action.DELETE_RECORD: delete_record,
    Action.VIEW_OTHERS_RECORDS: view_others_records,
    Action.VIEW_OWN_IDENTITY: view_own_identity,
    Action.VIEW_OTHERS_IDENTITY: view_others_identity,
    Action.REVIEW: review,
    Action.EXPORT_ANONYMIZED: export_anonymized,
    Action.EXPORT_STATISTICS: export_statistics,
    Action.EXPORT_PLAINTEXT: export_plaintext,
    Action.IMPORT: import_records,
    Action.SEND_TO_OFFICE: send_to_office,
    Action.MANAGE_USERS: manage_users,
    Action.READ_AUDIT: read_audit,
    Action.LOCK: lock,
    Action.PANIC_WIPE: panic_wipe,
}

#: The table as specified, written out again by hand (ALLOWED must agree with it).
TABLE = {  # interviewer, case manager, coordinator, admin
    Action.CREATE_RECORD: "yes yes no yes",
    Action.EDIT_OWN_RECORD: "yes yes no yes",
    Action.EDIT_OTHERS_RECORD: "no yes no yes",
    Action.DELETE_OWN_DRAFT: "yes yes no yes",
    Action.DELETE_RECORD: "no no no yes",
    Action.VIEW_OTHERS_RECORDS: "no yes yes yes",
    Action.VIEW_OWN_IDENTITY: "yes yes no yes",
    Action.VIEW_OTHERS_IDENTITY: "no yes no yes",
    Action.REVIEW: "no yes no yes",
    Action.EXPORT_ANONYMIZED: "no no yes yes",
    Action.EXPORT_STATISTICS: "no no yes yes",
    Action.EXPORT_PLAINTEXT: "no yes no yes",
    Action.IMPORT: "no yes no yes",
    Action.SEND_TO_OFFICE: "yes yes no yes",  # those who record testimonies
    Action.MANAGE_USERS: "no no no yes",
    Action.READ_AUDIT: "no yes no yes",  # "an audit view for admins and case managers"
    Action.LOCK: "yes yes yes yes",
    Action.PANIC_WIPE: "yes yes yes yes",
}
ROLES = (Role.INTERVIEWER, Role.CASE_MANAGER, Role.COORDINATOR, Role.ADMIN)


def test_the_table_is_the_issues_and_every_action_has_a_probe() -> None:
    assert set(PROBES) == set(Action) == set(TABLE) == set(ALLOWED)
    for action, row in TABLE.items():
        expected = {role for role, cell in zip(ROLES, row.split(), strict=True)
                    if cell == "yes"}
        assert ALLOWED[action] == expected, action


def test_importing_needs_what_the_imported_records_need() -> None:
    # a JSONL file holds other users' records with their reviews
    assert ALLOWED[Action.IMPORT] <= ALLOWED[Action.EDIT_OTHERS_RECORD] & ALLOWED[Action.REVIEW]
    # no role sees others' identities without seeing their records
    assert ALLOWED[Action.VIEW_OTHERS_IDENTITY] <= ALLOWED[Action.VIEW_OTHERS_RECORDS]
    assert all(role.holds_identity_key for role in ALLOWED[Action.VIEW_OWN_IDENTITY])


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_each_action_for_each_role(world: Fixture, action: Action, role: Role) -> None:
    world.vault.role = role
    probe = PROBES[action]
    if allowed(role, action):
        probe(world)
        return
    with pytest.raises(PermissionDenied) as denied:
        probe(world)
    error = denied.value
    assert error.exit_code == ExitCode.DENIED
    assert error.params == {"role": role.label, "action": action.label}
    assert _(role.label) in error.message() and _(action.label) in error.message()


@pytest.mark.parametrize("role", [Role.INTERVIEWER, Role.COORDINATOR], ids=str)
def test_a_role_sees_no_more_than_it_may_in_lists_and_searches(world: Fixture,
                                                                role: Role) -> None:
    world.vault.role = role
    service = world.service
    visible = {s.id for s in service.summaries(limit=1000)}
    if role is Role.INTERVIEWER:
        assert world.other not in visible and world.own in visible
        assert service.summaries(RecordFilter(interviewer=OTHER)) == []
        assert service.count(RecordFilter(interviewer=OTHER)) == 0
        assert world.other not in service.text_ids("연해주")
        assert service.find_by_name(OTHER_NAME) == []
        found = service.find_by_name(OWN_NAME)
        assert world.own in found and set(found) <= visible
    else:
        assert world.other in visible
        record = service.load(world.other)
        assert not any(qid.startswith("identity.") for qid in record.answers)


def test_an_interviewer_may_not_write_the_review_or_take_back_a_verification(
    world: Fixture,
) -> None:
    verified = world.add(_record(USER, Status.VERIFIED, **{"review.notes": "확인됨"}))
    world.vault.role = Role.INTERVIEWER
    service = world.service
    for changed in (replace(verified, answers={**verified.answers, "review.notes": "아님"}),
                    replace(verified, status=Status.SUBMITTED)):
        with pytest.raises(PermissionDenied) as denied:
            service.save(changed)
        assert denied.value.params["action"] == Action.REVIEW.label
    with pytest.raises(PermissionDenied):
        service.save(_record(USER, Status.DRAFT, **{"review.notes": "스스로 검증"}))
    # editing the rest of an own record keeps the reviewer's answers as they are
    kept = replace(verified, answers={**verified.answers, "narrative.summary": "더 자세히."})
    service.save(kept)
    world.vault.role = Role.ADMIN
    assert world.service.load(verified.id).answers["review.notes"] == "확인됨"


def test_an_interviewer_may_not_give_a_record_away(world: Fixture) -> None:
    record = world.add(_record(USER, Status.DRAFT))
    world.vault.role = Role.INTERVIEWER
    with pytest.raises(PermissionDenied) as denied:
        world.service.save(replace(record, author=OTHER))
    assert denied.value.params["action"] == Action.EDIT_OTHERS_RECORD.label
