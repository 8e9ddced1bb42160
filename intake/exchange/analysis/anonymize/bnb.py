"""The branch and bound over the lattice of generalization levels (see :mod:`lattice`,
"The search is a depth-first branch and bound…"): monotone pruning, floors, the loss
bound, and with a limit the greedy node (:mod:`heuristic`) as the first bound."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from intake.errors import Cancelled
from intake.exchange.analysis.anonymize import heuristic
from intake.exchange.analysis.anonymize.lattice import Classes, Problem


@dataclass
class Outcome:
    node: tuple[int, ...] | None  # None: nothing satisfies, not even all ``*``
    loss: int
    evaluated: int
    lattice_size: int
    optimal: bool = True  # False: the evaluation limit stopped the search first


class _Limit(Exception):
    """The search evaluated ``limit`` nodes: the best node found so far is kept."""


def lattice_size(problem: Problem) -> int:
    return math.prod(len(c.levels) for c in problem.columns)


def default_order(problem: Problem) -> list[int]:
    """A heuristic order of the QIs for the search: fewest levels first (less branching near
    the root), then most distinct values first (they decide most, so bad branches fail
    early). It changes the time taken, never the result."""
    cols = problem.columns
    return sorted(range(len(cols)),
                  key=lambda i: (len(cols[i].levels), -cols[i].radices[cols[i].levels[0]]))


class _Walk:
    """One depth-first walk: the QIs in search ``order``, the best node found, and the
    nodes known to satisfy (level vectors in search order, ``*`` for QIs not fixed yet): a
    node one level more general in some QI than one of these satisfies too, so it is
    refined without being evaluated. A vector is kept as one integer (its levels as the
    digits of a mixed-radix number, ``place`` per QI), updated as the walk moves."""

    def __init__(self, problem: Problem, order: list[int], floors: list[int],
                 rest: list[int], should_stop: Callable[[], bool] | None,
                 stop_at: int | None) -> None:
        self.problem, self.order, self.floors, self.rest = problem, order, floors, rest
        self.cols = [problem.columns[i] for i in order]
        self.owned = set(problem.owned_columns)
        self.should_stop, self.stop_at = should_stop, stop_at
        self.best: list[tuple[int, tuple[int, ...]]] = []
        self.prefix: list[int] = []
        self.current = [column.levels[-1] for column in self.cols]
        self.finer = [dict(zip(c.levels[1:], c.levels, strict=False)) for c in self.cols]
        self.place = [math.prod(max(c.levels) + 1 for c in self.cols[d + 1:])
                      for d in range(len(self.cols))]
        self.key = sum(lv * pl for lv, pl in zip(self.current, self.place, strict=True))
        self.good: set[int] = set()

    def dfs(self, d: int, classes: Classes, loss: int, parts: dict[int, Classes]) -> None:
        if self.should_stop is not None and self.should_stop():
            raise Cancelled()
        if self.stop_at is not None and self.problem.evaluated > self.stop_at:
            raise _Limit()
        if d == len(self.cols):
            if not self.best or loss < self.best[0][0]:
                self.best[:] = [(loss, tuple(self.prefix))]
            return
        column, known = self.cols[d], False  # known: a less general level satisfied
        for level in column.levels:
            if level < self.floors[d]:
                continue
            here = loss + self.problem.loss(self.order[d], level)
            if self.best and here + self.rest[d + 1] >= self.best[0][0]:
                break  # the more general levels lose even more
            self._set(d, level)
            child, others = self._child(d, level, classes, parts, known)
            if child is None:
                continue  # monotone: its whole sub-lattice fails
            known = True
            self.good.add(self.key)
            self.prefix.append(level)
            self.dfs(d + 1, child, here, others)
            self.prefix.pop()
        self._set(d, column.levels[-1])

    def _set(self, d: int, level: int) -> None:
        self.key += (level - self.current[d]) * self.place[d]
        self.current[d] = level

    def _child(self, d: int, level: int, classes: Classes, parts: dict[int, Classes],
               known: bool) -> tuple[Classes | None, dict[int, Classes]]:
        """The classes at ``level`` of QI ``d`` (None when that node fails), and the
        partitions without each released K and S* QI."""
        column = self.cols[d]
        if level == column.levels[-1]:
            return classes, parts  # ``*``: the node already known to satisfy
        child = classes.refine(column.codes[level], column.radices[level])
        others = {o: part.refine(column.codes[level], column.radices[level])
                  for o, part in parts.items()}
        if self.order[d] in self.owned:
            others[self.order[d]] = classes
        if not (known or _generalizes_good(self.current, self.finer, self.place, self.key,
                                           self.good, d)) \
                and not self.problem.accepts(child, others):
            return None, others
        if d + 1 < len(self.cols):
            child = child.dense()
            others = {o: part.dense() for o, part in others.items()}
        return child, others


def search(problem: Problem, order: Sequence[int] | None = None,
           should_stop: Callable[[], bool] | None = None, limit: int | None = None
           ) -> Outcome:
    """The least-loss satisfying node (branch and bound with monotone pruning), taking the
    QIs in ``order`` (default: ``default_order``; any order finds the same node).
    ``should_stop`` is polled at every search node; True raises ``Cancelled``. With a
    ``limit``, the greedy node (``heuristic.greedy``) is the first bound, and the search
    stops after ``limit`` evaluations with the best node found (``optimal`` False)."""
    order = list(order) if order is not None else default_order(problem)
    owned = problem.owned_columns
    # last, so that the classes above each are "the other QIs" (then refined further)
    order = [i for i in order if i not in owned] + owned
    size = lattice_size(problem)
    root = Classes(np.zeros(problem.n, dtype=np.int64), 1)
    if not problem.accepts(root):
        return Outcome(None, 0, problem.evaluated, size)
    floors, rest = _floors(problem, order, root)
    walk = _Walk(problem, order, floors, rest, should_stop,
                 None if limit is None else problem.evaluated + limit)
    if limit is not None:
        start = heuristic.greedy(problem)
        walk.best.append((problem.total_loss(start), tuple(start[i] for i in order)))
        walk.stop_at = problem.evaluated + limit
    optimal = True
    try:
        walk.dfs(0, root, 0, {})
    except _Limit:
        optimal = False
    loss, found = walk.best[0]  # all ``*`` satisfies, so something was found
    node = [0] * len(order)
    for d, i in enumerate(order):
        node[i] = found[d]
    return Outcome(tuple(node), loss, problem.evaluated, size, optimal)


def _floors(problem: Problem, order: Sequence[int], root: Classes
            ) -> tuple[list[int], list[int]]:
    """Per QI in ``order``: the least general level that satisfies alone (nothing below it
    can be part of a solution), and the least loss of the QIs from there on."""
    floors: list[int] = []
    for i in order:
        column = problem.columns[i]
        floor = column.levels[-1]
        others = {i: root} if i in problem.owned_columns else None
        for level in column.levels[:-1]:
            if problem.accepts(root.refine(column.codes[level], column.radices[level]),
                               others):
                floor = level
                break
        floors.append(floor)
    rest = [0] * (len(order) + 1)  # rest[d]: least loss of QIs d… given their floors
    for d in range(len(order) - 1, -1, -1):
        rest[d] = rest[d + 1] + problem.loss(order[d], floors[d])
    return floors, rest


def _generalizes_good(current: list[int], finer: list[dict[int, int]], place: list[int],
                      key: int, good: set[int], d: int) -> bool:
    """Whether the node ``current`` (QIs up to ``d`` fixed; ``key`` its number) is one
    level more general in some QI than a node known to satisfy (so it satisfies too:
    monotonicity)."""
    for i in range(d + 1):
        level = current[i]
        below = finer[i].get(level)
        if below is not None and key - (level - below) * place[i] in good:
            return True
    return False


def exhaustive(problem: Problem) -> Outcome:
    """Every node evaluated from scratch: for tests on small lattices only."""
    found: tuple[int, tuple[int, ...]] | None = None
    for node in itertools.product(*(c.levels for c in problem.columns)):
        if problem.satisfies(problem.partition(node), problem.others(node)):
            candidate = (problem.total_loss(node), node)
            if found is None or candidate < found:
                found = candidate
    size = lattice_size(problem)
    if found is None:
        return Outcome(None, 0, problem.evaluated, size)
    return Outcome(found[1], found[0], problem.evaluated, size)
