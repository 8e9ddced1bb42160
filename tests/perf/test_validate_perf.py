"""Checking the answers (issue 17): CPU time of ``intake.domain.answers.validate`` per
record, the compiled checkers against the algorithm they replaced (the oracle copied in
tests/unit/test_answer_checkers.py), in the same run.

- **demo**: 5,000 records of ``intake demo --seed 7``, as generated;
- **jsonl**: the same after a JSON round trip (what an import reads: fresh strings);
- **autosave**: each record again with ``checked=`` its stored answers and one answer
  changed (the form's autosave).

CPU time (``time.process_time``: the machine is shared), median of 5 interleaved rounds,
µs per record. Printed and written to tests/perf/results/validate.json; no timed assertion.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from intake.domain.answers import validate
from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.demo.generate import generate
from tests.unit.test_answer_checkers import reference_validate

pytestmark = pytest.mark.perf

RESULTS = Path(__file__).parent / "results" / "validate.json"
RECORDS = 5000
ROUNDS = 5
Validate = Callable[..., Any]
Case = tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]


def _cases() -> dict[str, list[Case]]:
    records = [(r.answers, r.meta) for r in generate(RECORDS, 7, "bench")]
    demo: list[Case] = [(a, m, None) for a, m in records]
    jsonl: list[Case] = [(json.loads(json.dumps(a)), json.loads(json.dumps(m)), None)
                         for a, m in records]
    autosave: list[Case] = []
    for answers, meta in records:
        edited = dict(answers)
        edited["narrative.summary"] = str(edited.get("narrative.summary", "")) + " 추가"
        autosave.append((edited, meta, answers))
    return {"demo": demo, "jsonl": jsonl, "autosave": autosave}


def _cpu(check: Validate, cases: list[Case]) -> float:
    started = time.process_time()
    for answers, meta, checked in cases:
        check(QUESTIONNAIRE, answers, meta, checked)
    return time.process_time() - started


def test_validate_cpu_per_record() -> None:
    cases = _cases()
    figures: dict[str, Any] = {}
    for name, batch in cases.items():
        for check in (reference_validate, validate):  # warm: the compiled table, caches
            check(QUESTIONNAIRE, *batch[0])
        times: dict[str, list[float]] = {"reference": [], "compiled": []}
        for _ in range(ROUNDS):  # interleaved: a burst of load hits both alike
            times["reference"].append(_cpu(reference_validate, batch))
            times["compiled"].append(_cpu(validate, batch))
        us = {k: round(statistics.median(v) / len(batch) * 1e6, 1) for k, v in times.items()}
        figures[name] = {
            "cpu_us_per_record": us,
            "rounds_us": {k: [round(t / len(batch) * 1e6, 1) for t in v]
                          for k, v in times.items()},
            "speedup": round(us["reference"] / us["compiled"], 2),
        }
    answers = sum(len(a) for a, _, _ in cases["demo"]) / RECORDS
    result = {"records": RECORDS, "answers_per_record": round(answers, 1), "rounds": ROUNDS,
              "clock": "process_time, median", "cases": figures}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, row in figures.items():
        us = row["cpu_us_per_record"]
        print(f"validate {name:9} reference {us['reference']:6.1f} µs/record  "
              f"compiled {us['compiled']:6.1f} µs/record  ×{row['speedup']}")
    assert all(row["cpu_us_per_record"]["compiled"] > 0 for row in figures.values())
