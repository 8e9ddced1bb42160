"""The tables of one repair's searches (msu.py), kept from one search to the next.

A search derives from the matrix its table (msu_search.table_of), its items
(msu_search.items_of) and, once asked for, the items' bitsets and 0/1 matrix with its
product (msu_dense.py): about 20 ms at 10,000 demo testimonies releasing every column,
while a search after a repair differs from the last only by the cells made ``*`` since
(``suppressed``: (row, column, code before)), tens of cells. So the repair's Memo keeps
them, and the next search updates them for those cells only: the codes, ``valid``, the
items and their counts, ``alone`` and the rank in the columns that changed, the bitsets,
and the 0/1 matrix (its product by the rows that changed; the values now held by fewer
than two rows taken out). Each is then as a fresh build makes it
(tests/unit/test_msu_incremental.py).

Built again from the matrix instead: without a Memo's tables or ``suppressed``, for
another shape or other radices, when a cell's code before is not the one kept (or a cell
is listed twice), and when the kept codes, updated, are not the matrix's (GUARD: every
cell compared, under 1 ms: a cell changed without being listed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize import msu_dense
from intake.exchange.analysis.anonymize.msu_search import Items, Memo, Table, items_of, table_of

Ids = npt.NDArray[np.int64]

#: Compare every kept code with the matrix before the kept tables are used (tests turn
#: it off to show that the comparison of the searches would catch a stale table).
GUARD = True


@dataclass
class Cached:
    """The tables of the last search of a Memo (msu_search.Memo.tables)."""

    table: Table
    items: Items


def tables(matrix: Sequence[Ids], radices: Sequence[int], memo: Memo,
           suppressed: list[tuple[int, int, int]] | None) -> tuple[Table, Items]:
    """The table and items of ``matrix``: the memo's, updated for the cells ``suppressed``
    since its last search, or built afresh (and kept in the memo)."""
    radix = np.asarray(radices, dtype=np.int64)
    kept, memo.tables = memo.tables, None  # none while it is being changed
    if kept is not None and suppressed is not None and _update(kept, matrix, radix,
                                                               suppressed):
        memo.tables = kept
        return kept.table, kept.items
    table = table_of(np.stack([np.asarray(column, dtype=np.int64) for column in matrix]),
                     radix)
    items = items_of(table)
    memo.tables = Cached(table, items)
    return table, items


def _update(kept: Cached, matrix: Sequence[Ids], radix: Ids,
            suppressed: list[tuple[int, int, int]]) -> bool:
    """Update ``kept`` for the cells made ``*`` (False, ``kept`` unchanged, when it cannot
    be: see the module's docstring)."""
    table = kept.table
    m, n = table.codes.shape
    if len(matrix) != m or radix.shape != table.radices.shape or \
            not np.array_equal(radix, table.radices):
        return False
    cells = np.asarray(suppressed, dtype=np.int64).reshape(-1, 3)
    rs, cs, olds = cells[:, 0], cells[:, 1], cells[:, 2]
    if ((rs < 0) | (rs >= n) | (cs < 0) | (cs >= m)).any():
        return False
    star = radix - 1
    change = olds != star[cs]  # a cell listed as ``*`` before: the guard checks it is
    rs, cs, olds = rs[change], cs[change], olds[change]
    if np.unique(cs * n + rs).size != rs.size or (table.codes[cs, rs] != olds).any():
        return False
    table.codes[cs, rs] = star[cs]
    if GUARD and not all(_same(np.asarray(column), table.codes[i])
                         for i, column in enumerate(matrix)):
        table.codes[cs, rs] = olds  # as it was (another memo may hold the same tables)
        return False
    if rs.size:
        _apply(table, kept.items, rs, cs, olds)
    return True


def _same(column: Ids, kept: Ids) -> bool:
    return column.shape == kept.shape and bool((column == kept).all())


def _apply(table: Table, items: Items, rs: Ids, cs: Ids, olds: Ids) -> None:
    """The tables' update for cells (``rs``, ``cs``) made ``*`` from ``olds`` (the codes
    already updated)."""
    m = table.codes.shape[0]
    star = table.radices[cs] - 1
    table.valid[cs, rs] = False
    before = items.offsets[cs] + olds  # the items that lost a row
    after = items.offsets[cs] + star
    items.ids[rs, cs] = after
    items.codes[rs, cs] = star
    lost = np.unique(before)
    was = items.counts[lost]
    np.subtract.at(items.counts, before, 1)
    np.add.at(items.counts, after, 1)
    now = items.counts[lost]
    cols = np.unique(cs)  # their rank and ``alone`` again (quicker than their rows')
    held = items.counts[table.codes[cols] + items.offsets[cols, None]]  # column × row
    valid = table.valid[cols]
    rank = held * m + cols[:, None]
    rank[~valid] = -1
    items.rank[:, cols] = rank.T
    table.alone[cols] = (held == 1) & valid
    if items.bitsets:
        bit = np.left_shift(1, rs % 8).astype(np.uint8)
        packed = items.bitsets[0].view(np.uint8)
        np.bitwise_xor.at(packed, (before, rs // 8), bit)
        np.bitwise_xor.at(packed, (after, rs // 8), bit)
    if items.matrix:
        dense = items.matrix[0]
        if dense is None:  # too large: may fit now if a value is no longer kept
            if ((was >= 2) & (now < 2)).any():
                items.matrix.clear()
        else:
            items.matrix[0] = _dense(dense, items, rs, before)


def _dense(dense: msu_dense.Dense, items: Items, rs: Ids, before: Ids
           ) -> msu_dense.Dense | None:
    """The 0/1 matrix (msu_dense.dense_of) after rows ``rs`` lost items ``before``
    (``items.counts`` updated): those cells cleared, the product updated by the rows
    that changed, and the values held by fewer than two rows since taken out."""
    keep = np.flatnonzero(dense.where >= 0)  # the values, in order
    j = dense.where[before]
    rs, j = rs[j >= 0], j[j >= 0]  # a value held by one row was not there
    if j.size:
        rows, cols = np.unique(rs), np.unique(j)
        if 2 * rows.size * cols.size > dense.onehot.shape[0] * dense.held.size:
            dense.both.clear()  # the product again costs less than its update
        old = dense.onehot[rows].astype(np.float32) if dense.both else None
        dense.onehot[rs, j] = 0
        if old is not None:  # AᵀA − A'ᵀA', A' = A − E: A'ᵀE + EᵀA' + EᵀE (exact: integers)
            new = dense.onehot[rows].astype(np.float32)
            gone = old[:, cols] - new[:, cols]
            across = new.T @ gone
            both = dense.both[0]
            both[:, cols] -= across
            both[cols, :] -= across.T
            both[np.ix_(cols, cols)] -= gone.T @ gone
    m = items.ids.shape[1]
    dense.held = items.counts[keep]
    dense.rank = dense.held * m + dense.column
    stay = np.flatnonzero(dense.held >= 2)
    if stay.size == keep.size:
        return dense
    if not stay.size:
        return None
    where = np.full(dense.where.size, -1, dtype=np.int64)
    where[keep[stay]] = np.arange(stay.size)
    product = [b[np.ix_(stay, stay)] for b in dense.both]
    return msu_dense.Dense(dense.onehot[:, stay], where, dense.column[stay],
                           dense.rank[stay], dense.held[stay], product)
