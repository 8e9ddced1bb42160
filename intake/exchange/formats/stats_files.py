"""Writing the statistics tier to a new folder (no Qt).

- ``statistics.csv``: one tidy long table, UTF-8 with a BOM, RFC 4180 (``\\r\\n``), formula
  starts neutralized like ``data.csv``. Columns ``table, row, column, count, share``: codes,
  never labels; ``count`` is an integer, ``<10`` (below the threshold) or ``x`` (withheld so
  that a ``<10`` cannot be worked out from a total); ``share`` is a decimal fraction of the
  cell's denominator with three places, empty when withheld or not meaningful.
- the unit (issue 20): when the service says what it counted, a first line
  ``unit,<persons|testimonies>,records,<n>,`` of ``statistics.csv`` and a paragraph of
  ``statistics.html`` say whether a count is of people or of testimonies;
- ``statistics.html``: the same tables for people, English and Korean together, each
  with bar charts (see :mod:`intake.exchange.formats.html_report`); when the counts are
  perturbed (the cell-key method, issue 18), a paragraph states the method and its
  largest deviation and variance.
- ``MANIFEST.sha256`` last.

The folder rules, failure cleanup and file modes are those of
:func:`intake.exchange.formats.export_files.write_export`, through the same helpers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from gettext import NullTranslations
from pathlib import Path

from intake.exchange.analysis.statistics import TOTAL, Statistics, Table
from intake.exchange.formats import html_report as h
from intake.exchange.formats.export_files import neutralize, write_folder
from intake.i18n import N_, load_translations

STATISTICS_CSV = "statistics.csv"
STATISTICS_HTML = "statistics.html"
CSV_COLUMNS = ("table", "row", "column", "count", "share")

_TITLE = N_("Forced labour of North Korean workers in Russia: statistics from testimonies")
_INTRO = N_(
    "Counts of testimonies recorded by the organisation, only of people who agreed to "
    "anonymized statistics. Groups are coarse on purpose. A count from 1 to {small} is shown "
    "as <{threshold}; a count marked x is withheld so that a small count cannot be worked "
    "out from a total. Shares are of all records in the group and are withheld when their "
    "count or group is withheld.")
_TOOL = N_("Produced with intake {version}.")
#: the unit counted (issue 20): a line of statistics.csv (table ``unit``) and a paragraph
UNIT_TABLE = "unit"
_UNITS = {
    "persons": N_(
        "Each person is counted once: where several testimonies were recognised as the same "
        "person, the answers of one of them stand for the person (the most recent verified "
        "testimony, else the most recent one). A person who withdrew consent in any "
        "testimony is not counted."),
    "testimonies": N_(
        "Testimonies are counted, not people: a person interviewed more than once is "
        "counted once for each testimony. A person who withdrew consent in any testimony "
        "is not counted."),
}
_PERTURBED = N_(
    "Every count has been changed by a small random amount, from -{deviation} to "
    "+{deviation} (variance {variance}), by the cell-key method: each person has a secret "
    "random key kept in the organisation's vault, a count's change depends only on who is "
    "counted in it, so the same people always give the same figure. Publishing again, or "
    "comparing two releases, does not reveal one person's answers, and a release that "
    "differs from an earlier one by too few people is not made. Zeros are exact; a total "
    "may differ slightly from the sum of its parts. Sexual violence is published only as "
    "two counts, changed in the same way.")


def csv_bytes(stats: Statistics) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    unit = stats.counting.get("unit")
    if unit:  # what a count is: persons or testimonies (and how many were counted)
        writer.writerow([UNIT_TABLE, unit, "records", str(stats.records), ""])
    for table in stats.tables:
        for row in table.rows:
            for column in table.columns:
                cell_id = table.cell_id(row, column)
                if cell_id is None:
                    continue
                writer.writerow([neutralize(v) for v in (
                    table.id, row, column, stats.count_text(cell_id),
                    stats.share_text(cell_id))])
    return buffer.getvalue().encode("utf-8-sig")


def _figure(stats: Statistics, cell_id: str) -> str:
    share = stats.share(cell_id)
    count = stats.count_text(cell_id)
    return count if share is None else f"{count} ({float(share) * 100:.1f} %)"


def _table_html(stats: Statistics, table: Table,
                pair: Callable[[str], h.Bilingual]) -> str:
    columns: list[str | h.Bilingual] = [pair(N_("Group")) if table.rows else ""]
    columns += [pair(table.labels[c]) for c in table.columns]
    rows: list[list[h.Cell | str | h.Bilingual]] = []
    for row in table.rows:
        line: list[h.Cell | str | h.Bilingual] = [pair(table.labels[row])]
        for column in table.columns:
            cell_id = table.cell_id(row, column)
            line.append(h.Cell("" if cell_id is None else _figure(stats, cell_id), True))
        rows.append(line)
    return h.table(columns, rows)


def _charts(stats: Statistics, table: Table, pair: Callable[[str], h.Bilingual]) -> str:
    """One chart per chart column: the share of each group (the count when there is no
    share), withheld figures as empty bars."""
    charts = []
    for column in table.chart_columns:
        bars = []
        use_share = any(stats.share(i) is not None for r in table.rows
                        if (i := table.cell_id(r, column)) is not None)
        for row in table.rows:
            cell_id = table.cell_id(row, column)
            if cell_id is None or (row == TOTAL and not use_share):
                continue
            share = stats.share(cell_id)
            cell = stats.cells[cell_id]
            value = (None if cell.hidden else
                     float(share) * 100 if use_share and share is not None else
                     None if use_share else float(cell.count))
            bars.append(h.Bar(pair(table.labels[row]), value, _figure(stats, cell_id)))
        if bars:
            title = (table.labels[column] if len(table.chart_columns) > 1 else table.title)
            charts.append(h.bar_chart(pair(title), bars,
                                      maximum=100.0 if use_share else None, width=560))
    return f'<div class="charts">{"".join(charts)}</div>'


def report_html(stats: Statistics, *, tool_version: str, ko: NullTranslations) -> str:
    def pair(source: str) -> h.Bilingual:
        return (source, ko.gettext(source) if source else source)

    def fill(source: str, **values: object) -> h.Bilingual:
        return (source.format(**values), ko.gettext(source).format(**values))

    sections = [h.paragraph(fill(_INTRO, small=stats.threshold - 1,
                                 threshold=stats.threshold)),
                h.paragraph(fill(_TOOL, version=tool_version))]
    unit = stats.counting.get("unit")
    if isinstance(unit, str) and unit in _UNITS:
        sections.insert(1, h.paragraph(pair(_UNITS[unit])))
    if stats.perturbation is not None:
        sections.insert(1, h.paragraph(fill(
            _PERTURBED, deviation=stats.perturbation["max_deviation"],
            variance=stats.perturbation["variance"])))
    for table in stats.tables:
        parts = [_table_html(stats, table, pair)]
        if table.chart_columns:
            parts.append(_charts(stats, table, pair))
        sections.append(h.section(pair(table.title), parts, anchor=table.id))
    return h.page(_TITLE, ko.gettext(_TITLE), sections)


def write_statistics(stats: Statistics, folder: Path, *, tool_version: str,
                     ko: NullTranslations | None = None) -> list[Path]:
    """Write the statistics tier into the new or empty ``folder``; returns the paths written,
    the manifest last. Raises ``ExportFolderNotEmpty`` or ``ExportNotWritable``."""
    korean = ko if ko is not None else load_translations("ko")
    files = {
        STATISTICS_CSV: csv_bytes(stats),
        STATISTICS_HTML: report_html(stats, tool_version=tool_version,
                                     ko=korean).encode("utf-8"),
    }
    return write_folder(folder, files)
