"""The files of an anonymized export (docs/export.md, what is written), checked from the files.

The k check groups the rows of ``data.csv`` itself, by the quasi-identifiers the risk report
names; it shares no code with the pipeline.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import stat
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake import __version__
from intake.domain.record import Record, Status
from intake.exchange.analysis.anonymize.pipeline import Result, anonymize
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.exchange.demo.generate import generate
from intake.exchange.formats.export_files import (
    ExportFolderNotEmpty,
    ExportNotWritable,
    neutralize,
    write_export,
)

TODAY = dt.date(2026, 11, 27)
NAMES = ["data.csv", "data.jsonl", "risk_report.json", "risk_report.html", "datapackage.json",
         "codebook.md", "MANIFEST.sha256"]


def consenting(n: int, seed: int = 4) -> list[Record]:
    records = list(generate(n, seed=seed, author="kim", today=TODAY))
    for record in records:
        record.answers["consent.internal_documentation"] = True
        record.answers["consent.anonymized_statistics"] = True
        record.status = Status.SUBMITTED
    return records


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return consenting(300)


@pytest.fixture(scope="module")
def result(records: list[Record]) -> Result:
    return anonymize(records, k=5, l=2)


@pytest.fixture
def folder(tmp_path: Path, result: Result) -> Path:
    out = tmp_path / "export"
    write_export(result, out, tool_version=__version__)
    return out


def read_csv(folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(folder / "data.csv", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader]
    return header, rows


def read_jsonl(folder: Path) -> list[dict[str, Any]]:
    lines = (folder / "data.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def identity_values(record: Record) -> Iterator[str]:
    for qid, value in record.answers.items():
        if not qid.startswith("identity."):
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and item.strip():
                yield item


# -- the folder -----------------------------------------------------------------------------
def test_writes_the_four_files_private(folder: Path, result: Result) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(NAMES)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for name in NAMES:
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name


def test_returns_the_paths_with_the_manifest_last(tmp_path: Path, result: Result) -> None:
    paths = write_export(result, tmp_path / "a" / "b", tool_version=__version__)
    assert [p.name for p in paths] == NAMES
    assert all(p.parent == tmp_path / "a" / "b" for p in paths)


def test_an_existing_non_empty_folder_is_refused(tmp_path: Path, result: Result) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("keep me")

    with pytest.raises(ExportFolderNotEmpty) as caught:
        write_export(result, out, tool_version=__version__)

    assert caught.value.exit_code == 1
    assert str(out) in caught.value.message()
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert (out / "keep.txt").read_text() == "keep me"


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path, result: Result) -> None:
    out = tmp_path / "file"
    out.write_text("x")
    with pytest.raises(ExportFolderNotEmpty):
        write_export(result, out, tool_version=__version__)
    assert out.read_text() == "x"


def test_an_empty_existing_folder_is_used_and_made_private(
    tmp_path: Path, result: Result
) -> None:
    out = tmp_path / "empty"
    out.mkdir(mode=0o755)
    write_export(result, out, tool_version=__version__)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert sorted(p.name for p in out.iterdir()) == sorted(NAMES)


def test_a_failed_write_leaves_no_folder(
    tmp_path: Path, result: Result, monkeypatch: pytest.MonkeyPatch
) -> None:
    import intake.exchange.formats.export_files as module

    calls = []

    def failing(path: Path, data: bytes, *, overwrite: bool = True) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError("disk full")
        path.write_bytes(data)

    monkeypatch.setattr(module, "write_atomic", failing)
    out = tmp_path / "export"
    with pytest.raises(ExportNotWritable):
        write_export(result, out, tool_version=__version__)
    assert not out.exists()


# -- data.csv -------------------------------------------------------------------------------
def test_csv_has_a_bom_crlf_and_the_columns_in_order(folder: Path, result: Result) -> None:
    raw = (folder / "data.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\r\n") == raw.count(b"\n")
    header, rows = read_csv(folder)
    assert header == result.columns
    assert len(rows) == result.records_out
    assert rows == result.rows


def test_csv_keeps_korean_intact(tmp_path: Path, result: Result,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [dict(row) for row in result.rows]
    korean = "함경북도, \"따옴표\"\n줄바꿈 — 값"
    rows[0][result.columns[1]] = korean
    monkeypatch.setattr(result, "rows", rows)
    out = tmp_path / "export"
    write_export(result, out, tool_version=__version__)

    _header, read = read_csv(out)

    assert read[0][result.columns[1]] == korean
    assert read_jsonl(out)[0][result.columns[1]] == korean


def test_formula_like_values_are_neutralized(tmp_path: Path, result: Result,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [dict(row) for row in result.rows]
    planted = {
        result.columns[1]: '=HYPERLINK("x")', result.columns[2]: "+1", result.columns[3]: "-3",
        result.columns[4]: "@SUM(A1)", result.columns[5]: "\tx", result.columns[6]: "\rx",
        result.columns[7]: "\0x", result.columns[8]: "-8", result.columns[9]: "-9",
        result.columns[10]: "-80",
    }
    rows[0].update(planted)
    monkeypatch.setattr(result, "rows", rows)
    out = tmp_path / "export"
    write_export(result, out, tool_version=__version__)

    _header, read = read_csv(out)
    cells = read[0]

    assert cells[result.columns[1]] == "'=HYPERLINK(\"x\")"
    for column in result.columns[2:8]:
        assert cells[column] == "'" + planted[column], column
    assert cells[result.columns[8]] == "-8"
    assert cells[result.columns[9]] == "-9"
    assert cells[result.columns[10]] == "'-80"
    # JSON Lines keeps the values as the pipeline gave them
    assert read_jsonl(out)[0] == rows[0]


def test_missing_codes_stay_as_is(folder: Path, result: Result) -> None:
    _header, rows = read_csv(folder)
    missing = Counter(v for row in result.rows for v in row.values() if v in ("-8", "-9"))
    written = Counter(v for row in rows for v in row.values() if v in ("-8", "-9"))
    assert written == missing
    assert not any(v.startswith("'-") for row in rows for v in row.values())
    assert neutralize("-8") == "-8" and neutralize("-9") == "-9"
    assert neutralize("-7") == "'-7" and neutralize("") == "" and neutralize("*") == "*"


# -- data.jsonl and the manifest ------------------------------------------------------------
def test_jsonl_rows_equal_the_csv_rows(folder: Path, result: Result) -> None:
    header, rows = read_csv(folder)
    objects = read_jsonl(folder)
    assert objects == rows
    assert all(list(o) == header for o in objects)
    assert all(isinstance(v, str) for o in objects for v in o.values())


def test_manifest_hashes_verify(folder: Path) -> None:
    lines = (folder / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines()
    names = [line.split("  ", 1)[1] for line in lines]
    assert names == sorted(n for n in NAMES if n != "MANIFEST.sha256")
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


# -- the risk report ------------------------------------------------------------------------
def test_risk_report_has_the_figures_and_settings(folder: Path, result: Result) -> None:
    report = json.loads((folder / "risk_report.json").read_text(encoding="utf-8"))
    assert report["tool"]["version"] == __version__
    assert report["settings"] == {"k": 5, "l": 2, "max_suppression": 0.05,
                                  "l_kind": "distinct", "c": 2.0, "t": None,
                                  "released_columns": None}
    assert report["records"]["in"] == 300
    assert report["records"]["out"] == result.records_out
    assert (report["records"]["out"] + report["records"]["suppressed"]
            + report["records"]["excluded_total"]) == 300
    assert report["achieved"] == {"k": result.k, "l": result.l}
    assert report["quasi_identifiers"]["levels"] == result.levels
    histogram = {int(size): n for size, n in report["class_sizes"].items()}
    assert sum(size * n for size, n in histogram.items()) == result.records_out
    assert report["prosecutor_risk"]["max"] == pytest.approx(1 / result.k)
    assert 0 < report["prosecutor_risk"]["mean"] <= report["prosecutor_risk"]["max"]
    assert report["sample_uniques_before_treatment"] == result.sample_uniques
    assert isinstance(report["l_diversity"]["near_universal"], list)


def test_k_recomputed_from_the_csv_alone(folder: Path) -> None:
    report = json.loads((folder / "risk_report.json").read_text(encoding="utf-8"))
    qis = list(report["quasi_identifiers"]["levels"])
    assert qis
    _header, rows = read_csv(folder)
    groups = Counter(tuple(row[q] for q in qis) for row in rows)
    assert min(groups.values()) >= 5
    assert min(groups.values()) == report["achieved"]["k"]
    for attribute in report["l_diversity"]["attributes"]:
        if all(row[attribute] == "*" for row in rows):
            continue  # a K and S* column released as * (issue 18)
        over = [q for q in qis if q != attribute]  # K and S*: over the other QIs
        values: dict[tuple[str, ...], set[str]] = {}
        for row in rows:  # missing codes never count; a group's * counts once (issue 18)
            values.setdefault(tuple(row[q] for q in over), set()).add(row[attribute])
        assert min(len(v - {"", "-8", "-9"}) for v in values.values()) >= 2, attribute


def test_no_identity_value_appears_in_any_file(folder: Path, records: list[Record]) -> None:
    blobs = {p.name: unicodedata.normalize("NFC", p.read_bytes().decode("utf-8-sig"))
             for p in folder.iterdir()}
    blobs_folded = {name: text.casefold() for name, text in blobs.items()}
    checked = 0
    for record in records:
        for value in identity_values(record):
            needle = unicodedata.normalize("NFC", value).casefold()
            for name, text in blobs_folded.items():
                assert needle not in text, (record.id, name)
            checked += 1
        assert record.id not in "".join(blobs.values())
    assert checked > 300
    report = (folder / "risk_report.json").read_bytes()
    assert not any(record.id.encode() in report for record in records)


def test_the_csv_bytes_carry_nothing_of_the_identity_section(folder: Path) -> None:
    header, _rows = read_csv(folder)
    assert not [c for c in header if c.startswith(("identity.", "narrative."))]
    for name in NAMES:  # "(데모)", the mark of every demo name
        assert "(데모)".encode() not in (folder / name).read_bytes(), name


def test_the_html_risk_report_matches_the_json_and_loads_nothing(folder: Path) -> None:
    report = json.loads((folder / "risk_report.json").read_text(encoding="utf-8"))
    html = (folder / "risk_report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower() and not re.search(r"https?:|//", html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert re.search("[가-힣]", html) and 'lang="ko"' in html
    for qid, level in report["quasi_identifiers"]["levels"].items():
        assert re.search(rf"<th scope=\"row\">{re.escape(qid)}</th>.*?>{level} \(", html), qid
    achieved = report["achieved"]
    assert re.search(rf"k \(smallest group\).*?<td class=\"n\">{report['settings']['k']}</td>"
                     rf"<td class=\"n\">{achieved['k']}</td>", html)
    assert f">{report['records']['out']}</td>" in html
    for attribute in report["l_diversity"]["attributes"]:
        assert attribute in html


def test_the_html_risk_report_says_when_the_triples_search_was_bounded(
        records: list[Record], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A search of three-column sets cut short by its budget is said in the report, in
    both languages; a complete one (control) says nothing of the kind."""
    from intake.exchange.analysis.anonymize import gate

    written = {}
    for name, cells in (("bounded", 1), ("complete", None)):
        if cells is not None:
            monkeypatch.setattr(gate, "TRIPLE_CELLS", cells)
        else:
            monkeypatch.undo()
        result = anonymize(records, k=5, l=2, columns=PROFILES["ilo_by_period_region"])
        write_export(result, tmp_path / name, tool_version=__version__)
        report = json.loads((tmp_path / name / "risk_report.json").read_text(encoding="utf-8"))
        written[name] = (report["final_gate"],
                         (tmp_path / name / "risk_report.html").read_text(encoding="utf-8"))
    gate_json, html = written["bounded"]
    limit = gate_json["triples_complete_up_to"]
    assert gate_json["bounded"] and limit > 0
    assert f"the rarest of the three values is held by at most {limit} records" in html
    assert f"가장 드문 값을 가진 기록이 {limit}건 이하인" in html
    gate_json, html = written["complete"]
    assert not gate_json["bounded"] and gate_json["triples_complete_up_to"] is None
    assert "the rarest of the three values" not in html and "가장 드문 값" not in html
