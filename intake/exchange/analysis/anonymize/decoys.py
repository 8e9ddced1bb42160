"""Decoy suppressions: the final gate's answer to the minimality attack (docs/export.md,
"Decoys").

The gate hides the cell that makes a row unique, which is most often its column's rare
value. An adversary who knows that reads a ``*`` as the rare value; and where a class
shows every answer of an l-diverse column but one, the gate's rule for such a cell ("it
differs from every answer its group shows") names it exactly. Both were shown by an
outside review: every ``*`` of a column held one value.

So once the repairs are done, the hidden cells of each column are balanced: no one value
may be more than SHARE (half) of a column's ``*``; for an l-diverse answer (S*), of the
``*`` within each class of the quasi-identifiers, where that rule reads them. Cells of
other values of the same column (class) are hidden too, *decoys*, until it holds:

- **Which rows.** First those the hidden value would single out on a pair of columns (no
  row shows that value beside one of theirs), as it singled out the rows whose cell the
  gate hid: asked "would this value make the row unique?", a decoy answers as the real
  ones do. Then any other.
- **In which order.** Rows no earlier release of the vault held first (their rows are new
  anyway), then a keyed rank per record and column (:func:`row_keys`: HMAC-SHA-256 of the
  record id under a key the export derives from the vault's key), so that nobody without
  the key can tell which rows come first, and a later release chooses the same rows.
- **An l-diverse cell** only where the final gate's guard lets it go (l and t hold), as
  for the gate's own cells; at most REFUSALS are asked in vain per class.
- **Across releases** (gate_decoys.Before): the cells an earlier release hid are hidden again
  first, and a column is balanced again only when this release's repairs change it: a
  decoy that came and went would show, with the two files side by side, which ``*``
  were decoys.

Decoys are cells like the gate's: the gate searches again the sets they can make unique
and repairs those; the repairs after the last balancing are not balanced again, and the
outcome says how far each column then is (``shares``, ``class_skewed``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Ids = npt.NDArray[np.int64]
Keys = npt.NDArray[np.uint64]
#: The largest share of a column's (an l-diverse column's class's) ``*`` one hidden value
#: may hold: an adversary who reads every ``*`` as one value is right at most this often.
SHARE = 0.5
#: A hidden value more common than this share of the rows: no decoy is preferred for
#: whether it would single the row out (it rarely does; counting it costs a pass over
#: every column of its rows, 0.3 s of a full-column release at 10,000 testimonies)
COMMON = 0.25


def row_keys(key: bytes | None, record_ids: Iterable[str]) -> Keys:
    """Per row, 64 bits of HMAC-SHA-256(``key``, record id): the secret part of a decoy's
    rank (a fresh random key when None: no order to keep across releases)."""
    secret = key if key is not None else os.urandom(32)
    return np.fromiter((int.from_bytes(hmac.new(secret, rid.encode(), hashlib.sha256)
                                       .digest()[:8], "big") for rid in record_ids),
                       dtype=np.uint64)


def ranks(keys: Keys, column: str, fresh: npt.NDArray[np.bool_] | None = None) -> Keys:
    """Each row's rank in ``column``: its key mixed with the column's (SplitMix64's
    finalizer): unrelated from one column to the next, unknowable without the keys; the
    ``fresh`` rows (in no earlier release) first: the top bit is set for the others."""
    salt = np.uint64(int.from_bytes(hashlib.blake2b(column.encode(), digest_size=8)
                                    .digest(), "big"))
    with np.errstate(over="ignore"):
        z = keys ^ salt
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = (z ^ (z >> np.uint64(31))) >> np.uint64(1)
    if fresh is not None:
        z = z | np.where(fresh, np.uint64(0), np.uint64(1 << 63))
    return z


def wanted(hidden: Sequence[int]) -> tuple[int, int]:
    """The most frequent hidden code of a unit (a column, or a class of one) and how many
    more cells of other codes it needs for that code to hold at most SHARE of them."""
    code, count = Counter(hidden).most_common(1)[0]
    return code, max(0, math.ceil(count / SHARE) - len(hidden))


@dataclass
class Grid:
    """The gate's codes as one rows-last array (its columns are the gate's own, changed
    in place), with each column's offset in a flat count of every (column, code) and its
    ``*`` code."""

    codes: npt.NDArray[np.int64]  # columns × rows
    offsets: Ids
    stars: Ids
    size: int

    @classmethod
    def of(cls, matrix: Sequence[Ids], radices: Sequence[int]) -> Grid:
        radix = np.asarray(radices, dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(radix)[:-1]]).astype(np.int64)
        codes = np.stack([np.asarray(c, dtype=np.int64) for c in matrix]) if len(matrix) \
            else np.zeros((0, 0), dtype=np.int64)
        return cls(codes, offsets, radix - 1, int(radix.sum()))

    def sharing(self, at: int, code: int, live: npt.NDArray[np.bool_]) -> Ids | None:
        """Per (column, code) of the flat count, how many live rows showing ``code`` in
        column ``at`` hold it (None: no row shows ``code``; empty: more than COMMON of
        the live rows do, so that it singles out few rows, and none is preferred)."""
        holders = np.flatnonzero(live & (self.codes[at] == code))
        if not holders.size:
            return None
        if holders.size > COMMON * live.sum():
            return np.zeros(0, dtype=np.int64)
        return np.bincount((self.codes[:, holders] + self.offsets[:, None]).ravel(),
                           minlength=self.size)

    def single_out(self, at: int, shared: Ids | None, rows: Ids) -> npt.NDArray[np.bool_]:
        """Of ``rows``, those that the code of :meth:`sharing` in column ``at`` would
        leave alone on a pair of columns: for some other column, no live row showing the
        code shares their value (a ``*`` matches nothing)."""
        if shared is None:
            return np.ones(rows.size, dtype=np.bool_)  # the value alone singles them out
        if not shared.size:
            return np.zeros(rows.size, dtype=np.bool_)
        mine = self.codes[:, rows]
        alone = (shared[mine + self.offsets[:, None]] == 0) & (mine != self.stars[:, None])
        alone[at] = False
        return np.asarray(alone.any(axis=0))


#: Cells ``take`` may refuse (an l-diverse cell the guard keeps) before a unit is left
#: unbalanced: each refusal costs a check of the class, and in a class where many are
#: refused, most would be.
REFUSALS = 32
#: Candidates looked at per step, in rank order (the first decoys are usually found in the
#: first few rows, and a whole column costs columns × rows).
_STEP = 64


def choose(grid: Grid, at: int, code: int, need: int, live: npt.NDArray[np.bool_],
           members: Ids, ranks: Keys, take: Callable[[int], bool],
           memo: dict[int, Ids | None], missing: Sequence[int] = ()) -> list[int]:
    """Hide up to ``need`` cells of column ``at`` of ``members`` as decoys for hidden
    ``code``: of live rows, shown, of another code, and hidden by ``take`` (False: it may
    not go; after REFUSALS of those, the rest is not asked); rows ``code`` would single
    out first, then the rest, each part in rank order. Nothing when fewer than ``need``
    rows are there to ask (never a cell of a ``missing`` code). Returns the codes the
    hidden cells had. ``memo``:
    :meth:`Grid.sharing` by code, for this column (its decoys, of other codes, leave
    it as it is)."""
    column = grid.codes[at]
    pool = members[live[members] & (column[members] != grid.stars[at])
                   & (column[members] != code) & ~np.isin(column[members], missing)]
    if pool.size < need or need <= 0:
        return []  # it would hide every other answer: the * would say no less
    pool = pool[np.argsort(ranks[pool], kind="stable")]
    out: list[int] = []
    later: list[Ids] = []  # not singled out
    refused: list[int] = []
    if code not in memo:
        memo[code] = grid.sharing(at, code, live)
    shared = memo[code]
    for start in range(0, pool.size, max(_STEP, 2 * need)):
        part = pool[start:start + max(_STEP, 2 * need)]
        alone = grid.single_out(at, shared, part)
        later.append(part[~alone])
        if _take(part[alone], column, need, take, out, refused):
            return out
    for part in later:
        if _take(part, column, need, take, out, refused):
            break
    return out


def _take(rows: Ids, column: Ids, need: int, take: Callable[[int], bool],
          out: list[int], refused: list[int]) -> bool:
    """``take`` each of ``rows`` in turn, the codes they had onto ``out``, until it holds
    ``need`` (True) or ``take`` refused REFUSALS rows in all (``refused``)."""
    for row in rows.tolist():
        had = int(column[row])
        if take(row):
            out.append(had)
            if len(out) == need:
                return True
        else:
            refused.append(row)
            if len(refused) >= REFUSALS:
                return True
    return False


def classes(matrix: Sequence[Ids], protected: Sequence[int]) -> Ids:
    """Each row's class over the ``protected`` columns (the quasi-identifiers)."""
    n = matrix[0].size if len(matrix) else 0
    if not protected:
        return np.zeros(n, dtype=np.int64)
    stacked = np.stack([matrix[i] for i in protected], axis=1)
    return np.unique(stacked, axis=0, return_inverse=True)[1].reshape(n).astype(np.int64)


