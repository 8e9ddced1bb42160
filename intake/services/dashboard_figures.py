"""The dashboard's figures, without Qt and without the vault: rows of codes
in, counts per chart out, and their protected form for whatever leaves the vault.

Groups
    Those of the statistics tier (:mod:`intake.exchange.analysis.statistics`, whose helpers this
    reuses): year sent to Russia raw and in its 3-year bands (the period filter), year of
    escape, coarse sector group, federal district, the export's bands of daily working
    hours and of the state's share of the wage, and the codes of medical care received
    (``denied`` is the denial of medical care). Unanswered, unknown and declined are one
    category, "not recorded".

ILO indicators: the final values
    Each indicator's present / absent / not-enough-answers count uses the **final** value:
    the case manager's override where there is one, else the value derived from the
    answers. That is what the record list filters and counts by (``ReviewService``'s
    decision): a user who filters the list by an indicator finds the dashboard's number.
    The published statistics tier stays derived (reproducible from the codebook's rules),
    so the dashboard's indicator chart says "after review" in its title.

People or testimonies (issue 20)
    Each person once by default (the row of the testimony that stands for them, which the
    filters test: :mod:`intake.services.persons`); ``unit="testimonies"``: every testimony.

Small counts
    On screen a user sees exact counts of records they may open anyway. Whatever is saved
    or exported (a chart's PNG or SVG, the dashboard's folder, its CSV) uses
    :meth:`Dashboard.protected`: the statistics tier's disclosure control
    (:func:`intake.exchange.analysis.disclosure.protect`) over every published sum (each chart's
    categories add up to the records shown; each indicator's three values too). A count
    of 1 … threshold-1 reads ``<10``; a count withheld so that a ``<10`` cannot be worked
    out from the total reads ``x``; both are drawn as no bar at all (a bar's height would
    give the count away).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from intake.domain import answers as answer_rules
from intake.domain.codelists import SECTOR_GROUPS, STATUSES
from intake.domain.indicators import FINDING_LABELS, INDICATORS, Finding, derive
from intake.domain.questionnaire import CodeList, Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.domain.regions import FEDERAL_DISTRICTS
from intake.exchange.analysis.anonymize.generalize import QuasiIdentifier, cell
from intake.exchange.analysis.anonymize.select import Reason, exclusion_reason
from intake.exchange.analysis.disclosure import Cell, Line, Mark, protect
from intake.exchange.analysis.statistics import (
    _DISTRIBUTIONS,
    MISSING,
    _code,
    _codes_labels,
    _ordered,
    _years,
    answer_rows,
)
from intake.exchange.formats.export_files import neutralize
from intake.i18n import N_, _
from intake.services.exports import SMALL_CELL_THRESHOLD
from intake.services.persons import PERSONS, UNITS

CSV_COLUMNS = ("chart", "category", "series", "count")
RECORDS = "records"  # the one series of a distribution
TOTAL = "total"

NOT_RECORDED = N_("Not recorded")
TESTIMONIES = N_("Testimonies")
UNIT_LABELS = dict(zip(UNITS, (N_("People"), TESTIMONIES), strict=True))  # the one series' label

# chart ids (stable: file names of the exported dashboard, rows of its CSV)
BY_YEAR = "records_by_year_departed"
BY_ESCAPE = "records_by_escape_year"
BY_SECTOR = "records_by_sector_group"
BY_DISTRICT = "records_by_federal_district"
INDICATORS_CHART = "indicators"
HOURS = "work_hours_per_day"
WAGES = "wages_state_share"
MEDICAL = "medical_care_received"
CHART_IDS = (BY_YEAR, BY_ESCAPE, BY_SECTOR, BY_DISTRICT, INDICATORS_CHART, HOURS, WAGES,
             MEDICAL)

_TITLES = {
    BY_YEAR: N_("Records by year sent to Russia"),
    BY_ESCAPE: N_("Records by year of escape"),
    BY_SECTOR: N_("Records by sector of work"),
    BY_DISTRICT: N_("Records by federal district of Russia"),
    INDICATORS_CHART: N_("ILO forced-labour indicators (after review)"),
    **{table_id: title for table_id, _qid, title in _DISTRIBUTIONS},
}
_AXES = {
    BY_YEAR: N_("Year sent to Russia"),
    BY_ESCAPE: N_("Year of escape"),
    BY_SECTOR: N_("Sector of work"),
    BY_DISTRICT: N_("Federal district"),
    INDICATORS_CHART: N_("Indicator"),
    HOURS: N_("Hours per day"),
    WAGES: N_("Share taken by the state (%)"),
    MEDICAL: N_("Medical care"),
}


class Row(NamedTuple):
    """One counted testimony, classified: codes only, nothing identifying, no free text."""

    status: str
    year: str
    period: str
    escape: str
    sector: str
    district: str
    hours: str
    wages: str
    medical: str
    findings: tuple[Finding, ...]  # in the order of INDICATORS
    represents: bool = True  # the testimony stands for its person (counted as a person)


@dataclass(frozen=True)
class Loaded:
    """What the worker read: the classified rows, and how many records the user may see."""

    rows: list[Row]
    visible: int
    left_out: Mapping[str, int]  # consent reason → records
    visible_persons: int | None = None  # the same in persons (None: as testimonies)
    left_out_persons: Mapping[str, int] | None = None


@dataclass(frozen=True)
class DashboardFilter:
    """None means every value."""

    period: str | None = None  # a 3-year band of the year sent to Russia, or "missing"
    sector: str | None = None  # a sector group
    region: str | None = None  # a federal district
    status: str | None = None

    def matches(self, row: Row) -> bool:
        return ((self.period is None or row.period == self.period)
                and (self.sector is None or row.sector == self.sector)
                and (self.region is None or row.district == self.region)
                and (self.status is None or row.status == self.status))


@dataclass
class Figure:
    """One chart's counts: ``categories`` (axis codes) × ``series`` (one for a
    distribution; present / absent / not enough answers for the indicators)."""

    id: str
    title: str  # N_()
    axis: str  # N_()
    categories: list[str]
    labels: dict[str, str]  # category or series code → msgid (a year is its own label)
    series: list[str]
    counts: dict[tuple[str, str], int]
    marks: dict[tuple[str, str], Mark] = field(default_factory=dict)
    threshold: int = 0  # 0: not protected

    def count(self, category: str, series: str = RECORDS) -> int:
        return self.counts[(category, series)]

    def hidden(self, category: str, series: str = RECORDS) -> bool:
        return self.marks.get((category, series), Mark.SHOWN) is not Mark.SHOWN

    def value(self, category: str, series: str = RECORDS) -> int:
        """The height to draw: 0 for a hidden count."""
        return 0 if self.hidden(category, series) else self.count(category, series)

    def text(self, category: str, series: str = RECORDS) -> str:
        """Digits, or ``<10`` (small) or ``x`` (withheld) once protected."""
        return _mark_text(self.marks.get((category, series), Mark.SHOWN),
                          self.count(category, series), self.threshold)

    def label(self, code: str) -> str:
        """The translated label of a category or series code."""
        msgid = self.labels.get(code, code)
        return _(msgid) if msgid and not msgid.isdigit() else msgid


def _mark_text(mark: Mark, count: int, threshold: int) -> str:
    if mark is Mark.SMALL:
        return f"<{threshold}"
    if mark is Mark.COMPLEMENTARY:
        return "x"
    return str(count)


@dataclass
class Dashboard:
    figures: list[Figure]
    shown: int  # records counted after the filters
    visible: int  # records the user may see
    left_out: Mapping[str, int]
    total_mark: Mark = Mark.SHOWN
    threshold: int = 0
    unit: str = PERSONS  # persons (each once) or testimonies

    @property
    def is_protected(self) -> bool:
        return self.threshold > 0

    def figure(self, chart_id: str) -> Figure:
        return next(f for f in self.figures if f.id == chart_id)

    def shown_text(self) -> str:
        return _mark_text(self.total_mark, self.shown, self.threshold)

    def protected(self, threshold: int = SMALL_CELL_THRESHOLD) -> Dashboard:
        """A copy with small counts marked (see the module docstring)."""
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        cells: dict[str, Cell] = {TOTAL: Cell(self.shown)}
        lines: list[Line] = []
        for figure in self.figures:
            for series in figure.series:
                parts = []
                for category in figure.categories:
                    cell_id = f"{figure.id}/{category}/{series}"
                    cells[cell_id] = Cell(figure.count(category, series))
                    parts.append(cell_id)
                if figure.id != INDICATORS_CHART:
                    lines.append(Line(tuple(parts), TOTAL))
            if figure.id == INDICATORS_CHART:  # each indicator's values add up to the total
                for category in figure.categories:
                    lines.append(Line(tuple(f"{figure.id}/{category}/{s}"
                                            for s in figure.series), TOTAL))
        protect(cells, lines, threshold)
        figures = [replace(f, threshold=threshold, marks={
            (c, s): cells[f"{f.id}/{c}/{s}"].mark for c in f.categories for s in f.series})
            for f in self.figures]
        return replace(self, figures=figures, total_mark=cells[TOTAL].mark,
                       threshold=threshold)


# -- classifying -----------------------------------------------------------------------------
class _Classifier:
    """Record → Row with the statistics tier's generalizations."""

    def __init__(self, questionnaire: Questionnaire) -> None:
        q = questionnaire.question
        self.year = QuasiIdentifier(q("deployment.year_departed"))
        self.escape = QuasiIdentifier(q("escape.year"))
        self.sector = QuasiIdentifier(q("deployment.sector"))
        self.region = QuasiIdentifier(q("deployment.destination_region"))
        self.conditions = {table_id: q(qid) for table_id, qid, _title in _DISTRIBUTIONS}

    def row(self, record: Record, overrides: Mapping[str, Finding]) -> Row:
        a, m = record.answers, record.meta
        findings = derive(answer_rules.with_derived(a))
        findings.update(overrides)
        hours, wages, medical = (_code(cell(self.conditions[t], a, m))
                                 for t in (HOURS, WAGES, MEDICAL))
        return Row(
            record.status.value, _code(self.year.value(a, m, 0)),
            _code(self.year.value(a, m, 1)), _code(self.escape.value(a, m, 0)),
            _code(self.sector.value(a, m, 1)), _code(self.region.value(a, m, 1)),
            hours, wages, medical, tuple(findings[i.id] for i in INDICATORS))


