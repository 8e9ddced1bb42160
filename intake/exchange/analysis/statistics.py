"""The public statistics tier (docs/export.md): aggregate tables with small-cell protection.

Only records that may enter an anonymized export are counted (the same consent filter,
:func:`intake.exchange.analysis.anonymize.select.select`). Groups are coarse: deployment
years raw and in 3-year bands, escape years raw, sector at its coarse level, destinations
at federal-district level. Answers not asked, unknown or declined are one row, ``missing``.

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
- ``abuse_sexual``: restricted, so only two plain counts (answered, ``yes``) are published.

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

Across releases (issue 18): given each record's cell key (``keys``, record id → 32-bit key
kept in the vault), every count is perturbed by the cell-key method
(:mod:`intake.exchange.analysis.cell_key`) before the marks: the same contributors always
get the same noise, so releasing again, or the same cell in another table, tells nothing
new, and a cell one person joined moves by a fresh draw, not by exactly one. The number of
records counted stays exact (it says nothing about anyone, and the ledger makes sure it
changes by several people or not at all). Without keys (tests' controls) counts are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from intake.domain.codelists import SECTOR_GROUPS
from intake.domain.indicators import FINDING_LABELS, INDICATORS, Finding, derive
from intake.domain.questionnaire import CodeList, Question, Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.domain.regions import FEDERAL_DISTRICTS
from intake.exchange.analysis.anonymize.generalize import MISSING as MISSING_CODES
from intake.exchange.analysis.anonymize.generalize import SUPPRESSED, QuasiIdentifier, cell
from intake.exchange.analysis.anonymize.select import Reason, exclusion_reason, select
from intake.exchange.analysis.cell_key import cell_key, perturb
from intake.exchange.analysis.disclosure import Cell, Line, Mark, protect
from intake.i18n import N_

MISSING, TOTAL, RECORDS, INCLUDED, ANSWERED, YES = (
    "missing", "total", "records", "included", "answered", "yes")

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
    #: the perturbation applied (cell_key.description()), None: exact counts
    perturbation: dict[str, object] | None = None
    #: record id → its groups (period, sector group, federal district) of every counted
    #: record, for the release ledger: in memory only, never written
    members: dict[str, tuple[str, str, str]] = field(default_factory=dict, repr=False)
    #: what is counted (the service's summary, intake/services/persons.py: unit persons
    #: or testimonies, how many were linked, the representative rule); {}: not said
    counting: dict[str, object] = field(default_factory=dict)
    #: record id → what it adds to the cells beyond its groups (its findings, the codes of
    #: the distributions, sexual violence answered or not), joined: the release ledger
    #: keeps a keyed digest of it, so that an edit is a change (in memory only)
    counted: dict[str, str] = field(default_factory=dict, repr=False)

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


Tally = dict[str, tuple[int, int]]  # value → (count, sum of the contributors' keys)


def _tally(values: Iterable[str], keys: Sequence[int] | None) -> Tally:
    out: Tally = {}
    for i, value in enumerate(values):
        count, key = out.get(value, (0, 0))
        out[value] = (count + 1, key + (keys[i] if keys is not None else 0))
    return out


class _Builder:
    def __init__(self, perturbed: bool = False) -> None:
        self.perturbed = perturbed
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

    def add(self, table: Table, row: str, column: str, count: int | tuple[int, int],
            denominator: str | None = None) -> str:
        """A cell of ``count``, or of (count, sum of its contributors' keys): perturbed by
        its cell key when the builder is."""
        if isinstance(count, tuple):
            exact, keys = count
            count = perturb(exact, cell_key((keys,))) if self.perturbed else exact
            whole = self.cells.get(denominator) if denominator is not None else None
            if whole is not None:  # never more than its whole: a share over 100 % would
                count = min(count, whole.count)  # tell the noise (and undo it)
        cell_id = f"{table.id}/{row}/{column}"
        self.cells[cell_id] = Cell(count, denominator)
        table.cells[(row, column)] = cell_id
        return cell_id

    def distribution(self, table_id: str, title: str, values: Sequence[str],
                     order: Sequence[str], total: str, labels: Mapping[str, str],
                     shared: Mapping[str, str] | None = None,
                     keys: Sequence[int] | None = None) -> Table:
        """One column of counts by ``values``, rows in ``order``, summing to ``total``.
        ``shared`` rows are the same cell as in another table."""
        counts = _tally(values, keys)
        table = self.table(table_id, title, [*order, TOTAL], [RECORDS], labels)
        parts = []
        for row in order:
            if shared and row in shared:
                table.cells[(row, RECORDS)] = shared[row]
                parts.append(shared[row])
            else:
                parts.append(self.add(table, row, RECORDS, counts.get(row, (0, 0)), total))
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
                       questionnaire: Questionnaire = QUESTIONNAIRE, *,
                       keys: Mapping[str, int] | None = None) -> Statistics:
    """Every table of the statistics tier for ``records``, with small cells marked;
    with ``keys`` (record id → cell key, one for every record) every count is perturbed
    by the cell-key method."""
    if threshold < 1:
        raise ValueError("threshold must be at least 1")
    records = list(records)
    selection = select(records)
    kept = selection.kept
    b = _Builder(perturbed=keys is not None)
    kept_keys = None if keys is None else [keys[r.id] for r in kept]
    overview = b.table("records", N_("Records counted and left out"),
                       [INCLUDED, *(r.value for r in Reason)], [RECORDS], {})
    n = b.add(overview, INCLUDED, RECORDS, len(kept))  # exact: the one figure about no one
    reasons = [(exclusion_reason(r), r.id) for r in records]
    left = _tally([reason.value for reason, _i in reasons if reason is not None],
                  None if keys is None else [keys[i] for reason, i in reasons
                                             if reason is not None])
    for reason in Reason:
        b.add(overview, reason.value, RECORDS, left.get(reason.value, (0, 0)))
    groups = _group_tables(b, kept, n, questionnaire, kept_keys)
    members = {r.id: (p, s, d) for r, p, s, d in
               zip(kept, *(values for _table, values in groups), strict=True)}
    findings = _indicator_tables(b, kept, n, groups, kept_keys)
    _condition_tables(b, kept, n, questionnaire, kept_keys)
    protect(b.cells, b.lines, threshold)
    from intake.exchange.analysis.cell_key import description

    return Statistics(threshold, b.tables, b.cells, b.lines, len(kept),
                      description() if keys is not None else None, members,
                      counted=counted_of(kept, questionnaire, findings))


def counted_of(records: Sequence[Record], questionnaire: Questionnaire = QUESTIONNAIRE,
               findings: Sequence[Mapping[str, Finding]] | None = None) -> dict[str, str]:
    """Record id → what it adds to the cells beyond its groups, joined
    (:attr:`Statistics.counted`): its findings in the order of INDICATORS (the ILO
    tables), its exact years sent and of escape, its codes in the distributions, and
    whether sexual violence was answered. ``findings``: each record's, if derived."""
    found = findings if findings is not None else [derive(r.answers) for r in records]
    years = [coarse_of(questionnaire, qid, 0) for qid in ("deployment.year_departed",
                                                          "escape.year")]
    shown = [questionnaire.question(qid) for _t, qid, _title in _DISTRIBUTIONS]
    return {r.id: "\x1f".join([
        *(f[i.id].value for i in INDICATORS), *(y(r) for y in years),
        *(_code(cell(q, r.answers, r.meta)) for q in shown),
        _sexual(r.answers.get("abuse.sexual"))]) for r, f in zip(records, found, strict=True)}


def _sexual(answer: object) -> str:  # what the sexual violence table counts of a record
    return "" if answer is None else YES if answer is True else ANSWERED


def coarse_of(questionnaire: Questionnaire, qid: str, level: int) -> Callable[[Record], str]:
    qi = QuasiIdentifier(questionnaire.question(qid))
    return lambda r: _code(qi.value(r.answers, r.meta, level))


def _group_tables(b: _Builder, kept: Sequence[Record], n: str, questionnaire: Questionnaire,
                  keys: Sequence[int] | None) -> list[tuple[Table, list[str]]]:
    """Records by year sent, period, year of escape, sector group and federal district;
    the groups the indicators are counted by (each table with its records' values)."""
    departed = [coarse_of(questionnaire, "deployment.year_departed", 0)(r) for r in kept]
    years = b.distribution("records_by_year_departed", N_("Records by year sent to Russia"),
                           departed, _years(departed), n, {}, keys=keys)
    band_of = coarse_of(questionnaire, "deployment.year_departed", 1)
    periods = [band_of(r) for r in kept]
    year_rows = [y for y in years.rows if y not in (MISSING, TOTAL)]
    band_rows = sorted({_band(questionnaire, y) for y in year_rows})
    period = b.distribution("records_by_deployment_period",
                            N_("Records by period sent to Russia (3-year bands)"), periods,
                            [*band_rows, MISSING], n, {},
                            shared={MISSING: years.cells[(MISSING, RECORDS)]}, keys=keys)
    for band in band_rows:  # the years of a band add up to the band
        members = tuple(years.cells[(y, RECORDS)] for y in year_rows
                        if _band(questionnaire, y) == band)
        b.lines.append(Line(members, period.cells[(band, RECORDS)]))
    escaped = [coarse_of(questionnaire, "escape.year", 0)(r) for r in kept]
    b.distribution("records_by_escape_year", N_("Records by year of escape"), escaped,
                   _years(escaped), n, {}, keys=keys)
    sectors = [coarse_of(questionnaire, "deployment.sector", 1)(r) for r in kept]
    sector = b.distribution("records_by_sector_group", N_("Records by sector of work"),
                            sectors, _ordered(sectors, SECTOR_GROUPS.values()), n,
                            _codes_labels(SECTOR_GROUPS), keys=keys)
    districts = [coarse_of(questionnaire, "deployment.destination_region", 1)(r) for r in kept]
    district = b.distribution("records_by_federal_district",
                              N_("Records by federal district of Russia"), districts,
                              _ordered(districts, FEDERAL_DISTRICTS.values()), n,
                              _codes_labels(FEDERAL_DISTRICTS), keys=keys)
    return [(period, periods), (sector, sectors), (district, districts)]


def _indicator_tables(b: _Builder, kept: Sequence[Record], n: str,
                      groups: list[tuple[Table, list[str]]],
                      keys: Sequence[int] | None) -> list[dict[str, Finding]]:
    """Each ILO indicator overall, and present by each group; returns each record's
    findings."""
    findings = [derive(r.answers) for r in kept]
    indicator_labels = {i.id: i.label for i in INDICATORS}
    finding_codes = [f.value for f in Finding]
    overall = b.table("indicators_overall", N_("ILO forced-labour indicators"),
                      [i.id for i in INDICATORS], [*finding_codes, RECORDS],
                      {**indicator_labels, **{f.value: lbl for f, lbl in FINDING_LABELS.items()}})
    overall.chart_columns = [Finding.PRESENT.value]
    for indicator in INDICATORS:
        counts = _tally([f[indicator.id].value for f in findings], keys)
        parts = tuple(b.add(overall, indicator.id, code, counts.get(code, (0, 0)), n)
                      for code in finding_codes)
        overall.cells[(indicator.id, RECORDS)] = n
        b.lines.append(Line(parts, n))
    for source, values in groups:
        suffix = source.id.removeprefix("records_by_")
        table = b.table(f"indicators_by_{suffix}", _BY_TITLES[suffix],
                        source.rows, [RECORDS, *indicator_labels],
                        {**source.labels, **indicator_labels})
        table.chart_columns = list(indicator_labels)
        for row in source.rows:
            table.cells[(row, RECORDS)] = source.cells[(row, RECORDS)]
        for indicator in INDICATORS:
            chosen = [i for i, f in enumerate(findings) if f[indicator.id] is Finding.PRESENT]
            present = _tally([values[i] for i in chosen],
                             None if keys is None else [keys[i] for i in chosen])
            total = overall.cells[(indicator.id, Finding.PRESENT.value)]
            parts = tuple(b.add(table, row, indicator.id, present.get(row, (0, 0)),
                                source.cells[(row, RECORDS)])
                          for row in source.rows if row != TOTAL)
            table.cells[(TOTAL, indicator.id)] = total
            b.lines.append(Line(parts, total))
    return findings


def _condition_tables(b: _Builder, kept: Sequence[Record], n: str,
                      questionnaire: Questionnaire, keys: Sequence[int] | None) -> None:
    """Hours, the state's share of wages, medical care, and sexual violence as counts."""
    for table_id, qid, title in _DISTRIBUTIONS:
        question = questionnaire.question(qid)
        values = [_code(cell(question, r.answers, r.meta)) for r in kept]
        known, labels = answer_rows(question)
        b.distribution(table_id, title, values, _ordered(values, known), n, labels,
                       keys=keys)
    sexual = b.table("abuse_sexual", N_("Sexual violence (counts only)"), [ANSWERED, YES],
                     [RECORDS], {})
    answers = [r.answers.get("abuse.sexual") for r in kept]
    tally = _tally([ANSWERED if a is not None else "" for a in answers], keys)
    yes = _tally([YES if a is True else "" for a in answers], keys)
    answered = b.add(sexual, ANSWERED, RECORDS, tally.get(ANSWERED, (0, 0)))
    b.add(sexual, YES, RECORDS, yes.get(YES, (0, 0)), answered)


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


def answer_rows(question: Question) -> tuple[list[str], dict[str, str]]:
    """The rows of a distribution of ``question``'s answers, in order, and their labels:
    its bands (hours, a share) or its codes (shared with the dashboard's charts)."""
    if question.bands is not None:
        known = [label for _lo, _hi, label in question.bands.ranges]
        return known, {k: k for k in known}
    codelist = question.codes or CodeList(())
    return list(codelist.values()), _codes_labels(codelist)


def _band(questionnaire: Questionnaire, year: str) -> str:
    qi = QuasiIdentifier(questionnaire.question("deployment.year_departed"))
    return qi.value({qi.id: int(year)}, {}, 1)
