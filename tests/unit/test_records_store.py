"""RecordStore through InterviewService on a real vault: round trips of every question
type, the encrypted private section (identifiers and every free text), the text index in
``index.db``, revisions, derived values, indicators, validation and NFC normalization."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.domain import indicators
from intake.domain.answers import AnswerError
from intake.domain.indicators import INDICATOR_IDS, Finding
from intake.domain.questionnaire import CURRENCIES, QClass, QType, Question
from intake.domain.questions import QUESTIONNAIRE, current_year
from intake.domain.record import ConsentRequired, Record, Status
from intake.services.interviews import InterviewService
from intake.vault import identity
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.record_index import TextIndex
from intake.vault.records import REVISION_WINDOW, RecordNotFound
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

IDENTITY_IDS = tuple(q.id for q in QUESTIONNAIRE.questions() if q.cls is QClass.DIRECT)
#: Free text of any class: private too (a narrative names people whatever its class).
FREE_TEXT_IDS = tuple(q.id for q in QUESTIONNAIRE.questions()
                      if q.type.is_text and q.cls is not QClass.DIRECT)
PRIVATE_IDS = IDENTITY_IDS + FREE_TEXT_IDS


# -- helpers ------------------------------------------------------------------------------
def valid_value(q: Question, index: int = 0) -> Any:
    """A valid value for ``q``, derived from its type, codes and range alone."""
    t = q.type
    if t is QType.BOOL:
        return index % 2 == 0
    if t is QType.CHOICE:
        assert q.codes is not None
        values = q.codes.values()
        return values[index % len(values)]
    if t is QType.MULTI:
        assert q.codes is not None
        values = q.codes.values()
        return list(values[:2]) if len(values) > 1 else list(values)
    if t is QType.INT:
        low = int(q.minimum) if q.minimum is not None else 0
        high = int(q.maximum) if q.maximum is not None else low + 100
        return min(high, low + 3)
    if t is QType.NUMBER:
        low = float(q.minimum) if q.minimum is not None else 0.0
        high = float(q.maximum) if q.maximum is not None else low + 100.0
        return low + (high - low) / 4 + 0.5
    if t is QType.YEAR:
        return max(int(q.minimum or 1940), current_year() - 8 + index % 5)
    if t is QType.DATE:
        year = current_year() - 5
        return (f"{year}-03-04", f"{year}-07", f"{year}")[index % 3]
    if t is QType.MONEY:
        return {"amount": 100 * (index + 1), "currency": CURRENCIES[index % len(CURRENCIES)]}
    if t is QType.TEXT:
        return f"값 {q.id} ✓"
    if t is QType.LONGTEXT:
        return f"긴 이야기 {q.id}\n둘째 줄 – 끝"
    if t is QType.LIST:
        return [f"{q.id} 하나", f"{q.id} 둘"]
    raise AssertionError(t)


def full_answers() -> dict[str, Any]:
    """A valid value for EVERY question, with gross/quota/share kept consistent."""
    answers = {q.id: valid_value(q, i) for i, q in enumerate(QUESTIONNAIRE.questions())}
    answers["wages.gross_monthly"] = {"amount": 1000, "currency": "USD"}
    answers["wages.state_quota_monthly"] = {"amount": 400, "currency": "USD"}
    answers["wages.state_share_percent"] = 40.0
    answers["consent.internal_documentation"] = True
    answers["identity.birth_date"] = "1987-11-23"  # no other answer has this value
    return answers


def text_values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)]


def row(vault: Vault, record_id: str, columns: str) -> tuple[Any, ...]:
    found = vault.connection().execute(
        f"SELECT {columns} FROM records WHERE id = ?", (record_id,)).fetchone()
    assert found is not None
    return tuple(found)


def private_of(vault: Vault, record_id: str, blob: bytes | None) -> dict[str, Any]:
    """The private answers sealed in ``blob`` (opened with the identity key)."""
    if blob is None:
        return {}
    key = vault.identity_key
    assert key is not None
    return identity.unseal(key, record_id, blob)[0]


def revision_rows(vault: Vault, record_id: str) -> dict[int, dict[str, Any]]:
    """Every kept revision: the earlier ones (record_revisions) and the current one, with
    its plain ``answers`` and the ``private`` answers of its blob."""
    rows = vault.connection().execute(
        "SELECT revision, status, answers, identity FROM record_revisions WHERE record_id = ?"
        " UNION ALL SELECT revision, status, answers, identity FROM records WHERE id = ?"
        " ORDER BY 1", (record_id, record_id)).fetchall()
    return {r[0]: {"status": r[1], "answers": json.loads(r[2]), "identity": r[3],
                   "private": private_of(vault, record_id, r[3])}
            for r in rows}


def record_count(vault: Vault) -> tuple[int, ...]:
    conn = vault.connection()
    return tuple(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                 for table in ("records", "record_revisions", "pending_answers",
                               "ix.record_text", "ix.excerpts"))


def indexed(vault: Vault, record_id: str) -> tuple[str, str]:
    """(body, excerpt) of the record's entry in index.db (after ``index_pending``)."""
    (text_rowid,) = row(vault, record_id, "text_rowid")
    assert text_rowid is not None
    conn = vault.connection()
    (body,) = conn.execute("SELECT body FROM ix.record_text WHERE rowid = ?",
                           (text_rowid,)).fetchone()
    (excerpt,) = conn.execute("SELECT excerpt FROM ix.excerpts WHERE text_rowid = ?",
                              (text_rowid,)).fetchone()
    return str(body), str(excerpt)


