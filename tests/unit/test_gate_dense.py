"""Issue 18: the final gate's search of three-value sets by matrix product (msu_dense.py),
its bounds, the search after a repair restricted to the sets holding a value made rarer,
and the last pass of the repair within the larger budget.

Each is checked against the itertools oracle of test_gate_triples.py on random tables, and
each has a control: the same check with the rule made unsound (a bound one too tight, the
restriction blind) fails — so the comparisons can fail.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from test_gate_triples import COLUMNS, oracle, planted

from intake.exchange.analysis.anonymize import blas, gate, msu, msu_dense, msu_search


def _tables(seed: int, trials: int, stars: bool = True) -> list[tuple[list[str], list[dict]]]:
    rng = random.Random(seed)
    out = []
    for _trial in range(trials):
        columns = [f"c{i}" for i in range(rng.randint(3, 7))]
        pool = "abcd*" if stars else "abc"
        rows = [{c: rng.choice(pool if rng.random() < 0.3 else "ab") for c in columns}
                for _ in range(rng.randint(6, 70))]
        out.append((columns, rows))
    return out


def _found(columns: list[str], rows: list[dict], **options: object) -> set:
    codes = [gate._codes([r[c] for r in rows]) for c in columns]  # noqa: SLF001
    hits = msu.search([m for m, _r in codes], [r for _m, r in codes], 3, **options)  # type: ignore[arg-type]
    return {(row, tuple(columns[c] for c in combo if c >= 0))
            for row, combo in zip(hits.rows.tolist(), hits.combos.tolist(), strict=True)}


def _mismatches(seed: int = 7, trials: int = 80) -> int:
    return sum(_found(c, r) != oracle(r, c) for c, r in _tables(seed, trials))


def test_the_products_are_used_and_match_the_oracle(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    project = msu_dense.project
    monkeypatch.setattr(msu_dense, "project", lambda *a, **k: calls.append(1) or project(
        *a, **k))
    assert _mismatches() == 0
    assert len(calls) > 100  # the projections went through the products


def test_counting_cells_when_the_matrix_is_too_large_matches_the_oracle(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(msu_dense, "LIMIT", 0)  # no matrix: msu_search counts cells
    calls = []
    leaf = msu_search._leaf  # noqa: SLF001
    monkeypatch.setattr(msu_search, "_leaf", lambda *a: calls.append(1) or leaf(*a))
    assert _mismatches() == 0
    assert calls


@pytest.mark.parametrize("wrong", ["z held by f − 2", "y held by half − 1"])
def test_control_a_bound_one_too_tight_loses_msus(monkeypatch: pytest.MonkeyPatch,
                                                  wrong: str) -> None:
    """Control for the bounds on y and z among the f rows of a projection: one notch
    tighter than proven, the search finds fewer MSUs than the oracle."""
    def chosen(dense: msu_dense.Dense, f: int, item: int, pivot: int, floor: int,
               rare: int | None) -> tuple[np.ndarray, np.ndarray]:
        g = dense.pairs()[dense.where[item]]
        top = f - 2 if wrong.startswith("z") else f - 1
        ok = (g >= 2) & (g <= top) & (dense.rank > floor) & (dense.column != pivot)
        zs = np.flatnonzero(ok)
        half = 2 * g[zs] <= f + 1 - (2 if wrong.startswith("y") else 0)
        return zs, np.flatnonzero(half if rare is None else dense.held[zs] <= rare)

    monkeypatch.setattr(msu_dense, "chosen", chosen)
    assert _mismatches() > 0


def _repaired(seed: int) -> tuple[int, int]:
    """(uniques the oracle finds after the repairs, cells repaired) over random tables."""
    left = repaired = 0
    for columns, rows in _tables(seed, 60, stars=False):
        outcome = gate.repair(columns, rows, protected=set(), last_resort=set())
        left += len(oracle(rows, columns))
        repaired += outcome.repaired
    return left, repaired


def test_searches_after_a_repair_restricted_to_values_made_rarer_leave_no_unique(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole search after a repair looks only at sets holding a value held by fewer
    rows since (around() is made to defer to it here): the oracle finds nothing left."""
    monkeypatch.setattr(msu_search, "around", lambda *_a: None)
    left, repaired = _repaired(1818)
    assert left == 0 and repaired > 100


def test_control_a_blind_restriction_leaves_uniques(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(msu_search, "around", lambda *_a: None)
    touching = msu_search._touching  # noqa: SLF001
    monkeypatch.setattr(msu_search, "_touching", lambda items, lowered: (
        None if (mask := touching(items, lowered)) is None else np.zeros_like(mask)))
    left, _repaired_cells = _repaired(1818)
    assert left > 0


def _missed_by_the_first_pass() -> tuple[list[str], list[dict], int, int]:
    """test_gate_triples' table whose MSU (row 0 on x, y, z) has its rarest value held by 7
    rows, beside a value held by 3; a budget that stops the first search before it (after
    the value held by 3), and the factor that makes the last pass's budget enough for the
    whole search."""
    rows = [{**row, "x": "b" if row["x"] == "a" else "a"} for row in planted()]
    for i, row in enumerate(rows):
        row["r"] = "u" if i % 5 == 0 else "v"
    columns = [*COLUMNS, "r"]
    codes = [gate._codes([r[c] for r in rows]) for c in columns]  # noqa: SLF001
    matrix, radices = [m for m, _r in codes], [r for _m, r in codes]
    full = msu.search(matrix, radices, 3)
    cut = msu.search(matrix, radices, 3, cells=1)
    assert cut.bounded and cut.limit == 3 and (0, (1, 2, 3)) not in {
        (r, tuple(c)) for r, c in zip(cut.rows.tolist(), cut.combos.tolist(), strict=True)}
    assert (0, ("x", "y", "z")) in oracle(rows, columns)
    return columns, rows, cut.spent, -(-full.spent // cut.spent)


def test_the_last_pass_finds_what_the_bounded_repair_missed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    columns, rows, cells, factor = _missed_by_the_first_pass()
    monkeypatch.setattr(gate, "LAST_PASS_FACTOR", factor)
    outcome = gate.repair(columns, rows, protected={"q"}, last_resort=set(), cells=cells)
    assert not outcome.bounded and outcome.triple_limit is None
    assert outcome.complete_size == 3 and outcome.repaired > 0
    assert oracle(rows, columns) == set()


def test_control_without_the_last_pass_the_msu_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: with a last pass that searches no set of three (a budget of 0 cells), the
    repair stops where the first search's budget left it, and the MSU stays."""
    columns, rows, cells, _factor = _missed_by_the_first_pass()
    monkeypatch.setattr(gate, "LAST_PASS_FACTOR", 0)
    outcome = gate.repair(columns, rows, protected={"q"}, last_resort=set(), cells=cells)
    assert outcome.bounded
    assert (0, ("x", "y", "z")) in oracle(rows, columns)


def test_blas_runs_on_one_thread_inside_the_gate_and_is_given_back() -> None:
    pools = blas.controller().select(user_api="blas")
    if not pools.lib_controllers:
        pytest.skip("no BLAS that threadpoolctl knows is loaded")
    with pools.limit(limits=2):
        assert {p["num_threads"] for p in pools.info()} == {2}  # control: 2 outside
        with blas.one_thread():
            assert {p["num_threads"] for p in blas.controller().select(
                user_api="blas").info()} == {1}
        assert {p["num_threads"] for p in blas.controller().select(
            user_api="blas").info()} == {2}
