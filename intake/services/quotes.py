"""Quotes for publication: drafted, redacted and approved by a holder of the identity key
(docs/export.md, the quotes).

Every free-text answer is stored under the identity key, which a coordinator's key slot
lacks; a coordinator must never read the testimony's own words. So a quote reaches an
anonymized export only through a reviewer who holds that key (a case manager or an
administrator, ``Action.REVIEW`` with the key in memory):

- :meth:`QuoteService.drafts`: the record's long answers (narratives, details), each
  redacted (:func:`intake.exchange.analysis.quotes.drafts_of`), only while the interviewee
  consents to ``consent.publication_without_identifiers`` and has not withdrawn;
- :meth:`QuoteService.approve`: the reviewer's final texts (edited, some dropped) are kept in
  ``approved_quotes`` (:mod:`intake.vault.quote_store`), each in place of an earlier approved
  quote of the same question. A final text in which the redaction would still replace
  something (a name put back) is refused unless approved knowingly. Logged as
  ``QUOTES_APPROVED {questions, count}``: question ids, never a text;
- :meth:`QuoteService.withdraw`: one approved quote is no longer published
  (``QUOTE_WITHDRAWN {questions, count: 1}``).

The export (:mod:`intake.services.exports`) reads :meth:`QuoteService.approved_for` of the
exported records and checks consent again then. A coordinator asking for drafts, the
approved list or an approval gets :class:`QuotesNeedIdentityKey`.

Issue 18 (docs/export.md, redaction of what people write):

- every approval records the version of the redaction rules its text was checked against
  (:data:`~intake.exchange.analysis.redact.RULES_VERSION`); :func:`reviewed_now` splits the
  approved quotes into those that may go out and those approved under older rules in which
  the current rules still find something (a link, a third party's name, a place): those are
  left out of the export until a reviewer approves them again;
- :meth:`QuoteService.unreviewed_for`: the automatic drafts of exported records that have
  no approved quote for a question, for ``intake export --unreviewed-quotes``. Only a holder
  of the identity key gets them (the redaction needs the identity fields); the risk report
  then says ``reviewed_by_a_person: false``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from intake.domain.permissions import Action, allowed, require
from intake.domain.questionnaire import Questionnaire
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, now
from intake.errors import InvalidInput, PermissionDenied
from intake.exchange.analysis.quotes import (
    Quote,
    drafts_of,
    may_quote,
    quote_questions,
    still_identifying,
)
from intake.exchange.analysis.redact import RULES_VERSION, redact
from intake.i18n import N_, _
from intake.services.interviews import InterviewService
from intake.vault import audit, quote_store
from intake.vault.audit import AuditAction
from intake.vault.quote_store import ApprovedQuote, NewQuote
from intake.vault.review_store import joined
from intake.vault.vault import Vault

__all__ = ["RULES_VERSION", "ApprovedQuote", "Drafts", "NoPublicationConsent",
           "NotAQuoteQuestion", "Quote", "QuoteService", "QuoteStillIdentifying",
           "QuoteTooLong", "QuotesNeedIdentityKey", "needs_new_approval", "reviewed_now"]

#: The longest approved quote, in characters.
QUOTE_MAX = 10_000


class QuotesNeedIdentityKey(PermissionDenied):
    template = N_("Quotes for publication are drafted and approved only by a case manager or "
                  "an administrator who holds the identity key: the testimony's own words "
                  "are never shown to a coordinator.")


class NoPublicationConsent(InvalidInput):
    template = N_("The interviewee has not consented to publication without identifiers, "
                  "or has withdrawn consent: no quote of this testimony may be published.")


class NotAQuoteQuestion(InvalidInput):
    template = N_("{question} is not a question whose answers may be quoted.")


class QuoteTooLong(InvalidInput):
    template = N_("A quote may be at most {maximum} characters long.")


class QuoteStillIdentifying(InvalidInput):
    """A final text in which the redaction would still replace something."""

    template = N_("These quotes still contain names, numbers, dates or places that the "
                  "redaction replaces: {questions}. Replace them with placeholders such as "
                  "[NAME], or approve knowingly.")

    def message(self) -> str:
        ids = self.params.get("questions", ())
        labels = [_(QUESTIONNAIRE.question(q).label) if q in QUESTIONNAIRE else str(q)
                  for q in (ids if isinstance(ids, list | tuple) else ())]
        return _(self.template).format(questions="; ".join(labels))


@dataclass(frozen=True)
class Drafts:
    """A record's draft quotes, and the revision they were drafted from."""

    record_id: str
    revision: int
    quotes: list[Quote] = field(default_factory=list)


