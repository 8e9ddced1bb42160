"""The 11 ILO forced-labour indicators: each rule fires on its own; absent when the answers
are there and none fires; insufficient with too few answers; three-valued logic."""

from __future__ import annotations

from typing import Any

import pytest

from intake.domain import answers as answer_rules
from intake.domain.indicators import (
    INDICATOR_IDS,
    INDICATORS,
    Finding,
    derive,
    present_count,
)
from intake.domain.questions import QUESTIONNAIRE

USD = "USD"


def money(amount: float, currency: str = USD) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


#: indicator → (one answer set per rule that makes it fire, answers where every rule is
#: decided and none fires, too few answers)
CASES: dict[str, tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]] = {
    "abuse_of_vulnerability": (
        [{"vulnerability.family_in_dprk": True, "abuse.threats": ["harm_to_family"]},
         {"deployment.recruitment": "state_assigned", "abuse.threats": ["repatriation"]}],
        {"vulnerability.family_in_dprk": True, "abuse.threats": ["labour_camp"],
         "deployment.recruitment": "applied_selected"},
        {"vulnerability.family_in_dprk": True},
    ),
    "deception": (
        [{"wages.promised_monthly": money(800), "wages.received_monthly": money(399)},
         {"deployment.contract": "never_seen"}],
        {"wages.promised_monthly": money(800), "wages.received_monthly": money(400),
         "deployment.contract": "copy_kept"},
        {"wages.promised_monthly": money(800)},
    ),
    "restriction_of_movement": (
        [{"surveillance.off_site_movement": "escorted"},
         {"surveillance.locked_quarters": True},
         {"surveillance.curfew": True}],
        {"surveillance.off_site_movement": "free", "surveillance.locked_quarters": False,
         "surveillance.curfew": False},
        {"surveillance.curfew": False},
    ),
    "isolation": (
        [{"surveillance.phone_allowed": False},
         {"surveillance.contact_with_family": "censored_letters"},
         {"surveillance.contact_with_locals": False}],
        {"surveillance.phone_allowed": True, "surveillance.contact_with_family": "regular",
         "surveillance.contact_with_locals": True},
        {"surveillance.phone_allowed": True},
    ),
    "physical_and_sexual_violence": (
        [{"abuse.physical": True}, {"abuse.sexual": True}],
        {"abuse.physical": False, "abuse.sexual": False},
        {},
    ),
    "intimidation_and_threats": (
        [{"abuse.threats": ["wage_confiscation"]},
         {"abuse.punishments": ["fines", "public_criticism"]},
         {"surveillance.self_criticism_sessions": "daily"}],
        # an empty list of threats is no answer, so two of three rules decide
        {"abuse.punishments": ["beating"], "surveillance.self_criticism_sessions": "monthly"},
        {"surveillance.self_criticism_sessions": "monthly"},
    ),
    "retention_of_identity_documents": (
        [{"surveillance.passport_holder": "employer"}],
        {"surveillance.passport_holder": "self"},
        {},
    ),
    "withholding_of_wages": (
        [{"wages.paid_when": "on_return"},
         {"wages.paid_to": "team_leader"},
         {"wages.state_quota_monthly": money(1)},
         {"wages.state_share_percent": 30}],
        {"wages.paid_when": "monthly", "wages.paid_to": "self",
         "wages.state_quota_monthly": money(0), "wages.state_share_percent": 0},
        {"wages.paid_when": "monthly"},
    ),
    "debt_bondage": (
        [{"wages.debt": True},
         {"deployment.pre_departure_payment": money(500), "wages.deductions": ["travel"]}],
        {"wages.debt": False, "deployment.pre_departure_payment": money(0)},
        {"deployment.pre_departure_payment": money(500)},
    ),
    "abusive_working_and_living_conditions": (
        [{"work.hazardous": True, "work.safety_equipment": False},
         {"living.persons_per_room": 6},
         {"living.sanitation": "none"},
         {"living.food": "severely_insufficient"},
         {"medical.care_requested": True, "medical.care_received": "none_provided"}],
        {"work.hazardous": False, "living.persons_per_room": 5, "living.sanitation": "poor",
         "living.food": "insufficient", "medical.care_requested": True,
         "medical.care_received": "limited"},
        {"living.persons_per_room": 5, "living.sanitation": "poor"},
    ),
    "excessive_overtime": (
        [{"work.hours_per_day": 12}, {"work.days_per_week": 7},
         {"work.rest_days_per_month": 3}],
        {"work.hours_per_day": 11.5, "work.days_per_week": 6, "work.rest_days_per_month": 4},
        {"work.days_per_week": 6},
    ),
}


