"""The case file of one testimony: what a lawyer or a UN body receives.

Why it is built here and drawn elsewhere: the content, the permissions and the audit entry
are use-case rules and stay Qt-free (the layers test keeps Qt in ``ui/``); the UI draws
:attr:`CaseFile.html` into a PDF (``intake/ui/records/casefile_pdf.py``) and hands the bytes back
to :meth:`CaseFileService.save`, which is the only place the file is written.

What is in it, in the language chosen for the document (:class:`Wording`, independent of
the window's language): the consent the person gave, scope by scope, with the date of each
decision and any restrictions; the record's id, interviewer, dates, status and its
history, and the reviewer's reliability; the ILO indicators, derived and final, with an
override's reason and who made it (reasons only for roles that review, as in the review
panel); then every section the user's form would show, each question with its answer
(unknown, declined, not asked and estimates said so).

Who the person is: left out unless the caller asks for it *and* the user's role holds the
identity key and may see this record's identity (``InterviewService.may_see_identity``);
asking without that raises ``PermissionDenied``. Left out means every identifying question
(class D: the identity section, but also the interpreter's name, the city and the work
site). Including it logs ``IDENTITY_VIEWED`` (through ``InterviewService.identity``).
Free text (narratives, notes, details, the consent restrictions) is kept under the identity
key too (``Question.is_private``): for a role that may not see the record's identity (a
coordinator) every private question is left out, and the case file says so.

The PDF is plaintext testimony: :meth:`CaseFileService.save` writes it only to the new
file the user chose (``NewFileExists`` otherwise, nothing written), 0600, never through a
temporary file, and logs ``EXPORTED {kind: casefile, count: 1, manifest_sha256}`` (the
PDF's SHA-256) for the record; a file whose entry cannot be logged is removed. A testimony
whose consent was withdrawn gets no case file (it leaves every export).
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from intake.atomic import fsync_dir
from intake.dates import stored_date_text
from intake.domain.codelists import RELIABILITY, STATUSES
from intake.domain.indicators import FINDING_LABELS, INDICATORS
from intake.domain.permissions import Action
from intake.domain.questionnaire import Questionnaire, Section
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record, now
from intake.errors import IntakeError, InvalidInput, NewFileExists, PermissionDenied
from intake.i18n import N_
from intake.services.casefile_text import NO, YES, Wording, answer_text
from intake.services.record_changes import RESTRICTIONS, WITHDRAWN, consent_scopes
from intake.services.review import ConsentState, IndicatorView, ReviewService
from intake.vault import audit
from intake.vault.audit import AuditAction
from intake.vault.review_store import StatusChange
from intake.vault.vault import Vault

__all__ = ["CaseFile", "CaseFileNotWritten", "CaseFileService", "ConsentWithdrawnNoCaseFile",
           "Wording"]

KIND = "casefile"  # the audit entry's export kind (intake.vault.audit.EXPORT_KINDS)
CONSENT_SECTION = "consent"
_NEW_FILE = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_BINARY", 0))


class CaseFileNotWritten(IntakeError):
    template = N_("The case file could not be written to {path} ({reason}). Nothing was "
                  "written.")


class ConsentWithdrawnNoCaseFile(InvalidInput):
    template = N_("The person withdrew their consent on {date}: this testimony is no "
                  "longer shared, so no case file can be made.")


@dataclass(frozen=True)
class CaseFile:
    """A case file ready to be drawn: escaped HTML and the words around it."""

    record_id: str
    language: str
    identity_included: bool
    title: str  # the PDF's title (no name in it)
    html: str
    footer: str  # with {page} and {pages}, drawn at the foot of every page
    sha256: str | None = field(default=None, compare=False)


# -- the words of the case file (N_: translated by the case file's Wording) ----------------
TITLE = N_("Testimony case file")
NOT_ENCRYPTED = N_("Confidential. This document is NOT encrypted and holds a testimony "
                   "that can put the person and their family in danger. Keep it locked "
                   "away, share it only within the consent below, and destroy it when it "
                   "is no longer needed.")
FOOTER = N_("Case file {record} · page {page} of {pages}")
RECORD = N_("Record")
INTERVIEWER = N_("Interviewer")
INTERVIEW_DATE = N_("Date of the interview")
CREATED = N_("Recorded")
CHANGED = N_("Last changed")
REVISION = N_("Revision {revision}")
STATUS = N_("Review status")
RELIABILITY_LABEL = N_("Reliability")
NOT_ASSESSED = N_("Not assessed yet")
PRINTED = N_("Printed")
PRINTED_BY = N_("{when} by {user}")
IDENTITY = N_("Who the person is")
IDENTITY_IN = N_("Included in this case file.")
IDENTITY_OUT = N_("Left out: the person's name, contacts, documents, home town, the "
                  "interpreter's name, the city and the work site are not in this case file.")
FREE_TEXT_OUT = N_("Free-text answers (the narrative, notes, details and restrictions) are "
                   "left out as well: they are kept under the identity key, which your role "
                   "does not hold.")
NOT_SHOWN = N_("Not shown: kept under the identity key")
CONSENT = N_("Consent the person gave")
CONSENT_SCOPE = N_("Use")
CONSENT_ANSWER = N_("Decision")
CONSENT_DECIDED = N_("Decided on")
NOT_RECORDED = N_("Not recorded")
RESTRICTIONS_LABEL = N_("Restrictions the person asked for")
NO_RESTRICTIONS = N_("None")
HISTORY = N_("Status history")
HISTORY_ROW = N_("{from_status} → {to_status}, by {user}, {when}")
INDICATORS_TITLE = N_("ILO forced-labour indicators")
INDICATOR = N_("Indicator")
DERIVED = N_("From the answers")
FINAL = N_("Final")
OVERRIDE = N_("Reviewer's override")
OVERRIDE_BY = N_("{reason} — {user}, {when}")
OVERRIDDEN = N_("Overridden by a reviewer")

_STYLE = ("<style>body{font-size:10pt} h1{font-size:17pt} h2{font-size:13pt;"
          "margin-top:14px} table{border-collapse:collapse} td,th{padding:3px;"
          "vertical-align:top} th{background-color:#e8e8e8;text-align:left}"
          ".warn{color:#8a1c1c;font-weight:bold}</style>")


def _table(rows: Sequence[tuple[str, ...]], head: tuple[str, ...] | None = None) -> str:
    """A bordered table of already escaped cells."""
    parts = ['<table border="1" cellspacing="0" cellpadding="3" width="100%">']
    if head:
        parts.append("<tr>" + "".join(f"<th>{cell}</th>" for cell in head) + "</tr>")
    first = '<td width="40%">' if rows and len(rows[0]) == 2 else "<td>"
    parts.extend("<tr>" + first + "</td><td>".join(row) + "</td></tr>" for row in rows)
    parts.append("</table>")
    return "".join(parts)


@dataclass
class CaseFileService:
    vault: Vault
    questionnaire: Questionnaire = QUESTIONNAIRE
    review: ReviewService = field(init=False)

    def __post_init__(self) -> None:
        self.review = ReviewService(self.vault, self.questionnaire)

    # -- permissions ----------------------------------------------------------------------
    def may_include_identity(self, record_id: str) -> bool:
        """Whether the user may ask for the identity in this record's case file."""
        summary = self.review.interviews._summary(record_id)
        return self.review.interviews.may_see_identity(summary.author)

    def _require_identity(self, author: str) -> None:
        interviews = self.review.interviews
        if not interviews.may_see_identity(author):
            action = (Action.VIEW_OWN_IDENTITY if author == self.vault.user
                      else Action.VIEW_OTHERS_IDENTITY)
            raise PermissionDenied(role=self.vault.role.label, action=action.label)

    # -- building -------------------------------------------------------------------------
    def build(self, record_id: str, language: str, *,
              include_identity: bool = False) -> CaseFile:
        """The case file of ``record_id`` in ``language`` (``ko`` or ``en``). Raises
        ``PermissionDenied`` for a record the user may not see, or for the identity
        without the right to it; ``ConsentWithdrawnNoCaseFile`` after a withdrawal."""
        words = Wording.of(language)
        interviews = self.review.interviews
        record = interviews.load(record_id)  # checks the user may see the record
        if record.answers.get(WITHDRAWN):
            raise ConsentWithdrawnNoCaseFile(  # shown in the window's language
                date=stored_date_text(str(record.answers[WITHDRAWN])))
        # Free text is the identity key's too: without the identity, no private answer.
        private = interviews.may_see_identity(record.author)
        q = self.questionnaire
        hidden = q.identifying_ids if private else q.private_ids
        answers = {k: v for k, v in record.answers.items() if k not in hidden}
        meta = {k: v for k, v in record.meta.items() if k not in hidden}
        if include_identity:
            self._require_identity(record.author)
            id_answers, id_meta = interviews.identity(record_id)  # logs IDENTITY_VIEWED
            answers, meta = {**answers, **id_answers}, {**meta, **id_meta}
        body = [
            f"<h1>{words.esc(TITLE)}</h1>",
            f'<p class="warn">{words.esc(NOT_ENCRYPTED)}</p>',
            self._header(words, record, include_identity, private),
            self._consent(words, record_id, private),
            self._history(words, self.review.history(record_id)),
            self._indicators(words, self.review.indicators(record_id)),
            *self._sections(words, answers, meta, include_identity, private),
        ]
        page = f"<html><head>{_STYLE}</head><body>{''.join(body)}</body></html>"
        short = record_id.split("-")[0]
        return CaseFile(record_id, language, include_identity,
                        f"{words(TITLE)} {short}", page,
                        words(FOOTER).replace("{record}", short))

    def _header(self, words: Wording, record: Record, with_identity: bool,
                private: bool) -> str:
        reliability = record.answers.get("review.reliability")
        interview_date = record.answers.get("interview.date")
        rows = [
            (words.esc(RECORD), html.escape(record.id)),
            (words.esc(INTERVIEWER), html.escape(record.author)),
            (words.esc(INTERVIEW_DATE), html.escape(words.date(str(interview_date)))
             if interview_date else words.esc(NOT_RECORDED)),
            (words.esc(CREATED), html.escape(words.stamp(record.created_at))),
            (words.esc(CHANGED), html.escape(words.stamp(record.updated_at)) + " · "
             + words.esc(REVISION, revision=record.revision)),
            (words.esc(STATUS), words.esc(STATUSES.label(record.status.value))),
            (words.esc(RELIABILITY_LABEL), words.esc(RELIABILITY.label(str(reliability)))
             if reliability else words.esc(NOT_ASSESSED)),
            (words.esc(PRINTED), words.esc(PRINTED_BY, when=words.stamp(now()),
                                           user=self.vault.user)),
            (words.esc(IDENTITY), words.esc(IDENTITY_IN if with_identity else IDENTITY_OUT)
             + ("" if private else " " + words.esc(FREE_TEXT_OUT))),
        ]
        return _table([(f"<b>{label}</b>", value) for label, value in rows])

    def _consent(self, words: Wording, record_id: str, private: bool) -> str:
        states: Mapping[str, ConsentState] = self.review.consent(record_id)
        rows = []
        for qid in consent_scopes(self.questionnaire):
            question = self.questionnaire.question(qid)
            state = states.get(qid)
            value = state.value if state is not None else None
            answer = (words.esc(NOT_RECORDED) if not isinstance(value, bool)
                      else f"<b>{words.esc(YES if value else NO)}</b>")
            decided = (html.escape(words.date(state.decided_on))
                       if state is not None and state.decided_on else "—")
            rows.append((words.esc(question.label), answer, decided))
        restrictions = states.get(RESTRICTIONS)
        text = restrictions.value if restrictions is not None else None
        shown = (words.esc(NOT_SHOWN) if not private
                 else html.escape(str(text)).replace("\n", "<br/>") if text
                 else words.esc(NO_RESTRICTIONS))
        return (f"<h2>{words.esc(CONSENT)}</h2>"
                + _table(rows, (words.esc(CONSENT_SCOPE), words.esc(CONSENT_ANSWER),
                                words.esc(CONSENT_DECIDED)))
                + f"<p><b>{words.esc(RESTRICTIONS_LABEL)}:</b> {shown}</p>")

    @staticmethod
    def _history(words: Wording, changes: list[StatusChange]) -> str:
        if not changes:
            return ""
        items = "".join("<li>" + words.esc(
            HISTORY_ROW, from_status=words(STATUSES.label(change.from_status)),
            to_status=words(STATUSES.label(change.to_status)), user=change.user,
            when=words.stamp(change.at)) + "</li>" for change in changes)
        return f"<h2>{words.esc(HISTORY)}</h2><ul>{items}</ul>"

    @staticmethod
    def _indicators(words: Wording, views: Mapping[str, IndicatorView]) -> str:
        rows = []
        for indicator in INDICATORS:
            view = views[indicator.id]
            override = ""
            if view.overridden:
                override = (words.esc(OVERRIDE_BY, reason=view.reason, user=view.user,
                                      when=words.stamp(view.at))
                            if view.reason and view.user and view.at
                            else words.esc(OVERRIDDEN))
            final = words.esc(FINDING_LABELS[view.final])
            rows.append((words.esc(indicator.label), words.esc(FINDING_LABELS[view.derived]),
                         f"<b>{final}</b>" if view.overridden else final, override))
        return (f"<h2>{words.esc(INDICATORS_TITLE)}</h2>"
                + _table(rows, (words.esc(INDICATOR), words.esc(DERIVED), words.esc(FINAL),
                                words.esc(OVERRIDE))))

    def _visible_sections(self, with_identity: bool,
                          private: bool) -> Iterator[tuple[Section, list[Any]]]:
        """The sections (and their questions) the user's form would show, consent aside
        (it heads the case file); without ``private``, no identifier and no free text."""
        reviewer = self.review.may_review()
        for section in self.questionnaire.sections:
            if section.id == CONSENT_SECTION or (section.reviewers_only and not reviewer):
                continue
            questions = [q for q in section.questions
                         if (reviewer or not q.restricted)
                         and (with_identity or not q.is_identifying)
                         and (private or not q.is_private)]
            if questions:
                yield section, questions

    def _sections(self, words: Wording, answers: Mapping[str, Any],
                  meta: Mapping[str, str], with_identity: bool,
                  private: bool) -> Iterator[str]:
        for section, questions in self._visible_sections(with_identity, private):
            rows = [(words.esc(q.label), answer_text(words, q, answers, meta))
                    for q in questions]
            yield f"<h2>{words.esc(section.label)}</h2>" + _table(rows)

    # -- writing --------------------------------------------------------------------------
    def save(self, case_file: CaseFile, pdf: bytes, path: Path) -> CaseFile:
        """Write ``pdf`` to the new file ``path`` (0600; ``NewFileExists`` if anything is
        there, nothing written) and log the export. Returns the case file with its SHA-256."""
        interviews = self.review.interviews
        summary = interviews._summary(case_file.record_id)
        interviews._check_view(summary.author)
        if case_file.identity_included:
            self._require_identity(summary.author)
        digest = hashlib.sha256(pdf).hexdigest()
        try:
            fd = os.open(path, _NEW_FILE, 0o600)
        except FileExistsError as exc:
            raise NewFileExists(path=str(path)) from exc
        except OSError as exc:
            raise CaseFileNotWritten(path=str(path),
                                     reason=exc.strerror or type(exc).__name__) from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pdf)
                handle.flush()
                os.fsync(handle.fileno())
            fsync_dir(path.parent)
            audit.append(self.vault.connection(), self.vault.user, AuditAction.EXPORTED,
                         case_file.record_id,
                         {"kind": KIND, "count": 1, "manifest_sha256": digest})
        except OSError as exc:
            path.unlink(missing_ok=True)  # no half-written testimony left
            raise CaseFileNotWritten(path=str(path),
                                     reason=exc.strerror or type(exc).__name__) from exc
        except BaseException:
            path.unlink(missing_ok=True)  # no unlogged testimony left
            raise
        return replace(case_file, sha256=digest)

    def note_printed(self, case_file: CaseFile) -> None:
        """Log a case file sent to a printer (no file, so no hash)."""
        interviews = self.review.interviews
        interviews._check_view(interviews._summary(case_file.record_id).author)
        audit.append(self.vault.connection(), self.vault.user, AuditAction.EXPORTED,
                     case_file.record_id, {"kind": KIND, "count": 1})

