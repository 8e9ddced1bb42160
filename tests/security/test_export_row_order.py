"""Adversary: the row order of an anonymized export tells when each person was
interviewed, although ``interview.date`` is generalized (3-year bands, or ``*``).

The export reads the records ``ORDER BY rid`` (``intake/vault/records.py``; the order they
entered the vault, i.e. the order of the interviews) and writes the rows in that order
(``intake/exchange/analysis/anonymize/pipeline.py`` keeps the input order,
``intake/exchange/formats/export_files.py`` writes it). Only the quotes are shuffled. A
reader who knows roughly when one person was interviewed (the state knows when someone
escaped and reached Seoul) finds them among a handful of neighbouring rows, instead of
among the k-class the risk report promises.

The fix: the pipeline writes the rows in an order drawn from the system's random source.
This test failed before it; the rows' order must not follow the interview dates.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from intake.domain.roles import Role
from intake.exchange.demo.generate import generate
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.users import UserService
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

ADMIN, ADMIN_PASS = "kim", "correct horse battery staple"
COORD, COORD_PASS = "lee", "coordinator passphrase for lee"


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=values.__getitem__)
        out = [0.0] * len(values)
        for rank, index in enumerate(order):
            out[index] = float(rank)
        return out
    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    mean = (n - 1) / 2
    cov = sum((a - mean) * (b - mean) for a, b in zip(rx, ry, strict=True))
    var = sum((a - mean) ** 2 for a in rx)
    return cov / var


def test_the_export_rows_do_not_follow_the_interview_dates(tmp_path: Path) -> None:
    folder = tmp_path / "vault"
    records = sorted(generate(200, seed=11, author=ADMIN, today=dt.date(2026, 11, 27)),
                     key=lambda r: r.answers["interview.date"])  # entered as interviewed
    when = {r.id: dt.date.fromisoformat(r.answers["interview.date"]).toordinal()
            for r in records}
    vault, _code = Vault.create(folder, ADMIN, ADMIN_PASS, KdfPolicy(FLOOR))
    with vault:
        UserService(vault).add(COORD, Role.COORDINATOR, COORD_PASS)
        InterviewService(vault).import_records(records)
    with Vault.open(folder, COORD, COORD_PASS) as vault:
        service = ExportService(vault)
        prepared = service.prepare(ExportSettings())
        service.write(prepared, tmp_path / "export", tool_version="test")
    rows = prepared.result.record_ids  # the rows of data.csv, in the written order
    assert len(rows) == len(prepared.result.rows) > 50
    generalized = {row["interview.date"] for row in prepared.result.rows}
    rho = spearman([float(i) for i in range(len(rows))], [float(when[r]) for r in rows])
    assert abs(rho) < 0.5, (
        f"the export's row order follows the interview dates (Spearman rho = {rho:.2f}) "
        f"although interview.date is published only as {sorted(generalized)}: a reader "
        "who knows when a person was interviewed finds them among a few neighbouring rows. "
        "Cause: records are read ORDER BY rid (intake/vault/records.py) and the rows are "
        "written in that order (intake/exchange/analysis/anonymize/pipeline.py); shuffle "
        "them before writing, as the quotes are.")
