"""A testimony record: answers and meta-values, with its identity, status and history."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.errors import InvalidInput
from intake.i18n import N_


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    VERIFIED = "verified"
    NEEDS_FOLLOW_UP = "needs_follow_up"


class ConsentRequired(InvalidInput):
    template = N_(
        "The person's consent to internal documentation is needed before the record can "
        "leave the draft state."
    )


def now() -> str:
    """The current time, ISO 8601 with the UTC offset, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class Record:
    id: str
    schema: str
    revision: int
    status: Status
    author: str
    created_at: str
    updated_at: str
    answers: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    #: The editing session (not stored): autosaves of one session share a revision.
    #: (128 random bits as hex, like ``uuid4().hex``: building a UUID cost an import
    #: 19 µs a record.)
    session: str = field(default_factory=lambda: os.urandom(16).hex(), compare=False,
                         repr=False)
    #: Set by :meth:`mark_checked` once ``answers`` and ``meta`` (these very objects) were
    #: validated against a questionnaire; never copied by ``dataclasses.replace`` (a
    #: record made from this one is checked again).
    _checked: tuple[Questionnaire, int, int] | None = field(
        default=None, init=False, compare=False, repr=False)

    def mark_checked(self, questionnaire: Questionnaire) -> None:
        """Note that ``answers`` and ``meta`` are in canonical form for ``questionnaire``
        (as :func:`intake.domain.answers.validate` returned them), so that a service
        given this record does not check the same maps again. Assigning other maps ends
        the note; the maps must not be changed in place after it."""
        self._checked = (questionnaire, id(self.answers), id(self.meta))

    def checked_for(self, questionnaire: Questionnaire) -> bool:
        """Whether :meth:`mark_checked` was called for ``questionnaire`` on these maps."""
        mark = self._checked
        return (mark is not None and mark[0] is questionnaire
                and mark[1] == id(self.answers) and mark[2] == id(self.meta))

    @classmethod
    def new(cls, author: str, questionnaire: Questionnaire = QUESTIONNAIRE) -> Record:
        stamp = now()
        return cls(str(uuid.uuid4()), questionnaire.schema, 0, Status.DRAFT, author,
                   stamp, stamp)

    def split(self, questionnaire: Questionnaire = QUESTIONNAIRE) -> tuple[
        dict[str, Any], dict[str, str], dict[str, Any], dict[str, str]
    ]:
        """(answers, meta) of the structured answers, then (answers, meta) of the private
        ones (identifiers and free text, stored under the identity key)."""
        identifying = questionnaire.private_ids
        answers: dict[str, Any] = {}
        id_answers: dict[str, Any] = {}
        for qid, value in self.answers.items():
            (id_answers if qid in identifying else answers)[qid] = value
        meta: dict[str, str] = {}
        id_meta: dict[str, str] = {}
        for qid, mark in self.meta.items():
            (id_meta if qid in identifying else meta)[qid] = mark
        return answers, meta, id_answers, id_meta

    def check_status(self) -> None:
        """A record leaves draft only with consent to internal documentation."""
        if self.status is not Status.DRAFT and (
            self.answers.get("consent.internal_documentation") is not True
        ):
            raise ConsentRequired()
