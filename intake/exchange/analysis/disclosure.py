"""Small-cell protection over published sums (the statistics tier, docs/export.md).

Counts stay ints; marks decide how they are shown: every count 1 … threshold-1 is ``SMALL``
(shown ``<10``); every published sum (a :class:`Line`) with exactly one hidden cell gets a
partner (``COMPLEMENTARY``, shown ``x``); then the whole system of lines is solved exactly
(rational elimination) and any hidden cell the shown ones determine gets a further partner,
until none is determined. Used by the statistics tables and the dashboard's saved figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction


class Mark(StrEnum):
    SHOWN = "shown"
    SMALL = "small"  # primary: 1 … threshold-1
    COMPLEMENTARY = "complementary"  # hidden so that a small cell cannot be worked out


@dataclass
class Cell:
    count: int
    denominator: str | None = None  # the id of the cell this one is a share of
    mark: Mark = Mark.SHOWN

    @property
    def hidden(self) -> bool:
        return self.mark is not Mark.SHOWN


@dataclass(frozen=True)
class Line:
    """A published sum: the counts of ``parts`` add up to the count of ``total``."""

    parts: tuple[str, ...]
    total: str


def protect(cells: dict[str, Cell], lines: Sequence[Line], threshold: int) -> None:
    """Mark small cells, then complementary cells until no hidden cell is determined by the
    published ``lines`` (see the module docstring)."""
    for c in cells.values():
        if 0 < c.count < threshold:
            c.mark = Mark.SMALL
    while True:
        changed = False
        for line in lines:
            hidden = [i for i in (*line.parts, line.total) if cells[i].hidden]
            if len(hidden) == 1:
                _hide_partner(cells, line)
                changed = True
        if changed:
            continue
        determined = determined_cells(cells, lines)
        if not determined:
            return
        for cell_id in determined:
            if not any(_hide_partner(cells, line) for line in lines
                       if cell_id in line.parts or cell_id == line.total):
                raise RuntimeError("a small cell cannot be protected")  # pragma: no cover


def _hide_partner(cells: dict[str, Cell], line: Line) -> bool:
    """Hide the smallest non-zero shown part of ``line`` (a zero, then the total, only when
    there is none). False when everything in the line is hidden already."""
    shown = [i for i in line.parts if not cells[i].hidden]
    nonzero = [i for i in shown if cells[i].count > 0]
    pool = nonzero or shown or ([line.total] if not cells[line.total].hidden else [])
    if not pool:
        return False
    choice = min(pool, key=lambda i: (cells[i].count, i))
    cells[choice].mark = Mark.COMPLEMENTARY
    return True


def determined_cells(cells: Mapping[str, Cell], lines: Sequence[Line]) -> list[str]:
    """Hidden cells whose value follows from the shown ones through the lines: x is
    determined iff the unit vector of x lies in the row space of the lines' coefficients
    over the hidden cells, i.e. iff a row of the reduced echelon form is that unit vector."""
    unknown: dict[str, int] = {}
    rows: list[dict[int, Fraction]] = []
    for line in lines:
        row: dict[int, Fraction] = {}
        for cell_id, sign in [*((p, 1) for p in line.parts), (line.total, -1)]:
            if cells[cell_id].hidden:
                j = unknown.setdefault(cell_id, len(unknown))
                row[j] = row.get(j, Fraction(0)) + sign
        row = {j: v for j, v in row.items() if v}
        if row:
            rows.append(row)
    reduced = _rref(rows)
    names = {j: cell_id for cell_id, j in unknown.items()}
    return sorted(names[next(iter(r))] for r in reduced if len(r) == 1)


def _rref(rows: list[dict[int, Fraction]]) -> list[dict[int, Fraction]]:
    """Reduced row echelon form of sparse rows (column → value), exact."""
    pivots: list[tuple[int, dict[int, Fraction]]] = []
    for row in rows:
        row = dict(row)
        for col, prow in pivots:  # eliminate known pivots from the new row
            if col in row:
                factor = row[col]
                for j, v in prow.items():
                    row[j] = row.get(j, Fraction(0)) - factor * v
                row = {j: v for j, v in row.items() if v}
        if not row:
            continue
        col = min(row)
        scale = row[col]
        row = {j: v / scale for j, v in row.items()}
        for k, (pcol, prow) in enumerate(pivots):  # keep earlier rows reduced
            if col in prow:
                factor = prow[col]
                merged = {j: prow.get(j, Fraction(0)) - factor * row.get(j, Fraction(0))
                          for j in prow.keys() | row.keys()}
                pivots[k] = (pcol, {j: v for j, v in merged.items() if v})
        pivots.append((col, row))
    return [r for _c, r in pivots]
