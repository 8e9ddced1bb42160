"""How the interview form shows a stored record: the rows loaded from its answers (the
computed share of wages kept computed), the answers that did not validate at the last save
shown again with their errors, each section's progress in the section list, and the live
indicators.

Split from :mod:`intake.ui.form.interview_form` so the form keeps to its layout, its public
calls and saving. These helpers take what they need (the rows, the record, the pages, the
list) and keep no state; nothing here imports the form.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from PySide6.QtWidgets import QListWidget

from intake.domain.answers import state_share_percent
from intake.domain.indicators import Finding
from intake.domain.record import Record
from intake.errors import IntakeError
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.ui.form import saving, typed_state
from intake.ui.form.completeness import answered_count
from intake.ui.form.indicator_panel import IndicatorPanel
from intake.ui.form.question_row import QuestionRow
from intake.ui.form.section_page import FormRows, SectionPage

log = logging.getLogger(__name__)

SHARE_QUESTION = "wages.state_share_percent"


def progress_label(section_label: str, answered: int, total: int) -> str:
    """"Profile (3/5)": the section's translated label and its count (numbers and
    punctuation read the same in Korean, so this is no catalog entry of its own)."""
    return f"{section_label} ({answered}/{total})"


def load_rows(rows: Mapping[str, QuestionRow], record: Record) -> None:
    """The rows show the record's answers and marks."""
    derived_share = state_share_percent(record.answers)
    for qid, row in rows.items():
        value = record.answers.get(qid)
        if qid == SHARE_QUESTION and value is not None and value == derived_share:
            value = None  # computed, not typed: keep it computed
        row.load(value, record.meta.get(qid))


def restore_pending(service: InterviewService, rows: FormRows, record_id: str) -> None:
    """Show again what the rows held that did not validate (kept by the last save
    before a lock or a crash), each with its error."""
    try:
        pending = service.pending_answers(record_id)
    except IntakeError as error:  # never worse than showing the stored answers
        log.warning("pending answers of record %s not shown: %s", record_id,
                    type(error).__name__)
        return
    for qid, entry in pending.items():
        row = rows.get(qid)
        if row is not None and not row.read_only and typed_state.restore(row, entry):
            row.validate()


def section_progress(page: SectionPage, saved: Record, holds_share: bool) -> tuple[int, int]:
    """(answered, total) of a page: its rows' count once built, else from the stored
    record, counted as the rows will count it (``holds_share``: the page asks the share)."""
    if page.is_built:
        return page.progress()
    answered, total = answered_count(page.questions, saved), len(page.questions)
    stored = saved.answers.get(SHARE_QUESTION)
    if holds_share and stored is not None and stored == state_share_percent(saved.answers):
        answered -= 1  # computed, not typed
    return answered, total


def show_progress(section_list: QListWidget, index: int, answered: int, total: int,
                  section_label: str) -> None:
    """The list entry of section ``index`` reads "Label (answered/total)"."""
    item = section_list.item(index)
    text = progress_label(_(section_label), answered, total)
    if item.text() != text:
        item.setText(text)
        # a longer count ("(11/11)") wraps like the other long names, never elided
        section_list.doItemsLayout()


def show_indicators(service: InterviewService, saved: Record,
                    built: Mapping[str, QuestionRow], panel: IndicatorPanel) -> None:
    """The live indicators from the built rows' valid answers (the stored ones for the
    rest; free text never counts), and the computed share as its row's placeholder."""
    rows = [r for r in built.values() if r.question.type not in saving.TEXT_TYPES]
    answers, _meta, _errors = saving.collect(saved, built, rows, show_errors=False)
    findings: dict[str, Finding] = service.indicators(replace(saved, answers=answers))
    panel.show_findings(findings)
    share_row = built.get(SHARE_QUESTION)
    if share_row is not None:
        share = state_share_percent(answers)
        share_row.editor.set_placeholder(
            _("Computed: {value}").format(value=share) if share is not None else "")
