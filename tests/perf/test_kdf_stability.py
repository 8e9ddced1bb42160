"""Issue 17's "a KDF that does not wobble": calibrating on a busy machine gives what a quiet
one gives.

Calibrates (as `intake init` does) three times on the quiet machine, then three times while
two processes keep both cores busy; the parameters must not differ by more than one
iteration, and the memory must be the same. A wall-clock-only measure (the control) is
shown beside it: under load it picks fewer iterations or halves the memory. Results:
tests/perf/results/kdf_stability.json.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from intake.vault import kdf
from intake.vault.kdf import KdfParams, calibrate

pytestmark = pytest.mark.perf
RESULTS = Path(__file__).parent / "results"


def _spin(stop_at: float) -> None:
    while time.time() < stop_at:
        pass


@contextmanager
def _busy(cores: int, seconds: float) -> Iterator[None]:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_spin, args=(time.time() + seconds,))
               for _ in range(cores)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.5)  # they are running
        yield
    finally:
        for worker in workers:
            worker.terminate()
            worker.join(10)


def _wall_only(params: KdfParams) -> float:
    started = time.perf_counter()
    kdf.derive(b"calibration", os.urandom(kdf.SALT_BYTES), params)
    return time.perf_counter() - started


def _as_dict(params: KdfParams) -> dict[str, int]:
    return {"memory_kib": params.memory_kib, "iterations": params.iterations}


def test_calibration_is_the_same_quiet_and_busy() -> None:
    cores = len(os.sched_getaffinity(0))
    quiet = [calibrate() for _ in range(3)]
    with _busy(cores, 240):
        busy = [calibrate() for _ in range(3)]
        busy_wall = [calibrate(measure=_wall_only) for _ in range(2)]
    figures = {"cores": cores, "quiet": [_as_dict(p) for p in quiet],
               "busy": [_as_dict(p) for p in busy],
               "busy_wall_clock_only (control)": [_as_dict(p) for p in busy_wall]}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "kdf_stability.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n" + json.dumps(figures, indent=2))
    every = quiet + busy
    assert len({p.memory_kib for p in every}) == 1, figures
    assert max(p.iterations for p in every) - min(p.iterations for p in every) <= 1, figures
