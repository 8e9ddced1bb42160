"""Adversary review 17: timing a duress unlock against a real one, as a security service
standing over the interviewer with a stopwatch (or `time intake check`) would.

The key derivation is the same work for both passphrases (one Argon2id run at the key
file's parameters), and its jitter on a shared machine hides small differences in one
end-to-end run; so the tell is measured where it is, after the derivation: the
``derived_at`` instant the vault hands to :mod:`intake.vault.duress` is captured by
wrapping ``start_over`` / ``after_real_unlock`` (nothing in them is changed), and what
follows up to the vault being open is compared. Then what ``intake check`` does next (the
full integrity check, in process) is timed for both. The end-to-end CLI figures
(subprocess, ``--passphrase-stdin``) are printed too.

Each comparison has a positive control: the same statistic finds a real unlock made
slower by an injected 0.1 s (and does not flag real against real).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.perf

USER, PASSPHRASE, DURESS = "kim", "correct horse battery staple", "the sea is calm tonight 41"
RUNS = 5
#: what an observer cannot tell apart: 50 % or 40 ms, whichever is more
RATIO, SLACK = 1.5, 0.04
#: how much longer than a real unlock a duress unlock may take after the derivation (the
#: docs concede "about 0.05 s" only for vaults made before create_cost existed)
GAP = 0.06


PROBE = Path(__file__).with_name("adversary_duress_probe.py")


def _child(*args: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")}
    env["LC_ALL"] = "C.UTF-8"
    done = subprocess.run([sys.executable, str(PROBE), *args], capture_output=True,
                          text=True, env=env, timeout=300, check=True)
    found: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return found


def _vault(folder: Path, records: int, kdf: str) -> Path:
    print("made:", _child("make", str(folder), str(records), kdf))
    return folder


def _series(template: Path, work: Path, passphrase: str,
            extra: float = 0.0) -> list[dict[str, float]]:
    found = []
    for run in range(RUNS):
        copy = work / f"{passphrase[:4]}-{extra}-{run}"
        shutil.copytree(template, copy)  # a duress unlock destroys its copy
        found.append(_child("unlock", str(copy), passphrase, str(extra)))
        shutil.rmtree(copy)
    return found  # type: ignore[return-value]


def _median(series: list[dict[str, float]], key: str) -> float:
    return statistics.median(item[key] for item in series)


def _tells(real: float, other: float) -> bool:
    """An observer can tell ``other`` from ``real``."""
    return abs(other - real) > max(SLACK, (RATIO - 1) * real)


def _slower(real: float, other: float) -> bool:
    """``other`` is longer than ``real`` by more than :data:`GAP` (an absolute figure: the
    padding of a real unlock, 2 x create_cost, is one sample taken at creation and swings
    from 21 to 135 ms on this shared machine, so a ratio is not stable)."""
    return other - real > GAP


def _figures(tmp_path: Path, records: int, kdf: str) -> dict[str, float]:
    template = _vault(tmp_path / "template", records, kdf)
    real = _series(template, tmp_path, PASSPHRASE)
    forced = _series(template, tmp_path, DURESS)
    figures = {
        "records": records,
        "real_derivation_s": _median(real, "derivation"),
        "duress_derivation_s": _median(forced, "derivation"),
        "real_after_derivation_s": _median(real, "after_derivation"),
        "duress_after_derivation_s": _median(forced, "after_derivation"),
        "real_check_s": _median(real, "check"),
        "duress_check_s": _median(forced, "check"),
    }
    print(kdf, {k: round(v, 4) for k, v in figures.items()})
    return figures


@contextlib.contextmanager
def cpu_load(workers: int = 2) -> Iterator[None]:
    """The adversary's own load on the laptop while the interviewer unlocks: busy loops on
    every CPU (processes started here, ended here by their pid)."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(workers)]
    try:
        time.sleep(0.3)
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait(10)


def _under_load(tmp_path: Path, records: int) -> tuple[float, float]:
    template = _vault(tmp_path / "template", records, "floor")
    with cpu_load():
        real = _median(_series(template, tmp_path, PASSPHRASE), "after_derivation")
        forced = _median(_series(template, tmp_path, DURESS), "after_derivation")
    print("under load", records, round(real, 4), round(forced, 4))
    return real, forced


