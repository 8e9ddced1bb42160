"""Issue 17's table, from the figures the benches wrote: `make bench` prints it at the end
(tests/perf/conftest.py) and writes it to tests/perf/results/issue17_table.md.

One row per figure of the issue's table: the app, its anchor, app / anchor (for the import,
the app's share of the anchor's rate), the issue's target and whether it is met. Every
figure is read from a results file in tests/perf/results/; nothing is carried over from an
earlier run. A row whose file or key is missing says "not measured". Given the session's
start, a row whose file was written before it, or whose bench test did not run in the
session (export.json keeps the key of a test that did not run), says "stale" and shows no
figure. The targets are the issue's own.

    .venv/bin/python tests/perf/issue17_table.py   # the table from the files as they are
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"
OUTPUT = "issue17_table.md"
NOT_MEASURED, STALE = "not measured", "stale"
SIZE, SEARCH, START, EXPORT = "size.json", "search.json", "start.json", "export.json"
IMPORTED = "jsonl_same_time.json"  # tests/perf/test_issue17_imported_perf.py
#: the issue's targets
UNLOCK_MS, IMPORT_SHARE, AUTOSAVE_P95, SEARCH_P95, START_RATIO = 100.0, 0.5, 2.0, 3.0, 2.0
ANONYMIZE_S, EXPORT_OVER_KDF_S = 1.5, 3.0


@dataclass(frozen=True)
class Cells:
    app: str
    anchor: str
    ratio: str
    met: bool | None  # None: the issue sets no figure to meet


@dataclass(frozen=True)
class Spec:
    figure: str
    file: str
    producer: str  # the bench test function whose run writes these keys
    target: str
    cells: Callable[[Any], Cells]  # raises LookupError, TypeError or ValueError if absent


@dataclass(frozen=True)
class Row:
    figure: str
    app: str
    anchor: str
    ratio: str
    target: str
    met: str  # yes, no, n/a, not measured, stale


def at(data: Any, *path: str) -> Any:
    for key in path:
        data = data[key]
    return data


def num(data: Any, *path: str) -> float:
    value = at(data, *path)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{'/'.join(path)}: {value!r} is not a number")
    return float(value)


def _pair(row: Any, p50: str, p95: str) -> str:
    low, high = num(row, p50), num(row, p95)
    digits = 2 if high < 1 else 1  # a tenth of a ms is a third of the anchor's autosave
    return f"p50 {low:.{digits}f} / p95 {high:.{digits}f} ms"


# -- the rows ----------------------------------------------------------------------------------
def unlock(size: int, mode: str, file: str = SIZE, data: str = "demo records",
           producer: str = "test_the_vaults_own_work_at_size") -> Spec:
    def cells(d: Any) -> Cells:
        row = at(d, f"unlock_after_kdf_{size}", mode)
        app = num(row, "app_ms")
        return Cells(f"{app:.1f} ms", f"raw open {num(row, 'anchor_ms'):.1f} ms",
                     f"{num(row, 'ratio'):.2f}", app <= UNLOCK_MS)
    what = "empty vault" if size == 0 else f"{size:,} {data}"
    return Spec(f"unlock after the KDF, {what}, {mode}", file, producer,
                f"≤ {UNLOCK_MS:.0f} ms", cells)


def check(size: int, file: str = SIZE, data: str = "demo records",
          producer: str = "test_the_vaults_own_work_at_size") -> Spec:
    def cells(d: Any) -> Cells:
        row = at(d, f"check_{size}")
        return Cells(f"{num(row, 'app_s'):.2f} s",
                     f"KDF + raw checks once {num(row, 'anchor_s'):.2f} s",
                     f"{num(row, 'ratio'):.2f}", None)
    return Spec(f"`intake check`, {size:,} {data}", file, producer,
                "each check once (no figure)", cells)


def import_(count: int, file: str = SIZE, data: str = "demo records",
            producer: str = "test_the_vaults_own_work_at_size") -> Spec:
    def cells(d: Any) -> Cells:
        row = at(d, f"import_{count}")
        share = num(row, "share_of_anchor")
        return Cells(f"{num(row, 'app_records_per_s'):,.0f} records/s",
                     f"raw insert + FTS5 {num(row, 'anchor_records_per_s'):,.0f}/s",
                     f"share {share:.0%}", share >= IMPORT_SHARE)
    return Spec(f"import {count:,} {data}", file, producer, f"≥ {IMPORT_SHARE:.0%} of raw", cells)


def _row(row: Any) -> str:
    """The anchor's row size, where the run wrote it (the app's mean record row)."""
    size = row.get("anchor_row_bytes") if isinstance(row, dict) else None
    return f" of a {size:,}-byte row" if size else ""


def autosave(size: int, file: str = SIZE, data: str = "demo records",
             producer: str = "test_the_vaults_own_work_at_size", *,
             first: bool = False) -> Spec:
    """The autosaves that join their editing session's revision, or (``first``) the first
    of each session, which starts a new revision."""
    app = "first_" if first else "app_"

    def cells(d: Any) -> Cells:
        row = at(d, f"autosave_{size}")
        ratio = num(row, "first_p95_ratio" if first else "p95_ratio")
        return Cells(_pair(row, f"{app}p50_ms", f"{app}p95_ms"),
                     f"raw UPDATE{_row(row)} " + _pair(row, "anchor_p50_ms", "anchor_p95_ms"),
                     f"{ratio:.2f} (p95)", ratio <= AUTOSAVE_P95)
    what = ("first autosave of an editing session (a new revision)" if first
            else "autosave")
    return Spec(f"{what} in a {size:,}-record vault ({data})", file, producer,
                f"p95 ≤ {AUTOSAVE_P95:g}×", cells)


def autosave_first(size: int, file: str = SIZE, data: str = "demo records",
                   producer: str = "test_the_vaults_own_work_at_size") -> Spec:
    return autosave(size, file, data, producer, first=True)


def search(data: str, size: int, category: str) -> Spec:
    def cells(d: Any) -> Cells:
        row = at(d, data, str(size), "rows", category)
        ratio, raw = num(row, "ratio_p95_defaults"), at(row, "anchor_defaults")
        return Cells(_pair(row["app"], "p50_ms", "p95_ms"),
                     f"raw FTS5 ({at(raw, 'page')}) " + _pair(raw, "p50_ms", "p95_ms"),
                     f"{ratio:.2f} (p95)", ratio <= SEARCH_P95)
    producer = "test_search_on_imported_jsonl" if data == "imported JSONL" \
        else "test_search_on_demo_records"
    return Spec(f"search, {category}, {data}, {size:,}", SEARCH, producer,
                f"p95 ≤ {SEARCH_P95:g}×", cells)


def start(mode: str, command: str) -> Spec:
    def cells(d: Any) -> Cells:
        row = at(d, mode, command)
        ratio = num(row, "ratio")
        return Cells(f"{num(row, 'app_s'):.3f} s",
                     f"bare Qt {num(d, mode, 'anchor_bare_qt_s'):.3f} s",
                     f"{ratio:.2f}", ratio <= START_RATIO)
    return Spec(f"start to the unlock window, {mode} ({command})", START,
                "test_start_to_the_unlock_window", f"≤ {START_RATIO:g}× bare Qt", cells)


def anonymizing() -> Spec:
    def cells(d: Any) -> Cells:
        row = at(d, "anonymize_in_process")
        median = num(row, "median_s")
        full = row.get("every_column", {}).get("median_s")
        beside = f"; every column {full:.2f} s, no target" if full is not None else ""
        return Cells(f"{median:.2f} s ({num(row, 'records'):,.0f} records, default release "
                     f"{row.get('profile', '?')}{beside})",
                     "— (no anchor)", "—", median <= ANONYMIZE_S)
    return Spec("anonymized export, 10,000 demo records: anonymizing", EXPORT,
                "test_anonymizing_10000_records_in_process", f"≤ {ANONYMIZE_S:g} s", cells)


def export_end_to_end(key: str = "cli_end_to_end", file: str = EXPORT,
                      data: str = "demo records",
                      producer: str = "test_cli_export_end_to_end_beside_the_anchor") -> Spec:
    def cells(d: Any) -> Cells:
        row = at(d, key)
        app, kdf = num(row, "app_s"), num(row, "anchor_kdf_s")
        return Cells(f"{app:.2f} s (app − KDF {app - kdf:.2f} s)",
                     f"KDF {kdf:.2f} s + raw open, read {num(row, 'anchor_open_read_s'):.2f} s",
                     f"{num(row, 'ratio'):.2f}", app <= kdf + EXPORT_OVER_KDF_S)
    return Spec(f"anonymized export, 10,000 {data}: end to end", file, producer,
                f"≤ KDF + {EXPORT_OVER_KDF_S:g} s", cells)


def _imported(spec: Callable[..., Spec], *args: Any) -> Spec:
    return spec(*args, file=IMPORTED, data="imported JSONL (one timestamp)",
                producer="test_the_vaults_own_work_on_imported_jsonl")


SEARCHES = {"imported JSONL": ("a word in every record", "the most frequent word",
                               "common words", "rare words"),
            "demo --seed 7": ("the most frequent word", "common words", "rare words")}

SPECS: tuple[Spec, ...] = (
    *(unlock(size, mode) for size in (0, 10_000, 50_000) for mode in ("warm", "cold")),
    *(_imported(unlock, size, mode) for size in (10_000, 50_000) for mode in ("warm", "cold")),
    check(50_000), _imported(check, 50_000),
    import_(5_000), _imported(import_, 5_000),
    autosave(10_000), _imported(autosave, 10_000),
    autosave_first(10_000), _imported(autosave_first, 10_000),
    *(search(data, size, category) for data, categories in SEARCHES.items()
      for size in (10_000, 100_000) for category in categories),
    *(start(mode, command) for mode in ("warm", "cold")
      for command in ("intake-gui", "python -m intake")),
    anonymizing(), export_end_to_end(),
    export_end_to_end("export_10000", IMPORTED, "imported JSONL (one timestamp)",
                      "test_the_vaults_own_work_on_imported_jsonl"),
)


# -- reading and rendering ---------------------------------------------------------------------
def _load(path: Path) -> tuple[Any, str]:
    """(the file's figures, "") or (None, why not)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")), ""
    except FileNotFoundError:
        return None, f"{NOT_MEASURED} (no {path.name})"
    except (OSError, ValueError) as error:
        return None, f"{NOT_MEASURED} ({path.name} unreadable: {error})"


def _when(mtime: float) -> str:
    return dt.datetime.fromtimestamp(mtime, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _stale(spec: Spec, path: Path, since: float | None, ran: Collection[str] | None) -> str:
    """Why the row's figures are not from this session, or ""."""
    if since is not None and path.stat().st_mtime < since:
        return f"{STALE}: {path.name} written {_when(path.stat().st_mtime)}, before this run"
    if ran is not None and spec.producer not in ran:
        return f"{STALE}: {spec.producer} did not run in this session"
    return ""


def rows(results: Path = RESULTS, since: float | None = None,
         ran: Collection[str] | None = None) -> list[Row]:
    """Every row of the issue's table. ``since``: the session's start (files older than it
    are stale); ``ran``: the bench test functions that ran in the session."""
    found = []
    for spec in SPECS:
        path = results / spec.file
        data, missing = _load(path)
        why = missing or _stale(spec, path, since, ran)
        if not why:
            try:
                cells = spec.cells(data)
            except (LookupError, TypeError, ValueError) as error:
                why = f"{NOT_MEASURED} ({spec.file}: no {error})"
        if why:
            met = STALE if why.startswith(STALE) else NOT_MEASURED
            found.append(Row(spec.figure, why, "—", "—", spec.target, met))
            continue
        met = "n/a" if cells.met is None else "yes" if cells.met else "no"
        found.append(Row(spec.figure, cells.app, cells.anchor, cells.ratio, spec.target, met))
    return found


def render(found: list[Row], title: str = "Issue 17: the app beside its anchor") -> str:
    lines = [f"## {title}", "",
             "| figure | app | anchor | app / anchor | target | met |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r.figure} | {r.app} | {r.anchor} | {r.ratio} | {r.target} | {r.met} |"
              for r in found]
    counts = {word: sum(r.met == word for r in found)
              for word in ("yes", "no", "n/a", NOT_MEASURED, STALE)}
    lines += ["", f"{len(found)} rows: {counts['yes']} met, {counts['no']} not met, "
              f"{counts['n/a']} without a target, {counts[NOT_MEASURED]} not measured, "
              f"{counts[STALE]} stale."]
    return "\n".join(lines) + "\n"


def _kdf(data: Any) -> str:
    """The Argon2id parameters a file records (top level or one level down), or ""."""
    if not isinstance(data, dict):
        return ""
    for kdf in (data.get("kdf"), *(v.get("kdf") for v in data.values() if isinstance(v, dict))):
        if isinstance(kdf, dict) and "memory_kib" in kdf and "iterations" in kdf:
            return f", KDF {kdf['memory_kib'] // 1024} MiB × {kdf['iterations']}"
    return ""


def files(results: Path = RESULTS) -> str:
    """The results files the table reads, with the time each was written and the KDF's
    parameters as the app calibrated them for that file's vaults."""
    parts = []
    for name in sorted({spec.file for spec in SPECS}):
        path = results / name
        if not path.exists():
            parts.append(f"{name} absent")
            continue
        data, _missing = _load(path)
        parts.append(f"{name} {_when(path.stat().st_mtime)}{_kdf(data)}")
    return "Files: " + "; ".join(parts) + ".\n"


def write(results: Path = RESULTS, since: float | None = None,
          ran: Collection[str] | None = None) -> str:
    """The table of this session, also written to ``results``/issue17_table.md."""
    text = render(rows(results, since, ran)) + "\n" + files(results)
    results.mkdir(exist_ok=True)
    (results / OUTPUT).write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    sys.stdout.write(render(rows()) + "\n" + files())
