"""The record every recording test starts from: submitted, with consent to internal
documentation and to audio recording, imported into an open vault."""

from __future__ import annotations

from intake.domain.record import Record, Status
from intake.services.interviews import InterviewService
from intake.vault.vault import Vault
from tests.conftest import USER


def audio_consent_record(vault: Vault) -> str:
    """Import the record into ``vault`` (open); its id."""
    record = Record.new(USER)
    record.answers.update({"consent.internal_documentation": True,
                           "consent.audio_recording": True})
    record.status = Status.SUBMITTED
    InterviewService(vault).import_records([record])
    return record.id
