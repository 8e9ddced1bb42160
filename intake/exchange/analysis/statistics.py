"""The public statistics tier (docs/export.md): aggregate tables with small-cell protection.

Only records that may enter an anonymized export are counted (the same consent filter,
:func:`intake.exchange.analysis.anonymize.select.select`). Groups are coarse: deployment years raw
and in the questionnaire's 3-year bands, escape years raw, sector at its coarse level,
destinations at federal-district level (the generalizations of the anonymized export).
Answers not asked, unknown or declined are one row, ``missing``.

Tables (ids are stable; rows and columns are codes):

- ``records``: records counted and left out by reason (no total, so no sum links them);
- ``records_by_year_departed``, ``records_by_deployment_period`` (3-year bands),
  ``records_by_escape_year``, ``records_by_sector_group``, ``records_by_federal_district``;
- ``indicators_overall``: each ILO indicator present / absent / insufficient;
- ``indicators_by_deployment_period``, ``indicators_by_sector_group``,
  ``indicators_by_federal_district``: records with the indicator present per group, and
  the group size (the share's denominator: a share is of all records in the group);
- ``work_hours_per_day``, ``wages_state_share``, ``medical_care_received``: distributions
  in the export's bands and codes (``denied`` is the denial of medical care);
- ``abuse_sexual``: restricted (shown only to case managers), so only two plain counts are
  published, records answered and records with ``yes``, never a cross-tabulation.

Disclosure control. Counts stay ints; marks decide how they are shown:

- primary: every count 1 … threshold-1 is marked ``SMALL`` (shown ``<10``);
- zeros are shown, as ONS and Eurostat do: a 0 says no record in a group has an answer,
  the same group disclosure as a share of 100 %, which no cell suppression can prevent;
- complementary: every published sum (a :class:`Line`: the rows of a table and its total,
  the years of a band and the band, an indicator's groups and its overall count) must
  not let a hidden cell be worked out. A line with exactly one hidden cell gets another
  one (the smallest non-zero part, marked ``COMPLEMENTARY``, shown ``x``: it is not below
  the threshold, and saying ``<10`` would be false). Then the whole system of lines is
  solved (exact rational elimination): any hidden cell that the published cells determine
  gets a further partner, until none is determined;
- a share is withheld when its count or its denominator is hidden.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from intake.domain.codelists import SECTOR_GROUPS
from intake.domain.indicators import FINDING_LABELS, INDICATORS, Finding, derive
from intake.domain.questionnaire import CodeList, Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.domain.regions import FEDERAL_DISTRICTS
from intake.exchange.analysis.anonymize.generalize import MISSING as MISSING_CODES
from intake.exchange.analysis.anonymize.generalize import SUPPRESSED, QuasiIdentifier, cell
from intake.exchange.analysis.anonymize.select import Reason, select
from intake.i18n import N_

MISSING = "missing"
TOTAL = "total"
RECORDS = "records"
INCLUDED = "included"
ANSWERED = "answered"
YES = "yes"

LABELS: Mapping[str, str] = {
    MISSING: N_("Not recorded (not asked, unknown or declined)"),
    TOTAL: N_("Total"),
    RECORDS: N_("Records"),
    INCLUDED: N_("Records counted"),
    Reason.DRAFT.value: N_("Left out: draft"),
    Reason.WITHDRAWN.value: N_("Left out: consent withdrawn"),
    Reason.NO_CONSENT.value: N_("Left out: no consent to statistics"),
    ANSWERED: N_("Records with an answer"),
    YES: N_("Yes"),
}


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


@dataclass
class Table:
    id: str
    title: str  # English, N_()
    rows: list[str]
    columns: list[str]
    labels: dict[str, str]  # row and column code → English label (a msgid, or a year)
    cells: dict[tuple[str, str], str] = field(default_factory=dict)  # → cell id
    chart_columns: list[str] = field(default_factory=list)  # one bar chart per column

    def cell_id(self, row: str, column: str) -> str | None:
        return self.cells.get((row, column))


@dataclass
class Statistics:
    threshold: int
    tables: list[Table]
    cells: dict[str, Cell]
    lines: list[Line]
    records: int = 0  # records counted (after the consent filter)

    def table(self, table_id: str) -> Table:
        return next(t for t in self.tables if t.id == table_id)

    def count_text(self, cell_id: str) -> str:
        """``<threshold>`` for a small count, ``x`` for a complementary one, else digits."""
        c = self.cells[cell_id]
        if c.mark is Mark.SMALL:
            return f"<{self.threshold}"
        if c.mark is Mark.COMPLEMENTARY:
            return "x"
        return str(c.count)

    def share(self, cell_id: str) -> Fraction | None:
        c = self.cells[cell_id]
        if c.denominator is None or c.hidden:
            return None
        d = self.cells[c.denominator]
        if d.hidden or d.count == 0:
            return None
        return Fraction(c.count, d.count)

    def share_text(self, cell_id: str) -> str:
        share = self.share(cell_id)
        return "" if share is None else f"{float(share):.3f}"


class _Builder:
    def __init__(self) -> None:
        self.cells: dict[str, Cell] = {}
        self.tables: list[Table] = []
        self.lines: list[Line] = []

    def table(self, table_id: str, title: str, rows: Sequence[str], columns: Sequence[str],
              labels: Mapping[str, str]) -> Table:
        table = Table(table_id, title, list(rows), list(columns),
                      {code: labels.get(code, LABELS.get(code, code))
                       for code in (*rows, *columns)})
        self.tables.append(table)
        return table

    def add(self, table: Table, row: str, column: str, count: int,
            denominator: str | None = None) -> str:
        cell_id = f"{table.id}/{row}/{column}"
        self.cells[cell_id] = Cell(count, denominator)
        table.cells[(row, column)] = cell_id
        return cell_id

    def distribution(self, table_id: str, title: str, values: Sequence[str],
                     order: Sequence[str], total: str, labels: Mapping[str, str],
                     shared: Mapping[str, str] | None = None) -> Table:
        """One column of counts by ``values``, rows in ``order``, summing to ``total``.
        ``shared`` rows are the same cell as in another table."""
        counts = Counter(values)
        table = self.table(table_id, title, [*order, TOTAL], [RECORDS], labels)
        parts = []
        for row in order:
            if shared and row in shared:
                table.cells[(row, RECORDS)] = shared[row]
                parts.append(shared[row])
            else:
                parts.append(self.add(table, row, RECORDS, counts[row], total))
        table.cells[(TOTAL, RECORDS)] = total
        self.lines.append(Line(tuple(parts), total))
        table.chart_columns = [RECORDS]
        return table


def _code(value: str) -> str:
    return MISSING if value in MISSING_CODES or value == SUPPRESSED else value


def _ordered(values: Iterable[str], known: Sequence[str]) -> list[str]:
    """``known`` codes in their order, then any other value sorted, then ``missing``."""
    return [*known, *sorted(set(values) - {*known, MISSING}), MISSING]


def _years(values: Iterable[str]) -> list[str]:
    """Every year from the first to the last seen (gaps are zeros), then ``missing``."""
    years = [int(v) for v in set(values) if v != MISSING]
    span = [str(y) for y in range(min(years), max(years) + 1)] if years else []
    return [*span, MISSING]


def _codes_labels(codelist: CodeList) -> dict[str, str]:
    return {c.value: c.label for c in codelist}


def compute_statistics(records: Iterable[Record], threshold: int = 10,
                       questionnaire: Questionnaire = QUESTIONNAIRE) -> Statistics:
    """Every table of the statistics tier for ``records``, with small cells marked."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    selection = select(records)
    kept = selection.kept
    b = _Builder()

    def q_value(qid: str, level: int) -> Callable[[Record], str]:
        qi = QuasiIdentifier(questionnaire.question(qid))
        return lambda r: _code(qi.value(r.answers, r.meta, level))

    def s_value(qid: str) -> Callable[[Record], str]:
        question = questionnaire.question(qid)
        return lambda r: _code(cell(question, r.answers, r.meta))

    overview = b.table("records", N_("Records counted and left out"),
                       [INCLUDED, *(r.value for r in Reason)], [RECORDS], {})
    n = b.add(overview, INCLUDED, RECORDS, len(kept))
    for reason in Reason:
        b.add(overview, reason.value, RECORDS, selection.excluded.get(reason.value, 0))

    # -- records by group --------------------------------------------------------------
    departed = [q_value("deployment.year_departed", 0)(r) for r in kept]
    years = b.distribution("records_by_year_departed", N_("Records by year sent to Russia"),
                           departed, _years(departed), n, {})
    band_of = q_value("deployment.year_departed", 1)
    periods = [band_of(r) for r in kept]
    year_rows = [y for y in years.rows if y not in (MISSING, TOTAL)]
    band_rows = sorted({_band(questionnaire, y) for y in year_rows})
    period = b.distribution("records_by_deployment_period",
                            N_("Records by period sent to Russia (3-year bands)"), periods,
                            [*band_rows, MISSING], n, {},
                            shared={MISSING: years.cells[(MISSING, RECORDS)]})
    for band in band_rows:  # the years of a band add up to the band
        members = tuple(years.cells[(y, RECORDS)] for y in year_rows
                        if _band(questionnaire, y) == band)
        b.lines.append(Line(members, period.cells[(band, RECORDS)]))
    escaped = [q_value("escape.year", 0)(r) for r in kept]
    b.distribution("records_by_escape_year", N_("Records by year of escape"), escaped,
                   _years(escaped), n, {})
    sectors = [q_value("deployment.sector", 1)(r) for r in kept]
    sector = b.distribution("records_by_sector_group", N_("Records by sector of work"),
                            sectors, _ordered(sectors, SECTOR_GROUPS.values()), n,
                            _codes_labels(SECTOR_GROUPS))
    districts = [q_value("deployment.destination_region", 1)(r) for r in kept]
    district = b.distribution("records_by_federal_district",
                              N_("Records by federal district of Russia"), districts,
                              _ordered(districts, FEDERAL_DISTRICTS.values()), n,
                              _codes_labels(FEDERAL_DISTRICTS))

    # -- ILO indicators -----------------------------------------------------------------
    findings = [derive(r.answers) for r in kept]
    indicator_labels = {i.id: i.label for i in INDICATORS}
    finding_codes = [f.value for f in Finding]
    overall = b.table("indicators_overall", N_("ILO forced-labour indicators"),
                      [i.id for i in INDICATORS], [*finding_codes, RECORDS],
                      {**indicator_labels, **{f.value: lbl for f, lbl in FINDING_LABELS.items()}})
    overall.chart_columns = [Finding.PRESENT.value]
    for indicator in INDICATORS:
        counts = Counter(f[indicator.id].value for f in findings)
        parts = tuple(b.add(overall, indicator.id, code, counts[code], n)
                      for code in finding_codes)
        overall.cells[(indicator.id, RECORDS)] = n
        b.lines.append(Line(parts, n))
    for source, values in ((period, periods), (sector, sectors), (district, districts)):
        suffix = source.id.removeprefix("records_by_")
        table = b.table(f"indicators_by_{suffix}", _BY_TITLES[suffix],
                        source.rows, [RECORDS, *indicator_labels],
                        {**source.labels, **indicator_labels})
        table.chart_columns = list(indicator_labels)
        for row in source.rows:
            table.cells[(row, RECORDS)] = source.cells[(row, RECORDS)]
        for indicator in INDICATORS:
            present = Counter(v for v, f in zip(values, findings, strict=True)
                              if f[indicator.id] is Finding.PRESENT)
            total = overall.cells[(indicator.id, Finding.PRESENT.value)]
            parts = tuple(b.add(table, row, indicator.id, present[row],
                                source.cells[(row, RECORDS)])
                          for row in source.rows if row != TOTAL)
            table.cells[(TOTAL, indicator.id)] = total
            b.lines.append(Line(parts, total))

    # -- conditions ---------------------------------------------------------------------
    for table_id, qid, title in _DISTRIBUTIONS:
        question = questionnaire.question(qid)
        values = [s_value(qid)(r) for r in kept]
        if question.bands is not None:
            known = [label for _lo, _hi, label in question.bands.ranges]
            labels = {k: k for k in known}
        else:
            codelist = question.codes or CodeList(())
            known, labels = list(codelist.values()), _codes_labels(codelist)
        b.distribution(table_id, title, values, _ordered(values, known), n, labels)

    sexual = b.table("abuse_sexual", N_("Sexual violence (counts only)"), [ANSWERED, YES],
                     [RECORDS], {})
    answers = [r.answers.get("abuse.sexual") for r in kept]
    answered = b.add(sexual, ANSWERED, RECORDS, sum(a is not None for a in answers))
    b.add(sexual, YES, RECORDS, sum(a is True for a in answers), answered)

    protect(b.cells, b.lines, threshold)
    return Statistics(threshold, b.tables, b.cells, b.lines, len(kept))


_BY_TITLES = {
    "deployment_period": N_("ILO indicators present, by period sent to Russia"),
    "sector_group": N_("ILO indicators present, by sector of work"),
    "federal_district": N_("ILO indicators present, by federal district of Russia"),
}
_DISTRIBUTIONS = (
    ("work_hours_per_day", "work.hours_per_day", N_("Working hours per day")),
    ("wages_state_share", "wages.state_share_percent",
     N_("Share of the wage taken by the state (%)")),
    ("medical_care_received", "medical.care_received", N_("Medical care received")),
)


def _band(questionnaire: Questionnaire, year: str) -> str:
    qi = QuasiIdentifier(questionnaire.question("deployment.year_departed"))
    return qi.value({qi.id: int(year)}, {}, 1)


# -- disclosure control -------------------------------------------------------------------
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
