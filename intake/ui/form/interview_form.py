"""The interview form: sections on the left, the current section's questions in the middle,
the live ILO indicators on the right, and autosave underneath everything.

Consent answers are shown read-only: they change only in the consent step
(``ui/records/consent_step.py``), which the page's "Change consent…" and "Withdraw consent…"
buttons ask for (``consent_requested``, ``withdraw_requested``). After the consent step or
a review action stored the record, :meth:`InterviewForm.adopt` takes the stored record
(its status and consent answers), so an autosave never writes an older state back.

Saving never waits for a whole record to be valid: the answers that are valid are saved,
and an answer that is not (hours 25, a text over its limit) keeps its error under the field
while the record keeps the last valid answer for that question. Questions the form does not
show (restricted ones for an interviewer, the review section, and without the identity key
every identifier and free text, ``Question.is_private``) keep what the stored record holds.
Loading a record into the rows, the sections' progress and the live indicators are in
:mod:`intake.ui.form.form_loading`.

For the integrator: call ``flush()`` before locking, quitting or closing the form (it
returns False if the save failed); ``saved``, ``save_failed`` and ``status_changed`` feed
the status bar; ``identity_revealed`` is where auditing hooks in: revealing the identity of a stored
record logs ``IDENTITY_VIEWED`` (``InterviewService.identity_viewed``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from intake.domain.indicators import Finding
from intake.domain.questionnaire import Question
from intake.domain.record import Record
from intake.errors import IntakeError
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.ui.form import keys, saving
from intake.ui.form.autosave import AutosaveController
from intake.ui.form.consent_actions import ConsentActions
from intake.ui.form.form_loading import (
    SHARE_QUESTION,
    load_rows,
    progress_label,
    restore_pending,
    section_progress,
    show_indicators,
    show_progress,
)
from intake.ui.form.indicator_panel import IndicatorPanel
from intake.ui.form.question_row import QuestionRow
from intake.ui.form.section_page import FormRows, SectionPage
from intake.ui.form.side_tabs import SIDE_WIDTH, SIDE_WIDTH_WITH_PANELS, SideTabs, pane_sizes
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text

log = logging.getLogger(__name__)

BANNER_STYLE = ("background: #fdecea; color: #7f0000; border: 1px solid #a40000; "
                "padding: 6px; font-weight: bold;")
TEXT_TYPES = saving.TEXT_TYPES
__all__ = ["SHARE_QUESTION", "InterviewForm", "progress_label"]


class InterviewForm(QWidget):
    saved = Signal(str)  # ISO timestamp of the save (the record's updated_at)
    save_failed = Signal(str)  # the reason, in the user's language
    status_changed = Signal(str)  # "Saved at 14:03:12", for the status bar
    identity_revealed = Signal(str)  # the record id, each time identity is shown
    consent_requested = Signal()  # "Change consent…": the consent step
    withdraw_requested = Signal()  # "Withdraw consent…"

    def __init__(
        self,
        service: InterviewService,
        record: Record,
        can_review: bool,
        dialogs: Dialogs,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("interview_form")
        self._service, self._dialogs = service, dialogs
        self._saved = record  # the last stored state (or the new, unsaved record)
        self._stored = record.revision > 0
        self._can_review = can_review
        self._with_identity = service.may_see_identity(record.author)
        self._status: tuple[str, Any] = ("none", None)
        self._failing = False

        self.section_list = QListWidget(self)
        self.section_list.setObjectName("form_sections")
        self.section_list.setWordWrap(True)
        self.section_list.setSpacing(2)
        self.section_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("form_pages")
        self.indicator_panel = IndicatorPanel(self)
        self.banner = QLabel(self)
        self.banner.setObjectName("record_banner")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.hide()
        self.status_label = QLabel(self)
        self.status_label.setObjectName("save_status")
        self._page_of: dict[str, SectionPage] = {}
        self.rows = FormRows(self._page_of)  # a page's rows are built on its first visit
        self.section_pages: list[SectionPage] = []
        for section in service.questionnaire.sections:
            if section.reviewers_only and not can_review:
                continue
            questions = [q for q in section.questions if self._shows(q)]
            if not questions:
                continue
            page = SectionPage(section, questions, self.pages, lazy=True)
            page.changed.connect(self._row_changed)
            page.identity_revealed.connect(self.reveal_identity)
            page.identity_hidden.connect(self.hide_identity)
            page.built.connect(partial(self._page_built, page))
            self.pages.addWidget(page)
            self.section_pages.append(page)
            for question in questions:
                self._page_of[question.id] = page
            item = QListWidgetItem(self.section_list)
            item.setData(Qt.ItemDataRole.UserRole, section.id)

        self._consent = ConsentActions(self.section_pages, service, record,
                                       self.consent_requested, self.withdraw_requested)
        self.consent_button = self._consent.consent_button
        self.withdraw_button = self._consent.withdraw_button
        self.side_tabs = SideTabs(self.indicator_panel, self)
        centre = QWidget(self)
        box = QVBoxLayout(centre)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.banner)
        box.addWidget(self.pages, 1)
        box.addWidget(self.status_label)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.section_list)
        splitter.addWidget(centre)
        splitter.addWidget(self.side_tabs)
        splitter.setStretchFactor(1, 1)
        self.splitter = splitter
        self._side_width = SIDE_WIDTH
        self._user_sized = False  # the interviewer dragged the splitter: keep their sizes
        splitter.splitterMoved.connect(self._splitter_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._autosave = AutosaveController(self._save, parent=self)
        self._autosave.pending_changed.connect(self._pending_changed)
        self.section_list.currentRowChanged.connect(self._section_changed)
        self.section_list.itemActivated.connect(lambda _item: self.focus_first_field())
        self.shortcuts = keys.bind_form_keys(self, self)
        self._load(record)
        self.section_list.setCurrentRow(0)
        self.retranslate()

    def _shows(self, question: Question) -> bool:
        if question.restricted and not self._can_review:
            return False
        return self._with_identity or not question.is_private

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._share_width()

    def _share_width(self) -> None:
        """Panes sized for the window (``pane_sizes``) until the interviewer drags them."""
        if not self._user_sized:
            self.splitter.setSizes(pane_sizes(self.width(), self._side_width))

    def _splitter_moved(self, _position: int, _index: int) -> None:
        self._user_sized = True

    # -- public ---------------------------------------------------------------------------
    @property
    def record(self) -> Record:
        """The record as last saved (call ``flush()`` first for the latest answers)."""
        return self._saved

    @property
    def has_unsaved_changes(self) -> bool:
        return self._autosave.pending

    @property
    def autosave(self) -> AutosaveController:
        return self._autosave

    def flush(self) -> bool:
        """Save now if anything is unsaved; False if the save failed."""
        return self._autosave.flush()

    @property
    def record_id(self) -> str:
        return self._saved.id

    @property
    def is_stored(self) -> bool:
        """Whether the record was saved at least once (a new record is not, yet)."""
        return self._stored

    def store(self) -> bool:
        """Save now, even a new record nobody typed in yet (the consent step and the
        review act on stored records); False if the save failed."""
        if not self._stored:
            self._autosave.note_change()
        return self._autosave.flush()

    def adopt(self, record: Record) -> None:
        """Show ``record``, just stored by another service call (a status transition, the
        consent step), and save from it from now on. Call ``flush()`` before the call that
        stored it: edits not yet saved are replaced by the stored answers."""
        self._autosave.stop()
        self._saved, self._stored = record, True
        masked = self.identity_masked
        self._load(record)
        if masked:
            self.hide_identity()
        self._autosave.flush()  # nothing pending any more: clears the "unsaved" state

    def show_overrides(self, overrides: Mapping[str, Finding]) -> None:
        """A reviewer's final indicator values, shown in the indicator panel."""
        self.indicator_panel.show_overrides(overrides)

    def show_banner(self, text: str) -> None:
        """A notice above the questions (a withdrawn consent); "" hides it."""
        self.banner.setText(text)
        self.banner.setAccessibleName(text)
        self.banner.setVisible(bool(text))

    def add_side_panel(self, widget: QWidget, title: str) -> None:
        """A tab beside the indicators (the review panel); ``title`` is an N_() string."""
        self.side_tabs.add_panel(widget, title)
        self._side_width = SIDE_WIDTH_WITH_PANELS
        self._share_width()

    def invalid_questions(self) -> list[str]:
        """Questions showing an error (their last valid answer is what is stored)."""
        return [qid for qid, row in self.rows.built().items() if row.error_text]

    def row(self, question_id: str) -> QuestionRow:
        return self.rows[question_id]

    def page(self, section_id: str) -> SectionPage:
        return next(p for p in self.section_pages if p.section.id == section_id)

    @property
    def current_page(self) -> SectionPage:
        return self.section_pages[self.pages.currentIndex()]

    def go_to_section(self, index: int, focus: bool = False) -> None:
        if 0 <= index < len(self.section_pages):
            self.section_list.setCurrentRow(index)
            if focus:
                self.focus_first_field()

    def step_section(self, step: int) -> None:
        self.go_to_section(self.pages.currentIndex() + step, focus=True)

    def focus_first_field(self) -> None:
        widget = self.current_page.first_input()
        if widget is not None:
            widget.setFocus(Qt.FocusReason.TabFocusReason)

    def focus_side_panel(self) -> None:
        """F7: to the indicators and review tabs (arrow keys switch tabs, Tab goes in)."""
        self.side_tabs.focus()

    def reveal_identity(self) -> None:
        for page in self.section_pages:
            page.set_identity_masked(False)
        log.info("identity shown for record %s", self._saved.id)
        if self._stored:
            try:
                self._service.identity_viewed(self._saved.id)
            except IntakeError as error:  # the audit entry is the service's to refuse
                log.warning("identity view of record %s not logged: %s", self._saved.id,
                            type(error).__name__)
        self.identity_revealed.emit(self._saved.id)

    def hide_identity(self) -> None:
        for page in self.section_pages:
            page.set_identity_masked(True)

    @property
    def identity_masked(self) -> bool:
        return any(p.identity_masked for p in self.section_pages)

    # -- loading and live updates ---------------------------------------------------------
    def _load(self, record: Record) -> None:
        load_rows(self.rows.built(), record)  # the others load when built
        if record.revision > 0:
            restore_pending(self._service, self.rows, record.id)
        for index in range(len(self.section_pages)):
            self._update_progress(index)
        self._update_indicators()

    def _page_built(self, page: SectionPage) -> None:
        """A page shown (or asked for) the first time: its rows show the stored answers."""
        load_rows(page.built_rows, self._saved)
        self._update_progress(self.section_pages.index(page))
        if SHARE_QUESTION in page.built_rows:
            self._update_indicators()  # the computed share, as the row's placeholder

    def _row_changed(self, question_id: str) -> None:
        self._autosave.note_change()
        page = self._page_of[question_id]
        self._update_progress(self.section_pages.index(page))
        if self.rows[question_id].question.type not in TEXT_TYPES:
            self._update_indicators()

    def _update_progress(self, index: int) -> None:
        page = self.section_pages[index]
        answered, total = section_progress(page, self._saved,
                                           self._page_of.get(SHARE_QUESTION) is page)
        show_progress(self.section_list, index, answered, total, page.section.label)

    def _update_indicators(self) -> None:
        show_indicators(self._service, self._saved, self.rows.built(), self.indicator_panel)

    def _section_changed(self, index: int) -> None:
        if index < 0:
            return
        self.section_pages[index].build()  # its rows, on the first visit
        self.pages.setCurrentIndex(index)
        self._autosave.save_now()

    # -- saving ---------------------------------------------------------------------------
    def _collect(
        self, rows: list[QuestionRow], show_errors: bool
    ) -> tuple[dict[str, Any], dict[str, str], list[str]]:
        """Answers and marks: the rows' valid ones, the stored ones for the rest."""
        return saving.collect(self._saved, self.rows.built(), rows, show_errors)

    def _save(self) -> bool:
        if not self._service.is_open:  # locked under us: nothing can be stored now
            log.info("autosave of record %s skipped: the vault is locked", self._saved.id)
            self._autosave.stop()
            return False
        answers, meta, errors = self._collect(list(self.rows.built().values()),
                                              show_errors=True)
        candidate = replace(self._saved, answers=answers, meta=meta)
        try:
            stored = saving.store(self._service, self.rows, self._saved, candidate, errors)
        except Exception as error:  # told to the user; logged by type, never by value
            log.warning("autosave of record %s failed: %s", self._saved.id,
                        type(error).__name__)
            self._failed(error_text(error))
            return False
        self._saved, self._stored = stored, True
        self._failing = False
        self._set_status("saved", (stored.updated_at, len(errors)))
        self.saved.emit(stored.updated_at)
        return True

    def _failed(self, reason: str) -> None:
        self._set_status("failed", reason)
        self.save_failed.emit(reason)
        if not self._failing:  # tell once, not at every retry
            self._failing = True
            QTimer.singleShot(0, self, lambda: self._dialogs.error(
                self, _("Not saved"), saving.not_saved_text(reason)))

    def _pending_changed(self, pending: bool) -> None:
        if pending and self._status[0] != "failed":
            self._set_status("pending", None)

    def _set_status(self, kind: str, data: Any) -> None:
        self._status = (kind, data)
        self.status_label.setText(self._status_text())
        self.status_changed.emit(self.status_label.text())

    def _status_text(self) -> str:
        return saving.status_text(*self._status)

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.section_list.setAccessibleName(_("Sections"))
        for index, page in enumerate(self.section_pages):
            page.retranslate()
            self._update_progress(index)
        self.indicator_panel.retranslate()
        self.side_tabs.retranslate()
        self._consent.retranslate()
        self._set_status(*self._status)  # the label and the status bar, in the new language
