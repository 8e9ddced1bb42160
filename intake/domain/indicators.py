"""The 11 ILO forced-labour indicators, derived from the answers.

Each indicator has rules; a rule is three-valued: True (it fires), False (its answers are
there and it does not fire) or None (an answer it needs is missing, unknown or declined).

- **present**: any rule fires;
- **absent**: no rule fires and at least half of the rules (rounded up) could be decided;
- **insufficient**: otherwise (too few answers to say).

A case manager may override the derived value with a reason (the review issue); both are
kept. The rules follow shared/questionnaire.md and are documented beside each one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from intake.domain.answers import state_share_percent
from intake.i18n import N_


class Finding(StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    INSUFFICIENT = "insufficient"


#: The members as plain names: ``Finding.PRESENT`` is looked up through the enum's class
#: at each use (~0.15 µs; an import derives 11 findings a record and counts them).
_PRESENT, _ABSENT, _INSUFFICIENT = Finding.PRESENT, Finding.ABSENT, Finding.INSUFFICIENT

FINDING_LABELS = {
    Finding.PRESENT: N_("Present"),
    Finding.ABSENT: N_("Absent"),
    Finding.INSUFFICIENT: N_("Not enough answers"),
}

Answers = Mapping[str, Any]
Rule = Callable[[Answers], bool | None]


def _get(a: Answers, qid: str) -> Any:
    return a.get(qid)


def _yes(qid: str) -> Rule:
    """Fires when the answer is yes."""
    return lambda a: None if (v := a.get(qid)) is None else v is True


def _no(qid: str) -> Rule:
    """Fires when the answer is no."""
    return lambda a: None if (v := a.get(qid)) is None else v is False


def _in(qid: str, *values: str) -> Rule:
    """Fires when the chosen code is one of ``values``."""
    return lambda a: None if (v := a.get(qid)) is None else v in values


def _not(qid: str, value: str) -> Rule:
    """Fires when a code was chosen and it is not ``value``."""
    return lambda a: None if (v := a.get(qid)) is None else v != value


def _includes(qid: str, *values: str) -> Rule:
    """Fires when the set of codes includes any of ``values`` (any code if none given)."""
    wanted = frozenset(values)  # made once, not at each record

    def rule(a: Answers) -> bool | None:
        chosen = a.get(qid)
        if chosen is None:
            return None
        return bool(set(chosen) & wanted) if wanted else bool(chosen)
    return rule


def _at_least(qid: str, threshold: float) -> Rule:
    return lambda a: None if (v := a.get(qid)) is None else v >= threshold


def _below(qid: str, threshold: float) -> Rule:
    return lambda a: None if (v := a.get(qid)) is None else v < threshold


def _equals(qid: str, value: float) -> Rule:
    return lambda a: None if (v := a.get(qid)) is None else v == value


def _both(first: Rule, second: Rule) -> Rule:
    """Three-valued AND: False as soon as one side is False."""
    def rule(a: Answers) -> bool | None:
        left, right = first(a), second(a)
        if left is False or right is False:
            return False
        if left is None or right is None:
            return None
        return True
    return rule


def _amount(a: Answers, qid: str) -> float | None:
    money = _get(a, qid)
    return None if money is None else float(money["amount"])


def _received_under_half_of_promised(a: Answers) -> bool | None:
    """Deception: what the worker kept is under half of what was promised (same currency)."""
    promised, received = _get(a, "wages.promised_monthly"), _get(a, "wages.received_monthly")
    if promised is None or received is None or promised["currency"] != received["currency"]:
        return None
    return received["amount"] < 0.5 * promised["amount"]


def _quota_taken(a: Answers) -> bool | None:
    """Withholding of wages: the state took a quota (amount over 0)."""
    amount = _amount(a, "wages.state_quota_monthly")
    return None if amount is None else amount > 0


def _state_share_at_least_30(a: Answers) -> bool | None:
    """Withholding of wages: the state's share is 30 % or more (asked, or derived)."""
    share = _get(a, "wages.state_share_percent")
    if share is None:
        share = state_share_percent(a)
    return None if share is None else share >= 30


def _fee_recovered_from_wages(a: Answers) -> bool | None:
    """Debt bondage: a fee was paid to be selected (amount over 0) and deductions were taken
    from the wages, through which such fees are recovered."""
    fee, deductions = _amount(a, "deployment.pre_departure_payment"), _get(a, "wages.deductions")
    if fee is not None and fee == 0:
        return False
    if fee is None or deductions is None:
        return None
    return bool(deductions)


