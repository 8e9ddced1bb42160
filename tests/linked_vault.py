"""A vault of testimonies some of which are linked as one person's (issue 20), and the
expected side of the tests that count people: plain code written out again here (groups,
the representative rule, the consent rule), never the code under test.

Planted persons (indices into :func:`testimonies`):

- ``PAIRS``: two groups of 2, ``TRIPLES``: two groups of 3, all with consent;
- ``WITHDRAWN``: a pair where the older testimony withdrew consent: the person leaves;
- ``REP_NO_CONSENT``: a pair where the representative (verified, newer) has no consent to
  statistics and the other (submitted, older) has: the person leaves when counting
  persons, the older testimony counts when counting testimonies;
- ``WITH_DRAFT``: a pair of an older verified testimony and a newer draft: the verified
  one represents the person.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from intake.domain.record import Record, Status
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault import person_links
from intake.vault.database import transaction
from intake.vault.vault import Vault
from tests.conftest import USER, vault_with

N = 60
TODAY = dt.date(2026, 11, 27)
PAIRS = ((0, 1), (2, 3))
TRIPLES = ((4, 5, 6), (7, 8, 9))
WITHDRAWN = (10, 11)
REP_NO_CONSENT = (12, 13)
WITH_DRAFT = (14, 15)
GROUPS = (*PAIRS, *TRIPLES, WITHDRAWN, REP_NO_CONSENT, WITH_DRAFT)
#: planted dates and statuses of the linked testimonies (index → (interview date, status))
PLANTED = {
    0: ("2024-02-01", Status.VERIFIED), 1: ("2025-06-01", Status.VERIFIED),
    2: ("2025-01-01", Status.SUBMITTED), 3: ("2024-01-01", Status.SUBMITTED),
    4: ("2024-01-01", Status.VERIFIED), 5: ("2025-03-01", Status.SUBMITTED),
    6: ("2023-05-01", Status.VERIFIED),
    7: ("2024-04-04", Status.IN_REVIEW), 8: ("2024-04-04", Status.IN_REVIEW),
    9: ("2022-01-01", Status.NEEDS_FOLLOW_UP),
    10: ("2023-01-01", Status.VERIFIED), 11: ("2025-01-01", Status.VERIFIED),
    12: ("2023-01-01", Status.SUBMITTED), 13: ("2025-01-01", Status.VERIFIED),
    14: ("2023-01-01", Status.VERIFIED), 15: ("2026-01-01", Status.DRAFT),
}


def testimonies() -> list[Record]:
    records = list(generate(N, seed=20, author=USER, today=TODAY))
    cycle = (Status.VERIFIED, Status.SUBMITTED, Status.IN_REVIEW)
    for i, record in enumerate(records):
        a = record.answers
        a.pop("consent.withdrawn_on", None)
        a["consent.anonymized_statistics"] = True
        a["consent.internal_documentation"] = True
        record.status = cycle[i % 3]
        if i in PLANTED:
            a["interview.date"], record.status = PLANTED[i]
    records[10].answers["consent.withdrawn_on"] = "2025-02-01"
    records[13].answers["consent.anonymized_statistics"] = False
    records[40].answers["consent.anonymized_statistics"] = False  # unlinked, no consent
    records[41].status = Status.DRAFT  # unlinked draft
    return records


def template(folder: Path) -> tuple[Path, list[Record]]:
    records = testimonies()
    return vault_with(folder, records), records


def stored(vault: Vault) -> list[Record]:
    """Every record as stored, in the order of testimonies() (by the planted index)."""
    by_id = {r.id: r for r in
             InterviewService(vault)._store(False).iter_records(with_identity=False)}
    order = [r.id for r in testimonies()]
    return [by_id[i] for i in order] if set(order) == set(by_id) else list(by_id.values())


def link(vault: Vault, ids: Sequence[str], groups: Iterable[Sequence[int]] = GROUPS) -> None:
    """Link every planted group: a chain of ``same`` decisions."""
    conn = vault.connection()
    with transaction(conn):
        for group in groups:
            for a, b in zip(group, group[1:], strict=False):
                person_links.decide(conn, ids[a], ids[b], "same", USER,
                                    "2026-12-01T00:00:00+00:00")


# -- the expected side ----------------------------------------------------------------------
def person_map(ids: Sequence[str], linked: bool) -> dict[str, str]:
    """record id → person (the group's smallest id), from the planted groups directly."""
    out = {i: i for i in ids}
    if linked:
        for group in GROUPS:
            members = [ids[i] for i in group]
            for member in members:
                out[member] = min(members)
    return out


def representative(records: Sequence[Record]) -> Record:
    """The rule of docs/export.md, written out again: verified, then not a draft, then a
    draft; the latest interview date, then the latest entry; then the smallest id."""
    def tier(r: Record) -> int:
        return {"verified": 2, "draft": 0}.get(Status(r.status).value, 1)

    ordered = sorted(records, key=lambda r: r.id)
    ordered.sort(key=lambda r: (tier(r), str(r.answers.get("interview.date") or ""),
                                r.created_at), reverse=True)
    return ordered[0]


def expected(records: Sequence[Record], linked: bool, unit: str, *,
             drafts: bool) -> list[Record]:
    """The testimonies counted: one per person (its representative) or each; a person
    with a withdrawn testimony never; a representative (or, counting testimonies, a
    testimony) without consent to statistics not; drafts only when ``drafts``."""
    person = person_map([r.id for r in records], linked)
    by: dict[str, list[Record]] = {}
    for r in records:
        by.setdefault(person[r.id], []).append(r)
    withdrawn = {p for p, rs in by.items() if any(r.answers.get("consent.withdrawn_on")
                                                 for r in rs)}
    chosen = [representative(rs) for rs in by.values()] if unit == "persons" else records
    return [r for r in chosen if person[r.id] not in withdrawn
            and r.answers.get("consent.anonymized_statistics") is True
            and (drafts or Status(r.status) is not Status.DRAFT)]


def years(records: Iterable[Record]) -> Counter[str]:
    """Testimonies by year sent to Russia (``missing`` when not answered)."""
    return Counter(str(r.answers.get("deployment.year_departed", "missing")) for r in records)
