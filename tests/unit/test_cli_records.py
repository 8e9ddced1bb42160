"""``intake import``, ``intake export-records`` and ``intake demo``, run in-process.

Contract: import is all or nothing and idempotent; export writes a new 0600 file only when
the user confirmed it will be plaintext; demo fills the vault; errors are one line on stderr
with stdout empty and the exit codes of the CLI (1 error, 2 usage, 3 denied, 5 invalid).
"""

from __future__ import annotations

import json
import stat
import uuid
from pathlib import Path

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.formats.jsonl import parse_lines, read_lines
from intake.services.interviews import InterviewService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

IDS = [str(uuid.UUID(int=n, version=4)) for n in range(1, 4)]


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    Vault.create(folder, USER, PASSPHRASE, policy)[0].close()
    return folder


def args(vault: Path) -> list[str]:
    return ["--vault", str(vault), "--user", USER, "--passphrase-stdin"]


def count(vault: Path) -> int:
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        return InterviewService(opened).count()


def record_line(record_id: str, revision: int = 1, **answers: object) -> str:
    return json.dumps({
        "id": record_id, "schema": QUESTIONNAIRE.schema, "revision": revision,
        "status": "submitted",
        "answers": {"consent.internal_documentation": True, "profile.sex": "male",
                    "identity.full_name": "김철호 (데모)",
                    "narrative.summary": "2018년 연해주 건설 현장에 파견되었다.", **answers},
        "meta": {"profile.birth_year": "declined"},
    }, ensure_ascii=False)


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    return write(tmp_path / "records.jsonl", *(record_line(i) for i in IDS))


# -- import ---------------------------------------------------------------------------------
def test_import_adds_every_record_and_prints_a_summary(
    cli: Cli, vault: Path, good_file: Path
) -> None:
    result = cli(["import", str(good_file), *args(vault)])

    assert result.code == 0, result
    assert result.err == ""
    assert result.out.count("\n") == 1
    assert "3 added, 0 updated, 0 skipped" in result.out
    assert PASSPHRASE not in result.out
    assert count(vault) == 3
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        loaded = InterviewService(opened).load(IDS[0])
    assert loaded.answers["identity.full_name"] == "김철호 (데모)"
    assert loaded.author == USER
    assert loaded.status.value == "submitted"


def test_reimporting_the_same_file_changes_nothing(
    cli: Cli, vault: Path, good_file: Path
) -> None:
    assert cli(["import", str(good_file), *args(vault)]).code == 0
    again = cli(["import", str(good_file), *args(vault)])

    assert again.code == 0, again
    assert "0 added, 0 updated, 3 skipped" in again.out
    assert count(vault) == 3
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        assert InterviewService(opened).revisions(IDS[0]) == [1]


def test_newer_and_older_revisions(cli: Cli, vault: Path, tmp_path: Path) -> None:
    write(tmp_path / "r3.jsonl", record_line(IDS[0], revision=3))
    write(tmp_path / "r5-r4.jsonl", record_line(IDS[0], revision=5, **{"profile.sex": "female"}),
          record_line(IDS[0], revision=4))
    assert cli(["import", str(tmp_path / "r3.jsonl"), *args(vault)]).code == 0

    result = cli(["import", str(tmp_path / "r5-r4.jsonl"), *args(vault)])

    assert result.code == 0, result
    assert "0 added, 1 updated, 0 skipped (already in the vault), 1 kept as older" in result.out
    with Vault.open(vault, USER, PASSPHRASE) as opened:
        service = InterviewService(opened)
        assert service.revisions(IDS[0]) == [3, 4, 5]
        assert service.load(IDS[0]).answers["profile.sex"] == "female"


def test_a_bad_line_imports_nothing(cli: Cli, vault: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "bad.jsonl", record_line(IDS[0]),
                 record_line(IDS[1], **{"work.hours_per_day": 30}), record_line(IDS[2]))

    line = cli(["import", str(path), *args(vault)]).error_line(5)

    assert line.startswith("intake: Line 2 ")
    assert IDS[1] in line and "work.hours_per_day" in line and "must be at most 24" in line
    assert "Nothing was imported." in line
    assert "김철호" not in line  # never an answer in a message
    assert count(vault) == 0


