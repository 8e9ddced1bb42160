"""PCM encoded in memory to Ogg/Opus, handed out in pieces: no file is ever created.

The codec. Opus is made for speech; at 24 kbit/s mono it keeps a voice clear (wideband and
better) in about 11 MB per hour, under the 30 MB budget of issue 19. FLAC of 16-bit mono
speech is lossless but five to ten times larger (100 to 300 MB per hour at 16 to 48 kHz):
over budget. Ogg/Vorbis is not made for speech at low rates.

The library. ``soundfile`` (pinned in pyproject.toml, 0.14.0) wraps libsndfile, and its
manylinux, macOS and Windows wheels carry libsndfile 1.2.2 built with libogg and libopus: no
system library, nothing compiled here. libsndfile's *virtual I/O* calls back into Python for
every write, seek and tell, so the Ogg pages go to :class:`_ForwardOnly` in memory and from
there to the caller (the encrypted spool); libsndfile opens no path. Checked with this
version: when writing Ogg/Opus it only asks for the length and seeks to 0 at open, then
writes forward (``_ForwardOnly`` refuses any seek backwards, so a later version that
rewrote a header would fail loudly rather than need a whole file in memory).

Bit rate. libsndfile maps ``compression_level`` linearly onto Opus bit rates, 0.0 to
256 kbit/s and 1.0 to 6 kbit/s (measured with 10 s of tone; ``_level_for``).

Latency of pages. libsndfile keeps Opus packets until an Ogg page holds a second of audio
(its default), and ``sf_write_sync`` does not force a page out, so bytes handed out at a
flush would miss up to the last second. ``SFC_SET_OGG_PAGE_LATENCY_MS`` (0x1302, libsndfile
1.2; not in soundfile's own declarations, so called through its ``sf_command`` binding) sets
250 ms: a crash then loses the spool's flush interval plus at most 250 ms, for about 2 %
more bytes (the Ogg page headers). If the call is refused, the default second applies and
:attr:`OpusStream.page_latency_ms` says so.

Measured on this 2-core machine with a minute of espeak-ng Korean speech
(tests/perf/test_recording_perf.py, results/recording.json): the encoder alone costs 4.0 %
of one core at 48 kHz and 3.2 % at 16 kHz; the whole recording process while recording
(Qt's loop, reading, the level meter, encoding) 6.0 % and 5.7 %; 11.5 and 9.5 MB per hour.
"""

from __future__ import annotations

import io
from typing import Final

import numpy as np
import soundfile  # type: ignore[import-untyped]  # no stubs; sf_command: see above

#: Sample rates a recording may be made at (Opus's own; Qt asks the sound server for them).
RATES: Final = (16000, 48000)
BITRATE: Final = 24_000
PAGE_LATENCY_MS: Final = 250.0
_SFC_SET_OGG_PAGE_LATENCY_MS: Final = 0x1302
_MIN_KBPS, _MAX_KBPS = 6.0, 256.0


def _level_for(bits_per_second: int) -> float:
    """libsndfile's compression level that asks Opus for ``bits_per_second``."""
    kbps = min(max(bits_per_second / 1000, _MIN_KBPS), _MAX_KBPS)
    return (_MAX_KBPS - kbps) / (_MAX_KBPS - _MIN_KBPS)


class _ForwardOnly(io.RawIOBase):
    """The encoder's "file": bytes appended to a buffer the owner empties; never a path."""

    def __init__(self) -> None:
        super().__init__()
        self.pending = bytearray()
        self.position = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.pending += data
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: offset, io.SEEK_CUR: self.position + offset,
                  io.SEEK_END: self.position + offset}[whence]
        if target != self.position:
            raise OSError("the recording is written forward only")
        return self.position

    def read(self, size: int = -1) -> bytes:
        return b""

    def take(self) -> bytes:
        """The bytes written since the last call; the buffer is overwritten and emptied."""
        out = bytes(self.pending)
        self.pending[:] = bytes(len(self.pending))
        del self.pending[:]
        return out


class OpusStream:
    """Ogg/Opus of 16-bit mono PCM at ``rate``, in memory.

    ``write(pcm)`` takes little-endian 16-bit samples (any length, an even number of bytes)
    and returns the encoded bytes ready so far; ``close()`` returns the last ones (the
    end-of-stream page). Their concatenation is a complete Ogg/Opus file; any prefix of it
    cut after a returned piece decodes up to that piece (what a crash leaves).
    """

    def __init__(self, rate: int = 48000, bitrate: int = BITRATE) -> None:
        if rate not in RATES:
            raise ValueError(f"rate must be one of {RATES}")
        self.rate = rate
        self._sink = _ForwardOnly()
        self._odd = b""
        self.frames = 0
        self._file = soundfile.SoundFile(
            self._sink, "w", samplerate=rate, channels=1, format="OGG", subtype="OPUS",
            compression_level=_level_for(bitrate))
        ffi = soundfile._ffi  # the binding soundfile itself uses (see the docstring)
        latency = ffi.new("double*", PAGE_LATENCY_MS)
        refused = soundfile._snd.sf_command(self._file._file, _SFC_SET_OGG_PAGE_LATENCY_MS,
                                            latency, ffi.sizeof("double"))
        self.page_latency_ms = 1000.0 if refused else PAGE_LATENCY_MS

    @property
    def seconds(self) -> float:
        """Audio encoded so far."""
        return self.frames / self.rate

    def write(self, pcm: bytes) -> bytes:
        data = self._odd + pcm
        whole = len(data) - len(data) % 2
        self._odd = data[whole:]
        if whole:
            samples = np.frombuffer(data[:whole], dtype="<i2")
            self._file.write(samples)
            self.frames += len(samples)
        return self._sink.take()

    def close(self) -> bytes:
        """Ends the stream; the last bytes (at least the end-of-stream page)."""
        if not self._file.closed:
            self._file.close()
        return self._sink.take()
