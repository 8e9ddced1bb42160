"""Recording inside the app, the storage side (issue 19): who may start a recording, and
finishing recordings into attachments at Stop and at unlock. The formats and keys are in
:mod:`intake.vault.recording_spool`; the capture (Qt Multimedia, Opus) is
``intake/ui/recording/capture.py``, whose ``Recorder`` takes the writer :meth:`start`
returns as its spool.

- Starting is attaching: the record's author or a role that edits others' records, the
  person's consent to audio recording (and no withdrawal), and the identity key (the
  grant is derived from the recording private key). The writer then needs no vault key:
  a lock while recording does not stop it.
- Finishing needs the identity key. Before a spool is finished its record's consent is
  read again: withdrawn meanwhile, the spool is discarded (audited as an edit of the
  record, nothing attached).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from intake.domain.permissions import Action, require
from intake.errors import PermissionDenied
from intake.services.attachments import CONSENT_FOR, NoConsentForAttachment
from intake.services.interviews import InterviewService
from intake.vault import audit, recording_keys
from intake.vault.audit import AuditAction
from intake.vault.record_types import RecordNotFound
from intake.vault.recording_finish import (
    FinishedRecording,
    SpoolBusy,
    discard_spool,
    finish_spool,
    markers_of,
    spool_record,
)
from intake.vault.recording_read import SpoolDamaged
from intake.vault.recording_spool import Marker, RecordingWriter, SpoolGrant, pending_spools
from intake.vault.records import IdentityKeyMissing
from intake.vault.vault import Vault

__all__ = ["FinishedRecording", "Marker", "RecordingStore", "RecordingWriter",
           "SpoolBusy", "SpoolDamaged", "SpoolGrant"]

MEDIA_TYPE = "audio/ogg; codecs=opus"


@dataclass
class RecordingStore:
    vault: Vault

    def _identity_key(self) -> bytes:
        key = self.vault.identity_key if self.vault.role.holds_identity_key else None
        if key is None:
            raise IdentityKeyMissing()
        return key

    def _consented(self, record_id: str) -> bool:
        record = InterviewService(self.vault).load(record_id)  # the user may see it
        require(self.vault.role, Action.EDIT_OWN_RECORD if record.author == self.vault.user
                else Action.EDIT_OTHERS_RECORD)
        return not record.answers.get("consent.withdrawn_on") and \
            record.answers.get(CONSENT_FOR["audio"]) is True

    def start(self, record_id: str, media_type: str = MEDIA_TYPE,
              rotate_seconds: float = 60.0) -> RecordingWriter:
        """A writer for a new recording of ``record_id`` (the recorder's spool): call its
        ``flush()`` every few seconds and ``close()`` at Stop, then :meth:`finish`."""
        grant = self.grant(record_id)
        return RecordingWriter(self.vault.files.folder, record_id, grant,
                               media_type=media_type, rotate_seconds=rotate_seconds)

    def grant(self, record_id: str) -> SpoolGrant:
        """What a writer for a new recording of ``record_id`` needs, checked as :meth:`start`
        (the recorder process, intake/ui/recording/process.py, opens the writer): no vault
        key."""
        if not self._consented(record_id):
            raise NoConsentForAttachment(kind="audio")
        return recording_keys.grant_spool(self.vault.connection(), self._identity_key())

    def finish(self, spool: Path) -> FinishedRecording:
        """The spool (closed, or cut by a crash) re-sealed as an audio attachment of its
        record; discarded instead when the person's consent was withdrawn meanwhile."""
        idk = self._identity_key()
        conn = self.vault.connection()
        record_id = spool_record(conn, idk, spool)
        try:
            consented = record_id is None or self._consented(record_id)
        except RecordNotFound:
            consented = True  # the record is gone: finish_spool lets the recording go too
        if not consented and record_id is not None:
            discard_spool(spool)
            audit.append(conn, self.vault.user, AuditAction.RECORD_EDITED, record_id,
                         detail={"kind": "attachment"})
            return FinishedRecording(None, (), False, 0, 0.0)
        return finish_spool(conn, self.vault.files.folder, idk, spool, self.vault.user)

    def pending(self) -> list[Path]:
        """Spools no writer holds (a recording cut by a crash, or stopped and not yet
        finished): finish each at unlock, with the identity key."""
        return pending_spools(self.vault.files.folder)

    def finish_pending(self) -> tuple[list[FinishedRecording], list[Path]]:
        """Every pending spool finished: (what was made, the spools that failed and were
        kept: damaged, or their record is one this user may not edit)."""
        made, kept = [], []
        for spool in self.pending():
            try:
                made.append(self.finish(spool))
            except (SpoolDamaged, SpoolBusy, PermissionDenied):
                kept.append(spool)
        return made, kept

    def markers(self, attachment_id: str) -> tuple[Marker, ...]:
        """A recording's markers (none for an attachment that was not recorded here)."""
        return markers_of(self.vault.connection(), self._identity_key(), attachment_id)
