"""Which pairs are worth scoring: the union of several blocks, so that no one missing or
misspelt fact loses a pair of one person's testimonies.

Comparing every pair of 10,000 testimonies is 50 million comparisons; the blocks cut that to
pairs that share at least one of:

- the name's two keys (every reading and alias): spelling variants and order swaps;
- surname key and the first, or the last, three letters of the given-name key, or the
  given-name key with one of its letters dropped, born within ±2 years: a typo anywhere;
- surname key, a given-name key of two letters or fewer and the end of the other's given
  name, born within ±2 years: a given name shortened (영호 → 호);
- the given-name key, born within ±2 years: a typo in the surname;
- a phone number or a document number;
- coarse facts (sex, home province and destination region; province, region and year of
  departure; region and both deployment years), born within ±2 years: no usable name, or
  an alias only one testimony knows.

A testimony without a birth year is paired with every birth year, so a missing year never
drops a pair. The birth-year window is a sorted list per block cut with bisect, not a key
per year: it costs one lookup.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator

from intake.domain.linkage.prepared import Prepared

#: Birth years further apart than this are not blocked together (estimates vary ±1–2).
YEAR_WINDOW = 2
#: Letters of the given-name key in the prefix and suffix keys.
AFFIX = 3
#: A given-name key this short is a syllable or two: it is looked up against the ends of
#: longer given names (a shortened name) rather than blocked on by its own affixes.
SHORT = 2
#: Given-name keys at least this long are blocked on alone (a typo in the surname); shorter
#: ones (Kim, Su) are too common without a surname.
GIVEN_ALONE = 4
#: Coarse facts blocked on together (with no name in common, a pair is worth scoring only
#: if all of one set agree).
COARSE = (("sex", "province", "region"), ("province", "region", "departed"),
          ("region", "departed", "ended"))

Key = tuple[object, ...]


class _Keys:
    """The keys of one testimony: exact keys (shared ⇒ blocked together), and windowed keys
    it is indexed under and looks up (shared and born within the window ⇒ blocked)."""

    def __init__(self) -> None:
        self.exact: set[Key] = set()
        self.index: set[Key] = set()
        self.query: set[Key] = set()

    def windowed(self, *keys: Key) -> None:
        self.index.update(keys)
        self.query.update(keys)


def keys(record: Prepared) -> _Keys:
    out = _Keys()
    for name, _alias in record.names:
        if not name.given:
            continue
        out.exact.add(("name", name.surname, name.given))
        if len(name.given) >= GIVEN_ALONE:
            out.windowed(("given", name.given))
        if not name.surname:
            continue
        if len(name.given) <= SHORT:  # looks up the ends of longer names; they look it up
            out.query.add(("end", name.surname, name.given))
            out.index.add(("short", name.surname, name.given))
        else:
            out.windowed(("prefix", name.surname, name.given[:AFFIX]),
                         ("suffix", name.surname, name.given[-AFFIX:]),
                         *(("typo", name.surname, dropped)
                           for dropped in _one_letter_less(name.given)))
            out.index.add(("end", name.surname, name.given[-SHORT:]))
            out.query.add(("short", name.surname, name.given[-SHORT:]))
    out.exact.update([("phone", p) for p in record.phones])
    out.exact.update([("document", d) for d in record.documents])
    facts = {"sex": record.sex, "province": record.home_province, "region": record.region,
             "departed": record.year_departed, "ended": record.year_ended}
    for names in COARSE:
        values = tuple(facts[name] for name in names)
        if all(value not in ("", None) for value in values):
            out.windowed(("coarse", names, *values))
    return out


def _one_letter_less(given: str) -> set[str]:
    """The key and the key without each of its letters: two keys one typo apart (a letter
    changed, dropped or added) share one of these."""
    return {given} | {given[:k] + given[k + 1:] for k in range(len(given))}


#: (birth year, record index) of the dated members of each windowed key, sorted
Dated = dict[Key, list[tuple[int, int]]]


def _near(dated: Dated, undated: dict[Key, list[int]], key: Key, year: int | None
          ) -> list[int]:
    """Members of ``key`` born within the window of ``year`` (all when it is None), and
    those without a birth year."""
    members = dated.get(key, [])
    if year is not None and members:
        lo = bisect_left(members, (year - YEAR_WINDOW, -1))
        hi = bisect_left(members, (year + YEAR_WINDOW + 1, -1))
        members = members[lo:hi]
    return [i for _, i in members] + undated.get(key, [])


def _build(records: list[Prepared]
           ) -> tuple[dict[Key, list[int]], Dated, dict[Key, list[int]], list[_Keys]]:
    exact: dict[Key, list[int]] = defaultdict(list)
    dated: Dated = defaultdict(list)
    undated: dict[Key, list[int]] = defaultdict(list)
    all_keys = []
    for i, record in enumerate(records):
        found = keys(record)
        all_keys.append(found)
        for key in found.exact:
            exact[key].append(i)
        year = record.birth_year
        if year is None:
            for key in found.index:
                undated[key].append(i)
        else:
            for key in found.index:
                dated[key].append((year, i))
    for members in dated.values():
        if len(members) > 1:
            members.sort()
    return exact, dict(dated), dict(undated), all_keys


def candidate_pairs(records: list[Prepared], sources: Iterable[int] | None = None
                    ) -> Iterator[tuple[int, int]]:
    """Index pairs (i < j) sharing a block, each once; with ``sources``, only pairs with at
    least one of those indexes.

    Blocks are symmetric (i looks up a key j is indexed under, born within the window,
    exactly when j looks up one of i's), so each pair is taken from the side that is a
    source and, when both are, from the smaller index: no set of all pairs is kept."""
    exact, dated, undated, all_keys = _build(records)
    chosen = range(len(records)) if sources is None else sorted(set(sources))
    is_source = None if sources is None else set(chosen)
    for i in chosen:
        found: set[int] = set()
        for key in all_keys[i].exact:
            found.update(exact[key])
        year = records[i].birth_year
        for key in all_keys[i].query:
            found.update(_near(dated, undated, key, year))
        for j in sorted(found):
            if j == i or (j < i and (is_source is None or j in is_source)):
                continue
            yield (i, j) if i < j else (j, i)
