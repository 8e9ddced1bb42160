"""The recorder process's spool guard (intake/ui/recording/process.py)."""

from __future__ import annotations

from typing import Any


def test_a_spool_that_cannot_be_written_ends_the_recording(qtbot: Any) -> None:
    """A write or flush that fails (a full disk) is not raised inside the Recorder's Qt slot
    but ends the recording (Host.fail: the recorder stopped, the process gone). The
    control: a writer that works reports nothing."""
    from intake.ui.recording.process import GuardedSpool

    class Writer:
        closed = False

        def __init__(self, full: bool) -> None:
            self.full = full

        def write(self, _data: bytes) -> None:
            if self.full:
                raise OSError(28, "No space left on device")

        def flush(self, _offset: float | None = None) -> None:
            if self.full:
                raise OSError(28, "No space left on device")

    for full in (False, True):
        failed: list[str] = []
        spool = GuardedSpool(Writer(full), failed.append)  # type: ignore[arg-type]
        spool.write(b"audio")
        spool.flush(1.0)
        qtbot.wait(100)
        assert failed == (["spool", "spool"] if full else [])
