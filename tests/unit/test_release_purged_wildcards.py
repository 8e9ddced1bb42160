"""A purged person's answers are forgotten by the release ledger (release_ledger.forget),
yet they left a group of changes between two releases: the checks of
services/releases_diverse.py count each as a wildcard, any answer (the worst case), so
that a group of the purged alone, or with others who all answer alike, is refused, while
others who answer in two ways still let it pass."""

from __future__ import annotations

import json

from intake.domain.indicators import INDICATORS
from intake.exchange.analysis.anonymize.models import LKind, Model
from intake.services.releases_diverse import Diversity, uniform_changes, uniform_statistics
from intake.vault import release_ledger
from intake.vault.release_ledger import Member, Release

KEY = bytes(range(32))
ATTRIBUTE = "ilo.debt_bondage"
WIDTH = len(INDICATORS) + 1  # the findings, then abuse.sexual


def _text(answer: str) -> str:
    return "\x1f".join([answer] * WIDTH)


def _statistics(withdrawn: dict[str, str | None]) -> tuple[int, str | None]:
    """Withdrawn persons of one group: record id → their answer to every question, None
    for one purged (no record id any more). The counted (the new release) answer in two
    ways, neither near-universal."""
    old = {p: Member(p, "" if a is None else p, "") for p, a in withdrawn.items()}
    counted = {f"now{i}": _text("present" if i % 2 else "absent") for i in range(40)}
    new = {r: Member(r, r, "") for r in counted}
    changes = [("-", p) for p in old]
    groups = {"-": {p: ("g",) for p in old}, "+": {}}
    read = {p: _text(a) for p, a in withdrawn.items() if a is not None}
    return uniform_statistics(changes, groups, old, new, counted, read)


def test_statistics_a_group_of_the_purged_alone_is_refused() -> None:
    assert _statistics(dict.fromkeys("abcde"))[0] == 5


def test_statistics_the_purged_beside_others_alike_are_refused() -> None:
    assert _statistics({"a": None, "b": None, "c": "present", "d": "present"})[0] == 4


def test_statistics_the_purged_beside_others_in_two_ways_pass() -> None:
    assert _statistics({"a": None, "b": None, "c": "present", "d": "absent"}) == (0, None)


def test_statistics_control_without_the_purged_the_others_in_two_ways_pass() -> None:
    assert _statistics({"c": "present", "d": "absent"}) == (0, None)
    assert _statistics({"c": "present", "d": "present"})[0] == 2


def _release() -> Release:
    return Release(1, "2026-12-01T00:00:00+00:00", "kim", "anonymized", {"l": 2},
                   ["q"], {}, "", 1, 0, [ATTRIBUTE])


def _table(withdrawn: dict[str, str | None], model: Model | None = None
           ) -> tuple[int, str | None]:
    """Withdrawn persons of one class; None for one purged (forgotten: no record id, no
    cells, its released quasi-identifiers kept)."""
    old = {}
    for p, answer in withdrawn.items():
        cells = "" if answer is None else release_ledger.cell_digests(
            KEY, [ATTRIBUTE], [{ATTRIBUTE: answer}], "*")[0]
        old[p] = Member(p, "" if answer is None else p, "c",
                        quasi=json.dumps({"q": "x"}), cells=cells)
    diversity = Diversity([ATTRIBUTE], 2, model or Model(), {})
    return uniform_changes([("-", p) for p in old], {"-": {p: ("c",) for p in old}}, old,
                           {}, _release(), diversity, KEY)


def test_tables_a_group_of_the_purged_alone_fails_l() -> None:
    assert _table(dict.fromkeys("abc")) == (3, ATTRIBUTE)


def test_tables_the_purged_beside_others_alike_fail_l() -> None:
    assert _table({"a": None, "b": "absent", "c": "absent"}) == (3, ATTRIBUTE)


def test_tables_the_purged_beside_others_in_two_ways_pass_distinct_l() -> None:
    assert _table({"a": None, "b": "absent", "c": "present"}) == (0, None)


def test_tables_the_purged_count_as_the_commonest_answer_for_entropy_l() -> None:
    """Entropy l = 2 needs an even split: with the purged counted as the commonest
    answer, 2 against 1 fails; without them, 1 against 1 would pass."""
    entropy = Model(LKind.ENTROPY)
    assert _table({"b": "absent", "c": "present"}, entropy) == (0, None)
    assert _table({"a": None, "b": "absent", "c": "present"}, entropy) == (3, ATTRIBUTE)