def classify(records: Iterable[Record],
             overrides: Mapping[str, Mapping[str, Finding]] | None = None,
             questionnaire: Questionnaire = QUESTIONNAIRE,
             represented: Container[str] | None = None) -> Loaded:
    """Rows of the records whose consent allows statistics (no permission check: the
    service decides which records come in). ``represented``: the testimonies that stand
    for their person (a withdrawal already carried); None: each is its own person."""
    classifier = _Classifier(questionnaire)
    overrides = overrides or {}
    rows: list[Row] = []
    left_out: Counter[str] = Counter()
    left_persons: Counter[str] = Counter()
    visible = persons = 0
    for record in records:
        visible += 1
        represents = represented is None or record.id in represented
        persons += represents
        reason = exclusion_reason(record)
        if reason in (Reason.WITHDRAWN, Reason.NO_CONSENT):
            left_out[reason.value] += 1
            left_persons[reason.value] += represents
            continue
        rows.append(classifier.row(record, overrides.get(record.id, {}))._replace(
            represents=represents))
    return Loaded(rows, visible, dict(left_out), persons, +left_persons)


# -- counting --------------------------------------------------------------------------------
def _labels(codelist: CodeList) -> dict[str, str]:
    return {**_codes_labels(codelist), MISSING: NOT_RECORDED}


