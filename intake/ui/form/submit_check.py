"""The check before a testimony is submitted: what is not answered yet and what has an
error, section by section, and a question whether to submit all the same.

A submitted testimony goes to the reviewers; one sent with most questions blank, or with
an answer that did not save (its error still under the field), is sent by a slip more
often than on purpose. The check never forbids: a person may decline or end the interview
early, and the interviewer decides. The content comes from ``completeness.gaps`` (no Qt);
the question is asked through the Dialogs seam, so tests answer it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from intake.domain.questionnaire import Question, Section
from intake.i18n import N_, _, ngettext
from intake.ui.form.completeness import SectionGaps, gaps
from intake.ui.kit.dialogs import Dialogs

if TYPE_CHECKING:
    from intake.ui.form.interview_form import InterviewForm

TITLE = N_("Submit the testimony?")
#: Questions named in one line; the rest are counted ("and 12 more").
NAMED = 3


def shown_sections(form: InterviewForm) -> list[tuple[Section, Sequence[Question]]]:
    """The sections and questions the interviewer fills in (not the reviewers' own)."""
    return [(page.section, page.questions) for page in form.section_pages
            if not page.section.reviewers_only]


def named(questions: Sequence[Question]) -> str:
    """"Sex, Year of birth, Home province and 4 more"."""
    names = ", ".join(_(q.label) for q in questions[:NAMED])
    rest = len(questions) - NAMED
    if rest <= 0:
        return names
    return ngettext("{names} and {count} more", "{names} and {count} more", rest).format(
        names=names, count=rest)


def section_lines(found: SectionGaps) -> list[str]:
    # numbers and punctuation read the same in Korean: no catalog entry of its own
    lines = [f"{_(found.section.label)} ({found.answered}/{found.total}):"]
    if found.invalid:
        lines.append("  " + _("With an error: {questions}").format(
            questions=named(found.invalid)))
    if found.unanswered:
        lines.append("  " + _("Not answered: {questions}").format(
            questions=named(found.unanswered)))
    return lines


def submit_text(found: Sequence[SectionGaps]) -> str:
    """The question's text: every section with something missing or wrong, then whether
    to submit."""
    if not found:
        return _("Every question is answered and no answer has an error.\n\n"
                 "Submit the testimony for review?")
    lines = [_("Some questions are not answered, or their answer has an error:"), ""]
    for section in found:
        lines += section_lines(section)
    lines += ["", _("Submit the testimony for review all the same?")]
    return "\n".join(lines)


def submit_parts(found: Sequence[SectionGaps]) -> tuple[str, str]:
    """(the question with a one-line summary, the per-section list): the list goes in the
    box's scrolling details, so a long one never pushes the buttons off a small screen."""
    if not found:
        return submit_text(found), ""
    unanswered = sum(len(section.unanswered) for section in found)
    invalid = sum(len(section.invalid) for section in found)
    summary = "\n".join((
        ngettext("{count} question is not answered.", "{count} questions are not answered.",
                 unanswered).format(count=unanswered),
        ngettext("{count} answer has an error.", "{count} answers have an error.",
                 invalid).format(count=invalid),
        _("Section by section, below."),
        "",
        _("Submit the testimony for review all the same?")))
    details = "\n".join(line for section in found for line in section_lines(section))
    return summary, details


def confirm_submit(form: InterviewForm, dialogs: Dialogs, parent: QWidget | None) -> bool:
    """Show the check for ``form`` (saved just before) and ask; True to submit."""
    found = gaps(shown_sections(form), form.record, set(form.invalid_questions()))
    summary, details = submit_parts(found)
    return dialogs.ask(parent, _(TITLE), summary, details)
