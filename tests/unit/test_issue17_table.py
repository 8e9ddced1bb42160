"""Issue 17's table (tests/perf/issue17_table.py), fed results files shaped like the ones
the benches write: every row is read from them (a key path that no longer matches a bench's
file turns its row into "not measured" and fails here), a met and an unmet target, a
missing file and key, and rows stale because their file or their bench is older than the
session."""

from __future__ import annotations

import copy
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.perf import issue17_table as t

PERF = Path(t.__file__).parent


def _timing(p50: float, p95: float) -> dict[str, float]:
    return {"p50_ms": p50, "p95_ms": p95, "cpu_p50_ms": p50, "cpu_p95_ms": p95}


def _search_row(app95: float, raw95: float) -> dict[str, Any]:
    raw = {**_timing(1.0, raw95), "page": "walk", "every_way": {"walk": _timing(1.0, raw95)}}
    return {"app": _timing(2.0, app95), "app_page_only": _timing(1.5, app95),
            "anchor_defaults": raw, "ratio_p95_defaults": round(app95 / raw95, 2),
            "ratio_cpu_p95_defaults": round(app95 / raw95, 2),
            "anchor_memory_security": raw, "ratio_p95_memory_security": 1.0}


def _vault_work() -> dict[str, Any]:
    """size.json's shape (test_size_perf.py), and that of the imported-JSONL bench."""
    figures: dict[str, Any] = {"kdf": {"memory_kib": 262144, "iterations": 4}, "runs": 5}
    for size in (0, 10_000, 50_000):
        figures[f"unlock_after_kdf_{size}"] = {
            mode: {"app_ms": 12.5, "anchor_ms": 0.6, "ratio": 20.83} for mode in ("warm", "cold")}
    figures["check_50000"] = {"app_s": 7.16, "anchor_s": 8.21, "ratio": 0.87}
    figures["import_5000"] = {"app_records_per_s": 769, "anchor_records_per_s": 993,
                              "share_of_anchor": 0.77}
    figures["autosave_10000"] = {"app_p50_ms": 4.0, "app_p95_ms": 11.5, "anchor_p50_ms": 4.0,
                                 "anchor_p95_ms": 5.3, "p95_ratio": 2.17,
                                 "first_p50_ms": 6.0, "first_p95_ms": 10.0,
                                 "first_p95_ratio": 1.89}
    return figures


def _files() -> dict[str, Any]:
    search: dict[str, Any] = {"target_ratio_p95": 3.0}
    for data, categories in t.SEARCHES.items():
        search[data] = {str(size): {"records": size, "import_records_per_s": 2000,
                                    "shares": {}, "anchor_plans": {},
                                    "rows": {c: _search_row(6.0, 4.0) for c in categories}}
                        for size in (10_000, 100_000)}
    start = {"runs": 5, "target_ratio": 2.0}
    for mode in ("warm", "cold"):
        start[mode] = {"anchor_bare_qt_s": 0.15, "anchor_times_s": [0.15],
                       **{name: {"app_s": 0.3, "ratio": 2.0, "met": True, "times_s": [0.3]}
                          for name in ("python -m intake", "intake-gui")}}
    end_to_end = {"records": 10000, "app_s": 3.57, "anchor_s": 1.255, "anchor_kdf_s": 1.084,
                  "anchor_open_read_s": 0.171, "ratio": 2.85, "app_over_kdf_s": 2.486}
    export = {"anonymize_in_process": {"records": 10000, "median_s": 1.155, "target_s": 1.5},
              "cli_end_to_end": end_to_end}
    imported = {**_vault_work(), "export_10000": copy.deepcopy(end_to_end)}
    return {t.SIZE: _vault_work(), t.SEARCH: search, t.START: start, t.EXPORT: export,
            t.IMPORTED: imported}


