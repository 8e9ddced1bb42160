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
slower by an injected 0.15 s (and does not flag real against real).
"""

from __future__ import annotations

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


@pytest.mark.timeout(900)
@pytest.mark.parametrize("kdf", ["floor", "calibrated"])
@pytest.mark.xfail(strict=True, reason="finding: on a vault of 3000 records a duress unlock's "
                   "work after the derivation (wipe of the 25 MB of files, the decoy, its "
                   "audit and key file) takes ~4x a real unlock's (padded only to "
                   "2 x create_cost, ~25 ms here): ~0.2 s against ~0.05 s")
def test_duress_unlock_after_derivation_matches_real(tmp_path: Path, kdf: str) -> None:
    figures = _figures(tmp_path, 3000, kdf)
    assert not _tells(figures["real_after_derivation_s"],
                      figures["duress_after_derivation_s"]), figures


@pytest.mark.timeout(900)
@pytest.mark.parametrize("kdf", ["floor", "calibrated"])
def test_empty_vault_duress_unlock_figures(tmp_path: Path, kdf: str) -> None:
    """An empty vault: printed only. Here the padding (2 x create_cost) mostly covers the
    decoy; whether it does depends on the one create_cost sample taken at `init` (21 to
    64 ms across runs on this machine), so no assertion either way."""
    figures = _figures(tmp_path, 0, kdf)
    assert figures["real_after_derivation_s"] > 0


@pytest.mark.timeout(900)
@pytest.mark.xfail(strict=True, reason="finding: `intake check` runs the full integrity check "
                   "in process without the check_cost padding the GUI's background check has: "
                   "on 3000 records the decoy's check is ~50x quicker")
def test_intake_check_integrity_phase_matches_real(tmp_path: Path) -> None:
    figures = _figures(tmp_path, 3000, "floor")
    assert not _tells(figures["real_check_s"], figures["duress_check_s"]), figures


@pytest.mark.timeout(900)
def test_control_statistic_finds_a_slower_real_unlock(tmp_path: Path) -> None:
    """The control: real against real is not flagged; a real unlock made 0.15 s slower is."""
    template = _vault(tmp_path / "template", 0, "floor")
    plain = _median(_series(template, tmp_path, PASSPHRASE), "after_derivation")
    again = _median(_series(template, tmp_path, PASSPHRASE, 0.0001), "after_derivation")
    slower = _median(_series(template, tmp_path, PASSPHRASE, 0.15), "after_derivation")
    print("control", round(plain, 4), round(again, 4), round(slower, 4))
    assert not _tells(plain, again)
    assert _tells(plain, slower)


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
