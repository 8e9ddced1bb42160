"""The searches behind the final gate's minimal sample uniques (msu.py): sets of three
by projection, rarest value first, and the searches after a repair.

Sets of three, as SUDA2 does, by projection on the rarest value: an MSU {x, y, z} (x the
rarest value, held by f rows) is found among the f rows holding x, as a pair (y, z) held
by one of them — by matrix product (msu_dense.py, with its further bounds) when the
table's 0/1 matrix fits, else by counting cells here. Two bounds prune the search, both
exact (no MSU is lost):

- if 3f − 2n ≥ 2, every three values held by at least f rows each share at least two rows
  (inclusion–exclusion), so a value held by more than two thirds of the rows starts nothing;
- among the f rows, rows holding y and z number at least g(y) + g(z) − f (g: how many of
  the f rows hold the value), so one of y and z is held by at most (f + 1) / 2 of them: y
  is taken among those, and only their rows are counted.

Values are taken rarest first, so that a search cut short by its budget is still complete
for every set of three whose rarest value is held by at most ``Memo.limit`` rows — the sets
SUDA finds most often special — and later searches of the same repair keep that limit.

After a repair (cells made ``*``), a set newly unique holds a value of such a cell: a set
keeps its rows otherwise. Pairs: the set was held by the cell's row and one other, so one
bitset AND per pair of such a value and a value of that row finds it. Triples: each such
value is the pivot of a projection, unless the whole search counts fewer cells; then the
whole search, where the products allow it, counts only the sets holding such a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize import msu_dense

Ids = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

#: Cells counted per block of one projection (memory: 4 bytes each, twice).
BLOCK = 1 << 22
#: After a repair, the values held by fewer rows since are the pivots when the cells
#: they would count (times this) are fewer than the first search counted; else the whole
#: search (which has the rarest-first bound) is quicker.
AROUND = 1.0


def counts_of(keys: Ids, space: int) -> Ids:
    """How many rows hold each row's key (keys below ``space``)."""
    if space <= 1 << 23:
        return np.bincount(keys, minlength=space)[keys]
    _u, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    return counts[inverse.reshape(-1)]


@dataclass
class Memo:
    """What one repair's searches share: the triples' limit (fixed at the first search,
    so that every search of the repair covers the same sets), and its tables (msu_cache)."""

    searched: bool = False
    limit: int | None = None
    spent: int = 0  # the cells the first search of triples counted
    tables: Any = None  # msu_cache.Cached (not imported here: msu_cache imports this)


@dataclass
class Table:
    codes: npt.NDArray[np.int64]  # column × row
    radices: Ids
    valid: Mask  # not ``*``
    alone: Mask  # unique on the column


def table_of(codes: npt.NDArray[np.int64], radices: Ids) -> Table:
    valid = codes != (radices - 1)[:, None]
    ids = np.concatenate(([0], np.cumsum(radices)[:-1]))[:, None] + codes
    alone = np.bincount(ids.ravel(), minlength=int(radices.sum()))[ids] == 1
    return Table(codes, radices, valid, alone & valid)


