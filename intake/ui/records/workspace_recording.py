"""The recording controls of an open testimony, and what a lock does to a recording (issue 19).

Where the identity key is held (the attachments panel is there), the form gets the
recording bar (:mod:`intake.ui.form.recording_bar`) and the attachments panel the list of
places in a recording (:mod:`intake.ui.recording.marker_list`). Recordings run in the
recorder process (:func:`intake.ui.recording.client.in_own_process`), so that:

- a lock the user asks for (the Lock button, Ctrl+L) **stops** the recording and finishes
  it into an attachment while the key is still there: locking is stopping;
- the **auto-lock** (nobody typed for minutes while the person talks) does not: the bar
  lets go of the recording, which goes on write-only (each minute's key sealed to the
  recording public key, docs/threat-model.md), and the locked window says so and offers
  Stop (:mod:`intake.ui.recording.locked_recording`);
- after the unlock the running recording is taken back (:func:`running`) and its
  testimony opened, the bar showing it again;
- travel mode and the panic wipe discard it (:func:`abort_all`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.errors import IntakeError

if TYPE_CHECKING:
    from intake.services.desk import Desk
    from intake.ui.form.recording_bar import RecordingBar
    from intake.ui.recording.client import RecordingClient

log = logging.getLogger(__name__)


def attach(form: Any, desk: Desk, files: Any, consent: Any, row: Any = None) -> RecordingBar:
    """The recording bar (in ``row``, else over ``form``) and the markers under ``files``;
    a consent change refreshes the bar (a withdrawal stops a running recording)."""
    from intake.ui.form import recording_bar
    from intake.ui.recording.client import in_own_process
    from intake.ui.recording.marker_list import attach_markers

    bar = recording_bar.attach(form, in_own_process(desk), row=row)
    markers = attach_markers(files, desk)
    consent.changed.connect(lambda _record: bar.refresh())
    bar.stopped.connect(lambda _recording: files.refresh())
    bar.stopped.connect(lambda _recording: markers.refresh())
    return bar


def for_lock(bar: RecordingBar | None, idle: bool, discard: bool = False) -> None:
    """Before the vault locks: the auto-lock (``idle``) lets the recording go on, any
    other lock stops it; travel mode and the panic wipe (``discard``) throw it away."""
    if bar is None or not bar.active:
        return
    if discard:
        bar.discard()
    elif idle:
        log.info("auto-lock while recording: the recording goes on, write-only")
        bar.detach()
    else:
        bar.stop()


def running(desk: Desk) -> RecordingClient | None:
    """The recording that went on while the vault was locked, taken back with the
    unlocked store (its Stop finishes it); None when there is none or the user may not."""
    if not (desk.role.holds_identity_key and desk.has_identity_key):
        return None
    from intake.ui.recording.client import RecordingClient

    try:
        return RecordingClient.attach(desk.folder, desk.recording)
    except (IntakeError, OSError) as error:
        log.warning("running recording not taken back: %s", type(error).__name__)
        return None


def abort_all(folder: Path) -> int:
    """Every recording still running for the vault in ``folder`` stopped and discarded
    (travel mode, panic wipe); how many there were."""
    from intake.ui.recording.client import RecordingClient

    count = 0
    while count < 16:  # a recorder that will not end is not waited for forever
        client = RecordingClient.attach(folder)
        if client is None:
            break
        client.abort()
        client.deleteLater()
        count += 1
    return count
