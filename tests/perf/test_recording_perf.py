"""What recording costs (issue 19's budget: under 10 % of one core, under 30 MB per hour).

Speech made with espeak-ng (Korean, looped to SECONDS) is played into a private PulseAudio
daemon's virtual microphone (tests/pulse_server.py) and recorded by intake's Recorder in a
child process (tests/ui/recording_probe.py), at 48 and 16 kHz. Figures: the recording
process's CPU time while recording over the wall time (its share of one core: the Qt
event loop, reading, the level meter, encoding), and the encoded bytes per hour of audio.
The encoder alone on the same speech is timed too. Results in
tests/perf/results/recording.json.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile

from intake.ui.recording.opus_stream import OpusStream
from tests.pulse_server import RATE, private_pulse
from tests.ui.test_recording_capture import record

SECONDS = 60.0
RESULTS = Path(__file__).parent / "results"
TEXT = ("오늘은 러시아 건설 현장에서 일한 경험에 대해 여쭙겠습니다. 하루에 몇 시간 일하셨습니까? "
        "임금은 누가 받았고, 국가에 바친 몫은 얼마였습니까? 여권은 누가 가지고 있었습니까? ")


def _speech(seconds: float, rate: int) -> bytes:
    """espeak-ng speech, resampled to ``rate`` and looped to ``seconds``."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "--stdout", TEXT],
                         capture_output=True, timeout=60, check=True).stdout
    voice, voice_rate = soundfile.read(io.BytesIO(wav), dtype="float64")
    n = int(len(voice) * rate / voice_rate)
    resampled = np.interp(np.arange(n) * voice_rate / rate, np.arange(len(voice)), voice)
    looped = np.resize(resampled, int(seconds * rate))
    return (np.clip(looped, -1, 1) * 0.8 * 32767).astype("<i2").tobytes()


def test_recording_speech_costs_little_cpu_and_few_bytes(tmp_path: Path) -> None:
    figures: dict[str, object] = {"seconds": SECONDS}
    for rate in (48000, 16000):
        with private_pulse(tmp_path / f"pulse{rate}") as server:
            server.play(_speech(SECONDS + 15, RATE))
            time.sleep(0.5)
            result = record(server, SECONDS, "--rate", str(rate))
        audio_seconds = len(result["samples"]) / result["rate"]
        cpu_share = result["cpu"] / result["wall"]
        per_hour = len(result["ogg"]) / audio_seconds * 3600
        figures[f"capture_{rate}"] = {
            "cpu_share_of_one_core": round(cpu_share, 4),
            "mb_per_hour": round(per_hour / 1e6, 2),
            "audio_seconds": round(audio_seconds, 2), "wall_seconds": round(result["wall"], 2)}
        print(f"\nrecording at {rate} Hz: {cpu_share:.1%} of one core, "
              f"{per_hour / 1e6:.1f} MB per hour ({audio_seconds:.1f} s recorded)")
        pcm = _speech(SECONDS, rate)
        start = time.process_time()
        stream = OpusStream(rate)
        size = sum(len(stream.write(pcm[i:i + rate // 5])) for i in range(0, len(pcm), rate // 5))
        size += len(stream.close())
        encode = (time.process_time() - start) / SECONDS
        figures[f"encoder_only_{rate}"] = {"cpu_share_of_one_core": round(encode, 4),
                                           "mb_per_hour": round(size / SECONDS * 3.6e-3, 2)}
        print(f"encoder alone at {rate} Hz: {encode:.1%} of one core, "
              f"{size / SECONDS * 3.6e-3:.1f} MB per hour")
        assert per_hour < 30e6
        assert cpu_share < 0.10
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "recording.json").write_text(json.dumps(figures, indent=2) + "\n")
