"""``intake users set-duress`` and ``intake security --wipe-after-failed-unlocks`` (issue
6), as scripts use them: passphrases on stdin, one line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.errors import ExitCode
from intake.vault import keyslots
from intake.vault.files import KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

DURESS = "the sea is calm tonight 41"


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    Vault.create(folder, USER, PASSPHRASE, policy)[0].close()
    return folder


def args(vault: Path) -> list[str]:
    return ["--vault", str(vault), "--user", USER, "--passphrase-stdin"]


def test_set_and_remove_a_duress_passphrase(cli: Cli, vault: Path) -> None:
    done = cli(["users", "set-duress", USER, *args(vault)], f"{PASSPHRASE}\n{DURESS}\n")
    assert done.code == 0 and done.out == f"{USER} has a duress passphrase now.\n", done
    removed = cli(["users", "set-duress", USER, "--remove", *args(vault)])
    assert removed.code == 0 and "removed" in removed.out
    refused = cli(["users", "set-duress", USER, *args(vault)], f"{PASSPHRASE}\n{PASSPHRASE}\n")
    assert refused.code == ExitCode.INVALID_INPUT and refused.err.count("\n") == 1


def test_a_duress_passphrase_through_the_cli_opens_an_empty_vault(cli: Cli, vault: Path) -> None:
    cli(["users", "set-duress", USER, *args(vault)], f"{PASSPHRASE}\n{DURESS}\n")
    old = keyslots.read(vault / KEYSLOTS_NAME).vault_id
    shown = cli(["security", *args(vault)], f"{DURESS}\n")
    assert shown.code == 0, shown  # an ordinary answer from an ordinary vault
    assert keyslots.read(vault / KEYSLOTS_NAME).vault_id != old


def test_wipe_after_failed_unlocks_set_shown_and_turned_off(cli: Cli, vault: Path) -> None:
    assert cli(["security", *args(vault)]).out == "Wipe after failed unlocks: off\n"
    on = cli(["security", "--wipe-after-failed-unlocks", "5", *args(vault)])
    assert on.code == 0 and on.out == "Wipe after failed unlocks: 5\n", on
    assert keyslots.read(vault / KEYSLOTS_NAME).wipe_after_failures == 5
    off = cli(["security", "--wipe-after-failed-unlocks", "off", *args(vault)])
    assert off.out == "Wipe after failed unlocks: off\n"


@pytest.mark.parametrize("value", ["2", "100", "many"])
def test_an_out_of_range_limit_is_refused(cli: Cli, vault: Path, value: str) -> None:
    refused = cli(["security", "--wipe-after-failed-unlocks", value, *args(vault)])
    assert refused.code in (ExitCode.USAGE, ExitCode.INVALID_INPUT)
    assert refused.err.count("\n") == 1


def test_the_wipe_through_the_cli_after_failures(cli: Cli, vault: Path) -> None:
    cli(["security", "--wipe-after-failed-unlocks", "3", *args(vault)])
    codes = [cli(["security", *args(vault)], "not the passphrase\n") for _ in range(3)]
    assert [c.code for c in codes] == [ExitCode.DENIED] * 3
    assert "destroyed" in codes[-1].err and not (vault / KEYSLOTS_NAME).exists()
