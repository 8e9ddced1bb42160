"""kill -9 in a loop during saves and during imports, in real processes: after every kill
the vault opens, its integrity checks pass, and every write the killed processes had
reported (after the service call returned) is there.

The loop is tests/security/kill_loop.py (the child: kill_driver.py); see there for the
phases the kills are spread over. ``make test`` runs KILLS kills per mode (10 + 10; set
INTAKE_KILL_LOOP_KILLS to change it); tests/perf/test_kill_loop_perf.py runs 60 + 60.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.security.kill_loop import kill_loop

KILLS = int(os.environ.get("INTAKE_KILL_LOOP_KILLS", "10"))

needs_sigkill = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


@needs_sigkill
def test_kill_9_during_saves_loses_no_reported_save_and_the_vault_always_opens(
    tmp_path: Path,
) -> None:
    result = kill_loop("save", KILLS, tmp_path)
    print(result.summary())
    assert result.kills == KILLS
    assert result.writes_reported > 0 and result.records_verified > 0


@needs_sigkill
def test_kill_9_during_imports_loses_no_reported_import_and_the_vault_always_opens(
    tmp_path: Path,
) -> None:
    result = kill_loop("import", KILLS, tmp_path)
    print(result.summary())
    assert result.kills == KILLS
    assert result.writes_reported > 0 and result.records_verified > 0