def plain_cells(vault: Vault) -> list[tuple[str, str, str]]:
    """(table, column, text) of every text cell of every table of intake.db (schema
    ``main``; the attached index.db is not in it): what the database key alone reads."""
    conn = vault.connection()
    cells: list[tuple[str, str, str]] = []
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table'"
        " AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        columns = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
        for values in conn.execute(f"SELECT * FROM main.{table}"):
            cells.extend((table, c, v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
                         for c, v in zip(columns, values, strict=True)
                         if isinstance(v, str | bytes))
    return cells


@pytest.fixture(scope="module")
def vault(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Vault]:
    """One real vault for the module (creating one costs two Argon2id runs); every test
    works on records of its own and compares counts before and after."""
    folder = tmp_path_factory.mktemp("records") / "vault"
    opened, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def service(vault: Vault) -> InterviewService:
    return InterviewService(vault)


def draft(service: InterviewService, **answers: Any) -> Record:
    record = service.new_record()
    record.answers = {k.replace("__", "."): v for k, v in answers.items()}
    return record


# -- the helper itself --------------------------------------------------------------------
def test_full_answers_cover_every_question_and_every_type() -> None:
    answers = full_answers()
    assert set(answers) == {q.id for q in QUESTIONNAIRE.questions()}
    assert {QUESTIONNAIRE.question(qid).type for qid in answers} == set(QType)


# -- round trips --------------------------------------------------------------------------
def test_every_question_round_trips_with_estimates(service: InterviewService) -> None:
    answers = full_answers()
    estimates = {q.id: "estimate" for q in QUESTIONNAIRE.questions() if q.type.takes_estimate}
    assert "identity.birth_date" in estimates  # an identity meta-value, too
    record = service.new_record()
    record.answers = json.loads(json.dumps(answers))
    record.meta = dict(estimates)
    record.status = Status.SUBMITTED
    record = service.save(record)
    assert record.revision == 1

    loaded = service.load(record.id)
    assert loaded.answers == answers
    assert loaded.meta == estimates
    assert loaded.status is Status.SUBMITTED
    assert (loaded.id, loaded.schema, loaded.revision, loaded.author) == (
        record.id, QUESTIONNAIRE.schema, 1, USER)
    assert (loaded.created_at, loaded.updated_at) == (record.created_at, record.updated_at)
    assert loaded == record
    # the JSON types survive: ints stay ints, numbers numbers, money objects
    for qid, value in answers.items():
        assert type(loaded.answers[qid]) is type(value), qid


def test_unknown_and_declined_round_trip_and_stay_distinct(service: InterviewService) -> None:
    record = draft(service, profile__sex="male")
    record.meta = {
        "profile.birth_year": "unknown", "wages.received_monthly": "declined",
        "abuse.sexual": "declined", "work.hours_per_day": "unknown",
        "identity.full_name": "declined", "identity.birth_date": "unknown",
    }
    record = service.save(record)
    loaded = service.load(record.id)
    assert loaded.meta == record.meta
    assert loaded.answers == {"profile.sex": "male"}
    (meta_column,) = row(service.vault, record.id, "meta")
    # identity meta-values are in the encrypted section, not the plaintext column
    assert json.loads(meta_column) == {
        "profile.birth_year": "unknown", "wages.received_monthly": "declined",
        "abuse.sexual": "declined", "work.hours_per_day": "unknown"}


# -- the private section ------------------------------------------------------------------
def test_private_answers_are_only_in_the_encrypted_blob(service: InterviewService) -> None:
    """Identifiers and every free text are in the blob alone in intake.db; free text (never
    an identifier) is in the index and its excerpt in index.db."""
    assert {"interview.interpreter_name", "deployment.destination_city",
            "deployment.worksite", "identity.full_name"} <= set(IDENTITY_IDS)
    assert {"narrative.summary", "narrative.quotes", "abuse.details"} <= set(FREE_TEXT_IDS)
    assert set(PRIVATE_IDS) == QUESTIONNAIRE.private_ids
    answers = full_answers()
    record = service.new_record()
    record.answers = dict(answers)
    record = service.save(record)
    vault = service.vault

    stored_answers, blob = row(vault, record.id, "answers, identity")
    plain = json.loads(stored_answers)
    assert not set(plain) & set(PRIVATE_IDS)
    assert set(plain) == set(answers) - set(PRIVATE_IDS)
    revision = revision_rows(vault, record.id)[1]
    assert isinstance(blob, bytes)
    assert service.index_pending() >= 1
    body, excerpt = indexed(vault, record.id)
    cells = plain_cells(vault)
    assert any(text in cell for *_where, cell in cells  # the scan reads the plain columns
               for text in text_values(answers["deployment.sector"]))
    for qid in PRIVATE_IDS:
        for text in text_values(answers[qid]):
            assert text not in json.dumps(revision["answers"], ensure_ascii=False), qid
            leaks = [(t, c) for t, c, cell in cells if text in cell]
            assert leaks == [], (qid, text, leaks)
            assert text.encode("utf-8") not in blob, qid
            if qid in IDENTITY_IDS:
                assert text not in body and text not in excerpt, (qid, text)
            else:
                assert text in body, (qid, text)
    assert excerpt == TextIndex.excerpt(answers) != ""
    assert " ".join(answers["narrative.summary"].split()) in excerpt

    # the blob is AES-GCM under the identity key with the record id as associated data
    key = vault.identity_key
    assert key is not None
    opened = json.loads(AESGCM(key).decrypt(blob[:12], blob[12:], record.id.encode()))
    assert opened["answers"] == {qid: answers[qid] for qid in PRIVATE_IDS}
    assert revision["identity"] == blob

    loaded = service.load(record.id)
    for qid in PRIVATE_IDS:
        assert loaded.answers[qid] == answers[qid]


def test_a_record_without_private_answers_has_no_blob(service: InterviewService) -> None:
    record = draft(service, profile__sex="female", work__days_per_week=6)
    record = service.save(record)
    assert row(service.vault, record.id, "identity") == (None,)
    assert row(service.vault, record.id, "text_dirty, text_rowid") == (0, None)
    # free text alone is private: it has a blob, and nothing of it in the plain columns
    texted = draft(service, narrative__summary="신원 없는 기록", profile__sex="female")
    texted = service.save(texted)
    answers, blob = row(service.vault, texted.id, "answers, identity")
    assert json.loads(answers) == {"profile.sex": "female"}
    assert private_of(service.vault, texted.id, blob) == {"narrative.summary": "신원 없는 기록"}


# -- revisions ----------------------------------------------------------------------------
def test_autosaves_of_one_session_keep_revision_one(service: InterviewService) -> None:
    record = draft(service, narrative__summary="첫 번째 내용")
    record = service.save(record)
    assert record.revision == 1
    record.answers["narrative.summary"] = "두 번째 내용"
    record.answers["work.days_per_week"] = 6
    record = service.save(record)
    assert record.revision == 1
    assert service.revisions(record.id) == [1]
    answers, blob = row(service.vault, record.id, "answers, identity")
    stored = json.loads(answers)
    assert "narrative.summary" not in stored
    assert stored["work.days_per_week"] == 6
    sealed = private_of(service.vault, record.id, blob)
    assert sealed == {"narrative.summary": "두 번째 내용"}
    revision = revision_rows(service.vault, record.id)[1]
    assert (revision["answers"], revision["private"]) == (stored, sealed)
    assert service.load(record.id).answers == {**stored, **sealed}


def test_a_new_session_starts_a_new_revision_and_keeps_the_old(
    service: InterviewService,
) -> None:
    record = draft(service, narrative__summary="옛 내용", identity__full_name="리명철")
    record = service.save(record)
    old_blob = row(service.vault, record.id, "identity")[0]

    again = service.load(record.id)
    assert again.session != record.session
    again.answers["narrative.summary"] = "새 내용"
    again.answers["identity.full_name"] = "리명수"
    again = service.save(again)
    assert again.revision == 2
    assert service.revisions(record.id) == [1, 2]
    revisions = revision_rows(service.vault, record.id)
    assert revisions[1]["private"] == {"narrative.summary": "옛 내용",
                                       "identity.full_name": "리명철"}
    assert revisions[1]["identity"] == old_blob
    assert revisions[2]["private"] == {"narrative.summary": "새 내용",
                                       "identity.full_name": "리명수"}
    for kept in revisions.values():
        assert "narrative.summary" not in kept["answers"]
        assert "identity.full_name" not in kept["answers"]
    assert row(service.vault, record.id, "revision") == (2,)
    loaded = service.load(record.id)
    assert (loaded.revision, loaded.answers["identity.full_name"]) == (2, "리명수")

    # further autosaves of that second session stay in revision 2
    again.answers["narrative.summary"] = "새 내용, 고침"
    again = service.save(again)
    assert again.revision == 2
    assert service.revisions(record.id) == [1, 2]
    revisions = revision_rows(service.vault, record.id)
    assert revisions[1]["private"]["narrative.summary"] == "옛 내용"
    assert revisions[2]["private"]["narrative.summary"] == "새 내용, 고침"


def test_a_status_change_starts_a_new_revision(service: InterviewService) -> None:
    record = draft(service, consent__internal_documentation=True)
    record = service.save(record)
    record = service.set_status(record, Status.SUBMITTED)
    assert record.revision == 2
    revisions = revision_rows(service.vault, record.id)
    assert {n: r["status"] for n, r in revisions.items()} == {1: "draft", 2: "submitted"}
    assert service.load(record.id).status is Status.SUBMITTED


def _age_revision(service: InterviewService, record_id: str, minutes: int) -> None:
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)).isoformat(
        timespec="seconds")
    service.vault.connection().execute(
        "UPDATE records SET updated_at = ?, revision_started_at = ? WHERE id = ?",
        (earlier, earlier, record_id))


