"""kill -9 in a loop, at scale: at least 100 kills (KILLS_PER_MODE during saves
and as many during imports), each in a new process, the vault opened and fully checked after
every kill, every reported write found (tests/security/kill_loop.py).

Prints, per mode and in total, the kills, the writes the children reported, the records
verified after the last kill, the seconds, and in which phase the kills landed. Set
INTAKE_KILL_LOOP_PERF_KILLS to run more kills per mode (never fewer than 50).
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.security.kill_loop import MODES, kill_loop

KILLS_PER_MODE = max(50, int(os.environ.get("INTAKE_KILL_LOOP_PERF_KILLS", "60")))


@pytest.mark.perf
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_at_least_100_kills_during_saves_and_imports_lose_nothing_reported(
    tmp_path: Path,
) -> None:
    results = [kill_loop(mode, KILLS_PER_MODE, tmp_path) for mode in MODES]
    print()
    for result in results:
        print(result.summary())
    kills = sum(r.kills for r in results)
    seconds = sum(r.seconds for r in results)
    print(f"total: {kills} kills, {sum(r.writes_reported for r in results)} writes reported, "
          f"{sum(r.records_verified for r in results)} records verified, {seconds:.1f} s "
          f"({seconds / kills:.2f} s per kill, including the check after each)")
    assert kills >= 100
    assert all(r.kills >= 50 and r.records_verified > 0 for r in results)
