"""Recording from a real sound server: a private PulseAudio whose microphone is fed a tone.

Each test starts its own ``pulseaudio`` (tests/pulse_server.py: a null sink ``feed`` whose
monitor, remapped as ``mic``, is the default input), plays known audio into it with
``pacat``, and records with intake's ``Recorder`` + ``OpusStream`` in a child process
(tests/ui/recording_probe.py explains why a child: Qt connects to the sound server once per
process). The recording comes back through a pipe and is decoded with soundfile.

- the tone is recorded: the right length, the spectrum's peak at the tone's frequency, the
  level meter near the tone's RMS, bytes handed to the spool at least every second and
  flushes at most ``--flush`` seconds apart; a control with silence shows no tone;
- pause and resume: the paused stretch is not in the recording;
- the sound server killed while recording: the recorder says so within STALL_SECONDS and
  the recording so far is flushed; without a server it says it cannot record;
- strace: while recording the process opens no file for writing, creates none, and writes
  no Ogg page anywhere; only the sound server's own memfd channel is created. The control
  (the probe told to keep a plaintext copy) is caught by the same scan.

In CI (.ci/run sets INTAKE_REQUIRE_RECORDING) a missing pulseaudio, pacat or strace fails
these tests; elsewhere they are skipped.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from intake.ui.recording.capture import STALL_SECONDS
from tests.pulse_server import PulseServer, private_pulse, require, tone

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "ui" / "recording_probe.py"
HERTZ = 1000.0
PROBE_TIMEOUT = 90
#: Qt prefers PipeWire where it runs (a desktop): the tests' private server is PulseAudio.
QT_ENV = {"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen",
          "QT_AUDIO_BACKEND": "pulseaudio"}


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[PulseServer]:
    with private_pulse(tmp_path / "pulse") as server:
        yield server


def record(server: PulseServer, seconds: float, *args: str, prefix: tuple[str, ...] = (),
           env: dict[str, str] | None = None) -> dict[str, Any]:
    """Runs the probe; its JSON result, with ``samples`` and ``rate`` decoded (when it
    recorded into memory, not into a vault)."""
    done = subprocess.run(
        [*prefix, sys.executable, str(PROBE), str(seconds), *args], cwd=ROOT,
        env={**server.env, **QT_ENV, **(env or {})},
        capture_output=True, timeout=PROBE_TIMEOUT)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.decode().splitlines()[-1])
    result["ogg"] = base64.b64decode(result["audio"])
    if not result["ogg"]:
        return result
    samples, rate = soundfile.read(io.BytesIO(result["ogg"]), dtype="float64")
    result["samples"], result["rate"] = samples, rate
    return result


def tone_strength(samples: np.ndarray, rate: int, hertz: float = HERTZ) -> tuple[float, float]:
    """The spectrum's peak frequency, and the energy near ``hertz`` against the median bin."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    near = spectrum[np.abs(freqs - hertz) < 10].max()
    return float(freqs[int(np.argmax(spectrum))]), float(near / (np.median(spectrum) + 1e-12))


def test_the_tone_is_recorded_encoded_and_flushed(pulse: PulseServer) -> None:
    pulse.play(tone(15, HERTZ))
    result = record(pulse, 4.0, "--flush", "2")
    samples, rate = result["samples"], result["rate"]
    assert result["failures"] == []
    assert result["states"] == ["recording", "stopped"]
    assert 4.0 <= len(samples) / rate <= 4.6
    assert result["seconds"] == pytest.approx(len(samples) / rate, abs=0.05)
    peak, ratio = tone_strength(samples, rate)
    assert abs(peak - HERTZ) < 5
    assert ratio > 1000
    rms = [level[0] for level in result["levels"][2:]]
    assert rms and min(rms) > 0.3 and max(rms) < 0.4  # 0.5 amplitude: RMS 0.354
    calls = result["calls"]
    writes = [t for t, kind, _n in calls if kind == "write"]
    flushes = [t for t, kind, _n in calls if kind == "flush"]
    # From the first audio (the device takes a moment to open): Ogg pages go out about every
    # 250 ms, and flushes come at most --flush 2 seconds apart (plus a poll).
    assert np.diff(writes).max() < 1.5
    assert np.diff([writes[0], *flushes]).max() < 3.0
    # Roughly 24 kbit/s: well under the 30 MB per hour of issue 19.
    assert len(result["ogg"]) / (len(samples) / rate) * 3600 < 20e6


