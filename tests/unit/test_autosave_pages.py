"""What an autosave writes to disk, counted in WAL frames (pages) and the WAL's length, as
the file system sees them: an autosave that joins its editing session writes only the
pages that changed (a text already waiting for the index is not marked again), and the
WAL is folded back and written again from its start every ``WAL_FRAMES`` frames instead
of growing for a session's first 1,000 page writes. Each has a control with the measure
off, where the same count comes out higher."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from intake.domain.record import Record
from intake.services import saving
from intake.services.interviews import InterviewService
from intake.vault import database
from intake.vault.record_types import StoredRow
from intake.vault.records import RecordStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

FRAME = 24 + database.PAGE_SIZE  # a WAL frame: its header and one page


@pytest.fixture
def vault(created_vault: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[Vault]:
    # one second for every save: a new second would move the record in the index on
    # updated_at, a page the count below is not about
    monkeypatch.setattr(saving, "now", lambda: "2026-12-07T10:00:00+00:00")
    with Vault.open(created_vault[0], USER, PASSPHRASE) as opened:
        yield opened


def started(service: InterviewService) -> Record:
    record = service.new_record()
    record.answers.update({"consent.internal_documentation": True,
                           "narrative.summary": "first words"})
    return service.save(record)


def typed(record: Record, text: str) -> Record:
    return replace(record, answers={**record.answers, "narrative.summary": text})


def frames_of(vault: Vault, save: Record, service: InterviewService) -> tuple[Record, int]:
    """``save`` saved, and the WAL frames its commit wrote (the WAL emptied before)."""
    conn = vault.connection()
    conn.execute("PRAGMA main.wal_checkpoint(TRUNCATE)").fetchall()
    saved = service.save(save)
    return saved, int(conn.execute("PRAGMA main.wal_checkpoint(PASSIVE)").fetchone()[1])


def joined_frames(vault: Vault) -> list[int]:
    service = InterviewService(vault)
    saved = started(service)
    counts = []
    for text in ("first words and", "first words and more", "first words and more still"):
        saved, count = frames_of(vault, typed(saved, text), service)
        counts.append(count)
    assert saved.revision == 1  # each joined the session
    return counts


def test_an_autosave_of_a_text_already_marked_writes_its_row_alone(vault: Vault) -> None:
    assert joined_frames(vault) == [1, 1, 1]


def test_control_marking_the_text_again_writes_an_index_page_more(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    read = RecordStore.stored_row

    def unmarked(self: RecordStore, record_id: str) -> StoredRow | None:
        row = read(self, record_id)  # the row read as if its text were never marked
        return None if row is None else replace(row, text_dirty=0)

    monkeypatch.setattr(RecordStore, "stored_row", unmarked)
    assert joined_frames(vault) == [2, 2, 2]


def wal_bytes_after(vault: Vault, saves: int) -> int:
    service = InterviewService(vault)
    saved = started(service)
    for i in range(saves):
        saved = service.save(typed(saved, f"typed {i}"))
    return (vault.files.folder / "intake.db-wal").stat().st_size


def test_the_wal_is_written_again_from_its_start_every_wal_frames(vault: Vault) -> None:
    # the largest transaction here (the creation) writes fewer than 20 frames
    assert wal_bytes_after(vault, 300) <= (database.WAL_FRAMES + 20) * FRAME


def test_control_with_sqlites_default_the_wal_grows_with_the_session(
        created_vault: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(database, "WAL_FRAMES", 1000)
    with Vault.open(created_vault[0], USER, PASSPHRASE) as vault:
        assert wal_bytes_after(vault, 300) > 250 * FRAME
