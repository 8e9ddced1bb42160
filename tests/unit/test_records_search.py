"""Finding records: FTS5 trigram search with the LIKE fallback, filters, sorting and
paging, search by name in the encrypted identity section, and a role without the
identity key (a coordinator)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.domain import indicators
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Status
from intake.services.interviews import InterviewService, RecordFilter, RecordSummary
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.records import SORTABLE, IdentityKeyMissing, RecordStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

OTHER = "lee"

#: name → (author, status, created_at, answers). Identity answers must never be found by
#: the text search, even where they contain the very words searched for.
RECORDS: dict[str, tuple[str, Status, str, dict[str, Any]]] = {
    "logging": (USER, Status.SUBMITTED, "2024-01-05T09:00:00+00:00", {
        "consent.internal_documentation": True,
        "narrative.summary": "벌목장에서 일했다. 충성자금을 매달 바쳤다.",
        "deployment.sector": "logging", "deployment.year_departed": 2015,
        "deployment.destination_region": "khabarovsk",
        "surveillance.curfew": True,
        "identity.full_name": "리명철", "identity.aliases": ["Kim Chol-su"],
        "interview.interpreter_name": "박통역사",
    }),
    "construction": (OTHER, Status.DRAFT, "2024-03-01T09:00:00+00:00", {
        "medical.details": "벌목 일을 하다가 다쳤다",
        "deployment.sector": "construction", "deployment.year_departed": 2017,
        "deployment.destination_region": "moscow",
        "abuse.physical": True,
    }),
    "loyalty": (OTHER, Status.VERIFIED, "2023-12-24T09:00:00+00:00", {
        "consent.internal_documentation": True,
        "abuse.details": "충성자금 때문에 굶었다",
        "escape.details": "몽골을 거쳐 왔다",
        "deployment.sector": "logging", "deployment.year_departed": 2017,
        "deployment.destination_region": "amur",
        "surveillance.curfew": True, "abuse.physical": True,
    }),
    "percent": (USER, Status.DRAFT, "2024-02-10T09:00:00+00:00", {
        "narrative.quotes": "임금의 100% 를 빼앗겼다",
        "deployment.dispatching_entity": "a_b 회사",
        "deployment.sector": "construction", "deployment.year_departed": 2015,
    }),
    "plain": (USER, Status.DRAFT, "2024-02-01T09:00:00+00:00", {
        "narrative.summary": "1000 퍼센트 아니다, axb 와 1 0 0",
    }),
    "identity_only": (OTHER, Status.DRAFT, "2024-04-01T09:00:00+00:00", {
        "narrative.quotes": "조용히 말했다",
        "identity.full_name": "최은혜",
        "identity.family_contacts": "벌목장 근처에 사는 어머니 최순희, 충성자금 담당",
        "deployment.worksite": "통나무벌목장 제3호",
        "deployment.destination_city": "하바롭스크",
        "deployment.year_departed": 2019,
    }),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Vault, dict[str, str]]]:
    """One vault holding RECORDS (read-only for the tests that use it); name → id."""
    folder = tmp_path_factory.mktemp("search") / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    service = InterviewService(vault)
    ids = {}
    try:
        for name, (author, status, created, answers) in RECORDS.items():
            record = service.new_record()
            record.author, record.status, record.created_at = author, status, created
            record.answers = dict(answers)
            service.save(record)
            ids[name] = record.id
        yield vault, ids
    finally:
        vault.close()


@pytest.fixture
def service(world: tuple[Vault, dict[str, str]]) -> InterviewService:
    return InterviewService(world[0])


@pytest.fixture
def ids(world: tuple[Vault, dict[str, str]]) -> dict[str, str]:
    return world[1]


def found(service: InterviewService, known: dict[str, str], **flt: Any) -> set[str]:
    """Names of the records matching the filter; checks count() agrees."""
    by_id = {v: k for k, v in known.items()}
    rf = RecordFilter(**flt)
    names = {by_id[s.id] for s in service.summaries(rf, limit=1000)}
    assert service.count(rf) == len(names)
    return names


# -- text search --------------------------------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("벌목장", {"logging"}),  # 3 syllables: the trigram index
    ("충성자", {"logging", "loyalty"}),  # part of 충성자금
    ("충성자금", {"logging", "loyalty"}),
    ("벌목", {"logging", "construction"}),  # 2 syllables: the LIKE fallback
    ("성자", {"logging", "loyalty"}),
    ("몽", {"loyalty"}),  # 1 character
    ("벌", {"logging", "construction"}),
    ("AXB", {"plain"}),  # case-insensitive
    ("다", set(RECORDS)),
    ("  벌목장  ", {"logging"}),  # surrounding blanks do not count
    ("없는말", set()),
    ("없", set()),
])
def test_text_search(service: InterviewService, ids: dict[str, str], query: str,
                     expected: set[str]) -> None:
    assert found(service, ids, text=query) == expected


def test_the_two_paths_really_differ(service: InterviewService) -> None:
    """Sanity: 벌목 is not a trigram, so only a LIKE scan can find it; 벌목장 is."""
    conn = service.vault.connection()
    (fts,) = conn.execute("SELECT count(*) FROM record_text WHERE record_text MATCH ?",
                          ('"벌목장"',)).fetchone()
    (short,) = conn.execute("SELECT count(*) FROM record_text WHERE record_text MATCH ?",
                            ('"벌목"',)).fetchone()
    assert (fts, short) == (1, 0)


@pytest.mark.parametrize("query", ["벌목장", "벌목", "충성자금", "몽"])
def test_a_decomposed_query_finds_composed_text(
    service: InterviewService, ids: dict[str, str], query: str,
) -> None:
    decomposed = unicodedata.normalize("NFD", query)
    assert decomposed != query
    assert found(service, ids, text=decomposed) == found(service, ids, text=query) != set()


@pytest.mark.parametrize(("query", "expected"), [
    ("%", {"percent"}),
    ("_", {"percent"}),
    ("0%", {"percent"}),  # not "any text with a 0"
    ("a_b", {"percent"}),  # not axb
    ("00%", {"percent"}),
    ("1_0", set()),
    ("%%", set()),
    ("\\", set()),
    ('"벌목장', set()),
    ("벌목장 OR 몽골", set()),  # no query syntax: a literal phrase
    ("NEAR(벌목장", set()),
])
def test_query_characters_are_literal(service: InterviewService, ids: dict[str, str],
                                      query: str, expected: set[str]) -> None:
    assert found(service, ids, text=query) == expected


@pytest.mark.parametrize("query", ["리명철", "명철", "최은혜", "최순희", "박통역사", "통역",
                                   "하바롭스크", "통나무", "Kim Chol", "Chol", "근처에"])
def test_identity_text_is_not_searchable(
    service: InterviewService, ids: dict[str, str], query: str,
) -> None:
    assert found(service, ids, text=query) == set()


def test_identity_words_do_not_leak_into_the_index(
    service: InterviewService, ids: dict[str, str],
) -> None:
    """벌목장 and 충성자금 are also in the identity_only record's identity answers: that
    record is not found by them, nor is its identity text in the index."""
    assert "identity_only" not in found(service, ids, text="벌목장")
    assert "identity_only" not in found(service, ids, text="충성자금")
    bodies = [r[0] for r in service.vault.connection().execute("SELECT body FROM record_text")]
    assert bodies and not any("최은혜" in b or "통나무" in b or "리명철" in b for b in bodies)
    assert found(service, ids, text="조용히") == {"identity_only"}


# -- filters ------------------------------------------------------------------------------
@pytest.mark.parametrize(("flt", "expected"), [
    ({}, set(RECORDS)),
    ({"status": "draft"}, {"construction", "percent", "plain", "identity_only"}),
    ({"status": "verified"}, {"loyalty"}),
    ({"status": "in_review"}, set()),
    ({"sector": "logging"}, {"logging", "loyalty"}),
    ({"sector": "construction"}, {"construction", "percent"}),
    ({"year": 2015}, {"logging", "percent"}),
    ({"year": 2017}, {"construction", "loyalty"}),
    ({"year": 2019}, {"identity_only"}),
    ({"year": 2016}, set()),
    ({"indicator": "restriction_of_movement"}, {"logging", "loyalty"}),
    ({"indicator": "physical_and_sexual_violence"}, {"construction", "loyalty"}),
    ({"indicator": "deception"}, set()),
    ({"interviewer": USER}, {"logging", "percent", "plain"}),
    ({"interviewer": OTHER}, {"construction", "loyalty", "identity_only"}),
    ({"text": "벌목", "sector": "logging"}, {"logging"}),
    ({"text": "벌목", "interviewer": OTHER}, {"construction"}),
    ({"text": "충성자금", "status": "verified"}, {"loyalty"}),
    ({"text": "충성자금", "year": 2015}, {"logging"}),
    ({"text": "충성자", "indicator": "physical_and_sexual_violence"}, {"loyalty"}),
    ({"sector": "logging", "year": 2017, "interviewer": OTHER,
      "indicator": "restriction_of_movement", "status": "verified"}, {"loyalty"}),
    ({"sector": "logging", "year": 2015, "interviewer": OTHER}, set()),
])
def test_filters(service: InterviewService, ids: dict[str, str], flt: dict,
                 expected: set[str]) -> None:
    assert found(service, ids, **flt) == expected


def test_filter_by_ids(service: InterviewService, ids: dict[str, str]) -> None:
    assert found(service, ids, ids=(ids["plain"], ids["loyalty"])) == {"plain", "loyalty"}
    assert found(service, ids, ids=()) == set()
    assert found(service, ids, ids=(ids["plain"],), text="벌목") == set()


# -- summaries: sorting and paging --------------------------------------------------------
def _sort_key(summary: RecordSummary, column: str, rid: int) -> tuple[Any, ...]:
    value = getattr(summary, column)
    return (value is not None, value if value is not None else 0, rid)  # NULLs first


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("column", SORTABLE)
def test_sorting_and_paging(service: InterviewService, ids: dict[str, str], column: str,
                            descending: bool) -> None:
    rids = dict(service.vault.connection().execute("SELECT id, rid FROM records"))
    everything = service.summaries(RecordFilter(), 0, 1000, column, descending)
    assert len(everything) == service.count() == len(RECORDS)
    expected = sorted(everything, key=lambda s: _sort_key(s, column, rids[s.id]),
                      reverse=descending)
    assert [s.id for s in everything] == [s.id for s in expected]
    for limit in (1, 2, 4):
        pages: list[RecordSummary] = []
        for offset in range(0, len(everything) + limit, limit):
            page = service.summaries(RecordFilter(), offset, limit, column, descending)
            assert len(page) <= limit
            pages.extend(page)
        assert pages == everything
    assert service.summaries(RecordFilter(), len(everything), 10, column, descending) == []


def test_sorting_follows_the_stored_values(service: InterviewService,
                                           ids: dict[str, str]) -> None:
    by_id = {v: k for k, v in ids.items()}
    created = [by_id[s.id] for s in service.summaries(sort="created_at", descending=False)]
    assert created == sorted(RECORDS, key=lambda n: RECORDS[n][2])
    present = service.summaries(sort="indicators_present", descending=True)
    assert by_id[present[0].id] == "loyalty" and present[0].indicators_present == 2
    years = [s.year_departed for s in service.summaries(sort="year_departed",
                                                        descending=False)]
    assert years == [None, 2015, 2015, 2017, 2017, 2019]


def test_paging_with_a_filter_matches_count(service: InterviewService) -> None:
    flt = RecordFilter(status="draft")
    total = service.count(flt)
    assert total == 4
    first = service.summaries(flt, 0, 3, "created_at", False)
    rest = service.summaries(flt, 3, 3, "created_at", False)
    assert len(first) == 3 and len(rest) == 1
    assert {s.id for s in first} | {s.id for s in rest} == {
        s.id for s in service.summaries(flt, 0, 100, "created_at", False)}
    assert all(s.status == "draft" for s in first + rest)


def test_an_unknown_sort_column_is_refused(service: InterviewService) -> None:
    with pytest.raises(ValueError):
        service.summaries(sort="answers; DROP TABLE records")


def test_summaries_carry_the_excerpt_without_identity(service: InterviewService,
                                                      ids: dict[str, str]) -> None:
    summaries = {s.id: s for s in service.summaries()}
    logging = summaries[ids["logging"]]
    assert logging.excerpt.startswith("벌목장에서")
    assert (logging.sector, logging.region, logging.year_departed) == (
        "logging", "khabarovsk", 2015)
    assert (logging.status, logging.author, logging.revision) == ("submitted", USER, 1)
    assert all("리명철" not in s.excerpt and "최은혜" not in s.excerpt
               for s in summaries.values())


# -- search by name -----------------------------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("리명철", {"logging"}),
    ("명철", {"logging"}),  # part of a full name
    ("chol", {"logging"}),  # part of an alias, any case
    ("KIM CHOL-SU", {"logging"}),
    ("통역", {"logging"}),  # the interpreter's name is identifying, too
    ("최은혜", {"identity_only"}),
    ("최순희", {"identity_only"}),
    ("하바롭스크", {"identity_only"}),
    ("벌목장", {"identity_only"}),  # only in identity answers there
    ("충성자금", {"identity_only"}),
    ("없는이름", set()),
    ("", set()),
    ("   ", set()),
])
def test_find_by_name(service: InterviewService, ids: dict[str, str], query: str,
                      expected: set[str]) -> None:
    by_id = {v: k for k, v in ids.items()}
    assert {by_id[i] for i in service.find_by_name(query)} == expected


def test_find_by_name_normalizes_and_limits(service: InterviewService,
                                            ids: dict[str, str]) -> None:
    assert service.find_by_name(unicodedata.normalize("NFD", "명철")) == [ids["logging"]]
    # 통 is in 박통역사 (an interpreter) and in 통나무벌목장 (a work site)
    assert set(service.find_by_name("통")) == {ids["logging"], ids["identity_only"]}
    limited = service.find_by_name("통", limit=1)
    assert len(limited) == 1 and limited[0] in (ids["logging"], ids["identity_only"])


# -- a role without the identity key ------------------------------------------------------
@pytest.fixture
def own_vault(vault_dir: Path, policy: KdfPolicy) -> Iterator[Vault]:
    vault, _code = Vault.create(vault_dir, USER, PASSPHRASE, policy)
    try:
        yield vault
    finally:
        vault.close()


def _row(vault: Vault, record_id: str) -> tuple[Any, ...]:
    return tuple(vault.connection().execute("SELECT * FROM records WHERE id = ?",
                                            (record_id,)).fetchone())


def test_a_coordinator_store_never_reads_or_writes_identities(own_vault: Vault) -> None:
    """Nor free text: a narrative is private whatever its class (vault/private.py)."""
    admin = InterviewService(own_vault)
    record = admin.new_record()
    record.answers = {"narrative.summary": "원래 요약", "identity.full_name": "리명철",
                      "deployment.worksite": "제2 벌목장", "profile.sex": "male"}
    record.meta = {"identity.birth_date": "declined", "profile.birth_year": "unknown"}
    admin.save(record)
    found = [s.id for s in admin.summaries(RecordFilter(text="원래 요약"))]
    assert found == [record.id]  # indexed for a holder of the key
    (blob,) = own_vault.connection().execute(
        "SELECT identity FROM records WHERE id = ?", (record.id,)).fetchone()
    assert isinstance(blob, bytes)

    coordinator = RecordStore(own_vault.connection(), None, QUESTIONNAIRE)
    with pytest.raises(IdentityKeyMissing):
        coordinator.find_in_identities("리명철", 10)
    # no text search and no excerpt, even on a connection where index.db is attached
    for search in (lambda: coordinator.ids_matching("원래 요약"),
                   lambda: coordinator.count(RecordFilter(text="원래 요약")),
                   lambda: coordinator.summaries(RecordFilter(text="요약"), 0, 10,
                                                 "created_at", True)):
        with pytest.raises(IdentityKeyMissing):
            search()
    (summary,) = coordinator.summaries(RecordFilter(ids=(record.id,)), 0, 10,
                                       "created_at", True)
    assert (summary.id, summary.excerpt) == (record.id, "")
    (with_key,) = admin.summaries(RecordFilter(ids=(record.id,)), 0, 10)
    assert with_key.excerpt == "원래 요약"  # control: the same row has one with the key

    seen = coordinator.load(record.id)
    assert seen.answers == {"profile.sex": "male"}
    assert seen.meta == {"profile.birth_year": "unknown"}
    assert [r.answers for r in coordinator.iter_records()] == [{"profile.sex": "male"}]

    # a save without private answers keeps the blob exactly as it was
    seen.answers["work.days_per_week"] = 6
    seen.revision = coordinator.save(seen, indicators.derive(seen.answers))
    assert seen.revision == 2
    seen.answers["profile.sex"] = "female"
    # an autosave of that session
    assert coordinator.save(seen, indicators.derive(seen.answers)) == 2
    stored = own_vault.connection().execute(
        "SELECT identity, answers FROM records WHERE id = ?", (record.id,)).fetchone()
    assert stored[0] == blob
    assert json.loads(stored[1]) == {"profile.sex": "female", "work.days_per_week": 6}
    revisions = own_vault.connection().execute(
        "SELECT revision, identity FROM record_revisions WHERE record_id = ?"
        " UNION ALL SELECT revision, identity FROM records WHERE id = ?"
        " ORDER BY 1", (record.id, record.id)).fetchall()
    assert revisions == [(1, blob), (2, blob)]

    # whoever holds the key still reads the private answers, with the coordinator's changes
    full = admin.load(record.id)
    assert full.answers == {"narrative.summary": "원래 요약", "identity.full_name": "리명철",
                            "deployment.worksite": "제2 벌목장", "profile.sex": "female",
                            "work.days_per_week": 6}
    assert full.meta == {"identity.birth_date": "declined", "profile.birth_year": "unknown"}
    found = [s.id for s in admin.summaries(RecordFilter(text="원래 요약"))]
    assert found == [record.id]  # the index kept its entry

    # a save carrying private answers (identifiers, free text, their meta-values) is
    # refused, changing nothing
    before = _row(own_vault, record.id)
    for answers, meta in (({"identity.full_name": "다른 이름"}, {}),
                          ({"interview.interpreter_name": "통역"}, {}),
                          ({"narrative.summary": "바뀌면 안 됨"}, {}),
                          ({"abuse.details": "바뀌면 안 됨"}, {}),
                          ({}, {"identity.birth_date": "unknown"}),
                          ({}, {"narrative.summary": "declined"})):
        attempt = coordinator.load(record.id)
        attempt.answers.update(answers)
        attempt.meta.update(meta)
        attempt.answers["work.days_per_week"] = 5
        with pytest.raises(IdentityKeyMissing):
            coordinator.save(attempt, indicators.derive(attempt.answers))
        assert _row(own_vault, record.id) == before
    assert admin.revisions(record.id) == [1, 2]


# -- the index after edits and deletions --------------------------------------------------
LONG_TESTIMONY = ("저는 벌목장에서 매일 열네 시간 동안 일했습니다. "
                  "감시원이 언제나 옆에 있었습니다. ") * 200


def _fts_integrity(vault: Vault) -> str:
    try:
        vault.connection().execute(
            "INSERT INTO record_text (record_text) VALUES ('integrity-check')")
    except Exception as exc:  # noqa: BLE001 - reported in the assertion
        return str(exc)
    return "ok"


def test_words_removed_by_an_edit_no_longer_find_a_long_record(own_vault: Vault) -> None:
    """A testimony of about 9,400 characters (a tenth of the limit), autosaved, then
    edited down: the words it no longer contains must not find it."""
    service = InterviewService(own_vault)
    record = service.new_record()
    record.answers = {"narrative.summary": LONG_TESTIMONY}
    service.save(record)
    assert service.count(RecordFilter(text="습니다")) == 1
    record.answers["narrative.summary"] = LONG_TESTIMONY + " 덧붙임"
    service.save(record)  # an autosave
    record.answers["narrative.summary"] = "짧게 고쳐 쓴 요약"
    service.save(record)
    assert service.count(RecordFilter(text="짧게 고쳐")) == 1
    assert service.count(RecordFilter(text="감시원")) == 0
    assert service.count(RecordFilter(text="습니다")) == 0
    assert _fts_integrity(own_vault) == "ok"


def test_a_new_record_is_not_found_by_the_words_of_a_deleted_one(own_vault: Vault) -> None:
    service = InterviewService(own_vault)
    gone = service.new_record()
    gone.answers = {"narrative.summary": LONG_TESTIMONY}
    service.save(gone)
    gone.answers["narrative.summary"] = LONG_TESTIMONY + " 덧붙임"
    service.save(gone)  # an autosave
    service.delete(gone.id)
    assert service.count(RecordFilter(text="습니다")) == 0

    fresh = service.new_record()
    fresh.answers = {"narrative.summary": "전혀 다른 이야기"}
    service.save(fresh)
    assert service.count(RecordFilter(text="전혀 다른")) == 1
    assert service.count(RecordFilter(text="습니다")) == 0
    assert service.count(RecordFilter(text="벌목장")) == 0
    assert _fts_integrity(own_vault) == "ok"
