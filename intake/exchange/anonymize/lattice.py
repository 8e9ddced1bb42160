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

Equivalence classes are refined incrementally down the search (class id × values of the
next QI), so evaluating a node costs one pass over the records. ``exhaustive`` evaluates
every node from scratch; the tests use it on small sub-lattices to check optimality.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import add

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

    def __post_init__(self) -> None:
        tops = [max(c.levels) for c in self.columns]
        self.scale = math.lcm(*(top or 1 for top in tops)) if tops else 1
        self.weights = [math.prod(top + 1 for top in tops[i + 1:]) for i in range(len(tops))]
        self.span = math.prod(top + 1 for top in tops)
        self.radices = [max(codes, default=0) + 1 for codes in self.sensitive]

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
        self.evaluated += 1
        sizes = Counter(class_ids)
        failing = {c for c, size in sizes.items() if size < self.k}
        suppressed = sum(sizes[c] for c in failing)
        if suppressed > self.budget or self.l <= 1:
            return suppressed <= self.budget
        for codes, radix in zip(self.sensitive, self.radices, strict=True):
            # stop at the first attribute that breaks the budget
            for c, count in diversity.distinct_counts(class_ids, codes, radix).items():
                if count < self.l and c not in failing:
                    failing.add(c)
                    suppressed += sizes[c]
            if suppressed > self.budget:
                return False
        return True

    def partition(self, node: Sequence[int]) -> list[int]:
        """Class ids of a node, computed from scratch."""
        ids = Classes([0] * self.n, 1)
        for column, level in zip(self.columns, node, strict=True):
            ids = ids.refine(column, level)
        return ids.ids


#: Class ids stay below this (machine-word integers are fastest); beyond, renumber densely.
DENSE_AT = 1 << 48


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
    """A heuristic order of the QIs for the search: most distinct values first (they decide
    most, so bad branches fail early). It changes the time taken, never the result."""
    cols = problem.columns
    return sorted(range(len(cols)), key=lambda i: -cols[i].radices[cols[i].levels[0]])


def search(problem: Problem, order: Sequence[int] | None = None) -> Outcome:
    """The least-loss satisfying node (branch and bound with monotone pruning), taking the
    QIs in ``order`` (default: ``default_order``; any order finds the same node)."""
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
    best: list[tuple[int, tuple[int, ...]]] = []
    prefix: list[int] = []

    def dfs(d: int, ids: Classes, loss: int) -> None:
        if d == len(cols):
            if not best or loss < best[0][0]:
                best[:] = [(loss, tuple(prefix))]
            return
        column = cols[d]
        known = False  # a less general level of this QI satisfied already
        for level in column.levels:
            if level < floors[d]:
                continue
            here = loss + problem.loss(order[d], level)
            if best and here + rest[d + 1] >= best[0][0]:
                break  # the more general levels lose even more
            if level == column.levels[-1]:
                child = ids  # ``*``: the node is the one already known to satisfy
            else:
                child = ids.refine(column, level)
                if not known:
                    if not problem.satisfies(child.ids):
                        continue  # monotone: its whole sub-lattice fails
                    known = True
            prefix.append(level)
            dfs(d + 1, child, here)
            prefix.pop()

    dfs(0, root, 0)
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