@pytest.mark.timeout(900)
def test_duress_unlock_after_derivation_matches_real_under_load(tmp_path: Path) -> None:
    """Was a finding (0.14-0.36 s longer under the adversary's load): the duress wipe
    flushed every file it only unlinks. Now within the observer's margin (measured: real
    0.038 s, duress 0.093 s after the derivation with a busy loop per CPU); the real
    unlock's wait is a fixed figure that load does not stretch, so heavier load can still
    show a difference (docs/threat-model.md)."""
    real, forced = _under_load(tmp_path, 3000)
    assert not _slower(real, forced), (real, forced)


@pytest.mark.timeout(900)
def test_empty_vault_under_load_figures(tmp_path: Path) -> None:
    """The same on an empty vault: printed only (0.02-0.14 s longer across runs here:
    sometimes inside the 0.06 s an observer is granted, so no assertion)."""
    real, _forced = _under_load(tmp_path, 0)
    assert real > 0


@pytest.mark.timeout(900)
@pytest.mark.parametrize("kdf", ["floor", "calibrated"])
def test_quiet_duress_unlock_after_derivation_figures(tmp_path: Path, kdf: str) -> None:
    """Without added load, 3000 records: printed only (on a quiet run here 0.044 s real
    against 0.092 s duress calibrated, 0.066 against 0.087 at the floor; on a machine
    others loaded, 0.11 against 0.23)."""
    figures = _figures(tmp_path, 3000, kdf)
    assert figures["real_after_derivation_s"] > 0


@pytest.mark.timeout(900)
@pytest.mark.parametrize("kdf", ["floor", "calibrated"])
def test_empty_vault_duress_unlock_figures(tmp_path: Path, kdf: str) -> None:
    """An empty vault: printed only. Here the padding (2 x create_cost) mostly covers the
    decoy; whether it does depends on the one create_cost sample taken at `init` (21 to
    64 ms across runs on this machine), so no assertion either way."""
    figures = _figures(tmp_path, 0, kdf)
    assert figures["real_after_derivation_s"] > 0


@pytest.mark.timeout(900)
# Was a finding (fixed: `intake check` lasts at least the vault's last check, which a decoy
# carries over from the vault it replaced).
def test_intake_check_integrity_phase_matches_real(tmp_path: Path) -> None:
    figures = _figures(tmp_path, 3000, "floor")
    assert not _tells(figures["real_check_s"], figures["duress_check_s"]), figures


@pytest.mark.timeout(900)
def test_control_statistic_finds_a_slower_real_unlock(tmp_path: Path) -> None:
    """The control: real against real is not flagged (by either statistic); a real unlock
    made 0.1 s slower (the size of the finding) is."""
    template = _vault(tmp_path / "template", 0, "floor")
    with cpu_load():
        loaded = _series(template, tmp_path, PASSPHRASE)
    print("control real under load", round(_median(loaded, "after_derivation"), 4))
    plain = _median(_series(template, tmp_path, PASSPHRASE), "after_derivation")
    again = _median(_series(template, tmp_path, PASSPHRASE, 0.0001), "after_derivation")
    slower = _median(_series(template, tmp_path, PASSPHRASE, 0.1), "after_derivation")
    print("control", round(plain, 4), round(again, 4), round(slower, 4))
    assert not _tells(plain, again) and not _slower(plain, again)
    assert _slower(plain, slower)


# -- end to end, as the observer times it ------------------------------------------------
def _cli(folder: Path, home: Path, passphrase: str) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")}
    env.update(INTAKE_HOME=str(home), LC_ALL="C.UTF-8")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "intake", "check", "--vault", str(folder), "--user", USER,
         "--passphrase-stdin"], input=passphrase + "\n", capture_output=True, text=True,
        env=env, timeout=120, check=False)
    return time.perf_counter() - start, done.returncode


def _cli_series(template: Path, work: Path, passphrase: str) -> Iterator[float]:
    home = work / "home"
    home.mkdir(exist_ok=True)
    for run in range(RUNS):
        copy = work / f"cli-{passphrase[:4]}-{run}"
        shutil.copytree(template, copy)
        seconds, code = _cli(copy, home, passphrase)
        assert code == 0
        shutil.rmtree(copy)
        yield seconds


