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
deterministic the loss is kept in integers (scaled by the lcm of the ``max_level``s).

The search is a depth-first branch and bound over the QIs in order. A search node fixes the
levels of the first d QIs; the others are at ``*``, so it is itself a lattice node, and the
most general one of its sub-lattice. Hence:

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

from intake.exchange.anonymize import diversity


@dataclass(frozen=True)
class Column:
    """One QI: its levels and, per level, a dense integer code per record."""

    name: str
    levels: tuple[int, ...]  # allowed levels, ascending; the last one is ``*``
    codes: dict[int, list[int]]


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

    def __post_init__(self) -> None:
        self.scale = math.lcm(*(max(c.levels) or 1 for c in self.columns)) if self.columns else 1

    def loss(self, column: int, level: int) -> int:
        top = max(self.columns[column].levels)
        return level * self.scale // top if top else 0

    def total_loss(self, node: Sequence[int]) -> int:
        return sum(self.loss(i, level) for i, level in enumerate(node))

    def failing(self, class_ids: Sequence[int]) -> tuple[int, set[int]]:
        """(records to suppress, failing class ids) of a partition."""
        sizes = Counter(class_ids)
        small = {c for c, size in sizes.items() if size < self.k}
        failing = small | diversity.failing_classes(class_ids, self.sensitive, self.l)
        return sum(sizes[c] for c in failing), failing

    def satisfies(self, class_ids: Sequence[int]) -> bool:
        self.evaluated += 1
        sizes = Counter(class_ids)
        small = sum(size for size in sizes.values() if size < self.k)
        if small > self.budget:
            return False
        return self.failing(class_ids)[0] <= self.budget

    def partition(self, node: Sequence[int]) -> list[int]:
        """Class ids of a node, computed from scratch."""
        ids = [0] * self.n
        for column, level in zip(self.columns, node, strict=True):
            ids = refine(ids, column.codes[level])
        return ids


def refine(class_ids: Sequence[int], codes: Sequence[int]) -> list[int]:
    """The classes of ``class_ids`` split by ``codes``, renumbered densely."""
    seen: dict[tuple[int, int], int] = {}
    return [seen.setdefault(pair, len(seen)) for pair in zip(class_ids, codes, strict=True)]


@dataclass
class Outcome:
    node: tuple[int, ...] | None  # None: nothing satisfies, not even all ``*``
    loss: int
    evaluated: int
    lattice_size: int


def lattice_size(problem: Problem) -> int:
    return math.prod(len(c.levels) for c in problem.columns)


def search(problem: Problem) -> Outcome:
    """The least-loss satisfying node (branch and bound with monotone pruning)."""
    cols = problem.columns
    size = lattice_size(problem)
    root = [0] * problem.n
    if not problem.satisfies(root):
        return Outcome(None, 0, problem.evaluated, size)
    floors: list[int] = []
    for column in cols:
        floor = column.levels[-1]
        for level in column.levels[:-1]:
            if problem.satisfies(refine(root, column.codes[level])):
                floor = level
                break
        floors.append(floor)
    rest = [0] * (len(cols) + 1)  # rest[d]: least loss of QIs d… given their floors
    for d in range(len(cols) - 1, -1, -1):
        rest[d] = rest[d + 1] + problem.loss(d, floors[d])
    best: list[tuple[int, tuple[int, ...]]] = []
    prefix: list[int] = []

    def dfs(d: int, ids: list[int], loss: int) -> None:
        if d == len(cols):
            if not best or loss < best[0][0]:
                best[:] = [(loss, tuple(prefix))]
            return
        column = cols[d]
        known = False  # a less general level of this QI satisfied already
        for level in column.levels:
            if level < floors[d]:
                continue
            here = loss + problem.loss(d, level)
            if best and here + rest[d + 1] >= best[0][0]:
                break  # the more general levels lose even more
            if level == column.levels[-1]:
                child = ids  # ``*``: the node is the one already known to satisfy
            else:
                child = refine(ids, column.codes[level])
                if not known:
                    if not problem.satisfies(child):
                        continue  # monotone: its whole sub-lattice fails
                    known = True
            prefix.append(level)
            dfs(d + 1, child, here)
            prefix.pop()

    dfs(0, root, 0)
    loss, node = best[0]  # all ``*`` satisfies, so something was found
    return Outcome(node, loss, problem.evaluated, size)


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
