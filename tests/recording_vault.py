"""The record every recording test starts from: submitted, with consent to internal
documentation and to audio recording, imported into an open vault."""

from __future__ import annotations

from pathlib import Path

from intake.domain.record import Record, Status
from intake.services.interviews import InterviewService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER


def audio_consent_record(vault: Vault) -> str:
    """Import the record into ``vault`` (open); its id."""
    record = Record.new(USER)
    record.answers.update({"consent.internal_documentation": True,
                           "consent.audio_recording": True})
    record.status = Status.SUBMITTED
    InterviewService(vault).import_records([record])
    return record.id


def closed_vault_with_record(folder: Path, policy: KdfPolicy) -> tuple[Path, str]:
    """A new vault at ``folder`` holding that record, closed; the folder and the record id."""
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        return folder, audio_consent_record(vault)
