"""``intake export``, run in-process.

Contract: the anonymized export of the vault's records with consent goes to a new folder
and one summary line to stdout; errors are one line on stderr with stdout empty and no
folder left behind: 5 when the targets cannot be met, 1 when the folder is in use, 3 for a
wrong passphrase, 2 for bad options.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from intake.domain.record import Status
from intake.exchange.analysis.anonymize.profiles import DEFAULT_PROFILE, PROFILES
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.quotes import NoPublicationConsent, QuoteService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

#: ``intake export`` without ``--profile`` releases the default purpose profile
DEFAULT_COLUMNS = sorted(PROFILES[DEFAULT_PROFILE] or ())

TODAY = dt.date(2026, 11, 27)
N = 120
NAMES = ["MANIFEST.sha256", "codebook.md", "data.csv", "data.jsonl", "datapackage.json",
         "risk_report.html", "risk_report.json"]


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Path:
    """A vault of N demo records, all submitted with consent, and 3 drafts without it."""
    folder = tmp_path / "vault"
    opened, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with opened:
        records = list(generate(N + 3, seed=11, author=USER, today=TODAY))
        for record in records[:N]:
            record.answers["consent.internal_documentation"] = True
            record.answers["consent.anonymized_statistics"] = True
            record.answers.pop("consent.withdrawn_on", None)
            record.status = Status.SUBMITTED
        for record in records[N:]:
            record.answers["consent.anonymized_statistics"] = False
        InterviewService(opened).import_records(records)
    return folder


def args(vault: Path) -> list[str]:
    return ["--vault", str(vault), "--user", USER, "--passphrase-stdin"]


def test_export_writes_the_folder_and_one_summary_line(
    cli: Cli, vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"

    result = cli(["export", "--out", str(out), *args(vault)])

    assert result.code == 0, result
    assert result.err == ""
    assert result.out.count("\n") == 1 and result.out.endswith("\n")
    assert sorted(p.name for p in out.iterdir()) == NAMES
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    report = json.loads((out / "risk_report.json").read_text(encoding="utf-8"))
    records = report["records"]
    assert records["in"] == N + 3
    assert records["excluded"] == {"no_consent_to_statistics": 3}
    assert records["out"] + records["suppressed"] == N
    assert report["settings"] == {"k": 5, "l": 2, "max_suppression": 0.05,
                                  "l_kind": "distinct", "c": 2.0, "t": None,
                                  "released_columns": DEFAULT_COLUMNS}
    line = result.out
    assert line.startswith(f"{records['out']} records exported to {out}: ")
    assert f"{records['suppressed']} suppressed, 3 left out (no consent" in line
    achieved_l = report["achieved"]["l"]  # None: the profile releases no sensitive column
    assert f"achieved k = {report['achieved']['k']}, l = {achieved_l or '–'}." in line
    assert PASSPHRASE not in line
    with open(out / "data.csv", encoding="utf-8-sig", newline="") as handle:
        assert len(list(csv.reader(handle))) == records["out"] + 1


def test_the_targets_are_passed_on(cli: Cli, vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = cli(["export", "--out", str(out), "--k", "10", "--l", "1",
                  "--max-suppression", "0.1", "--profile", "everything", *args(vault)])

    assert result.code == 0, result
    report = json.loads((out / "risk_report.json").read_text(encoding="utf-8"))
    assert report["settings"] == {"k": 10, "l": 1, "max_suppression": 0.1,
                                  "l_kind": "distinct", "c": 2.0, "t": None,
                                  "released_columns": None}
    assert report["achieved"]["k"] >= 10


def test_impossible_targets_exit_5_and_write_nothing(
    cli: Cli, vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"

    line = cli(["export", "--out", str(out), "--k", "100000", *args(vault)]).error_line(5)

    assert line.startswith("intake: The anonymization targets (k = 100000, l = 2)")
    assert not out.exists()


def test_an_empty_existing_folder_stays_empty_when_targets_fail(
    cli: Cli, vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export"
    out.mkdir()
    cli(["export", "--out", str(out), "--k", "100000", *args(vault)]).error_line(5)
    assert list(out.iterdir()) == []


def test_a_non_empty_folder_is_refused_before_the_passphrase(
    cli: Cli, vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "keep.txt").write_text("keep me")

    line = cli(["export", "--out", str(out), *args(vault)], stdin="").error_line(1)

    assert str(out) in line and "not empty" in line
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_a_wrong_passphrase_is_denied(cli: Cli, vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    cli(["export", "--out", str(out), *args(vault)], "not the passphrase\n").error_line(3)
    assert not out.exists()


@pytest.mark.parametrize("option", [["--k", "0"], ["--l", "x"], ["--max-suppression", "1.5"],
                                    ["--max-suppression", "nan"]])
def test_bad_targets_are_usage_errors(
    cli: Cli, vault: Path, tmp_path: Path, option: list[str]
) -> None:
    out = tmp_path / "export"
    line = cli(["export", "--out", str(out), *option, *args(vault)]).error_line(2)
    assert option[0] in line
    assert not out.exists()


def test_out_is_required(cli: Cli, vault: Path) -> None:
    assert "--out" in cli(["export", *args(vault)]).error_line(2)


def test_export_is_in_the_help(cli: Cli) -> None:
    assert "    export " in cli(["--help"]).out
    help_text = cli(["export", "--help"]).out
    for option in ("--out", "--k", "--l", "--max-suppression", "--quotes"):
        assert option in help_text


def test_stats_writes_the_public_tier_only(cli: Cli, vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "stats"

    result = cli(["export", "--stats", "--out", str(out), *args(vault)])

    assert result.code == 0, result
    assert sorted(p.name for p in out.iterdir()) == [
        "MANIFEST.sha256", "statistics.csv", "statistics.html"]
    assert result.out == (f"Statistics of {N} records written to {out}; counts below 10 are "
                          "shown as <10.\n")
    with open(out / "statistics.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    included = [r for r in rows if r["table"] == "records" and r["row"] == "included"]
    assert [r["count"] for r in included] == [str(N)]
    assert all(r["count"] == "<10" or r["count"] in ("x", "0") or int(r["count"]) >= 10
               for r in rows)


def test_stats_and_quotes_do_not_go_together(cli: Cli, vault: Path, tmp_path: Path) -> None:
    result = cli(["export", "--stats", "--quotes", "--out", str(tmp_path / "x"), *args(vault)])
    assert result.code == 2
    assert not (tmp_path / "x").exists()


def approve_all(vault: Path) -> set[str]:
    """Every draft quote of the records with consent to publication, approved as drafted
    (by the administrator); returns the approved texts."""
    texts: set[str] = set()
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        quotes = QuoteService(opened)
        for record in InterviewService(opened).export_records():
            try:
                drafts = quotes.drafts(record.id)
            except NoPublicationConsent:
                continue
            texts |= {q.text for q in quotes.approve(record.id, drafts.revision,
                                                     drafts.quotes)}
    return texts


def test_the_approved_quotes_are_written(cli: Cli, vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "export"
    approved = approve_all(vault)

    result = cli(["export", "--quotes", "--out", str(out), *args(vault)])

    assert result.code == 0, result
    report = json.loads((out / "risk_report.json").read_text(encoding="utf-8"))
    quotes = report["quotes"]
    assert quotes["reviewed_by_a_person"] is True
    with open(out / "quotes.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == quotes["written"] == quotes["approved"] > 0
    assert {r["text"] for r in rows} <= approved
    assert [r["quote"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert result.out.endswith(f"{len(rows)} approved quotes written to quotes.csv.\n")
    assert result.err == ""
    assert "pseudonym" not in rows[0]
    manifest = (out / "MANIFEST.sha256").read_text(encoding="utf-8")
    assert "quotes.csv" in manifest and "quotes.jsonl" in manifest
