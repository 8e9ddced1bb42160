"""The audio player cannot deadlock (ui/records/audio_player.py explains the deadlock it had).

With every core kept busy by a spinning process:

- tests/ui/test_audio_player.py runs RUNS times (200 unless INTAKE_PLAYER_LOOP_RUNS says
  otherwise), each run a new pytest process bounded by a timeout; every run must pass all
  its tests, none skipped, and no run may hang;
- tests/perf/audio_player_cycles.py plays, pauses, seeks, stops and closes the player
  CYCLES times per process, CYCLE_RUNS processes (INTAKE_PLAYER_LOOP_CYCLE_RUNS): the
  denser loop that caught the old deadlock in about one run in two of 300 cycles.

Where gdb is installed, a third test counts how often Qt Multimedia's own threads take the
GIL during play, pause, seek, stop and close: never (before the fix: once per cycle on the
audio renderer's thread and seven times per load on the loader's). Its positive control
shows the count sees a Python-created QBuffer read by the loader.

Prints runs executed, passed, hangs and seconds; the loops take several minutes.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from intake.ui.records import audio_player

ROOT = Path(__file__).resolve().parents[2]
RUNS = int(os.environ.get("INTAKE_PLAYER_LOOP_RUNS", "200"))
CYCLE_RUNS = int(os.environ.get("INTAKE_PLAYER_LOOP_CYCLE_RUNS", "40"))
CYCLES = 25
#: Seconds a run may take before faulthandler ends it with its stacks (a hang); it takes 5
#: to 15 s under load. Past RUN_TIMEOUT it is killed (a hang too).
BACKSTOP = 45
RUN_TIMEOUT = 60
#: Runs per test item: the suite's own backstop (faulthandler_timeout, 300 s) bounds each
#: item, so the loops are cut into items of at most CHUNK * RUN_TIMEOUT seconds.
CHUNK = 4

needs_multimedia = pytest.mark.skipif(
    audio_player.multimedia() is None,
    reason="Qt Multimedia cannot load here (libpulse.so.0 missing)")


@contextmanager
def busy_cores() -> Iterator[int]:
    """One spinning process per core (at least two), ended when the block ends."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                for _core in range(max(2, os.cpu_count() or 2))]
    try:
        yield len(spinners)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


@dataclass
class Loop:
    runs: int = 0
    passed: int = 0
    hangs: int = 0
    failures: list[str] = field(default_factory=list)
    first_hang: str = ""
    seconds: float = 0.0

    def summary(self, what: str) -> str:
        return (f"{what}: {self.runs} runs executed, {self.passed} passed, {self.hangs} "
                f"hangs, {len(self.failures)} failed, {self.seconds:.0f} s "
                f"({self.seconds / max(1, self.runs):.1f} s per run)")


