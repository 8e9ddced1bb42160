"""The microphone, read by Qt Multimedia's ``QAudioSource`` and encoded as it is captured.

``Recorder`` reads 16-bit mono PCM from the chosen input (``QMediaDevices``), encodes it in
memory to Ogg/Opus (opus_stream.py) and hands the encoded bytes to a *spool*: any object
with ``write(bytes)`` and ``flush(offset_seconds)`` (the audio's position, for the spool's
records), such as the write-only ``RecordingWriter`` that ``RecordingStore.start`` returns;
this module never sees a key. ``stop()`` flushes; closing the spool (its last record) and
finishing it are the caller's (``writer.close(recorder.seconds)``, ``store.finish``).
Bytes go to the spool as soon as the encoder has them (about every 250 ms),
and ``flush()`` is called at least every ``flush_seconds`` (4 s: with the encoder's page
latency, a crash loses under 5 s). No file is opened: no ``QMediaRecorder``, no temporary
file; the only channel is the sound server's own (PulseAudio's socket and memfd pools),
which tests/ui/test_recording_capture.py checks with strace.

Reading. ``QAudioSource.start()`` returns the source's own ``QIODevice``, made in C++; a
timer on the GUI thread drains it every ``poll_ms`` (100 ms), so no Python runs on the
sound backend's threads (ui/records/audio_player.py explains why that matters); the source
keeps a second of audio, ten times the poll interval.

Signals: ``level(rms, peak)`` per poll, as fractions of full scale, for a meter;
``elapsed(seconds)`` of audio encoded (not wall time: a pause does not count, and markers
use the same clock, :attr:`Recorder.seconds`); ``state(name)``: "recording", "paused",
"stopped"; ``failed(message)``: translated, when the device stops with an error or delivers nothing
for ``STALL_SECONDS`` (the recording so far is kept: written and flushed).
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from intake.errors import IntakeError
from intake.i18n import N_
from intake.ui.recording.opus_stream import RATES, OpusStream
from intake.ui.records.audio_player import multimedia, settle_overrides

log = logging.getLogger(__name__)

FLUSH_SECONDS = 4.0
POLL_MS = 100
#: No audio for this long while recording means the device or the sound server is gone
#: (Qt reports nothing when PulseAudio dies: the source just stops delivering). Opening a
#: device takes up to about 2 s.
STALL_SECONDS = 6.0


class Spool(Protocol):
    """Where the encoded recording goes (the encrypted spool)."""

    def write(self, data: bytes) -> object: ...

    def flush(self, offset_seconds: float | None = None) -> object: ...


class RecordingUnavailable(IntakeError):
    template = N_("This computer cannot record sound: no sound system or microphone was found.")


class RecordingFailed(IntakeError):
    template = N_("The microphone stopped working. The recording so far is kept.")


def inputs() -> list[tuple[str, bytes]]:
    """The input devices, as (description, id); the default first. Empty without sound."""
    qt = multimedia()
    if qt is None:
        return []
    default = qt.QMediaDevices.defaultAudioInput()
    found = [(d.description(), bytes(d.id().data())) for d in qt.QMediaDevices.audioInputs()]
    found.sort(key=lambda item: item[1] != bytes(default.id().data()))
    return found


def _device(device_id: bytes | None) -> object:
    qt = multimedia()
    if qt is None:
        raise RecordingUnavailable()
    if device_id is not None:
        for device in qt.QMediaDevices.audioInputs():
            if bytes(device.id().data()) == device_id:
                return device
    device = qt.QMediaDevices.defaultAudioInput()
    if device.isNull():
        raise RecordingUnavailable()
    return device


class Recorder(QObject):
    level = Signal(float, float)
    elapsed = Signal(float)
    state = Signal(str)
    failed = Signal(str)

    def __init__(self, spool: Spool, device_id: bytes | None = None, rate: int = 48000,
                 flush_seconds: float = FLUSH_SECONDS, poll_ms: int = POLL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._spool = spool
        self._device_id = device_id
        self._rate = rate
        self._flush_seconds = flush_seconds
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._tick)
        self._source: object | None = None
        self._io: object | None = None
        self._encoder: OpusStream | None = None
        self._last_flush = 0.0
        self._last_audio = 0.0
        self._paused = False

    @property
    def seconds(self) -> float:
        """Seconds of audio recorded so far (the markers' clock)."""
        return self._encoder.seconds if self._encoder is not None else 0.0

    @property
    def active(self) -> bool:
        return self._source is not None

    @property
    def paused(self) -> bool:
        return self._paused

    def start(self) -> None:
        """Opens the device and starts recording; raises :class:`RecordingUnavailable`."""
        if self._source is not None:
            return
        qt = multimedia()
        device = _device(self._device_id)
        assert qt is not None
        fmt = qt.QAudioFormat()
        fmt.setChannelCount(1)
        fmt.setSampleFormat(qt.QAudioFormat.SampleFormat.Int16)
        for rate in (self._rate, *RATES):
            fmt.setSampleRate(rate)
            if device.isFormatSupported(fmt):  # type: ignore[attr-defined]
                break
        else:
            raise RecordingUnavailable()
        self._encoder = OpusStream(fmt.sampleRate())
        source = qt.QAudioSource(device, fmt, self)
        settle_overrides(source)
        source.setBufferSize(fmt.sampleRate() * 2)  # one second of 16-bit mono
        source.stateChanged.connect(self._source_state)
        self._source = source
        self._io = source.start()
        if self._io is None:
            self._source = None
            raise RecordingUnavailable()
        self._last_flush = self._last_audio = time.monotonic()
        self._paused = False
        self._timer.start()
        self.state.emit("recording")

    def pause(self) -> None:
        if self._source is None or self._paused:
            return
        self._drain()
        self._source.suspend()  # type: ignore[attr-defined]
        self._drain(discard=True)
        self._paused = True
        self._spool.flush(self.seconds)
        self.state.emit("paused")

    def resume(self) -> None:
        if self._source is None or not self._paused:
            return
        self._drain(discard=True)
        self._source.resume()  # type: ignore[attr-defined]
        self._last_audio = time.monotonic()
        self._paused = False
        self.state.emit("recording")

    def stop(self) -> float:
        """Ends the recording: the last bytes written and flushed; its length in seconds.
        Safe to call twice, and on lock."""
        if self._source is None or self._encoder is None:
            return self.seconds
        self._timer.stop()
        if not self._paused:
            self._drain()
        source, self._source, self._io = self._source, None, None
        source.stateChanged.disconnect(self._source_state)  # type: ignore[attr-defined]
        source.stop()  # type: ignore[attr-defined]
        tail = self._encoder.close()
        if tail:
            self._spool.write(tail)
        self._spool.flush(self._encoder.seconds)
        self._paused = False
        self.state.emit("stopped")
        source.deleteLater()  # type: ignore[attr-defined]
        return self._encoder.seconds

    def _drain(self, discard: bool = False) -> None:
        if self._io is None or self._encoder is None:
            return
        pcm = bytes(self._io.readAll().data())  # type: ignore[attr-defined]
        if pcm and not discard and not self._paused:
            self._last_audio = time.monotonic()
            encoded = self._encoder.write(pcm)
            if encoded:
                self._spool.write(encoded)
            samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2")
            if len(samples):
                scaled = samples.astype(np.float32) / 32768.0
                self.level.emit(float(np.sqrt(np.mean(scaled * scaled))),
                                float(np.max(np.abs(scaled))))
            self.elapsed.emit(self._encoder.seconds)

    def _tick(self) -> None:
        self._drain()
        now = time.monotonic()
        if now - self._last_flush >= self._flush_seconds:
            self._spool.flush(self.seconds)
            self._last_flush = now
        if not self._paused and now - self._last_audio > STALL_SECONDS:
            log.warning("recording device delivers nothing")
            self._fail()

    @Slot()
    def _source_state(self) -> None:
        """The source's state changed (its argument is not passed: PySide cannot convert
        ``QAudio::State`` for a method slot)."""
        source = self._source
        if source is None:
            return
        qt = multimedia()
        assert qt is not None
        fatal = (qt.QAudio.Error.OpenError, qt.QAudio.Error.IOError, qt.QAudio.Error.FatalError)
        if source.error() in fatal:  # type: ignore[attr-defined]
            log.warning("recording device error: %s", source.error())  # type: ignore[attr-defined]
            self._fail()

    def _fail(self) -> None:
        """The recording so far is written and flushed; the UI is told."""
        self.stop()
        self.failed.emit(RecordingFailed().message())