def test_the_revision_window_closes_after_ten_minutes(service: InterviewService) -> None:
    assert dt.timedelta(minutes=9) < REVISION_WINDOW < dt.timedelta(minutes=11)
    record = draft(service, narrative__summary="시작")
    record = service.save(record)
    _age_revision(service, record.id, 9)
    record.answers["narrative.summary"] = "9분 뒤"
    record = service.save(record)
    assert record.revision == 1

    _age_revision(service, record.id, 11)
    record.answers["narrative.summary"] = "11분 뒤"
    record = service.save(record)
    assert record.revision == 2
    revisions = revision_rows(service.vault, record.id)
    assert revisions[1]["private"]["narrative.summary"] == "9분 뒤"
    assert revisions[2]["private"]["narrative.summary"] == "11분 뒤"
    # and the new revision's window starts now
    record.answers["narrative.summary"] = "바로 다음"
    record = service.save(record)
    assert record.revision == 2


# -- derived values and indicators --------------------------------------------------------
def test_state_share_is_derived_from_gross_and_quota(service: InterviewService) -> None:
    record = draft(service,
                   wages__gross_monthly={"amount": 1000, "currency": "USD"},
                   wages__state_quota_monthly={"amount": 450, "currency": "USD"},
                   wages__state_share_percent=10)
    service.save(record)
    assert service.load(record.id).answers["wages.state_share_percent"] == 45.0
    stored = json.loads(row(service.vault, record.id, "answers")[0])
    assert stored["wages.state_share_percent"] == 45.0