def _bits(table: Table, items: Items) -> npt.NDArray[np.uint64]:
    """Per item, the rows holding it as a bitset (little-endian bits in 64-bit words)."""
    n = table.codes.shape[1]
    width = -(-n // 64) * 8
    out = np.zeros((int(items.counts.size), width), dtype=np.uint8)
    for col, radix in enumerate(table.radices.tolist()):
        held = table.codes[col][None, :] == np.arange(radix)[:, None]
        packed = np.packbits(held, axis=1, bitorder="little")
        start = int(items.offsets[col])
        out[start:start + radix, :packed.shape[1]] = packed
    return out.view(np.uint64)


def pairs_after(table: Table, items: Items, shielded: Mask,
                 suppressed: list[tuple[int, int, int]]) -> list[tuple[Ids, Ids]]:
    """MSUs of two columns after a repair: a pair newly unique on row s was held by s and a
    row r that lost one of its values, d, and held the other, y, then. So for each cell
    suppressed (r, column, d), and each of r's values y before the repair, the rows now
    holding both (one bitset AND and popcount per pair of values, each pair once): when
    one does, it is alone."""
    items.bitsets[:] = items.bitsets or [_bits(table, items)]  # kept (msu_cache.py)
    bits = items.bitsets[0]
    rs = np.asarray([c[0] for c in suppressed], dtype=np.int64)
    cols = np.asarray([c[1] for c in suppressed], dtype=np.int64)
    olds = np.asarray([c[2] for c in suppressed], dtype=np.int64)
    rows, at = np.unique(rs, return_inverse=True)
    then = items.ids[rows].astype(np.int64)  # the rows' values before the repair
    rank = items.rank[rows]
    then[at, cols] = items.offsets[cols] + olds
    rank[at, cols] = 0  # a value then, whatever its count now
    d = np.repeat(items.offsets[cols] + olds, then.shape[1])
    y = then[at].ravel()
    valid = (rank[at] >= 0).ravel() & (np.tile(np.arange(then.shape[1]), at.size)
                                       != np.repeat(cols, then.shape[1]))
    total = int(items.counts.size)
    if total * total <= BLOCK * 8:  # each pair of values once
        seen = np.zeros((total, total), dtype=np.bool_)
        seen[d[valid], y[valid]] = True
        d, y = np.nonzero(seen)
    else:
        pairs = np.unique(d[valid] * total + y[valid])
        d, y = pairs // total, pairs % total
    hits: list[Ids] = []
    step = max(1, BLOCK // bits.shape[1])
    for start in range(0, d.size, step):
        part = slice(start, start + step)
        both = bits[d[part]] & bits[y[part]]  # pair × words
        single = np.flatnonzero(np.bitwise_count(both).sum(axis=1, dtype=np.int64) == 1)
        words = both[single]
        word = np.argmax(words != 0, axis=1)
        value = words[np.arange(single.size), word]
        bit = np.bitwise_count((value & (~value + np.uint64(1))) - np.uint64(1))
        hits.append(np.stack([single + start, word * 64 + bit.astype(np.int64)], axis=1))
    found = np.concatenate(hits) if hits else np.zeros((0, 2), dtype=np.int64)
    column = np.searchsorted(items.offsets, np.arange(total), side="right") - 1
    a, j, row = column[d[found[:, 0]]], column[y[found[:, 0]]], found[:, 1]
    keep = ~table.alone[a, row] & ~table.alone[j, row] & ~(shielded[a] & shielded[j])
    if not keep.any():
        return []
    pair = np.unique(np.column_stack([row, np.sort(np.stack([a, j], axis=1), axis=1)])[keep],
                     axis=0)
    return [(pair[:, 0], np.column_stack([pair[:, 1:], np.full(pair.shape[0], -1)]))]


@dataclass
class Items:
    """The table as items (a column's value), row-major for the projections."""

    ids: npt.NDArray[np.int32]  # row × column: the item (column offset + code)
    codes: npt.NDArray[np.int32]  # row × column
    rank: Ids  # row × column: rows holding the item × m + column; -1 for ``*``
    counts: Ids  # item → rows holding it
    offsets: Ids  # column → its first item
    radices: npt.NDArray[np.int32]
    #: the table as a 0/1 matrix (msu_dense.py), once asked for; None: too large
    matrix: list[msu_dense.Dense | None] = field(default_factory=list)
    bitsets: list[npt.NDArray[np.uint64]] = field(default_factory=list)  # _bits, once asked

    def dense(self) -> msu_dense.Dense | None:
        if not self.matrix:
            self.matrix.append(msu_dense.dense_of(self.ids, self.counts, self.offsets,
                                                  self.radices))
        return self.matrix[0]


def items_of(table: Table) -> Items:
    m = table.codes.shape[0]
    offsets = np.concatenate(([0], np.cumsum(table.radices)[:-1]))
    ids = np.ascontiguousarray((offsets[:, None] + table.codes).T).astype(np.int32)
    counts = np.bincount(ids.ravel(), minlength=int(table.radices.sum()))
    rank = counts[ids] * m + np.arange(m)[None, :]
    rank[~table.valid.T] = -1
    return Items(ids, np.ascontiguousarray(table.codes.T).astype(np.int32), rank, counts,
                  offsets, table.radices.astype(np.int32))


def starts_of(items: Items, table: Table) -> list[tuple[int, int, int]]:
    """(rows holding it, column, code) of every value that may be the rarest of an MSU of
    three, rarest first: held by 3 rows or more (fewer: a pair or itself is unique) and
    with 3f − 2n < 2."""
    held, n = items.counts, table.codes.shape[1]
    col = np.repeat(np.arange(table.radices.size), table.radices)
    code = np.arange(held.size) - items.offsets[col]
    at = np.flatnonzero((code < table.radices[col] - 1) & (held >= 3) & (3 * held - 2 * n < 2))
    at = at[np.lexsort((code[at], col[at], held[at]))]
    return list(zip(held[at].tolist(), col[at].tolist(), code[at].tolist(), strict=True))


def _leaf(items: Items, rows: Ids, js: Ids, alive: Mask) -> tuple[Ids, int]:
    """Instances of y (``rows``: the row, ``js``: y's column, sorted), grouped by y: the
    instances alone in their group on a column where ``alive`` (z; y's own column holds the
    group's value, held by two rows at least). Returns (instance, z's column) and the cells
    counted."""
    total = int(items.counts.size)
    group = items.ids[rows, js].astype(np.int64)
    low = int(items.offsets[js[0]])
    span = int(items.offsets[js[-1]] + items.radices[js[-1]]) - low
    keys = items.ids[rows].astype(np.int64)
    keys += ((group - low) * total)[:, None]
    hit = counts_of(keys.ravel(), span * total).reshape(keys.shape) == 1
    hit &= alive
    inst, at = np.nonzero(hit)
    return np.stack([inst, at], axis=1), int(keys.size)


def _blocks(js: Ids, width: int) -> list[slice]:
    """Instances (sorted by column) cut at column boundaries into blocks of about BLOCK
    cells (a group never spans two blocks: its instances share the column)."""
    cuts = np.flatnonzero(np.diff(js)) + 1
    bounds = [0, *cuts.tolist(), js.size]
    out, start = [], 0
    for i in range(1, len(bounds)):
        if (bounds[i] - start) * width > BLOCK and bounds[i - 1] > start:
            out.append(slice(start, bounds[i - 1]))
            start = bounds[i - 1]
    out.append(slice(start, js.size))
    return out


def _keys(items: Items, rows: Ids, pivot: int, alive: Mask) -> tuple[Mask, Mask]:
    """The projection on ``rows`` (holding a value of column ``pivot``): the cells that may
    be y or z (``alive``, and held by two of the rows at least: a pair with the pivot's
    value held by one row is unique), and those y is taken among: held by at most half of
    the rows (one of y and z is: the rows holding both are at least g(y) + g(z) − f)."""
    sub = items.ids[rows]
    g = np.bincount(sub.ravel(), minlength=int(items.counts.size))[sub]
    alive &= g >= 2
    alive[:, pivot] = False
    return alive, alive & (2 * g <= rows.size + 1)


def _grouped(items: Items, rows: Ids, js: Ids, alive: Mask, pivot: int
             ) -> tuple[list[Ids], int]:
    """:func:`_leaf` over instances sorted by column, in blocks: chunks of (row, pivot, y's
    column, z's column) and the cells counted."""
    out, spent = [], 0
    for part in _blocks(js, items.ids.shape[1]):
        found, cells = _leaf(items, rows[part], js[part], alive[part])
        spent += cells
        if found.size:
            at = found[:, 0] + part.start
            out.append(np.stack([rows[at], np.full(at.size, pivot), js[at], found[:, 1]],
                                axis=1))
    return out, spent


def _project(items: Items, rows: Ids, pivot: int, alive: Mask) -> tuple[list[Ids], int]:
    """Among ``rows`` (holding a value of column ``pivot``), every (row, y's column, z's
    column) alone there on (y, z), y as :func:`_keys` says."""
    alive, key = _keys(items, rows, pivot, alive)
    js, locs = np.nonzero(np.ascontiguousarray(key.T))
    if not js.size:
        return [], 0
    return _grouped(items, rows[locs], js, alive[locs], pivot)


@dataclass
class _Rare:
    """Per row, its cells holding a value held by at most ``limit`` rows (CSR)."""

    columns: Ids
    starts: Ids  # row → first index in ``columns`` (n + 1 entries)

    @classmethod
    def of(cls, items: Items, limit: int) -> _Rare:
        m = items.ids.shape[1]
        rows, columns = np.nonzero((items.rank >= 0) & (items.rank < (limit + 1) * m))
        return cls(columns, np.searchsorted(rows, np.arange(items.ids.shape[0] + 1)))


def _common(items: Items, rare: _Rare, rows: Ids, pivot: int) -> tuple[list[Ids], int]:
    """Among ``rows`` (more than the limit: a set searched holds a rarer value), y is taken
    among the rare cells (of a set of three searched, y or z is one)."""
    first, count = rare.starts[rows], rare.starts[rows + 1] - rare.starts[rows]
    at = np.repeat(first - np.concatenate(([0], np.cumsum(count)[:-1])), count)
    at += np.arange(at.size)
    inst, js = np.repeat(rows, count), rare.columns[at]
    keep = js != pivot
    inst, js = inst[keep], js[keep]
    group = items.ids[inst, js]
    keep = np.bincount(group, minlength=int(items.counts.size))[group] >= 2
    order = np.argsort(js[keep], kind="stable")
    inst, js = inst[keep][order], js[keep][order]
    if not js.size:
        return [], 0
    alive = items.rank[inst] >= 2 * items.ids.shape[1]  # held by two rows at least
    alive[:, pivot] = False
    return _grouped(items, inst, js, alive, pivot)


def _projection(items: Items, rows: Ids, item: int, pivot: int, floor: int,
                rare: _Rare | None = None, limit: int | None = None,
                touching: Mask | None = None) -> tuple[list[Ids], int]:
    """The projection on ``rows``: by matrix product when it fits (msu_dense.py), else by
    counting cells; with ``rare`` (and its ``limit``), y among the rare values."""
    dense = items.dense()
    if dense is not None:
        done = msu_dense.project(dense, rows, item, pivot, floor,
                                 limit if rare is not None else None, touching)
        if done is not None:
            return done
    if rare is not None:
        return _common(items, rare, rows, pivot)
    return _project(items, rows, pivot, items.rank[rows] > floor)


def triples(table: Table, items: Items, starts: list[tuple[int, int, int]], cells: int,
             memo: Memo, lowered: set[tuple[int, int]] | None = None
             ) -> tuple[list[Ids], int, bool]:
    """(row, a, b, c) candidates for MSUs of three (pairs not yet checked), rarest value
    first; the cells counted, and whether the search was cut short (``memo.limit``). With
    ``lowered`` (after a repair), only the sets holding one of those values, where the
    products allow it (a set newly unique holds one: see :func:`around`)."""
    m = table.codes.shape[0]
    out: list[Ids] = []
    spent, last = 0, 0
    touching = None if lowered is None else _touching(items, lowered)
    for i, (f, a, code) in enumerate(starts):
        if memo.limit is not None and f > memo.limit:
            return out, spent, True
        if not memo.searched and spent >= cells and f > last:
            memo.limit = last
            return out, spent, i < len(starts)
        rows = np.flatnonzero(table.codes[a] == code)
        found, counted = _projection(items, rows, int(items.offsets[a]) + code, a, f * m + a,
                                     touching=touching)
        out.extend(found)
        spent, last = spent + counted, f
    return out, spent, memo.limit is not None


def _touching(items: Items, lowered: set[tuple[int, int]]) -> Mask | None:
    """Per value of the matrix (msu_dense.py), whether it is one of ``lowered``."""
    dense = items.dense()
    if dense is None:
        return None
    out = np.zeros(dense.held.size, dtype=np.bool_)
    at = dense.where[[int(items.offsets[a]) + code for a, code in lowered]]
    out[at[at >= 0]] = True
    return out


def around(table: Table, items: Items, lowered: set[tuple[int, int]], memo: Memo
            ) -> tuple[list[Ids], int, bool] | None:
    """The candidates of a search after a repair: a set newly unique holds a value held by
    fewer rows since (``lowered``: a set keeps its rows otherwise), so each such value is
    the pivot of a projection (the bounds on y hold for any pivot). Sets whose rarest value
    is held by more than ``memo.limit`` rows are left out, as at the first search. None
    when that would count more cells than the first search did (then the whole search)."""
    m = table.codes.shape[0]
    rare = None if memo.limit is None else _Rare.of(items, memo.limit)
    plans = []
    for a, code in sorted(lowered):
        rows = np.flatnonzero(table.codes[a] == code)
        if rows.size >= 3:
            common = rare is not None and memo.limit is not None and rows.size > memo.limit
            plans.append((a, code, rows, common))
    if _planned(items, rare, plans, memo.limit, memo.spent / AROUND) * AROUND > memo.spent:
        return None
    out: list[Ids] = []
    spent = 0
    for a, code, rows, common in sorted(plans, key=lambda plan: plan[2].size):
        found, counted = _projection(items, rows, int(items.offsets[a]) + code, a, -1,
                                     rare if common else None, memo.limit)
        spent += counted
        if spent * AROUND > memo.spent and items.dense() is not None:
            return None  # the whole search is quicker
        for chunk in found:
            if memo.limit is not None:
                held = [items.rank[chunk[:, 0], chunk[:, i]] // m for i in (1, 2, 3)]
                chunk = chunk[np.minimum(np.minimum(held[0], held[1]), held[2]) <= memo.limit]
            out.append(chunk)
    return out, spent, memo.limit is not None


def _planned(items: Items, rare: _Rare | None, plans: list[tuple[int, int, Ids, bool]],
             items_limit: int | None, enough: float) -> int:
    """The cells the projections of :func:`around` will count at least (by matrix: rows ×
    values; else the cells of y)."""
    dense = items.dense()
    if dense is not None:
        out = 0
        for a, code, rows, common in plans:
            zs, yp = msu_dense.chosen(dense, rows.size, int(items.offsets[a]) + code, a, -1,
                                      items_limit if common else None)
            out += msu_dense.cost(rows.size, zs.size, yp.size)
            if out > enough:
                break
        return out
    planned = 0
    for a, _v, rows, common in plans:
        if rare is not None and common:
            planned += int((rare.starts[rows + 1] - rare.starts[rows]).sum())
        else:
            planned += int(np.count_nonzero(_keys(items, rows, a, items.rank[rows] >= 0)[1]))
    return planned * items.ids.shape[1]
