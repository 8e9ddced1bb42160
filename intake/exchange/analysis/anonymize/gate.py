"""The final gate before anything is written: special uniques over every released column
(docs/export.md, "The final gate").

A *minimal sample unique* (MSU, as in SUDA: see msu.py for the definition and how it is
searched) is a set of at most ``max_size`` (3) columns on which one row is alone, while no
smaller subset of it singles the row out. Every released column takes part,
quasi-identifier (Q or K) or not: a rare answer, or a rare pair or triple of answers, is a
fingerprint whoever holds it. ``*`` (suppressed) is no value: a row with ``*`` in a column
is never counted as matching, nor unique, on that column. Sets of three are searched
rarest value first within a budget (:func:`triple_cells`); when a search stopped at it, one
last pass searches every set again within LAST_PASS_FACTOR times the budget once the
repair is done. Beyond that, the outcome says the search was ``bounded`` and up to which
count of rows its rarest value was complete (sets of one and two columns are always
searched completely).

:func:`repair` removes them by local suppression: every MSU of a row is repaired in the same
pass, greedily: the cell in most of the row's MSUs (of those, the rarest value) becomes
``*`` — never a quasi-identifier, whose ``*`` would move the row out of its k-class; an
l-diverse answer only when nothing else is in the MSU. Repeated until no MSU is left: a
search after a repair looks only at the sets the repair can have made unique, those
holding a value of a cell just made ``*`` (msu.py), which finds every new MSU, so no full
search confirms, but for the last pass above (tests/unit/test_gate_triples.py and
test_gate_dense.py check it against an oracle on random tables). When a quasi-identifier
alone would have to go, or an l-diverse cell would break l, the row is removed (its whole
class if the class would miss k or l without it), up to the suppression limit; beyond it
the pass is refused, naming the quasi-identifiers of the sets it could not repair (the
pipeline then makes them more general and tries again).

Decoys (decoys.py, when asked): the hidden cells are balanced so that a ``*`` does not
tell its column's rare answer, and the cells earlier releases hid are hidden again
(:class:`Before`, :class:`gate_decoys.Balancer`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize import msu
from intake.exchange.analysis.anonymize.gate_decoys import Balancer, Before, shares
from intake.exchange.analysis.anonymize.gate_state import DEFAULT_SIZE, GateOutcome, State
from intake.exchange.analysis.anonymize.generalize import MISSING, SUPPRESSED

Ids = npt.NDArray[np.int64]
#: Cells one search of triples may count (msu_dense.cost: rows × values of each projection,
#: and its products / 32); about 0.1 s here. Beyond, it stops after the rarest values.
TRIPLE_CELLS = 40_000_000
#: When the repair is done, one last pass searches every set again within this many times
#: the budget (then its repairs as before): at 10,000 demo testimonies, releasing every
#: column, it is complete (93 million cells, about 0.2 s) and finds nothing left, so the
#: release is not ``bounded``; only where even that budget runs out is it.
LAST_PASS_FACTOR = 10
#: A smaller table gets up to this many times the budget (:func:`triple_cells`): the rest of
#: the export costs it less time, and it is where values held by hundreds of rows still
#: combine into a unique (tests/security/test_adversary_review_18.py).
SMALL_TABLE_FACTOR = 12
SMALL_TABLE_ROWS = 1_200


def triple_cells(rows: int) -> int:
    """The budget of one search of triples over ``rows`` rows: TRIPLE_CELLS, times up to
    SMALL_TABLE_FACTOR for a table of SMALL_TABLE_ROWS rows or fewer, falling as 1 / rows²
    to TRIPLE_CELLS from about 4,160 rows on (searches are repeated after each repair: the
    last pass alone gets LAST_PASS_FACTOR times this)."""
    factor = SMALL_TABLE_FACTOR * (SMALL_TABLE_ROWS / max(rows, 1)) ** 2
    return int(TRIPLE_CELLS * min(SMALL_TABLE_FACTOR, max(1.0, factor)))


def _codes(values: Sequence[str]) -> tuple[Ids, int]:
    """Dense codes of a column, and its radix; ``*`` is the last code (the radix − 1)."""
    codes, radix, _missing = _coded(values)
    return codes, radix


def _coded(values: Sequence[str]) -> tuple[Ids, int, list[int]]:
    """:func:`_codes`, and the codes of the column's missing answers."""
    seen = dict.fromkeys(values)
    seen.pop(SUPPRESSED, None)
    index = {v: i for i, v in enumerate(seen)}
    index[SUPPRESSED] = len(index)
    return (np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values)),
            len(index), [index[v] for v in MISSING if v in index])


def special_uniques(matrix: Sequence[Ids], radices: Sequence[int],
                    max_size: int = DEFAULT_SIZE, protected: frozenset[int] = frozenset(),
                    touched: set[int] | None = None) -> dict[int, tuple[int, ...]]:
    """Row → its first minimal sample unique (a tuple of column indexes: the smallest,
    then the first in column order), over sets of up to ``max_size`` (≤ 3) columns. Sets of
    ``protected`` columns only (the quasi-identifiers: every row shares them with k − 1
    others) are skipped; with ``touched``, only sets holding one of those columns are
    searched (a suppressed cell only makes rows unique on sets that hold its column)."""
    return msu.first(msu.search(matrix, radices, max_size, protected, touched))


