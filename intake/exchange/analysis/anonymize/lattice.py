"""Step 4: the optimal k-anonymous (and l-diverse) generalization, by a search over the
lattice of generalization levels.

A node is a vector of levels, one per quasi-identifier (QI). Records with equal generalized
QI values form an equivalence class. A node *satisfies* when the records of the classes
that fail (fewer than k records, or fewer than l distinct values of an l-diverse attribute)
number at most the suppression budget; those records are removed from the export.

Monotonicity: a generalization of a satisfying node satisfies (classes only merge, and a
merged class fails only if all its parts failed), so the records it suppresses are a subset.

Information loss (the quantity minimised) is the Prec measure of Sweeney: the sum over QIs
of ``level / max_level``; the optimum is the satisfying node of least loss, ties broken by
the lexicographically smallest level vector in questionnaire order. To stay exact and
deterministic the loss is an integer key (``Problem.loss``) that holds both.

The search is a depth-first branch and bound over the QIs (in ``default_order``, a heuristic
that only changes the time). A search node fixes the levels of the first d QIs; the others
are at ``*``, so it is itself a lattice node, and the most general one of its sub-lattice.
Hence:

- **monotone pruning**: if it does not satisfy, no node of its sub-lattice does (all are
  specialisations of it), and the whole sub-lattice is skipped; levels of a QI are tried
  from the least general, and once one satisfies the more general ones are known to;
- a QI never goes below its *floor*, the least level that satisfies with every other QI
  at ``*`` (same argument);
- **bound**: the loss of the fixed levels plus the floors of the rest is a lower bound of
  every node below; a sub-lattice that cannot beat the best node found is skipped.

Equivalence classes are refined incrementally down the search (class id × radix + value of
the next QI, renumbered densely whenever the search goes deeper), and evaluating a node is
a few vectorized passes over the records with numpy: class sizes by ``bincount`` first, and
the l check (per class, one ``bincount`` of class × code of each l-diverse attribute, and
the codes present counted; attributes tried in the order that failed most recently) only
for nodes that pass k. A node one level more general in one QI than a node known to satisfy is not
evaluated at all.
``exhaustive`` evaluates every node from scratch; the tests use it on small sub-lattices
to check optimality.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize import privacy
from intake.exchange.analysis.anonymize.privacy import Model

Ids = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
#: An l-diverse attribute of at most this many codes (and one for the missing codes) is
#: counted by one histogram of class × code; beyond, by :meth:`Problem._distinct`.
MAX_WIDTH = 16
#: Up to this many class slots (ids × radix) per record, counts use ``bincount`` over the
#: slots; beyond, the ids are sorted (``unique``) so memory stays proportional to records.
SLOTS_PER_RECORD = 16
#: Codes of an l-diverse attribute below this fit a 64-bit mask (one bit per code).
MASK_BITS = 64


def _ids(values: Sequence[int] | Ids) -> Ids:
    return np.asarray(values, dtype=np.int64)


@dataclass(frozen=True)
class Column:
    """One QI: its levels and, per level, a dense integer code per record."""

    name: str
    levels: tuple[int, ...]  # allowed levels, ascending; the last one is ``*``
    codes: dict[int, Any]  # level → dense codes (a sequence; stored as an int64 array)
    radices: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        arrays = {level: _ids(codes) for level, codes in self.codes.items()}
        object.__setattr__(self, "codes", arrays)
        object.__setattr__(self, "radices", {
            level: int(codes.max()) + 1 if codes.size else 1
            for level, codes in arrays.items()})


@dataclass(frozen=True)
class Classes:
    """Equivalence classes: a class id per record, all below ``space``. Ids need not be
    dense (a slot may be empty) but ``space`` stays within ``SLOTS_PER_RECORD`` per record
    or is dense."""

    ids: Ids
    space: int

    def refine(self, codes: Ids, radix: int) -> Classes:
        """The classes split by ``codes`` (dense, below ``radix``): id × radix + code."""
        return Classes(self.ids * radix + codes, self.space * radix)

    def dense(self) -> Classes:
        """The same classes numbered 0, 1, … (in order of their old ids)."""
        if self.space <= max(SLOTS_PER_RECORD * self.ids.size, 1 << 16):
            counts = np.bincount(self.ids, minlength=self.space)
            present = np.flatnonzero(counts)
            if present.size == self.space:
                return self
            remap = np.zeros(self.space, dtype=np.int64)
            remap[present] = np.arange(present.size, dtype=np.int64)
            return Classes(remap[self.ids], int(present.size))
        uniq, inverse = np.unique(self.ids, return_inverse=True)
        return Classes(inverse.astype(np.int64, copy=False).reshape(-1), int(uniq.size))


@dataclass
class Problem:
    columns: list[Column]
    sensitive: list[Any]  # l-diverse attributes, a dense code per record (sequences)
    k: int
    l: float  # noqa: E741
    budget: int  # records that may be suppressed
    n: int
    model: Model = field(default_factory=Model)
    #: per sensitive attribute: whether its codes are ordered (t-closeness distance)
    ordered: list[bool] = field(default_factory=list)
    #: per sensitive attribute: the index of the QI that is this attribute (K and S*), whose
    #: l is computed over the other QIs while it is released, and skipped at ``*``
    own: list[int | None] = field(default_factory=list)
    evaluated: int = 0
    scale: int = field(init=False)
    span: int = field(init=False)
    weights: list[int] = field(init=False)
    radices: list[int] = field(init=False)  # of the sensitive attributes
    _codes: list[Ids] = field(init=False, repr=False)
    _masks: list[npt.NDArray[np.uint64] | None] = field(init=False, repr=False)
    _shifted: list[Ids] = field(init=False, repr=False)  # codes + 1, missing codes 0
    _refs: list[Floats] = field(init=False, repr=False)  # t-closeness reference
    _owned: list[int] = field(init=False, repr=False)  # attributes with an ``own`` QI
    _order: list[int] = field(init=False, repr=False)  # attributes, likeliest to fail first

    def __post_init__(self) -> None:
        tops = [max(c.levels) for c in self.columns]
        self.scale = math.lcm(*(top or 1 for top in tops)) if tops else 1
        self.weights = [math.prod(top + 1 for top in tops[i + 1:]) for i in range(len(tops))]
        self.span = math.prod(top + 1 for top in tops)
        self._codes = [_ids(codes) for codes in self.sensitive]
        self.radices = [max(int(c.max()) + 1, 1) if c.size else 1 for c in self._codes]
        self._masks = [np.where(c >= 0, np.left_shift(np.uint64(1), np.maximum(c, 0)
                                                      .astype(np.uint64)), np.uint64(0))
                       if radix <= MASK_BITS else None
                       for c, radix in zip(self._codes, self.radices, strict=True)]
        self._shifted = [np.maximum(c, -1) + 1 for c in self._codes]
        self._refs = [privacy.reference(c, r) for c, r in zip(self._codes, self.radices,
                                                               strict=True)]
        self.ordered = self.ordered or [False] * len(self.sensitive)
        self.own = self.own or [None] * len(self.sensitive)
        self._order = [j for j in range(len(self.sensitive)) if self.own[j] is None]
        self._owned = [j for j in range(len(self.sensitive)) if self.own[j] is not None]

    def loss(self, column: int, level: int) -> int:
        """This QI's share of the loss key: its Prec term (``level / top`` × ``scale``) times
        ``span``, plus the level as a digit of the level vector read as a mixed-radix number.
        Keys are additive and differ for every node, and comparing them compares Prec first,
        then the vectors lexicographically: ties are broken inside the key, whatever the
        order in which the search takes the QIs."""
        top = max(self.columns[column].levels)
        prec = level * self.scale // top if top else 0
        return prec * self.span + level * self.weights[column]

    def total_loss(self, node: Sequence[int]) -> int:
        return sum(self.loss(i, level) for i, level in enumerate(node))

    @property
    def owned_columns(self) -> list[int]:
        """The QIs that are also l-diverse attributes (K and S*)."""
        return sorted({i for i in self.own if i is not None})

    def failing(self, class_ids: Sequence[int],
                others: Mapping[int, Sequence[int]] | None = None
                ) -> npt.NDArray[np.bool_]:
        """Per record, whether it is in a failing class of the partition ``class_ids``
        (``others``: per QI that is also l-diverse and released, the partition without
        it; an attribute whose QI is not in it, being ``*``, is not checked)."""
        ids = _ids(class_ids)
        classes = Classes(ids, int(ids.max()) + 1 if ids.size else 1).dense()
        counts = np.bincount(classes.ids, minlength=classes.space)
        failing = (counts < self.k) & (counts > 0)
        for j in self._order:
            failing |= self._fails(j, classes.ids, classes.space, counts)
        parts = {col: Classes(_ids(p), int(max(p, default=0)) + 1).dense()
                 for col, p in (others or {}).items()}
        return self._owned_fixpoint(failing[classes.ids], parts)

    def _owned_fixpoint(self, record: Bools, parts: Mapping[int, Classes]) -> Bools:
        """``record`` (failing records) plus the records of every class of the other QIs
        where a K and S* attribute misses l among the records still kept; repeated until
        nothing changes (removing records can make another such class fail)."""
        record = record.copy()
        while True:
            grown = False
            for j in self._owned:
                part = parts.get(self.own[j])  # type: ignore[arg-type]
                if part is None:
                    continue
                ids = np.where(record, part.space, part.ids)  # removed: one spare slot
                counts = np.bincount(ids, minlength=part.space + 1)
                fails = self._fails(j, ids, part.space + 1, counts)
                fails[part.space] = False
                new = fails[ids] & ~record
                if new.any():
                    record |= new
                    grown = True
            if not grown:
                return record

    def satisfies(self, class_ids: Sequence[int] | Ids,
                  others: Mapping[int, Sequence[int]] | None = None) -> bool:
        """Whether the partition fails on at most ``budget`` records."""
        self.evaluated += 1
        return int(self.failing(list(map(int, class_ids)), others).sum()) <= self.budget

    def accepts(self, classes: Classes, others: Mapping[int, Classes] | None = None
                ) -> bool:
        """Whether ``classes`` fail on at most ``budget`` records (one evaluation);
        ``others`` as in :meth:`failing`."""
        self.evaluated += 1
        if classes.space > max(SLOTS_PER_RECORD * self.n, 1 << 16):
            classes = classes.dense()
        ids, space = classes.ids, classes.space
        counts = np.bincount(ids, minlength=space)
        failing = (counts > 0) & (counts < self.k)
        suppressed = int(counts[failing].sum())
        if suppressed > self.budget:
            return False
        order = self._order
        for rank, j in enumerate(order):
            failing |= self._fails(j, ids, space, counts)
            failing &= counts > 0
            if int(counts[failing].sum()) > self.budget:
                # stop at the first attribute that breaks the budget; try it first next
                # time (the answer does not depend on the order, only the time taken)
                if rank:
                    order.insert(0, order.pop(rank))
                return False
        if not others or not self._owned:
            return True
        parts = {col: part.dense() for col, part in others.items()}
        return int(self._owned_fixpoint(failing[ids], parts).sum()) <= self.budget

    def _fails(self, j: int, ids: Ids, space: int, counts: Ids) -> Bools:
        """Per class slot, whether l-diverse attribute ``j`` fails the model (l, and t when
        it is set)."""
        if self.model.counts_values:
            hist = privacy.histogram(ids, self._codes[j], space, self.radices[j])
            fails = privacy.fails_l(hist, self.l, self.model)
            if self.model.t is not None:
                emd = privacy.distances(hist, self._refs[j], self.ordered[j])
                fails |= emd > self.model.t + privacy.EPSILON
            return fails
        if self.l <= 1:
            return np.zeros(space, dtype=np.bool_)
        return self._too_few(j, ids, space, counts)

    def _too_few(self, j: int, ids: Ids, space: int, counts: Ids) -> Bools:
        """Per class slot, whether l-diverse attribute ``j`` has fewer than l distinct
        answered codes (missing codes, ``-1``, never count). With few class slots × codes
        (the usual case) one ``bincount`` of class × (code + 1) gives the histogram, and a
        code is present where its column is not 0 (column 0, the missing codes, is
        skipped); otherwise the codes are counted (:meth:`_distinct`)."""
        width = self.radices[j] + 1
        if width <= MAX_WIDTH and space * width <= max(SLOTS_PER_RECORD * ids.size, 1 << 16):
            key = np.multiply(ids, width)
            key += self._shifted[j]
            hist = np.bincount(key, minlength=space * width).reshape(space, width)
            if width == 3 and self.l == 2:  # a yes/no answer: one of the two is missing
                return (hist[:, 1] == 0) | (hist[:, 2] == 0)
            distinct = hist[:, 1] > 0
            distinct = distinct.astype(np.int64)
            for code in range(2, width):
                distinct += hist[:, code] > 0
            return distinct < self.l
        return self._distinct(j, ids, space) < self.l

    def _distinct(self, j: int, ids: Ids, space: int) -> Ids:
        """Per class slot, the number of distinct answered codes of attribute ``j``."""
        mask = self._masks[j]
        if mask is not None:
            seen = np.zeros(space, dtype=np.uint64)
            np.bitwise_or.at(seen, ids, mask)
            return np.bitwise_count(seen).astype(np.int64)
        radix, codes = self.radices[j], self._codes[j]
        answered = codes >= 0
        pairs = np.unique(ids[answered] * radix + codes[answered])
        return np.bincount(pairs // radix, minlength=space)

    def partition(self, node: Sequence[int]) -> list[int]:
        """Class ids (dense) of a node, computed from scratch."""
        classes = Classes(np.zeros(self.n, dtype=np.int64), 1)
        for column, level in zip(self.columns, node, strict=True):
            classes = classes.refine(column.codes[level], column.radices[level]).dense()
        return [int(c) for c in classes.ids]

    def others(self, node: Sequence[int]) -> dict[int, list[int]]:
        """Per QI that is also l-diverse and released (below ``*``) at ``node``, the
        partition of ``node`` without it."""
        return {column: self.partition([max(self.columns[i].levels) if i == column else lv
                                        for i, lv in enumerate(node)])
                for column in self.owned_columns
                if node[column] < max(self.columns[column].levels)}


# The search over the lattice (branch and bound) is in ``bnb``, the greedy first node in
# ``heuristic``: both use this module, never the other way round.
