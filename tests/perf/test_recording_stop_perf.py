"""From Stop to the recording listed (issue 19's `make bench` figure), and what it grows with.

1. **The GUI path, as the interviewer does it:** the window (KDF as the app calibrates it
   for the unlock; the finish itself uses no KDF), a testimony with consent, Start
   recording in its own process through a private PulseAudio server's virtual microphone
   fed with a tone, SECONDS of recording, then a click on Stop, timed until the
   attachments panel lists one more file. Several runs; median and worst.
2. **Length:** the finish re-seals the spool (each minute's segment opened with the
   recording private key) into an ordinary attachment, so it grows with the recording. A
   two-hour spool of the encoder's size (24 kbit/s: 21.6 MB) is written through the
   spool writer with random bytes in place of audio (the finish does not decode) and
   finished in-process (labelled in-process: no window).
3. **Raw anchor, same run:** AES-256-GCM decrypt then encrypt of the same bytes in the same
   64 KiB chunks with `cryptography` alone, plus an fsync: what any re-sealing costs.

Results in tests/perf/results/recording_stop.json.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from intake.app import build as build_gui
from intake.paths import app_paths
from intake.services.recording_store import RecordingStore
from intake.ui.kit.dialogs import Dialogs
from intake.ui.records.workspace import Workspace
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.pulse_server import PulseServer, recorders_sound, tone
from tests.recording_vault import audio_consent_record
from tests.ui.conftest import screen, wait_for_tasks
from tests.ui.helpers import submit_unlock

pytestmark = [pytest.mark.perf, pytest.mark.timeout(900)]

RESULTS = Path(__file__).parent / "results"
SECONDS = 20.0
RUNS = 3
HOURS = 2.0
BYTES_PER_SECOND = 3000  # Opus at 24 kbit/s (intake/ui/recording/opus_stream.py)
CHUNK = 64 * 1024


@pytest.fixture
def sound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PulseServer]:
    feed = tone(RUNS * (SECONDS + 10) + 30, 1000.0)
    with recorders_sound(tmp_path / "pulse", monkeypatch, feed) as server:
        yield server


def _stop_to_listed(qtbot: QtBot, workspace: Workspace, record_id: str) -> float:
    workspace.open_record(record_id)
    bar, files = workspace.recording_bar, workspace.attachments_panel
    assert bar is not None and files is not None
    qtbot.waitUntil(lambda: files.list.count() >= 0, timeout=5_000)
    qtbot.wait(500)
    before = files.list.count()
    qtbot.mouseClick(bar.record_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bar.state_name == "recording", timeout=30_000)
    qtbot.wait(int(SECONDS * 1000))
    start = time.perf_counter()
    qtbot.mouseClick(bar.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: files.list.count() > before, timeout=60_000)
    elapsed = time.perf_counter() - start
    workspace.back_to_list()
    return elapsed


def _gui_figures(qapp: QApplication, qtbot: QtBot, tmp_path: Path) -> dict[str, Any]:
    env = {"INTAKE_HOME": str(tmp_path / "home"), "LANG": "en_US.UTF-8"}
    folder = app_paths(env).default_vault
    policy = KdfPolicy()  # calibrated on this machine, as a real vault is
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        record_id = audio_consent_record(vault)
    gui = build_gui(qapp, env, policy, Dialogs())
    qtbot.addWidget(gui.window)
    gui.window.show()
    qtbot.waitExposed(gui.window)
    try:
        submit_unlock(qtbot, gui)
        workspace = screen(gui.window)
        assert isinstance(workspace, Workspace)
        times = [_stop_to_listed(qtbot, workspace, record_id) for _ in range(RUNS)]
    finally:
        gui.window.tasks.wait_all()
        wait_for_tasks(qtbot, gui.window)
        gui.window.close()
        gui.session.lock()
        shutil.rmtree(tmp_path / "home", ignore_errors=True)
    return {"recorded_seconds": SECONDS, "runs": RUNS,
            "stop_to_listed_median_s": round(statistics.median(times), 3),
            "stop_to_listed_max_s": round(max(times), 3)}


def _long_spool(folder: Path, hours: float) -> tuple[float, float, int]:
    """A spool of ``hours`` written as the recorder does (a record every 4 s, a new
    segment key every minute), then finished in-process: (write s, finish s, bytes)."""
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    with vault:
        record_id = audio_consent_record(vault)
        store = RecordingStore(vault)
        step, total = 4.0, hours * 3600
        written = 0
        start = time.perf_counter()
        writer = store.start(record_id)
        offset = 0.0
        while offset < total:
            writer.write(os.urandom(int(BYTES_PER_SECOND * step)))
            written += int(BYTES_PER_SECOND * step)
            offset += step
            if int(offset) % 60 == 0:
                writer.mark(offset, "section:wages")
            writer.flush(offset)
        writer.close(offset)
        wrote = time.perf_counter() - start
        [spool] = store.pending()
        start = time.perf_counter()
        store.finish(spool)
        finished = time.perf_counter() - start
    return wrote, finished, written


def _anchor(size: int, folder: Path) -> float:
    """AES-256-GCM open + seal of ``size`` bytes in 64 KiB chunks, written and fsynced."""
    old, new = AESGCM(AESGCM.generate_key(256)), AESGCM(AESGCM.generate_key(256))
    nonce = bytes(12)
    sealed = [old.encrypt(nonce, os.urandom(min(CHUNK, size - i)), None)
              for i in range(0, size, CHUNK)]
    start = time.perf_counter()
    with open(folder / "anchor.bin", "wb") as out:
        for chunk in sealed:
            out.write(new.encrypt(nonce, old.decrypt(nonce, chunk, None), None))
        out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - start


def test_stop_to_listed(qapp: QApplication, qtbot: QtBot, sound: PulseServer,
                        tmp_path: Path) -> None:
    figures: dict[str, Any] = {"gui": _gui_figures(qapp, qtbot, tmp_path)}
    wrote, finished, size = _long_spool(tmp_path / "long", HOURS)
    anchor = _anchor(size, tmp_path)
    figures["two_hours_in_process"] = {
        "bytes": size, "write_s": round(wrote, 2), "finish_s": round(finished, 2),
        "raw_aes_gcm_reseal_anchor_s": round(anchor, 2),
        "finish_over_anchor": round(finished / anchor, 2)}
    print(f"\nStop → listed after {SECONDS:.0f} s (GUI, {RUNS} runs): median "
          f"{figures['gui']['stop_to_listed_median_s']} s, worst "
          f"{figures['gui']['stop_to_listed_max_s']} s")
    print(f"two hours ({size / 1e6:.1f} MB): finish {finished:.2f} s in-process; raw "
          f"AES-GCM re-seal anchor {anchor:.2f} s ({finished / anchor:.1f}×)")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "recording_stop.json").write_text(json.dumps(figures, indent=2) + "\n")
