"""Separation by key, for quotes: an anonymized export run by a coordinator carries only the
quote text a holder of the identity key approved, never a testimony's original words.

The adversary is the coordinator (or whoever reads the export folder): every file of an
export the coordinator writes with quotes is scanned, in every encoding
(tests/security/sentinels.py), for a planted original sentence with a person's name and
date in it, for the name alone (and the given name alone), and for a sentinel in an answer
the reviewer dropped. Positive controls: the approved, redacted sentence *is* in the files
(the scan reads them), and when the reviewer approves the original knowingly (the
protection bypassed) the same scan finds the name.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.exchange.analysis.quotes import quote_questions
from intake.exchange.demo.generate import generate
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.quotes import QuoteService, QuotesNeedIdentityKey
from intake.vault import accounts
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security.sentinels import scan

TODAY = dt.date(2026, 11, 27)
NAME, GIVEN = "리명철", "명철"
PLANTED = "리명철씨가 2019년 3월 5일 밤 창고 뒤에서 감독관 몰래 집에 전화했다."
APPROVED = "[NAME]씨가 [DATE] 밤 창고 뒤에서 감독관 몰래 집에 전화했다."
DROPPED = "SENTINEL-dropped-by-the-reviewer-5e1b 반장이 매일 때렸다."
COORDINATOR, INITIAL = "lee", "an initial passphrase for you"
PLANTED_IN = 8  # demo records carrying the planted answers (some may be suppressed)


def _planted(record: Record) -> Record:
    for qid in quote_questions():
        record.answers.pop(qid, None)
    record.answers.pop("identity.aliases", None)
    record.answers.update({"identity.full_name": NAME, "narrative.summary": PLANTED,
                          "abuse.details": DROPPED,
                          "consent.publication_without_identifiers": True})
    return record


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    """60 demo records (admin ``kim``), the first ``PLANTED_IN`` with the planted answers
    and consent to publication; coordinator ``lee``."""
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        records = list(generate(60, seed=11, author=USER, today=TODAY))
        for i, record in enumerate(records):
            record.answers.pop("consent.withdrawn_on", None)
            record.answers.update({"consent.internal_documentation": True,
                                   "consent.anonymized_statistics": True})
            record.status = Status.SUBMITTED
            if i < PLANTED_IN:
                _planted(record)
        InterviewService(vault).import_records(records)
        accounts.add_user(vault, COORDINATOR, Role.COORDINATOR, INITIAL)
    return folder


def approve_planted(folder: Path, *, original: bool = False) -> None:
    """The administrator (identity key) approves each planted record's story, redacted
    (or, ``original``, as written: the protection bypassed), and drops the other answer."""
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = QuoteService(vault)
        planted = [r.id for r in InterviewService(vault).export_records()
                   if r.answers.get("narrative.summary") == PLANTED]
        assert len(planted) == PLANTED_IN  # the original is in the vault, for the key holder
        for record_id in planted:
            drafts = service.drafts(record_id)
            for quote in drafts.quotes:
                quote.keep = quote.question == "narrative.summary"
                if original and quote.keep:
                    quote.edit(PLANTED)
            assert [q.text for q in drafts.quotes if q.keep] == [
                PLANTED if original else APPROVED]
            service.approve(record_id, drafts.revision, drafts.quotes, knowingly=original)


def export_as_coordinator(folder: Path, out: Path) -> list[str]:
    """The coordinator's export with quotes; returns the quote texts it held in memory."""
    with Vault.open(folder, COORDINATOR, INITIAL) as vault:
        assert vault.identity_key is None
        exports = ExportService(vault)
        for record in exports.records():  # what the coordinator's export reads
            assert not set(record.answers) & QUESTIONNAIRE.private_ids
        with pytest.raises(QuotesNeedIdentityKey):
            QuoteService(vault).drafts(exports.records()[0].id)
        prepared = exports.prepare(ExportSettings(k=2, quotes=True))
        exports.write(prepared, out, tool_version="test")
        return [quote.text for quote in prepared.quotes]


def quote_rows(out: Path) -> list[str]:
    with open(out / "quotes.csv", encoding="utf-8-sig", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def test_a_coordinators_export_holds_only_approved_text(folder: Path, tmp_path: Path) -> None:
    approve_planted(folder)
    out = tmp_path / "export"
    held = export_as_coordinator(folder, out)
    hits = scan(out, [PLANTED, NAME, GIVEN, DROPPED, "SENTINEL-dropped", "3월 5일"])
    assert not hits, "\n".join(map(str, hits))
    assert not [text for text in held if NAME in text or GIVEN in text or "SENTINEL" in text]
    # positive control: the approved sentence is there, found by the same scan
    assert scan(out, [APPROVED])
    rows = quote_rows(out)
    assert APPROVED in rows and set(rows) <= set(held)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        approved = {q.text for q in QuoteService(vault).approved_for(
            [r.id for r in InterviewService(vault).export_records()])}
    assert set(rows) <= approved  # nothing but approved text


def test_control_the_scan_finds_an_original_approved_knowingly(
        folder: Path, tmp_path: Path) -> None:
    approve_planted(folder, original=True)
    out = tmp_path / "export"
    export_as_coordinator(folder, out)
    found = {hit.secret for hit in scan(out, [PLANTED, NAME, DROPPED])}
    assert found == {PLANTED, NAME}  # the dropped answer stays out even so
