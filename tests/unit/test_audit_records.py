"""The audit log as the record services write it: create, edit (the
question ids, never a value), delete, identity viewed, import, export with the hash of the
written manifest; and never an answer's value anywhere in the log."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.exchange.demo.generate import generate
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.vault import audit
from intake.vault.audit import AuditAction
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

TODAY = dt.date(2026, 11, 27)
NAME = "변소리하늘"
SUMMARY = "감독관이 매일 밤 숙소 문을 잠갔다 — unique-summary-4411."
NOTES = "unique-review-note-9027"
REASON = "unique-override-reason-5519"
VALUES = (NAME, SUMMARY, NOTES, REASON, "unique-details-3382", "unique-restriction-7741")


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    yield opened
    opened.close()


def entries(vault: Vault, action: AuditAction | None = None,
            record_id: str | None = None) -> list[audit.Entry]:
    return audit.entries(vault.connection(), action=action, record_id=record_id,
                         limit=None)


def raw_audit_text(vault: Vault) -> str:
    """Every column of every audit row, as one text."""
    rows = vault.connection().execute("SELECT * FROM audit").fetchall()
    return "\n".join(str(value) for row in rows for value in row)


def test_create_and_edit_log_question_ids_never_values(vault: Vault) -> None:
    service = InterviewService(vault)
    record = service.new_record()
    record.answers.update({"identity.full_name": NAME, "narrative.summary": SUMMARY,
                           "work.hours_per_day": 14, "consent.internal_documentation": True})
    record.meta["profile.birth_year"] = "declined"
    service.save(record)
    [created] = entries(vault, AuditAction.RECORD_CREATED)
    assert (created.record_id, created.user) == (record.id, USER)
    assert created.detail["questions"] == sorted([
        "identity.full_name", "narrative.summary", "work.hours_per_day",
        "consent.internal_documentation", "profile.birth_year"])

    # an autosave that changes nothing logs nothing
    service.save(record)
    service.save(service.load(record.id))
    assert entries(vault, AuditAction.RECORD_EDITED) == []

    record.answers["escape.details"] = "unique-details-3382"
    record.answers["work.hours_per_day"] = 16
    record.meta.pop("profile.birth_year")
    record.meta["profile.sex"] = "unknown"
    service.save(record)
    [edited] = entries(vault, AuditAction.RECORD_EDITED)
    assert edited.detail == {"questions": [
        "escape.details", "profile.birth_year", "profile.sex", "work.hours_per_day"],
        "revision": service.load(record.id).revision}

    record.answers["identity.full_name"] = NAME + " 2"
    service.save(record)
    assert entries(vault, AuditAction.RECORD_EDITED)[-1].detail == {
        "questions": ["identity.full_name"], "revision": service.load(record.id).revision}

    # the reviewer's part: notes, an override with its reason, consent with restrictions
    review = ReviewService(vault)
    review.transition(record.id, Status.SUBMITTED)
    review.transition(record.id, Status.IN_REVIEW)
    reviewed = service.load(record.id)
    reviewed.answers["review.notes"] = NOTES
    service.save(reviewed)
    review.override(record.id, "excessive_overtime", "absent", REASON)
    review.set_consent(record.id, {"consent.media": False}, TODAY,
                       restrictions="unique-restriction-7741")

    text = raw_audit_text(vault)
    for value in VALUES:
        assert value not in text
    assert "16" not in "".join(e.detail_json for e in entries(vault))
    audit.check(vault.connection())  # the chain holds


def test_status_changes_and_edits_in_one_save_are_both_logged(vault: Vault) -> None:
    service = InterviewService(vault)
    record = service.new_record()
    record.answers["consent.internal_documentation"] = True
    service.save(record)
    record.answers["narrative.summary"] = SUMMARY
    service.set_status(record, Status.SUBMITTED)
    log = entries(vault, record_id=record.id)
    assert [(e.action, e.detail) for e in log[-2:]] == [
        (AuditAction.RECORD_EDITED, {"questions": ["narrative.summary"], "revision": 2}),
        (AuditAction.STATUS_CHANGED, {"from": "draft", "to": "submitted"})]


def test_delete_is_logged_with_the_record(vault: Vault) -> None:
    service = InterviewService(vault)
    record = service.save(service.new_record())
    service.delete(record.id)
    [deleted] = entries(vault, AuditAction.RECORD_DELETED)
    assert (deleted.record_id, deleted.user, deleted.detail) == (record.id, USER, {})


def test_identity_views_are_logged(vault: Vault) -> None:
    service = InterviewService(vault)
    record = service.new_record()
    record.answers["identity.full_name"] = NAME
    service.save(record)
    service.load(record.id)  # the form loads the identity masked: not a view
    assert entries(vault, AuditAction.IDENTITY_VIEWED) == []
    assert service.identity(record.id)[0]["identity.full_name"] == NAME
    service.identity_viewed(record.id)  # the form revealed the section
    assert [e.record_id for e in entries(vault, AuditAction.IDENTITY_VIEWED)] == [
        record.id, record.id]
    empty = service.save(service.new_record())
    service.identity(empty.id)  # nothing to see: nothing viewed
    assert len(entries(vault, AuditAction.IDENTITY_VIEWED)) == 2
    vault.role = Role.COORDINATOR
    with pytest.raises(PermissionDenied):
        InterviewService(vault).identity_viewed(record.id)
    assert len(entries(vault, AuditAction.IDENTITY_VIEWED)) == 2


def _exportable(n: int) -> list[Record]:
    records = list(generate(n, seed=11, author=USER, today=TODAY))
    for record in records:
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.VERIFIED
    return records


def test_imports_are_counted(vault: Vault) -> None:
    records = _exportable(12)
    InterviewService(vault).import_records(records)
    InterviewService(vault).import_records(records)  # all skipped
    assert [e.detail for e in entries(vault, AuditAction.IMPORTED)] == [
        {"count": 12}, {"count": 0}]
    assert entries(vault, AuditAction.RECORD_CREATED) == []


def _manifest_hash(folder: Path) -> str:
    return hashlib.sha256((folder / "MANIFEST.sha256").read_bytes()).hexdigest()


def test_exports_log_the_hash_of_the_written_manifest(vault: Vault, tmp_path: Path) -> None:
    InterviewService(vault).import_records(_exportable(60))
    exports = ExportService(vault)
    prepared = exports.prepare(ExportSettings(k=2))
    exports.write(prepared, tmp_path / "anonymized", tool_version="test")
    exports.write_statistics(exports.statistics(), tmp_path / "statistics",
                             tool_version="test")
    anonymized, statistics = entries(vault, AuditAction.EXPORTED)
    assert anonymized.detail == {"kind": "anonymized", "count": prepared.result.records_out,
                                 "manifest_sha256": _manifest_hash(tmp_path / "anonymized")}
    assert statistics.detail == {"kind": "statistics", "count": 60,
                                 "manifest_sha256": _manifest_hash(tmp_path / "statistics")}


def test_a_failed_export_logs_nothing(vault: Vault, tmp_path: Path) -> None:
    InterviewService(vault).import_records(_exportable(30))
    exports = ExportService(vault)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / "something").write_text("x")
    with pytest.raises(Exception):  # noqa: B017 - ExportFolderNotEmpty
        exports.write(exports.prepare(ExportSettings(k=2)), occupied, tool_version="test")
    assert entries(vault, AuditAction.EXPORTED) == []


def test_the_plaintext_export_command_logs_the_file_hash(
        cli: Cli, policy: KdfPolicy, tmp_path: Path) -> None:
    folder = tmp_path / "cli-vault"
    with Vault.create(folder, USER, PASSPHRASE, policy)[0] as opened:
        InterviewService(opened).import_records(_exportable(5))
    out = tmp_path / "all.jsonl"
    result = cli(["export-records", "--out", str(out), "--i-understand-plaintext",
                  "--vault", str(folder), "--user", USER, "--passphrase-stdin"])
    assert result.code == 0, result
    with Vault.open(folder, USER, PASSPHRASE) as opened:
        [entry] = entries(opened, AuditAction.EXPORTED)
    assert entry.detail == {"kind": "jsonl", "count": 5,
                            "manifest_sha256": hashlib.sha256(out.read_bytes()).hexdigest()}