def _distribution(chart_id: str, values: Sequence[str], categories: list[str],
                  labels: Mapping[str, str], unit: str = PERSONS) -> Figure:
    counts = Counter(values)
    return Figure(chart_id, _TITLES[chart_id], _AXES[chart_id], categories,
                  {MISSING: NOT_RECORDED, RECORDS: UNIT_LABELS[unit], **labels}, [RECORDS],
                  {(c, RECORDS): counts[c] for c in categories})


def compute(loaded: Loaded, flt: DashboardFilter | None = None,
            questionnaire: Questionnaire = QUESTIONNAIRE, unit: str = PERSONS) -> Dashboard:
    """Every chart's counts over the rows that match ``flt`` (exact; see ``protected``):
    each person once (``unit`` persons: the rows of the testimonies that stand for their
    person; the filters apply to that testimony) or every testimony."""
    flt = flt or DashboardFilter()
    rows = [r for r in loaded.rows if flt.matches(r) and (unit != PERSONS or r.represents)]
    years = [r.year for r in rows]
    escapes = [r.escape for r in rows]
    sectors = [r.sector for r in rows]
    districts = [r.district for r in rows]
    figures = [
        _distribution(BY_YEAR, years, _years(years), {}, unit),
        _distribution(BY_ESCAPE, escapes, _years(escapes), {}, unit),
        _distribution(BY_SECTOR, sectors, _ordered(sectors, SECTOR_GROUPS.values()),
                      _labels(SECTOR_GROUPS), unit),
        _distribution(BY_DISTRICT, districts,
                      _ordered(districts, FEDERAL_DISTRICTS.values()),
                      _labels(FEDERAL_DISTRICTS), unit),
        _indicators(rows),
    ]
    conditions = {HOURS: [r.hours for r in rows], WAGES: [r.wages for r in rows],
                  MEDICAL: [r.medical for r in rows]}
    for chart_id, values in conditions.items():
        qid = next(qid for t, qid, _title in _DISTRIBUTIONS if t == chart_id)
        question = questionnaire.question(qid)
        known, labels = answer_rows(question)
        if question.bands is None:
            labels = {**labels, MISSING: NOT_RECORDED}
        figures.append(_distribution(chart_id, values, _ordered(values, known), labels, unit))
    figures.sort(key=lambda f: CHART_IDS.index(f.id))
    if unit == PERSONS and loaded.visible_persons is not None:
        return Dashboard(figures, len(rows), loaded.visible_persons,
                         loaded.left_out_persons or {}, unit=unit)
    return Dashboard(figures, len(rows), loaded.visible, loaded.left_out, unit=unit)


