"""The final gate's searches keep their tables from one search to the next (msu_cache.py):
a search after a repair updates them for the cells made ``*`` since instead of building
them again from the matrix.

Checked as the gate uses it, on random tables (sizes, radices, ``*`` cells, protected
columns, sets of 1 to 3 columns, budgets that cut the triples short, the 0/1 matrix or
none, rows dropped whole): after each repair, the search with the repair's Memo gives
exactly what a search given the same Memo without its tables gives (rows, sets, cells
counted, bounded, limit, and the Memo after), and every kept table is the one a fresh
build makes. The guard: a cell changed without being listed, a wrong code before, another
shape or radices: built again. Controls: a stale table (the guard off) or a corrupted one
and the same comparisons fail.
"""

from __future__ import annotations

import dataclasses
import random
import sys

import numpy as np
import pytest

from intake.exchange.analysis.anonymize import msu, msu_cache, msu_dense, msu_search

Cell = tuple[int, int, int]


def _grid(rng: random.Random, n: int, m: int, top: int) -> tuple[np.ndarray, list[int]]:
    """Codes, column × row (as the gate's State.grid), a few ``*`` (the last code)."""
    radices = [rng.randint(2, top) + 1 for _ in range(m)]
    grid = np.zeros((m, n), dtype=np.int64)
    for col, radix in enumerate(radices):
        skew = rng.random()  # some columns mostly one value
        for row in range(n):
            grid[col, row] = 0 if rng.random() < skew else rng.randrange(radix - 1)
            if rng.random() < 0.05:
                grid[col, row] = radix - 1
    return grid, radices


def _key(hits: msu.Hits) -> tuple:
    order = np.lexsort((hits.combos[:, 2], hits.combos[:, 1], hits.combos[:, 0], hits.rows))
    return (hits.rows[order].tolist(), hits.combos[order].tolist(), hits.spent,
            hits.bounded, hits.limit)


def _memo_state(memo: msu.Memo) -> tuple:
    return memo.searched, memo.limit, memo.spent


def _same_tables(kept: msu_cache.Cached, grid: np.ndarray, radices: list[int]) -> None:
    """Every kept table is the one a fresh build of ``grid`` makes."""
    table = msu_search.table_of(grid.copy(), np.asarray(radices, dtype=np.int64))
    items = msu_search.items_of(table)
    for name in ("codes", "radices", "valid", "alone"):
        assert np.array_equal(getattr(kept.table, name), getattr(table, name)), name
    for name in ("ids", "codes", "rank", "counts", "offsets", "radices"):
        assert np.array_equal(getattr(kept.items, name), getattr(items, name)), name
    if kept.items.bitsets:
        assert np.array_equal(kept.items.bitsets[0], msu_search._bits(table, items))  # noqa: SLF001
    if kept.items.matrix:
        mine, fresh = kept.items.matrix[0], items.dense()
        assert (mine is None) == (fresh is None)
        if mine is not None and fresh is not None:
            for name in ("onehot", "where", "column", "rank", "held"):
                assert np.array_equal(getattr(mine, name), getattr(fresh, name)), name
            if mine.both:
                assert np.array_equal(mine.both[0], fresh.pairs())


def _cells(rng: random.Random, grid: np.ndarray, radices: list[int], hits: msu.Hits,
           protected: frozenset[int]) -> list[Cell]:
    """Cells made ``*`` as the gate makes them: mostly a cell of an MSU found, some at
    random, now and then a whole row (gate._drop_row); the code before of each."""
    m, n = grid.shape
    picks: list[tuple[int, int]] = []
    for _ in range(rng.randint(1, 12)):
        if hits.rows.size and rng.random() < 0.7:
            i = rng.randrange(hits.rows.size)
            picks.append((int(hits.rows[i]), rng.choice([c for c in hits.combos[i].tolist()
                                                          if c >= 0])))
        else:
            picks.append((rng.randrange(n), rng.randrange(m)))
    dropped = rng.random() < 0.15
    if dropped:
        row = rng.randrange(n)
        picks.extend((row, col) for col in range(m))
    out: list[Cell] = []
    for row, col in picks:
        star = radices[col] - 1
        if (col not in protected or dropped) and grid[col, row] != star:
            out.append((row, col, int(grid[col, row])))
            grid[col, row] = star
    return out


