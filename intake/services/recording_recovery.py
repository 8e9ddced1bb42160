"""Recordings cut short, recovered at unlock (issue 19).

A recording the app did not stop (a crash, a kill, a power cut, the battery) leaves its
spool; the next unlock by an identity-key holder finishes every spool no recorder holds
(:meth:`RecordingStore.finish`, on the vault worker) and says, once, which recordings were
interrupted and how much at most was lost: what the recorder had not flushed (it flushes
every :data:`FLUSH_SECONDS`, ``intake/ui/recording/capture.py``) and a cut tail the finish
dropped (``dropped_bytes``, at the encoder's :data:`BYTES_PER_SECOND`). The audit log
already says ``recording_recovered`` (the finish writes it).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from intake.errors import PermissionDenied
from intake.services.recording_store import RecordingStore, SpoolBusy, SpoolDamaged

#: The recorder's flush interval (capture.FLUSH_SECONDS): audio not flushed is lost.
FLUSH_SECONDS = 4
#: Opus at 24 kbit/s (opus_stream.py): a dropped tail's bytes as seconds.
BYTES_PER_SECOND = 3000


@dataclass(frozen=True)
class Recovered:
    """A recording interrupted at ``interrupted_at`` (local time of its last write) and
    finished now; at most ``lost_seconds`` of its end were lost."""

    record_id: str
    interrupted_at: dt.datetime
    lost_seconds: int


def lost_seconds(dropped_bytes: int) -> int:
    return FLUSH_SECONDS + math.ceil(dropped_bytes / BYTES_PER_SECOND)


def recover(store: RecordingStore) -> list[Recovered]:
    """Finish every pending spool; the interrupted ones, oldest first (a spool that fails
    is kept for the next unlock; one stopped whole is only finished)."""
    found: list[Recovered] = []
    for spool in store.pending():
        try:
            at = dt.datetime.fromtimestamp(spool.stat().st_mtime).astimezone()
            done = store.finish(spool)
        except (OSError, SpoolDamaged, SpoolBusy, PermissionDenied):
            continue
        if done.attachment is not None and not done.complete:
            found.append(Recovered(done.attachment.record_id, at,
                                   lost_seconds(done.dropped_bytes)))
    return found