def _write(folder: Path, files: dict[str, Any]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, figures in files.items():
        (folder / name).write_text(json.dumps(figures, ensure_ascii=False), encoding="utf-8")
    return folder


def _row(found: list[t.Row], figure: str) -> t.Row:
    (row,) = [r for r in found if r.figure == figure]
    return row


def test_every_row_is_read_from_files_shaped_like_the_benches(tmp_path: Path) -> None:
    found = t.rows(_write(tmp_path / "results", _files()))
    assert len(found) == len(t.SPECS) and len({r.figure for r in found}) == len(found)
    assert [r.figure for r in found if r.met in (t.NOT_MEASURED, t.STALE)] == []
    assert _row(found, "`intake check`, 50,000 demo records").met == "n/a"


def test_a_met_and_an_unmet_target(tmp_path: Path) -> None:
    files = _files()
    files[t.SEARCH]["demo --seed 7"]["100000"]["rows"]["rare words"] = _search_row(12.4, 4.0)
    found = t.rows(_write(tmp_path / "results", files))
    met = _row(found, "search, rare words, demo --seed 7, 10,000")
    assert (met.app, met.anchor, met.ratio, met.met) == (
        "p50 2.0 / p95 6.0 ms", "raw FTS5 (walk) p50 1.0 / p95 4.0 ms", "1.50 (p95)", "yes")
    unmet = _row(found, "search, rare words, demo --seed 7, 100,000")
    assert (unmet.ratio, unmet.met) == ("3.10 (p95)", "no")
    autosave = _row(found, "autosave in a 10,000-record vault (demo records)")
    assert (autosave.app, autosave.ratio, autosave.met) == (
        "p50 4.0 / p95 11.5 ms", "2.17 (p95)", "no")
    first = _row(found, "first autosave of an editing session (a new revision) in a 10,000-"
                        "record vault (demo records)")
    assert (first.app, first.ratio, first.met) == ("p50 6.0 / p95 10.0 ms", "1.89 (p95)", "yes")
    assert _row(found, "import 5,000 demo records").ratio == "share 77%"
    start = _row(found, "start to the unlock window, cold (intake-gui)")
    assert (start.app, start.anchor, start.ratio, start.met) == (
        "0.300 s", "bare Qt 0.150 s", "2.00", "yes")
    export = _row(found, "anonymized export, 10,000 demo records: end to end")
    assert (export.app, export.met) == ("3.57 s (app − KDF 2.49 s)", "yes")


def test_a_missing_file_or_key_is_not_measured_never_a_number(tmp_path: Path) -> None:
    files = _files()
    del files[t.START]
    del files[t.SIZE]["unlock_after_kdf_50000"]["cold"]
    files[t.EXPORT]["anonymize_in_process"]["median_s"] = None
    found = t.rows(_write(tmp_path / "results", files))
    gone = [r for r in found if r.met == t.NOT_MEASURED]
    assert {r.figure for r in gone} == {
        *(f"start to the unlock window, {m} ({c})" for m in ("warm", "cold")
          for c in ("intake-gui", "python -m intake")),
        "unlock after the KDF, 50,000 demo records, cold",
        "anonymized export, 10,000 demo records: anonymizing"}
    for row in gone:
        assert (row.anchor, row.ratio) == ("—", "—") and not re.search(r"\d", row.app[:20])
    assert "not measured (no start.json)" in t.render(found)


def test_rows_from_before_the_session_or_a_bench_that_did_not_run_are_stale(
        tmp_path: Path) -> None:
    results = _write(tmp_path / "results", _files())
    old = (results / t.SIZE).stat().st_mtime - 3600
    os.utime(results / t.SIZE, (old, old))
    since = old + 1800
    ran = {spec.producer for spec in t.SPECS} - {"test_anonymizing_10000_records_in_process"}
    found = t.rows(results, since=since, ran=ran)
    stale = {r.figure for r in found if r.met == t.STALE}
    assert stale == {spec.figure for spec in t.SPECS if spec.file == t.SIZE} | {
        "anonymized export, 10,000 demo records: anonymizing"}
    assert _row(found, "anonymized export, 10,000 demo records: end to end").met == "yes"
    text = t.write(results, since=since, ran=ran)
    assert (results / t.OUTPUT).read_text(encoding="utf-8") == text
    assert f"{len(stale)} stale" in text and "| 11.7" not in text


@pytest.mark.parametrize("spec", t.SPECS, ids=lambda spec: spec.figure)
def test_each_row_names_a_bench_that_writes_its_file(spec: t.Spec) -> None:
    """A renamed bench test or results file fails here, not silently as "stale"."""
    writers = [path for path in PERF.glob("test_*.py")
               if f"def {spec.producer}(" in path.read_text(encoding="utf-8")]
    assert len(writers) == 1, spec.producer
    assert spec.file in writers[0].read_text(encoding="utf-8")
