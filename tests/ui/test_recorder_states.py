"""The Recorder's states with pytest-qt, its sound source replaced by a fake (no server).

The real source is tested against a PulseAudio daemon in test_recording_capture.py (in a
child process); here the same Recorder runs in the test's own event loop with a fake
``QAudioSource`` whose buffer the test fills: pause drops what arrives while paused, resume
goes on, stop flushes once and a second stop does nothing, flushes carry the audio
position, the level meter reads the samples, and a source that goes silent ends the
recording with a message.
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import soundfile
from PySide6.QtCore import QByteArray, QObject, Signal
from pytestqt.qtbot import QtBot

from intake.ui.recording import capture

RATE = 16000


class FakeSource(QObject):
    stateChanged = Signal(object)
    made: list[FakeSource] = []

    def __init__(self, _device: object, fmt: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rate = fmt.sampleRate()
        self.buffer = bytearray()
        self.calls: list[str] = []
        FakeSource.made.append(self)

    def setBufferSize(self, _size: int) -> None:
        pass

    def start(self) -> FakeSource:
        self.calls.append("start")
        return self

    def readAll(self) -> QByteArray:
        data, self.buffer = bytes(self.buffer), bytearray()
        return QByteArray(data)

    def suspend(self) -> None:
        self.calls.append("suspend")

    def resume(self) -> None:
        self.calls.append("resume")

    def stop(self) -> None:
        self.calls.append("stop")

    def error(self) -> int:
        return 0


class FakeFormat:
    SampleFormat = SimpleNamespace(Int16="Int16")

    def __init__(self) -> None:
        self.rate = 0

    def setChannelCount(self, _n: int) -> None:
        pass

    def setSampleFormat(self, _f: object) -> None:
        pass

    def setSampleRate(self, rate: int) -> None:
        self.rate = rate

    def sampleRate(self) -> int:
        return self.rate


DEVICE = SimpleNamespace(isNull=lambda: False, isFormatSupported=lambda _f: True,
                         id=lambda: QByteArray(b"fake"), description=lambda: "Fake")
FAKE_QT = SimpleNamespace(
    QAudioSource=FakeSource, QAudioFormat=FakeFormat,
    QMediaDevices=SimpleNamespace(defaultAudioInput=lambda: DEVICE, audioInputs=lambda: [DEVICE]),
    QAudio=SimpleNamespace(Error=SimpleNamespace(OpenError=1, IOError=2, FatalError=4)))


class Spool:
    def __init__(self) -> None:
        self.data = bytearray()
        self.flushes: list[float | None] = []

    def write(self, data: bytes) -> None:
        self.data += data

    def flush(self, offset_seconds: float | None = None) -> None:
        self.flushes.append(offset_seconds)


@pytest.fixture(autouse=True)
def fake_multimedia(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeSource.made.clear()
    monkeypatch.setattr(capture, "multimedia", lambda: FAKE_QT)


def _tone(seconds: float, amplitude: float = 0.5) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * 440 * t) * 32767).astype("<i2").tobytes()


def test_pause_resume_stop(qtbot: QtBot) -> None:
    spool = Spool()
    recorder = capture.Recorder(spool, rate=RATE, flush_seconds=0.3, poll_ms=20)
    states: list[str] = []
    levels: list[tuple[float, float]] = []
    recorder.state.connect(states.append)
    recorder.level.connect(lambda rms, peak: levels.append((rms, peak)))
    recorder.start()
    source = FakeSource.made[-1]
    source.buffer += _tone(1.0)
    qtbot.waitUntil(lambda: recorder.seconds >= 1.0, timeout=5000)
    qtbot.waitUntil(lambda: len(spool.flushes) >= 1, timeout=5000)
    recorder.pause()
    assert recorder.paused and spool.flushes[-1] == pytest.approx(1.0)
    source.buffer += _tone(2.0)  # arrives while paused (a source's last buffer): dropped
    qtbot.wait(200)
    recorder.resume()
    assert recorder.seconds == pytest.approx(1.0)
    source.buffer += _tone(0.5)
    qtbot.waitUntil(lambda: recorder.seconds >= 1.5, timeout=5000)
    assert recorder.stop() == pytest.approx(1.5)
    flushes = len(spool.flushes)
    assert recorder.stop() == pytest.approx(1.5) and len(spool.flushes) == flushes
    assert states == ["recording", "paused", "recording", "stopped"]
    assert source.calls == ["start", "suspend", "resume", "stop"]
    assert spool.flushes[-1] == pytest.approx(1.5)
    samples, rate = soundfile.read(io.BytesIO(bytes(spool.data)))
    assert rate == RATE and len(samples) / rate == pytest.approx(1.5, abs=0.01)
    assert levels and all(0.34 < rms < 0.37 and 0.49 < peak < 0.51 for rms, peak in levels)


def test_a_silent_source_ends_the_recording_with_a_message(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(capture, "STALL_SECONDS", 0.3)
    spool = Spool()
    recorder = capture.Recorder(spool, rate=RATE, poll_ms=20)
    recorder.start()
    FakeSource.made[-1].buffer += _tone(0.5)
    with qtbot.waitSignal(recorder.failed, timeout=5000) as failed:
        pass
    assert failed.args == ["The microphone stopped working. The recording so far is kept."]
    assert not recorder.active and spool.flushes[-1] == pytest.approx(0.5)
    samples, rate = soundfile.read(io.BytesIO(bytes(spool.data)))
    assert len(samples) / rate == pytest.approx(0.5, abs=0.01)


def test_inputs_lists_the_default_first() -> None:
    assert capture.inputs() == [("Fake", b"fake")]
