"""The case file of one testimony (the printable testimony), without Qt: what it
says in each language, what each role gets in it, who the person is only on explicit
choice and with the right to it, the audit entry, and a new file only (the PDF drawing
and its extracted text: tests/ui/test_casefile_dialog.py)."""

from __future__ import annotations

import html
import os
import re
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake import dates, i18n
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.errors import NewFileExists, PermissionDenied
from intake.exchange.demo import generate as demo
from intake.i18n import load_translations
from intake.paths import translations_dir
from intake.services.casefile import CaseFile, CaseFileService, ConsentWithdrawnNoCaseFile
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.vault import audit
from intake.vault.audit import AuditAction
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.local_zone import local_time_zone

OTHER = "lee"
REASON = "여권은 국경에서 압수되었다고 진술함 (reason 42)."
INDICATOR = "excessive_overtime"
PDF = b"%PDF-1.4 a case file\n"


def korean(message: str) -> str:
    """``message`` in the compiled Korean catalog (skips while it is not compiled)."""
    if not (translations_dir() / "ko" / "LC_MESSAGES" / "intake.mo").exists():
        pytest.skip("the Korean catalog is not compiled")
    text = load_translations("ko").gettext(message)
    assert any("\uac00" <= char <= "\ud7a3" for char in text), message
    return text


def plain(page: str) -> str:
    """The text of the case file's HTML, as a reader sees it."""
    body = page.split("<body>", 1)[-1]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def demo_record(author: str) -> Record:
    """A full invented testimony, verified, with answers the tests look for."""
    record = next(r for r in demo.generate(20, 7, author)
                  if r.status is Status.VERIFIED and "identity.full_name" in r.answers
                  and not r.answers.get("consent.withdrawn_on"))
    record.id = str(uuid.uuid4())  # the same seed gives the same ids
    record.answers.update({
        "interview.date": "2019-05-03", "deployment.sector": "construction",
        "work.hours_per_day": 13.5, "wages.promised_monthly": {"amount": 45000,
                                                              "currency": "RUB"},
        "review.reliability": "reliable", "consent.un_bodies": True,
        "consent.courts_prosecutors": False, "abuse.sexual": True,
        "deployment.destination_city": "Khabarovsk-Demo-City"})
    for qid in ("vulnerability.party_member", "medical.details"):
        record.answers.pop(qid, None)
        record.meta.pop(qid, None)
    record.meta.update({"work.hours_per_day": "estimate",
                        "vulnerability.party_member": "declined"})
    return record


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    yield opened
    opened.close()


@pytest.fixture
def records(vault: Vault) -> dict[str, Record]:
    """``own`` by the vault's user, ``other`` by someone else; an override on ``own``."""
    made = {"own": demo_record(USER), "other": demo_record(OTHER)}
    InterviewService(vault).import_records(list(made.values()))
    vault.role = Role.CASE_MANAGER
    ReviewService(vault).override(made["own"].id, INDICATOR, "absent", REASON)
    return made


def build(vault: Vault, role: Role, record: Record, language: str = "en",
          identity: bool = False) -> str:
    vault.role = role
    return plain(CaseFileService(vault).build(record.id, language,
                                              include_identity=identity).html)


def test_english_case_file_has_the_header_consent_indicators_and_answers(
        vault: Vault, records: dict[str, Record]) -> None:
    own = records["own"]
    text = build(vault, Role.CASE_MANAGER, own)
    for expected in ("Testimony case file", "NOT encrypted", own.id, USER,
                     "Review status", "Verified", "Reliability", "Reliable",
                     # the consent scopes, each with the person's answer
                     "Consent the person gave", "Consents to sharing with UN bodies",
                     "Consents to sharing with courts and prosecutors",
                     # dates and money through Babel, answers as the form words them
                     "May 3, 2019", "RUB45,000.00", "13.5 (estimate)", "Construction",
                     "Working hours per day", "Declined to answer", "Not asked",
                     # the indicators, and the override with its reason and who made it
                     "ILO forced-labour indicators", "Excessive overtime", REASON,
                     "Sexual violence?"):
        assert expected in text, expected
    assert re.search(r"Consents to sharing with UN bodies\s+Yes", text)
    assert re.search(r"Consents to sharing with courts and prosecutors\s+No", text)
    assert re.search(re.escape(REASON) + rf"\s+—\s+{USER}", text)