def _repairs(seed: int, n: int, m: int, top: int, size: int, budget: int,
             steps: int = 8, tables: bool = True) -> int:
    """Searches as gate.repair makes them; each checked against a search with the same
    Memo without its tables (and, with ``tables``, the kept tables against a fresh
    build). The searches that used the kept tables."""
    rng = random.Random(seed)
    grid, radices = _grid(rng, n, m, top)
    matrix = list(grid)  # views: a change shows in both, as in the gate
    protected = frozenset(c for c in range(m) if rng.random() < 0.25)
    memo = msu.Memo()
    hits = msu.search(matrix, radices, size, protected, None, budget, memo, None)
    reused = 0
    for _step in range(steps):
        suppressed = _cells(rng, grid, radices, hits, protected)
        touched = {c for _r, c, _o in suppressed}
        bare = dataclasses.replace(memo, tables=None)
        kept = memo.tables
        hits = msu.search(matrix, radices, size, protected, touched, budget, memo, suppressed)
        reused += memo.tables is kept
        fresh = msu.search(matrix, radices, size, protected, touched, budget, bare,
                           suppressed)
        assert _key(hits) == _key(fresh)
        assert _memo_state(memo) == _memo_state(bare)
        assert memo.tables is not None
        if tables:
            _same_tables(memo.tables, grid, radices)
    return reused


@pytest.mark.parametrize(("n", "m", "top"), [(12, 3, 2), (40, 5, 3), (120, 8, 4),
                                             (300, 10, 6), (600, 14, 12)])
@pytest.mark.parametrize("size", [1, 2, 3])
def test_the_kept_tables_search_as_a_fresh_build(n: int, m: int, top: int, size: int
                                                 ) -> None:
    for seed in range(3):
        reused = _repairs(seed * 101 + n + size, n, m, top, size, 1 << 40)
        assert reused >= 6  # the kept tables were used, not built again


@pytest.mark.parametrize("budget", [50, 2_000, 40_000])
def test_a_search_cut_short_keeps_its_limit_with_the_kept_tables(budget: int) -> None:
    for seed in range(4):
        _repairs(seed + budget, 400, 12, 5, 3, budget)


@pytest.mark.parametrize("short", [None, 1, 4])
def test_counting_cells_or_a_matrix_that_comes_to_fit(monkeypatch: pytest.MonkeyPatch,
                                                      short: int | None) -> None:
    """Without the 0/1 matrix (too large: None), or with one that fits only once
    ``short`` values are held by fewer than two rows (kept as None, then built)."""
    for seed in range(4):
        n, m, top = 150, 10, 30
        grid, radices = _grid(random.Random(seed), n, m, top)  # as _repairs draws it
        table = msu_search.table_of(grid, np.asarray(radices, dtype=np.int64))
        dense = msu_search.items_of(table).dense()
        assert dense is not None
        with monkeypatch.context() as patch:
            patch.setattr(msu_dense, "LIMIT", 0 if short is None else
                          n * (dense.held.size - short))
            _repairs(seed, n, m, top, 3, 1 << 40, steps=12)


def _small() -> tuple[np.ndarray, list[int], msu.Memo]:
    grid = np.asarray([[0, 0, 1, 1, 1], [0, 1, 0, 1, 0]], dtype=np.int64)
    radices = [3, 3]  # ``*`` is 2
    memo = msu.Memo()
    msu.search(list(grid), radices, 2, memo=memo)
    return grid, radices, memo


