"""Sealing and opening 1,000 testimonies: a field vault seals them to the office
(records read and decrypted, lines written, signed, HPKE + STREAM), the office opens,
checks and merges them in one transaction; then the same bundle again (idempotent: only
opened and recognised). Medians of 3 runs; results in tests/perf/results/bundle.json."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import statistics
import time
from pathlib import Path

from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.transfer import TransferService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

RUNS, RECORDS = 3, 1000
USER, PASSPHRASE = "kim", "correct horse battery staple"
RESULTS = Path(__file__).parent / "results"


def test_seal_and_open_a_thousand_testimonies(tmp_path: Path) -> None:
    policy = KdfPolicy(FLOOR)
    office_template, field = tmp_path / "office", tmp_path / "field"
    vault, _code = Vault.create(office_template, USER, PASSPHRASE, policy)
    with vault:
        public = TransferService(vault).init_org()
    vault, _code = Vault.create(field, USER, PASSPHRASE, policy)
    with vault:
        TransferService(vault).trust_org(public.to_file(), public.fingerprint)
        InterviewService(vault).import_records(
            generate(RECORDS, seed=1, author=USER, today=dt.date(2026, 11, 27)))
        device = TransferService(vault).device_fingerprint()
    seal_s, open_s, again_s, sizes = [], [], [], []
    for run in range(RUNS):
        out = tmp_path / f"b{run}.intake"
        with Vault.open(field, USER, PASSPHRASE) as vault:
            start = time.perf_counter()
            sent = TransferService(vault).create_bundle(out, since_last=False)
            seal_s.append(time.perf_counter() - start)
        sizes.append(out.stat().st_size)
        office = tmp_path / f"office{run}"
        shutil.copytree(office_template, office)
        with Vault.open(office, USER, PASSPHRASE) as vault:
            service = TransferService(vault)
            data = out.read_bytes()
            start = time.perf_counter()
            result = service.import_bundle(data, trust_device=device)
            open_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert service.import_bundle(data).already_imported
            again_s.append(time.perf_counter() - start)
        assert result.added == sent.records
    figures = {"records_sent": sent.records, "lines": sent.lines,
               "bundle_mib": round(statistics.median(sizes) / (1 << 20), 2),
               "seal_s": round(statistics.median(seal_s), 3),
               "open_check_merge_s": round(statistics.median(open_s), 3),
               "open_again_idempotent_s": round(statistics.median(again_s), 3),
               "runs": RUNS}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bundle.json").write_text(json.dumps(figures, indent=2) + "\n")
    print("\n" + json.dumps(figures, indent=2))