def test_state_share_is_not_derived_across_currencies(service: InterviewService) -> None:
    record = draft(service,
                   wages__gross_monthly={"amount": 1000, "currency": "USD"},
                   wages__state_quota_monthly={"amount": 45000, "currency": "RUB"})
    service.save(record)
    assert "wages.state_share_percent" not in service.load(record.id).answers

    asked = draft(service,
                  wages__gross_monthly={"amount": 1000, "currency": "USD"},
                  wages__state_quota_monthly={"amount": 45000, "currency": "RUB"},
                  wages__state_share_percent=20)
    service.save(asked)
    assert service.load(asked.id).answers["wages.state_share_percent"] == 20


def _findings(service: InterviewService, record_id: str) -> tuple[dict[str, str], set[str], int]:
    conn = service.vault.connection()
    stored, present = row(service.vault, record_id, "indicators, indicators_present")
    (rid,) = row(service.vault, record_id, "rid")
    rows = {r[0] for r in conn.execute(
        "SELECT indicator FROM record_findings WHERE rid = ?", (rid,))}
    return json.loads(stored), rows, present


def test_indicators_are_stored_with_their_findings(service: InterviewService) -> None:
    record = draft(service,
                   surveillance__curfew=True, surveillance__locked_quarters=False,
                   surveillance__off_site_movement="free",
                   surveillance__passport_holder="security_official",
                   work__hours_per_day=14, work__days_per_week=6,
                   abuse__physical=False, abuse__sexual=False)
    service.save(record)
    stored, present_rows, present = _findings(service, record.id)
    assert set(stored) == set(INDICATOR_IDS)
    assert stored == {k: str(v) for k, v in indicators.derive(record.answers).items()}
    expected = {"restriction_of_movement", "retention_of_identity_documents",
                "excessive_overtime"}
    assert {k for k, v in stored.items() if v == "present"} == expected
    assert stored["physical_and_sexual_violence"] == "absent"
    assert stored["deception"] == "insufficient"
    assert present_rows == expected
    assert present == 3

    # a later save that removes a cause removes its finding row
    record.answers["surveillance.curfew"] = False
    record.answers["work.hours_per_day"] = 8
    service.save(record)
    stored, present_rows, present = _findings(service, record.id)
    assert present_rows == {"retention_of_identity_documents"}
    assert stored["restriction_of_movement"] == Finding.ABSENT
    assert present == 1


