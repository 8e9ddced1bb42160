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

Equivalence classes are refined incrementally down the search (class id + value of the
next QI × a place value fixed per depth), so evaluating a node costs a few C-level passes
over the records: class sizes are counted first, and the l check (which attributes are
tried in the order that failed most recently) runs only for nodes that pass k. A node one
level more general in one QI than a node known to satisfy is not evaluated at all.
``exhaustive`` evaluates every node from scratch; the tests use it on small sub-lattices
to check optimality.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import compress
from operator import add

from intake.errors import Cancelled
from intake.exchange.anonymize import diversity


@dataclass(frozen=True)
class Column:
    """One QI: its levels and, per level, a dense integer code per record."""

    name: str
    levels: tuple[int, ...]  # allowed levels, ascending; the last one is ``*``
    codes: dict[int, list[int]]
    radices: dict[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "radices", {
            level: max(codes, default=0) + 1 for level, codes in self.codes.items()})


#: Class ids stay below this (machine-word integers are fastest); beyond, renumber densely.
DENSE_AT = 1 << 48
_SHIFT = 48  # a sensitive code shifted by this lies above every class id
_LOW = (1 << _SHIFT) - 1  # the class id of a (class, code) pair


@dataclass
class Problem:
    columns: list[Column]
    sensitive: list[list[int]]  # l-diverse attributes, a dense code per record
    k: int
    l: int  # noqa: E741
    budget: int  # records that may be suppressed
    n: int
    evaluated: int = 0
    scale: int = field(init=False)
    span: int = field(init=False)
    weights: list[int] = field(init=False)
    radices: list[int] = field(init=False)  # of the sensitive attributes
    _shifted: list[list[int]] = field(init=False, repr=False)  # codes << _SHIFT
    _order: list[int] = field(init=False, repr=False)  # attributes, likeliest to fail first

    def __post_init__(self) -> None:
        tops = [max(c.levels) for c in self.columns]
        self.scale = math.lcm(*(top or 1 for top in tops)) if tops else 1
        self.weights = [math.prod(top + 1 for top in tops[i + 1:]) for i in range(len(tops))]
        self.span = math.prod(top + 1 for top in tops)
        self.radices = [max(codes, default=0) + 1 for codes in self.sensitive]
        self._shifted = [[code << _SHIFT for code in codes] for codes in self.sensitive]
        self._order = list(range(len(self.sensitive)))

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

    def failing(self, class_ids: Sequence[int],
                sizes: Counter[int] | None = None) -> tuple[int, set[int]]:
        """(records to suppress, failing class ids) of a partition."""
        sizes = sizes if sizes is not None else Counter(class_ids)
        small = {c for c, size in sizes.items() if size < self.k}
        failing = small | diversity.failing_classes(class_ids, self.sensitive, self.l)
        return sum(sizes[c] for c in failing), failing

    def satisfies(self, class_ids: Sequence[int]) -> bool:
        """Whether the partition fails on at most ``budget`` records."""
        self.evaluated += 1
        if class_ids and max(class_ids) >= DENSE_AT:  # keep (class, code) pairs apart
            index = {key: i for i, key in enumerate(dict.fromkeys(class_ids))}
            class_ids = list(map(index.__getitem__, class_ids))
        return self._check(Counter(class_ids), class_ids)

    def refine_if_satisfies(self, ids: list[int], scaled: list[int]) -> list[int] | None:
        """The class ids ``ids[i] + scaled[i]`` (a refinement whose ids stay below
        ``DENSE_AT``) when that partition satisfies, else None. Class sizes are counted
        straight from the sums: the list of them is only built for a node that passes k
        (most nodes the search evaluates fail on k)."""
        self.evaluated += 1
        sizes = Counter(map(add, ids, scaled))
        if sum(filter(self.k.__gt__, sizes.values())) > self.budget:
            return None
        child = list(map(add, ids, scaled))
        return child if self._check(sizes, child) else None

    def _check(self, sizes: Counter[int], class_ids: Sequence[int]) -> bool:
        k, l, budget = self.k, self.l, self.budget  # noqa: E741
        # C-level passes over the classes; Python only touches the failing ones
        suppressed = sum(filter(k.__gt__, sizes.values()))
        if suppressed > budget or l <= 1:
            return suppressed <= budget
        failing = set(compress(sizes.keys(), map(k.__gt__, sizes.values())))
        order = self._order
        for rank, j in enumerate(order):
            # (class, code) pairs as one int: the code shifted above every class id
            pairs = set(map(add, class_ids, self._shifted[j]))
            distinct = Counter(map(_LOW.__and__, pairs))
            for c in compress(distinct.keys(), map(l.__gt__, distinct.values())):
                if c not in failing:
                    failing.add(c)
                    suppressed += sizes[c]
            if suppressed > budget:
                # stop at the first attribute that breaks the budget; try it first next
                # time (the answer does not depend on the order, only the time taken)
                if rank:
                    order.insert(0, order.pop(rank))
                return False
        return True

    def partition(self, node: Sequence[int]) -> list[int]:
        """Class ids of a node, computed from scratch."""
        ids = Classes([0] * self.n, 1)
        for column, level in zip(self.columns, node, strict=True):
            ids = ids.refine(column, level)
        return ids.ids


@dataclass(frozen=True)
class Classes:
    """Equivalence classes: a class id per record, all below ``bound``."""

    ids: list[int]
    bound: int

    def refine(self, column: Column, level: int) -> Classes:
        """The classes split by the values of ``column`` at ``level`` (id × radix + code)."""
        radix = column.radices[level]
        ids = list(map(add, map(radix.__mul__, self.ids), column.codes[level]))
        bound = self.bound * radix
        if bound > DENSE_AT:
            index = {key: i for i, key in enumerate(dict.fromkeys(ids))}
            ids = list(map(index.__getitem__, ids))
            bound = len(index)
        return Classes(ids, bound)


