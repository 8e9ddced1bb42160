"""The audit log as the vault writes it: unlock, failed unlocks (counted outside, written at
the next unlock), lock, user changes; its head bound into the key file, so that `intake
check` catches a history rewritten inside the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.errors import AuditLogBroken, GenerationMismatch, WrongPassphrase
from intake.vault import accounts, audit, keyslots
from intake.vault.audit import AuditAction
from intake.vault.kdf import KdfPolicy
from intake.vault.unlock_audit import FAILURES_NAME
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.tamper import tamper
from tests.unit.cli_harness import Cli

INITIAL = "an initial passphrase for you"


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    Vault.create(folder, USER, PASSPHRASE, policy)[0].close()
    return folder


def actions(vault: Vault) -> list[tuple[str, str, dict[str, object]]]:
    return [(e.user, e.action, e.detail) for e in audit.entries(vault.connection())]


def test_unlock_failures_and_lock_are_logged(folder: Path) -> None:
    for _attempt in range(3):
        with pytest.raises(WrongPassphrase):
            Vault.open(folder, USER, "not the passphrase at all")
    assert (folder / FAILURES_NAME).read_text(encoding="ascii") == "3\n"
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        log = actions(vault)
        assert log[-2:] == [(USER, AuditAction.UNLOCK_FAILED, {"failed_attempts": 3}),
                            (USER, AuditAction.UNLOCK, {})]
    assert not (folder / FAILURES_NAME).exists()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert [a for _u, a, _d in actions(vault)][-3:] == [
            AuditAction.UNLOCK, AuditAction.LOCK, AuditAction.UNLOCK]


def test_the_head_is_bound_into_the_key_file_at_lock(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        generation = vault.generation
    on_disk = keyslots.read(folder / "keyslots.json")
    assert on_disk.audit_head is None and on_disk.audit_box is not None  # sealed, not clear
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        bound = on_disk.opened(vault._require_keys().dbk).audit_head
        lock_entry = audit.entries(vault.connection())[-2]  # before this unlock's entry
        assert lock_entry.action == AuditAction.LOCK
        assert bound == vault.audit_head == (lock_entry.seq, lock_entry.hash)
        assert vault.generation == generation  # binding is no key change
        vault.verify_integrity()


def test_intake_check_names_an_edited_entry(cli: Cli, folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        accounts.add_user(vault, "park", Role.CASE_MANAGER, INITIAL)
        seq = next(e.seq for e in audit.entries(vault.connection())
                   if e.action == AuditAction.USER_ADDED)
    tamper(folder, f"UPDATE audit SET user = 'someone' WHERE seq = {seq}")
    args = ["--vault", str(folder), "--user", USER, "--passphrase-stdin"]
    line = cli(["check", *args]).error_line(4)
    assert f"entry {seq}" in line
    assert f"entry {seq}" in cli(["audit", "--verify", *args]).error_line(4)


def test_history_cut_short_is_caught_by_the_bound_head(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE):
        pass
    tamper(folder, "DELETE FROM audit WHERE seq >= 3")  # the last unlock and lock
    with pytest.raises(GenerationMismatch):  # refused at unlock: the bound head is gone
        Vault.open(folder, USER, PASSPHRASE)
    with Vault.open(folder, USER, PASSPHRASE, accept_generation_mismatch=True) as vault:
        assert audit.verify(vault.connection()) == []  # the chain alone looks whole
        with pytest.raises(AuditLogBroken):
            vault.verify_integrity()


def test_user_changes_are_logged_without_secrets(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        accounts.add_user(vault, "park", Role.CASE_MANAGER, INITIAL)
        accounts.set_role(vault, "park", Role.INTERVIEWER)
        accounts.reset_passphrase(vault, "park", "another initial one")
        accounts.remove_user(vault, "park")
        vault.change_passphrase("a brand new passphrase")
        log = actions(vault)
    assert [a for _u, a, _d in log][-5:] == [
        AuditAction.USER_ADDED, AuditAction.ROLE_CHANGED, AuditAction.PASSPHRASE_RESET,
        AuditAction.USER_REMOVED, AuditAction.PASSPHRASE_CHANGED]
    assert log[-4][2] == {"target_user": "park", "role": "interviewer",
                          "previous_role": "case_manager"}
    text = repr(log)
    assert INITIAL not in text and "another initial one" not in text