# -- what is refused stores nothing -------------------------------------------------------
@pytest.mark.parametrize("answers", [
    {"work.hours_per_day": 25},
    {"profile.sex": "unknown_code"},
    {"interview.interpreter_used": "yes"},
    {"no.such_question": 1},
    {"narrative.summary": "x" * 100_001},
])
def test_invalid_answers_save_nothing(service: InterviewService, answers: dict) -> None:
    before = record_count(service.vault)
    record = draft(service, narrative__summary="괜찮은 내용")
    record.answers.update(answers)
    with pytest.raises(AnswerError):
        service.save(record)
    assert record_count(service.vault) == before
    assert service.revisions(record.id) == []
    with pytest.raises(RecordNotFound):
        service.load(record.id)


def test_an_invalid_change_leaves_the_stored_record_untouched(
    service: InterviewService,
) -> None:
    record = draft(service, narrative__summary="저장된 내용", work__hours_per_day=10)
    service.save(record)
    before = row(service.vault, record.id, "*")
    record.answers["narrative.summary"] = "바뀐 내용"
    record.answers["work.hours_per_day"] = -1
    with pytest.raises(AnswerError):
        service.save(record)
    assert row(service.vault, record.id, "*") == before
    assert service.revisions(record.id) == [1]


@pytest.mark.parametrize("consent", [None, False])
@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.VERIFIED])
def test_leaving_draft_needs_consent(
    service: InterviewService, consent: bool | None, status: Status,
) -> None:
    record = draft(service, narrative__summary="동의 없음")
    if consent is not None:
        record.answers["consent.internal_documentation"] = consent
    record.status = status
    before = record_count(service.vault)
    with pytest.raises(ConsentRequired):
        service.save(record)
    assert record_count(service.vault) == before
    assert service.revisions(record.id) == []
    with pytest.raises(RecordNotFound):
        service.load(record.id)


def test_a_status_change_without_consent_changes_nothing(service: InterviewService) -> None:
    record = draft(service, narrative__summary="초안")
    service.save(record)
    before = row(service.vault, record.id, "*")
    with pytest.raises(ConsentRequired):
        service.set_status(record, Status.SUBMITTED)
    assert row(service.vault, record.id, "*") == before
    assert service.load(record.id).status is Status.DRAFT


# -- NFC ----------------------------------------------------------------------------------
def test_decomposed_korean_is_stored_nfc(service: InterviewService) -> None:
    text = "벌목장에서 충성자금을 냈다"
    name = "리명철"
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text
    record = draft(service, narrative__summary=decomposed,
                   identity__full_name=unicodedata.normalize("NFD", name),
                   identity__aliases=[unicodedata.normalize("NFD", "명철이")])
    service.save(record)
    answers, blob = row(service.vault, record.id, "answers, identity")
    assert "narrative.summary" not in json.loads(answers)
    assert private_of(service.vault, record.id, blob) == {
        "narrative.summary": text, "identity.full_name": name, "identity.aliases": ["명철이"]}
    assert service.index_pending() >= 1
    assert indexed(service.vault, record.id) == (text, text)
    loaded = service.load(record.id)
    assert loaded.answers["narrative.summary"] == text
    assert loaded.answers["identity.full_name"] == name
    assert loaded.answers["identity.aliases"] == ["명철이"]
    for value in (loaded.answers["narrative.summary"], loaded.answers["identity.full_name"]):
        assert unicodedata.is_normalized("NFC", value)
