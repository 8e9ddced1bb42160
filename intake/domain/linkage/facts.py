"""The facts of one testimony that matching reads, and what a match says about a pair.

The service (intake/services/duplicates.py) builds :class:`PersonFacts` from a record's
answers and its identity section, under the identity key, in memory only. A
:class:`Candidate` carries record ids, a score and :class:`Evidence` naming which fields
agree and how strongly, never a value: what is shown beside it is read again from the
records, under the identity key, when a case manager reviews the pair.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How a field of two testimonies compares, strongest agreement first.
AGREEMENTS = ("exact", "variant", "close", "differs", "missing")


@dataclass(frozen=True, slots=True)
class PersonFacts:
    record_id: str
    full_name: str = ""  # identity.full_name
    aliases: tuple[str, ...] = ()  # identity.aliases
    birth_date: str = ""  # identity.birth_date, ISO (YYYY-MM-DD), often an estimate
    birth_year: int | None = None  # profile.birth_year
    sex: str = ""  # profile.sex (code)
    home_province: str = ""  # profile.home_province (code)
    hometown: str = ""  # identity.hometown_detail (county, town, address)
    region: str = ""  # deployment.destination_region (code)
    year_departed: int | None = None  # deployment.year_departed
    year_ended: int | None = None  # deployment.year_ended
    dispatching_entity: str = ""  # deployment.dispatching_entity
    worksite: str = ""  # deployment.worksite
    contacts: tuple[str, ...] = ()  # identity.contacts (phone numbers, messenger ids)
    documents: tuple[str, ...] = ()  # identity.documents (passport and ID numbers)


@dataclass(frozen=True, slots=True)
class Evidence:
    field: str  # a question id, e.g. "identity.full_name"
    agreement: str  # one of AGREEMENTS
    weight: float  # what it added to (or, negative, took from) the score


@dataclass(frozen=True, slots=True)
class Candidate:
    a: str  # record ids, a < b
    b: str
    score: float  # 0 … 1
    evidence: tuple[Evidence, ...]
