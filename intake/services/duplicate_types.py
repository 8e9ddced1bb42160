"""What the duplicates service answers and refuses with (services/duplicates.py): the
review queue's entries, a pair side by side, the persons, and the errors.

A :class:`QueueEntry` and a :class:`Candidate` carry record ids and a score only. A
:class:`PairReview` carries display text read under the identity key: it lives in memory
for as long as the review screen shows it, and is never stored or logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.domain.linkage.facts import Candidate, Evidence
from intake.errors import InvalidInput
from intake.i18n import N_

__all__ = ["DECISIONS", "Candidate", "Evidence", "FieldComparison", "InvalidDecision",
           "InvalidMinScore", "NotAPair", "PairReview", "PersonGroup", "QueueEntry",
           "TestimonySide", "UnknownTestimony"]

#: The three answers to a pair: same person (a link), not the same (remembered, never
#: proposed again), not sure (stays in the queue, marked).
DECISIONS = ("same", "distinct", "unsure")


class UnknownTestimony(InvalidInput):
    """A record id that names no testimony the duplicates may pair (exit 5)."""

    template = N_("There is no testimony with the id {id}.")


class NotAPair(InvalidInput):
    template = N_("A testimony cannot be paired with itself.")


class InvalidMinScore(InvalidInput):
    template = N_("The lowest score must be more than 0 and at most 1.")


class InvalidDecision(InvalidInput):
    template = N_("A pair can only be decided as the same person, not the same, or not sure.")


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """A pair waiting for a decision: proposed (``decision`` None) or marked not sure.

    ``source`` is ``"search"`` (a search of the vault), ``"merge"`` (a bundle merge) or
    ``"unsure"`` (decided not sure; ``since`` is then when, ``by`` who). ``score`` is the
    engine's 0 … 1 (for a not-sure pair computed again when the queue was read)."""

    a: str
    b: str
    score: float
    source: str
    since: str  # ISO time it was proposed or marked not sure
    decision: str | None = None  # None or "unsure"
    by: str | None = None  # who marked it not sure


@dataclass(frozen=True, slots=True)
class FieldComparison:
    """One compared field of a pair, as the review shows it.

    ``label`` is the question's label in the user's language; ``left``/``right`` the two
    answers as display text ("" when not answered); ``agreement`` one of
    :data:`intake.domain.linkage.facts.AGREEMENTS`, or "" for a field shown beside the one
    the engine scored (the aliases beside the full name, the birth date beside the birth
    year: one of each pair is scored); ``weight`` what it added to (or took from) the
    score (0 with "")."""

    field: str  # question id, e.g. "identity.full_name"
    label: str
    left: str
    right: str
    agreement: str
    weight: float


@dataclass(frozen=True, slots=True)
class TestimonySide:
    """The context of one testimony of the pair (no answer of a restricted question)."""

    record_id: str
    status: str  # Status value, e.g. "submitted"
    created_at: str  # ISO; show it through intake.dates
    interviewer: str  # the record's author (user name)
    person: str  # the person it belongs to (smallest record id of its group, or itself)


@dataclass(frozen=True, slots=True)
class PairReview:
    """Two testimonies side by side: ``left`` is record ``a``, ``right`` record ``b``."""

    a: str
    b: str
    score: float
    left: TestimonySide
    right: TestimonySide
    fields: tuple[FieldComparison, ...]
    decision: str | None  # the pair's current decision, None if undecided


@dataclass(frozen=True, slots=True)
class PersonGroup:
    """A person of more than one testimony; ``person`` is its smallest record id."""

    person: str
    record_ids: tuple[str, ...]
