"""A testimony's facts made ready for comparing: name keys, years, phone numbers and
documents normalized, once per testimony rather than once per pair."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace

from intake.domain.linkage.facts import PersonFacts
from intake.domain.linkage.names import NameKey, name_keys

#: Digits kept of a phone number: enough to tell numbers apart, few enough that the country
#: code (+7, +82), a Russian trunk 8 or a Korean trunk 0 make no difference.
PHONE_DIGITS = 9
_MIN_PHONE_DIGITS = 7
_NOT_ALNUM = re.compile(r"[\W_]+")
_DOCUMENT_PREFIX = re.compile(r"^(?:NO|NR|N)(?=\d)")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def phone_key(contact: str) -> str:
    """The last digits of a phone number (+7 916 123-45-67, 8 (916) 1234567 and 79161234567
    give one key; so do +82 10-1234-5678 and 010 1234 5678); other contacts (messenger ids)
    lower case without punctuation; "" when nothing is left."""
    digits = "".join(ch for ch in contact if ch.isdigit())
    if len(digits) >= _MIN_PHONE_DIGITS:
        return digits[-PHONE_DIGITS:]
    return _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", contact).casefold())


def document_key(document: str) -> str:
    """A passport or ID number without spaces, dashes, case or a "No." before it."""
    text = _NOT_ALNUM.sub("", unicodedata.normalize("NFKC", document).upper())
    return _DOCUMENT_PREFIX.sub("", text)


def text_key(text: str) -> str:
    """Free text (home town, dispatching entity, work site) for fuzzy comparison."""
    return " ".join(_NOT_ALNUM.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split())


def place_names(hometown: str) -> frozenset[str]:
    """The place names of a home town (청진시, 수남구역, 무산군 …): its words without the
    province (…도, already compared as a code), the neighbourhood unit (…반, 인민반) and
    numbers, which two interviews write differently."""
    return frozenset(word for word in text_key(hometown).split()
                     if len(word) >= 2 and not word.isdigit() and word[-1] not in "도반")


def birth(facts: PersonFacts) -> tuple[int | None, str]:
    """(year, full ISO date or "") from the identity date, else the profile year."""
    match = _DATE.match(facts.birth_date.strip())
    if match:
        full = facts.birth_date.strip() if match.group(3) else ""
        return int(match.group(1)), full
    return facts.birth_year, ""


@dataclass(frozen=True, slots=True)
class Prepared:
    record_id: str
    names: tuple[tuple[NameKey, bool], ...]  # (key, is an alias)
    birth_year: int | None
    birth_date: str
    sex: str
    home_province: str
    hometown: str
    places: frozenset[str]
    region: str
    year_departed: int | None
    year_ended: int | None
    dispatching_entity: str
    worksite: str
    phones: frozenset[str]
    documents: frozenset[str]


def prepare(facts: PersonFacts) -> Prepared:
    names = [(key, False) for key in name_keys(facts.full_name)]
    for alias in facts.aliases:
        names.extend((key, True) for key in name_keys(alias))
    year, date = birth(facts)
    return Prepared(
        record_id=facts.record_id,
        names=tuple(names),
        birth_year=year,
        birth_date=date,
        sex=facts.sex.strip(),
        home_province=facts.home_province.strip(),
        hometown=text_key(facts.hometown),
        places=place_names(facts.hometown),
        region=facts.region.strip(),
        year_departed=facts.year_departed,
        year_ended=facts.year_ended,
        dispatching_entity=text_key(facts.dispatching_entity),
        worksite=text_key(facts.worksite),
        phones=frozenset(k for k in map(phone_key, facts.contacts) if k),
        documents=frozenset(k for k in map(document_key, facts.documents) if k),
    )


#: A phone number or document number given in more testimonies than this is not a
#: person's (an office, a broker, a hotline, a shelter's number): it neither blocks nor
#: scores (a term-frequency adjustment, as in Fellegi–Sunter practice).
SHARED_MOST = 4


def without_shared(people: list[Prepared]) -> list[Prepared]:
    """``people`` without the numbers more than :data:`SHARED_MOST` of them give."""
    phones: Counter[str] = Counter(k for p in people for k in p.phones)
    documents: Counter[str] = Counter(k for p in people for k in p.documents)
    common = {k for k, n in phones.items() if n > SHARED_MOST}
    common_docs = {k for k, n in documents.items() if n > SHARED_MOST}
    if not common and not common_docs:
        return people
    return [replace(p, phones=p.phones - common, documents=p.documents - common_docs)
            if p.phones & common or p.documents & common_docs else p for p in people]
