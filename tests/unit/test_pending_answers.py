"""Pending answers (what the form held that did not validate yet) and the place a user left
off, in the vault: kept in the same transaction as the record's save, every entry sealed
with the identity key (what was typed may be a name whatever the question: unreadable for a
coordinator, re-sealed by a rekey, dropped by a purge), cleared by a clean save, gone with
their record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.services.drafts import Place, ResumePlace
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.vault import accounts, identity
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

NAME_TYPED = {"inputs": [["line", "김정PENDINGNAME"]]}
HOURS_TYPED = {"inputs": [["line", "25시간PENDINGHOURS"]]}
CONSENTED = {"consent.internal_documentation": True}


def started(vault: Vault) -> str:
    service = InterviewService(vault)
    record = service.new_record()
    record.answers.update(CONSENTED)
    service.save(record, pending={"identity.full_name": NAME_TYPED,
                                  "work.hours_per_day": HOURS_TYPED})
    return record.id


def raw_pending(vault: Vault) -> list[tuple[str, bytes | None]]:
    return vault.connection().execute(
        "SELECT answers, identity FROM pending_answers").fetchall()


def test_kept_with_the_save_and_every_entry_sealed(created_vault: tuple[Path, str]
                                                    ) -> None:
    with Vault.open(created_vault[0], USER, PASSPHRASE) as vault:
        record_id = started(vault)
        assert InterviewService(vault).pending_answers(record_id) == {
            "identity.full_name": NAME_TYPED, "work.hours_per_day": HOURS_TYPED}
        [(plain, sealed)] = raw_pending(vault)
        assert plain == "{}"  # not even a number field's entry: it may be a name
        assert sealed is not None
        for typed in ("PENDINGNAME", "김정", "PENDINGHOURS", "25시간"):
            assert typed not in plain and typed.encode() not in sealed, typed
        key = vault.identity_key
        assert key is not None
        assert identity.unseal(key, record_id, sealed) == (
            {"identity.full_name": NAME_TYPED, "work.hours_per_day": HOURS_TYPED}, {})


def test_a_clean_save_clears_them_and_deleting_the_record_removes_them(
        created_vault: tuple[Path, str]) -> None:
    with Vault.open(created_vault[0], USER, PASSPHRASE) as vault:
        service = InterviewService(vault)
        record_id = started(vault)
        ResumePlace(vault).remember(Place(record_id, "work", "work.hours_per_day"))
        service.save(service.load(record_id), pending={})
        assert service.pending_answers(record_id) == {} and raw_pending(vault) == []
        started_again = started(vault)
        ResumePlace(vault).remember(Place(started_again, "work", ""))
        service.delete(started_again)
        assert raw_pending(vault) == [] and ResumePlace(vault).place() is None


def test_a_coordinator_never_reads_an_entry(
        created_vault: tuple[Path, str], policy: KdfPolicy) -> None:
    folder = created_vault[0]
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record_id = started(vault)
        accounts.add_user(vault, "park", Role.COORDINATOR, "a coordinator's passphrase")
    with Vault.open(folder, "park", "a coordinator's passphrase") as vault:
        assert not vault.has_identity_key
        seen = InterviewService(vault).pending_answers(record_id)
        [(plain, sealed)] = raw_pending(vault)  # the entries are there, sealed
    assert seen == {}
    assert plain == "{}" and sealed is not None


def test_a_rekey_reseals_them(created_vault: tuple[Path, str]) -> None:
    folder = created_vault[0]
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record_id = started(vault)
        accounts.add_user(vault, "han", Role.CASE_MANAGER, "a case manager's passphrase")
        old_key = vault.identity_key
        accounts.remove_user(vault, "han")  # a new identity key, everything re-sealed
        assert vault.identity_key != old_key
        assert InterviewService(vault).pending_answers(record_id)["identity.full_name"] \
            == NAME_TYPED


def test_a_purge_drops_every_entry(created_vault: tuple[Path, str]) -> None:
    with Vault.open(created_vault[0], USER, PASSPHRASE) as vault:
        record_id = started(vault)
        ReviewService(vault).withdraw(record_id, dt.date.today(), purge=True)
        [(_plain, sealed)] = raw_pending(vault)
        assert sealed is None
        assert InterviewService(vault).pending_answers(record_id) == {}  # all were sealed


def test_the_place_is_per_user_and_ids_only(created_vault: tuple[Path, str]) -> None:
    folder = created_vault[0]
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record_id = started(vault)
        ResumePlace(vault).remember(Place(record_id, "work", "work.hours_per_day"))
        accounts.add_user(vault, "yoon", Role.INTERVIEWER, "an interviewer's passphrase")
        assert ResumePlace(vault).place() == Place(record_id, "work", "work.hours_per_day")
    with Vault.open(folder, "yoon", "an interviewer's passphrase") as vault:
        assert ResumePlace(vault).place() is None


def test_an_interviewer_cannot_keep_pending_answers_on_another_users_record(
        created_vault: tuple[Path, str]) -> None:
    folder = created_vault[0]
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record_id = started(vault)
        accounts.add_user(vault, "yoon", Role.INTERVIEWER, "an interviewer's passphrase")
    with Vault.open(folder, "yoon", "an interviewer's passphrase") as vault, \
            pytest.raises(Exception) as refused:
        InterviewService(vault).pending_answers(record_id)
    assert type(refused.value).__name__ in ("PermissionDenied", "RecordNotFound")
