"""How strongly two testimonies say they come from one person: a Fellegi–Sunter style sum.

Each field compared adds a weight, roughly log2 of how much likelier its agreement level is
between two testimonies of one person than between two people (m/u): a phone number or a
passport number shared is near proof, the same sex is almost nothing, a different name or a
birth date years apart weighs heavily against. The sum W is mapped to 0…1 as
1 / (1 + 2^(PRIOR − W)): PRIOR is the log2 of the odds against a random pair of blocked
testimonies being one person, so a score of 0.5 means even odds. The weights were set by
hand and checked on the generated data of tests/linkage_data.py (docs/duplicates.md): they
are the tuning knobs.
"""

from __future__ import annotations

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from intake.domain.linkage.facts import Candidate, Evidence, PersonFacts
from intake.domain.linkage.names import NameKey
from intake.domain.linkage.prepared import Prepared, prepare

PRIOR = 10.0
#: agreement level → weight, per field (a level not listed weighs 0)
WEIGHTS: dict[str, dict[str, float]] = {
    "identity.full_name": {"exact": 9.0, "variant": 8.5, "close": 5.0, "differs": -9.0},
    # an alias, a one-word name or a shortened given name: nicknames are shared, and a
    # nickname that differs from a full name says little
    "identity.aliases": {"exact": 5.0, "variant": 5.0, "close": 4.0, "differs": -3.0},
    "identity.birth_date": {"exact": 6.0, "close": 2.0, "differs": -7.0},
    "profile.birth_year": {"exact": 3.0, "close": 1.0, "differs": -5.0},
    "profile.sex": {"exact": 0.5, "differs": -8.0},
    "profile.home_province": {"exact": 2.0, "differs": -2.5},
    "identity.hometown_detail": {"exact": 2.5, "close": 1.0, "differs": -1.5},
    "deployment.destination_region": {"exact": 2.0, "differs": -3.0},
    "deployment.year_departed": {"exact": 1.5, "close": 0.5, "differs": -2.5},
    "deployment.year_ended": {"exact": 1.5, "close": 0.5, "differs": -2.5},
    "deployment.dispatching_entity": {"exact": 1.5, "close": 0.75, "differs": -1.0},
    "deployment.worksite": {"exact": 2.0, "close": 1.0, "differs": -1.0},
    "identity.contacts": {"exact": 10.0, "differs": -1.0},
    "identity.documents": {"exact": 12.0, "differs": -4.0},
}
#: Birth years further apart than this are not one person's estimates.
YEAR_SLACK = 2
TEXT_EXACT, TEXT_CLOSE = 95.0, 80.0

Level = tuple[str, str]  # (field, agreement)


def name_agreement(xs: tuple[tuple[NameKey, bool], ...],
                   ys: tuple[tuple[NameKey, bool], ...]) -> Level:
    """The best agreement between any name or alias of one and any of the other; the field
    is identity.aliases when the best involves an alias, a one-word name or a shortened
    given name. When both give a full name (surname and given name) and no reading of them
    agrees, the names differ: a nickname both happen to share does not outweigh that."""
    if not xs or not ys:
        return "identity.full_name", "missing"
    full = any(not a and k.surname for k, a in xs) and any(not a and k.surname for k, a in ys)
    best: Level = ("identity.full_name" if full else "identity.aliases", "differs")
    for x, x_alias in xs:
        for y, y_alias in ys:
            found = _name_rank(x, y)
            if found is None or (full and (x_alias or y_alias)):
                continue
            field = "identity.aliases" if x_alias or y_alias else found[0]
            level = (field, ("exact", "variant", "close")[found[1]])
            if weight(*level) > weight(*best):
                best = level
    return best


def _name_rank(x: NameKey, y: NameKey) -> tuple[str, int] | None:
    """(field, rank: 0 exact, 1 variant, 2 close) of two readings, None when they differ.
    A given name shortened to one end of the other's counts as a nickname (aliases)."""
    one_word = not x.surname or not y.surname
    field = "identity.aliases" if one_word else "identity.full_name"
    if x.plain == y.plain:
        return field, 0
    if x.given == y.given and x.surname == y.surname:
        return field, 1
    if not x.given or not y.given or not x.likely or not y.likely:
        return None  # a typo or a shortened name only in the likelier reading
    if x.surname and y.surname and x.surname != y.surname:
        typo = _typo(x.surname, y.surname)  # Kim, Kin; not O and I
        return (field, 2) if typo and x.given == y.given and len(x.given) >= 4 else None
    if _typo(x.given, y.given) or _typo(x.written, y.written) or _typo(
            x.given.replace("N", "ng"), y.given.replace("N", "ng")):
        return field, 2
    shorter, longer = sorted((x.given, y.given), key=len)
    shortened = len(shorter) >= 2 and len(longer) >= len(shorter) + 2 and (
        longer.startswith(shorter) or longer.endswith(shorter))  # a syllable dropped
    return ("identity.aliases", 2) if shortened and not one_word else None


def _typo(a: str, b: str) -> bool:
    """One letter changed, dropped or added, not the first: typing and hearing errors keep
    the beginning of a name, and 영일 and 성일 are two names."""
    return (min(len(a), len(b)) >= 3 and a[0] == b[0]
            and Levenshtein.distance(a, b, score_cutoff=1) <= 1)


