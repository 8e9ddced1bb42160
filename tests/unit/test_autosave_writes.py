"""What an autosave writes (issue 17, autosave near the floor): a save that changes nothing
writes no page (its private section is not sealed again), one that changes anything writes
what it wrote before; the text marker and what a load gives back are as before."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from intake.domain.record import Record, Status
from intake.services import saving
from intake.services.interviews import InterviewService
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

STAMP = "2026-12-07T06:00:00+00:00"
ANSWERS = {"consent.internal_documentation": True, "deployment.sector": "construction",
           "narrative.summary": "the first account", "identity.full_name": "Aiko Tan"}


@pytest.fixture
def vault(created_vault: tuple[Path, str]) -> Iterator[Vault]:
    with Vault.open(created_vault[0], USER, PASSPHRASE) as opened:
        yield opened


@pytest.fixture
def service(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> InterviewService:
    monkeypatch.setattr(saving, "now", lambda: STAMP)  # every save in the same second
    return InterviewService(vault)


def _row(vault: Vault, record_id: str) -> tuple[Any, ...]:
    return tuple(vault.connection().execute(
        "SELECT identity, answers, meta, updated_at, revision, text_dirty FROM records"
        " WHERE id = ?", (record_id,)).fetchone())


def _wal_after(vault: Vault, save: Any) -> int:
    """The bytes the WAL grew by in ``save`` (emptied first)."""
    vault.connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    save()
    wal = vault.files.database.with_name(vault.files.database.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


def _first(service: InterviewService) -> Record:
    record = service.new_record()
    record.answers.update(ANSWERS)
    return service.save(record, pending={})


def test_an_unchanged_autosave_writes_no_page(vault: Vault, service: InterviewService) -> None:
    saved = _first(service)
    before = _row(vault, saved.id)
    statements: list[str] = []
    vault.connection().set_trace_callback(statements.append)
    grew = _wal_after(vault, lambda: service.save(saved, pending={}))
    assert grew == 0
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    assert _row(vault, saved.id) == before  # the same sealed blob, byte for byte
    assert service.load(saved.id) == saved


@pytest.mark.parametrize("change", ["private", "public", "status"])
def test_a_save_that_changes_anything_writes_and_seals_as_before(
        vault: Vault, service: InterviewService, change: str) -> None:
    """Control: the check above fails where a save writes; a status change alone still
    seals the private section anew (a fresh nonce), as every changed save did."""
    saved = _first(service)
    blob = _row(vault, saved.id)[0]
    edits = {"private": {"narrative.summary": "the account, edited"},
             "public": {"deployment.sector": "logging"}, "status": {}}[change]
    edited = replace(saved, answers={**saved.answers, **edits},
                     status=Status.SUBMITTED if change == "status" else saved.status)
    assert _wal_after(vault, lambda: service.save(edited, pending={})) > 0
    assert _row(vault, saved.id)[0] != blob
    loaded = service.load(saved.id)
    assert {k: loaded.answers.get(k) for k in ANSWERS} == {
        k: edited.answers.get(k) for k in ANSWERS}
    assert loaded.status is edited.status


def test_the_text_marker_follows_the_indexed_text(vault: Vault,
                                                  service: InterviewService) -> None:
    saved = _first(service)
    assert _row(vault, saved.id)[5] == 1
    service.index_pending()
    assert _row(vault, saved.id)[5] == 0
    saved = service.save(replace(saved, answers={**saved.answers,
                                                 "deployment.sector": "logging",
                                                 "identity.full_name": "Aiko T."}))
    assert _row(vault, saved.id)[5] == 0  # no indexed text changed: no mark
    saved = service.save(replace(saved, answers={**saved.answers,
                                                 "narrative.summary": "told again"}))
    assert _row(vault, saved.id)[5] == 1
    service.index_pending()
    assert service.text_ids("told again") == [saved.id]
    assert service.text_ids("first account") == []