def units(hidden: dict[int, int], groups: Ids) -> list[tuple[Ids, list[int]]]:
    """A column's units to balance, from its hidden cells (row → code): each class holding
    a hidden cell, its members and its hidden codes."""
    by_class: dict[int, list[int]] = {}
    for row, code in hidden.items():
        by_class.setdefault(int(groups[row]), []).append(code)
    return [(np.flatnonzero(groups == g), codes) for g, codes in by_class.items()]


def balance(grid: Grid, at: int, hidden: dict[int, int], groups: Ids,
            live: npt.NDArray[np.bool_], ranks: Keys, take: Callable[[int], bool],
            missing: Sequence[int] = ()) -> int:
    """Balance column ``at``'s hidden cells (live rows only: row → code) within each class
    of ``groups`` (:func:`units`), then, for what the classes could not give, over the
    whole column: how many cells ``take`` hid as decoys (it hides each before the next is
    asked). A cell of a ``missing`` code is never a decoy: whether a question was asked
    is read from the rest of the row (an outside review told the "not asked" decoys
    apart 0.985 of the time, and then the answered ``*`` 0.59): the caller balances the
    answered cells alone."""
    taken: list[int] = []
    memo: dict[int, Ids | None] = {}
    for members, codes in units(hidden, groups):
        code, need = wanted(codes)
        if need:
            taken += choose(grid, at, code, need, live, members, ranks, take, memo, missing)
    code, need = wanted([*hidden.values(), *taken])
    everyone = np.arange(live.size, dtype=np.int64)
    return len(taken) + len(choose(grid, at, code, need, live, everyone, ranks, take, memo,
                                   missing) if need else ())


def skew(hidden: dict[int, int], groups: Ids) -> tuple[float, int]:
    """The largest share one code holds of a column's hidden cells, and how many of them
    are in classes where one code holds more than SHARE of the class's."""
    share = Counter(hidden.values()).most_common(1)[0][1] / len(hidden)
    skewed = sum(len(codes) for _m, codes in units(hidden, groups) if wanted(codes)[1])
    return share, skewed