@dataclass
class QuoteService:
    vault: Vault
    questionnaire: Questionnaire = QUESTIONNAIRE

    @property
    def is_open(self) -> bool:
        return self.vault.is_open

    def may_approve(self) -> bool:
        """Whether the current user drafts and approves quotes (for the UI to show it)."""
        return (allowed(self.vault.role, Action.REVIEW)
                and self.vault.role.holds_identity_key
                and self.vault.identity_key is not None)

    def _require_reviewer(self) -> None:
        """A coordinator (no identity key) is told why; an interviewer may not review."""
        if not self.vault.role.holds_identity_key or self.vault.identity_key is None:
            raise QuotesNeedIdentityKey()
        require(self.vault.role, Action.REVIEW)

    def _record(self, record_id: str) -> Record:
        """The record with its private section (the reviewer may see it), publication
        consent checked."""
        record = InterviewService(self.vault, self.questionnaire).load(record_id)
        if not may_quote(record):
            raise NoPublicationConsent()
        return record

    # -- the reviewer ---------------------------------------------------------------------
    def drafts(self, record_id: str) -> Drafts:
        """The record's quotable long answers, redacted; ``NoPublicationConsent`` without
        consent to publication (or after a withdrawal)."""
        self._require_reviewer()
        record = self._record(record_id)
        return Drafts(record.id, record.revision, drafts_of(record, self.questionnaire))

    def approved(self, record_id: str) -> list[ApprovedQuote]:
        """The record's approved quotes, oldest first."""
        self._require_reviewer()
        InterviewService(self.vault, self.questionnaire).load(record_id)  # may see it
        return quote_store.of_record(self.vault.connection(), record_id)

    def _chosen(self, record: Record, quotes: Sequence[Quote],
                knowingly: bool) -> list[NewQuote]:
        questions = set(quote_questions(self.questionnaire))
        chosen: list[NewQuote] = []
        identifying: list[str] = []
        for quote in quotes:
            text = quote.text.strip()
            if not quote.keep or not text:
                continue
            if quote.question not in questions:
                raise NotAQuoteQuestion(question=quote.question)
            if len(text) > QUOTE_MAX:
                raise QuoteTooLong(maximum=QUOTE_MAX)
            if not knowingly and still_identifying(text, record):
                identifying.append(quote.question)
            chosen.append(NewQuote(quote.question, text, dict(quote.redacted), RULES_VERSION))
        if identifying:
            raise QuoteStillIdentifying(questions=identifying)
        return chosen

    def approve(self, record_id: str, revision: int, quotes: Sequence[Quote], *,
                knowingly: bool = False) -> list[ApprovedQuote]:
        """Keep the final text of every quote kept (not empty) as approved, in place of an
        earlier approved quote of the same question; ``revision``: the one the drafts came
        from (:attr:`Drafts.revision`). Returns the record's approved quotes.

        Refused: ``QuotesNeedIdentityKey``, ``NoPublicationConsent``,
        ``NotAQuoteQuestion``, ``QuoteTooLong``, and ``QuoteStillIdentifying`` unless
        ``knowingly`` (the reviewer confirmed the text as it is)."""
        self._require_reviewer()
        record = self._record(record_id)
        chosen = self._chosen(record, quotes, knowingly)
        drafted_from = revision if 0 <= revision <= record.revision else record.revision
        conn = self.vault.connection()
        if chosen:
            with joined(conn):
                quote_store.replace(conn, record.id, chosen, drafted_from, self.vault.user,
                                    now())
                audit.append(conn, self.vault.user, AuditAction.QUOTES_APPROVED, record.id,
                             {"questions": [q.question for q in chosen],
                              "count": len(chosen)})
        return quote_store.of_record(conn, record.id)

    def withdraw(self, record_id: str, seq: int) -> bool:
        """Stop publishing one approved quote; False (nothing logged) when there is none
        with that number. A withdrawn quote is deleted, not kept aside."""
        self._require_reviewer()
        InterviewService(self.vault, self.questionnaire).load(record_id)  # may see it
        conn = self.vault.connection()
        with joined(conn):
            quote = quote_store.get(conn, record_id, seq)
            if quote is None or not quote_store.remove(conn, record_id, seq):
                return False
            audit.append(conn, self.vault.user, AuditAction.QUOTE_WITHDRAWN, record_id,
                         {"questions": [quote.question], "count": 1})
        return True

    # -- the export -----------------------------------------------------------------------
    def approved_for(self, record_ids: Iterable[str]) -> list[ApprovedQuote]:
        """The approved quotes of ``record_ids``, for the anonymized export: approved text
        only, never an original. The caller checks consent again
        (:func:`intake.exchange.analysis.quotes.publishable`)."""
        require(self.vault.role, Action.EXPORT_ANONYMIZED)
        return quote_store.of_records(self.vault.connection(), record_ids)

    def unreviewed_for(self, records: Iterable[Record],
                       approved: Iterable[ApprovedQuote]) -> list[Quote]:
        """The automatic drafts (redacted, not reviewed) of the questions of ``records`` that
        have no approved quote in ``approved``, for an export that asked for unreviewed
        quotes. Only a holder of the identity key (``QuotesNeedIdentityKey`` otherwise):
        the records are loaded again with their private sections; consent is checked by
        :func:`~intake.exchange.analysis.quotes.drafts_of`."""
        self._require_reviewer()
        done = {(quote.record_id, quote.question) for quote in approved}
        interviews = InterviewService(self.vault, self.questionnaire)
        drafts: list[Quote] = []
        for record in records:
            if not may_quote(record):
                continue
            full = interviews.load(record.id)
            drafts += [quote for quote in drafts_of(full, self.questionnaire)
                       if (record.id, quote.question) not in done]
        return drafts


def reviewed_now(approved: Iterable[ApprovedQuote]) -> tuple[list[ApprovedQuote], int]:
    """The approved quotes that may go out as approved, and how many were left out because
    they were approved under older redaction rules and the current ones (without the
    identity fields: links, handles, e-mails, numbers, dates, third parties, places) would
    still replace something in them. No text leaves this function but the approved ones."""
    kept: list[ApprovedQuote] = []
    left_out = 0
    for quote in approved:
        if needs_new_approval(quote):
            left_out += 1
        else:
            kept.append(quote)
    return kept, left_out


def needs_new_approval(quote: ApprovedQuote) -> bool:
    """Whether ``quote`` was approved under older redaction rules and the current ones
    (without the identity fields) would still replace something in it."""
    return quote.rules < RULES_VERSION and bool(redact(quote.text, Record.new("")).spans)
