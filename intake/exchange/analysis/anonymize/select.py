"""Step 1, the consent filter: which records may enter an anonymized export, and why not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from intake.domain.record import Record, Status


class Reason(StrEnum):
    """Why a record was left out (the risk report counts them)."""

    DRAFT = "draft"
    WITHDRAWN = "consent_withdrawn"
    NO_CONSENT = "no_consent_to_statistics"


@dataclass
class Selection:
    kept: list[Record]
    excluded: Counter[str] = field(default_factory=Counter)


def exclusion_reason(record: Record) -> Reason | None:
    """None when the record may be exported. A withdrawal wins over everything else, then
    a missing consent, then the draft state."""
    answers = record.answers
    if answers.get("consent.withdrawn_on"):
        return Reason.WITHDRAWN
    if answers.get("consent.anonymized_statistics") is not True:
        return Reason.NO_CONSENT
    if record.status is Status.DRAFT or record.status == Status.DRAFT.value:
        return Reason.DRAFT
    return None


def select(records: Iterable[Record]) -> Selection:
    selection = Selection([])
    for record in records:
        reason = exclusion_reason(record)
        if reason is None:
            selection.kept.append(record)
        else:
            selection.excluded[reason.value] += 1
    return selection