@dataclass
class Outcome:
    node: tuple[int, ...] | None  # None: nothing satisfies, not even all ``*``
    loss: int
    evaluated: int
    lattice_size: int


def lattice_size(problem: Problem) -> int:
    return math.prod(len(c.levels) for c in problem.columns)


def default_order(problem: Problem) -> list[int]:
    """A heuristic order of the QIs for the search: fewest levels first (less branching near
    the root), then most distinct values first (they decide most, so bad branches fail
    early). It changes the time taken, never the result."""
    cols = problem.columns
    return sorted(range(len(cols)),
                  key=lambda i: (len(cols[i].levels), -cols[i].radices[cols[i].levels[0]]))


def search(problem: Problem, order: Sequence[int] | None = None,
           should_stop: Callable[[], bool] | None = None) -> Outcome:
    """The least-loss satisfying node (branch and bound with monotone pruning), taking the
    QIs in ``order`` (default: ``default_order``; any order finds the same node).
    ``should_stop`` is polled at every search node; True raises ``Cancelled``."""
    order = list(order) if order is not None else default_order(problem)
    cols = [problem.columns[i] for i in order]
    size = lattice_size(problem)
    root = Classes([0] * problem.n, 1)
    if not problem.satisfies(root.ids):
        return Outcome(None, 0, problem.evaluated, size)
    floors: list[int] = []
    for column in cols:
        floor = column.levels[-1]
        for level in column.levels[:-1]:
            if problem.satisfies(root.refine(column, level).ids):
                floor = level
                break
        floors.append(floor)
    rest = [0] * (len(cols) + 1)  # rest[d]: least loss of QIs d… given their floors
    for d in range(len(cols) - 1, -1, -1):
        rest[d] = rest[d + 1] + problem.loss(order[d], floors[d])
    # Class ids down the search: at depth d, id + code × mult[d] (mixed radix with a fixed
    # place value per depth, so the codes are scaled once, here); where the ids could reach
    # DENSE_AT they are first renumbered densely (below n).
    mult: list[int] = []
    dense: list[bool] = []
    bound = 1
    for column in cols:
        radix = max(column.radices[level] for level in column.levels)
        dense.append(bound * radix > DENSE_AT)
        if dense[-1]:
            bound = max(problem.n, 1)
            if bound * radix > DENSE_AT:
                raise ValueError("too many records for the class ids")
        mult.append(bound)
        bound *= radix
    scaled = [{level: [code * m for code in column.codes[level]]
               for level in column.levels[:-1] if level >= floor}
              for column, m, floor in zip(cols, mult, floors, strict=True)]
    best: list[tuple[int, tuple[int, ...]]] = []
    prefix: list[int] = []
    # Nodes known to satisfy, as level vectors in search order (``*`` for QIs not fixed
    # yet): a node one level more general in some QI than one of these satisfies too
    # (monotonicity), so it is refined without being evaluated.
    current = [column.levels[-1] for column in cols]
    finer = [dict(zip(column.levels[1:], column.levels, strict=False)) for column in cols]
    good: set[tuple[int, ...]] = set()

    def generalizes_good(d: int) -> bool:
        for i in range(d + 1):
            level = current[i]
            below = finer[i].get(level)
            if below is None:
                continue
            current[i] = below
            hit = tuple(current) in good
            current[i] = level
            if hit:
                return True
        return False

    def dfs(d: int, ids: list[int], loss: int) -> None:
        if should_stop is not None and should_stop():
            raise Cancelled()
        if d == len(cols):
            if not best or loss < best[0][0]:
                best[:] = [(loss, tuple(prefix))]
            return
        column = cols[d]
        if dense[d]:
            index = {key: i for i, key in enumerate(dict.fromkeys(ids))}
            ids = list(map(index.__getitem__, ids))
        known = False  # a less general level of this QI satisfied already
        for level in column.levels:
            if level < floors[d]:
                continue
            here = loss + problem.loss(order[d], level)
            if best and here + rest[d + 1] >= best[0][0]:
                break  # the more general levels lose even more
            current[d] = level
            if level == column.levels[-1]:
                child = ids  # ``*``: the node already known to satisfy
            elif known or generalizes_good(d):
                child = list(map(add, ids, scaled[d][level]))
            else:
                refined = problem.refine_if_satisfies(ids, scaled[d][level])
                if refined is None:
                    continue  # monotone: its whole sub-lattice fails
                child = refined
            known = True
            good.add(tuple(current))
            prefix.append(level)
            dfs(d + 1, child, here)
            prefix.pop()
        current[d] = column.levels[-1]

    dfs(0, root.ids, 0)
    loss, found = best[0]  # all ``*`` satisfies, so something was found
    node = [0] * len(cols)
    for d, i in enumerate(order):
        node[i] = found[d]
    return Outcome(tuple(node), loss, problem.evaluated, size)


def exhaustive(problem: Problem) -> Outcome:
    """Every node evaluated from scratch: for tests on small lattices only."""
    found: tuple[int, tuple[int, ...]] | None = None
    for node in itertools.product(*(c.levels for c in problem.columns)):
        if problem.satisfies(problem.partition(node)):
            candidate = (problem.total_loss(node), node)
            if found is None or candidate < found:
                found = candidate
    size = lattice_size(problem)
    if found is None:
        return Outcome(None, 0, problem.evaluated, size)
    return Outcome(found[1], found[0], problem.evaluated, size)