@pytest.mark.timeout(900)
@pytest.mark.parametrize("records", [0, 3000])
def test_cli_intake_check_end_to_end_figures(tmp_path: Path, records: int) -> None:
    """`time intake check` for both passphrases (floor KDF, so the derivation's jitter is
    small): printed, for the report; the in-process phases above are the assertions."""
    template = _vault(tmp_path / "template", records, "floor")
    real_s = list(_cli_series(template, tmp_path, PASSPHRASE))
    duress_s = list(_cli_series(template, tmp_path, DURESS))
    print(f"cli records={records} real={sorted(round(s, 3) for s in real_s)} "
          f"duress={sorted(round(s, 3) for s in duress_s)} "
          f"medians {statistics.median(real_s):.3f} vs {statistics.median(duress_s):.3f}")
    assert len(real_s) == len(duress_s) == RUNS


# -- the Argon2id calibration, for real, pinned to one CPU or not --------------------------
CALIBRATE = """
import json, os, sys, time
from intake.vault import kdf
if sys.argv[1] == "pinned":
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
params = kdf.calibrate()
start = time.perf_counter()
kdf.derive(b"x", os.urandom(16), params)
print(json.dumps({"iterations": params.iterations, "memory_kib": params.memory_kib,
                  "cpus": len(os.sched_getaffinity(0)),
                  "one_derivation_s": round(time.perf_counter() - start, 3)}))
"""


@pytest.mark.timeout(600)
def test_calibration_pinned_or_not_figures() -> None:
    """Printed for the report (tests/security/test_adversary_review_17.py has the
    deterministic finding): `calibrate()` in a process allowed one CPU and in one allowed
    all, and how long one derivation at the chosen cost then takes."""
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs")
    found = {}
    for mode in ("pinned", "free"):
        done = subprocess.run([sys.executable, "-c", CALIBRATE, mode], capture_output=True,
                              text=True, timeout=300, check=True)
        found[mode] = json.loads(done.stdout)
    print("calibration", found)
    assert found["pinned"]["cpus"] == 1


def _import_series(template: Path, work: Path, forged: Path, passphrase: str) -> list[float]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")}
    env.update(INTAKE_HOME=str(work / "home"), LC_ALL="C.UTF-8")
    found = []
    for run in range(RUNS):
        copy = work / f"imp-{passphrase[:4]}-{run}"
        shutil.copytree(template, copy)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "intake", "import", str(forged), "--vault", str(copy),
             "--user", USER, "--passphrase-stdin"], input=passphrase + "\n",
            capture_output=True, text=True, env=env, timeout=120, check=False)
        found.append(time.perf_counter() - start)
        assert done.returncode not in (0, 3), done.stderr  # the bad line, both times
        shutil.rmtree(copy)
    return found


@pytest.mark.timeout(600)
def test_forged_bad_file_import_figures(tmp_path: Path) -> None:
    """`time intake import forged.jsonl` (200 good lines, a bad last one): the real
    passphrase stops right after the derivation and the parse, writing nothing; the duress
    passphrase goes on to wipe, build the decoy, pad and lock. Printed only: end to end the
    difference drowns in this machine's noise (one run: medians 0.64 s real, 0.81 s duress;
    another 0.73 s and 0.68 s); the answer on stderr is the same line. What does tell them
    apart is the folder (tests/security/test_adversary_review_17.py)."""
    template = _vault(tmp_path / "template", 0, "floor")
    (tmp_path / "home").mkdir()
    probe = subprocess.run(
        [sys.executable, "-c", "import datetime as dt, sys\n"
         "from intake.exchange.demo.generate import generate\n"
         "from intake.exchange.formats import jsonl\n"
         "for r in generate(200, seed=1, author='kim', today=dt.date(2026, 11, 27)):\n"
         "    sys.stdout.write(jsonl.record_line(r, with_author=True) + '\\n')\n"],
        capture_output=True, text=True, timeout=120, check=True)
    forged = tmp_path / "forged.jsonl"
    forged.write_text(probe.stdout + "{not json\n", encoding="utf-8")
    real = _import_series(template, tmp_path, forged, PASSPHRASE)
    forced = _import_series(template, tmp_path, forged, DURESS)
    print(f"forged import real={sorted(round(s, 3) for s in real)} "
          f"duress={sorted(round(s, 3) for s in forced)} medians "
          f"{statistics.median(real):.3f} vs {statistics.median(forced):.3f}")
