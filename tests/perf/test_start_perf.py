"""Start to the unlock window against a bare PySide6 window, warm and cold, in one run.

Issue 17's target: the unlock window ≤ 2× a bare ``QApplication`` + ``QWidget`` start.
The clock runs from launching the process to the line it prints once its first screen is
up: ``intake: unlock screen shown …`` (``INTAKE_SMOKE_TEST=1``, :mod:`intake.app`, through
the supervisor and its session process, as ``make run`` starts it) for ``python -m intake``
and ``intake-gui``; for the anchor, a script that shows an empty 1000×680 ``QWidget`` and
prints a line from the event loop's first turn, the same way. Runs alternate app / anchor,
≥ 5 each, medians reported; each warm run follows one untimed run of the same command (the
cold runs before it evicted what it reads). The package is byte-compiled first, as an
installed app is (with ``PYTHONDONTWRITEBYTECODE`` a stale ``.pyc`` is recompiled at every
start).

*Cold*: before each cold run every file the start may read is evicted from the page cache
(``posix_fadvise(POSIX_FADV_DONTNEED)``): the venv's site-packages (PySide6 and Qt's
libraries included), the project's ``intake/``, ``resources/`` and ``translations/``, the
Python standard library and the interpreter. Pages that another running process has mapped
stay resident, so the run also records how much of ``libQt6Widgets`` was still in memory
after the eviction (``mincore``): a figure near 0 means the cold runs were cold.

Figures are printed and written to tests/perf/results/start.json; they do not gate.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import mmap
import os
import signal
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import intake
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

RUNS = 5
TARGET_RATIO = 2.0
TIMEOUT_S = 60.0
USER, PASSPHRASE = "kim", "correct horse battery staple"
ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).parent / "results"
SITE = Path(sysconfig.get_paths()["purelib"])

BARE_QT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
app = QApplication(sys.argv)
w = QWidget(); w.resize(1000, 680); w.show()
def shown():
    print("bare: window shown", flush=True)
    app.exit(0)
QTimer.singleShot(0, shown)
app.exec()
"""


#: Run once: every file the window's start reads (modules, their bytecode, the shared
#: libraries mapped), printed as JSON; the eviction drops these (a walk of the whole venv
#: takes seconds per run).
TOUCHED = """
import importlib.util, json, os, sys
from intake.app import _application, build
app = _application(())
gui = build(app, os.environ)
gui.window.show()
app.processEvents()
files = set()
for module in list(sys.modules.values()):
    name = getattr(module, "__file__", None)
    if name:
        files.add(name)
        try:
            files.add(importlib.util.cache_from_source(name))
        except (NotImplementedError, ValueError):
            pass
with open("/proc/self/maps") as maps:
    files.update(p[5] for p in (line.split() for line in maps) if len(p) >= 6 and p[5][:1] == "/")
print(json.dumps(sorted(files)))
"""


def start_files(env: dict[str, str]) -> list[Path]:
    """The files a start reads: what a window's start loaded (``TOUCHED``), the project's
    resources and catalogs, Qt's plugins and translations, the interpreter."""
    done = subprocess.run([sys.executable, "-c", TOUCHED], env=env, capture_output=True,
                          text=True, check=True, timeout=TIMEOUT_S)
    files = {Path(name) for name in json.loads(done.stdout.strip().splitlines()[-1])}
    for root in (ROOT / "resources", ROOT / "translations", SITE / "PySide6" / "Qt" / "plugins",
                 SITE / "PySide6" / "Qt" / "translations", SITE / "shiboken6"):
        files.update(path for path in root.rglob("*") if path.is_file())
    files.add(Path(sys.executable).resolve())
    files.update(Path(sys.base_prefix, "lib").glob("libpython*"))
    return sorted(path for path in files if path.is_file())


def evict(files: list[Path]) -> None:
    """Drop ``files`` from the page cache (pages another process maps stay)."""
    for path in files:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass
        finally:
            os.close(fd)


