"""Where the user was when the vault locked (the testimony, section and question; ids
only, kept inside the vault), and going back there after the next unlock. Neither ever
stops a lock or an unlock: a place that cannot be kept or read is only logged."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from intake.errors import IntakeError

if TYPE_CHECKING:
    from intake.services.desk import Desk
    from intake.services.drafts import Place
    from intake.ui.records.workspace import Workspace

log = logging.getLogger(__name__)


def remember_place(desk: Desk | None, place: Place | None) -> None:
    """Keep ``place`` for the next unlock; on the list (``None``), forget it."""
    if desk is None or not desk.is_open:
        return
    try:
        if place is None:
            desk.resume.forget()
        else:
            desk.resume.remember(place)
    except IntakeError as error:
        log.warning("place not kept at lock: %s", type(error).__name__)


def resume_place(desk: Desk, workspace: Workspace) -> None:
    """Back to the testimony, section and question the user locked on."""
    try:
        place = desk.resume.place()
    except IntakeError as error:
        log.warning("place not read at unlock: %s", type(error).__name__)
        return
    if place is not None and not workspace.resume(place):
        log.info("the testimony of the last place cannot be opened any more")


def take_back_recording(desk: Desk, workspace: Workspace) -> bool:
    """After an unlock: a recording that went on while the vault was locked (the auto-lock
    does not stop one, issue 19) shown again on its testimony's form; True when there was
    one. One that cannot be shown there any more is stopped and finished, never left
    running unseen."""
    from intake.ui.records.workspace_recording import running

    recording = running(desk)
    if recording is None:
        return False
    if workspace.adopt_recording(recording):
        return True
    recording.stop()
    recording.deleteLater()
    return False
