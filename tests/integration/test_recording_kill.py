"""A kill -9 while recording into the vault loses at most the last flush interval.

The recording process (tests/ui/recording_probe.py with ``--vault``: the vault locked
before recording starts, a flush every 4 s) records a tone from a private PulseAudio
daemon and says on stderr each flush as it returns. Some seconds after the second flush it
is killed with SIGKILL, at a point between flushes. At the next unlock the spool is found,
finished into an attachment, and decodes to the tone, at least as long as what had been
recorded at the kill minus 5 s (the flush interval and the encoder's 250 ms pages), and
no longer than what was recorded.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import soundfile

from intake.services.attachments import AttachmentService
from intake.services.recording_store import RecordingStore
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.integration.test_recording_into_the_vault import vault_and_record  # noqa: F401
from tests.pulse_server import private_pulse, tone
from tests.ui.test_recording_capture import HERTZ, PROBE, QT_ENV, ROOT, tone_strength

FLUSH = 4.0
LOSS_BOUND = 5.0


def test_kill_9_while_recording_loses_at_most_the_last_flush_interval(
        tmp_path: Path, vault_and_record: tuple[Path, str]) -> None:  # noqa: F811
    folder, record_id = vault_and_record
    with private_pulse(tmp_path / "pulse") as server:
        server.play(tone(90, HERTZ))
        child = subprocess.Popen(
            [sys.executable, str(PROBE), "60", "--vault", str(folder), "--record", record_id,
             "--flush", str(FLUSH)], cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, text=True,
            env={**server.env, **QT_ENV, "INTAKE_PROBE_PASSPHRASE": PASSPHRASE})
        flushes: list[tuple[float, float]] = []  # (when, audio seconds)
        assert child.stderr is not None
        stderr = child.stderr

        def read() -> None:
            for line in stderr:
                if line.startswith("flushed "):
                    flushes.append((time.monotonic(), float(line.split()[1])))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = time.monotonic() + 60
        try:
            while len(flushes) < 2 and time.monotonic() < deadline and child.poll() is None:
                time.sleep(0.05)
            assert len(flushes) >= 2, "the recorder never flushed twice"
            time.sleep(FLUSH * 0.75)  # between two flushes
            when, flushed_at = flushes[-1]
            recorded_at_kill = flushed_at + (time.monotonic() - when)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=10)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
        reader.join(timeout=5)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        store = RecordingStore(vault)
        assert len(store.pending()) == 1
        made, kept = store.finish_pending()
        assert kept == [] and len(made) == 1
        attachment = made[0].attachment
        assert attachment is not None
        ogg = AttachmentService(vault).read(attachment.id)
    samples, rate = soundfile.read(io.BytesIO(ogg), dtype="float64")
    seconds = len(samples) / rate
    assert recorded_at_kill - LOSS_BOUND <= seconds <= recorded_at_kill + 0.3
    assert seconds >= flushes[-1][1] - 0.5  # all that was flushed (but the last 250 ms page)
    assert abs(tone_strength(samples, rate)[0] - HERTZ) < 5
