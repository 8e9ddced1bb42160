"""A child process for tests/perf/test_adversary_duress_timing.py, so that vaults are made
and unlocked as ``intake init`` / ``intake check`` do it: in a fresh process, without
pytest's log capture (which makes `create_cost`, hence a real unlock's padding, several
times larger than a real install records it).

``make FOLDER RECORDS floor|calibrated``: a vault with a duress passphrase, after one real
unlock; prints its cost files. Its ``create_cost`` is the least of six makings (this one
and five thrown away), as `intake init` records it on a quiet laptop: on this shared
machine a single sample swings from 21 to 236 ms with other people's load.
``unlock FOLDER PASSPHRASE [EXTRA]``: one unlock, then the full check and the lock, as
``intake check``; prints the seconds after the derivation and of the check as JSON
(EXTRA: seconds added after a real unlock's own padding, for the control).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
import time
from pathlib import Path

from intake.exchange.demo.generate import generate
from intake.services.desk import Desk
from intake.services.interviews import InterviewService
from intake.vault import accounts, duress
from intake.vault.cost_files import CREATE_COST_NAME, record_cost
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

USER, PASSPHRASE, DURESS = "kim", "correct horse battery staple", "the sea is calm tonight 41"


def make(folder: Path, records: int, kdf: str) -> None:
    policy = KdfPolicy(FLOOR) if kdf == "floor" else KdfPolicy()
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    samples = [int((folder / CREATE_COST_NAME).read_text())]
    for run in range(5):
        spare = folder.with_name(f"{folder.name}-spare-{run}")
        Vault.create(spare, USER, PASSPHRASE, KdfPolicy(policy.params()))[0].close()
        samples.append(int((spare / CREATE_COST_NAME).read_text()))
        shutil.rmtree(spare)
    record_cost(folder, min(samples) / 1000, CREATE_COST_NAME, exact=True)
    with vault:
        if records:
            InterviewService(vault).import_records(
                generate(records, seed=17, author=USER, today=dt.date(2026, 11, 27)))
        accounts.set_duress_passphrase(vault, USER, DURESS)
    with Desk(Vault.open(folder, USER, PASSPHRASE)) as desk:  # as after a first real use:
        desk.check_integrity()  # the check after it (the window's) records check_cost
    sys.stdout.write(json.dumps({name: (folder / name).read_text().strip()
                                 for name in ("create_cost", "unlock_cost")}
                                | {"create_cost_samples": samples}
                                | {"kdf": vars(policy.params())}) + "\n")


def unlock(folder: Path, passphrase: str, extra: float) -> None:
    seen = {"derived_at": 0.0}
    start_over, after_real = duress.start_over, duress.after_real_unlock

    def wrapped_start_over(*args: object) -> object:
        seen["derived_at"] = args[-1]  # type: ignore[assignment]
        return start_over(*args)  # type: ignore[arg-type]

    def wrapped_after_real(where: Path, derived_at: float) -> None:
        seen["derived_at"] = derived_at
        after_real(where, derived_at)
        if extra:
            time.sleep(extra)

    duress.start_over = wrapped_start_over  # type: ignore[assignment]
    duress.after_real_unlock = wrapped_after_real  # type: ignore[assignment]
    began = time.perf_counter()
    vault = Vault.open(folder, USER, passphrase)
    opened = time.perf_counter()
    desk = Desk(vault)
    desk.check_integrity()  # as `intake check` does
    checked = time.perf_counter()
    desk.close()
    sys.stdout.write(json.dumps({
        "derivation": seen["derived_at"] - began,
        "after_derivation": opened - seen["derived_at"],
        "check": checked - opened, "lock": time.perf_counter() - checked}) + "\n")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    else:
        unlock(Path(sys.argv[2]), sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.0)
