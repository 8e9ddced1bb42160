"""The anonymized export: its time for 10,000 demo records and how
it grows from 1,000 to 100,000.

Demo records (``intake.exchange.demo.generate.generate``, a fixed seed) are all made exportable:
consent to anonymized statistics and to internal documentation, status submitted. For each
size, in a fresh child process (so that one size's memory does not slow the next), the
time of ``anonymize()`` with k = 5, l = 2 (default suppression limit) and of writing the
folder (``write_export``: CSV, JSONL, datapackage, codebook, risk reports, manifest) are
measured. Figures are printed and written to tests/perf/results/anonymize.json. Target: the
export of 10,000 records < 5 s. ``intake export`` end to end, beside its anchor (the KDF and
a raw SQLCipher read), is timed in test_export_perf.py, which reuses :func:`exportable`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from intake.domain.record import Record, Status
from intake.exchange.analysis.anonymize.pipeline import anonymize
from intake.exchange.analysis.anonymize.pseudonym import Pseudonymizer
from intake.exchange.demo.generate import generate
from intake.exchange.formats.export_files import write_export

SIZES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)
LIMIT = 300.0  # seconds per size (record generation included)
SEED = 4
TARGET_10K = 5.0
RESULTS = Path(__file__).parent / "results"


def exportable(n: int, seed: int = SEED) -> list[Record]:
    records = list(generate(n, seed=seed, author="kim"))
    for record in records:
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED
    return records


def measure(n: int) -> dict[str, float | int]:
    records = exportable(n)
    start = time.perf_counter()
    result = anonymize(records, k=5, l=2, pseudonymizer=Pseudonymizer(b"\x01" * 32))
    anonymized = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        write_export(result, Path(tmp) / "out", tool_version="bench")
        written = time.perf_counter() - start
    return {"records": n, "exported": result.records_out, "suppressed": result.suppressed,
            "anonymize_seconds": round(anonymized, 3), "write_seconds": round(written, 3),
            "seconds": round(anonymized + written, 3),
            "evaluated_nodes": result.evaluated_nodes, "lattice_size": result.lattice_size}


def in_child(n: int) -> dict[str, float | int] | None:
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import test_anonymize_perf as t; print(json.dumps(t.measure({n})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=LIMIT, check=True)
    except subprocess.TimeoutExpired:
        print(f"export {n:>7} records: over {LIMIT:.0f} s, left out")
        return None
    run: dict[str, float | int] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"export {n:>7} records: anonymize {run['anonymize_seconds']:6.2f} s + write "
          f"{run['write_seconds']:5.2f} s = {run['seconds']:6.2f} s; "
          f"{run['evaluated_nodes']} of {run['lattice_size']} nodes evaluated, "
          f"{run['suppressed']} suppressed")
    return run


def _save(key: str, value: object) -> None:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "anonymize.json"
    report = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    report[key] = value
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def test_export_growth() -> None:
    runs = [run for n in SIZES if (run := in_child(n)) is not None]
    ten = next(run for run in runs if run["records"] == 10_000)
    _save("growth", {"k": 5, "l": 2, "target_10000_seconds": TARGET_10K,
                     "met": ten["seconds"] < TARGET_10K, "runs": runs})
    assert all(run["exported"] > 0 for run in runs)