def test_a_file_that_is_not_utf8_is_invalid_input(cli: Cli, vault: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    latin1 = json.dumps({"id": IDS[1], "schema": QUESTIONNAIRE.schema,
                         "answers": {"narrative.summary": "Chol-ho came from Hamhŭng, café"}},
                        ensure_ascii=False).replace("ŭ", "u").encode("latin-1")
    path.write_bytes(record_line(IDS[0]).encode() + b"\n" + latin1 + b"\n")

    line = cli(["import", str(path), *args(vault)]).error_line(5)

    assert "not UTF-8" in line and "line 2" in line and str(path) in line
    assert count(vault) == 0


def test_a_missing_file_is_an_error(cli: Cli, vault: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.jsonl"
    assert str(missing) in cli(["import", str(missing), *args(vault)]).error_line(1)


def test_import_with_a_wrong_passphrase_is_denied(
    cli: Cli, vault: Path, good_file: Path
) -> None:
    cli(["import", str(good_file), *args(vault)], "not the passphrase at all\n").error_line(3)
    assert count(vault) == 0


# -- export-records -------------------------------------------------------------------------
def test_export_without_the_flag_refuses_and_writes_nothing(
    cli: Cli, vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "all.jsonl"
    line = cli(["export-records", "--out", str(out), *args(vault)]).error_line(2)

    assert "NOT encrypted" in line and "--i-understand-plaintext" in line
    assert not out.exists()


def test_export_writes_a_private_file_that_imports_back(
    cli: Cli, vault: Path, good_file: Path, tmp_path: Path, policy: KdfPolicy
) -> None:
    assert cli(["import", str(good_file), *args(vault)]).code == 0
    out = tmp_path / "all.jsonl"

    result = cli(["export-records", "--out", str(out), "--i-understand-plaintext",
                  *args(vault)])

    assert result.code == 0, result
    assert result.out == f"3 records written to {out}.\n"
    assert result.err.count("\n") == 1 and "NOT encrypted" in result.err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    records = parse_lines(read_lines(out), QUESTIONNAIRE, "someone")
    assert sorted(r.id for r in records) == sorted(IDS)
    assert all(r.answers["identity.full_name"] == "김철호 (데모)" for r in records)
    assert all(r.meta == {"profile.birth_year": "declined"} for r in records)

    other = tmp_path / "other vault"
    Vault.create(other, USER, PASSPHRASE, policy)[0].close()
    into_other = cli(["import", str(out), *args(other)])
    assert "3 added, 0 updated, 0 skipped" in into_other.out
    with Vault.open(other, USER, PASSPHRASE) as opened:
        moved = InterviewService(opened).load(IDS[2])
    assert moved.answers["identity.full_name"] == "김철호 (데모)"
    assert moved.status.value == "submitted"


def test_export_never_replaces_a_file(cli: Cli, vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    out.write_text("keep me\n")

    line = cli(["export-records", "--out", str(out), "--i-understand-plaintext",
                *args(vault)]).error_line(1)

    assert str(out) in line and "already exists" in line
    assert out.read_text() == "keep me\n"


# -- demo -----------------------------------------------------------------------------------
def test_demo_fills_the_vault(cli: Cli, vault: Path) -> None:
    result = cli(["demo", "--records", "50", "--seed", "7", *args(vault)])

    assert result.code == 0, result
    assert result.out.startswith("50 invented records added")
    assert "(seed 7)" in result.out
    assert count(vault) == 50

    again = cli(["demo", "--records", "50", "--seed", "7", *args(vault)])
    assert again.out.startswith("0 invented records added") and "50 already there" in again.out
    assert count(vault) == 50


@pytest.mark.parametrize("records", ["0", "-3", "many", "1000001"])
def test_demo_needs_a_sensible_number(cli: Cli, vault: Path, records: str) -> None:
    assert "--records" in cli(["demo", "--records", records, *args(vault)]).error_line(2)
    assert count(vault) == 0


def test_the_new_commands_are_in_the_help(cli: Cli) -> None:
    result = cli(["--help"])
    for command in ("import", "export-records", "demo"):
        assert f"    {command}" in result.out, command
