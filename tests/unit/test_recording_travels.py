"""A finished recording's row travels with its audio (issue 19): in a bundle (markers sealed
again under the office's identity key) and in a backup; and a recording cut short is
recovered at unlock with what was lost said (intake/services/recording_recovery.py)."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from intake.exchange.containers.bundle_files import AttachmentLineInvalid, split_attachments
from intake.services import backup
from intake.services.attachments import AttachmentService
from intake.services.backup import BackupService
from intake.services.recording_recovery import (
    BYTES_PER_SECOND,
    FLUSH_SECONDS,
    lost_seconds,
    recover,
)
from intake.services.recording_store import Marker, RecordingStore
from intake.services.transfer import TransferService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.recording_vault import audio_consent_record

OFFICE, OFFICE_PASS = "office", "office passphrase for the admin"
MARKS = (Marker(0.5, "section.work"), Marker(2.25, "q.started_when"))


def _recorded(vault: Vault, record_id: str, audio: bytes) -> str:
    store = RecordingStore(vault)
    writer = store.start(record_id)
    writer.write(audio)
    for mark in MARKS:
        writer.mark(mark.offset, mark.label)
    writer.close(offset_seconds=3.0)
    found = store.finish(writer.path).attachment
    assert found is not None
    return found.id


@pytest.fixture
def field(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, str, str, bytes]:
    folder = tmp_path / "field"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    audio = os.urandom(40_000)
    with vault:
        record_id = audio_consent_record(vault)
        attachment_id = _recorded(vault, record_id, audio)
    return folder, record_id, attachment_id, audio


def test_a_bundle_carries_the_markers_to_the_office(
        field: tuple[Path, str, str, bytes], tmp_path: Path, policy: KdfPolicy) -> None:
    folder, _record_id, attachment_id, audio = field
    office = tmp_path / "office"
    vault, _code = Vault.create(office, OFFICE, OFFICE_PASS, policy)
    with vault:
        org = TransferService(vault).init_org()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        TransferService(vault).trust_org(org.to_file(), org.fingerprint)
        device = TransferService(vault).device_fingerprint()
        TransferService(vault).create_bundle(tmp_path / "b.intake")
    with Vault.open(office, OFFICE, OFFICE_PASS) as vault:
        assert vault.connection().execute(  # control: nothing of it at the office before
            "SELECT 1 FROM attachments WHERE id = ?", (attachment_id,)).fetchone() is None
        assert RecordingStore(vault).markers(attachment_id) == ()
        result = TransferService(vault).import_bundle((tmp_path / "b.intake").read_bytes(),
                                                      trust_device=device)
        assert result.attachments == 1
        assert AttachmentService(vault).read(attachment_id) == audio
        assert RecordingStore(vault).markers(attachment_id) == MARKS
        row = vault.connection().execute(
            "SELECT complete, seconds FROM recordings WHERE attachment_id = ?",
            (attachment_id,)).fetchone()
        assert tuple(row) == (1, 3.0)


def test_a_carried_recording_is_checked() -> None:
    good = {"spool": "ab" * 16, "markers": [[0.5, "section.work"]], "complete": True,
            "dropped_bytes": 0, "seconds": 3.0}
    base = {"attachment": {}, "data": ""}
    assert split_attachments([json.dumps({**base, "recording": good})])[1]  # control
    for bad in ({**good, "spool": "zz" * 16}, {**good, "markers": [[0.5, ""]]},
                {**good, "dropped_bytes": -1}, {**good, "extra": 1},
                {**good, "seconds": float("inf")}):
        with pytest.raises(AttachmentLineInvalid):
            split_attachments([json.dumps({**base, "recording": bad})])


def test_a_backup_keeps_the_markers(field: tuple[Path, str, str, bytes],
                                    tmp_path: Path) -> None:
    folder, _record_id, attachment_id, audio = field
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        BackupService(vault).create(tmp_path / "vault.backup")
    target = tmp_path / "restored"
    backup.restore(tmp_path / "vault.backup", target, USER, PASSPHRASE)
    with Vault.open(target, USER, PASSPHRASE) as vault:
        assert AttachmentService(vault).read(attachment_id) == audio
        assert RecordingStore(vault).markers(attachment_id) == MARKS


def test_a_recording_cut_short_is_recovered_and_its_loss_said(
        field: tuple[Path, str, str, bytes]) -> None:
    folder, record_id, _attachment_id, _audio = field
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        stopped = RecordingStore(vault).start(record_id)
        stopped.write(os.urandom(5_000))
        stopped.close()  # stopped, not finished: finished at unlock, nothing to say
        cut = RecordingStore(vault).start(record_id)
        cut.write(os.urandom(9_000))
        cut.flush()
        cut._abandon()  # as a kill -9: no closing record, the lock released
        before = dt.datetime.now().astimezone()
        found = recover(RecordingStore(vault))
        assert RecordingStore(vault).pending() == []
    assert len(found) == 1 and found[0].record_id == record_id
    assert found[0].lost_seconds == FLUSH_SECONDS  # nothing flushed was cut
    assert abs((found[0].interrupted_at - before).total_seconds()) < 60
    assert lost_seconds(1) == lost_seconds(BYTES_PER_SECOND) == FLUSH_SECONDS + 1
