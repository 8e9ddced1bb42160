"""A projection of the search of three-value sets (msu_search.py) by matrix product.

Among the f rows holding the pivot x, how many hold both y and z is one entry of
``Aᵀ A``, A the f × values 0/1 matrix of those rows (float32: every entry is an integer
below 2^24, so exact). A pair counted once is a candidate (x, y, z); the row holding it is
the entry of the same product weighted by row number + 1 (one term, so exact too).

The values taken, all exact bounds (no MSU is lost):

- y and z are each held by 2 to f − 1 of the f rows (by one: {x, y} is unique, not
  minimal; by all f: the rows holding x, y and z are the rows holding x and the other, at
  least two, since that pair is not unique);
- y is held by at most (f + 1) / 2 of them (msu_search.py: one of y and z is);
- with the search's other bounds on the values (``floor``: rarer than the pivot, or rare).

The matrix of one projection is gathered from one 0/1 matrix of the whole table (rows ×
values held by two rows or more): when that or a projection would exceed ``LIMIT`` floats,
None, and msu_search.py counts cells instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float32]

#: Floats (4 bytes each) of the table's 0/1 matrix, and of one projection's.
LIMIT = 1 << 24
#: A product term costs this fraction of a cell gathered (msu_search.py's budget counts
#: cells: rows × values gathered, plus rows × pairs of values / PRODUCTS_PER_CELL).
PRODUCTS_PER_CELL = 32


@dataclass
class Dense:
    """The table as a 0/1 matrix, rows × the values held by two rows or more."""

    onehot: npt.NDArray[np.uint8]  # row × value
    where: Ids  # item → value, or -1
    column: Ids  # value → its column
    rank: Ids  # value → rows holding it × columns + column (msu_search.Items.rank)
    held: Ids  # value → rows holding it
    #: value × value: the rows holding both (float32, exact), once asked for
    both: list[Floats] = field(default_factory=list)

    def pairs(self) -> Floats:
        if not self.both:
            ones = self.onehot.astype(np.float32)
            self.both.append(ones.T @ ones)
        return self.both[0]


def dense_of(ids: npt.NDArray[np.int32], counts: Ids, offsets: Ids,
             radices: npt.NDArray[np.int32]) -> Dense | None:
    """The matrix of the table (msu_search.Items' arrays: row × column items, rows
    holding each item, each column's first item and its number of codes), or None when
    it would be too large."""
    n, m = ids.shape
    star = np.zeros(counts.size, dtype=np.bool_)
    star[offsets + radices - 1] = True
    keep = np.flatnonzero((counts >= 2) & ~star)
    if n * keep.size > LIMIT or not keep.size or n >= 1 << 24:
        return None
    where = np.full(counts.size, -1, dtype=np.int64)
    where[keep] = np.arange(keep.size)
    where[where < 0] = keep.size  # one more column, for the other items
    cells = np.zeros((n, keep.size + 1), dtype=np.uint8)
    cells.ravel()[(np.arange(n) * (keep.size + 1))[:, None] + where[ids]] = 1
    onehot = cells[:, :-1]
    where[where == keep.size] = -1
    columns = np.searchsorted(offsets, keep, side="right") - 1
    return Dense(onehot, where, columns, counts[keep] * m + columns, counts[keep])


def _alone(dense: Dense, rows: Ids, a: Floats, ay: Floats, yi: Ids, zi: Ids) -> Ids:
    """The row of each pair (y, z) counted once: the entry of the product weighted by row
    number + 1 (a single term: exact)."""
    ys, back = np.unique(yi, return_inverse=True)
    weighted = (ay.take(ys, axis=1) * (rows + 1).astype(np.float32)[:, None]).T @ a
    return weighted[back, zi].astype(np.int64) - 1


def chosen(dense: Dense, f: int, item: int, pivot: int, floor: int, rare: int | None
           ) -> tuple[Ids, Ids]:
    """The values z may be (among the f rows holding ``item``: see the module's docstring),
    and where among them y may be."""
    g = dense.pairs()[dense.where[item]]
    ok = (g >= 2) & (g <= f - 1) & (dense.rank > floor) & (dense.column != pivot)
    zs = np.flatnonzero(ok)
    if rare is None:
        return zs, np.flatnonzero(2 * g[zs] <= f + 1)
    return zs, np.flatnonzero(dense.held[zs] <= rare)


def cost(f: int, nz: int, ny: int) -> int:
    """The cells a projection counts: rows × values gathered (``nz``), and the products
    (× the ``ny`` values y may be)."""
    return f * nz + f * ny * nz // PRODUCTS_PER_CELL


def project(dense: Dense, rows: Ids, item: int, pivot: int, floor: int,
            rare: int | None = None, touching: Mask | None = None
            ) -> tuple[list[Ids], int] | None:
    """Among ``rows`` (holding ``item``, a value of column ``pivot``), every (row, pivot,
    y's column, z's column) alone there on (y, z), y and z of rank above ``floor``; with
    ``rare``, y is held by at most that many rows (of the whole table) instead of half the
    projection; with ``touching`` (per value), only the sets holding one such value. The
    cells counted (see PRODUCTS_PER_CELL); None when too large."""
    f = rows.size
    if f * dense.held.size > LIMIT:
        return None
    zs, yp = chosen(dense, f, item, pivot, floor, rare)
    ny = yp.size
    zs = np.concatenate([zs[yp], np.delete(zs, yp)])  # y's values first
    zl = yl = None
    if touching is not None and not touching[dense.where[item]]:
        zl = np.flatnonzero(touching[zs])  # the values made rarer, as z, then as y
        yl = zl[zl < ny]
        spent = f * zs.size + f * (yl.size * zs.size + ny * zl.size) // PRODUCTS_PER_CELL
    else:
        spent = cost(f, zs.size, ny)
    if not ny or (zl is not None and not zl.size):
        return [], spent
    a = dense.onehot[rows].take(zs, axis=1).astype(np.float32)
    ay = a[:, :ny]
    if zl is None or yl is None:
        yi, zi = np.nonzero(ay.T @ a == 1)
    else:
        y1, z1 = np.nonzero(a.take(yl, axis=1).T @ a == 1)
        y2, z2 = np.nonzero(ay.T @ a.take(zl, axis=1) == 1)
        yi, zi = np.concatenate([yl[y1], y2]), np.concatenate([z1, zl[z2]])
    if not yi.size:
        return [], spent
    found = np.stack([_alone(dense, rows, a, ay, yi, zi), np.full(yi.size, pivot),
                      dense.column[zs[yi]], dense.column[zs[zi]]], axis=1)
    return [found], spent


def pairs(dense: Dense, shielded: Mask) -> tuple[Ids, Ids]:
    """Every MSU of two columns: two values (each held by two rows or more) held together
    by one row, not both of shielded columns: (rows, combos)."""
    both = dense.pairs()
    yi, zi = np.nonzero(np.triu(both == 1, 1))
    a, j = dense.column[yi], dense.column[zi]
    keep = ~(shielded[a] & shielded[j])
    yi, zi, a, j = yi[keep], zi[keep], a[keep], j[keep]
    ones = dense.onehot.astype(np.float32)
    rows = np.arange(ones.shape[0], dtype=np.int64)
    row = _alone(dense, rows, ones, ones, yi, zi) if yi.size else yi
    return row, np.stack([a, j, np.full(a.size, -1)], axis=1)
