"""The anonymization core (issue 4, "Benchmarks"): ``anonymize()`` over demo records.

Demo records (``intake.exchange.demo.generate``, a fixed seed) are all made exportable:
consent to anonymized statistics and to internal documentation, status submitted. The time
of ``anonymize()`` with k = 5, l = 2 (default suppression limit) is measured for 1,000,
2,000, 5,000 and 10,000 records, and for 20,000 in a child process that is given 60 s (the
figure is left out when it takes longer). Figures, with the lattice nodes evaluated, are
printed and written to tests/perf/results/anonymize.json. Target: 10,000 records < 5 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from intake.domain.record import Record, Status
from intake.exchange.anonymize.pipeline import anonymize
from intake.exchange.anonymize.pseudonym import Pseudonymizer
from intake.exchange.demo import generate

SIZES = (1_000, 2_000, 5_000, 10_000)
LARGE = 20_000
LARGE_LIMIT = 60.0  # seconds: 20,000 records are reported only when they finish in time
SEED = 4
TARGET_10K = 5.0
RESULTS = Path(__file__).parent / "results"


def exportable(n: int) -> list[Record]:
    records = list(generate(n, seed=SEED, author="kim"))
    for record in records:
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED
    return records


def measure(n: int) -> dict[str, float | int]:
    records = exportable(n)
    start = time.perf_counter()
    result = anonymize(records, k=5, l=2, pseudonymizer=Pseudonymizer(b"\x01" * 32))
    seconds = time.perf_counter() - start
    figures: dict[str, float | int] = {
        "records": n, "exported": result.records_out, "suppressed": result.suppressed,
        "seconds": round(seconds, 3), "evaluated_nodes": result.evaluated_nodes,
        "lattice_size": result.lattice_size}
    print(f"anonymize {n:>6} records: {seconds:6.2f} s, {result.evaluated_nodes} of "
          f"{result.lattice_size} nodes evaluated, {result.suppressed} suppressed")
    return figures


def test_anonymize_benchmark() -> None:
    runs = [measure(n) for n in SIZES]
    ten = next(run for run in runs if run["records"] == 10_000)
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import test_anonymize_perf as t; print(json.dumps(t.measure({LARGE})))")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=LARGE_LIMIT + 30, check=True)  # + record generation
    except subprocess.TimeoutExpired:
        print(f"anonymize {LARGE:>6} records: over {LARGE_LIMIT:.0f} s, left out")
    else:
        print(done.stdout.strip())
        large = json.loads(done.stdout.strip().splitlines()[-1])
        if large["seconds"] < LARGE_LIMIT:
            runs.append(large)
    report = {"k": 5, "l": 2, "target_10000_seconds": TARGET_10K,
              "met": ten["seconds"] < TARGET_10K, "runs": runs}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "anonymize.json").write_text(json.dumps(report, indent=2) + "\n",
                                            encoding="utf-8")
    assert all(run["exported"] > 0 for run in runs)