def test_silence_shows_no_tone(pulse: PulseServer) -> None:
    """The control: the same recording with nothing played."""
    result = record(pulse, 3.0)
    samples, rate = result["samples"], result["rate"]
    assert 3.0 <= len(samples) / rate <= 3.6
    assert float(np.sqrt(np.mean(samples ** 2))) < 1e-3
    _peak, ratio = tone_strength(samples, rate)
    assert ratio < 100
    assert max(level[1] for level in result["levels"]) < 1e-3


def test_a_paused_stretch_is_not_recorded(pulse: PulseServer) -> None:
    pulse.play(tone(20, HERTZ))
    result = record(pulse, 3.0, "--pause", "1.5", "3.5")
    samples, rate = result["samples"], result["rate"]
    assert result["states"] == ["recording", "paused", "recording", "stopped"]
    assert 3.0 <= len(samples) / rate <= 3.6
    assert result["wall"] > 4.5  # two seconds of pause not counted
    assert abs(tone_strength(samples, rate)[0] - HERTZ) < 5


def test_a_dead_sound_server_ends_the_recording_and_keeps_it(pulse: PulseServer) -> None:
    """Qt reports nothing when PulseAudio dies; the recorder notices the silence of the
    device (STALL_SECONDS), says so, and what was recorded is written and flushed."""
    pulse.play(tone(60, HERTZ))
    killer = threading.Timer(4.0, pulse.daemon.kill)
    killer.start()
    try:
        result = record(pulse, 30.0)
    finally:
        killer.cancel()
    samples, rate = result["samples"], result["rate"]
    assert result["failures"] == [
        "The microphone stopped working. The recording so far is kept."]
    assert result["states"] == ["recording", "stopped"]
    assert result["wall"] < 4.0 + STALL_SECONDS + 5
    assert 0.5 < len(samples) / rate < 4.0
    assert result["calls"][-1][1] == "flush"
    assert abs(tone_strength(samples, rate)[0] - HERTZ) < 5


def test_without_a_sound_server_the_recorder_says_so(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(PROBE), "2"], cwd=ROOT, capture_output=True, timeout=PROBE_TIMEOUT,
        env={**os.environ, **QT_ENV, "PULSE_SERVER": f"unix:{tmp_path / 'nothing'}",
             "XDG_RUNTIME_DIR": str(tmp_path), "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    result = json.loads(done.stdout.decode().splitlines()[-1])
    assert result == {"error": "This computer cannot record sound: no sound system or "
                               "microphone was found."}


TRACED = "trace=openat,open,creat,memfd_create,mkdir,rename,unlink,truncate,write,pwrite64"


def _traced(server: PulseServer, folder: Path, *args: str) -> list[str]:
    require("strace")
    trace = folder / "strace.out"
    record(server, 3.0, *args,
           prefix=("strace", "-f", "-qq", "-s", "16", "-e", TRACED, "-o", str(trace)))
    return trace.read_text(errors="replace").splitlines()


def _findings(lines: list[str]) -> list[str]:
    """Every successful open for writing or creation, file created, and Ogg page written."""
    found = []
    for line in lines:
        if re.search(r"= -1 E", line):
            continue
        opened = re.search(r"open(at)?\(.*O_(WRONLY|RDWR|CREAT|TRUNC)", line)
        created = re.search(r"\b(creat|mkdir|rename|unlink|truncate)\(", line)
        if opened or created or re.search(r"\bp?write(64)?\(\d+, \"OggS", line):
            found.append(line)
        elif "memfd_create(" in line and 'memfd_create("pulseaudio"' not in line:
            found.append(line)
    return found


def test_no_file_is_written_while_recording(pulse: PulseServer, tmp_path: Path) -> None:
    lines = _traced(pulse, tmp_path)
    assert any("memfd_create(" in line or "openat(" in line for line in lines)  # traced
    assert _findings(lines) == []


def test_the_trace_catches_a_plaintext_copy(pulse: PulseServer, tmp_path: Path) -> None:
    """Positive control: the probe keeping a copy on disk is seen by the same scan."""
    copy = tmp_path / "careless.ogg"
    lines = _traced(pulse, tmp_path, "--plaintext-copy", str(copy))
    found = _findings(lines)
    assert any(str(copy) in line for line in found)
    assert any('"OggS' in line for line in found)
    assert copy.read_bytes().startswith(b"OggS")
