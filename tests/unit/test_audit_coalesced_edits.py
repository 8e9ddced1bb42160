"""Autosaves of one editing session go into one revision (vault/records.py), and into the
audit log once per question (services/record_changes.py): a save in the same revision
logs only the questions that user's entries for it do not name yet. Attacked as someone
who wants an edit to leave no entry: another session, another user, a save that rolled
back, an entry of another kind in between, each must log the edit again."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from intake.domain.record import Record
from intake.domain.roles import Role
from intake.services.interviews import InterviewService
from intake.services.users import UserService
from intake.vault import audit, edit_sessions
from intake.vault.audit import AuditAction
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

MANAGER, MANAGER_PASS = "lee", "a case manager's passphrase 8"


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    vault, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    with vault:
        UserService(vault).add(MANAGER, Role.CASE_MANAGER, MANAGER_PASS)
    return tmp_path / "vault"


@pytest.fixture
def vault(folder: Path) -> Iterator[Vault]:
    with Vault.open(folder, USER, PASSPHRASE) as opened:
        yield opened


def edits(vault: Vault, record_id: str) -> list[tuple[str, int, list[str]]]:
    """(user, revision, questions) of the record's RECORD_EDITED entries, oldest first."""
    return [(e.user, e.detail["revision"], e.detail["questions"])
            for e in audit.entries(vault.connection(), action=AuditAction.RECORD_EDITED,
                                   record_id=record_id, limit=None)]


def edited(record: Record, **answers: Any) -> Record:
    return replace(record, answers={**record.answers,
                                    **{k.replace("__", "."): v for k, v in answers.items()}})


def created(service: InterviewService) -> Record:
    record = service.new_record()
    record.answers.update({"consent.internal_documentation": True,
                           "narrative.summary": "first words"})
    return service.save(record)


def test_one_session_logs_each_question_once(vault: Vault) -> None:
    service = InterviewService(vault)
    saved = created(service)
    for text in ("a", "ab", "abc"):  # answered at creation, typed on: revision 1 covers it
        saved = service.save(edited(saved, narrative__summary=text))
    assert saved.revision == 1 and edits(vault, saved.id) == []
    for hours in (12, 14):  # a new question: logged once, alone
        saved = service.save(edited(saved, work__hours_per_day=hours, narrative__summary="x"))
    assert edits(vault, saved.id) == [(USER, 1, ["work.hours_per_day"])]
    assert service.load(saved.id).answers["work.hours_per_day"] == 14  # every save stored


def test_control_without_coalescing_every_autosave_is_an_entry(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edit_sessions, "logged", lambda *_args: frozenset())
    service = InterviewService(vault)
    saved = created(service)
    for text in ("a", "ab", "abc"):
        saved = service.save(edited(saved, narrative__summary=text))
    assert edits(vault, saved.id) == [(USER, 1, ["narrative.summary"])] * 3


def test_a_new_session_logs_again(vault: Vault) -> None:
    service = InterviewService(vault)
    saved = created(service)
    saved = service.save(edited(saved, narrative__summary="b"))
    again = service.save(replace(edited(saved, narrative__summary="c"), session="another"))
    assert again.revision == 2
    assert edits(vault, saved.id) == [(USER, 2, ["narrative.summary"])]


def test_another_users_edit_is_logged_and_ends_the_run(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        saved = created(InterviewService(vault))
    with Vault.open(folder, MANAGER, MANAGER_PASS) as vault:
        service = InterviewService(vault)
        theirs = service.save(edited(service.load(saved.id), narrative__summary="changed"))
        service.save(edited(theirs, narrative__summary="changed again"))
        assert edits(vault, saved.id) == [(MANAGER, 2, ["narrative.summary"])]
    with Vault.open(folder, USER, PASSPHRASE) as vault:  # the author's next session
        service = InterviewService(vault)
        service.save(edited(service.load(saved.id), narrative__summary="back"))
        assert edits(vault, saved.id)[-1] == (USER, 3, ["narrative.summary"])


def test_a_save_that_rolled_back_leaves_the_question_to_the_next(vault: Vault) -> None:
    service = InterviewService(vault)
    saved = created(service)
    saved = service.save(edited(saved, work__hours_per_day=12))

    def refuse(_conn: Any, _saved: Record) -> None:
        raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        service._save(edited(saved, work__hours_per_day=13, profile__sex="female"),
                      extra=refuse)
    assert edits(vault, saved.id) == [(USER, 1, ["work.hours_per_day"])]
    service.save(edited(saved, work__hours_per_day=13, profile__sex="female"))
    assert edits(vault, saved.id) == [(USER, 1, ["work.hours_per_day"]),
                                      (USER, 1, ["profile.sex"])]


def test_an_entry_of_another_kind_in_between_ends_the_run(vault: Vault) -> None:
    service = InterviewService(vault)
    saved = created(service)
    saved = service.save(edited(saved, work__hours_per_day=12))
    # another entry about the record (as a reviewer's look at the identity section logs)
    audit.append(vault.connection(), USER, AuditAction.IDENTITY_VIEWED, saved.id)
    saved = service.save(edited(saved, work__hours_per_day=13))
    assert edits(vault, saved.id) == [(USER, 1, ["work.hours_per_day"])] * 2
    audit.check(vault.connection())  # the chain holds


def test_a_session_kept_from_the_save_before_reads_no_entry_back(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The save that logged the last entry keeps what the session logged: the saves after
    it read no entry back while the log's head is that entry, and log the same."""
    service = InterviewService(vault)
    saved = created(service)
    walks: list[str] = []
    real = audit.edited_in_revision
    monkeypatch.setattr(audit, "edited_in_revision",
                        lambda *args: walks.append(args[2]) or real(*args))
    for hours in (12, 13, 14):
        saved = service.save(edited(saved, work__hours_per_day=hours))
    saved = service.save(edited(saved, profile__sex="female"))
    assert walks == []
    assert edits(vault, saved.id) == [(USER, 1, ["work.hours_per_day"]),
                                      (USER, 1, ["profile.sex"])]
    audit.append(vault.connection(), USER, AuditAction.IDENTITY_VIEWED, saved.id)
    service.save(edited(saved, work__hours_per_day=15))  # the head moved: read back
    assert walks == [saved.id]
    assert edits(vault, saved.id)[-1] == (USER, 1, ["work.hours_per_day"])


def test_the_kept_session_is_dropped_at_the_lock(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        created(InterviewService(vault))
        assert edit_sessions._kept
    assert not edit_sessions._kept
