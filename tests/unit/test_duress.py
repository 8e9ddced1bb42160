"""The duress passphrase and the wipe after too many failed unlocks (field security).

A duress passphrase typed at unlock destroys the vault and opens a new, empty one for the
same user under the same passphrase; nothing about the key file tells whether a duress
passphrase is set. The optional failed-unlock limit destroys the vault at the N-th wrong
passphrase in a row. Timing (duress unlock ≈ real unlock) is measured in
tests/perf/test_duress_timing.py.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.record import Status
from intake.domain.roles import Role
from intake.errors import (
    GenerationMismatch,
    KeySlotsDamaged,
    KeySlotsTampered,
    PassphraseIsDuress,
    VaultNotFound,
    VaultWipedAfterFailures,
    WrongPassphrase,
)
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault import accounts, keyslots
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.unlock_audit import FAILURES_NAME, failures
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.tamper import rewrite_key_file

DURESS = "the sea is calm tonight 41"
INITIAL = "an initial passphrase for you"
TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Iterator[Path]:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        records = list(generate(8, seed=5, author=USER, today=TODAY))
        for record in records:
            record.status = Status.SUBMITTED
        InterviewService(vault).import_records(records)
    yield folder


def key_file(folder: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / KEYSLOTS_NAME).read_text("ascii"))
    return data


def record_count(vault: Vault) -> int:
    return InterviewService(vault).count()


def set_duress(folder: Path, name: str = USER, duress: str | None = DURESS) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.set_duress_passphrase(admin, name, duress)


def test_the_duress_passphrase_destroys_the_vault_and_opens_an_empty_one(folder: Path) -> None:
    old_id = key_file(folder)["vault_id"]
    set_duress(folder)
    with Vault.open(folder, USER, DURESS) as vault:
        assert vault.user == USER and vault.role is Role.ADMIN
        assert record_count(vault) == 0
        assert [u.name for u in accounts.list_users(vault)] == [USER]
    assert key_file(folder)["vault_id"] != old_id
    with pytest.raises(WrongPassphrase):  # the real passphrase opened the old vault only
        Vault.open(folder, USER, PASSPHRASE)
    with Vault.open(folder, USER, DURESS) as again:  # and the new vault is a normal one
        assert record_count(again) == 0
        again.verify_integrity()


def test_the_new_vault_has_the_shape_of_a_newly_created_one(
    folder: Path, tmp_path: Path, policy: KdfPolicy,
) -> None:
    set_duress(folder)
    Vault.open(folder, USER, DURESS).close()
    fresh, _code = Vault.create(tmp_path / "fresh", USER, DURESS, policy)
    fresh.close()
    Vault.open(tmp_path / "fresh", USER, DURESS).close()  # as its user would have

    def shape(path: Path) -> list[tuple[str, list[str]]]:
        slots = key_file(path)["slots"]
        assert isinstance(slots, list)
        return sorted((s["kind"], sorted(s)) for s in slots)

    assert shape(folder) == shape(tmp_path / "fresh")
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in (tmp_path / "fresh").iterdir())
    assert not (folder / FAILURES_NAME).exists()


def test_whether_a_duress_passphrase_is_set_does_not_show_in_the_key_file(
    folder: Path,
) -> None:
    def user_slot_fields() -> list[tuple[str, int]]:
        slots = key_file(folder)["slots"]
        assert isinstance(slots, list)
        user = next(s for s in slots if s["kind"] == "user")
        return sorted((k, len(str(v))) for k, v in user.items() if k != "generation")

    without = user_slot_fields()
    set_duress(folder)
    assert user_slot_fields() == without
    set_duress(folder, duress=None)
    assert user_slot_fields() == without


def test_a_removed_duress_passphrase_is_just_a_wrong_one(folder: Path) -> None:
    set_duress(folder)
    set_duress(folder, duress=None)
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, USER, DURESS)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert record_count(vault) == 8


def test_the_duress_passphrase_survives_a_change_of_passphrase(folder: Path) -> None:
    set_duress(folder)
    new = "a new passphrase of mine 9"
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        with pytest.raises(PassphraseIsDuress):
            vault.change_passphrase(DURESS)
        vault.change_passphrase(new)
    with Vault.open(folder, USER, new) as vault:
        assert record_count(vault) == 8
    with Vault.open(folder, USER, DURESS) as vault:
        assert record_count(vault) == 0


def test_another_users_duress_passphrase_set_by_the_admin(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.add_user(admin, "park", Role.INTERVIEWER, INITIAL)
        accounts.set_duress_passphrase(admin, "park", DURESS)
        accounts.reset_passphrase(admin, "park", "a second initial passphrase")
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, USER, DURESS)  # only park's slot knows it
    with Vault.open(folder, "park", DURESS) as vault:
        assert vault.user == "park" and record_count(vault) == 0
    with pytest.raises(WrongPassphrase):  # the new vault has park alone
        Vault.open(folder, USER, PASSPHRASE)


def test_the_duress_passphrase_cannot_be_the_passphrase(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin, pytest.raises(PassphraseIsDuress):
        accounts.set_duress_passphrase(admin, USER, PASSPHRASE)


def test_a_duress_unlock_is_not_counted_as_a_failure(folder: Path) -> None:
    set_duress(folder)
    with pytest.raises(WrongPassphrase):
        Vault.open(folder, USER, "not it at all, no")
    assert failures(folder) == 1
    Vault.open(folder, USER, DURESS).close()
    assert failures(folder) == 0


def test_setting_a_duress_passphrase_is_audited_without_the_passphrase(folder: Path) -> None:
    set_duress(folder)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        rows = vault.connection().execute(
            "SELECT action, detail FROM audit WHERE action = 'security_changed'"
        ).fetchall()
    assert [json.loads(r[1]) for r in rows] == [{"target_user": USER}]  # not *what* changed
    assert DURESS not in str(rows) and "duress" not in str(rows)


# -- wipe after too many failed unlocks ---------------------------------------------------
def test_the_vault_is_destroyed_at_the_set_number_of_failed_unlocks(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.set_wipe_after_failures(admin, 3)
        assert accounts.wipe_after_failures(admin) == 3
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            Vault.open(folder, USER, "wrong wrong wrong")
    assert (folder / DATABASE_NAME).exists()
    with pytest.raises(VaultWipedAfterFailures):
        Vault.open(folder, USER, "wrong wrong wrong")
    assert not (folder / KEYSLOTS_NAME).exists() and not (folder / DATABASE_NAME).exists()
    with pytest.raises(VaultNotFound):
        Vault.open(folder, USER, PASSPHRASE)


def test_a_successful_unlock_starts_the_count_again(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.set_wipe_after_failures(admin, 3)
    for _ in range(3):
        for _ in range(2):
            with pytest.raises(WrongPassphrase):
                Vault.open(folder, USER, "wrong wrong wrong")
        Vault.open(folder, USER, PASSPHRASE).close()
    assert (folder / DATABASE_NAME).exists()


def test_the_failed_unlock_wipe_is_off_by_default_and_can_be_turned_off(
    folder: Path,
) -> None:
    for _ in range(12):
        with pytest.raises(WrongPassphrase):
            Vault.open(folder, USER, "wrong wrong wrong")
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        assert accounts.wipe_after_failures(admin) is None
        accounts.set_wipe_after_failures(admin, 3)
        accounts.set_wipe_after_failures(admin, None)
    for _ in range(4):
        with pytest.raises(WrongPassphrase):
            Vault.open(folder, USER, "wrong wrong wrong")
    assert (folder / DATABASE_NAME).exists()


def test_an_older_key_file_cannot_turn_the_limit_off(folder: Path, tmp_path: Path) -> None:
    before = tmp_path / "keyslots-before.json"
    shutil.copy(folder / KEYSLOTS_NAME, before)
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.set_wipe_after_failures(admin, 3)
    shutil.copy(before, folder / KEYSLOTS_NAME)
    with pytest.raises(GenerationMismatch):
        Vault.open(folder, USER, PASSPHRASE)


def test_a_limit_edited_by_hand_is_tampering(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.set_wipe_after_failures(admin, 3)
    rewrite_key_file(folder, lambda doc: doc.pop("wipe_after_failed_unlocks"))
    with pytest.raises(KeySlotsTampered):
        Vault.open(folder, USER, PASSPHRASE)


@pytest.mark.parametrize("value", [0, 2, 100, "3", True])
def test_a_limit_edited_into_the_key_file_out_of_range_is_damage(
    folder: Path, value: object,
) -> None:
    rewrite_key_file(folder, lambda doc: doc.__setitem__("wipe_after_failed_unlocks", value))
    with pytest.raises(KeySlotsDamaged):
        Vault.open(folder, USER, PASSPHRASE)


def test_the_limit_is_checked(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        for bad in (0, 2, 100):
            with pytest.raises(accounts.WipeLimitOutOfRange):
                accounts.set_wipe_after_failures(admin, bad)
    assert keyslots.read(folder / KEYSLOTS_NAME).wipe_after_failures is None
