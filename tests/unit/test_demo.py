"""The synthetic testimonies of ``intake demo``: valid, deterministic, realistic in
proportion, fictional in every identifying detail, and fast."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import Counter

import pytest

from intake.domain.answers import validate
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.domain.regions import DISTRICT_OF
from intake.exchange.demo.generate import generate

TODAY = dt.date(2026, 11, 27)
N = 2000
FAR_EAST_FOUR = {"primorsky", "khabarovsk", "amur", "sakhalin"}
# Ranges reserved for fiction: NANP 555-0100…0199, Ofcom's drama range 07700 900000…900999.
FICTIONAL_PHONE = re.compile(r"\+1 \d{3} 555 01\d\d|\+44 7700 900\d{3}")
MESSENGER = re.compile(r"메신저 demo-\d{4} \(가상\)")


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return list(generate(N, seed=20261127, author="kim", today=TODAY))


def share(records: list[Record], predicate: object) -> float:
    assert callable(predicate)
    return sum(1 for r in records if predicate(r)) / len(records)


def test_the_same_seed_gives_the_same_records() -> None:
    first = list(generate(200, seed=7, author="kim", today=TODAY))
    again = list(generate(200, seed=7, author="kim", today=TODAY))
    other = list(generate(200, seed=8, author="kim", today=TODAY))

    assert first == again
    assert [r.id for r in first] != [r.id for r in other]
    assert len({r.id for r in first}) == 200


def test_without_a_seed_records_differ_and_n_is_checked() -> None:
    assert next(generate(1, None, "kim")).id != next(generate(1, None, "kim")).id
    assert list(generate(0, 1, "kim")) == []
    with pytest.raises(ValueError):
        list(generate(-1, 1, "kim"))


def test_every_record_is_valid_and_already_canonical(records: list[Record]) -> None:
    for record in records:
        answers, meta = validate(QUESTIONNAIRE, record.answers, record.meta)
        assert answers == record.answers, record.id
        assert meta == record.meta, record.id
        record.check_status()
        assert record.author == "kim"
        assert record.schema == QUESTIONNAIRE.schema
        assert record.revision == 1
        created = dt.datetime.fromisoformat(record.created_at)
        assert created.tzinfo is not None
        assert dt.datetime.fromisoformat(record.updated_at) > created
        assert created.date().isoformat() == record.answers["interview.date"]


def test_valid_today_too() -> None:
    """With the real date (validation refuses dates and years in the future)."""
    for record in generate(300, seed=3, author="kim"):
        validate(QUESTIONNAIRE, record.answers, record.meta)
        record.check_status()


def test_sectors_and_regions(records: list[Record]) -> None:
    sectors = Counter(r.answers["deployment.sector"] for r in records)
    (top, _), (second, _) = sectors.most_common(2)
    assert {top, second} == {"construction", "logging"}
    assert sectors["construction"] + sectors["logging"] > N / 2
    assert len(sectors) >= 8

    regions = Counter(r.answers["deployment.destination_region"] for r in records)
    assert sum(regions[c] for c in FAR_EAST_FOUR) > 0.45 * N
    for city_region in ("moscow", "saint_petersburg", "novosibirsk", "tatarstan"):
        assert 0.01 * N < regions[city_region] < 0.15 * N, city_region
    occupied = sum(n for code, n in regions.items() if DISTRICT_OF[code] == "occupied_ukraine")
    assert 0.005 * N < occupied < 0.08 * N


def test_years_are_in_order(records: list[Record]) -> None:
    for r in records:
        a = r.answers
        departed, ended, escaped = (a["deployment.year_departed"], a["deployment.year_ended"],
                                    a["escape.year"])
        assert 2015 <= departed <= ended <= escaped <= TODAY.year
        assert dt.date.fromisoformat(a["interview.date"]).year >= escaped
        assert 18 <= departed - a["profile.birth_year"] <= 55


def test_hours_and_the_states_share_of_the_wage(records: list[Record]) -> None:
    assert all(10 <= r.answers["work.hours_per_day"] <= 17 for r in records)
    known = [r for r in records if "wages.gross_monthly" in r.answers]
    assert len(known) > N / 2
    for r in known:
        gross = r.answers["wages.gross_monthly"]
        quota = r.answers["wages.state_quota_monthly"]
        assert gross["currency"] == quota["currency"]
        assert 0.495 <= quota["amount"] / gross["amount"] <= 0.905
        received = r.answers.get("wages.received_monthly")
        if received is not None:
            assert received["amount"] <= gross["amount"] - quota["amount"]


def test_medical_denial_beatings_and_consent(records: list[Record]) -> None:
    denied = share(records, lambda r: r.answers.get("medical.care_received")
                   in ("denied", "none_provided"))
    beaten = share(records, lambda r: r.answers.get("abuse.physical") is True)
    consent = share(records, lambda r: r.answers["consent.internal_documentation"] is True)
    assert 0.15 < denied < 0.25
    assert 0.20 < beaten < 0.30
    assert consent > 0.9
    assert share(records, lambda r: r.status is not Status.DRAFT) > 0.5
    assert all("beating" in r.answers["abuse.punishments"] for r in records
               if r.answers["abuse.physical"] is True)


def test_some_answers_are_unknown_declined_or_estimates(records: list[Record]) -> None:
    marks = Counter(mark for r in records for mark in r.meta.values())
    assert marks["unknown"] > 0.05 * N
    assert marks["declined"] > 0.05 * N
    assert marks["estimate"] > 0.05 * N


def test_narratives_are_mostly_korean_and_use_the_records_facts(records: list[Record]) -> None:
    written = [r for r in records if "narrative.summary" in r.answers]
    assert len(written) > 0.9 * N
    korean = [r for r in written if re.search("[가-힣]", r.answers["narrative.summary"])]
    english = [r for r in written if r not in korean]
    assert 0.6 * len(written) < len(korean) < 0.95 * len(written)
    assert english
    for r in written:
        summary = r.answers["narrative.summary"]
        assert str(r.answers["deployment.year_departed"]) in summary
        assert str(r.answers["escape.year"]) in summary
        assert summary.count(".") >= 3
        hours = r.answers["work.hours_per_day"]
        assert f"{hours:g}" in summary
    assert all(r.answers["interview.language"] == "en" for r in english)


def test_identities_are_visibly_fictional(records: list[Record]) -> None:
    for r in records:
        a = r.answers
        assert a["identity.full_name"].endswith("(데모)")
        assert all(alias.endswith("(데모)") for alias in a.get("identity.aliases", []))
        for contact in a["identity.contacts"]:
            assert FICTIONAL_PHONE.fullmatch(contact) or MESSENGER.fullmatch(contact), contact
            assert not contact.startswith(("+7", "8 9", "010", "+82"))
        assert all(doc.startswith("DEMO-") for doc in a.get("identity.documents", []))
        assert "데모" in a["identity.hometown_detail"]


def test_ten_thousand_records_take_seconds() -> None:
    started = time.perf_counter()
    count = sum(1 for _ in generate(10_000, seed=1, author="kim", today=TODAY))
    elapsed = time.perf_counter() - started
    assert count == 10_000
    assert elapsed < 20, elapsed
