"""Playing a recording attached to a testimony from memory: the player loads the
decrypted bytes through a QBuffer, plays, pauses, seeks and stops; a damaged recording and
a computer without Qt Multimedia each get one clear message; closing the player releases
the recording; FFmpeg's dump of the file's metadata never reaches the terminal.

Playback needs Qt Multimedia, which needs the system's libpulse.so.0 (``.ci/run`` installs
it); without it the tests that play are skipped and the "cannot play here" path is tested
on its own.
"""

from __future__ import annotations

import io
import math
import os
import struct
import subprocess
import sys
import wave
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QBuffer, QByteArray
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.ui.records import audio_player
from intake.ui.records.attachments_panel import AttachmentsPanel
from intake.ui.records.audio_player import AudioPlayer, PlaybackUnavailable
from tests.ui.conftest import wait_for_tasks
from tests.ui.helpers import unlock
from tests.ui.test_attachments_panel import seeded

SENTINEL = "AUDIOSENTINEL김순희"

needs_multimedia = pytest.mark.skipif(
    audio_player.multimedia() is None,
    reason="Qt Multimedia cannot load here (libpulse.so.0 missing)")


def wav(seconds: float = 0.6, title: str = SENTINEL) -> bytes:
    """A mono 8 kHz WAV whose INFO title (metadata FFmpeg would print) is ``title``."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"".join(struct.pack("<h", int(6000 * math.sin(i / 5)))
                                 for i in range(int(8000 * seconds))))
    data = bytearray(buffer.getvalue())
    name = title.encode() + b"\0"
    name += b"\0" * (len(name) % 2)
    info = b"INFO" + b"INAM" + struct.pack("<I", len(name)) + name
    data += b"LIST" + struct.pack("<I", len(info)) + info
    struct.pack_into("<I", data, 4, len(data) - 8)
    return bytes(data)


@needs_multimedia
def test_play_pause_seek_and_release(qtbot: QtBot) -> None:
    player = AudioPlayer(wav(1.0), "audio/x-wav")
    qtbot.addWidget(player)
    player.show()
    qtbot.waitUntil(lambda: player.player.duration() == 1000, timeout=5000)
    assert player.time.text() == "0:00 / 0:01"
    player.play_button.click()
    states = player.player.PlaybackState
    qtbot.waitUntil(lambda: player.player.playbackState() == states.PlayingState)
    assert player.play_button.text() == "Pause"
    player.play_button.click()
    qtbot.waitUntil(lambda: player.player.playbackState() == states.PausedState)
    player.position.sliderMoved.emit(500)
    qtbot.waitUntil(lambda: abs(player.player.position() - 500) < 100, timeout=3000)
    player.stop_button.click()
    qtbot.waitUntil(lambda: player.player.playbackState() == states.StoppedState)
    player.close()
    assert player._buffer.data() == QByteArray() and player._bytes.isEmpty()


@needs_multimedia
def test_the_backend_reads_a_buffer_made_by_qt(qtbot: QtBot) -> None:
    """Qt's playback threads call the buffer's virtuals (readData, size, seek...): made by
    Qt rather than as PySide's wrapper class, it never makes them wait for the GIL (the
    deadlock intake/ui/records/audio_player.py describes)."""
    player = AudioPlayer(wav(), "audio/x-wav")
    qtbot.addWidget(player)
    assert not shiboken6.createdByPython(player._buffer)
    assert shiboken6.createdByPython(QBuffer())  # the control: a buffer made in Python
    player.close()


@needs_multimedia
def test_a_damaged_recording_gets_one_message(qtbot: QtBot) -> None:
    player = AudioPlayer(b"RIFF\0\0\0\0WAVEnot a recording at all" * 10, "audio/x-wav")
    qtbot.addWidget(player)
    player.play()
    qtbot.waitUntil(lambda: "cannot be played" in player.message.text(), timeout=5000)
    player.close()


def attached_recording(qtbot: QtBot, gui: Gui, vault_folder: Path, field: Path,
                       delete_original: bool) -> AttachmentsPanel:
    """Unlock, open a testimony that consented to recordings and attach a WAV from
    ``field`` through the panel (the original deleted or kept as asked); the panel."""
    record_id = seeded(vault_folder, **{"consent.audio_recording": True})
    window = gui.window
    workspace = unlock(qtbot, gui)
    workspace.open_record(record_id)
    panel = workspace.attachments_panel
    assert panel is not None
    field.mkdir()
    source = field / "interview.wav"
    source.write_bytes(wav())
    panel.choose = lambda *_a, **_k: source
    window.dialogs.set_next_answer(delete_original)
    panel.buttons["audio"].click()
    wait_for_tasks(qtbot, window)
    assert panel.list.count() == 1 and source.exists() is not delete_original
    panel.list.setCurrentRow(0)
    return panel


@needs_multimedia
def test_the_panel_plays_a_recording_from_memory(qtbot: QtBot, locked_gui: Gui,
                                                 tmp_path: Path,
                                                 existing_vault: tuple[Path, str]) -> None:
    field = tmp_path / "field"
    panel = attached_recording(qtbot, locked_gui, existing_vault[0], field,
                               delete_original=True)
    assert panel.show_button.isEnabled() and panel.show_button.text() == "Play"
    panel.show_button.click()
    dialog = panel.audio_dialog
    qtbot.waitUntil(lambda: dialog.player.duration() == 600, timeout=5000)
    assert dialog.isVisible()
    dialog.close()
    assert not list(field.iterdir())  # nothing written next to the original


def test_without_qt_multimedia_the_panel_says_so(qtbot: QtBot, locked_gui: Gui,
                                                 tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 existing_vault: tuple[Path, str]) -> None:
    panel = attached_recording(qtbot, locked_gui, existing_vault[0], tmp_path / "field",
                               delete_original=False)
    monkeypatch.setattr(audio_player, "multimedia", lambda: None)
    panel.show_button.click()
    assert panel.message.text() == PlaybackUnavailable().message()
    assert getattr(panel, "audio_dialog", None) is None


PLAY = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from intake.ui.records.audio_player import AudioPlayer
from tests.ui.test_audio_player import wav
player = AudioPlayer(wav(0.3), "audio/x-wav")
player.player.mediaStatusChanged.connect(
    lambda status: app.quit() if status == player.player.MediaStatus.EndOfMedia else None)
player.play()
app.exec()
print("played", player.player.duration())
player.close()
"""


@needs_multimedia
def test_the_recordings_metadata_never_reaches_the_terminal() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("QT_LOGGING_RULES", None)
    done = subprocess.run([sys.executable, "-c", PLAY], capture_output=True, env=env,
                          cwd=Path(__file__).parents[2], timeout=60)
    out = done.stdout + done.stderr
    assert b"played 300" in done.stdout, out
    for form in (SENTINEL.encode(), b"AUDIOSENTINEL", "김순희".encode()):
        assert form not in out
