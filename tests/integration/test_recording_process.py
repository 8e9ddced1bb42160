"""The recorder process (intake/ui/recording/process.py): a recording that outlives the lock.

A private PulseAudio's microphone is fed a 1 kHz tone (tests/pulse_server.py). A stand-in
window process (tests/ui/recording_window.py) opens the vault, starts a recording through
``RecordingClient`` and closes the vault; it is then killed, as a lock ends the window's
process. The recording goes on; a new client (the next window, after the unlock) attaches,
places a marker and stops; ``RecordingStore.finish_pending`` finishes the spool: it decodes
to the whole length with the tone throughout (no gap at the lock).

- a kill -9 of the recorder itself: at the next unlock the spool is finished, missing at
  most 5 s of what had been recorded;
- the recorder is never sent a vault key: its standard input carries the spool grant only,
  and a scan of its memory, command line and environment finds neither the database key
  nor the identity key, while the same scan finds the spool key it does hold (the control).

In CI (INTAKE_REQUIRE_RECORDING) a missing pulseaudio fails these tests; elsewhere they skip.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from intake.services.attachments import AttachmentService
from intake.services.recording_store import RecordingStore
from intake.ui.recording import client as client_module
from intake.ui.recording.client import RecordingClient
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.pulse_server import PulseServer, recorders_sound, tone
from tests.pulse_server import alive as _alive
from tests.recording_vault import closed_vault_with_record
from tests.ui.test_recording_capture import HERTZ, tone_strength

ROOT = Path(__file__).resolve().parents[2]
WINDOW = ROOT / "tests" / "ui" / "recording_window.py"
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def vault_and_record(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, str]:
    return closed_vault_with_record(tmp_path / "vault", policy)


@pytest.fixture
def sound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PulseServer]:
    with recorders_sound(tmp_path / "pulse", monkeypatch, tone(60, HERTZ)) as server:
        yield server


def _window(server: PulseServer, folder: Path, record_id: str) -> tuple[subprocess.Popen[bytes],
                                                                         dict[str, Any]]:
    window = subprocess.Popen(
        [sys.executable, str(WINDOW), str(folder), record_id], cwd=ROOT,
        env={**server.env, "PYTHONPATH": str(ROOT), "INTAKE_PROBE_PASSPHRASE": PASSPHRASE},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert window.stdout is not None
    line = window.stdout.readline()
    if not line:
        window.kill()
        pytest.fail(window.communicate(timeout=10)[1].decode(errors="replace")[-3000:])
    return window, json.loads(line)


def _finish(folder: Path) -> tuple[np.ndarray, int, list[Any]]:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        store = RecordingStore(vault)
        made, kept = store.finish_pending()
        assert kept == [] and len(made) == 1
        attachment = made[0].attachment
        assert attachment is not None and attachment.kind == "audio"
        ogg = AttachmentService(vault).read(attachment.id)
        markers = list(store.markers(attachment.id))
    samples, rate = soundfile.read(io.BytesIO(ogg), dtype="float64")
    return samples, rate, markers


def test_a_recording_goes_on_through_the_lock_and_is_found_again(
        qapp: Any, sound: PulseServer, vault_and_record: tuple[Path, str]) -> None:
    folder, record_id = vault_and_record
    window, started = _window(sound, folder, record_id)
    time.sleep(3)
    window.kill()  # the lock ends the window's process
    window.communicate(timeout=10)
    time.sleep(3)
    assert _alive(started["pid"])
    client = RecordingClient.attach(folder)  # the next window, after the unlock
    assert client is not None
    assert client.record_id == record_id and client.spool_path == started["spool"]
    assert client.active and client.seconds > 4.0
    at = client.seconds
    client.mark(at, "section.after_lock")
    time.sleep(2)
    seconds = client.stop()
    wall = time.time() - started["started"]
    assert not client.active
    deadline = time.monotonic() + 10
    while _alive(started["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(started["pid"])  # it ends when stopped
    assert RecordingClient.attach(folder) is None
    assert seconds >= wall - 2.0  # every second of wall time is in the audio: no gap
    samples, rate, markers = _finish(folder)
    assert seconds - 0.1 <= len(samples) / rate <= seconds + 0.6
    assert abs(tone_strength(samples, rate)[0] - HERTZ) < 5
    quarter = rate // 4
    rms = [float(np.sqrt(np.mean(samples[i:i + quarter] ** 2)))
           for i in range(quarter, len(samples) - quarter, quarter)]
    assert min(rms) > 0.25  # the tone throughout (0.5 amplitude: RMS 0.354)
    assert [m.label for m in markers] == ["section.after_lock"]
    assert markers[0].offset == pytest.approx(at, abs=0.01)


def test_a_killed_recorder_is_recovered_at_unlock_minus_at_most_five_seconds(
        qapp: Any, sound: PulseServer, vault_and_record: tuple[Path, str]) -> None:
    folder, record_id = vault_and_record
    window, started = _window(sound, folder, record_id)
    time.sleep(2)
    window.kill()
    window.communicate(timeout=10)
    time.sleep(8)
    client = RecordingClient.attach(folder)
    assert client is not None
    before = client._wait_for("elapsed")
    assert before is not None
    os.kill(started["pid"], signal.SIGKILL)
    recorded = float(before["seconds"])
    assert recorded > 6.0
    samples, rate, _markers = _finish(folder)
    assert recorded - 5.0 <= len(samples) / rate <= recorded + 0.6
    assert abs(tone_strength(samples, rate)[0] - HERTZ) < 5
    client.detach()


def _scan(pid: int, secrets: dict[str, bytes]) -> set[str]:
    """Which secrets (raw, hex or base64-free text) are in the process's readable memory,
    command line or environment."""
    found = set()
    blobs = [Path(f"/proc/{pid}/cmdline").read_bytes(), Path(f"/proc/{pid}/environ").read_bytes()]
    maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
    with open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            match = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
            if not match or "[vvar" in line or "[vsyscall" in line:
                continue
            start, end = (int(x, 16) for x in match.groups())
            try:
                mem.seek(start)
                blobs.append(mem.read(end - start))
            except (OSError, OverflowError, ValueError):
                continue
    for name, secret in secrets.items():
        if any(secret in blob or secret.hex().encode() in blob for blob in blobs):
            found.add(name)
    return found


def test_the_recorder_never_holds_a_vault_key(
        qapp: Any, sound: PulseServer, vault_and_record: tuple[Path, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder, record_id = vault_and_record
    sent: list[bytes] = []
    real = client_module.handshake

    def handshake(header: dict[str, Any], grant: Any) -> bytes:
        sent.append(real(header, grant))
        return sent[-1]

    monkeypatch.setattr(client_module, "handshake", handshake)
    # Not hardened, so that this test may read its memory (hardened, nobody of this user can).
    monkeypatch.setattr(client_module, "command", lambda: [
        sys.executable, "-c", "import intake.hardening as h; h.harden_process = lambda: None;"
        "import runpy; runpy.run_module('intake.ui.recording.process', run_name='__main__')"])
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        store = RecordingStore(vault)
        grants: list[Any] = []
        real_grant = store.grant

        def grant(rid: str) -> Any:
            grants.append(real_grant(rid))
            return grants[-1]

        monkeypatch.setattr(store, "grant", grant)
        secrets = {"database key": bytes(vault._require_keys().dbk),
                   "identity key": bytes(vault.identity_key or b"")}
        assert all(len(key) == 32 for key in secrets.values())
        client = RecordingClient(store, record_id, owner_pid=os.getpid())
        client.start()
    try:
        assert len(sent) == 1 and not any(key in sent[0] or key.hex().encode() in sent[0]
                                          for key in secrets.values())
        time.sleep(2)
        secrets["spool key (the control)"] = grants[0].spool_key
        assert _scan(client.pid, secrets) == {"spool key (the control)"}
    finally:
        client.stop()


def _start(folder: Path, record_id: str, **settings: Any) -> RecordingClient:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        client = RecordingClient(RecordingStore(vault), record_id, **settings)
        client.start()
    return client


def _ends(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pid)


def test_pause_resume_and_markers_through_the_client(
        qapp: Any, qtbot: Any, sound: PulseServer, vault_and_record: tuple[Path, str]) -> None:
    folder, record_id = vault_and_record
    client = _start(folder, record_id, owner_pid=os.getpid())
    states: list[str] = []
    client.state.connect(states.append)
    qtbot.waitUntil(lambda: client.seconds > 1.5, timeout=10000)
    paused_at, since = client.seconds, time.monotonic()
    client.pause()
    qtbot.waitUntil(lambda: client.paused, timeout=5000)
    time.sleep(2)  # not recorded
    client.resume()
    qtbot.waitUntil(lambda: client.active and not client.paused, timeout=5000)
    qtbot.waitUntil(lambda: client.seconds > 3.0, timeout=10000)
    client.mark(client.seconds, "question.wages")
    seconds = client.stop()
    wall = time.monotonic() - since
    assert seconds < paused_at + wall - 1.0  # the 2 s paused are not in the audio
    assert states[:2] == ["paused", "recording"] and states[-1] == "stopped"
    assert _ends(client.pid, 10)
    samples, rate, markers = _finish(folder)
    assert seconds - 0.1 <= len(samples) / rate <= seconds + 0.6
    assert [m.label for m in markers] == ["question.wages"]


def test_the_recorder_stops_when_the_app_is_gone_and_after_its_limit(
        qapp: Any, sound: PulseServer, vault_and_record: tuple[Path, str]) -> None:
    """Never lingering: the owner (the supervisor) ended, or ``max_seconds`` passed — the
    recording so far is closed and kept for the next unlock. The control: with its owner
    alive and no limit reached, it goes on."""
    folder, record_id = vault_and_record
    owner = subprocess.Popen(["sleep", "60"])
    try:
        first = _start(folder, record_id, owner_pid=owner.pid)
        time.sleep(3)
        assert _alive(first.pid)  # the control
        owner.kill()
        owner.wait(timeout=5)
        assert _ends(first.pid, 5)
    finally:
        owner.kill()
    second = _start(folder, record_id, owner_pid=os.getpid(), max_seconds=3.0)
    assert _ends(second.pid, 8)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        made, kept = RecordingStore(vault).finish_pending()
    assert kept == [] and len(made) == 2
    assert all(m.attachment is not None for m in made)


def test_a_panic_wipe_ends_the_recorder_at_once(
        qapp: Any, sound: PulseServer, vault_and_record: tuple[Path, str]) -> None:
    """The wipe destroys every file under attachments/, the spool too: the recorder sees
    its spool gone and ends without writing anything more (no spool is made again)."""
    from intake.services import opening

    folder, record_id = vault_and_record
    client = _start(folder, record_id, owner_pid=os.getpid())
    time.sleep(2)
    assert _alive(client.pid) and Path(client.spool_path).exists()
    opening.wipe(folder)
    assert _ends(client.pid, 3)
    assert not Path(client.spool_path).exists()
    assert not (folder / "attachments").exists()


def test_abort_discards_the_recording(
        qapp: Any, sound: PulseServer, vault_and_record: tuple[Path, str]) -> None:
    folder, record_id = vault_and_record
    client = _start(folder, record_id, owner_pid=os.getpid())
    time.sleep(1.5)
    client.abort()
    assert _ends(client.pid, 5)
    assert not Path(client.spool_path).exists()
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert RecordingStore(vault).pending() == []


def test_without_a_sound_server_start_says_so_and_leaves_nothing(
        qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        vault_and_record: tuple[Path, str]) -> None:
    from intake.ui.recording.capture import RecordingUnavailable

    runtime = Path(tempfile.mkdtemp(prefix="rec", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'nobody-here'}")
    monkeypatch.setenv("QT_AUDIO_BACKEND", "pulseaudio")
    folder, record_id = vault_and_record
    with pytest.raises(RecordingUnavailable):
        _start(folder, record_id, owner_pid=os.getpid())
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert RecordingStore(vault).pending() == []
    assert RecordingClient.attach(folder) is None


def test_a_lost_sound_server_ends_the_recorder_and_keeps_the_recording(
        qapp: Any, qtbot: Any, sound: PulseServer, vault_and_record: tuple[Path, str]) -> None:
    """The microphone gone (the sound server killed): the recorder says so, closes the
    spool and ends; the recording so far is finished at the next unlock. It is hardened
    (:func:`intake.hardening.harden_process`: no core dump, umask 077, not dumpable)."""
    from intake.ui.recording.capture import STALL_SECONDS

    folder, record_id = vault_and_record
    client = _start(folder, record_id, owner_pid=os.getpid())
    status = Path(f"/proc/{client.pid}/status").read_text()
    limits = Path(f"/proc/{client.pid}/limits").read_text()
    assert "Umask:\t0077" in status  # hardened: private files, no core dump
    assert re.search(r"Max core file size\s+0\s+0", limits)
    failures: list[str] = []
    client.failed.connect(failures.append)
    qtbot.waitUntil(lambda: client.seconds > 2.0, timeout=10000)
    sound.daemon.kill()
    sound.daemon.wait(timeout=5)
    qtbot.waitUntil(lambda: bool(failures), timeout=int((STALL_SECONDS + 6) * 1000))
    assert _ends(client.pid, 5)
    assert not client.active
    samples, rate, _markers = _finish(folder)
    assert len(samples) / rate > 1.5



def test_stop_finishes_the_recording_when_the_window_is_unlocked(
        qapp: Any, qtbot: Any, sound: PulseServer, vault_and_record: tuple[Path, str]) -> None:
    """The form's way (``in_own_process``; ``attach(folder, store)`` after an unlock): Stop
    finishes the spool into the record's audio attachment at once."""
    from intake.ui.recording.client import in_own_process

    folder, record_id = vault_and_record
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        store = RecordingStore(vault)

        class Desk:
            recording = store

        client = in_own_process(Desk())(record_id, None)
        client.start()
        qtbot.waitUntil(lambda: client.seconds > 2.0, timeout=10000)
        again = RecordingClient.attach(folder, store)
        assert again is not None and again.pid == client.pid
        client.detach()
        seconds = again.stop()
        assert seconds > 1.5 and store.pending() == []
        found = AttachmentService(vault).of_record(record_id)
    assert [a.kind for a in found] == ["audio"]
