"""Opt-in redacted quotes for an anonymized export (docs/export.md, the quotes).

Free text (class T) never enters ``data.csv``. With the coordinator's opt-in, the long
answers (narratives, details) of the exported records whose interviewee consented to
``consent.publication_without_identifiers`` become *draft quotes*: each is run through
:func:`~intake.exchange.analysis.redact.redact` and then shown to the coordinator, who keeps, edits
or drops it before anything is written.

Quotes are deliberately **not linked** to the rows of ``data.csv``: a quote carries a number
and the question it answers, never the pseudonym, and the list is shuffled with the system's
random source, so that a reader cannot join a story to the generalized quasi-identifiers of
one row (free text plus a handful of facts is how people are recognised). Short answers of
class T (company names) are never quotes: they are names, nothing else.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from intake.domain.questionnaire import QClass, QType, Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.exchange.analysis.redact import redact

CONSENT = "consent.publication_without_identifiers"
QUOTES_CSV = "quotes.csv"
QUOTES_JSONL = "quotes.jsonl"
COLUMNS = ("quote", "question", "text")


@dataclass
class Quote:
    """One draft quote: the redacted text (editable), what was redacted, and the decision."""

    question: str  # the question id it answers
    text: str  # redacted; the coordinator may edit it further
    redacted: dict[str, int] = field(default_factory=dict)  # placeholder type → count
    keep: bool = True
    edited: bool = False

    def edit(self, text: str) -> None:
        if text != self.text:
            self.text = text
            self.edited = True


def quote_questions(questionnaire: Questionnaire = QUESTIONNAIRE) -> list[str]:
    """The questions whose answers may become quotes: free text written as sentences."""
    return [q.id for q in questionnaire.questions()
            if q.cls is QClass.TEXT and q.type is QType.LONGTEXT and not q.restricted]


def may_quote(record: Record) -> bool:
    return record.answers.get(CONSENT) is True and not record.answers.get("consent.withdrawn_on")


def without_publication_consent(records: Iterable[Record]) -> int:
    """How many of the exported ``records`` the publication scope kept out of the quotes
    (the risk report's ``quotes.excluded_no_publication_consent``). Consent scopes for
    audio and photos (``consent.audio_recording``, ``consent.photos``) will be counted
    the same way once attachments exist (a later issue); there are none yet."""
    return sum(1 for record in records if not may_quote(record))


def draft_quotes(records: Iterable[Record], questionnaire: Questionnaire = QUESTIONNAIRE,
                 rng: random.Random | None = None) -> list[Quote]:
    """Redacted draft quotes from the ``records`` that consented to publication, shuffled.

    Pass only the records that are in the export (after the consent filter and
    suppression): a suppressed record was too easy to single out to be quoted."""
    questions = quote_questions(questionnaire)
    quotes = []
    for record in records:
        if not may_quote(record):
            continue
        for qid in questions:
            value = record.answers.get(qid)
            if not isinstance(value, str) or not value.strip():
                continue
            redaction = redact(value.strip(), record)
            counts: dict[str, int] = {}
            for kind in redaction.kinds:
                counts[kind] = counts.get(kind, 0) + 1
            quotes.append(Quote(qid, redaction.text, counts))
    (rng or random.SystemRandom()).shuffle(quotes)
    return quotes


def kept(quotes: Sequence[Quote]) -> list[dict[str, str]]:
    """The rows of ``quotes.csv``: the quotes kept, numbered from 1, text not empty."""
    rows: list[dict[str, str]] = []
    for quote in quotes:
        text = quote.text.strip()
        if quote.keep and text:
            rows.append({"quote": str(len(rows) + 1), "question": quote.question, "text": text})
    return rows
