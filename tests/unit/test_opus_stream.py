"""OpusStream: PCM to Ogg/Opus in memory, handed out in pieces that decode as they come."""

from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile

from intake.ui.recording.opus_stream import OpusStream, _ForwardOnly, _level_for


def _speechlike(seconds: float, rate: int) -> bytes:
    """A tone gliding 150 to 400 Hz with syllable-like bursts and a little noise."""
    t = np.arange(int(seconds * rate)) / rate
    pitch = 150 + 250 * (0.5 + 0.5 * np.sin(2 * np.pi * 0.3 * t))
    envelope = np.clip(np.sin(2 * np.pi * 3 * t), 0, None)
    noise = np.random.default_rng(7).standard_normal(len(t))
    wave = 0.4 * envelope * np.sin(2 * np.pi * np.cumsum(pitch) / rate) + 0.01 * noise
    return (wave * 32767).astype("<i2").tobytes()


def _decode(data: bytes) -> tuple[np.ndarray, int]:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float64")
    return samples, rate


@pytest.mark.parametrize("rate", [16000, 48000])
def test_pieces_concatenate_to_the_whole_recording(rate: int) -> None:
    pcm = _speechlike(10, rate)
    stream = OpusStream(rate)
    pieces = [stream.write(pcm[i:i + 3333]) for i in range(0, len(pcm), 3333)]  # odd sizes
    pieces.append(stream.close())
    assert sum(1 for piece in pieces if piece) > 20  # streamed, not all at the end
    samples, decoded_rate = _decode(b"".join(pieces))
    assert decoded_rate == rate
    assert len(samples) / rate == pytest.approx(10.0, abs=0.01)
    assert stream.seconds == pytest.approx(10.0, abs=0.01)
    # the content survives: correlation with the original (Opus keeps the waveform close)
    original = np.frombuffer(pcm, dtype="<i2") / 32768.0
    n = min(len(original), len(samples))
    lag = int(np.argmax(np.correlate(samples[:rate], original[:rate], "full"))) - rate + 1
    aligned = samples[max(lag, 0):n] if lag >= 0 else samples[:n]
    corr = np.corrcoef(aligned[: n - abs(lag)], original[: n - abs(lag)])[0, 1]
    assert corr > 0.9


def test_a_prefix_cut_after_a_piece_decodes_nearly_to_its_point() -> None:
    """What a crash leaves: everything handed out so far decodes, missing under 0.5 s."""
    rate = 48000
    pcm = _speechlike(6, rate)
    stream = OpusStream(rate)
    handed = stream.write(pcm)
    assert stream.page_latency_ms == 250.0
    samples, _rate = _decode(handed)
    assert 5.5 < len(samples) / rate <= 6.0


def test_speech_fits_the_budget() -> None:
    rate = 48000
    stream = OpusStream(rate)
    data = stream.write(_speechlike(20, rate)) + stream.close()
    per_hour = len(data) / 20 * 3600
    assert 5e6 < per_hour < 15e6  # about 24 kbit/s: 11 MB per hour (budget: 30)


def test_the_encoder_file_refuses_to_go_back() -> None:
    sink = _ForwardOnly()
    sink.write(b"abc")
    assert sink.seek(0, io.SEEK_END) == 3
    with pytest.raises(OSError):
        sink.seek(0)
    assert sink.take() == b"abc" and sink.take() == b""


def test_compression_level_maps_bit_rates() -> None:
    assert _level_for(256_000) == 0.0
    assert _level_for(6_000) == 1.0
    assert _level_for(24_000) == pytest.approx(0.928)


def test_other_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        OpusStream(44100)
