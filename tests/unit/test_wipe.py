"""The panic wipe (field security): the key file first, overwritten in place, then the rest, each
step independent; `intake wipe --yes`."""

from __future__ import annotations

import datetime as dt
import io as io_module
import os
from pathlib import Path

import pytest

from intake.cli.main import Io, run
from intake.exchange.demo.generate import generate
from intake.paths import app_paths
from intake.services.interviews import InterviewService
from intake.settings import Settings, SettingsStore
from intake.vault import wipe
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.cli_harness import Cli

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        InterviewService(vault).import_records(generate(20, seed=5, author=USER, today=TODAY))
    return folder


def test_everything_goes_and_the_key_file_is_overwritten_before_it_is_unlinked(
    folder: Path, tmp_path: Path,
) -> None:
    original = (folder / "keyslots.json").read_bytes()
    witness = tmp_path / "same-inode"  # a second name for the key file's blocks
    os.link(folder / "keyslots.json", witness)

    report = wipe.wipe_vault(folder)

    assert report.failed == []
    assert {"keyslots.json", "intake.db"} <= set(report.removed)
    assert not folder.exists()
    leftover = witness.read_bytes()
    assert len(leftover) == len(original) and leftover != original
    assert b"vault_id" not in leftover and b"slots" not in leftover


def test_the_key_file_goes_first(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    destroy = wipe._destroy

    def noting(path: Path, report: wipe.WipeReport, *, limit: int) -> None:
        if path.exists():
            order.append(path.name)
        destroy(path, report, limit=limit)

    monkeypatch.setattr(wipe, "_destroy", noting)
    wipe.wipe_vault(folder)
    assert order[0] == "keyslots.json" and "intake.db" in order


def test_a_failing_step_does_not_stop_the_next(
    folder: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    unlink = Path.unlink

    def stubborn(self: Path, missing_ok: bool = False) -> None:
        if self.name == "intake.db":
            raise PermissionError(13, "refused")
        unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", stubborn)
    report = wipe.wipe_vault(folder)
    assert report.failed == ["intake.db"]
    assert not (folder / "keyslots.json").exists() and not (folder / "intake.lock").exists()


def test_for_a_decoy_the_key_goes_and_the_files_stay_in_place(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A duress unlock's wipe: the key file overwritten, then emptied in its own inode, as
    the database and the index are (the decoy writes into them: a real unlock keeps the
    key file it found until its lock replaces it, test_decoy_key_file_inode.py), the lock
    and cost files untouched."""
    Vault.open(folder, USER, PASSPHRASE).close()  # the cost files, the index
    original = (folder / "keyslots.json").read_bytes()
    witness = tmp_path / "same-inode"
    os.link(folder / "keyslots.json", witness)
    kept = {n: (folder / n).read_bytes() for n in ("intake.lock", "create_cost", "unlock_cost")}
    inodes = {n: (folder / n).stat().st_ino
              for n in ("intake.db", "index.db", "keyslots.json", *kept)}
    overwritten: list[str] = []
    overwrite = wipe._overwrite
    monkeypatch.setattr(wipe, "_overwrite", lambda path, limit: (
        overwritten.append(path.name), overwrite(path, limit)))

    report = wipe.wipe_vault(folder, for_decoy=True)

    assert report.failed == [] and overwritten == ["keyslots.json"]
    assert (folder / "keyslots.json").stat().st_size == 0 and witness.read_bytes() == b""
    assert original
    assert {n: (folder / n).stat().st_ino for n in inodes} == inodes
    assert (folder / "intake.db").stat().st_size == 0 == (folder / "index.db").stat().st_size
    assert {n: (folder / n).read_bytes() for n in kept} == kept


def test_a_vault_open_in_this_process_is_wiped_too(folder: Path) -> None:
    vault = Vault.open(folder, USER, PASSPHRASE)
    try:
        assert wipe.wipe_vault(folder).failed == []
        assert not (folder / "keyslots.json").exists()
    finally:
        vault._drop()


def test_cli_needs_yes_and_says_one_line(cli: Cli, folder: Path) -> None:
    args = ["wipe", "--vault", str(folder)]
    assert "--yes" in cli(args, "").error_line(2)
    assert (folder / "keyslots.json").exists()
    result = cli([*args, "--yes"], "")
    assert result.code == 0 and result.out == f"The vault at {folder} was destroyed.\n"
    assert not folder.exists()
    assert "no vault" in cli([*args, "--yes"], "").error_line(1)


def test_cli_wipe_of_the_apps_vault_leaves_first_run_settings(tmp_path: Path) -> None:
    """``intake wipe --yes`` of the vault the settings name: the settings as a first run has
    them (language kept), the empty data folder gone (issue 16)."""
    env = {"INTAKE_HOME": str(tmp_path / "home")}
    paths = app_paths(env)
    store = SettingsStore(paths.settings_file)
    Vault.create(paths.default_vault, USER, PASSPHRASE, KdfPolicy(FLOOR))[0].close()
    store.save(Settings(language="en", outbox_dir="/media/usb/outbox-SECRET"))
    assert b"SECRET" in store.path.read_bytes()  # control
    io = Io(stdin=io_module.StringIO(), stdout=io_module.StringIO(),
            stderr=io_module.StringIO(), env=env)
    assert run(["wipe", "--yes", "--vault", str(paths.default_vault)], io) == 0
    assert store.load() == Settings(language="en")
    assert not paths.default_vault.exists()
