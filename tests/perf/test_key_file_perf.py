"""The key file that names no one, timed as the user meets it (`make bench`).

With the Argon2id parameters calibrated on this machine, as a real vault has them:

- `intake check` (the CLI, a subprocess: KDF + open + checks) on a vault with 1 user slot
  and with 20, beside the raw anchor measured in the same run: one bare Argon2id derivation
  at the same parameters plus a raw sqlcipher3 open and `SELECT count(*)` of the same
  database with the key;
- an unknown user name against a wrong passphrase, alternated, in-process
  (`Vault.open`): the medians and a Mann-Whitney U statistic of the two samples (no
  difference expected: both are one derivation and the same trials).

Figures are printed and written to tests/perf/results/key_file.json.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlcipher3
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from intake.domain.roles import Role
from intake.errors import WrongPassphrase
from intake.vault import accounts
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault

RUNS = 5
USER, PASSPHRASE = "kim", "correct horse battery staple"
RESULTS = Path(__file__).parent / "results"


def _vault(folder: Path, policy: KdfPolicy, slots: int) -> bytes:
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        for i in range(slots - 1):
            accounts.add_user(vault, f"staff{i}", Role.INTERVIEWER, "an initial passphrase")
        return bytes(vault._require_keys().dbk)


def _check(folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "intake", "check", "--vault", str(folder), "--user",
                    USER, "--passphrase-stdin"], input=PASSPHRASE + "\n", text=True,
                   check=True, capture_output=True, timeout=300,
                   env={**os.environ, "INTAKE_HOME": str(folder.parent / "home")})
    return time.perf_counter() - started


def _anchor(folder: Path, dbk: bytes, policy: KdfPolicy) -> float:
    params = policy.params()
    started = time.perf_counter()
    Argon2id(salt=os.urandom(16), length=32, iterations=params.iterations,
             lanes=params.lanes, memory_cost=params.memory_kib).derive(PASSPHRASE.encode())
    conn = sqlcipher3.connect(str(folder / "intake.db"))
    conn.execute(f"PRAGMA key = \"x'{dbk.hex()}'\"")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    conn.close()
    return time.perf_counter() - started


def _refused(folder: Path, user: str, passphrase: str) -> float:
    started = time.perf_counter()
    try:
        Vault.open(folder, user, passphrase).close()
    except WrongPassphrase:
        pass
    return time.perf_counter() - started


def _mann_whitney_u(a: list[float], b: list[float]) -> float:
    """U of sample a against b (ties count half); n·m/2 means no difference."""
    return sum(1.0 if x > y else 0.5 if x == y else 0.0 for x in a for y in b)


def test_unlock_costs_one_derivation_whatever_the_slots(tmp_path: Path) -> None:
    policy = KdfPolicy()  # calibrated, as a real vault is
    params = policy.params()
    figures: dict[str, object] = {"kdf": {"memory_kib": params.memory_kib,
                                          "iterations": params.iterations}, "runs": RUNS}
    for slots in (1, 20):
        folder = tmp_path / f"slots-{slots}"
        dbk = _vault(folder, policy, slots)
        app = [_check(folder) for _ in range(RUNS)]
        anchor = [_anchor(folder, dbk, policy) for _ in range(RUNS)]
        figures[f"{slots}_slots"] = {
            "intake_check_s": round(statistics.median(app), 3),
            "anchor_kdf_plus_raw_open_s": round(statistics.median(anchor), 3),
            "ratio": round(statistics.median(app) / statistics.median(anchor), 2)}
    folder = tmp_path / "slots-20"
    unknown, wrong = [], []
    for _ in range(RUNS * 2):
        unknown.append(_refused(folder, "nobody at all", PASSPHRASE))
        wrong.append(_refused(folder, USER, "not the passphrase at all"))
    (folder / "failed_unlocks").unlink(missing_ok=True)
    u = _mann_whitney_u(unknown, wrong)
    figures["unknown_vs_wrong"] = {
        "unknown_user_median_s": round(statistics.median(unknown), 4),
        "wrong_passphrase_median_s": round(statistics.median(wrong), 4),
        "mann_whitney_u": u, "u_if_no_difference": len(unknown) * len(wrong) / 2}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "key_file.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n" + json.dumps(figures, indent=2))
    # 20 slots cost what 1 does (one derivation); the two refusals are one population
    one, twenty = figures["1_slots"], figures["20_slots"]
    assert isinstance(one, dict) and isinstance(twenty, dict)
    assert twenty["intake_check_s"] < one["intake_check_s"] * 1.5
    n = len(unknown) * len(wrong)
    assert 0.1 * n < u < 0.9 * n, figures["unknown_vs_wrong"]
