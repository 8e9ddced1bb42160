"""The suite cannot hang: every test is bounded by faulthandler's timer (pyproject.toml).

A deadlock in which the main thread holds the GIL while blocked in C code (Qt's FFmpeg
plugin waiting on a mutex while its own thread waits for the GIL) is exactly where
signal-based timeouts (they run Python code in the main thread) and thread-based ones (they
need the GIL) never fire. faulthandler's watchdog is a C thread that needs neither: it
prints every thread's stack and exits. These tests run a pytest subprocess, with the
project's own configuration, into such a deadlock and time how long it takes to end.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHORT = 5  # seconds: the subprocess's backstop, instead of the project's few minutes

DEADLOCK = '''
import ctypes
import threading
import time


def test_deadlock_holding_the_gil():
    libc = ctypes.PyDLL(None)  # PyDLL: the GIL stays held for the whole call
    mutex = ctypes.create_string_buffer(64)  # zeroed: PTHREAD_MUTEX_INITIALIZER
    waiting = threading.Thread(target=lambda: [time.sleep(0.01) for _ in range(10**6)],
                               name="waits-for-the-gil", daemon=True)
    waiting.start()
    libc.pthread_mutex_lock(mutex)
    libc.pthread_mutex_lock(mutex)  # never returns, and the GIL is never released
'''


def run_deadlock(tmp_path: Path, *options: str, limit: float) -> tuple[float, int | None, str]:
    """Run the deadlocking test under the project's pytest configuration plus ``options``;
    (seconds taken, exit code or None when ``limit`` ran out, stderr)."""
    test = tmp_path / "test_deadlock.py"
    test.write_text(DEADLOCK)
    command = [sys.executable, "-m", "pytest", "-q", "-c", str(ROOT / "pyproject.toml"),
               "--rootdir", str(tmp_path), "-p", "no:cacheprovider",
               "-o", f"faulthandler_timeout={SHORT}", *options, str(test)]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        _out, err = process.communicate(timeout=limit)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        process.kill()
        _out, err = process.communicate(timeout=30)
        code = None
    return time.monotonic() - started, code, err.decode(errors="replace")


def test_the_project_bounds_every_test(pytestconfig: pytest.Config) -> None:
    timeout = float(pytestconfig.getini("faulthandler_timeout") or 0)
    assert 0 < timeout <= 600
    assert pytestconfig.getini("faulthandler_exit_on_timeout") is True


def test_a_python_hang_fails_alone_before_the_backstop(pytestconfig: pytest.Config) -> None:
    """pytest-timeout (signal) fails a test hanging in Python and the run goes on; it fires
    before faulthandler, which ends the whole run."""
    assert pytestconfig.getini("timeout_method") == "signal"
    timeout = float(pytestconfig.getini("timeout"))
    assert 0 < timeout < float(pytestconfig.getini("faulthandler_timeout"))


PYTHON_HANG = '''
import time


def test_hangs_in_python():
    time.sleep(3600)


def test_runs_after_it():
    assert True
'''


def test_a_python_hang_fails_and_the_run_goes_on(tmp_path: Path) -> None:
    test = tmp_path / "test_python_hang.py"
    test.write_text(PYTHON_HANG)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-c", str(ROOT / "pyproject.toml"),
         "--rootdir", str(tmp_path), "-p", "no:cacheprovider", "-o", "timeout=3", str(test)],
        cwd=tmp_path, capture_output=True, timeout=60)
    out = done.stdout.decode(errors="replace")
    assert "1 failed, 1 passed" in out and "Timeout" in out


def test_a_deadlock_holding_the_gil_ends_with_every_stack(tmp_path: Path) -> None:
    taken, code, err = run_deadlock(tmp_path, limit=SHORT + 10)
    assert code is not None, "the backstop did not end the deadlocked run"
    assert code != 0 and taken < SHORT + 10
    assert f"Timeout (0:00:{SHORT:02d})!" in err
    assert "in test_deadlock_holding_the_gil" in err  # the main thread's stack
    assert "in <lambda>" in err  # and the thread waiting for the GIL


def test_without_exit_the_same_run_hangs(tmp_path: Path) -> None:
    """Positive control: the deadlock is real; only the exit makes the run end."""
    taken, code, err = run_deadlock(tmp_path, "-o", "faulthandler_exit_on_timeout=false",
                                    limit=SHORT + 5)
    assert code is None and taken >= SHORT + 5
    assert "Timeout" in err  # the stacks were printed, but the run went on
