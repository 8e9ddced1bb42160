"""A duress unlock takes as long as a real one (both are measured).

For an empty vault and for one holding a few thousand testimonies, with the Argon2id
parameters calibrated on this machine (as a real vault has them): the median of several
real unlocks (KDF, opening, integrity checks, audit entry), then the median of as many
duress unlocks, each on a fresh copy of the same vault folder (a duress unlock destroys
it). Results are printed and written to tests/perf/results/duress.json.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import time
from pathlib import Path

from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault import accounts
from intake.vault.files import DATABASE_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault

RUNS = 7
USER, PASSPHRASE, DURESS = "kim", "correct horse battery staple", "the sea is calm tonight 41"
RESULTS = Path(__file__).parent / "results"


def _timed(action: object) -> float:
    start = time.perf_counter()
    vault = action()  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    vault.close()
    return elapsed


def _measure(tmp_path: Path, name: str, records: int, policy: KdfPolicy) -> dict[str, object]:
    template = tmp_path / f"{name}-template"
    vault, _code = Vault.create(template, USER, PASSPHRASE, policy)
    with vault:
        if records:
            InterviewService(vault).import_records(
                generate(records, seed=11, author=USER, today=dt.date(2026, 11, 27)))
        accounts.set_duress_passphrase(vault, USER, DURESS)
    Vault.open(template, USER, PASSPHRASE).close()  # records the post-derivation cost
    real = [_timed(lambda: Vault.open(template, USER, PASSPHRASE)) for _ in range(RUNS)]
    duress = []
    for run in range(RUNS):
        copy = tmp_path / f"{name}-duress-{run}"
        shutil.copytree(template, copy)
        duress.append(_timed(lambda c=copy: Vault.open(c, USER, DURESS)))
        shutil.rmtree(copy)
    real_s, duress_s = statistics.median(real), statistics.median(duress)
    return {
        "records": records,
        "database_mib": round((template / DATABASE_NAME).stat().st_size / (1 << 20), 2),
        "real_unlock_s": round(real_s, 3),
        "duress_unlock_s": round(duress_s, 3),
        "duress_over_real": round(duress_s / real_s, 3),
        "real_spread_s": [round(min(real), 3), round(max(real), 3)],
        "duress_spread_s": [round(min(duress), 3), round(max(duress), 3)],
    }


def test_duress_unlock_takes_the_time_of_a_real_one(tmp_path: Path) -> None:
    policy = KdfPolicy()  # calibrated on this machine, as a real vault is
    params = policy.params()
    figures = {
        "kdf": {"memory_kib": params.memory_kib, "iterations": params.iterations},
        "runs": RUNS,
        "empty": _measure(tmp_path, "empty", 0, policy),
        "3000_records": _measure(tmp_path, "full", 3000, policy),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "duress.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n" + json.dumps(figures, indent=2))
    for case in ("empty", "3000_records"):
        assert isinstance(figures[case], dict)
