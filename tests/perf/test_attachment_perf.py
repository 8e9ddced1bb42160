"""Attachment encryption throughput on a 200 MB file (the target: at least half the
throughput of copying the same file with ``cp``, measured in the same run). Each figure is
the median of 5 runs, alternating, with the output removed and flushed between runs;
results in tests/perf/results/attachments.json."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from intake.vault import attachments

SIZE = 200 * 1024 * 1024
RUNS = 5
RESULTS = Path(__file__).parent / "results"


def test_encrypting_an_attachment_is_at_least_half_as_fast_as_cp(tmp_path: Path) -> None:
    source = tmp_path / "recording.wav"
    with source.open("wb") as handle:
        for _ in range(SIZE // (1 << 20)):
            handle.write(os.urandom(1 << 20))
    vault = tmp_path / "vault"
    vault.mkdir()
    cp_s, encrypt_s, decrypt_s = [], [], []
    for run in range(RUNS):
        target = tmp_path / f"copy-{run}"
        start = time.perf_counter()
        subprocess.run(["cp", str(source), str(target)], check=True)
        os.sync()
        cp_s.append(time.perf_counter() - start)
        target.unlink()
        start = time.perf_counter()
        attachment_id, key, size, _sha = attachments.encrypt_file(source, vault)
        os.sync()
        encrypt_s.append(time.perf_counter() - start)
        assert size == SIZE
        start = time.perf_counter()
        total = sum(len(c) for c in attachments.decrypt_chunks(vault, attachment_id, key))
        decrypt_s.append(time.perf_counter() - start)
        assert total == SIZE
        shutil.rmtree(vault / "attachments")
    mib = SIZE / (1 << 20)
    figures = {
        "file_mib": mib,
        "cp_mib_s": round(mib / statistics.median(cp_s), 1),
        "encrypt_mib_s": round(mib / statistics.median(encrypt_s), 1),
        "decrypt_to_memory_mib_s": round(mib / statistics.median(decrypt_s), 1),
        "runs": RUNS,
    }
    figures["encrypt_over_cp"] = round(figures["encrypt_mib_s"] / figures["cp_mib_s"], 2)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "attachments.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n" + json.dumps(figures, indent=2))
