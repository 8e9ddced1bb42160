"""A good first node for large lattices (the branch and bound of :mod:`bnb` starts from it).

With every released K column a quasi-identifier, a full release has some thirty QIs and a
lattice of about 10¹³ nodes: the exact branch and bound (``bnb.search``) cannot always
finish. :func:`greedy` walks down from the all-``*`` node (which satisfies whenever
anything does): at each step it makes one QI one level less general, trying first the QIs
whose step lowers the loss (Prec) most and taking the first that still satisfies; a QI
whose step fails is never tried again (monotonicity: every later node is more specific, so
that step would fail there too). It evaluates at most (QIs × levels) + steps nodes. The
branch and bound then starts from its loss as the bound and, when stopped by its limit,
keeps the better of the two (the risk report says whether the node is proven optimal).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from intake.exchange.analysis.anonymize.lattice import Classes, Problem


def classes_of(problem: Problem, node: Sequence[int], skip: int | None = None) -> Classes:
    """The equivalence classes of ``node`` (QI ``skip`` taken as ``*``)."""
    classes = Classes(np.zeros(problem.n, dtype=np.int64), 1)
    for i, (column, level) in enumerate(zip(problem.columns, node, strict=True)):
        if i == skip or level == max(column.levels):
            continue
        classes = classes.refine(column.codes[level], column.radices[level]).dense()
    return classes


def accepts_node(problem: Problem, node: Sequence[int]) -> bool:
    """Whether ``node`` satisfies (one evaluation, from scratch)."""
    others = {o: classes_of(problem, node, skip=o) for o in problem.owned_columns
              if node[o] < max(problem.columns[o].levels)}
    return problem.accepts(classes_of(problem, node), others)


def greedy(problem: Problem) -> tuple[int, ...]:
    """The node the greedy walk ends at (all ``*`` when nothing more specific satisfies;
    the caller has checked that all ``*`` satisfies)."""
    node = [max(c.levels) for c in problem.columns]
    finer = [dict(zip(c.levels[1:], c.levels, strict=False)) for c in problem.columns]
    dead: set[int] = set()
    while True:
        steps = []
        for i, level in enumerate(node):
            below = finer[i].get(level)
            if i in dead or below is None:
                continue
            gain = problem.loss(i, level) - problem.loss(i, below)
            steps.append((-gain, i, below))
        for _gain, i, below in sorted(steps):
            trial = list(node)
            trial[i] = below
            if accepts_node(problem, trial):
                node = trial
                break
            dead.add(i)
        else:
            return tuple(node)
