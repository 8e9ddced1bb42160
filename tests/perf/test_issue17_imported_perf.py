"""Issue 17's rows of the vault's own work on *imported JSONL with equal timestamps*, the
data set test_size_perf.py (demo records, their own dates) does not cover: the records
``intake demo --seed 7`` invents, written as JSON Lines with one ``created_at`` and
``updated_at`` for all (as an import from another tool gives them), then imported.

Same measures and anchors as test_size_perf.py (its helpers are reused, so the two stay one
method), KDF as the app calibrates it:

- unlock after the key derivation at 10,000 and 50,000 records, warm and cold;
- ``intake check`` at 50,000;
- ``intake import`` of 5,000 of these lines into an empty vault, beside the raw insert;
- autosave in the 10,000-record vault, beside a raw ``UPDATE`` and its commit;
- ``intake export`` (anonymized) of the 10,000-record vault end to end, beside one
  derivation + a raw open and read (test_export_perf.py's anchor).

The vaults are filled through ``InterviewService.import_records`` from the parsed lines,
5,000 a batch (``INTAKE_ISSUE17_SIZES``, default ``10000,50000``, to change the sizes).
Results: tests/perf/results/jsonl_same_time.json (keys as in size.json, plus
``export_10000`` as export.json's ``cli_end_to_end``); tests/perf/issue17_table.py
prints them.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from test_export_perf import _anchor
from test_size_perf import PASSPHRASE as SIZE_PASSPHRASE
from test_size_perf import (
    TODAY,
    USER,
    _argon2,
    _autosave,
    _check,
    _cli,
    _raw_import,
    _texts,
    _unlock,
)

from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.demo.generate import generate
from intake.exchange.formats import jsonl
from intake.services.interviews import InterviewService
from intake.vault.kdf import KdfParams, KdfPolicy
from intake.vault.vault import Vault

pytestmark = pytest.mark.perf

SIZES = tuple(int(n) for n in os.environ.get("INTAKE_ISSUE17_SIZES", "10000,50000").split(","))
STAMP = "2026-11-27T09:00:00+00:00"
BATCH, IMPORT_COUNT, RUNS = 5_000, 5_000, 5
RESULTS = Path(__file__).parent / "results"


def same_time_lines(count: int) -> list[str]:
    """``count`` demo records (seed 7) as JSON Lines, all with one timestamp."""
    out = io.StringIO()
    for record in generate(count, seed=7, author=USER, today=TODAY):
        record.created_at = record.updated_at = STAMP
        jsonl.write_records([record], out)
    return out.getvalue().splitlines(keepends=True)


def _fill(folder: Path, policy: KdfPolicy, lines: list[str]) -> bytes:
    vault, _code = Vault.create(folder, USER, SIZE_PASSPHRASE, policy)
    with vault:
        service = InterviewService(vault)
        for start in range(0, len(lines), BATCH):
            service.import_records(jsonl.parse_lines(lines[start:start + BATCH],
                                                     QUESTIONNAIRE, USER))
        assert service.count() == len(lines)
        return bytes(vault._require_keys().dbk)


def _import(tmp_path: Path, policy: KdfPolicy, lines: list[str]) -> dict[str, float]:
    source = tmp_path / "same-time.jsonl"
    source.write_text("".join(lines), encoding="utf-8")
    texts = _texts(list(jsonl.parse_lines(lines, QUESTIONNAIRE, USER)))
    raw_lines = [line.rstrip("\n") for line in lines]
    app, anchor = [], []
    for run in range(3):
        folder = tmp_path / f"import-{run}"
        Vault.create(folder, USER, SIZE_PASSPHRASE, policy)[0].close()
        whole = _cli(tmp_path / "home", "import", "--vault", str(folder), str(source))
        app.append(len(lines) / max(whole - _argon2(policy.params()), 1e-3))
        anchor.append(_raw_import(tmp_path / f"raw-{run}.db", raw_lines, texts))
    rate, raw = statistics.median(app), statistics.median(anchor)
    return {"records": len(lines), "app_records_per_s": round(rate),
            "anchor_records_per_s": round(raw), "share_of_anchor": round(rate / raw, 2)}


def _export(folder: Path, out: Path, env: dict[str, str]) -> float:
    """Seconds of ``intake export`` (anonymized) of ``folder``, from launch to exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "intake", "export", "--user", USER, "--vault",
                    str(folder), "--out", str(out), "--passphrase-stdin"],
                   input=SIZE_PASSPHRASE + "\n", text=True, env=env, check=True,
                   capture_output=True, timeout=600)
    return time.perf_counter() - start


