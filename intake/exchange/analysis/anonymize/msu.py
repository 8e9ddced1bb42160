"""Minimal sample uniques (MSUs) of sizes 1 to 3 over a codes matrix, for the final gate.

Definitions as in SUDA (Elliot, Manning, Ford 2002, "A computational algorithm for
handling the special uniques problem", IJUFKS 10(5)) and its successor SUDA2 (Manning,
Haglin, Keane 2008, "A recursive search algorithm for statistical disclosure assessment",
DMKD 16(2)), which sdcMicro's ``suda2()`` and the Java library de.linearbits.suda2
implement, and the issue asks for: a sample unique is a combination of values held by one
row only; it is minimal (an MSU) when no proper subset of it is unique. Here a set of
columns is an MSU of a row when the row is the only one holding its values on the set and on no
proper subset of it. ``*`` (the last code of a column) is no value: a row with ``*`` in a
column never matches nor is unique on a set holding the column.

Sets of one and two columns: one vectorized count per column over every other column.
Sets of three, and the searches after a repair: msu_search.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize import blas, msu_cache, msu_dense
from intake.exchange.analysis.anonymize import msu_search as proj
from intake.exchange.analysis.anonymize.msu_search import Memo, Table, counts_of

__all__ = ["Hits", "Memo", "first", "search"]

Ids = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass
class Hits:
    """Every MSU found: ``rows[i]`` is alone on columns ``combos[i]`` (ascending, ``-1``
    padded to 3); ``spent``: cells counted for triples; ``bounded``: the triples' search
    stopped at its budget, complete only for sets whose rarest value is held by at most
    ``limit`` rows."""

    rows: Ids
    combos: Ids
    spent: int = 0
    bounded: bool = False
    limit: int | None = None


def _small(table: Table, shielded: Mask, marked: Mask | None, max_size: int
           ) -> list[tuple[Ids, Ids]]:
    """MSUs of one and two columns, as (rows, combos) chunks (with ``marked``, only sets
    holding a marked column)."""
    m = table.codes.shape[0]
    out: list[tuple[Ids, Ids]] = []
    for col in range(m):
        if not shielded[col] and (marked is None or marked[col]):
            rows = np.flatnonzero(table.alone[col])
            out.append((rows, np.tile([col, -1, -1], (rows.size, 1))))
    for a in range(m - 1 if max_size >= 2 else 0):
        cols = np.arange(a + 1, m)
        cols = cols[~(shielded[a] & shielded[cols])]
        if marked is not None and not marked[a]:
            cols = cols[marked[cols]]
        if not cols.size:
            continue
        radix = table.radices[cols]
        space = int(table.radices[a])
        offsets = np.concatenate(([0], np.cumsum(space * radix)[:-1]))
        keys = offsets[:, None] + table.codes[a][None, :] * radix[:, None] + table.codes[cols]
        counts = counts_of(keys.ravel(), int(space * radix.sum())).reshape(keys.shape)
        hit = (counts == 1) & table.valid[cols] & table.valid[a]
        hit &= ~table.alone[a] & ~table.alone[cols]
        if hit.any():
            at, rows = np.nonzero(hit)
            out.append((rows, np.stack([np.full(at.size, a), cols[at],
                                        np.full(at.size, -1)], axis=1)))
    return out


def _minimal(candidates: list[Ids], pairs: list[tuple[Ids, Ids]], shielded: Mask, m: int
             ) -> tuple[Ids, Ids]:
    """The candidates that are MSUs: sorted, once each, not of shielded columns only, and
    none of whose pairs is itself unique (a pair MSU of this search: x's pairs are shared
    by construction, and a pair unique at an earlier search of the repair was repaired
    then, so a pair (y, z) unique now holds a column touched since, searched now)."""
    found = np.concatenate(candidates)
    found[:, 1:] = np.sort(found[:, 1:], axis=1)
    if (int(found[:, 0].max()) + 1) * m ** 3 < 1 << 62:  # one number per candidate
        key = ((found[:, 0] * m + found[:, 1]) * m + found[:, 2]) * m + found[:, 3]
        found = found[np.unique(key, return_index=True)[1]]
    else:
        found = np.unique(found, axis=0)
    found = found[~(shielded[found[:, 1]] & shielded[found[:, 2]] & shielded[found[:, 3]])]
    two = [c for rows, c in pairs if c.size and c[0, 1] >= 0]
    if two:
        rows = np.concatenate([r for r, c in pairs if c.size and c[0, 1] >= 0])
        combos = np.concatenate(two)
        known = (rows * m + combos[:, 0]) * m + combos[:, 1]
        for b, c in ((1, 2), (1, 3), (2, 3)):
            found = found[~np.isin((found[:, 0] * m + found[:, b]) * m + found[:, c], known)]
    return found[:, 0], np.asarray(found[:, 1:], dtype=np.int64)


def search(matrix: Sequence[Ids], radices: Sequence[int], max_size: int,
           protected: frozenset[int] = frozenset(), touched: set[int] | None = None,
           cells: int = 1 << 62, memo: Memo | None = None,
           suppressed: list[tuple[int, int, int]] | None = None) -> Hits:
    """Every MSU of up to ``max_size`` (≤ 3) columns, except sets of ``protected`` columns
    only and, with ``touched``, sets holding none of those columns. The search of triples
    counts at most about ``cells`` cells (rarest values first; ``bounded`` and ``limit``
    when cut short). A ``memo`` carries the limit from one search of the same rows to the
    next, and its tables (msu_cache.py); ``suppressed``, with ``touched``: the (row,
    column, code) of every cell made ``*`` since the last search (a set newly unique held
    one of their values; the kept tables are updated for those cells only)."""
    if max_size > 3:
        raise ValueError("the gate searches sets of at most 3 columns")
    with blas.one_thread():
        return _search(matrix, radices, max_size, protected, touched, cells, memo, suppressed)


def _search(matrix: Sequence[Ids], radices: Sequence[int], max_size: int,
            protected: frozenset[int], touched: set[int] | None, cells: int,
            memo: Memo | None, suppressed: list[tuple[int, int, int]] | None) -> Hits:
    empty = Hits(np.zeros(0, dtype=np.int64), np.zeros((0, 3), dtype=np.int64))
    if not len(matrix) or max_size < 1:
        return empty
    memo = memo if memo is not None else Memo()
    table, items = msu_cache.tables(matrix, radices, memo, suppressed)  # kept, or built
    m = table.codes.shape[0]
    shielded = np.asarray([i in protected for i in range(m)], dtype=np.bool_)
    marked = None if touched is None else np.asarray([i in touched for i in range(m)])
    lowered = None if suppressed is None else {(c, old) for _r, c, old in suppressed}
    if suppressed is not None and marked is not None and max_size >= 2:
        chunks = _small(table, shielded, marked, 1)
        chunks += proj.pairs_after(table, items, shielded, suppressed)
    elif marked is None and max_size >= 2 and (dense := items.dense()) is not None:
        chunks = _small(table, shielded, None, 1)  # pairs: by matrix product
        chunks.append(msu_dense.pairs(dense, shielded))
    else:  # after a repair of many common values: every pair with a touched column
        chunks = _small(table, shielded, marked, max_size)
    spent, bounded = 0, False
    if max_size >= 3:
        starts = proj.starts_of(items, table)
        near = None
        if lowered is not None and marked is not None and memo.searched:
            near = proj.around(table, items, lowered, memo)
        if near is not None:
            candidates, spent, bounded = near
        else:  # fewer cells to count from the rarest values: the whole search
            candidates, spent, bounded = proj.triples(table, items, starts, cells, memo,
                                                      lowered if memo.searched else None)
            memo.spent = memo.spent or spent
        memo.searched = True
        if candidates:
            rows, combos = _minimal(candidates, chunks, shielded, m)
            chunks.append((rows, combos))
    if not chunks:
        return Hits(empty.rows, empty.combos, spent, bounded, memo.limit)
    rows = np.concatenate([c[0] for c in chunks]).astype(np.int64)
    combos = np.concatenate([c[1] for c in chunks]).astype(np.int64)
    return Hits(rows, combos, spent, bounded, memo.limit)


def first(hits: Hits) -> dict[int, tuple[int, ...]]:
    """Row → its first MSU: the smallest, then the first in column order."""
    size = (hits.combos >= 0).sum(axis=1)
    at = np.lexsort((hits.combos[:, 2], hits.combos[:, 1], hits.combos[:, 0], size,
                     hits.rows))
    out: dict[int, tuple[int, ...]] = {}
    for i in at.tolist():
        row = int(hits.rows[i])
        if row not in out:
            out[row] = tuple(int(c) for c in hits.combos[i] if c >= 0)
    return out
