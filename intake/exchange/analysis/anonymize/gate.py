"""The final gate before anything is written: special uniques over every released column
(docs/export.md, "The final gate").

A *minimal sample unique* (MSU, as in SUDA) is a set of at most ``max_size`` columns on
which one row is alone, while no smaller subset of it singles the row out. Every released
column takes part, quasi-identifier (Q or K) or not: a rare answer, or a rare pair of
answers, is a fingerprint whoever holds it. ``*`` (suppressed) is no value: a row with ``*``
in a column is never counted as matching, nor unique, on that column.

:func:`repair` removes them by local suppression: in each row that has an MSU, the cell of
the MSU's column that costs least (never a quasi-identifier, whose ``*`` would move the row
out of its k-class; an l-diverse answer only when nothing else is in the MSU) becomes
``*``; repeated until no MSU is left (a pass after the first searches only the sets
that hold a column just suppressed, then a full pass confirms). When a quasi-identifier
alone would have to go, or an l-diverse cell would break l, the row is removed (its whole
class if the class would miss k or l without it), up to the suppression limit; beyond it
the pass is refused, naming the quasi-identifiers of the sets it could not repair (the
pipeline then makes them more general and tries again).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from intake.exchange.analysis.anonymize.generalize import SUPPRESSED

Ids = npt.NDArray[np.int64]
#: The largest size of a column set searched for a minimal sample unique.
DEFAULT_SIZE = 2


@dataclass
class GateOutcome:
    """What the gate found and did."""

    found: int  # rows with a special unique before repair
    repaired_cells: dict[str, int] = field(default_factory=dict)  # column → cells set to *
    refused: bool = False  # a special unique could not be repaired
    dropped: list[int] = field(default_factory=list)  # rows removed (no cell would do)
    #: the quasi-identifiers of the special unique that could not be repaired
    blocking: list[str] = field(default_factory=list)
    #: quasi-identifiers made more general than the search's node to pass the gate
    raised: list[str] = field(default_factory=list)
    max_size: int = DEFAULT_SIZE

    @property
    def repaired(self) -> int:
        return sum(self.repaired_cells.values())


def _codes(values: Sequence[str]) -> tuple[Ids, int]:
    """Dense codes of a column, and its radix; ``*`` is the last code (the radix − 1)."""
    index: dict[str, int] = {}
    codes = [-1 if v == SUPPRESSED else index.setdefault(v, len(index)) for v in values]
    radix = len(index) + 1
    return np.asarray([c if c >= 0 else radix - 1 for c in codes], dtype=np.int64), radix


def _unique_rows(matrix: Sequence[Ids], radices: Sequence[int], combo: tuple[int, ...]
                 ) -> Ids:
    """The rows alone on the columns ``combo`` (rows with ``*`` there never count: ``*``
    is the last code of a column)."""
    key = matrix[combo[0]]
    valid = key != radices[combo[0]] - 1
    space = radices[combo[0]]
    for col in combo[1:]:
        key = key * radices[col] + matrix[col]
        valid = valid & (matrix[col] != radices[col] - 1)
        space *= radices[col]
    if space <= 1 << 22:
        counts = np.bincount(key, minlength=space)
        return np.flatnonzero((counts[key] == 1) & valid)
    _uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return np.flatnonzero((counts[inverse.reshape(-1)] == 1) & valid)


def special_uniques(matrix: Sequence[Ids], radices: Sequence[int],
                    max_size: int = DEFAULT_SIZE, protected: frozenset[int] = frozenset(),
                    touched: set[int] | None = None) -> dict[int, tuple[int, ...]]:
    """Row → the first minimal sample unique found for it (a tuple of column indexes),
    over sets of up to ``max_size`` columns. Sets of ``protected`` columns only (the
    quasi-identifiers: every row shares them with k − 1 others) are skipped; with
    ``touched``, only sets holding one of those columns are searched (a suppressed cell
    only makes rows unique on sets that hold its column)."""
    found: dict[int, tuple[int, ...]] = {}
    unique_on: dict[tuple[int, ...], Ids] = {}
    for size in range(1, max_size + 1):
        for combo in itertools.combinations(range(len(matrix)), size):
            if all(c in protected for c in combo):
                continue
            checked = touched is None or any(c in touched for c in combo)
            if not checked and size == max_size:
                continue
            rows = _unique_rows(matrix, radices, combo)
            if size < max_size:
                unique_on[combo] = rows  # every row unique here, minimal or not
            if not checked:
                continue
            for sub in itertools.combinations(combo, size - 1) if size > 1 else ():
                hit = unique_on.get(sub)
                if hit is not None and hit.size and rows.size:
                    rows = rows[~np.isin(rows, hit)]
            for row in rows.tolist():
                found.setdefault(row, combo)
    return found


def repair(columns: Sequence[str], rows: list[dict[str, str]], protected: set[str],
           last_resort: set[str], max_size: int = DEFAULT_SIZE,
           may_suppress: Callable[[int, str], bool] | None = None,
           drop: Callable[[int], list[int]] | None = None) -> GateOutcome:
    """Find special uniques over ``columns`` of ``rows`` and suppress cells (in place)
    until none is left; ``protected`` columns are never suppressed, ``last_resort`` ones
    only when the unique has no other column and ``may_suppress(row, column)`` (the
    row's class stays diverse); failing that, ``drop(row)`` removes the row (or its whole
    class, when the class would miss k or l without it) within its budget. ``refused`` when
    none of this is possible."""
    if not rows or not columns:
        return GateOutcome(0, max_size=max_size)
    outcome: GateOutcome | None = None
    pairs = [_codes([row[c] for row in rows]) for c in columns]
    matrix = [p[0] for p in pairs]
    radices = [p[1] for p in pairs]
    shielded = frozenset(i for i, c in enumerate(columns) if c in protected)
    touched: set[int] | None = None
    while True:
        found = special_uniques(matrix, radices, max_size, shielded, touched)
        if outcome is None:
            outcome = GateOutcome(len(found), max_size=max_size)
        if not found and touched is not None:
            touched = None  # a row's other uniques, on columns not touched: search all
            continue
        if not found:
            return outcome
        touched = set()
        for row, combo in found.items():
            names = [columns[i] for i in combo if columns[i] not in protected]
            plain = [c for c in names if c not in last_resort]
            allowed = [c for c in names if c in last_resort and (
                may_suppress is None or may_suppress(row, c))]
            choice: str | None = (plain or allowed or [None])[0]  # type: ignore[list-item]
            if choice is None:
                gone = drop(row) if drop is not None and row not in outcome.dropped else []
                if not gone and row not in outcome.dropped:
                    outcome.refused = True  # go on: gather every blocking QI of this pass
                    outcome.blocking.extend(columns[i] for i in combo
                                            if columns[i] in protected
                                            and columns[i] not in outcome.blocking)
                    continue
                outcome.dropped.extend(gone)
                for column, radix in zip(matrix, radices, strict=True):
                    column[gone] = radix - 1
                touched.update(range(len(columns)))
                continue
            rows[row][choice] = SUPPRESSED
            at = columns.index(choice)
            matrix[at][row] = radices[at] - 1
            touched.add(at)
            outcome.repaired_cells[choice] = outcome.repaired_cells.get(choice, 0) + 1
        if outcome.refused:
            return outcome
