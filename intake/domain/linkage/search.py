"""The search for pairs of testimonies that may be one person (:func:`find_candidates`)."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from intake.domain.linkage.blocking import candidate_pairs
from intake.domain.linkage.facts import Candidate, PersonFacts
from intake.domain.linkage.prepared import prepare, without_shared
from intake.domain.linkage.score import (
    COSTLY_MOST,
    NAME_MOST,
    PRIOR,
    cheap_total,
    judge,
    name_agreement,
    texts_levels,
    total,
)

#: Even odds: a pair at or above it is proposed for review.
DEFAULT_MIN_SCORE = 0.5


def find_candidates(people: Sequence[PersonFacts], *, min_score: float = DEFAULT_MIN_SCORE,
                    among: Collection[str] | None = None) -> list[Candidate]:
    """Pairs that may be one person, scored ≥ ``min_score``, highest first (then by ids),
    each with ``a < b``. With ``among`` (record ids), only pairs with at least one of them:
    the duplicates of the testimonies a bundle merge added."""
    if not 0.0 < min_score <= 1.0:
        raise ValueError("min_score must be in (0, 1]")
    prepared = without_shared([prepare(p) for p in people])
    sources = None if among is None else [
        i for i, p in enumerate(people) if p.record_id in among]
    # the score is monotonic in the weight sum: compare sums, build evidence for the few kept
    needed = PRIOR + _log2_odds(min_score)
    found = []
    for i, j in candidate_pairs(prepared, sources):
        x, y = prepared[i], prepared[j]
        if x.record_id == y.record_id:
            continue
        cheap = cheap_total(x, y)
        if cheap + COSTLY_MOST < needed - 1e-9:
            continue  # even names and texts agreeing could not lift it to the threshold
        cheap += total(texts_levels(x, y))
        if cheap + NAME_MOST < needed - 1e-9:
            continue  # even the names agreeing could not
        if cheap + total([name_agreement(x.names, y.names)]) >= needed - 1e-9:
            found.append(judge(x, y))
    found = [c for c in found if c.score >= min_score]
    found.sort(key=lambda c: (-c.score, c.a, c.b))
    return found


def _log2_odds(p: float) -> float:
    """log2(p / (1 − p)); at 1, where a float score rounds up, no pair is dropped early."""
    return -math.inf if p >= 1.0 else math.log2(p / (1.0 - p))
