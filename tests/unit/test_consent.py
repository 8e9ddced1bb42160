"""Consent: changed only through the consent step, each scope with its date;
withdrawal leaves every anonymized export; the identity purge leaves no name in the
decrypted database nor in the WAL, and a tombstone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.answers import AnswerError
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import ConsentRequired, Record, Status
from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.exchange.analysis.anonymize.profiles import DEFAULT_PROFILE, PROFILES
from intake.exchange.demo.generate import generate
from intake.exchange.formats import jsonl
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.record_changes import ConsentChangeRefused
from intake.services.review import InvalidConsentDate, NotAConsentScope, ReviewService
from intake.vault import audit, identity
from intake.vault.audit import AuditAction
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

TODAY = dt.date(2026, 11, 27)
ON = dt.date(2026, 11, 20)
NAME = "조은별솔향"  # unique: appears nowhere else
ALIAS = "Starlight-Pine-7731"
PUBLICATION = "consent.publication_without_identifiers"
#: the release ``intake export`` makes unless told otherwise (60 records cannot carry
#: every column: the final gate refuses a special unique it may not blank)
DEFAULT_COLUMNS = PROFILES[DEFAULT_PROFILE]


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    yield opened
    opened.close()


def stored_draft(vault: Vault, **answers: object) -> Record:
    service = InterviewService(vault)
    record = service.new_record()
    record.answers.update({"narrative.summary": "2018년 연해주 건설 현장.", **answers})
    return service.save(record)


def logged(vault: Vault, record_id: str, action: AuditAction) -> list[audit.Entry]:
    return audit.entries(vault.connection(), record_id=record_id, action=action)


# -- consent only through the consent step ------------------------------------------------
def test_save_refuses_a_consent_change_of_a_stored_record(vault: Vault) -> None:
    record = stored_draft(vault, **{"consent.internal_documentation": True})
    service = InterviewService(vault)
    for change in ({"consent.media": True}, {"consent.internal_documentation": False},
                   {"consent.withdrawn_on": "2026-11-01"}):
        edited = service.load(record.id)
        edited.answers.update(change)
        with pytest.raises(ConsentChangeRefused) as refused:
            service.save(edited)
        assert isinstance(refused.value, AnswerError)  # the form shows it at the question
        assert refused.value.question == next(iter(change))
    marked = service.load(record.id)
    marked.meta["consent.media"] = "declined"
    with pytest.raises(ConsentChangeRefused):
        service.save(marked)
    stored = service.load(record.id)
    assert "consent.media" not in stored.answers and "consent.media" not in stored.meta


def test_set_consent_records_each_scope_with_its_date(vault: Vault) -> None:
    record = stored_draft(vault)
    review = ReviewService(vault)
    saved = review.set_consent(record.id, {"consent.internal_documentation": True,
                                           "consent.anonymized_statistics": True,
                                           PUBLICATION: False}, ON,
                               restrictions="No photos of the face.")
    assert saved.answers["consent.internal_documentation"] is True
    assert saved.answers[PUBLICATION] is False
    state = review.consent(record.id)
    assert state[PUBLICATION].value is False
    assert (state[PUBLICATION].decided_on, state[PUBLICATION].user) == ("2026-11-20", USER)
    assert state["consent.restrictions"].value == "No photos of the face."
    assert state["consent.media"].value is None and state["consent.media"].decided_on is None
    [entry] = logged(vault, record.id, AuditAction.CONSENT_CHANGED)
    assert entry.detail == {"questions": sorted([
        "consent.internal_documentation", "consent.anonymized_statistics", PUBLICATION,
        "consent.restrictions"])}
    assert logged(vault, record.id, AuditAction.RECORD_EDITED) == []
    assert "No photos" not in entry.detail_json

    # the same decisions again are no decision; a changed one is, with its own date
    review.set_consent(record.id, {PUBLICATION: False}, ON)
    assert len(logged(vault, record.id, AuditAction.CONSENT_CHANGED)) == 1
    review.set_consent(record.id, {PUBLICATION: True}, TODAY)
    history = review.consent_history(record.id)
    assert [(d.question, d.value, d.decided_on) for d in history][-1] == (
        PUBLICATION, "yes", "2026-11-27")
    assert len(history) == 5
    # the form, given the stored record, saves other answers as before
    form_record = InterviewService(vault).load(record.id)
    form_record.answers["narrative.summary"] = "고친 내용"
    InterviewService(vault).save(form_record)
    assert ReviewService(vault).transition(record.id, Status.SUBMITTED).status is \
        Status.SUBMITTED


def test_set_consent_checks_its_input_and_the_role(vault: Vault) -> None:
    record = stored_draft(vault)
    review = ReviewService(vault)
    for scopes in ({"consent.withdrawn_on": True}, {"consent.restrictions": True},
                   {"profile.sex": True}, {PUBLICATION: "yes"}):
        with pytest.raises(NotAConsentScope):
            review.set_consent(record.id, scopes, ON)  # type: ignore[arg-type]
    with pytest.raises(InvalidConsentDate):
        review.set_consent(record.id, {PUBLICATION: True}, dt.date.today() + dt.timedelta(1))
    vault.role = Role.COORDINATOR
    with pytest.raises(PermissionDenied):
        ReviewService(vault).set_consent(record.id, {PUBLICATION: True}, ON)


def test_taking_back_internal_consent_of_a_submitted_record_is_refused(vault: Vault) -> None:
    record = stored_draft(vault)
    review = ReviewService(vault)
    review.set_consent(record.id, {"consent.internal_documentation": True}, ON)
    review.transition(record.id, Status.SUBMITTED)
    with pytest.raises(ConsentRequired):
        review.set_consent(record.id, {"consent.internal_documentation": False}, ON)
    assert review.consent(record.id)["consent.internal_documentation"].value is True


def test_imports_still_carry_consent(vault: Vault) -> None:
    record = stored_draft(vault, **{"consent.internal_documentation": True})
    newer = InterviewService(vault).load(record.id)
    newer.revision += 1
    newer.answers["consent.media"] = True
    assert InterviewService(vault).import_records([newer]).updated == 1
    assert InterviewService(vault).load(record.id).answers["consent.media"] is True


# -- withdrawal ---------------------------------------------------------------------------
@pytest.fixture
def exportable(vault: Vault) -> list[str]:
    records = list(generate(60, seed=7, author=USER, today=TODAY))
    for record in records:
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.answers[PUBLICATION] = True
        record.status = Status.VERIFIED
    InterviewService(vault).import_records(records)
    return [r.id for r in records]


def test_a_withdrawn_record_leaves_the_export_and_the_statistics(
        vault: Vault, exportable: list[str], tmp_path: Path) -> None:
    exports = ExportService(vault)
    before = exports.prepare(ExportSettings(k=2, quotes=True, columns=DEFAULT_COLUMNS))
    statistics_before = exports.statistics().records
    withdrawn = next(i for i in exportable if i in set(before.result.record_ids))
    saved = ReviewService(vault).withdraw(withdrawn, ON, purge=False)
    assert saved.answers["consent.withdrawn_on"] == "2026-11-20"
    assert ReviewService(vault).tombstone(withdrawn) is None
    [entry] = logged(vault, withdrawn, AuditAction.CONSENT_CHANGED)
    assert entry.detail == {"questions": ["consent.withdrawn_on"]}
    after = exports.prepare(ExportSettings(k=2, quotes=True, columns=DEFAULT_COLUMNS))
    assert withdrawn not in after.result.record_ids
    assert after.result.excluded.get("consent_withdrawn", 0) == \
        before.result.excluded.get("consent_withdrawn", 0) + 1
    assert exports.statistics().records == statistics_before - 1


def test_the_report_counts_records_kept_out_of_quotes_by_the_publication_scope(
        vault: Vault, exportable: list[str], tmp_path: Path) -> None:
    review = ReviewService(vault)
    for record_id in exportable[:7]:
        review.set_consent(record_id, {PUBLICATION: False}, ON)
    exports = ExportService(vault)
    prepared = exports.prepare(ExportSettings(k=2, quotes=True, columns=DEFAULT_COLUMNS))
    out_without = len(set(exportable[:7]) & set(prepared.result.record_ids))
    assert prepared.quotes_excluded_no_consent == out_without > 0
    exports.write(prepared, tmp_path / "export", tool_version="test")
    report = json.loads((tmp_path / "export" / "risk_report.json").read_text("utf-8"))
    assert report["quotes"]["excluded_no_publication_consent"] == out_without


# -- purge --------------------------------------------------------------------------------
def _hits(vault: Vault, needles: tuple[str, ...]) -> list[str]:
    """Where any needle is in the decrypted database: every row of every table, identity
    blobs opened with the identity key (whatever record id they are sealed to)."""
    conn = vault.connection()
    key = vault.identity_key
    assert key is not None
    ids = [row[0] for row in conn.execute("SELECT id FROM records")]
    found = []
    tables = [row[0] for row in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in conn.execute(f"SELECT * FROM \"{table}\""):
            for value in row:
                texts: list[str] = []
                if isinstance(value, str):
                    texts.append(value)
                elif isinstance(value, bytes):
                    texts.append(value.decode("utf-8", "replace"))
                    for record_id in ids:
                        try:
                            texts.append(json.dumps(identity.unseal(key, record_id, value),
                                                    ensure_ascii=False))
                        except Exception:  # noqa: BLE001 - sealed to another record
                            continue
                if any(n in t for n in needles for t in texts):
                    found.append(table)
    return found


def test_purge_removes_the_identity_everywhere_and_leaves_a_tombstone(vault: Vault) -> None:
    service = InterviewService(vault)
    record = stored_draft(vault, **{"identity.full_name": NAME,
                                    "identity.aliases": [ALIAS],
                                    "interview.interpreter_name": "통역사 " + ALIAS,
                                    "consent.internal_documentation": True})
    ReviewService(vault).transition(record.id, Status.SUBMITTED)  # a second revision
    edited = service.load(record.id)
    edited.session = "another session"
    edited.answers["narrative.summary"] = "세 번째 판"
    service.save(edited)
    assert service.revisions(record.id) == [1, 2, 3]
    old_copy = service.load(record.id)  # as an open form or an old JSONL file holds it
    needles = (NAME, ALIAS)
    assert set(_hits(vault, needles)) == {"records", "record_revisions"}  # the probe works

    saved = ReviewService(vault).withdraw(record.id, ON, purge=True)

    assert not any(qid.startswith("identity.") for qid in saved.answers)
    assert _hits(vault, needles) == []
    conn = vault.connection()
    assert conn.execute("SELECT identity FROM records WHERE id = ?",
                        (record.id,)).fetchone() == (None,)
    assert conn.execute("SELECT count(*) FROM record_revisions WHERE record_id = ?"
                        " AND identity IS NOT NULL", (record.id,)).fetchone() == (0,)
    tomb = ReviewService(vault).tombstone(record.id)
    assert tomb is not None and tomb.user == USER and tomb.purged_at
    actions = [e.action for e in audit.entries(conn, record_id=record.id)]
    assert actions[-2:] == [AuditAction.CONSENT_CHANGED, AuditAction.IDENTITY_PURGED]
    assert service.identity(record.id) == ({}, {})
    wal = vault.files.database.with_name(vault.files.database.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert not any(n.encode("utf-8") in wal.read_bytes() for n in needles if wal.exists())

    # neither a stale form nor an old export brings the identity back
    stale = jsonl_record(old_copy)
    stale.revision = 99
    old_copy.answers["consent.withdrawn_on"] = "2026-11-20"
    kept = service.save(old_copy)
    assert "identity.full_name" not in kept.answers  # dropped, not stored
    assert "consent.withdrawn_on" not in stale.answers
    service.import_records([stale])
    assert _hits(vault, needles) == []
    assert service.load(record.id).answers["consent.withdrawn_on"] == "2026-11-20"
    assert service.identity(record.id) == ({}, {})


def jsonl_record(record: Record) -> Record:
    line = json.dumps({"id": record.id, "schema": record.schema, "revision": 1,
                       "status": record.status.value, "answers": record.answers,
                       "meta": record.meta}, ensure_ascii=False)
    [parsed] = jsonl.parse_lines([line], QUESTIONNAIRE, USER)
    assert parsed.answers["identity.full_name"] == NAME
    return parsed


def test_purge_is_refused_to_roles_that_may_not_edit_the_record(vault: Vault) -> None:
    record = stored_draft(vault, **{"identity.full_name": NAME})
    vault.role = Role.COORDINATOR
    with pytest.raises(PermissionDenied):
        ReviewService(vault).withdraw(record.id, ON, purge=True)
    vault.role = Role.ADMIN
    assert ReviewService(vault).tombstone(record.id) is None
    assert InterviewService(vault).identity(record.id)[0]["identity.full_name"] == NAME


def test_an_older_file_imported_again_does_not_undo_a_withdrawal(vault: Vault) -> None:
    record = stored_draft(vault, **{"consent.internal_documentation": True})
    before = InterviewService(vault).load(record.id)  # as an older export file has it
    ReviewService(vault).withdraw(record.id, TODAY, purge=False)
    withdrawn = InterviewService(vault).load(record.id)
    assert withdrawn.answers["consent.withdrawn_on"]
    before.revision = withdrawn.revision + 1  # newer by number, but made before the withdrawal
    before.answers.pop("consent.withdrawn_on", None)
    assert InterviewService(vault).import_records([before]).updated == 1
    after = InterviewService(vault).load(record.id)
    assert after.answers["consent.withdrawn_on"] == withdrawn.answers["consent.withdrawn_on"]
