"""Recordings go with their records (issue 19): a withdrawal with a purge, travel mode and the
panic wipe leave, for an adversary holding the admin's passphrase and the folder, no spool
file and no ``recordings`` row of the affected records — the spool id is in no decrypted
page of the database or its WAL, no row. Positive control: before, the same reader finds
both; the other record's recording, untouched by a purge, is still found."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from intake.domain.record import Record, Status
from intake.services import opening
from intake.services.interviews import InterviewService
from intake.services.recording_store import RecordingStore
from intake.services.review import ReviewService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security.vault_reader import open_user_slot, read_folder

Made = tuple[Path, dict[str, tuple[bytes, bytes]]]  # record id: (finished, pending) spool ids


def _record_twice(vault: Vault, record_id: str) -> tuple[bytes, bytes]:
    """A finished recording and a pending spool (stopped, not yet finished) of the record."""
    store = RecordingStore(vault)
    writer = store.start(record_id)
    writer.write(os.urandom(6_000))
    writer.mark(0.5, "section.work")
    writer.close()
    assert store.finish(writer.path).attachment is not None
    pending = store.start(record_id)
    pending.write(os.urandom(6_000))
    pending.close()
    return writer.spool_id, pending.spool_id


@pytest.fixture
def made(tmp_path: Path, policy: KdfPolicy) -> Made:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        records = []
        for _ in range(2):
            record = Record.new(USER)
            record.answers.update({"consent.internal_documentation": True,
                                   "consent.audio_recording": True})
            record.status = Status.SUBMITTED
            records.append(record)
        InterviewService(vault).import_records(records)
        spools = {r.id: _record_twice(vault, r.id) for r in records}
    return folder, spools


def _found(folder: Path, spool_id: bytes) -> set[str]:
    """Where the adversary finds the spool: "file" (its spool), "row" (a ``recordings``
    row), "page" (any decrypted database or WAL page, any row)."""
    where: set[str] = set()
    if (folder / "attachments" / f"{spool_id.hex()}.spool").exists():
        where.add("file")
    if not folder.exists():
        return where
    reading = read_folder(folder, open_user_slot(folder, USER, PASSPHRASE))
    needle = spool_id.hex().encode()
    for tables in reading.tables.values():
        if any(row["spool_id"] == spool_id.hex() for row in tables.get("recordings", [])):
            where.add("row")
    if any(needle in data for _where, data in reading.plaintexts() if not _where.startswith(
            "raw")):
        where.add("page")
    return where


def test_a_purged_withdrawal_takes_its_recordings(made: Made) -> None:
    folder, spools = made
    (gone, (finished, pending)), (_kept, (other_finished, other_pending)) = spools.items()
    assert _found(folder, finished) == {"row", "page"}  # control: the reader finds them
    assert _found(folder, pending) == {"file"}
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        ReviewService(vault).withdraw(gone, dt.date(2026, 12, 1), purge=True)
    assert _found(folder, finished) == set()
    assert _found(folder, pending) == set()
    assert _found(folder, other_finished) == {"row", "page"}  # another record's: untouched
    assert _found(folder, other_pending) == {"file"}


def test_travel_mode_takes_every_recording(made: Made) -> None:
    folder, spools = made
    every = [spool for pair in spools.values() for spool in pair]
    assert all(_found(folder, spool) for spool in every)  # control
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert InterviewService(vault).clear_all_records() == 2
    assert [spool for spool in every if _found(folder, spool)] == []
    assert not list((folder / "attachments").glob("*.spool"))


def test_the_panic_wipe_takes_every_spool(made: Made) -> None:
    folder, spools = made
    assert list(folder.rglob("*.spool"))  # control
    report = opening.wipe(folder)
    assert report.failed == []
    assert not list(folder.rglob("*.spool")) if folder.exists() else True
    for finished, pending in spools.values():
        assert _found(folder, finished) == set() and _found(folder, pending) == set()


def test_a_deleted_record_takes_its_recordings(made: Made) -> None:
    folder, spools = made
    (gone, (finished, pending)), (_kept, (other_finished, other_pending)) = spools.items()
    assert _found(folder, pending) == {"file"}  # control
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        InterviewService(vault).delete(gone)
    assert _found(folder, finished) == set() and _found(folder, pending) == set()
    assert _found(folder, other_finished) == {"row", "page"}
    assert _found(folder, other_pending) == {"file"}
