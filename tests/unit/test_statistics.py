"""The public statistics tier, checked from the written files.

Expected counts are computed here from the records with the questionnaire's own data
(districts, coarse sectors, the indicator rules) and hand-written bands, not with the
module under test. The disclosure check reads ``statistics.csv`` alone, rebuilds the sums a
reader can form from it, and solves them with its own exact elimination.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import stat
from collections import Counter
from fractions import Fraction
from pathlib import Path

import pytest

from intake.domain.codelists import SECTOR_COARSE
from intake.domain.indicators import INDICATOR_IDS, derive
from intake.domain.record import Record, Status
from intake.domain.regions import DISTRICT_OF
from intake.exchange.analysis.disclosure import Cell, Line, Mark, protect
from intake.exchange.analysis.statistics import compute_statistics
from intake.exchange.demo.generate import generate
from intake.exchange.formats.export_files import ExportFolderNotEmpty
from intake.exchange.formats.stats_files import report_html, write_statistics
from intake.i18n import load_translations

TODAY = dt.date(2026, 11, 27)
Key = tuple[str, str, str]


def dataset(n: int, seed: int) -> tuple[list[Record], list[Record]]:
    """(records that may be counted, records that must not be: no consent, withdrawn,
    draft)."""
    records = list(generate(n, seed=seed, author="kim", today=TODAY))
    for r in records:
        r.answers["consent.internal_documentation"] = True
        r.answers["consent.anonymized_statistics"] = True
        r.answers.pop("consent.withdrawn_on", None)
        r.status = Status.SUBMITTED
    bad = records[: n // 5]
    for i, r in enumerate(bad):
        if i % 3 == 0:
            r.answers["consent.anonymized_statistics"] = False
        elif i % 3 == 1:
            r.answers["consent.withdrawn_on"] = "2026-01-02"
        else:
            r.status = Status.DRAFT
    return records[n // 5:], bad


def read_csv(folder: Path) -> dict[Key, tuple[str, str]]:
    raw = (folder / "statistics.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(text.splitlines()))
    assert rows[0] == ["table", "row", "column", "count", "share"]
    return {(t, r, c): (n, s) for t, r, c, n, s in rows[1:]}


def _hours(v: float) -> str:
    for high, label in ((8, "<=8"), (10, "9-10"), (12, "11-12"), (14, "13-14")):
        if v <= high:
            return label
    return "15+"


def expected_counts(kept: list[Record]) -> dict[Key, int]:
    """The counts of several tables, computed directly from the records."""
    out: dict[Key, int] = {("records", "included", "records"): len(kept)}

    def add(table: str, values: list[str]) -> None:
        for value, count in Counter(values).items():
            out[(table, value, "records")] = count

    def year(r: Record, qid: str) -> str:
        v = r.answers.get(qid)
        return "missing" if v is None else str(v)

    def period(r: Record) -> str:
        v = r.answers.get("deployment.year_departed")
        return "missing" if v is None else f"{v // 3 * 3}-{v // 3 * 3 + 2}"

    def sector(r: Record) -> str:
        v = r.answers.get("deployment.sector")
        return "missing" if v is None else SECTOR_COARSE[v]

    def district(r: Record) -> str:
        v = r.answers.get("deployment.destination_region")
        return "missing" if v is None else DISTRICT_OF[v]

    add("records_by_year_departed", [year(r, "deployment.year_departed") for r in kept])
    add("records_by_escape_year", [year(r, "escape.year") for r in kept])
    add("records_by_deployment_period", [period(r) for r in kept])
    add("records_by_sector_group", [sector(r) for r in kept])
    add("records_by_federal_district", [district(r) for r in kept])
    add("work_hours_per_day", [
        "missing" if (h := r.answers.get("work.hours_per_day")) is None else _hours(h)
        for r in kept])
    add("medical_care_received", [r.answers.get("medical.care_received") or "missing"
                                  for r in kept])
    out[("abuse_sexual", "yes", "records")] = sum(
        r.answers.get("abuse.sexual") is True for r in kept)
    findings = [derive(r.answers) for r in kept]
    for indicator in INDICATOR_IDS:
        for finding, count in Counter(f[indicator].value for f in findings).items():
            out[("indicators_overall", indicator, finding)] = count
        for value, count in Counter(sector(r) for r, f in zip(kept, findings, strict=True)
                                    if f[indicator].value == "present").items():
            out[("indicators_by_sector_group", value, indicator)] = count
    return out


# -- a reader's view of the published sums ----------------------------------------------
BY = ("deployment_period", "sector_group", "federal_district")
DISTRIBUTIONS = ("records_by_year_departed", "records_by_deployment_period",
                 "records_by_escape_year", "records_by_sector_group",
                 "records_by_federal_district", "work_hours_per_day", "wages_state_share",
                 "medical_care_received")


def canonical(key: Key) -> Key:
    """The same published figure under one name (a reader sees they are equal)."""
    table, row, column = key
    if (row == "total" and column == "records") or (
            table == "indicators_overall" and column == "records"):
        return ("records", "included", "records")
    if table.startswith("indicators_by_") and column == "records":
        return canonical(("records_by_" + table.removeprefix("indicators_by_"), row, column))
    if table.startswith("indicators_by_") and row == "total":
        return ("indicators_overall", column, "present")
    if table == "records_by_deployment_period" and row == "missing":
        return ("records_by_year_departed", "missing", "records")
    return key


def published_sums(cells: dict[Key, tuple[str, str]]) -> list[tuple[list[Key], Key]]:
    """(parts, total) of every sum the tables imply."""
    rows: dict[str, list[str]] = {}
    for table, row, _column in cells:
        if row not in rows.setdefault(table, []):
            rows[table].append(row)
    sums = []
    for table in DISTRIBUTIONS:
        parts = [(table, r, "records") for r in rows[table] if r != "total"]
        sums.append((parts, (table, "total", "records")))
    for indicator in INDICATOR_IDS:
        sums.append(([("indicators_overall", indicator, f)
                      for f in ("present", "absent", "insufficient")],
                     ("indicators_overall", indicator, "records")))
        for by in BY:
            table = "indicators_by_" + by
            sums.append(([(table, r, indicator) for r in rows[table] if r != "total"],
                         (table, "total", indicator)))
    for band in rows["records_by_deployment_period"]:
        if re.fullmatch(r"\d{4}-\d{4}", band):
            start, end = (int(y) for y in band.split("-"))
            years = [("records_by_year_departed", str(y), "records")
                     for y in range(start, end + 1)
                     if ("records_by_year_departed", str(y), "records") in cells]
            sums.append((years, ("records_by_deployment_period", band, "records")))
    return sums


def rank(matrix: list[list[Fraction]]) -> int:
    m = [row[:] for row in matrix]
    r = 0
    for c in range(len(m[0]) if m else 0):
        pivot = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                f = m[i][c] / m[r][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[r], strict=True)]
        r += 1
    return r


def recoverable(cells: dict[Key, tuple[str, str]]) -> list[Key]:
    """Hidden figures that follow from the shown ones through the published sums."""
    hidden = sorted({canonical(k) for k, (n, _s) in cells.items() if not n.isdigit()})
    index = {k: i for i, k in enumerate(hidden)}
    matrix = []
    for parts, total in published_sums(cells):
        row = [Fraction(0)] * len(hidden)
        for key, sign in [*((p, 1) for p in parts), (total, -1)]:
            if canonical(key) in index:
                row[index[canonical(key)]] += sign
        if any(row):
            matrix.append(row)
    base = rank(matrix)
    out = []
    for key, i in index.items():
        unit = [Fraction(int(j == i)) for j in range(len(hidden))]
        if rank([*matrix, unit]) == base:
            out.append(key)
    return out


# -- fixtures ---------------------------------------------------------------------------
@pytest.fixture(scope="module", params=[(60, 5), (400, 8)], ids=["60", "400"])
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> tuple[list[Record], dict[Key, tuple[str, str]], str]:
    n, seed = request.param
    kept, bad = dataset(n, seed)
    folder = tmp_path_factory.mktemp("stats") / "out"
    write_statistics(compute_statistics([*bad, *kept]), folder, tool_version="9.9")
    return kept, read_csv(folder), (folder / "statistics.html").read_text("utf-8")


def test_counts_match_the_records_and_small_ones_are_hidden(case: tuple) -> None:
    kept, cells, _html = case
    expected = expected_counts(kept)
    hidden_small = 0
    for key, count in expected.items():
        shown = cells[key][0] if key in cells else "0"
        if 1 <= count < 10:
            assert shown == "<10", key
            hidden_small += 1
        elif shown == "x":
            assert count == 0 or count >= 10, key
        else:
            assert shown == str(count), key
    assert hidden_small > 0  # the data exercises the rule
    for key, (shown, _share) in cells.items():  # nothing else is small and shown either
        assert not (shown.isdigit() and 1 <= int(shown) < 10), key


def test_no_hidden_figure_can_be_recovered(case: tuple) -> None:
    _kept, cells, _html = case
    assert any(n == "x" for n, _s in cells.values())  # complementary cells were needed
    assert recoverable(cells) == []
    for parts, total in published_sums(cells):
        line = {canonical(k) for k in (*parts, total)}
        assert sum(1 for k in line if not cells.get(k, ("0", ""))[0].isdigit()) != 1


def test_shares_are_withheld_with_their_counts(case: tuple) -> None:
    _kept, cells, _html = case
    for key, (shown, share) in cells.items():
        if not shown.isdigit():
            assert share == "", key
        if key[0].startswith("indicators_by_") and key[2] in INDICATOR_IDS and share:
            group = cells[(key[0], key[1], "records")][0]
            assert group.isdigit() and int(group) > 0
            assert abs(float(share) - int(shown) / int(group)) < 0.0006


def test_records_left_out_are_never_counted() -> None:
    kept, bad = dataset(120, 3)
    with_bad = compute_statistics([*kept, *bad])
    without = compute_statistics(kept)
    for table in with_bad.tables:
        if table.id == "records":
            continue
        other = without.table(table.id)
        assert table.rows == other.rows
        for (row, column), cell_id in table.cells.items():
            assert with_bad.cells[cell_id] == without.cells[other.cells[(row, column)]]
    overview = with_bad.table("records")
    counts = {row: with_bad.cells[overview.cells[(row, "records")]].count
              for row in overview.rows}
    assert counts == {"included": len(kept), "no_consent_to_statistics": 8,
                      "consent_withdrawn": 8, "draft": 8}


def test_html_is_self_contained_bilingual_and_matches_the_csv(case: tuple) -> None:
    _kept, cells, html = case
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert ('<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">") in html
    assert re.search("[\uac00-\ud7a3]", html)  # Korean labels
    assert 'lang="ko"' in html and "<svg" in html and "<title>" in html
    for table in ("records_by_federal_district", "indicators_by_sector_group"):
        start = html.index(f'<section id="{table}">')
        block = html[start:html.index("</table>", start)]
        figures = [re.sub(r" \(.*\)$", "", f) for f in re.findall(r'<td class="n">([^<]*)</td>',
                                                                  block)]
        published = [n for (t, _r, _c), (n, _s) in cells.items() if t == table]
        assert figures == [n.replace("<", "&lt;") for n in published]
    assert "&lt;10" in html


def test_html_escapes_every_value() -> None:
    kept, _bad = dataset(40, 2)
    stats = compute_statistics(kept)
    stats.tables[0].labels["included"] = "<script>alert('x')</script> & 김"
    html = report_html(stats, tool_version="<b>1</b>", ko=load_translations("ko"))
    assert "<script" not in html and "<b>1" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; 김" in html


def test_folder_rules_and_modes(tmp_path: Path) -> None:
    kept, _bad = dataset(40, 2)
    stats = compute_statistics(kept)
    out = tmp_path / "stats"
    written = write_statistics(stats, out, tool_version="1")
    assert [p.name for p in written] == ["statistics.csv", "statistics.html", "MANIFEST.sha256"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    manifest = (out / "MANIFEST.sha256").read_text("utf-8")
    assert "statistics.csv" in manifest and "statistics.html" in manifest
    with pytest.raises(ExportFolderNotEmpty):
        write_statistics(stats, out, tool_version="1")
    other = tmp_path / "busy"
    other.mkdir()
    (other / "keep.txt").write_text("mine", "utf-8")
    with pytest.raises(ExportFolderNotEmpty):
        write_statistics(stats, other, tool_version="1")
    assert sorted(p.name for p in other.iterdir()) == ["keep.txt"]


def test_a_cell_left_determinable_by_overlapping_sums_gets_a_partner() -> None:
    """a is small. The line rule alone hides c beside it in the total and b beside it in
    the band; then c = T - d - (a + b) follows from the two sums, so d must go too."""
    cells = {"a": Cell(3), "b": Cell(20), "c": Cell(15), "d": Cell(40), "T": Cell(78),
             "B": Cell(23)}
    lines = [Line(("a", "b", "c", "d"), "T"), Line(("a", "b"), "B")]
    protect(cells, lines, 10)
    marks = {k: c.mark for k, c in cells.items()}
    assert marks == {"a": Mark.SMALL, "b": Mark.COMPLEMENTARY, "c": Mark.COMPLEMENTARY,
                     "d": Mark.COMPLEMENTARY, "T": Mark.SHOWN, "B": Mark.SHOWN}


def test_zero_is_shown_and_threshold_is_respected() -> None:
    kept, _bad = dataset(60, 5)
    stats = compute_statistics(kept, threshold=3)
    marks = Counter((c.count, c.mark) for c in stats.cells.values())
    assert all(mark is Mark.SMALL for (count, mark) in marks if 1 <= count < 3)
    assert all(mark is not Mark.SMALL for (count, mark) in marks if count >= 3 or count == 0)
    assert any(count == 0 and mark is Mark.SHOWN for (count, mark) in marks)
    small = next(i for i, c in stats.cells.items() if c.mark is Mark.SMALL)
    assert stats.count_text(small) == "<3"