def _export_end_to_end(folder: Path, dbk: bytes, params: KdfParams,
                       tmp_path: Path) -> dict[str, Any]:
    """test_export_perf.py's measure and anchor (one derivation, a raw open and read)."""
    env = {**os.environ, "INTAKE_HOME": str(tmp_path / "home")}
    _export(folder, tmp_path / "export-warm-up", env)
    apps, kdfs, reads = [], [], []
    for run in range(RUNS):  # alternating, so a change of load hits both
        apps.append(_export(folder, tmp_path / f"export-{run}", env))
        kdf, read, rows = _anchor(folder, dbk, params)
        kdfs.append(kdf)
        reads.append(read)
    assert (tmp_path / "export-0" / "data.csv").exists()
    app, kdf, read = (statistics.median(x) for x in (apps, kdfs, reads))
    return {"records": rows, "app_s": round(app, 3), "anchor_s": round(kdf + read, 3),
            "anchor_kdf_s": round(kdf, 3), "anchor_open_read_s": round(read, 3),
            "ratio": round(app / (kdf + read), 2), "app_over_kdf_s": round(app - kdf, 3),
            "app_times_s": [round(t, 3) for t in apps]}


def _memory_security() -> str:
    """``cipher_memory_security`` as a new raw connection of this process reads it: the
    anchors above ran in this process, so "1" (set by something earlier in the run, for the
    whole process and for good) would mean they were not measured with SQLCipher's defaults."""
    conn = sqlcipher3.connect(":memory:")
    try:
        conn.execute(f"PRAGMA key = \"x'{os.urandom(32).hex()}'\"")
        return str(conn.execute("PRAGMA cipher_memory_security").fetchone()[0])
    finally:
        conn.close()


def test_the_vaults_own_work_on_imported_jsonl(tmp_path: Path) -> None:
    policy = KdfPolicy()  # calibrated on this machine, as `intake init` does
    params = policy.params()
    lines = same_time_lines(max(SIZES))
    figures: dict[str, Any] = {"data": f"demo seed 7 as JSONL, every record at {STAMP}",
                               "kdf": {"memory_kib": params.memory_kib,
                                       "iterations": params.iterations}, "runs": RUNS}
    keys = {}
    for size in SIZES:
        folder = tmp_path / f"vault-{size}"
        keys[size] = _fill(folder, policy, lines[:size])
        figures[f"unlock_after_kdf_{size}"] = {
            "warm": _unlock(folder, keys[size], cold=False),
            "cold": _unlock(folder, keys[size], cold=True)}
    big, small = max(SIZES), min(SIZES)
    figures[f"check_{big}"] = _check(tmp_path / f"vault-{big}", keys[big], params)
    count = min(IMPORT_COUNT, len(lines))
    figures[f"import_{count}"] = _import(tmp_path, policy, lines[:count])
    figures[f"autosave_{small}"] = _autosave(tmp_path / f"vault-{small}", tmp_path)
    figures[f"export_{small}"] = _export_end_to_end(tmp_path / f"vault-{small}", keys[small],
                                                    params, tmp_path)
    figures["anchor_cipher_memory_security"] = _memory_security()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "jsonl_same_time.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n" + json.dumps(figures, indent=2))
    assert all(figures[f"unlock_after_kdf_{s}"]["warm"]["app_ms"] > 0 for s in SIZES)
