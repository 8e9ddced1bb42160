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

Vectorized: every pair of columns is one count over all rows (each column's codes offset
past the last's); for triples, one count per pair (a, b) over every third column c > b at
once, on the rows that share (a, b) with another row (only they can match, or be minimal
on, a set holding both). So a full search of triples counts about n × C(m, 3) cells: it is
bounded by ``cells`` per search (the gate's TRIPLE_CELLS): triples are then searched among
the columns with the most cells holding a rare value only (a column whose values are all
frequent is the last to be searched), and ``Hits.bounded`` says so. Sets of one and two
columns are always searched over every column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]


@dataclass
class Hits:
    """Every MSU found: ``rows[i]`` is alone on columns ``combos[i]`` (ascending, ``-1``
    padded to 3); ``spent``: cells counted for triples; ``bounded``: triples were searched
    among some of the columns only."""

    rows: Ids
    combos: Ids
    spent: int = 0
    bounded: bool = False
    covered: list[int] | None = None  # the columns the triples were searched among


def _counts_of(keys: Ids, space: int) -> Ids:
    """How many rows hold each row's key (keys below ``space``)."""
    if space <= 1 << 23:
        return np.bincount(keys, minlength=space)[keys]
    _u, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse.reshape(-1)]


@dataclass
class _Table:
    codes: npt.NDArray[np.int64]  # column × row
    radices: Ids
    valid: Mask  # not ``*``
    alone: Mask  # unique on the column
    #: [a, b], a < b < width: unique on the pair (minimal or not), for the triples' search
    pair_alone: Mask


def _batch(table: _Table, key: Ids, space: int, cols: Ids | slice) -> Mask:
    """For each column of ``cols``, which rows are alone on (``key``, that column);
    ``key`` is below ``space`` (rows that take no part hold ``space - 1``, counted, not
    asked)."""
    radix = table.radices[cols]
    offsets = np.concatenate(([0], np.cumsum(space * radix)[:-1]))
    keys = offsets[:, None] + key[None, :] * radix[:, None] + table.codes[cols]
    counts = _counts_of(keys.ravel(), int(space * radix.sum())).reshape(keys.shape)
    return (counts == 1) & table.valid[cols]


@dataclass
class Memo:
    """What one repair's searches share: the column order and the triples' width (fixed
    at the first search, so every search covers the same columns), and the pairs' uniques
    among those columns (a pair neither of whose columns was touched keeps its counts)."""

    order: Ids | None = None
    width: int = 0
    pair_alone: Mask | None = None


def _table(codes: npt.NDArray[np.int64], radices: Ids, width: int, memo: Memo) -> _Table:
    m, n = codes.shape
    valid = codes != (radices - 1)[:, None]
    alone = np.stack([_counts_of(c, int(r)) == 1 for c, r in zip(codes, radices, strict=True)])
    alone &= valid
    if memo.pair_alone is None or memo.pair_alone.shape != (width, width, n):
        memo.pair_alone = np.zeros((width, width, n), dtype=np.bool_)
    return _Table(codes, radices, valid, alone, memo.pair_alone)


def _small(table: _Table, shielded: Mask, marked: Mask | None, max_size: int, width: int,
           fresh: bool) -> list[tuple[Ids, Ids]]:
    """MSUs of one and two columns, as (rows, combos) chunks; fills ``pair_alone`` for
    the ``width`` first columns on the way (when not ``fresh``, only the pairs that hold a
    ``marked`` column: the others' counts have not changed)."""
    m = table.codes.shape[0]
    out: list[tuple[Ids, Ids]] = []
    for col in range(m):
        if not shielded[col] and (marked is None or marked[col]):
            rows = np.flatnonzero(table.alone[col])
            out.append((rows, np.tile([col, -1, -1], (rows.size, 1))))
    for a in range(m - 1 if max_size >= 2 else 0):
        others = np.arange(a + 1, m)
        asked = ~(shielded[a] & shielded[others])
        if marked is not None and not marked[a]:
            asked &= marked[others]
        block = others < width
        if not fresh and marked is not None:
            block &= marked[a] | marked[others]
        cols = others[asked | block] if a < width else others[asked]
        if not cols.size:
            continue
        pair = _batch(table, table.codes[a], int(table.radices[a]), cols) & table.valid[a]
        inside = cols < width
        if a < width and inside.any():
            table.pair_alone[a, cols[inside]] = pair[inside]
        wanted = asked[cols - a - 1]
        hit = pair[wanted] & ~table.alone[a] & ~table.alone[cols[wanted]]
        if not hit.any():
            continue
        at, rows = np.nonzero(hit)
        out.append((rows, np.stack([np.full(at.size, a), cols[wanted][at],
                                    np.full(at.size, -1)], axis=1)))
    return out