def run_once(command: list[str], loop: Loop, passed: re.Pattern[str],
             timeout: float = RUN_TIMEOUT) -> None:
    """Run ``command`` in its own process group; past ``timeout`` it is a hang, killed."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
    loop.runs += 1
    try:
        out = child.communicate(timeout=timeout)[0].decode(errors="replace")
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        out = child.communicate()[0].decode(errors="replace")
        loop.hangs += 1
        loop.first_hang = loop.first_hang or out[-6000:]
        return
    if "Timeout (" in out:  # faulthandler's backstop ended a blocked run: a hang
        loop.hangs += 1
        loop.first_hang = loop.first_hang or out[-6000:]
    elif child.returncode == 0 and passed.search(out) and "skipped" not in out:
        loop.passed += 1
    else:
        loop.failures.append(out[-3000:])


def repeat(command: list[str], runs: int, passed: re.Pattern[str], loop: Loop) -> None:
    start = time.monotonic()
    for _run in range(runs):
        run_once(command, loop, passed)
    loop.seconds += time.monotonic() - start


def report(loop: Loop, what: str, runs: int) -> None:
    print()
    print(loop.summary(what))
    if loop.first_hang:
        print("first hang's output (stacks):\n" + loop.first_hang)
    assert loop.hangs == 0
    assert not loop.failures, loop.failures[0]
    assert loop.runs == loop.passed == runs


PYTEST_RUN = [sys.executable, "-m", "pytest", "-q", "-x", "-rs", "-p", "no:cacheprovider",
              "-o", f"faulthandler_timeout={BACKSTOP}", "tests/ui/test_audio_player.py"]
CYCLES_RUN = [sys.executable, "-m", "tests.perf.audio_player_cycles", str(CYCLES), str(BACKSTOP)]
LOOPS = {"tests": Loop(), "cycles": Loop()}


@pytest.fixture(scope="module")
def spinning() -> Iterator[int]:
    with busy_cores() as spinners:
        yield spinners


def chunks(runs: int) -> list[int]:
    return [min(CHUNK, runs - start) for start in range(0, runs, CHUNK)]


@needs_multimedia
@pytest.mark.parametrize("runs", chunks(RUNS))
def test_the_player_tests_on_busy_cores(spinning: int, runs: int) -> None:
    repeat(PYTEST_RUN, runs, re.compile(r"\b\d+ passed\b"), LOOPS["tests"])


@needs_multimedia
def test_the_player_tests_200_times_on_busy_cores_never_hang(spinning: int) -> None:
    print(f"\n{spinning} spinning processes; {' '.join(PYTEST_RUN[1:])}")
    report(LOOPS["tests"], "player tests", RUNS)


@needs_multimedia
@pytest.mark.parametrize("runs", chunks(CYCLE_RUNS))
def test_player_cycles_on_busy_cores(spinning: int, runs: int) -> None:
    repeat(CYCLES_RUN, runs, re.compile(rf"^cycles {CYCLES}$", re.M), LOOPS["cycles"])


@needs_multimedia
def test_play_pause_seek_stop_close_cycles_on_busy_cores_never_hang(spinning: int) -> None:
    print(f"\n{spinning} spinning processes; {' '.join(CYCLES_RUN[1:])}")
    report(LOOPS["cycles"], f"{CYCLES} cycles per process", CYCLE_RUNS)


def test_a_blocked_run_counts_as_a_hang() -> None:
    """The control for the loops' zero: a run that blocks, or that faulthandler ends with
    its stacks, is counted as a hang, not as passed."""
    loop = Loop()
    anything = re.compile(".")
    run_once([sys.executable, "-c", "import time; print('x'); time.sleep(30)"], loop,
             anything, timeout=2)
    run_once([sys.executable, "-c", "import faulthandler, time; print('x'); "
              "faulthandler.dump_traceback_later(1, exit=True); time.sleep(30)"], loop,
             anything, timeout=20)
    assert (loop.runs, loop.hangs, loop.passed) == (2, 2, 0)


GDB_SCRIPT = """set pagination off
set print thread-events off
set breakpoint pending on
break PyGILState_Ensure
commands
silent
python
thread = gdb.selected_thread()
if thread.num != 1:
    print("GIL-TAKER", thread.name)
end
continue
end
run
"""

#: The positive control: the loader reads a QBuffer made from Python, whose virtuals each
#: take the GIL once to look for a Python override.
PYTHON_BUFFER = """
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QUrl
from PySide6.QtWidgets import QApplication
app = QApplication([])
from intake.ui.records import audio_player
from tests.perf.audio_player_cycles import wait
from tests.ui.test_audio_player import wav
qt = audio_player.multimedia()
buffer = QBuffer()
buffer.setData(QByteArray(wav(1.0)))
buffer.open(QIODevice.OpenModeFlag.ReadOnly)
player = qt.QMediaPlayer()
player.setSourceDevice(buffer, QUrl("recording.wav"))
wait(lambda: player.duration() == 1000)
print("loaded")
"""


def gil_takers(tmp_path: Path, *command: str) -> list[str]:
    """Names of the non-main threads that took the GIL while ``command`` ran under gdb."""
    script = tmp_path / "gil.gdb"
    script.write_text(GDB_SCRIPT)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(["gdb", "-batch", "-x", str(script), "--args", sys.executable,
                           *command], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert re.search(r"^(cycles \d+|loaded)$", done.stdout, re.M), done.stdout + done.stderr
    return re.findall(r"^GIL-TAKER (.*)$", done.stdout, re.M)


@needs_multimedia
@pytest.mark.skipif(shutil.which("gdb") is None, reason="needs gdb")
def test_qt_multimedia_threads_never_take_the_gil(tmp_path: Path) -> None:
    control = gil_takers(tmp_path, "-c", PYTHON_BUFFER)
    takers = gil_takers(tmp_path, "-m", "tests.perf.audio_player_cycles", "5", "300")
    print(f"\nGIL taken by Qt's threads: {len(control)} times loading from a Python "
          f"QBuffer (control), {len(takers)} times in 5 player cycles")
    assert control, "the control should have seen the loader take the GIL"
    assert takers == []
