"""Users and their keys: add, role changes, passphrase resets, removal with a rekey, and
crashes in the middle of a rekey."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.errors import (
    DatabaseDamaged,
    IntakeError,
    InvalidUserName,
    WrongPassphrase,
    WrongRecoveryCode,
)
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault import accounts, keyslots, rekey, slotwrap, user_slots
from intake.vault.kdf import KdfPolicy, derive
from intake.vault.keyslots import KIND_USER, SlotContent
from intake.vault.records import RecordStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

TODAY = dt.date(2026, 11, 27)
INITIAL = "an initial passphrase for you"
OWN = "my very own passphrase now"


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Iterator[Path]:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        records = list(generate(12, seed=3, author=USER, today=TODAY))
        for record in records:
            record.status = Status.SUBMITTED
        InterviewService(vault).import_records(records)
    yield folder


def names(vault: Vault) -> dict[str, Role]:
    return {u.name: u.role for u in accounts.list_users(vault)}


def full_names(vault: Vault) -> list[str]:
    """Every record's name as the vault's keys decrypt it (below the services' roles)."""
    store = RecordStore(vault.connection(), vault.identity_key, QUESTIONNAIRE)
    return sorted(str(r.answers.get("identity.full_name")) for r in store.iter_records())


def add(folder: Path, name: str, role: Role) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.add_user(admin, name, role, INITIAL)


def test_a_new_user_opens_with_the_initial_passphrase_and_must_change_it(
    folder: Path,
) -> None:
    add(folder, "park", Role.CASE_MANAGER)
    with Vault.open(folder, "park", INITIAL) as vault:
        assert vault.role is Role.CASE_MANAGER and vault.must_change_passphrase
        assert vault.has_identity_key
        vault.change_passphrase(OWN)
        assert not vault.must_change_passphrase
    with Vault.open(folder, "park", OWN) as vault:
        assert not vault.must_change_passphrase
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        assert names(admin) == {USER: Role.ADMIN, "park": Role.CASE_MANAGER}
        with pytest.raises(accounts.UserExists):
            accounts.add_user(admin, "PARK", Role.INTERVIEWER, INITIAL)


@pytest.mark.parametrize("look_alike", ["ＰＡＲＫ", "ｐａｒｋ", "ｐark"])
def test_a_name_that_only_looks_like_another_is_refused(folder: Path, look_alike: str) -> None:
    """Full-width letters (NFKC) are the same name for uniqueness; the name is stored as
    typed (NFC). Control: a really different name is accepted."""
    add(folder, "park", Role.CASE_MANAGER)
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        with pytest.raises(accounts.UserExists):
            accounts.add_user(admin, look_alike, Role.ADMIN, INITIAL)
        accounts.add_user(admin, "park2", Role.INTERVIEWER, INITIAL)
        assert set(names(admin)) == {USER, "park", "park2"}


@pytest.mark.parametrize("hidden", ["pa\u200brk", "pa\u202erk", "pa\x00rk", "pa\u2066rk"])
def test_a_name_with_invisible_or_control_characters_is_refused(
        folder: Path, hidden: str) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin, pytest.raises(InvalidUserName):
        accounts.add_user(admin, hidden, Role.INTERVIEWER, INITIAL)


def test_a_coordinators_slot_holds_no_identity_key(folder: Path) -> None:
    add(folder, "lee", Role.COORDINATOR)
    with Vault.open(folder, "lee", INITIAL) as vault:
        assert vault.role is Role.COORDINATOR and not vault.has_identity_key
        assert vault.identity_key is None
        assert set(full_names(vault)) == {"None"}  # identity sections stay sealed
        _slot, content = user_slots.open_user(vault._slot_file, "lee", INITIAL)
        assert content.keys.idk is None and content.role is Role.COORDINATOR


def test_a_role_change_reseals_without_the_users_passphrase(folder: Path) -> None:
    add(folder, "choi", Role.INTERVIEWER)
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        assert accounts.set_role(admin, "choi", Role.CASE_MANAGER) is None
    with Vault.open(folder, "choi", INITIAL) as vault:
        assert vault.role is Role.CASE_MANAGER and vault.has_identity_key


def test_taking_the_identity_key_away_rekeys_everything(folder: Path) -> None:
    add(folder, "choi", Role.CASE_MANAGER)
    old_key_file = (folder / "keyslots.json").read_bytes()
    with Vault.open(folder, "choi", INITIAL) as vault:
        old_idk = vault.identity_key
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        before = full_names(admin)
        code = accounts.set_role(admin, "choi", Role.COORDINATOR)
        assert code is not None
        assert full_names(admin) == before  # identity sections re-encrypted, still readable
        assert admin.identity_key != old_idk
    with Vault.open(folder, "choi", INITIAL) as vault:
        assert vault.role is Role.COORDINATOR and not vault.has_identity_key
    (folder / "keyslots.json").write_bytes(old_key_file)  # the old key file put back
    with pytest.raises(DatabaseDamaged):
        Vault.open(folder, "choi", INITIAL)


def test_removing_a_user_rekeys_so_a_copied_old_key_no_longer_opens(
    folder: Path, tmp_path: Path, policy: KdfPolicy,
) -> None:
    add(folder, "han", Role.CASE_MANAGER)
    add(folder, "yoon", Role.INTERVIEWER)
    stolen = (folder / "keyslots.json").read_bytes()  # han copies the key file
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        before = full_names(admin)
        code = accounts.remove_user(admin, "han")
        assert names(admin) == {USER: Role.ADMIN, "yoon": Role.INTERVIEWER}
        assert full_names(admin) == before
    with pytest.raises(WrongPassphrase):  # no slot answers to han any more
        Vault.open(folder, "han", INITIAL)
    with Vault.open(folder, "yoon", INITIAL) as vault:  # the others are unaffected
        assert vault.role is Role.INTERVIEWER
    with Vault.open_with_recovery_code(folder, USER, code) as vault:
        assert full_names(vault) == before
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "keyslots.json").write_bytes(stolen)
    with pytest.raises(DatabaseDamaged):  # the old keys do not open the rekeyed database
        Vault.open(copy, "han", INITIAL)


