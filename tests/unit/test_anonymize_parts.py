"""Consent filter, pseudonyms, generalization levels and cell codes of the anonymizer."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.exchange.analysis.anonymize import diversity
from intake.exchange.analysis.anonymize.generalize import QuasiIdentifier, cell, to_usd
from intake.exchange.analysis.anonymize.pseudonym import Pseudonymizer
from intake.exchange.analysis.anonymize.select import Reason, exclusion_reason, select


def qi(qid: str) -> QuasiIdentifier:
    return QuasiIdentifier(QUESTIONNAIRE.question(qid))


def levels(qid: str, answers: dict[str, Any], meta: dict[str, str] | None = None
           ) -> list[str]:
    q = qi(qid)
    return [q.value(answers, meta or {}, level) for level in q.levels]


def record(status: Status = Status.SUBMITTED, **answers: Any) -> Record:
    r = Record.new("kim")
    r.status = status
    r.answers = {k.replace("__", "."): v for k, v in answers.items()}
    return r


def test_consent_filter_reasons() -> None:
    ok = record(consent__anonymized_statistics=True)
    draft = record(Status.DRAFT, consent__anonymized_statistics=True)
    no = record(consent__anonymized_statistics=False)
    unset = record()
    withdrawn = record(consent__anonymized_statistics=True, consent__withdrawn_on="2026-01-02")
    assert exclusion_reason(ok) is None
    selection = select([ok, draft, no, unset, withdrawn])
    assert selection.kept == [ok]
    assert selection.excluded == {Reason.DRAFT: 1, Reason.NO_CONSENT: 2, Reason.WITHDRAWN: 1}


def test_pseudonym_is_truncated_hmac_of_the_id() -> None:
    secret = b"s" * 32
    expected = hmac.new(secret, b"abc", hashlib.sha256).hexdigest()[:16]
    assert Pseudonymizer(secret)("abc") == expected
    first, second = Pseudonymizer(), Pseudonymizer()
    assert first("abc") != second("abc")  # a fresh secret per export
    assert first("abc") == first("abc")
    first.destroy()
    with pytest.raises(RuntimeError):
        first("abc")


def test_year_bands_align_on_the_width() -> None:
    assert levels("profile.birth_year", {"profile.birth_year": 1987}) == [
        "1987", "1985-1989", "1980-1989", "*"]
    assert levels("escape.year", {"escape.year": 2019}) == ["2019", "2019-2021", "*"]
    assert levels("escape.year", {"escape.year": 2022}) == ["2022", "2022-2024", "*"]


def test_interview_date_never_raw() -> None:
    assert list(qi("interview.date").levels) == [1, 2, 3]
    assert levels("interview.date", {"interview.date": "2023-05-04"}) == [
        "2023", "2022-2024", "*"]
    assert levels("interview.date", {"interview.date": "2024"}) == ["2024", "2022-2024", "*"]


def test_groups_and_ranges() -> None:
    assert levels("deployment.destination_region",
                  {"deployment.destination_region": "amur"}) == ["amur", "far_eastern", "*"]
    assert levels("profile.home_province", {"profile.home_province": "rason"}) == [
        "rason", "northeast", "*"]
    assert levels("deployment.sector", {"deployment.sector": "logging"})[1] == "primary_sector"
    assert levels("deployment.team_size", {"deployment.team_size": 37}) == ["37", "10-49", "*"]
    assert levels("escape.current_country", {"escape.current_country": "CN"}) == [
        "CN", "other", "*"]


def test_multi_and_drop_unless_k_have_two_levels() -> None:
    assert levels("escape.transit_countries", {"escape.transit_countries": ["MN", "CN"]}) == [
        "CN|MN", "*"]
    assert levels("interview.country", {"interview.country": "KR"}) == ["KR", "*"]
    assert levels("profile.sex", {"profile.sex": "female"}) == ["female", "*"]


def test_missing_codes_at_every_level_below_star() -> None:
    assert levels("profile.birth_year", {}) == ["", "", "", "*"]
    assert levels("profile.birth_year", {}, {"profile.birth_year": "unknown"}) == [
        "-8", "-8", "-8", "*"]
    assert levels("escape.year", {}, {"escape.year": "declined"}) == ["-9", "-9", "*"]
    assert levels("profile.birth_year", {"profile.birth_year": 1990},
                  {"profile.birth_year": "estimate"})[0] == "1990"


def c(qid: str, answers: dict[str, Any], meta: dict[str, str] | None = None) -> str:
    return cell(QUESTIONNAIRE.question(qid), answers, meta or {})


def test_sensitive_and_operational_cells() -> None:
    assert c("work.hours_per_day", {"work.hours_per_day": 12}) == "11-12"
    assert c("work.hours_per_day", {"work.hours_per_day": 16.5}) == "15+"
    assert c("living.persons_per_room", {"living.persons_per_room": 8}) == "7-10"
    assert c("medical.deaths_witnessed", {"medical.deaths_witnessed": 3}) == "2+"
    assert c("abuse.physical", {"abuse.physical": True}) == "yes"
    assert c("abuse.physical", {"abuse.physical": False}) == "no"
    assert c("wages.deductions", {"wages.deductions": ["housing", "food"]}) == "food|housing"
    assert c("work.days_per_week", {"work.days_per_week": 7}) == "7"
    assert c("interview.language", {"interview.language": "ko"}) == "ko"
    assert c("abuse.physical", {}, {"abuse.physical": "declined"}) == "-9"
    assert c("abuse.physical", {}, {"abuse.physical": "unknown"}) == "-8"
    assert c("abuse.physical", {}) == ""


def test_wages_in_usd_bands() -> None:
    def received(amount: float, currency: str) -> str:
        return c("wages.received_monthly",
                 {"wages.received_monthly": {"amount": amount, "currency": currency}})

    assert received(0, "RUB") == "0"
    assert received(50, "USD") == "1-99"
    assert received(20_000, "RUB") == "100-299"  # ~220 USD
    assert received(3_000, "CNY") == "300-599"
    assert received(1_000, "EUR") == "600+"
    assert received(1_000_000, "KPW") == "100-299"
    assert received(500_000, "KRW") == "300-599"
    assert to_usd({"amount": 100, "currency": "USD"}) == 100


def test_state_share_derived_when_not_asked() -> None:
    answers = {"wages.gross_monthly": {"amount": 1000, "currency": "USD"},
               "wages.state_quota_monthly": {"amount": 700, "currency": "USD"}}
    assert c("wages.state_share_percent", answers) == "50-74"


def test_near_universal() -> None:
    columns = {"a": ["yes"] * 96 + ["no"] * 4, "b": ["yes"] * 50 + ["no"] * 50}
    assert diversity.near_universal(columns) == ["a"]
    assert diversity.near_universal(columns, ["b"]) == ["a", "b"]


def test_distinct_l() -> None:
    assert diversity.distinct_l([0, 0, 1, 1], [[0, 1, 2, 2]]) == 1
    assert diversity.failing_classes([0, 0, 1, 1], [[0, 1, 2, 2]], 2) == {1}
    assert diversity.distinct_l([0, 0], []) is None
