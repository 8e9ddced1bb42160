"""Playing an audio attachment from memory (never from a temporary file).

The decrypted recording lives in a ``QByteArray`` behind a read-only ``QBuffer`` handed to
``QMediaPlayer.setSourceDevice``: Qt's FFmpeg backend reads it through its own I/O
callbacks, so nothing is written to disk and no file is opened (the URL given with the
device is only a hint of the format; checked with strace). Closing the player stops it,
detaches the buffer and overwrites the bytes Qt holds.

Two things keep the recording's own words off the terminal and out of logs: FFmpeg prints a
file's metadata (title, artist, comment: often the interviewer's notes) when it opens it,
and Qt forwards that through its ``qt.multimedia`` logging categories, which are switched
off before the module is first imported.

Qt Multimedia needs the system's PulseAudio client library (``libpulse.so.0``; package
``libpulse0`` on Debian, present on any desktop with sound). Without it the import fails,
and the app says so instead of playing; everything else works.

No Python on the backend's threads, and no GIL held while waiting for them. Qt's FFmpeg
backend works on its own threads (a pooled loader, demuxer, decoders, audio renderer). A
C++ virtual that one of them calls on an object *created from Python* runs PySide's
wrapper, which takes the GIL (the first time, per object and method) to look for a Python
override. Two objects were reached that way: the ``QBuffer`` (its ``readData``, ``size``,
``seek``, ``atEnd``... from the loader) and the ``QAudioOutput`` (its ``disconnectNotify``,
from ``~QObject`` of the audio renderer, deleted on its own thread after a seek or a stop,
with Qt's signal-slot mutex held). The suite once hung for good on exactly that: the GUI
thread, holding the GIL because Python had called ``click()``, ran ``QMediaPlayer.stop()``,
which waited for the mutex; the renderer's thread held the mutex and waited for the GIL. So:

- the recording is read through the ``QBuffer`` that ``QDataStream`` creates in C++: no
  PySide wrapper class, so nothing a backend thread calls on it asks for the GIL;
- the ``QMediaPlayer`` and ``QAudioOutput`` can only be made from Python: right after
  construction ``connectNotify`` and ``disconnectNotify`` run once on the GUI thread, where
  PySide finds no override and remembers it, so a backend thread calling them later does
  not take the GIL;
- every call that can wait for the backend (play, pause, stop, seek, detaching the source)
  goes through ``QMetaObject.invokeMethod``, which releases the GIL for the call, or through
  a queued connection that the event loop runs without it: the Stop button and the slider
  reach the player's C++ slots, never a Python function that holds the GIL;
- the player's signals reach bound methods of this dialog (no lambdas), so they run on the
  GUI thread whichever thread emits.

tests/perf/test_audio_player_loop.py shows it: the player tests run 200 times with both
cores busy, without a hang; where gdb is installed, it also counts the backend threads'
GIL acquisitions during play, pause, seek, stop and close: none.
"""

from __future__ import annotations

import logging
from types import ModuleType
from typing import cast

from PySide6.QtCore import (
    Q_ARG,
    QBuffer,
    QByteArray,
    QDataStream,
    QLoggingCategory,
    QMetaObject,
    QObject,
    Qt,
    QUrl,
)
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from intake.errors import IntakeError
from intake.i18n import N_, _
from intake.ui.kit.theme import icon

log = logging.getLogger(__name__)

#: FFmpeg's format dump (a file's metadata) and Qt's own multimedia chatter.
SILENCED = "qt.multimedia*=false\nqt.multimedia.*=false"

#: The format hint given with the in-memory device, by media type.
SUFFIXES = {
    "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wav": "wav", "audio/x-wav": "wav",
    "audio/wave": "wav", "audio/ogg": "ogg", "audio/opus": "opus", "audio/flac": "flac",
    "audio/x-flac": "flac", "audio/mp4": "m4a", "audio/x-m4a": "m4a", "audio/aac": "aac",
    "audio/amr": "amr", "audio/3gpp": "3gp", "audio/webm": "webm", "video/mp4": "mp4",
    "video/3gpp": "3gp",
}

_loaded: ModuleType | None = None
_failed = False


def multimedia() -> ModuleType | None:
    """``PySide6.QtMultimedia``, or ``None`` when this computer cannot load it."""
    global _loaded, _failed
    if _loaded is None and not _failed:
        QLoggingCategory.setFilterRules(SILENCED)
        try:
            from PySide6 import QtMultimedia
        except (ImportError, OSError) as error:  # libpulse.so.0 missing
            log.warning("audio playback unavailable: %s", type(error).__name__)
            _failed = True
        else:
            _loaded = QtMultimedia
    return _loaded


def _nothing() -> None:
    """A slot for :func:`settle_overrides` to connect and disconnect."""