def _both(grid: np.ndarray, radices: list[int], memo: msu.Memo,
          suppressed: list[Cell] | None, matrix: list[np.ndarray] | None = None
          ) -> tuple[tuple, tuple]:
    matrix = list(grid) if matrix is None else matrix
    bare = dataclasses.replace(memo, tables=None)
    touched = {0, 1}
    return (_key(msu.search(matrix, radices, 2, frozenset(), touched, 1 << 40, memo,
                            suppressed)),
            _key(msu.search(matrix, radices, 2, frozenset(), touched, 1 << 40, bare,
                            suppressed)))


def test_a_cell_changed_without_being_listed_is_caught_by_the_guard() -> None:
    grid, radices, memo = _small()
    grid[0, 0] = 2  # not listed
    mine, fresh = _both(grid, radices, memo, [])
    assert mine == fresh and fresh[0] == [1]  # row 1 alone on column 0


@pytest.mark.parametrize("wrong", ["code before", "twice", "row outside", "column outside",
                                   "unlisted", "one unlisted", "rows", "columns", "radices",
                                   "no list"])
def test_a_list_that_does_not_fit_the_kept_tables_builds_them_again(wrong: str) -> None:
    grid, radices, memo = _small()
    kept = memo.tables
    assert kept is not None
    codes = kept.table.codes.copy()
    grid[0, 0] = 2
    if wrong == "one unlisted":
        grid[1, 1] = 2
    suppressed: list[Cell] | None = {
        "code before": [(0, 0, 1)], "twice": [(0, 0, 0), (0, 0, 0)],
        "row outside": [(0, 0, 0), (5, 0, 0)], "column outside": [(0, 0, 0), (0, 2, 0)],
        "unlisted": [], "no list": None}.get(wrong, [(0, 0, 0)])
    if wrong == "rows":
        grid = np.concatenate([grid, [[1], [1]]], axis=1)
    elif wrong == "columns":
        grid, radices = np.concatenate([grid, [[1] * 5]]), [*radices, 3]
    elif wrong == "radices":
        radices = [4, 3]
        grid[0, 0] = 3
    msu_cache.tables(list(grid), radices, memo, suppressed)
    assert np.array_equal(kept.table.codes, codes)  # left as it was
    assert memo.tables is not kept  # built again
    assert memo.tables is not None
    _same_tables(memo.tables, grid, radices)


def test_a_cell_listed_as_it_was_changes_nothing() -> None:
    grid, radices, memo = _small()
    kept = memo.tables
    grid[0, 0] = 2
    mine, fresh = _both(grid, radices, memo, [(0, 0, 0), (0, 0, 2)])
    assert mine == fresh
    assert memo.tables is kept is not None
    _same_tables(kept, grid, radices)


def test_control_a_stale_table_without_the_guard_gives_another_search(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(msu_cache, "GUARD", False)
    grid, radices, memo = _small()
    grid[0, 0] = 2  # not listed
    mine, fresh = _both(grid, radices, memo, [])
    assert mine != fresh


def test_control_a_stale_table_on_random_tables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison of :func:`_repairs` fails when one cell of each repair goes
    unlisted and the guard is off."""
    monkeypatch.setattr(msu_cache, "GUARD", False)
    cells = _cells

    def unlisted(*args: object) -> list[Cell]:
        out = cells(*args)  # type: ignore[arg-type]
        return out[1:] if len(out) > 1 else out

    monkeypatch.setattr(sys.modules[__name__], "_cells", unlisted)
    failed = 0
    for seed in range(6):
        try:
            _repairs(seed, 200, 8, 4, 3, 1 << 40, tables=False)
        except AssertionError:
            failed += 1
    assert failed >= 4


def test_control_a_corrupted_table_gives_another_search() -> None:
    grid, radices, memo = _small()
    assert memo.tables is not None
    memo.tables.table.alone[1, 1] = True  # as if row 1 were alone on column 1
    mine, fresh = _both(grid, radices, memo, [])
    assert mine != fresh