def _fix_row(state: State, row: int, combos: list[tuple[int, ...]], outcome: GateOutcome,
             touched: set[int], held: list[Ids]) -> None:
    """Repair every MSU of ``row`` (column indexes, ``-1`` padded): first the plain cell
    in most of them (greedy; of those, the rarest value: fewest cells lost over the whole
    repair on the demo releases), then, for an MSU with no plain column, an l-diverse cell
    that may go, else the row goes. ``held``: per column, how many rows hold each code."""
    remaining = combos
    plain = state.plain
    while remaining:
        tally: dict[int, int] = {}
        for combo in remaining:
            for at in combo:
                if at >= 0 and plain[at]:
                    tally[at] = tally.get(at, 0) + 1
        if tally:
            best = max(tally, key=lambda at: (tally[at], -held[at][state.matrix[at][row]], -at))
        else:
            names = [c for c in remaining[0] if c >= 0 and state.columns[c] in state.last_resort]
            allowed = [c for c in names if state.may_hide(row, c)]
            if not allowed:
                _drop_row(state, row, remaining[0], outcome, touched)
                return
            best = allowed[0]
        done = len(state.suppressed)
        state.suppress(row, best, outcome)  # with it, its linked and sibling cells
        gone = {at for _row, at, _code in state.suppressed[done:]}
        touched |= gone
        remaining = [c for c in remaining if gone.isdisjoint(c)]


def _drop_row(state: State, row: int, combo: tuple[int, ...], outcome: GateOutcome,
              touched: set[int]) -> None:
    """No cell of ``combo`` may go: remove the row (its class, if need be), or refuse."""
    if row in outcome.dropped:
        return
    gone = state.drop(row) if state.drop is not None else []
    if not gone:
        outcome.refused = True  # go on: gather every blocking QI of this pass
        outcome.blocking.extend(state.columns[i] for i in combo
                                if i >= 0 and state.columns[i] in state.protected
                                and state.columns[i] not in outcome.blocking)
        return
    outcome.dropped.extend(gone)
    for at, (column, radix) in enumerate(zip(state.matrix, state.radices, strict=True)):
        state.suppressed.extend((int(row), at, int(column[row])) for row in gone
                                if column[row] != radix - 1)
        column[gone] = radix - 1
    touched.update(range(len(state.columns)))
    state.dirty.update(state.hidden)  # their hidden cells no longer count


def _by_row(hits: msu.Hits) -> dict[int, list[tuple[int, ...]]]:
    """Row → its MSUs (column indexes, ``-1`` padded), rows in order."""
    if not hits.rows.size:
        return {}
    order = np.argsort(hits.rows, kind="stable")
    rows = hits.rows[order]
    combos = list(map(tuple, hits.combos[order].tolist()))
    bounds = [0, *(np.flatnonzero(np.diff(rows)) + 1).tolist(), rows.size]
    return {row: combos[start:end] for row, start, end in zip(
        rows[bounds[:-1]].tolist(), bounds[:-1], bounds[1:], strict=True)}


def repair(columns: Sequence[str], rows: list[dict[str, str]], protected: set[str],
           last_resort: set[str], max_size: int | None = None,
           may_suppress: Callable[[int, str], bool] | None = None,
           drop: Callable[[int], list[int]] | None = None,
           cells: int | None = None, before: Before | None = None,
           decoy: bool = False, withheld: int = 0,
           hidden: Callable[[int, str, str], None] | None = None) -> GateOutcome:
    """Find special uniques over ``columns`` of ``rows`` and suppress cells (in place)
    until none is left; ``protected`` columns are never suppressed, ``last_resort`` ones
    only when the unique has no other column and ``may_suppress(row, column)`` (the
    row's class stays diverse); failing that, ``drop(row)`` removes the row (or its whole
    class, when the class would miss k or l without it) within its budget. ``refused`` when
    none of this is possible. Each search of triples counts at most ``cells`` cells
    (:func:`triple_cells` when None), the last pass LAST_PASS_FACTOR times that
    (``bounded`` when even that does not cover every set). ``decoy``: decoys too, as
    ``before`` says (gate_decoys.Balancer), withheld as ``withheld`` says; ``hidden``: on_hide."""
    max_size = DEFAULT_SIZE if max_size is None else max_size
    outcome = GateOutcome(0, max_size=max_size)
    if not rows or not columns:
        return outcome
    pairs = [_coded([row[c] for row in rows]) for c in columns]
    state = State(columns, rows, [p[0] for p in pairs], [p[1] for p in pairs], protected,
                   last_resort, may_suppress, drop, missing=[p[2] for p in pairs],
                   on_hide=hidden)
    shielded = frozenset(i for i, c in enumerate(columns) if c in protected)
    touched: set[int] | None = None
    base = triple_cells(len(rows)) if cells is None else cells
    first, memo, budget, widened = True, msu.Memo(), base, False
    balancer = Balancer.of(before, len(rows), decoy, withheld)
    balancer.hide_again(state, outcome)
    while True:
        hits = msu.search(state.matrix, state.radices, max_size, shielded, touched,
                          budget, memo, None if touched is None else state.suppressed)
        state.suppressed = []
        outcome.bounded |= hits.bounded
        if hits.bounded:
            outcome.triple_limit = hits.limit
        found = _by_row(hits)
        if first:
            outcome.found, first = len(found), False
        if not found and memo.limit is not None and not widened:
            # the last pass: every set again, within the larger budget (its repairs
            # searched as before); only its outcome says whether the search was bounded
            memo, budget, touched, widened = msu.Memo(), base * LAST_PASS_FACTOR, None, True
            outcome.bounded, outcome.triple_limit = False, None
            continue
        if not found:
            touched = balancer.at_rest(state, outcome)
            if not touched:
                return shares(state, outcome) if decoy else outcome
            continue
        touched = set()
        held = [np.bincount(c, minlength=r) for c, r in zip(state.matrix, state.radices,
                                                             strict=True)]
        for row, combos in found.items():
            if row not in outcome.dropped:
                _fix_row(state, row, combos, outcome, touched, held)
        if outcome.refused:
            return outcome
        touched |= balancer.after_repairs(state, outcome)
