"""From a (virtual) microphone into the vault: capture, Opus, the write-only spool, finish.

A private PulseAudio daemon's microphone is fed a 1 kHz tone (tests/pulse_server.py). In a
child process (tests/ui/recording_probe.py) the vault is opened, a write-only spool is
started for a record whose person consented to audio recording, and the vault is closed
again — locked, as auto-lock would during a long interview — before the Recorder starts.
Two markers are placed at known audio positions. Back here the vault is opened, the spool
finished into an attachment, which decrypts to Ogg/Opus audio of the recorded length whose
spectrum peaks at the tone, with the markers at their offsets.

Nothing plaintext on disk: every file under the test's folder (the vault, the daemon's) is
scanned for the Ogg and Opus headers (``OggS``, ``OpusHead``, ``OpusTags``); the control
shows the same scan finds the decrypted recording when it is written to a file.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile

from intake.services.attachments import AttachmentService
from intake.services.recording_store import RecordingStore
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.pulse_server import private_pulse, tone
from tests.recording_vault import closed_vault_with_record
from tests.ui.test_recording_capture import HERTZ, record, tone_strength

SENTINELS = (b"OggS", b"OpusHead", b"OpusTags")
SECONDS = 5.0
MARKS = ((1.0, "section.work"), (3.0, "question.wages"))


def _plaintext_files(folder: Path) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            found += [f"{path}: {s!r}" for s in SENTINELS if s in data]
    return found


@pytest.fixture
def vault_and_record(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, str]:
    return closed_vault_with_record(tmp_path / "vault", policy)


def test_a_recording_reaches_the_vault_encrypted_with_its_markers(
        tmp_path: Path, vault_and_record: tuple[Path, str]) -> None:
    folder, record_id = vault_and_record
    marks = [arg for at, label in MARKS for arg in ("--mark", str(at), label)]
    with private_pulse(tmp_path / "pulse") as server:
        server.play(tone(SECONDS + 15, HERTZ))
        result = record(server, SECONDS, "--vault", str(folder), "--record", record_id,
                        "--flush", "2", *marks,
                        env={"INTAKE_PROBE_PASSPHRASE": PASSPHRASE})
        assert result["failures"] == [] and result["audio"] == ""
        assert _plaintext_files(tmp_path) == []  # while the daemon still runs, too
    assert _plaintext_files(tmp_path) == []
    assert [label for _at, label in result["marked"]] == [label for _at, label in MARKS]
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        store = RecordingStore(vault)
        assert [str(p) for p in store.pending()] == [result["spool"]]
        made, kept = store.finish_pending()
        assert kept == [] and len(made) == 1
        attachment = made[0].attachment
        assert attachment is not None and attachment.kind == "audio"
        ogg = AttachmentService(vault).read(attachment.id)
        markers = store.markers(attachment.id)
    assert _plaintext_files(tmp_path) == []
    samples, rate = soundfile.read(io.BytesIO(ogg), dtype="float64")
    assert SECONDS <= len(samples) / rate <= SECONDS + 0.6
    assert abs(tone_strength(samples, rate)[0] - HERTZ) < 5
    assert [m.label for m in markers] == [label for _at, label in MARKS]
    for marker, (at, _label) in zip(markers, MARKS, strict=True):
        assert at <= marker.offset < at + 0.5  # the audio position when it was placed
    # the control: the same scan finds the recording once it is on disk in the clear
    (tmp_path / "careless.ogg").write_bytes(ogg)
    assert len(_plaintext_files(tmp_path)) == len(SENTINELS)
    assert float(np.sqrt(np.mean(samples ** 2))) > 0.2