def settle_overrides(obj: QObject) -> None:
    """Connect to and disconnect from ``obj`` once, here on the GUI thread, so PySide has
    looked up (and found no) Python ``connectNotify``/``disconnectNotify`` before a backend
    thread calls them; later calls then need no GIL (see the module's docstring)."""
    obj.objectNameChanged.connect(_nothing)
    obj.objectNameChanged.disconnect(_nothing)


def clock(ms: int) -> str:
    seconds = max(0, ms) // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


class AudioPlayer(QDialog):
    """Play, pause, stop and seek one recording held in memory."""

    def __init__(self, data: bytes, media_type: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        qt = multimedia()
        if qt is None:
            raise PlaybackUnavailable()
        self.setObjectName("audio_player")
        self.setWindowTitle(_("Recording"))
        self._bytes = QByteArray(data)
        # Read-only, opened, sharing _bytes; the QBuffer is Qt's, the stream keeps it.
        self._stream = QDataStream(self._bytes)
        self._buffer = cast(QBuffer, self._stream.device())
        self.player = qt.QMediaPlayer(self)
        self.output = qt.QAudioOutput(self)
        settle_overrides(self.player)
        settle_overrides(self.output)
        self.player.setAudioOutput(self.output)
        queued = Qt.ConnectionType.QueuedConnection
        self.play_button = QPushButton(self)
        self.play_button.setObjectName("audio_play")
        self.play_button.clicked.connect(self.toggle)
        self.stop_button = QPushButton(icon("square"), "", self)
        self.stop_button.setObjectName("audio_stop")
        self.stop_button.clicked.connect(self.player.stop, queued)
        self.position = QSlider(Qt.Orientation.Horizontal, self)
        self.position.setObjectName("audio_position")
        self.position.sliderMoved.connect(self.player.setPosition, queued)
        self.time = QLabel(self)
        self.time.setObjectName("audio_time")
        self.message = QLabel(self)
        self.message.setObjectName("audio_message")
        self.message.setWordWrap(True)
        self.player.durationChanged.connect(self._duration)
        self.player.positionChanged.connect(self._position)
        self.player.playbackStateChanged.connect(self._state)
        self.player.errorOccurred.connect(self._error)
        row = QHBoxLayout()
        row.addWidget(self.play_button)
        row.addWidget(self.stop_button)
        row.addWidget(self.position, 1)
        row.addWidget(self.time)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.has_sound_device = bool(qt.QMediaDevices.audioOutputs())
        self.retranslate()
        suffix = SUFFIXES.get(media_type, "bin")
        self.player.setSourceDevice(self._buffer, QUrl(f"recording.{suffix}"))
        self.resize(480, 120)

    def retranslate(self) -> None:
        playing = self.player.playbackState() == self.player.PlaybackState.PlayingState
        self.play_button.setText(_("Pause") if playing else _("Play"))
        self.play_button.setIcon(icon("pause" if playing else "play"))
        self.stop_button.setText(_("Stop"))
        self.position.setAccessibleName(_("Position in the recording"))
        if not self.has_sound_device and not self.message.text():
            self.message.setText(_("No sound device was found on this computer: the "
                                   "recording plays, but cannot be heard."))
        self._position(self.player.position())

    def play(self) -> None:
        self._call("play")

    def toggle(self) -> None:
        playing = self.player.playbackState() == self.player.PlaybackState.PlayingState
        self._call("pause" if playing else "play")

    def _call(self, slot: str, *args: object) -> None:
        """Run the player's ``slot`` now, on this thread, with the GIL released for the
        call (PySide's ``invokeMethod`` does that): see the module's docstring."""
        QMetaObject.invokeMethod(self.player, slot, Qt.ConnectionType.DirectConnection,
                                 *args)  # type: ignore[call-overload]

    def _state(self, _state: object) -> None:
        self.retranslate()

    def _duration(self, ms: int) -> None:
        self.position.setRange(0, max(0, ms))
        self._position(self.player.position())

    def _position(self, ms: int) -> None:
        if not self.position.isSliderDown():
            self.position.setValue(ms)
        self.time.setText(f"{clock(ms)} / {clock(self.player.duration())}")

    def _error(self, _error: object, _text: str = "") -> None:
        # Qt's text may name the format or the metadata: the user gets ours only.
        self.message.setText(_("This recording cannot be played (its format is not "
                               "supported or the file is damaged)."))

    def release(self) -> None:
        """Stop, detach the in-memory recording and overwrite it."""
        self._call("stop")
        self._call("setSource", Q_ARG(QUrl, QUrl()))
        self._buffer.close()
        self._buffer.setData(QByteArray())
        self._bytes.fill(0)
        self._bytes.clear()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.release()
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.release()
        super().done(result)


class PlaybackUnavailable(IntakeError):
    """Qt Multimedia cannot be loaded here (the system's sound library is missing)."""

    template = N_("Recordings cannot be played on this computer: the system's sound "
                  "library (PulseAudio, package libpulse0) is missing. Ask whoever looks "
                  "after the computer to install it.")
