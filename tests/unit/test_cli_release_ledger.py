"""``intake export --ledger`` and the refusal of a differencing release on the CLI (issue
18): the ledger lists releases, never a record id; a second release after one testimony
was added exits 5 with one line (English and Korean), writes nothing and adds no row."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from intake.domain.record import Record, Status
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

pytestmark = pytest.mark.timeout(300)
TODAY = dt.date(2026, 11, 27)


def _consenting(records: list[Record]) -> list[Record]:
    for record in records:
        record.answers["consent.internal_documentation"] = True
        record.answers["consent.anonymized_statistics"] = True
        record.answers.pop("consent.withdrawn_on", None)
        record.status = Status.SUBMITTED
    return records


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    opened, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with opened:
        InterviewService(opened).import_records(
            _consenting(list(generate(150, seed=3, author=USER, today=TODAY))))
    return folder


def _args(vault: Path) -> list[str]:
    return ["--vault", str(vault), "--user", USER, "--passphrase-stdin"]


def _add_one(vault: Path) -> set[str]:
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        InterviewService(opened).import_records(
            _consenting(list(generate(1, seed=77, author=USER, today=TODAY))))
        return {r[0] for r in opened.connection().execute("SELECT id FROM records")}


def test_ledger_lists_releases_and_a_differencing_release_exits_5(
        cli: Cli, vault: Path, tmp_path: Path, policy: KdfPolicy) -> None:
    profile = ["--profile", "ilo_by_period_region", "--k", "3", "--l", "1"]
    assert cli(["export", "--ledger", *_args(vault)]).out.startswith("No release")
    first = cli(["export", "--out", str(tmp_path / "one"), *profile, *_args(vault)])
    assert first.code == 0, first
    assert cli(["export", "--stats", "--out", str(tmp_path / "s"), *_args(vault)]).code == 0
    ids = _add_one(vault)
    refused = cli(["export", "--out", str(tmp_path / "two"), *profile, *_args(vault)])
    line = refused.error_line(5)
    assert "refused" in line and "at least 3 new testimonies" in line
    assert not (tmp_path / "two").exists()
    korean = cli(["export", "--lang", "ko", "--out", str(tmp_path / "two"), *profile,
                  *_args(vault)])
    assert "거부" in korean.error_line(5)
    stats = cli(["export", "--stats", "--out", str(tmp_path / "s2"), *_args(vault)])
    assert "refused" in stats.error_line(5)
    listed = cli(["export", "--ledger", *_args(vault)])
    assert listed.code == 0 and listed.out.count("\n") == 2
    assert "anonymized table" in listed.out and "statistics" in listed.out
    assert not any(record_id in listed.out for record_id in ids)


def test_out_is_required_without_ledger(cli: Cli, vault: Path) -> None:
    assert "--out" in cli(["export", *_args(vault)]).error_line(2)
