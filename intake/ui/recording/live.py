"""What the form's recording controls need from a recording (issue 19), and the in-process one.

The form depends on :class:`LiveRecording` only: a started recording of one record, with
the signals of :class:`intake.ui.recording.capture.Recorder` (``level(rms, peak)``,
``elapsed(seconds)``, ``state(name)``: "recording", "paused", "stopped"; ``failed(message)``),
its clock (``seconds``, the markers' offsets), pause, resume, stop and ``mark(offset,
label)``. A :data:`StartRecording` makes one for a record and an input device; it raises an
:class:`intake.errors.IntakeError` (no consent, no microphone) when it cannot.

:func:`in_process` is the simple one: ``RecordingStore.start`` (the desk's ``recording``)
gives the write-only spool, a :class:`Recorder` in this process fills it, and Stop closes the
spool and finishes it into an attachment (at the next unlock instead, when that fails). A
recorder in its own process (one that survives the lock) offers the same interface.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, Signal

from intake.errors import IntakeError

log = logging.getLogger(__name__)

RECORDING, PAUSED, STOPPED = "recording", "paused", "stopped"


class LiveRecording(Protocol):
    """One recording of one record, already made; ``start()`` begins it."""

    level: Any  # Signal(float, float): rms, peak as fractions of full scale
    elapsed: Any  # Signal(float): seconds of audio
    state: Any  # Signal(str): RECORDING, PAUSED, STOPPED
    failed: Any  # Signal(str): a translated message

    @property
    def seconds(self) -> float: ...

    def start(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def stop(self) -> float: ...

    def mark(self, offset_seconds: float, label: str) -> None: ...


#: (record id, input device id or None for the default) -> a recording not yet started
StartRecording = Callable[[str, "bytes | None"], LiveRecording]
#: the input devices as (description, id), the default first
Inputs = Callable[[], "list[tuple[str, bytes]]"]


class InProcessRecording(QObject):
    """A :class:`Recorder` in this process writing into ``store.start(record_id)``."""

    level = Signal(float, float)
    elapsed = Signal(float)
    state = Signal(str)
    failed = Signal(str)

    def __init__(self, store: Any, record_id: str, device_id: bytes | None) -> None:
        super().__init__()
        from intake.ui.recording.capture import Recorder

        self._store = store
        self._writer = store.start(record_id)  # NoConsentForAttachment, IdentityKeyMissing
        self._recorder = Recorder(self._writer, device_id, parent=self)
        for name in ("level", "elapsed", "state", "failed"):
            getattr(self._recorder, name).connect(getattr(self, name))

    @property
    def seconds(self) -> float:
        return self._recorder.seconds

    def start(self) -> None:
        self._recorder.start()

    def pause(self) -> None:
        self._recorder.pause()

    def resume(self) -> None:
        self._recorder.resume()

    def mark(self, offset_seconds: float, label: str) -> None:
        self._writer.mark(offset_seconds, label)

    def stop(self) -> float:
        seconds = self._recorder.stop()
        if self._writer.closed:
            return seconds
        self._writer.close(seconds)
        try:
            self._store.finish(self._writer.path)
        except (IntakeError, OSError) as error:  # kept: finished at the next unlock
            log.warning("recording not finished at stop: %s", type(error).__name__)
        return seconds


def in_process(desk: Any) -> StartRecording:
    """A :data:`StartRecording` for the desk's recording store, recording in this process."""
    def start(record_id: str, device_id: bytes | None) -> LiveRecording:
        return InProcessRecording(desk.recording, record_id, device_id)

    return start


def default_inputs() -> list[tuple[str, bytes]]:
    from intake.ui.recording.capture import inputs

    return inputs()