def test_the_old_recovery_code_stops_working(tmp_path: Path, policy: KdfPolicy) -> None:
    folder = tmp_path / "own"
    admin, old_code = Vault.create(folder, USER, PASSPHRASE, policy)
    with admin:
        accounts.add_user(admin, "han", Role.CASE_MANAGER, INITIAL)
    with Vault.open_with_recovery_code(folder, USER, old_code):
        pass  # han, an administrator's colleague, may have seen it
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        new_code = accounts.remove_user(admin, "han")
    assert new_code != old_code
    with pytest.raises(WrongRecoveryCode):
        Vault.open_with_recovery_code(folder, USER, old_code)
    with Vault.open_with_recovery_code(folder, USER, new_code):
        pass


def test_no_vault_without_an_administrator_and_no_changing_oneself(folder: Path) -> None:
    add(folder, "kang", Role.ADMIN)
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        with pytest.raises(accounts.CannotChangeOwnAccount):
            accounts.remove_user(admin, USER)
        with pytest.raises(accounts.CannotChangeOwnAccount):
            accounts.set_role(admin, USER, Role.INTERVIEWER)
        with pytest.raises(accounts.NoSuchUser):
            accounts.remove_user(admin, "nobody")
        accounts.set_role(admin, "kang", Role.CASE_MANAGER)
    with Vault.open(folder, "kang", INITIAL) as other:
        assert other.role is Role.CASE_MANAGER


def test_a_reset_passphrase_replaces_the_old_one(folder: Path) -> None:
    add(folder, "seo", Role.INTERVIEWER)
    with Vault.open(folder, "seo", INITIAL) as vault:
        vault.change_passphrase(OWN)
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        accounts.reset_passphrase(admin, "seo", "a fresh one for seo")
    with pytest.raises(IntakeError):
        Vault.open(folder, "seo", OWN)
    with Vault.open(folder, "seo", "a fresh one for seo") as vault:
        assert vault.must_change_passphrase


@pytest.mark.parametrize("crash_at", ["write_atomic", "swap_in"])
def test_a_crash_during_a_rekey_leaves_a_vault_that_opens(
    folder: Path, monkeypatch: pytest.MonkeyPatch, crash_at: str,
) -> None:
    add(folder, "han", Role.CASE_MANAGER)
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        before = full_names(admin)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt  # not an OSError: nothing is cleaned up, as in a power cut

    target = accounts if crash_at == "write_atomic" else rekey
    monkeypatch.setattr(target, crash_at, crash)
    admin = Vault.open(folder, USER, PASSPHRASE)
    with pytest.raises(KeyboardInterrupt):
        accounts.remove_user(admin, "han")
    admin._drop()  # the process dies: the lock goes, nothing else runs
    monkeypatch.undo()
    assert rekey.copy_path(admin.files).exists()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert full_names(vault) == before
        removed = crash_at == "swap_in"  # the new key file made it to disk
        assert ("han" in names(vault)) is not removed
    assert not rekey.copy_path(admin.files).exists()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.verify_integrity()


def test_a_format_1_slot_is_rewritten_at_unlock(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        file, keys = vault._slot_file, vault._require_keys()
        [slot] = file.nameless_slots()
        legacy = keyslots.KeySlot(id=slot.id, kind=KIND_USER,
                                  user_tag=keyslots.user_tag(file.vault_id, USER),
                                  generation=file.generation + 1, kdf=slot.kdf,
                                  salt=os.urandom(16), nonce=os.urandom(12), ciphertext=b"")
        wrapping = derive(PASSPHRASE.encode(), legacy.salt, slot.kdf)
        legacy = dataclasses.replace(legacy, ciphertext=AESGCM(wrapping).encrypt(
            legacy.nonce, slotwrap._payload(SlotContent(keys, Role.ADMIN)),
            slotwrap._aad(file.vault_id, legacy)))
        vault._write_slot_file(file.with_slot(legacy, keys.dbk))
    assert keyslots.read(folder / "keyslots.json").tagged_slot(USER).legacy  # type: ignore[union-attr]
    with Vault.open(folder, USER, PASSPHRASE):
        pass
    upgraded = keyslots.read(folder / "keyslots.json")
    assert upgraded.tagged_slot(USER) is None  # rewritten nameless (format 3)
    assert [s.id for s in upgraded.nameless_slots()] == [slot.id]
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert len(full_names(vault)) == 12


def test_records_survive_every_change(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as admin:
        service = InterviewService(admin)
        record: Record = service.new_record()
        record.answers["identity.full_name"] = "마지막 증인"
        service.save(record)
        accounts.add_user(admin, "a1", Role.CASE_MANAGER, INITIAL)
        accounts.remove_user(admin, "a1")
        assert service.load(record.id).answers["identity.full_name"] == "마지막 증인"
