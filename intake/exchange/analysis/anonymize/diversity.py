"""Step 5: distinct l-diversity of the sensitive attributes marked S*, and near-universal
attributes.

Distinct l-diversity: within every equivalence class, each l-diverse attribute takes at
least ``l`` distinct exported values. Missing codes (``""``, ``-8``, ``-9``) count as values
like any other, since that is what a reader of the export sees. The predicate is monotone
under generalization: merging classes never lowers a class's number of distinct values, so
the lattice search uses it together with k (a class failing either is suppressed, within
the same budget).

An attribute whose most common value covers at least ``NEAR_UNIVERSAL_SHARE`` of the records,
or that the questionnaire marks ``near_universal``, is reported and l is not forced on it:
almost everyone answered the same, so no class could be made diverse without destroying the
table, and the value reveals next to nothing about one person.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from operator import add

NEAR_UNIVERSAL_SHARE = 0.95


def most_common_share(values: Sequence[str]) -> float:
    if not values:
        return 0.0
    return Counter(values).most_common(1)[0][1] / len(values)


def near_universal(columns: Mapping[str, Sequence[str]], flagged: Iterable[str] = (),
                   share: float = NEAR_UNIVERSAL_SHARE) -> list[str]:
    """The attributes (of ``columns``) that are near-universal, in column order, plus the
    ones ``flagged`` by the questionnaire."""
    flagged = set(flagged)
    return [name for name, values in columns.items()
            if name in flagged or most_common_share(values) >= share]


def distinct_counts(class_ids: Sequence[int], codes: Sequence[int],
                    radix: int | None = None) -> Counter[int]:
    """Class id → number of distinct codes in it (codes are dense, from 0, below
    ``radix`` when it is given)."""
    radix = radix if radix is not None else max(codes, default=0) + 1
    pairs = set(map(add, map(radix.__mul__, class_ids), codes))
    return Counter(map(radix.__rfloordiv__, pairs))


def failing_classes(class_ids: Sequence[int], sensitive: Sequence[Sequence[int]],
                    l: float) -> set[int]:  # noqa: E741
    """The classes where some attribute of ``sensitive`` (one code per record) has fewer
    than ``l`` distinct values."""
    failing: set[int] = set()
    if l <= 1:
        return failing
    for codes in sensitive:
        failing.update(c for c, count in distinct_counts(class_ids, codes).items() if count < l)
    return failing


def distinct_l(class_ids: Sequence[int], sensitive: Sequence[Sequence[int]]) -> int | None:
    """The achieved distinct l: the fewest distinct values of any attribute in any class
    (None without attributes or records)."""
    least: int | None = None
    for codes in sensitive:
        distinct = distinct_counts(class_ids, codes)
        if distinct:
            low = min(distinct.values())
            least = low if least is None else min(least, low)
    return least
