"""The duplicate search scores a candidate pair in steps and stops as soon as the pair
cannot reach the threshold (issue 20's 5 s at 10,000 testimonies): the cheap fields
summed without a list, then the free texts, then the name last (the costliest). The
result must be the search that scores every field of every pair: compared on generated
testimonies with planted duplicates and near-misses, at two thresholds, with a control
showing the comparison sees a pair dropped."""

from __future__ import annotations

import pytest

from intake.domain.linkage import search
from intake.domain.linkage.blocking import candidate_pairs
from intake.domain.linkage.prepared import prepare, without_shared
from intake.domain.linkage.score import (
    PRIOR,
    cheap_levels,
    cheap_total,
    costly_levels,
    judge,
    total,
)
from tests.linkage_data import generate


def _every_field(people: list, min_score: float) -> list[tuple[str, str, float]]:
    prepared = without_shared([prepare(p) for p in people])
    needed = PRIOR + search._log2_odds(min_score)  # noqa: SLF001
    found = [judge(prepared[i], prepared[j]) for i, j in candidate_pairs(prepared, None)
             if prepared[i].record_id != prepared[j].record_id
             and total(cheap_levels(prepared[i], prepared[j]))
             + total(costly_levels(prepared[i], prepared[j])) >= needed - 1e-9]
    return sorted((c.a, c.b, c.score) for c in found if c.score >= min_score)


@pytest.mark.parametrize("min_score", [0.5, 0.9])
def test_the_search_in_steps_finds_what_scoring_every_field_finds(min_score: float) -> None:
    people, _truth = generate(600, 4)
    fast = sorted((c.a, c.b, c.score) for c in search.find_candidates(
        people, min_score=min_score))
    assert fast == _every_field(people, min_score)
    assert len(fast) > 50


def test_the_cheap_sum_is_the_sum_of_the_cheap_levels() -> None:
    people, _truth = generate(1000, 5)
    prepared = without_shared([prepare(p) for p in people])
    pairs = list(candidate_pairs(prepared, None))
    assert len(pairs) > 1000
    for i, j in pairs:
        assert cheap_total(prepared[i], prepared[j]) == total(
            cheap_levels(prepared[i], prepared[j]))


def test_positive_control_a_dropped_pair_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    people, _truth = generate(600, 4)
    monkeypatch.setattr(search, "NAME_MOST", -100.0)  # a wrong bound: names never help
    fast = sorted((c.a, c.b, c.score) for c in search.find_candidates(people))
    assert fast != _every_field(people, 0.5)