def test_korean_case_file_is_korean_whatever_the_window_language(
        vault: Vault, records: dict[str, Record]) -> None:
    i18n.set_language("en")
    text = build(vault, Role.CASE_MANAGER, records["own"], "ko")
    for message in ("Working hours per day", "Construction", "Verified",
                    "Consents to sharing with UN bodies", "Informed consent",
                    "Declined to answer", "Excessive overtime", "Reliable"):
        if message != "Informed consent":  # the consent section heads the file instead
            assert korean(message) in text, message
    assert "2019년 5월 3일" in text
    assert "Working hours per day" not in text
    i18n.set_language("ko")
    english = build(vault, Role.CASE_MANAGER, records["own"], "en")
    assert "Working hours per day" in english and korean("Working hours per day") not in english


def test_identity_is_left_out_by_default_for_every_role(
        vault: Vault, records: dict[str, Record]) -> None:
    name = records["own"].answers["identity.full_name"]
    for role in (Role.CASE_MANAGER, Role.ADMIN, Role.COORDINATOR, Role.INTERVIEWER):
        text = build(vault, role, records["own"])
        assert name not in text, role
        assert "Khabarovsk-Demo-City" not in text, role  # identifying outside the section
        # the questions themselves are left out, not shown as unanswered
        assert "Full name" not in text and "Work site name or address" not in text, role
        assert "Left out" in text


def test_identity_only_on_explicit_choice_by_a_role_that_may_see_it(
        vault: Vault, records: dict[str, Record]) -> None:
    own, other = records["own"], records["other"]
    before = len(audit.entries(vault.connection(), action=AuditAction.IDENTITY_VIEWED))
    text = build(vault, Role.CASE_MANAGER, other, identity=True)
    assert other.answers["identity.full_name"] in text
    assert "Khabarovsk-Demo-City" in text and "Included in this case file." in text
    viewed = audit.entries(vault.connection(), action=AuditAction.IDENTITY_VIEWED)
    assert len(viewed) == before + 1 and viewed[-1].record_id == other.id
    # an interviewer holds the identity key: their own record's identity, when asked
    assert own.answers["identity.full_name"] in build(vault, Role.INTERVIEWER, own,
                                                      identity=True)
    vault.role = Role.COORDINATOR  # no identity key, ever
    service = CaseFileService(vault)
    assert not service.may_include_identity(own.id)
    with pytest.raises(PermissionDenied):
        service.build(own.id, "en", include_identity=True)
    vault.role = Role.INTERVIEWER  # another's record: not even without identity
    service = CaseFileService(vault)
    with pytest.raises(PermissionDenied):
        service.build(other.id, "en")
    with pytest.raises(PermissionDenied):
        service.build(other.id, "en", include_identity=True)


def test_what_only_reviewers_see_stays_out_for_others(
        vault: Vault, records: dict[str, Record]) -> None:
    text = build(vault, Role.COORDINATOR, records["own"])
    assert "Sexual violence?" not in text  # restricted question
    assert REASON not in text and "Overridden by a reviewer" in text
    assert "Review notes" not in text  # the reviewers' section
    assert "Reliable" in text  # reliability heads the file for everyone


