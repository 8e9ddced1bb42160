"""The final gate's decoys, as the repair uses them (gate.repair): when to balance, what
earlier releases hid, and how far the columns are left from balanced. The balancing
itself is decoys.py's.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize import decoys, links
from intake.exchange.analysis.anonymize.models import Decoys

if TYPE_CHECKING:
    from intake.exchange.analysis.anonymize.gate_state import GateOutcome, State
    from intake.exchange.analysis.anonymize.generalize import QuasiIdentifier
    from intake.exchange.analysis.anonymize.lattice import Problem

#: Times the hidden cells are balanced with decoys (decoys.py) once no special unique is
#: left, besides once after the first repairs (which hide most cells); each is followed by
#: the repair of what the decoys made unique, and the repairs after the last are not
#: balanced again (the outcome's ``shares`` says how far each column then is: at 10,000
#: demo testimonies releasing every column, 25 columns at 0.50-0.56). A second round
#: costs about ten searches more and leaves about as many columns above 0.5.
DECOY_ROUNDS = 1
#: How far the decoys and linked cells (links.py) are withheld, by level (gate.repair's
#: ``withheld``): 0, both in every column; 1, no linked cell in the l-diverse columns; 2,
#: neither in the l-diverse columns; 3, no new decoy and no linked cell (the cells earlier
#: releases hid are hidden again all the same). The pipeline goes to the next level only
#: when the gate refuses a release and no quasi-identifier made more general could help:
#: hidden l-diverse answers can leave a row alone on answers the guard may not hide (decoys
#: alone: about 1 key in 20 on a 60-testimony vault), and neither may refuse a release.
WITHHELD = (None, "l_diverse_links", "l_diverse_columns", "all_new")


@dataclass
class Before:
    """The decoys' rank per row (decoys.row_keys), the rows no earlier release held
    (decoys go to them first: a row new to this release changes anyway), and the cells
    earlier releases hid (row, column), hidden again first."""

    keys: decoys.Keys
    fresh: npt.NDArray[np.bool_]
    hidden: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def of(cls, given: Decoys, ids: Sequence[str], columns: Collection[str]) -> Before:
        released = set(given.released)
        return cls(decoys.row_keys(given.key, ids),
                   np.asarray([i not in released for i in ids], dtype=np.bool_),
                   [(row, c) for row, i in enumerate(ids)  # sorted: a set's order
                    for c in sorted(given.hidden.get(i, ()))  # follows the hash seed
                    if c in columns])


def _live(state: State, outcome: GateOutcome) -> tuple[npt.NDArray[np.bool_], decoys.Ids]:
    """The rows the gate keeps (not dropped), and each row's class over the
    quasi-identifiers (made once: the gate never hides a quasi-identifier)."""
    live = np.ones(len(state.rows), dtype=np.bool_)
    live[outcome.dropped] = False
    if state.groups is None:
        state.groups = decoys.classes(state.matrix, [i for i, c in enumerate(state.columns)
                                                     if c in state.protected])
    return live, state.groups


def balance(state: State, outcome: GateOutcome, before: Before, diverse: bool = True
            ) -> set[int]:
    """Balance every column's hidden cells with decoys (decoys.py), within each class of
    the quasi-identifiers, then over the column; an l-diverse cell only where the guard
    lets it go (none at all unless ``diverse``). Only the columns whose hidden cells
    changed since are looked at again. The columns that got some."""
    live, groups = _live(state, outcome)
    touched: set[int] = set()
    dirty, state.dirty = sorted(state.dirty), set()
    for at in dirty:
        name = state.columns[at]
        missing = state.missing_at(at)
        hidden = {row: code for row, code in state.hidden[at].items()
                  if live[row] and code not in missing}  # answers only: see decoys.py
        if not hidden or name in state.protected or (
                not diverse and name in state.last_resort):
            continue

        def take(row: int, at: int = at) -> bool:
            if not state.may_hide(row, at):
                return False
            state.suppress(row, at, outcome, decoy=True)
            return True

        if decoys.balance(state.grid, at, hidden, groups, live,
                          decoys.ranks(before.keys, name, before.fresh), take, missing):
            touched.add(at)
    return touched


@dataclass
class Balancer:
    """When the gate balances its hidden cells with decoys: after its first repairs, and
    ``rounds`` times once no special unique is left (none at all when ``rounds`` < 0);
    ``withheld``: a level of WITHHELD."""

    before: Before
    rounds: int
    withheld: int = 0
    early: bool = True

    @classmethod
    def of(cls, before: Before | None, rows: int, decoy: bool, withheld: int = 0
           ) -> Balancer:
        """Decoys as ``before`` says (else ranked at random, every row fresh), or none."""
        return cls(before or Before(decoys.row_keys(None, map(str, range(rows))),
                                    np.ones(rows, dtype=np.bool_)),
                   DECOY_ROUNDS if decoy else -1, withheld)

    def _balance(self, state: State, outcome: GateOutcome) -> set[int]:
        if self.withheld >= len(WITHHELD) - 1:
            return set()
        return balance(state, outcome, self.before, diverse=self.withheld <= 1)

    def hide_again(self, state: State, outcome: GateOutcome) -> None:
        """The cells earlier releases hid, hidden first, as decoys (an l-diverse cell
        only where the guard lets it go): the search that follows repairs what they
        make unique, and a column is balanced again only when this release's repairs
        change it."""
        if self.rounds < 0:
            return
        outcome.decoys_withheld = WITHHELD[self.withheld]
        state.link_diverse = self.withheld == 0
        if self.withheld < len(WITHHELD) - 1:
            state.linked = links.find(state.grid.codes, state.columns, state.protected,
                                      state.missing, state.radices)
            state.siblings = links.siblings(state.columns, state.protected)
            state.keys = self.before.keys
            state.lone = links.lone(state.columns, state.rows, state.siblings)
            outcome.links = {state.columns[a]: [state.columns[b] for b in bs]
                             for a, bs in state.linked.items()}
        at = {c: i for i, c in enumerate(state.columns)}
        state.deferred = []
        for row, name in self.before.hidden:
            col = at[name]
            if name in state.protected or state.matrix[col][row] == state.radices[col] - 1 \
                    or not state.may_hide(row, col):
                continue
            state.suppress(row, col, outcome, decoy=True)
            outcome.kept_hidden += 1
        deferred, state.deferred = state.deferred, None
        for row, col, shown in deferred:
            state.sibling_rule(row, col, shown, outcome)
        state.dirty.clear()  # balanced when they were released: a column is looked at
        # again only when this release's repairs change it (released again unchanged,
        # a table comes out the same)

    def after_repairs(self, state: State, outcome: GateOutcome) -> set[int]:
        """After the first repairs (which hide most cells), the columns balanced: what
        the decoys make unique is then repaired with the rest."""
        if self.rounds < 0 or not self.early:
            return set()
        self.early = False
        return self._balance(state, outcome)

    def at_rest(self, state: State, outcome: GateOutcome) -> set[int]:
        """Nothing is left to repair: the columns balanced, for up to ``rounds`` times."""
        if self.rounds <= 0:
            return set()
        self.rounds -= 1
        return self._balance(state, outcome)


def shares(state: State, outcome: GateOutcome) -> GateOutcome:
    """The outcome, with how far the hidden cells are from balanced (decoys.skew)."""
    live, groups = _live(state, outcome)
    outcome.shares, outcome.class_skewed, outcome.hidden_entirely = {}, 0, {}
    for at, cells in state.hidden.items():
        missing = state.missing_at(at)
        hidden = {row: code for row, code in cells.items() if live[row]}
        answered = {row: code for row, code in hidden.items() if code not in missing}
        if answered and state.columns[at] not in state.protected:
            share, skewed = decoys.skew(answered, groups)
            outcome.class_skewed += skewed
            if share > decoys.SHARE:
                outcome.shares[state.columns[at]] = round(share, 4)
            gone = set(hidden.values()) - set(state.matrix[at][live].tolist())
            if gone:  # an answer the column no longer shows at all
                outcome.hidden_entirely[state.columns[at]] = len(gone)
    return outcome


def as_before(problem: Problem, node: Sequence[int], qis: Sequence[QuasiIdentifier],
              decoys: Decoys) -> tuple[int, ...] | None:
    """``node`` with each QI at least as general as an earlier table release made it
    (``decoys.levels``); None when it is already. The cells hidden again were chosen at
    those levels: met at a finer node they can leave a unique of answers alone, with no
    QI to make more general, which the same data passed at the earlier release's levels
    (demo data, 200 records, every column, k = 2, no suppression: 1 vault key in 3 had
    its second release of unchanged data refused)."""
    out = list(node)
    for i, qi in enumerate(qis):
        wanted = decoys.levels.get(qi.id)
        if wanted is not None and wanted > out[i] and wanted in problem.columns[i].levels:
            out[i] = wanted
    return tuple(out) if out != list(node) else None
