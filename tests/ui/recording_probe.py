"""Records from the default input with intake's Recorder, in a process of its own.

Used by tests/ui/test_recording_capture.py and tests/perf/test_recording_perf.py. Qt's
PulseAudio backend connects to the sound server once per process, at the first use of
``QMediaDevices`` or an audio object, and never again: a pytest process whose earlier tests
touched Qt Multimedia without a server (tests/ui/test_audio_player.py) could not record
from a server started later. So the recording runs here, with PULSE_SERVER set by the test.

``python recording_probe.py SECONDS [--pause A B] [--flush S] [--vault F --record ID
[--mark SECONDS LABEL]...]``: records SECONDS of audio (into the vault's write-only spool
with ``--vault``, the vault locked before recording starts)
(pauses from A to B seconds of wall time if asked; ``--plaintext-copy PATH`` is the
strace test's control), then prints one JSON line on stdout:
the recording (base64; a pipe, never a file), the spool's calls (time, kind, bytes), the
levels seen, the recorder's own seconds, and the process's CPU seconds while recording;
or, when the recorder cannot start, ``{"error": message}``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from intake.errors import IntakeError  # noqa: E402
from intake.ui.recording.capture import Recorder  # noqa: E402


class MemorySpool:
    def __init__(self, copy_to: str | None = None) -> None:
        self.copy = open(copy_to, "wb") if copy_to else None  # the control
        self.data = bytearray()
        self.calls: list[tuple[float, str, int]] = []
        self.start = time.monotonic()

    def write(self, data: bytes) -> None:
        self.data += data
        if self.copy is not None:
            self.copy.write(data)
        self.calls.append((time.monotonic() - self.start, "write", len(data)))

    def flush(self, offset_seconds: float | None = None) -> None:
        if self.copy is not None:
            self.copy.flush()
        self.calls.append((time.monotonic() - self.start, "flush", len(self.data)))


class Reporting:
    """The vault's spool, each flush told on stderr (``flushed SECONDS``) as it returns:
    what a kill -9 test knows is on disk."""

    def __init__(self, writer: Any) -> None:
        self.writer, self.path = writer, writer.path

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    def mark(self, offset_seconds: float, label: str) -> None:
        self.writer.mark(offset_seconds, label)

    def flush(self, offset_seconds: float | None = None) -> None:
        self.writer.flush(offset_seconds)
        sys.stderr.write(f"flushed {offset_seconds}\n")
        sys.stderr.flush()

    def close(self, offset_seconds: float | None = None) -> None:
        self.writer.close(offset_seconds)


def _writer(folder: str, record_id: str) -> Reporting:
    """The vault's write-only spool for ``record_id``; the vault is locked (closed) before
    a sample is recorded, as auto-lock would during a long interview."""
    from pathlib import Path

    from intake.services.recording_store import RecordingStore
    from intake.vault.vault import Vault

    with Vault.open(Path(folder), "kim", os.environ["INTAKE_PROBE_PASSPHRASE"]) as vault:
        return Reporting(RecordingStore(vault).start(record_id))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("seconds", type=float)
    parser.add_argument("--pause", type=float, nargs=2)
    parser.add_argument("--flush", type=float, default=4.0)
    parser.add_argument("--rate", type=int, default=48000)
    parser.add_argument("--vault", help="record into this vault's write-only spool (user "
                        "kim, passphrase from INTAKE_PROBE_PASSPHRASE), locked at once")
    parser.add_argument("--record", help="with --vault: the record recorded for")
    parser.add_argument("--mark", nargs=2, action="append", default=[],
                        metavar=("SECONDS", "LABEL"), help="a marker at this audio position")
    parser.add_argument("--plaintext-copy", help="the strace test's positive control: also "
                        "write the recording to this file, as a careless recorder would")
    args = parser.parse_args()
    app = QApplication([])
    spool = MemorySpool(args.plaintext_copy)
    writer = _writer(args.vault, args.record) if args.vault else None
    recorder = Recorder(writer or spool, rate=args.rate, flush_seconds=args.flush)
    marks = sorted((float(at), label) for at, label in args.mark)
    marked: list[tuple[float, str]] = []
    levels: list[tuple[float, float]] = []
    states: list[str] = []
    failures: list[str] = []
    recorder.level.connect(lambda rms, peak: levels.append((rms, peak)))
    recorder.state.connect(states.append)
    recorder.failed.connect(failures.append)
    recorder.failed.connect(app.quit)
    cpu0, wall0 = time.process_time(), time.monotonic()
    try:
        recorder.start()
    except IntakeError as error:
        json.dump({"error": error.message()}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    if args.pause:
        QTimer.singleShot(int(args.pause[0] * 1000), recorder.pause)
        QTimer.singleShot(int(args.pause[1] * 1000), recorder.resume)
    done: list[float] = []

    def check() -> None:
        while marks and writer is not None and recorder.seconds >= marks[0][0]:
            marked.append((recorder.seconds, marks.pop(0)[1]))
            writer.mark(*marked[-1])
        if recorder.seconds >= args.seconds or time.monotonic() - wall0 > args.seconds + 30:
            done.append(recorder.stop())
            app.quit()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(20)
    app.exec()
    if not done:
        done.append(recorder.stop())
    if writer is not None:
        writer.close(done[0])
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    json.dump({"audio": base64.b64encode(bytes(spool.data)).decode(), "calls": spool.calls,
               "levels": levels, "states": states, "failures": failures,
               "seconds": done[0] if done else None, "cpu": cpu, "wall": wall,
               "marked": marked, "spool": str(writer.path) if writer else None}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