def _triples(table: _Table, shielded: Mask, marked: Mask | None, width: int
             ) -> tuple[list[tuple[Ids, Ids]], int]:
    """MSUs of three of the first ``width`` columns, and the cells counted."""
    m, n = width, table.codes.shape[1]
    out: list[tuple[Ids, Ids]] = []
    spent = 0
    # dead[x, c]: a row unique on c, or on {x, c}, or with * in c, is never minimal there
    dead = table.pair_alone | (table.alone[:m] | ~table.valid[:m])[None, :, :]
    for a in range(m - 2):
        for b in range(a + 1, m - 1):
            others = np.arange(b + 1, m)
            keep = ~(shielded[a] & shielded[b] & shielded[others])
            if marked is not None and not (marked[a] or marked[b]):
                keep &= marked[others]
            others = others[keep]
            share = (table.valid[a] & table.valid[b] & ~table.alone[a] & ~table.alone[b]
                     & ~table.pair_alone[a, b])
            if not others.size or np.count_nonzero(share) < 2:
                continue
            spent += n * others.size
            space = int(table.radices[a] * table.radices[b]) + 1
            key = np.where(share, table.codes[a] * table.radices[b] + table.codes[b],
                           space - 1)
            hit = _batch(table, key, space, others) & share
            hit &= ~(dead[a, others] | dead[b, others])
            if hit.any():
                at, rows = np.nonzero(hit)
                out.append((rows, np.stack([np.full(at.size, a), np.full(at.size, b),
                                            others[at]], axis=1)))
    return out, spent


def width_for(n: int, m: int, cells: int) -> int:
    """How many columns the search of triples covers: the most whose n × C(w, 3) cells
    fit in ``cells`` (all ``m`` when they fit)."""
    width = 3
    while width < m and n * (width + 1) * width * (width - 1) // 6 <= cells:
        width += 1
    return min(width, m)


def _risk_order(matrix: Sequence[Ids], radices: Sequence[int]) -> Ids:
    """Columns by their cells holding a rare value (≤ 1 % of the rows; ``*`` never),
    most first, then by their number of values: a column whose values are all frequent
    comes last (SUDA's observation that MSUs are made of rare values)."""
    rare = []
    for column, radix in zip(matrix, radices, strict=True):
        counts = np.bincount(np.asarray(column), minlength=radix)
        counts[radix - 1] = 0
        per_row = counts[column]
        rare.append(int(np.count_nonzero((per_row > 0) & (per_row * 100 <= len(column)))))
    return np.lexsort((-np.asarray(radices), -np.asarray(rare))).astype(np.int64)


def search(matrix: Sequence[Ids], radices: Sequence[int], max_size: int,
           protected: frozenset[int] = frozenset(), touched: set[int] | None = None,
           cells: int = 1 << 62, memo: Memo | None = None) -> Hits:
    """Every MSU of up to ``max_size`` (≤ 3) columns, except sets of ``protected`` columns
    only and, with ``touched``, sets holding none of those columns. Triples are searched
    among the :func:`width_for` columns first in :func:`_risk_order` (``bounded`` when
    that is not all of them). A ``memo`` carries the order and the pairs' uniques from one
    search to the next of the same rows (``touched``: the columns changed since)."""
    if max_size > 3:
        raise ValueError("the gate searches sets of at most 3 columns")
    empty = Hits(np.zeros(0, dtype=np.int64), np.zeros((0, 3), dtype=np.int64))
    if not len(matrix) or max_size < 1:
        return empty
    memo = memo if memo is not None else Memo()
    fresh = memo.order is None
    if memo.order is None:
        memo.order = _risk_order(matrix, radices)
        memo.width = width_for(len(matrix[0]), len(matrix), cells) if max_size >= 3 else 0
    order, width = memo.order, memo.width
    codes = np.stack([np.asarray(matrix[i], dtype=np.int64) for i in order])
    table = _table(codes, np.asarray(radices, dtype=np.int64)[order], width, memo)
    shielded = np.asarray([int(i) in protected for i in order], dtype=np.bool_)
    marked = None if touched is None else np.asarray([int(i) in touched for i in order])
    chunks = _small(table, shielded, marked, max_size, width, fresh or marked is None)
    spent, bounded, covered = 0, False, None
    if max_size >= 3:
        more, spent = _triples(table, shielded, marked, width)
        chunks, bounded = chunks + more, width < len(order)
        covered = sorted(int(i) for i in order[:width])
    if not chunks:
        return Hits(empty.rows, empty.combos, spent, bounded, covered)
    rows = np.concatenate([c[0] for c in chunks]).astype(np.int64)
    local = np.concatenate([c[1] for c in chunks]).astype(np.int64)
    combos = np.where(local >= 0, order[np.maximum(local, 0)], -1)
    combos = np.sort(np.where(combos >= 0, combos, 1 << 40), axis=1)
    combos[combos == 1 << 40] = -1
    return Hits(rows, combos, spent, bounded, covered)


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
