"""The search for one person's testimonies (issue 20): phone and document numbers
normalized, blocks that a missing birth year does not break, the ``among`` restriction of a
bundle merge, a symmetric score, and evidence that names fields, never values."""

from __future__ import annotations

import dataclasses

import pytest

from intake.domain.linkage import (
    AGREEMENTS,
    DEFAULT_MIN_SCORE,
    PersonFacts,
    blocking,
    compare,
    find_candidates,
)
from intake.domain.linkage.blocking import candidate_pairs
from intake.domain.linkage.prepared import document_key, phone_key, place_names, prepare
from tests.linkage_data import generate


@pytest.mark.parametrize("written", [
    "+7 916 123-45-67", "8 (916) 123-45-67", "79161234567", "+79161234567",
    "8-916-123-45-67", "916 123 4567"])
def test_russian_numbers_in_any_format_share_a_key(written: str) -> None:
    assert phone_key(written) == phone_key("+7 (916) 123 45 67")


@pytest.mark.parametrize("written", [
    "010-1234-5678", "+82 10-1234-5678", "+821012345678", "82-10-12345678", "010 1234 5678"])
def test_korean_numbers_in_any_format_share_a_key(written: str) -> None:
    assert phone_key(written) == phone_key("+82 10 1234 5678")


def test_other_numbers_and_messenger_ids() -> None:
    assert phone_key("+7 916 123-45-68") != phone_key("+7 916 123-45-67")
    assert phone_key("+82 10-1234-5678") != phone_key("+7 916 123-45-67")
    assert phone_key("@Kim_Chol 88") == phone_key("@kimchol88")
    assert phone_key("") == ""


def test_document_numbers() -> None:
    assert document_key("No. 836 512 345") == document_key("836512345")
    assert document_key("№836512345") == document_key("836-512-345")
    assert document_key("m 1234 5678") == document_key("M12345678")
    assert document_key("836512345") != document_key("836512346")


def test_shared_phone_or_document_is_strong_and_a_different_document_weighs_against() -> None:
    base = PersonFacts("a", "리명철", birth_year=1980, sex="male")
    phone = compare(base, dataclasses.replace(base, record_id="b", contacts=("010 1234 5678",)))
    same = dataclasses.replace(base, contacts=("+82 10-1234-5678",))
    assert compare(same, dataclasses.replace(base, record_id="b", contacts=("01012345678",))
                   ).score > phone.score
    passport = dataclasses.replace(base, documents=("836512345",))
    other = compare(passport, dataclasses.replace(base, record_id="b", documents=("9999999",)))
    assert other.score < compare(base, dataclasses.replace(base, record_id="b")).score


def test_birth_dates_weigh_by_how_exact_they_are() -> None:
    one = PersonFacts("a", "리명철", birth_date="1980-05-01")
    scores = {
        other: compare(one, PersonFacts("b", "이명철", birth_date=other)).score
        for other in ("1980-05-01", "1980-11-20", "1981-05-01", "1990-05-01")}
    assert scores["1980-05-01"] > scores["1980-11-20"] > scores["1981-05-01"] > scores[
        "1990-05-01"]
    assert scores["1990-05-01"] < DEFAULT_MIN_SCORE
    year_only = compare(one, PersonFacts("b", "이명철", birth_year=1982)).evidence[1]
    assert (year_only.field, year_only.agreement) == ("profile.birth_year", "close")


def test_different_sex_pushes_a_pair_down() -> None:
    one = PersonFacts("a", "리명철", birth_year=1980, sex="male", home_province="rason")
    same = compare(one, dataclasses.replace(one, record_id="b"))
    assert compare(one, dataclasses.replace(one, record_id="b", sex="female")).score < min(
        DEFAULT_MIN_SCORE, same.score)


def _blocked_missing_year_pairs(seed: int) -> tuple[set[tuple[str, str]], set[tuple[str, ...]]]:
    records, truth = generate(1500, seed)
    prepared = [prepare(r) for r in records]
    blocked = {tuple(sorted((records[i].record_id, records[j].record_id)))
               for i, j in candidate_pairs(prepared)}
    with_a_name = {p for p in truth.missing_year_pairs
                   if all(r.full_name for r in records if r.record_id in p)}
    return with_a_name, blocked