def birth_agreement(x: Prepared, y: Prepared) -> Level:
    if x.birth_year is None or y.birth_year is None:
        return "profile.birth_year", "missing"
    apart = abs(x.birth_year - y.birth_year)
    if x.birth_date and y.birth_date:
        if x.birth_date == y.birth_date:
            return "identity.birth_date", "exact"
        if apart == 0:
            return "identity.birth_date", "close"
        if apart > YEAR_SLACK:
            return "identity.birth_date", "differs"
    if apart == 0:
        return "profile.birth_year", "exact"
    return "profile.birth_year", ("close" if apart <= YEAR_SLACK else "differs")


def _equal(a: str, b: str) -> str:
    return "missing" if not a or not b else ("exact" if a == b else "differs")


def _years(a: int | None, b: int | None) -> str:
    if a is None or b is None:
        return "missing"
    return ("exact", "close")[abs(a - b)] if abs(a - b) <= 1 else "differs"


def _text(a: str, b: str) -> str:
    if not a or not b:
        return "missing"
    if a == b:
        return "exact"
    similarity = fuzz.token_set_ratio(a, b)
    return "exact" if similarity >= TEXT_EXACT else "close" if similarity >= TEXT_CLOSE \
        else "differs"


def _hometown(x: Prepared, y: Prepared) -> str:
    """The same places (one address naming more of them: 청진시 / 청진시 수남구역) agree;
    some in common are close; none differ. Without place names, as free text."""
    if not x.places or not y.places:
        return _text(x.hometown, y.hometown)
    if x.places <= y.places or y.places <= x.places:
        return "exact"
    return "close" if x.places & y.places else "differs"


def _shared(a: frozenset[str], b: frozenset[str]) -> str:
    return "missing" if not a or not b else ("exact" if a & b else "differs")


def cheap_levels(x: Prepared, y: Prepared) -> list[Level]:
    """The fields compared by equality or a number: cheap."""
    return [
        birth_agreement(x, y),
        ("profile.sex", _equal(x.sex, y.sex)),
        ("profile.home_province", _equal(x.home_province, y.home_province)),
        ("deployment.destination_region", _equal(x.region, y.region)),
        ("deployment.year_departed", _years(x.year_departed, y.year_departed)),
        ("deployment.year_ended", _years(x.year_ended, y.year_ended)),
        ("identity.contacts", _shared(x.phones, y.phones)),
        ("identity.documents", _shared(x.documents, y.documents)),
    ]


def cheap_total(x: Prepared, y: Prepared) -> float:
    """``total(cheap_levels(x, y))`` without the list: every candidate pair is scored so."""
    field, agreement = birth_agreement(x, y)
    return (WEIGHTS[field].get(agreement, 0.0)
            + _SEX.get(_equal(x.sex, y.sex), 0.0)
            + _PROVINCE.get(_equal(x.home_province, y.home_province), 0.0)
            + _REGION.get(_equal(x.region, y.region), 0.0)
            + _DEPARTED.get(_years(x.year_departed, y.year_departed), 0.0)
            + _ENDED.get(_years(x.year_ended, y.year_ended), 0.0)
            + _CONTACTS.get(_shared(x.phones, y.phones), 0.0)
            + _DOCUMENTS.get(_shared(x.documents, y.documents), 0.0))


_SEX, _PROVINCE, _REGION, _DEPARTED, _ENDED, _CONTACTS, _DOCUMENTS = (WEIGHTS[f] for f in (
    "profile.sex", "profile.home_province", "deployment.destination_region",
    "deployment.year_departed", "deployment.year_ended", "identity.contacts",
    "identity.documents"))


def costly_levels(x: Prepared, y: Prepared) -> list[Level]:
    """The names and the free-text fields: string similarity."""
    return [name_agreement(x.names, y.names), *texts_levels(x, y)]


#: The most the costly fields can add: a pair whose cheap fields leave it further than this
#: below the threshold is dropped without comparing names.
COSTLY_MOST = sum(max(WEIGHTS[f].values()) for f in (
    "identity.full_name", "identity.hometown_detail", "deployment.dispatching_entity",
    "deployment.worksite"))


def levels(x: Prepared, y: Prepared) -> list[Level]:
    """Every field compared, with its agreement level (the name first)."""
    cheap = cheap_levels(x, y)
    costly = costly_levels(x, y)
    return [costly[0], cheap[0], *cheap[1:3], costly[1], *cheap[3:6], *costly[2:], *cheap[6:]]


def total(found: list[Level]) -> float:
    summed = 0.0  # a loop, not sum() over a generator: 400,000 pairs at 10,000 testimonies
    for field, agreement in found:
        summed += WEIGHTS[field].get(agreement, 0.0)
    return summed


def texts_levels(x: Prepared, y: Prepared) -> list[Level]:
    """:func:`costly_levels` but the name (compared last: the costliest)."""
    return [("identity.hometown_detail", _hometown(x, y)),
            ("deployment.dispatching_entity", _text(x.dispatching_entity, y.dispatching_entity)),
            ("deployment.worksite", _text(x.worksite, y.worksite))]


#: The most the name can add (a pair the texts leave further below is not compared by name).
NAME_MOST = max(WEIGHTS["identity.full_name"].values())


def weight(field: str, agreement: str) -> float:
    return WEIGHTS[field].get(agreement, 0.0)


def to_score(total: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (PRIOR - total))


def judge(x: Prepared, y: Prepared) -> Candidate:
    evidence = tuple(Evidence(field, agreement, weight(field, agreement))
                     for field, agreement in levels(x, y))
    a, b = sorted((x.record_id, y.record_id))
    return Candidate(a, b, to_score(sum(e.weight for e in evidence)), evidence)


def compare(x: PersonFacts, y: PersonFacts) -> Candidate:
    """The score of one pair and the evidence for it (the review screen's)."""
    return judge(prepare(x), prepare(y))

