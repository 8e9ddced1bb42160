"""A testimony record: answers and meta-values, with its identity, status and history."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.users import validate_user_name
from intake.errors import InvalidInput, InvalidUserName
from intake.i18n import N_


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    VERIFIED = "verified"
    NEEDS_FOLLOW_UP = "needs_follow_up"


_DRAFT = Status.DRAFT  # a member is looked up through the enum's class at each use


class ConsentRequired(InvalidInput):
    template = N_(
        "The person's consent to internal documentation is needed before the record can "
        "leave the draft state."
    )


class InvalidRecordField(InvalidInput):
    """A record's own field (its id, author or times), given through the services
    (a JSON Lines file's line is refused by the reader already)."""

    template = N_("The testimony's {field} is not valid; nothing was saved.")


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}")


def is_record_id(value: object) -> bool:
    """Whether ``value`` is a record id: a UUID in its text form (the JSON Lines reader
    and :meth:`Record.check_fields` ask the same)."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _is_time(value: object) -> bool:
    try:
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return False
    return parsed is not None and parsed.tzinfo is not None


#: A time as ``datetime.isoformat`` writes one with an offset and no fraction of a second
#: ("-00:00" it writes "+00:00"; hour 24 and second 60 are refused today, kept out anyway)
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3])(?::[0-5][0-9]){2}"
                       r"(?:\+|-(?!00:00))(?:[01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)


def iso_time(value: object) -> str | None:
    """``value``, a date and time in ISO 8601 with a UTC offset, as ``isoformat`` writes
    it; None if it is not one. A time already in that form is taken as it is: checking
    the form cost 0.3 µs, writing it again 1.6 µs (an import reads two a record)."""
    try:
        parsed = dt.datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if parsed is None or parsed.tzinfo is None:
        return None
    return value if type(value) is str and _ISO_TIME.fullmatch(value) else parsed.isoformat()


def _is_user_name(value: object) -> bool:
    return isinstance(value, str) and _valid_name(value)


@functools.lru_cache(maxsize=256)
def _valid_name(value: str) -> bool:  # an import's records share a few authors
    try:
        return validate_user_name(value) == value
    except InvalidUserName:
        return False


def _digest(answers: dict[str, Any], meta: dict[str, str]) -> bytes | None:
    """BLAKE2b of the two maps' JSON (in their order: the same keys added again in
    another order only cost a second check; a few µs for a record), or None for a value
    JSON cannot hold exactly (never canonical: no note is taken)."""
    try:
        data = orjson.dumps([answers, meta])
    except TypeError:  # orjson.JSONEncodeError: a subclass, a non-string key, NaN…
        return None
    return hashlib.blake2b(data, digest_size=16).digest()


def _split(values: dict[str, Any], identifying: frozenset[str]) -> tuple[
        dict[str, Any], dict[str, Any]]:
    """(the items not in ``identifying``, those in it), each in ``values``' order. The
    first is a copy (made in C) less the few identifying items: putting each of a record's
    ~95 answers in one map or the other cost an import of 5,000 records 54 ms, this 35."""
    private = {qid: value for qid, value in values.items() if qid in identifying}
    rest = dict(values)
    for qid in private:
        del rest[qid]
    return rest, private


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
    #: Set by :meth:`mark_checked` once ``answers`` and ``meta`` were validated against a
    #: questionnaire: it and a digest of what the two maps held; never copied by
    #: ``dataclasses.replace`` (a record made from this one is checked again).
    _checked: tuple[Questionnaire, bytes] | None = field(
        default=None, init=False, compare=False, repr=False)

    def mark_checked(self, questionnaire: Questionnaire) -> None:
        """Note that ``answers`` and ``meta`` are in canonical form for ``questionnaire``
        (as :func:`intake.domain.answers.validate` returned them), so that a service
        given this record does not check them again while they hold the same: any change,
        in place or by assigning other maps, down to an item of a list, ends the note
        (:meth:`checked_for` compares a digest of their content, not the objects)."""
        digest = _digest(self.answers, self.meta)
        self._checked = None if digest is None else (questionnaire, digest)

    def checked_for(self, questionnaire: Questionnaire) -> bool:
        """Whether :meth:`mark_checked` was called for ``questionnaire`` on maps that held
        what these hold now."""
        mark = self._checked
        return (mark is not None and mark[0] is questionnaire
                and mark[1] == _digest(self.answers, self.meta))

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
        answers, id_answers = _split(self.answers, questionnaire.private_ids)
        meta, id_meta = _split(self.meta, questionnaire.private_ids)
        return answers, meta, id_answers, id_meta

    def check_fields(self) -> None:
        """The record's own fields as the JSON Lines reader accepts them: the id a UUID,
        the author a user name (NFC, nothing hidden), the times ISO 8601 with an offset;
        :class:`InvalidRecordField` otherwise (issue 17's review d7: the services stored
        them as given)."""
        if not is_record_id(self.id):
            raise InvalidRecordField(field="id")
        if not _is_user_name(self.author):
            raise InvalidRecordField(field="author")
        for name in ("created_at", "updated_at"):
            if not _is_time(getattr(self, name)):
                raise InvalidRecordField(field=name)

    def check_status(self) -> None:
        """A record leaves draft only with consent to internal documentation."""
        if self.status is not _DRAFT and (
            self.answers.get("consent.internal_documentation") is not True
        ):
            raise ConsentRequired()
