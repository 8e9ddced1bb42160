"""The recording service (intake/services/recording_store.py): consent and role to start, a
recording that goes on while the vault is locked, finished at the next unlock, and a
recording whose consent was withdrawn meanwhile discarded."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.errors import PermissionDenied
from intake.services.attachments import AttachmentService, NoConsentForAttachment
from intake.services.interviews import InterviewService
from intake.services.recording_store import RecordingStore
from intake.services.review import ReviewService
from intake.vault import accounts
from intake.vault.kdf import KdfPolicy
from intake.vault.records import IdentityKeyMissing
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

LEE, LEE_PASS = "lee", "a coordinator's passphrase 3"


@pytest.fixture
def made(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, str, str]:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        records = []
        for audio in (True, False):
            record = Record.new(USER)
            record.answers.update({"consent.internal_documentation": True,
                                   "consent.audio_recording": audio})
            record.status = Status.SUBMITTED
            records.append(record)
        InterviewService(vault).import_records(records)
        accounts.add_user(vault, LEE, Role.COORDINATOR, LEE_PASS)
    return folder, records[0].id, records[1].id


def test_recording_survives_a_lock_and_is_finished_at_unlock(
        made: tuple[Path, str, str]) -> None:
    folder, record_id, _no_audio = made
    audio = os.urandom(50_000)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        writer = RecordingStore(vault).start(record_id)
        writer.write(audio[:20_000])
        writer.mark(1.5, "section.work")
        writer.flush()
    # locked: the vault's keys are gone, the writer goes on
    writer.write(audio[20_000:])
    writer.flush()
    writer.close()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        store = RecordingStore(vault)
        assert store.pending() == [writer.path]
        made_, kept = store.finish_pending()
        assert kept == [] and len(made_) == 1
        found = made_[0].attachment
        assert found is not None and found.kind == "audio"
        assert AttachmentService(vault).read(found.id) == audio
        assert [m.label for m in store.markers(found.id)] == ["section.work"]
        assert store.pending() == []


def test_no_recording_without_consent_or_the_identity_key(
        made: tuple[Path, str, str]) -> None:
    folder, record_id, no_audio = made
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        with pytest.raises(NoConsentForAttachment):
            RecordingStore(vault).start(no_audio)
    with Vault.open(folder, LEE, LEE_PASS) as vault:
        with pytest.raises((IdentityKeyMissing, PermissionDenied)):
            RecordingStore(vault).start(record_id)
    assert not list((folder / "attachments").glob("*.spool"))


def test_a_withdrawal_while_recording_discards_it(made: tuple[Path, str, str]) -> None:
    folder, record_id, _no_audio = made
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        store = RecordingStore(vault)
        writer = store.start(record_id)
        writer.write(b"said before the withdrawal" * 100)
        writer.close()
        ReviewService(vault).withdraw(record_id, dt.date(2026, 11, 20), purge=False)
        done = store.finish(writer.path)
        assert done.attachment is None and not writer.path.exists()
        assert AttachmentService(vault).of_record(record_id) == []
