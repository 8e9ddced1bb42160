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

from intake.exchange.analysis.anonymize import gate, msu, msu_search, pipeline
from intake.exchange.analysis.anonymize.columns import PSEUDONYM
from intake.exchange.analysis.anonymize.pipeline import anonymize
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.exchange.demo.generate import generate

STAR = "*"
_SMALL = msu._small  # noqa: SLF001


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
    """The repair alone (decoys, which hide more cells, are test_gate_decoys.py's)."""
    rows = planted()
    outcome = gate.repair(COLUMNS, rows, protected={"q"}, last_resort=set(), decoy=False)
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


def test_a_repair_leaves_no_unique_on_random_tables() -> None:
    """The searches after a repair look only around the values held by fewer rows since
    (no full search confirms): on random tables, the oracle finds no MSU in what the
    repair leaves, and the repair had work to do."""
    rng = random.Random(1818)
    repaired = 0
    for _trial in range(60):
        columns = [f"c{i}" for i in range(rng.randint(3, 7))]
        rows = [{c: rng.choice("abc" if rng.random() < 0.3 else "ab") for c in columns}
                for _ in range(rng.randint(8, 70))]
        outcome = gate.repair(columns, rows, protected=set(), last_resort=set())
        assert not outcome.refused and not outcome.bounded
        assert oracle(rows, columns) == set()
        repaired += outcome.repaired
    assert repaired > 100


def test_control_a_repair_blind_after_its_first_search_leaves_uniques(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: with the searches after a repair finding nothing, the same tables keep
    uniques the suppressions made (the oracle above can fail)."""
    monkeypatch.setattr(msu_search, "around", lambda *_a: ([], 0, False))
    monkeypatch.setattr(msu_search, "pairs_after", lambda *_a: [])
    monkeypatch.setattr(msu, "_small", lambda table, shielded, marked, size: [] if (
        marked is not None) else _SMALL(table, shielded, marked, size))
    monkeypatch.setattr(msu_search, "AROUND", 1e-30)  # never the whole search after a repair
    rng = random.Random(1818)
    left = 0
    for _trial in range(60):
        columns = [f"c{i}" for i in range(rng.randint(3, 7))]
        rows = [{c: rng.choice("abc" if rng.random() < 0.3 else "ab") for c in columns}
                for _ in range(rng.randint(8, 70))]
        gate.repair(columns, rows, protected=set(), last_resort=set())
        left += len(oracle(rows, columns))
    assert left > 0


def test_a_bounded_search_says_so_and_up_to_which_count_it_is_complete() -> None:
    """A budget of one cell: the search stops after the rarest values (held by 7 rows
    here, the planted unique's included), and says so; the values held by 8 rows start
    no search. The outcome is the last pass's (gate.LAST_PASS_FACTOR cells, still short):
    after the repair the rarest value is held by 6 rows."""
    rows = planted()
    outcome = gate.repair(COLUMNS, rows, protected={"q"}, last_resort=set(), cells=1)
    assert outcome.bounded and outcome.complete_size == 2 and outcome.triple_limit == 6
    assert outcome.found == 1 and oracle(rows, COLUMNS) == set()
    codes = [gate._codes([r[c] for r in planted()]) for c in COLUMNS]  # noqa: SLF001
    full = msu.search([m for m, _r in codes], [r for _m, r in codes], 3)
    cut = msu.search([m for m, _r in codes], [r for _m, r in codes], 3, cells=1)
    assert not full.bounded and full.limit is None and cut.limit == 7
    assert 0 < cut.spent < full.spent


def test_a_search_cut_short_misses_only_sets_of_more_common_values() -> None:
    """Control for the limit: an MSU whose rarest value is held by 7 rows, beside a value
    of another column held by 3, is missed by the search cut after the rarest values and
    found by the full one (which equals the oracle)."""
    rows = [{**row, "x": "b" if row["x"] == "a" else "a"} for row in planted()]
    for i, row in enumerate(rows):
        row["r"] = "u" if i % 5 == 0 else "v"  # held by 3 rows: the rarest value
    columns = [*COLUMNS, "r"]
    codes = [gate._codes([r[c] for r in rows]) for c in columns]  # noqa: SLF001
    matrix, radices = [m for m, _r in codes], [r for _m, r in codes]
    full = msu.search(matrix, radices, 3)
    cut = msu.search(matrix, radices, 3, cells=1)
    triples = lambda hits: {(r, tuple(c)) for r, c in zip(  # noqa: E731
        hits.rows.tolist(), hits.combos.tolist(), strict=True) if c[2] >= 0}
    assert cut.bounded and cut.limit == 3
    assert (0, (1, 2, 3)) in triples(full) and (0, (1, 2, 3)) not in triples(cut)
    assert {(r, tuple(c for c in combo if c >= 0)) for r, combo in zip(
        full.rows.tolist(), full.combos.tolist(), strict=True)} == {
        (r, tuple(columns.index(c) for c in combo)) for r, combo in oracle(rows, columns)}


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
