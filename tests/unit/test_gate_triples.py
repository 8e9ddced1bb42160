"""Issue 18: the final gate searches minimal sample uniques of three columns (SUDA's MSUs:
a set on which one row is alone while no subset of it is), over every released column.

Checked against an oracle written here in plain itertools (not the gate's code): a
planted triple unique whose every pair and single is shared is found and repaired; the
written rows of a release hold no unique of up to three columns; and with the triple
search off (the size monkeypatched to 2), the same oracle finds what the gate would have
removed — the control that shows the oracle can fail.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from collections.abc import Sequence

import pytest

from intake.exchange.analysis.anonymize import gate, msu, pipeline
from intake.exchange.analysis.anonymize.columns import PSEUDONYM
from intake.exchange.analysis.anonymize.pipeline import anonymize
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.exchange.demo.generate import generate

STAR = "*"


def oracle(rows: Sequence[dict[str, str]], columns: Sequence[str], max_size: int = 3
           ) -> set[tuple[int, tuple[str, ...]]]:
    """Every (row, set) such that the row is alone on the set and on no subset of it;
    ``*`` matches nothing and is never unique. Plain itertools and a Counter per set."""
    unique: dict[tuple[str, ...], set[int]] = {}
    found: set[tuple[int, tuple[str, ...]]] = set()
    for size in range(1, max_size + 1):
        for combo in itertools.combinations(columns, size):
            keys = [tuple(row[c] for c in combo) for row in rows]
            held = Counter(key for key in keys if STAR not in key)
            alone = {i for i, key in enumerate(keys) if STAR not in key and held[key] == 1}
            unique[combo] = alone
            minimal = set(alone)
            for sub_size in range(1, size):
                for sub in itertools.combinations(combo, sub_size):
                    minimal -= unique[sub]
            found.update((row, combo) for row in minimal)
    return found


def planted() -> list[dict[str, str]]:
    """Every (x, y, z) in {a, b}³ twice, but (a, a, a) once: that row is alone on
    {x, y, z} while each pair and single of its values is held by at least 3 rows. ``q``
    (a quasi-identifier) and ``w`` are the same for all."""
    rows = []
    for x, y, z in itertools.product("ab", repeat=3):
        for _ in range(1 if (x, y, z) == ("a", "a", "a") else 2):
            rows.append({"q": "1", "x": x, "y": y, "z": z, "w": "0"})
    return rows


COLUMNS = ["q", "x", "y", "z", "w"]


def test_the_oracle_sees_the_planted_triple_and_nothing_smaller() -> None:
    rows = planted()
    assert oracle(rows, COLUMNS) == {(0, ("x", "y", "z"))}
    assert oracle(rows, COLUMNS, max_size=2) == set()


def test_a_planted_triple_unique_is_found_and_repaired() -> None:
    rows = planted()
    outcome = gate.repair(COLUMNS, rows, protected={"q"}, last_resort=set())
    assert outcome.max_size == 3 and outcome.found == 1 and not outcome.refused
    assert outcome.repaired == 1 and not outcome.bounded
    assert sum(row[c] == STAR for row in rows for c in COLUMNS) == 1
    assert STAR in (rows[0]["x"], rows[0]["y"], rows[0]["z"])  # the unique row's cell
    assert oracle(rows, COLUMNS) == set()


def test_control_with_the_triple_search_off_the_planted_unique_stays(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate, "DEFAULT_SIZE", 2)
    rows = planted()
    outcome = gate.repair(COLUMNS, rows, protected={"q"}, last_resort=set())
    assert outcome.found == 0 and outcome.repaired == 0
    assert oracle(rows, COLUMNS) == {(0, ("x", "y", "z"))}


def test_the_search_matches_the_oracle_on_random_tables() -> None:
    """Every MSU of up to three columns, * included, on tables small enough for the
    oracle: the same (row, set) pairs."""
    rng = random.Random(18)
    for _trial in range(100):
        columns = [f"c{i}" for i in range(rng.randint(3, 7))]
        rows = [{c: rng.choice("abcd*" if rng.random() < 0.25 else "ab") for c in columns}
                for _ in range(rng.randint(6, 60))]
        codes = [gate._codes([r[c] for r in rows]) for c in columns]  # noqa: SLF001
        hits = msu.search([m for m, _r in codes], [r for _m, r in codes], 3)
        mine = {(row, tuple(columns[c] for c in combo if c >= 0))
                for row, combo in zip(hits.rows.tolist(), hits.combos.tolist(), strict=True)}
        assert mine == oracle(rows, columns)


def test_a_bounded_search_says_so_and_names_the_columns_it_covered() -> None:
    rows = planted()
    outcome = gate.repair(COLUMNS, rows, protected={"q"}, last_resort=set(), cells=1)
    assert outcome.bounded and outcome.complete_size == 2
    assert len(outcome.triple_columns) == 3  # the smallest width: one set of three
    assert msu.width_for(16, 5, 1) == 3 and msu.width_for(16, 5, 10**6) == 5


@pytest.fixture(scope="module")
def records() -> list:
    return list(generate(500, seed=7, author="kim", today=dt.date(2026, 11, 27)))


def _released(result: pipeline.Result) -> list[str]:
    return [c for c in result.columns if c != PSEUDONYM]


def test_a_release_holds_no_unique_of_up_to_three_columns(records: list) -> None:
    result = anonymize(records, columns=PROFILES["ilo_by_period_region"])
    assert result.gate is not None and result.gate.max_size == 3
    assert not result.gate.bounded
    assert result.gate.found > 0  # the gate had work to do
    assert oracle(result.rows, _released(result)) == set()


def test_control_a_release_with_the_triple_search_off_keeps_triple_uniques(
        records: list, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "GATE_SIZE", 2)
    result = anonymize(records, columns=PROFILES["ilo_by_period_region"])
    assert result.gate is not None and result.gate.max_size == 2
    left = oracle(result.rows, _released(result))
    assert left and all(len(combo) == 3 for _row, combo in left)