def _care_denied_when_requested(a: Answers) -> bool | None:
    """Abusive conditions: medical care was asked for and denied or not provided."""
    return _CARE_DENIED(a)


_CARE_DENIED = _both(_yes("medical.care_requested"),  # made once, not at each record
                     _in("medical.care_received", "denied", "none_provided"))


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str  # N_()
    rules: tuple[Rule, ...]
    #: how many rules must be decided for "absent": half of them, rounded up
    half: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "half", math.ceil(len(self.rules) / 2))

    def derive(self, answers: Answers) -> Finding:
        decided = 0
        for rule in self.rules:  # pure functions: the first that fires decides
            outcome = rule(answers)
            if outcome is True:
                return _PRESENT
            if outcome is not None:
                decided += 1
        return _ABSENT if decided >= self.half else _INSUFFICIENT


INDICATORS: tuple[Indicator, ...] = (
    Indicator("abuse_of_vulnerability", N_("Abuse of vulnerability"), (
        # family in North Korea and threats of harm to the family
        _both(_yes("vulnerability.family_in_dprk"), _includes("abuse.threats", "harm_to_family")),
        # assigned by the state and threatened (any threat)
        _both(_in("deployment.recruitment", "state_assigned"), _includes("abuse.threats")),
    )),
    Indicator("deception", N_("Deception"), (
        _received_under_half_of_promised,
        # the contract was never seen, or shown and not given
        _in("deployment.contract", "never_seen", "shown_not_given"),
    )),
    Indicator("restriction_of_movement", N_("Restriction of movement"), (
        _in("surveillance.off_site_movement", "group_only", "escorted", "never"),
        _yes("surveillance.locked_quarters"),
        _yes("surveillance.curfew"),
    )),
    Indicator("isolation", N_("Isolation"), (
        _no("surveillance.phone_allowed"),
        _in("surveillance.contact_with_family", "none", "censored_letters"),
        _no("surveillance.contact_with_locals"),
    )),
    Indicator("physical_and_sexual_violence", N_("Physical and sexual violence"), (
        _yes("abuse.physical"),
        _yes("abuse.sexual"),
    )),
    Indicator("intimidation_and_threats", N_("Intimidation and threats"), (
        _includes("abuse.threats"),
        _includes("abuse.punishments", "public_criticism"),
        _in("surveillance.self_criticism_sessions", "weekly", "daily"),
    )),
    Indicator("retention_of_identity_documents", N_("Retention of identity documents"), (
        # someone other than the worker held the passport
        _not("surveillance.passport_holder", "self"),
    )),
    Indicator("withholding_of_wages", N_("Withholding of wages"), (
        _in("wages.paid_when", "on_return", "irregular", "never"),
        _not("wages.paid_to", "self"),
        _quota_taken,
        _state_share_at_least_30,
    )),
    Indicator("debt_bondage", N_("Debt bondage"), (
        _yes("wages.debt"),
        _fee_recovered_from_wages,
    )),
    Indicator("abusive_working_and_living_conditions",
              N_("Abusive working and living conditions"), (
        # hazardous work without safety equipment
        _both(_yes("work.hazardous"), _no("work.safety_equipment")),
        _at_least("living.persons_per_room", 6),
        _in("living.sanitation", "none"),
        _in("living.food", "severely_insufficient"),
        _care_denied_when_requested,
    )),
    Indicator("excessive_overtime", N_("Excessive overtime"), (
        _at_least("work.hours_per_day", 12),
        _equals("work.days_per_week", 7),
        _below("work.rest_days_per_month", 4),
    )),
)

INDICATOR_IDS = tuple(i.id for i in INDICATORS)


class _Reading(dict[str, Any]):
    """Answers that are all missing, noting every question a rule reads."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return default


def sources(indicator_id: str) -> frozenset[str]:
    """The questions an indicator's rules read (every rule is run on no answers: each
    reads all it needs before it can decide nothing): what a release must hide beside
    the indicator, lest the indicator be worked out again from them."""
    indicator = next(i for i in INDICATORS if i.id == indicator_id)
    reading = _Reading()
    for rule in indicator.rules:
        rule(reading)
    return frozenset(reading.read)


def derive(answers: Answers) -> dict[str, Finding]:
    """Every indicator's finding. Answers marked unknown or declined are simply absent."""
    return {indicator.id: indicator.derive(answers) for indicator in INDICATORS}


def present_count(findings: Mapping[str, Finding | str]) -> int:
    return list(findings.values()).count(_PRESENT)  # each ``value == PRESENT``, in C