def valid(answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as stored: validated and with derived values (so the cases are real)."""
    clean, _meta = answer_rules.validate(QUESTIONNAIRE, answers, {})
    return answer_rules.with_derived(clean)


def test_the_cases_cover_every_indicator_and_rule() -> None:
    assert set(CASES) == set(INDICATOR_IDS)
    assert len(INDICATOR_IDS) == 11
    for indicator in INDICATORS:
        assert len(CASES[indicator.id][0]) == len(indicator.rules), indicator.id


def test_derive_returns_every_indicator() -> None:
    for answers in ({}, CASES["deception"][1], {"abuse.physical": True}):
        findings = derive(answers)
        assert tuple(findings) == INDICATOR_IDS
        assert all(isinstance(v, Finding) for v in findings.values())


def _firing_cases() -> list[Any]:
    return [pytest.param(name, i, answers, id=f"{name}-{i}")
            for name, (firing, _absent, _few) in CASES.items()
            for i, answers in enumerate(firing)]


@pytest.mark.parametrize(("name", "rule", "answers"), _firing_cases())
def test_each_rule_alone_makes_its_indicator_present(name: str, rule: int,
                                                     answers: dict[str, Any]) -> None:
    stored = valid(answers)
    indicator = next(i for i in INDICATORS if i.id == name)
    outcomes = [r(stored) for r in indicator.rules]
    assert outcomes[rule] is True
    assert derive(stored)[name] is Finding.PRESENT


@pytest.mark.parametrize("name", list(CASES))
def test_absent_when_answered_and_nothing_fires(name: str) -> None:
    stored = valid(CASES[name][1])
    assert derive(stored)[name] is Finding.ABSENT
    # the same answers plus any one firing case make it present
    for firing in CASES[name][0]:
        assert derive(valid({**CASES[name][1], **firing}))[name] is Finding.PRESENT


@pytest.mark.parametrize("name", list(CASES))
def test_insufficient_with_too_few_answers(name: str) -> None:
    assert derive(valid(CASES[name][2]))[name] is Finding.INSUFFICIENT
    assert derive({})[name] is Finding.INSUFFICIENT


@pytest.mark.parametrize("mark", ["unknown", "declined"])
@pytest.mark.parametrize("name", list(CASES))
def test_unknown_and_declined_count_as_missing(name: str, mark: str) -> None:
    """Marking every answer of the 'absent' case unknown or declined leaves too few."""
    absent = CASES[name][1]
    clean, meta = answer_rules.validate(QUESTIONNAIRE, {}, dict.fromkeys(absent, mark))
    assert clean == {} and set(meta) == set(absent)
    assert derive(answer_rules.with_derived(clean))[name] is Finding.INSUFFICIENT


def test_half_of_the_rules_decided_is_enough_for_absent() -> None:
    # three rules: two decided (ceil(3/2) = 2) is enough, one is not
    two = {"surveillance.off_site_movement": "free", "surveillance.curfew": False}
    assert derive(valid(two))["restriction_of_movement"] is Finding.ABSENT
    one = {"surveillance.curfew": False}
    assert derive(valid(one))["restriction_of_movement"] is Finding.INSUFFICIENT
    # four rules: two decided is enough
    wages = {"wages.paid_when": "monthly", "wages.paid_to": "self"}
    assert derive(valid(wages))["withholding_of_wages"] is Finding.ABSENT


# -- three-valued AND ---------------------------------------------------------------------
HAZARD = "abusive_working_and_living_conditions"


def _hazard_rule(answers: dict[str, Any]) -> bool | None:
    indicator = next(i for i in INDICATORS if i.id == HAZARD)
    return indicator.rules[0](answers)


def test_hazardous_work_without_an_answer_on_equipment_is_undecided() -> None:
    assert _hazard_rule({"work.hazardous": True}) is None
    assert _hazard_rule({"work.hazardous": True, "work.safety_equipment": True}) is False
    assert _hazard_rule({"work.hazardous": True, "work.safety_equipment": False}) is True
    assert _hazard_rule({"work.safety_equipment": False}) is None
    assert derive({"work.hazardous": True})[HAZARD] is Finding.INSUFFICIENT


def test_non_hazardous_work_decides_the_rule_as_false() -> None:
    assert _hazard_rule({"work.hazardous": False}) is False
    assert _hazard_rule({"work.hazardous": False, "work.safety_equipment": False}) is False


def test_care_denied_needs_a_request() -> None:
    rule = next(i for i in INDICATORS if i.id == HAZARD).rules[4]
    assert rule({"medical.care_received": "denied"}) is None
    assert rule({"medical.care_requested": False}) is False
    assert rule({"medical.care_requested": False, "medical.care_received": "denied"}) is False
    assert rule({"medical.care_requested": True, "medical.care_received": "denied"}) is True
    assert rule({"medical.care_requested": True, "medical.care_received": "adequate"}) is False


@pytest.mark.parametrize(("hours", "present"), [(11.9, False), (12, True), (16.5, True)])
def test_the_overtime_threshold(hours: float, present: bool) -> None:
    finding = derive(valid({"work.hours_per_day": hours}))["excessive_overtime"]
    assert finding is (Finding.PRESENT if present else Finding.INSUFFICIENT)


def test_a_received_wage_in_another_currency_decides_nothing() -> None:
    answers = valid({"wages.promised_monthly": money(800),
                     "wages.received_monthly": money(100, "RUB")})
    assert derive(answers)["deception"] is Finding.INSUFFICIENT


# -- the state's share --------------------------------------------------------------------
@pytest.mark.parametrize(("gross", "quota", "share"), [
    (money(1000), money(450), 45.0),
    (money(900), money(300), 33.3),
    (money(1000), money(0), 0.0),
    (money(100), money(250), 100.0),  # capped
    (money(1000, "RUB"), money(450, "RUB"), 45.0),
    (money(1000), money(450, "RUB"), None),  # not across currencies
    (money(0), money(10), None),
    (money(1000), None, None),
    (None, money(10), None),
])
def test_state_share(gross: Any, quota: Any, share: float | None) -> None:
    answers = {k: v for k, v in (("wages.gross_monthly", gross),
                                 ("wages.state_quota_monthly", quota)) if v is not None}
    assert answer_rules.state_share_percent(answers) == share
    derived = answer_rules.with_derived({**answers, "wages.state_share_percent": 5})
    assert derived["wages.state_share_percent"] == (5 if share is None else share)


def test_the_derived_share_drives_withholding() -> None:
    rule = next(i for i in INDICATORS if i.id == "withholding_of_wages").rules[3]
    assert rule({"wages.gross_monthly": money(1000),
                 "wages.state_quota_monthly": money(300)}) is True
    assert rule({"wages.gross_monthly": money(1000),
                 "wages.state_quota_monthly": money(299)}) is False
    assert rule({"wages.gross_monthly": money(1000),
                 "wages.state_quota_monthly": money(300, "RUB")}) is None
    assert rule({"wages.state_share_percent": 29.9}) is False


def test_present_count() -> None:
    findings = derive(valid({"abuse.physical": True, "surveillance.curfew": True,
                             "work.days_per_week": 7, "surveillance.passport_holder": "self"}))
    assert present_count(findings) == 3
    assert present_count({k: str(v) for k, v in findings.items()}) == 3
    assert present_count(derive({})) == 0
