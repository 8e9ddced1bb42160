"""Answers that do not validate yet and where each user left off (vault/drafts.py).

A lock must never drop what the interviewer typed: the form's autosave stores valid
answers in the record and the rest, as the editors held them, as the record's pending
answers (``InterviewService.save(record, pending=...)``, one transaction); opening the
record shows them again with their errors. :class:`ResumePlace` remembers the record,
section and question the form showed when the vault locked, per user, inside the vault.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from intake.domain.questionnaire import Questionnaire
from intake.domain.record import now
from intake.vault.drafts import DraftStore, Place
from intake.vault.vault import Vault

__all__ = ["Place", "ResumePlace", "split"]


def split(questionnaire: Questionnaire, entries: Mapping[str, Any]
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plain, sealed) entries: every pending entry is sealed with the identity key, since
    an entry is what was typed, not a valid answer — a name typed into a number field is
    still a name. Unknown question ids are dropped."""
    return {}, {qid: entry for qid, entry in entries.items() if qid in questionnaire}


@dataclass
class ResumePlace:
    """Where the vault's user left off; ids only (no answer is ever kept here)."""

    vault: Vault

    def _store(self) -> DraftStore:
        return DraftStore(self.vault.connection(), None)

    def remember(self, place: Place) -> None:
        self._store().remember(self.vault.user, place, now())

    def place(self) -> Place | None:
        return self._store().place(self.vault.user)

    def forget(self) -> None:
        self._store().forget(self.vault.user)