def test_blocking_keeps_every_planted_pair_with_a_missing_birth_year() -> None:
    pairs, blocked = _blocked_missing_year_pairs(5)
    assert len(pairs) >= 20
    assert pairs <= blocked


def test_control_blocks_by_birth_year_alone_lose_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the undated members (a year window that simply skips a missing year)."""
    original = blocking._near

    def dated_only(dated: blocking.Dated, undated: dict[blocking.Key, list[int]],
                   key: blocking.Key, year: int | None) -> list[int]:
        return [] if year is None else original(dated, {}, key, year)

    monkeypatch.setattr(blocking, "_near", dated_only)
    pairs, blocked = _blocked_missing_year_pairs(5)
    assert not pairs <= blocked


def test_blocking_pairs_each_pair_once_and_in_order() -> None:
    records, _truth = generate(600, 6)
    pairs = list(candidate_pairs([prepare(r) for r in records]))
    assert len(pairs) == len(set(pairs))
    assert all(i < j for i, j in pairs)


def test_among_only_pairs_with_an_added_record() -> None:
    records, _truth = generate(800, 8)
    everything = find_candidates(records)
    added = {c.b for c in everything[::3]} | {records[0].record_id}
    restricted = find_candidates(records, among=added)
    expected = [c for c in everything if c.a in added or c.b in added]
    assert restricted == expected
    assert find_candidates(records, among=set()) == []


def test_candidates_are_ordered_and_over_the_threshold() -> None:
    records, _truth = generate(800, 9)
    found = find_candidates(records)
    assert found and all(c.a < c.b and c.score >= DEFAULT_MIN_SCORE for c in found)
    assert found == sorted(found, key=lambda c: (-c.score, c.a, c.b))
    lower = find_candidates(records, min_score=0.2)
    assert {(c.a, c.b) for c in found} < {(c.a, c.b) for c in lower}
    with pytest.raises(ValueError):
        find_candidates(records, min_score=0.0)


def test_compare_is_symmetric() -> None:
    records, _truth = generate(300, 10)
    for x, y in zip(records, records[1:] + records[:1], strict=True):
        xy, yx = compare(x, y), compare(y, x)
        assert xy.score == yx.score
        assert xy.evidence == yx.evidence
        assert (xy.a, xy.b) == (yx.a, yx.b)


def test_evidence_names_every_field_and_never_a_value() -> None:
    records, truth = generate(300, 11)
    by_id = {r.record_id: r for r in records}
    for a, b in sorted(truth.true_pairs)[:40]:
        candidate = compare(by_id[a], by_id[b])
        assert len(candidate.evidence) == 12
        for evidence in candidate.evidence:
            assert evidence.agreement in AGREEMENTS
            assert evidence.field.split(".")[0] in ("identity", "profile", "deployment")
        text = repr(candidate.evidence)
        for facts in (by_id[a], by_id[b]):
            values = [facts.full_name, *facts.aliases, facts.hometown, facts.worksite,
                      facts.dispatching_entity, *facts.contacts, *facts.documents]
            assert not [v for v in values if v and v in text]


def test_home_towns_compare_by_their_place_names() -> None:
    assert place_names("함경북도 청진시 수남구역 12반") == {"청진시", "수남구역"}

    def agreement(one: str, other: str) -> str:
        pair = compare(PersonFacts("a", "리명철", hometown=one),
                       PersonFacts("b", "리명철", hometown=other))
        return next(e.agreement for e in pair.evidence if e.field == "identity.hometown_detail")

    assert agreement("함경북도 청진시 5반", "청진시 인민반") == "exact"
    assert agreement("청진시", "청진시 수남구역") == "exact"
    assert agreement("청진시 수남구역", "청진시 포항구역") == "close"
    assert agreement("함경북도 청진시", "함경북도 회령시") == "differs"
    assert agreement("Chongjin", "") == "missing"
