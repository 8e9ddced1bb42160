"""Counting people, not testimonies (issue 20; docs/export.md, "Counting people, not
testimonies").

A person is a group of testimonies linked as the same witness
(:mod:`intake.vault.person_links`); a testimony no link joins is its own person. The
dashboard, the public statistics and the anonymized export count each person once by
default; the dashboard and the statistics can count testimonies instead, on request. The
anonymized table is always one row per person, whatever is asked: two rows of one person
would double their weight in every figure drawn from the table and make them easier to
single out (two rows that agree on their facts).

The representative rule, in one place (:func:`representative`). For a person of several
testimonies, the answers of ONE testimony stand for the person:

1. the most recent **verified** testimony; else the most recent one that is not a draft
   (submitted, in review, needs follow-up); else the most recent draft (a draft is left
   out of every figure, so the person is too, until one testimony leaves the draft state);
2. "most recent" is the date of the interview (``interview.date``), then the date the
   testimony was entered (``created_at``; an interview without a date counts as older
   than any with one), never the last edit (an edit would change who represents whom);
3. ties are broken by the record id: the smallest wins.

Consent. A person who withdrew consent in ANY of their testimonies leaves every count and
every release, in both units: a withdrawal is the person's word about their testimony as a
whole, and keeping another testimony's answers would use what the person asked to be
withdrawn under another number. Technically each of the person's testimonies is treated as
withdrawn (:func:`units`), so every consent filter downstream (the dashboard, the
statistics, the export) leaves them out as "consent withdrawn". Otherwise, counting
persons, the **representative's** consent to anonymized statistics decides: it is the
testimony whose answers are released, and the rule favours the person's latest word; a
person whose representative did not consent is left out even when an older testimony did
consent (never the other way round, so the choice never widens what is released).
Counting testimonies, each testimony's own consent decides, as before linking.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from intake.domain.record import Record, Status
from intake.vault import person_links
from intake.vault.database import Connection

__all__ = ["PERSONS", "TESTIMONIES", "UNITS", "Units", "by_person", "links", "person_of",
           "representative", "units"]

PERSONS = "persons"
TESTIMONIES = "testimonies"
UNITS = (PERSONS, TESTIMONIES)

#: The rule as the risk report and the codebook state it (English; docs give Korean).
RULE = ("one testimony stands for each person: the most recent verified one, else the "
        "most recent not a draft, else the most recent draft (by interview date, then "
        "entry date; ties: the smallest record id); a person who withdrew consent in any "
        "testimony is left out; otherwise the representative's consent decides")

_WITHDRAWN = "consent.withdrawn_on"


def links(conn: Connection) -> dict[str, str]:
    """record id → person key of every linked testimony (the others are their own)."""
    return person_links.persons(conn)


def person_of(record_id: str, persons: Mapping[str, str]) -> str:
    return persons.get(record_id, record_id)


def _tier(record: Record) -> int:
    status = Status(record.status)
    return 2 if status is Status.VERIFIED else 0 if status is Status.DRAFT else 1


def _recency(record: Record) -> tuple[int, str, str]:
    interviewed = record.answers.get("interview.date")
    text = str(interviewed) if interviewed else ""
    return (_tier(record), text, record.created_at)


def representative(testimonies: Sequence[Record]) -> Record:
    """The testimony whose answers stand for the person (the module's rule)."""
    if not testimonies:
        raise ValueError("a person has at least one testimony")
    best = max(_recency(r) for r in testimonies)
    return min((r for r in testimonies if _recency(r) == best), key=lambda r: r.id)


def by_person(records: Iterable[Record], persons: Mapping[str, str]
              ) -> dict[str, list[Record]]:
    """person key → their testimonies among ``records`` (in the order given)."""
    out: dict[str, list[Record]] = {}
    for record in records:
        out.setdefault(person_of(record.id, persons), []).append(record)
    return out


@dataclass(frozen=True)
class Units:
    """What is counted: ``records`` are the testimonies that stand for a unit (one per
    person, or every testimony), a person's withdrawal carried to each of theirs."""

    unit: str
    records: list[Record]
    testimonies: int  # testimonies read
    persons: int  # the persons they belong to
    linked_testimonies: int  # testimonies of a person of several
    linked_persons: int  # persons of several testimonies
    represented: frozenset[str]  # record ids of the representatives

    def summary(self) -> dict[str, Any]:
        """For the risk report, the codebook and the statistics (counts only)."""
        return {"unit": self.unit, "testimonies": self.testimonies,
                "persons": self.persons, "linked_testimonies": self.linked_testimonies,
                "linked_persons": self.linked_persons,
                "not_counted_other_testimony_represents":
                    self.testimonies - self.persons if self.unit == PERSONS else 0,
                "representative_rule": RULE}


def units(records: Iterable[Record], persons: Mapping[str, str], unit: str = PERSONS, *,
          every: Iterable[Record] | None = None) -> Units:
    """The testimonies to count of ``records`` in ``unit``. ``every``: all the testimonies
    of the vault, or at least every withdrawn one (only their withdrawals are read: one
    the caller filtered out or may not see still takes the person out; default:
    ``records``)."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    records = list(records)
    dates = _withdrawal_dates(records if every is None else every, persons)
    groups = by_person(records, persons)
    chosen = {representative(g).id for g in groups.values()}
    counted = [r for r in records if unit == TESTIMONIES or r.id in chosen]
    out = [_withdrawn(r, dates[person_of(r.id, persons)])
           if person_of(r.id, persons) in dates and not r.answers.get(_WITHDRAWN) else r
           for r in counted]
    linked = [g for g in groups.values() if len(g) > 1]
    return Units(unit, out, len(records), len(groups), sum(len(g) for g in linked),
                 len(linked), frozenset(chosen))


def _withdrawal_dates(records: Iterable[Record], persons: Mapping[str, str]
                      ) -> dict[str, str]:
    """person → the latest date a testimony of theirs withdrew consent (withdrawn only)."""
    dates: dict[str, str] = {}
    for r in records:
        when = r.answers.get(_WITHDRAWN)
        if when:
            person = person_of(r.id, persons)
            dates[person] = max(dates.get(person, ""), str(when))
    return dates


def _withdrawn(record: Record, when: str) -> Record:
    """A copy of ``record`` withdrawn as its person was (the stored record is unchanged)."""
    return dataclasses.replace(record, answers={**record.answers, _WITHDRAWN: when})