def resident_share(path: Path) -> float | None:
    """The share of ``path``'s pages in the page cache (``mincore``), None if unknown."""
    name = ctypes.util.find_library("c")
    size = path.stat().st_size if path.exists() else 0
    if not name or not size:
        return None
    libc = ctypes.CDLL(name, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                          ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
    vector = (ctypes.c_ubyte * pages)()
    fd = os.open(path, os.O_RDONLY)
    try:
        base = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
        if base in (None, ctypes.c_void_p(-1).value):
            return None
        try:
            if libc.mincore(base, size, vector) != 0:
                return None
        finally:
            libc.munmap(base, size)
    finally:
        os.close(fd)
    return sum(v & 1 for v in vector) / pages


def time_to_line(command: list[str], env: dict[str, str]) -> float:
    """Seconds from launch to the process's first line of output (then it is let end)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    try:
        process.wait(TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert "shown" in line, f"{command[-1]}: {line!r}"
    assert "unlock screen" in line or line.startswith("bare"), line
    return elapsed


def _median(times: list[float]) -> float:
    return round(statistics.median(times), 3)


def test_start_to_the_unlock_window(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "INTAKE_HOME": str(home), "INTAKE_SMOKE_TEST": "1",
           "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    Vault.create(home / "vault", USER, PASSPHRASE, KdfPolicy(FLOOR))[0].close()
    bin_dir = Path(sys.executable).parent
    commands = {
        "python -m intake": [sys.executable, "-m", "intake"],
        "intake-gui": [str(bin_dir / "intake-gui")],
        "bare Qt": [sys.executable, "-c", BARE_QT],
    }
    # compiled once, as an installed app is: with PYTHONDONTWRITEBYTECODE set, a stale
    # .pyc would be recompiled at every start and the bench would time the compiler
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(intake.__file__).parent)],
                   check=True, env={k: v for k, v in os.environ.items()
                                    if k != "PYTHONDONTWRITEBYTECODE"}, timeout=300)
    files = start_files(env)
    widgets = SITE / "PySide6" / "Qt" / "lib" / "libQt6Widgets.so.6"
    for command in commands.values():  # one warm-up each
        time_to_line(command, env)
    times: dict[str, dict[str, list[float]]] = {"warm": {}, "cold": {}}
    left: list[float] = []
    for _ in range(RUNS):  # alternating: app, anchor, app, … so load changes hit both
        for mode in ("warm", "cold"):
            for name, command in commands.items():
                if mode == "cold":
                    evict(files)
                    share = resident_share(widgets)
                    if share is not None:
                        left.append(share)
                else:  # the cold runs before evicted what a warm start reads: warm it
                    time_to_line(command, env)
                times[mode].setdefault(name, []).append(time_to_line(command, env))
    figures: dict[str, object] = {"runs": RUNS, "target_ratio": TARGET_RATIO,
                                  "evicted_files": len(files),
                                  "qt_widgets_resident_after_eviction_max":
                                      round(max(left), 3) if left else None}
    lines = []
    for mode, by_name in times.items():
        anchor = _median(by_name["bare Qt"])
        row: dict[str, object] = {"anchor_bare_qt_s": anchor}
        for name in ("python -m intake", "intake-gui"):
            app = _median(by_name[name])
            ratio = round(app / anchor, 2)
            row[name] = {"app_s": app, "ratio": ratio, "met": ratio <= TARGET_RATIO,
                         "times_s": [round(t, 3) for t in by_name[name]]}
            lines.append(f"start to the unlock window, {mode}, {name}: {app:.3f} s; bare Qt "
                         f"{anchor:.3f} s; ratio {ratio:.2f} (target ≤ {TARGET_RATIO})")
        row["anchor_times_s"] = [round(t, 3) for t in by_name["bare Qt"]]
        figures[mode] = row
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "start.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print("\n" + "\n".join(lines))
    assert all(t > 0 for by_name in times.values() for ts in by_name.values() for t in ts)
