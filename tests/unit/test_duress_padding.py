"""A real unlock covers the time of making a decoy; the duress wipe overwrites only the key.

Issue 17 made a real unlock cheap (it no longer reads every page), so a duress unlock —
which wipes, makes a new vault and audits its first lock — became the slower of the two
(by ~0.15 s with a few thousand records: the wipe overwrote 4 MiB of each file). These
tests check the mechanism without timing anything: the figure a vault is made with, the
wait a real unlock asks for, the figure a decoy keeps, and what the duress wipe writes.
The times themselves are compared by ``make bench`` (tests/perf/test_duress_timing.py and
the adversary review's timing test).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.vault import accounts, duress, wipe
from intake.vault.cost_files import COST_NAME, CREATE_COST_NAME, recorded_cost
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

DURESS = "the sea is calm tonight 41"


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    with Vault.create(folder, USER, PASSPHRASE, policy)[0] as vault:
        accounts.set_duress_passphrase(vault, USER, DURESS)
    return folder


def test_a_new_vault_records_what_making_it_cost(folder: Path) -> None:
    made = recorded_cost(folder, CREATE_COST_NAME)
    assert made is not None and 0 < made < 5


def test_a_real_unlock_waits_to_cover_making_a_decoy(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (folder / CREATE_COST_NAME).write_text("400\n", encoding="ascii")  # a slow machine
    waits: list[float] = []
    monkeypatch.setattr(duress.time, "sleep", waits.append)

    Vault.open(folder, USER, PASSPHRASE).close()

    assert len(waits) == 1
    assert duress.DECOY_FACTOR * 0.4 - 0.3 < waits[0] <= duress.DECOY_FACTOR * 0.4
    # control: without the figure (a vault made before it existed) nothing waits
    (folder / CREATE_COST_NAME).unlink()
    waits.clear()
    Vault.open(folder, USER, PASSPHRASE).close()
    assert waits == []


def test_the_decoy_keeps_the_replaced_vaults_figures_exactly(folder: Path) -> None:
    (folder / CREATE_COST_NAME).write_text("37\n", encoding="ascii")
    Vault.open(folder, USER, PASSPHRASE).close()
    unlock_cost = (folder / COST_NAME).read_text(encoding="ascii")

    Vault.open(folder, USER, DURESS).close()

    assert (folder / CREATE_COST_NAME).read_text(encoding="ascii") == "37\n"
    assert (folder / COST_NAME).read_text(encoding="ascii") == unlock_cost


def test_the_duress_wipe_overwrites_the_key_file_alone(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    overwritten: list[str] = []
    real = wipe._overwrite

    def spy(path: Path, limit: int) -> None:
        if limit:
            overwritten.append(path.name)
        real(path, limit)

    monkeypatch.setattr(wipe, "_overwrite", spy)
    Vault.open(folder, USER, DURESS).close()
    assert overwritten == [KEYSLOTS_NAME]
    # control: the panic wipe overwrites the database too
    wipe.wipe_vault(folder)
    assert DATABASE_NAME in overwritten