def test_saving_writes_a_private_new_file_and_logs_it(
        vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    vault.role = Role.CASE_MANAGER
    service = CaseFileService(vault)
    case_file = service.build(records["own"].id, "ko")
    out = tmp_path / "case.pdf"
    saved = service.save(case_file, PDF, out)
    assert out.read_bytes() == PDF
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    entry = audit.entries(vault.connection(), action=AuditAction.EXPORTED)[-1]
    assert entry.record_id == records["own"].id
    assert entry.detail == {"kind": "casefile", "count": 1, "manifest_sha256": saved.sha256}
    assert [p.name for p in tmp_path.iterdir() if p.name != "vault"] == ["case.pdf"]


def test_an_existing_file_or_link_is_never_overwritten(
        vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    vault.role = Role.CASE_MANAGER
    service = CaseFileService(vault)
    case_file = service.build(records["own"].id, "en")
    existing = tmp_path / "existing.pdf"
    existing.write_bytes(b"keep me")
    link = tmp_path / "link.pdf"
    link.symlink_to(tmp_path / "elsewhere.pdf")
    exported = len(audit.entries(vault.connection(), action=AuditAction.EXPORTED))
    for path in (existing, link):
        with pytest.raises(NewFileExists):
            service.save(case_file, PDF, path)
    assert existing.read_bytes() == b"keep me"
    assert not (tmp_path / "elsewhere.pdf").exists()
    assert len(audit.entries(vault.connection(), action=AuditAction.EXPORTED)) == exported


def test_saving_rechecks_the_identity_right(
        vault: Vault, records: dict[str, Record], tmp_path: Path) -> None:
    vault.role = Role.CASE_MANAGER
    with_name = CaseFileService(vault).build(records["other"].id, "en", include_identity=True)
    vault.role = Role.COORDINATOR
    with pytest.raises(PermissionDenied):
        CaseFileService(vault).save(with_name, PDF, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_no_case_file_after_consent_was_withdrawn(vault: Vault) -> None:
    record = demo_record(USER)
    record.answers["consent.withdrawn_on"] = "2020-01-02"
    InterviewService(vault).import_records([record])
    with pytest.raises(ConsentWithdrawnNoCaseFile) as refused:
        CaseFileService(vault).build(record.id, "en")
    assert "Jan 2, 2020" in refused.value.message()  # the one date style, not ISO


def test_korean_case_file_has_local_times_and_formal_wording(
        vault: Vault, records: dict[str, Record]) -> None:
    """Times in the computer's zone (Seoul here), in the app's one style: no English
    "AM"/"PM", no "UTC", no colloquial "뺐습니다"."""
    own = records["own"]
    own_stored = InterviewService(vault).load(own.id)
    with local_time_zone("Asia/Seoul"):
        text = build(vault, Role.CASE_MANAGER, own, "ko")
        english = build(vault, Role.CASE_MANAGER, own, "en")
        created = dates.stamp_text(own_stored.created_at, "ko")
    korean("Left out: the person's name, contacts, documents, home town, the interpreter's "
           "name, the city and the work site are not in this case file.")  # skips if needed
    assert created in text and re.search(r"\d{4}년 \d{1,2}월 \d{1,2}일 (오전|오후) \d", text)
    for english_word in ("AM", "PM", "UTC"):
        assert english_word not in text, english_word
    assert "뺐" not in text and "제외되었습니다" in text
    assert re.search(r"\b(AM|PM)\b", english)  # a positive control: the check can see it
    assert "UTC" not in english


def test_text_is_escaped(vault: Vault) -> None:
    record = demo_record(USER)
    record.answers["narrative.summary"] = "<b>bold</b> & <script>x</script>"
    InterviewService(vault).import_records([record])
    page = CaseFileService(vault).build(record.id, "en").html
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_a_case_file_names_no_person_outside_its_body(
        vault: Vault, records: dict[str, Record]) -> None:
    vault.role = Role.CASE_MANAGER
    case_file: CaseFile = CaseFileService(vault).build(records["own"].id, "en",
                                                       include_identity=True)
    name = records["own"].answers["identity.full_name"]
    assert name not in case_file.title and name not in case_file.footer
    assert "{page}" in case_file.footer and "{pages}" in case_file.footer