def _indicators(rows: Sequence[Row]) -> Figure:
    series = [f.value for f in Finding]
    counts: dict[tuple[str, str], int] = {}
    for index, indicator in enumerate(INDICATORS):
        found = Counter(r.findings[index].value for r in rows)
        for code in series:
            counts[(indicator.id, code)] = found[code]
    labels = {**{i.id: i.label for i in INDICATORS},
              **{f.value: label for f, label in FINDING_LABELS.items()}}
    return Figure(INDICATORS_CHART, _TITLES[INDICATORS_CHART], _AXES[INDICATORS_CHART],
                  [i.id for i in INDICATORS], labels, series, counts)


def filter_choices(loaded: Loaded) -> dict[str, list[tuple[str, str]]]:
    """The filters' values (code, msgid or literal), in order: periods seen in the rows,
    sector groups, federal districts, statuses."""
    periods = sorted({r.period for r in loaded.rows} - {MISSING})
    if any(r.period == MISSING for r in loaded.rows):
        periods.append(MISSING)
    return {
        "period": [(p, NOT_RECORDED if p == MISSING else p) for p in periods],
        "sector": [(c.value, c.label) for c in SECTOR_GROUPS] + [(MISSING, NOT_RECORDED)],
        "region": [(c.value, c.label) for c in FEDERAL_DISTRICTS] + [(MISSING, NOT_RECORDED)],
        "status": [(c.value, c.label) for c in STATUSES],
    }


# -- text for people and files ---------------------------------------------------------------
def figure_text(figure: Figure) -> str:
    """One chart's figures as lines of text, in the current language (screen readers read
    it; a saved chart's ``protected`` figure gives ``<10`` and ``x``)."""
    lines = [_(figure.title)]
    for category in figure.categories:
        values = [f"{figure.label(s)} {figure.text(category, s)}" if len(figure.series) > 1
                  else figure.text(category, s) for s in figure.series]
        lines.append(f"{figure.label(category)}: {', '.join(values)}")
    return "\n".join(lines)


def csv_bytes(dashboard: Dashboard) -> bytes:
    """The protected figures as one long table (codes, never labels), as the statistics
    tier's CSV: UTF-8 with a BOM, ``\\r\\n``, formula starts neutralized."""
    if not dashboard.is_protected:
        raise ValueError("only protected figures are written")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow([neutralize(v) for v in ("records", TOTAL, RECORDS,
                                             dashboard.shown_text())])
    writer.writerow([neutralize(v) for v in ("unit", dashboard.unit, RECORDS,  # issue 20
                                             dashboard.shown_text())])
    for figure in dashboard.figures:
        for category in figure.categories:
            for series in figure.series:
                writer.writerow([neutralize(v) for v in (
                    figure.id, category, series, figure.text(category, series))])
    return buffer.getvalue().encode("utf-8-sig")
