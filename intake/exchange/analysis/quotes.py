"""Quotes for publication (docs/export.md, the quotes).

Free text (class T) never enters ``data.csv``, and since it is stored under the identity
key, a coordinator cannot read it at all. A quote therefore goes out in two steps:

1. **Approval**, by a holder of the identity key (case manager or administrator,
   :mod:`intake.services.quotes`): :func:`drafts_of` turns the long answers (narratives,
   details) of one record whose interviewee consented to
   ``consent.publication_without_identifiers`` into *draft quotes*, each run through
   :func:`~intake.exchange.analysis.redact.redact`; the reviewer edits or drops them and
   approves the rest. Only the approved text is kept (``approved_quotes``,
   :mod:`intake.vault.quote_store`); :func:`still_identifying` tells what the redaction would
   still replace in a final text.
2. **Export**, by a coordinator (or an administrator): :func:`publishable` takes the
   approved quotes of the exported records whose consent *still* allows publication (a
   withdrawal or a "no" since the approval leaves them out) and shuffles them; the
   coordinator may drop one, never edit it, and never sees the original.

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
from typing import Protocol

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
    """A quote: the redacted text (a draft's is editable, an approved one's is not), what was
    redacted, and the decision (a draft kept for approval, an approved one kept in the
    export)."""

    question: str  # the question id it answers
    text: str  # redacted; the reviewer may edit it before approving
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


def _counts(kinds: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    return counts


def drafts_of(record: Record, questionnaire: Questionnaire = QUESTIONNAIRE) -> list[Quote]:
    """Redacted draft quotes of one ``record`` (loaded with its private section), in the
    questionnaire's order; none without consent to publication or after a withdrawal."""
    if not may_quote(record):
        return []
    quotes = []
    for qid in quote_questions(questionnaire):
        value = record.answers.get(qid)
        if not isinstance(value, str) or not value.strip():
            continue
        redaction = redact(value.strip(), record)
        quotes.append(Quote(qid, redaction.text, _counts(redaction.kinds)))
    return quotes


def still_identifying(text: str, record: Record) -> dict[str, int]:
    """What the redaction would still replace in ``text`` (a reviewer's final text, which
    may have put back a name): placeholder type → count; empty when nothing."""
    return _counts(redact(text, record).kinds)


class ApprovedText(Protocol):
    """An approved quote as the export needs it
    (:class:`intake.vault.quote_store.ApprovedQuote`)."""

    @property
    def record_id(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def redacted(self) -> dict[str, int]: ...


def publishable(records: Iterable[Record], approved: Iterable[ApprovedText],
                rng: random.Random | None = None) -> list[Quote]:
    """The approved quotes of ``records`` whose consent to publication still holds, as
    export quotes (kept; the coordinator may drop one), shuffled.

    Pass only the records that are in the export (after the consent filter and
    suppression): a suppressed record was too easy to single out to be quoted."""
    allowed = {record.id for record in records if may_quote(record)}
    quotes = [Quote(q.question, q.text, dict(q.redacted)) for q in approved
              if q.record_id in allowed and q.text.strip()]
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
