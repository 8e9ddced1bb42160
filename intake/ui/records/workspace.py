"""The workspace shown while the vault is unlocked: the list of testimonies and the form.

Two pages: the record list (or, for reviewers, the review queue), and the interview form
of one record with a way back to the list. The form gets the review panel as a tab beside
its indicators and the consent step behind its consent buttons. The workspace is destroyed
on lock, so nothing it showed outlives the keys; before
that, :meth:`flush` saves what the open form still holds and :meth:`release` drops every
summary and disables the form.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from intake.dates import time_text
from intake.domain.permissions import Action
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import IntakeError
from intake.i18n import N_, _
from intake.services.desk import Desk
from intake.services.drafts import Place
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.theme import icon
from intake.ui.kit.worker import Runner
from intake.ui.records.empty_states import empty_state_label, empty_vault_text
from intake.ui.records.record_list import RecordList
from intake.ui.records.review_queue import ReviewQueue

if TYPE_CHECKING:
    from intake.ui.form.interview_form import InterviewForm
    from intake.ui.form.recording_bar import RecordingBar
    from intake.ui.recording.client import RecordingClient
    from intake.ui.records.attachments_panel import AttachmentsPanel
    from intake.ui.records.consent_step import ConsentController
    from intake.ui.records.review_panel import ReviewPanel

log = logging.getLogger(__name__)

LIST_PAGE, FORM_PAGE = 0, 1
REVIEWING_ROLES = (Role.CASE_MANAGER, Role.ADMIN)


def saved_time(stamp: str) -> str:
    """The local time of an ISO timestamp, in the one time style (``intake.dates``)."""
    try:
        return time_text(stamp)
    except ValueError:
        return stamp


class Workspace(QWidget):
    lock_requested = Signal()
    status_message = Signal(str)  # for the window's status bar

    def __init__(
        self,
        desk: Desk,
        dialogs: Dialogs,
        parent: QWidget | None = None,
        tasks: Runner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self._desk, self._service, self._dialogs = desk, desk.records, dialogs
        self._tasks = tasks
        self.attachments_panel: AttachmentsPanel | None = None
        self.recording_bar: RecordingBar | None = None
        self._review = desk.review
        self._service.index_pending()  # texts saved before a crash become searchable
        self.can_review = desk.role in REVIEWING_ROLES
        self.form: InterviewForm | None = None
        self.review_panel: ReviewPanel | None = None
        self.consent: ConsentController | None = None
        self._form_record: str | None = None

        self.heading = heading(self, 1.4, wrap=False)
        self.status = QLabel(self)
        self.status.setObjectName("workspace_status")
        self.status.setWordWrap(True)
        self.lock_button = QPushButton(icon("lock"), "", self)
        self.lock_button.setObjectName("lock_button")
        self.lock_button.clicked.connect(self.lock_requested)

        self.pages = QStackedWidget(self)
        list_page = QWidget(self.pages)
        self.empty = empty_state_label(list_page, "no_records")
        self.record_list = RecordList(
            self._service, dialogs, can_search_names=desk.has_identity_key,
            can_search_text=desk.role.holds_identity_key and desk.has_identity_key,
            interviewers=[desk.user], parent=list_page, tasks=tasks)
        self.record_list.open_requested.connect(self.open_record)
        self.record_list.new_requested.connect(self.new_record)
        self.record_list.deleted.connect(self._update_empty)
        self.queue = (ReviewQueue(self._review, self.record_list)
                      if self._review.may_review() else None)
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.empty)
        list_layout.addWidget(self.record_list, 1)
        self.pages.addWidget(list_page)

        self.form_page = QWidget(self.pages)
        self.back_button = QPushButton(icon("arrow-left"), "", self.form_page)
        self.back_button.setObjectName("back_to_list")
        self.back_button.clicked.connect(self.back_to_list)
        bar = QHBoxLayout()
        bar.addWidget(self.back_button)
        bar.addStretch(1)
        self.form_row = bar  # the recording controls join it (workspace_recording.py)
        self._form_layout = QVBoxLayout(self.form_page)
        self._form_layout.setContentsMargins(0, 0, 0, 0)
        self._form_layout.addLayout(bar)
        self.pages.addWidget(self.form_page)

        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.heading)
        titles.addWidget(self.status)
        header.addLayout(titles, 1)
        header.addWidget(self.lock_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 16, 24, 16)
        layout.addLayout(header)
        layout.addWidget(self.pages, 1)
        self._update_empty()
        self.retranslate()

    # -- the form -------------------------------------------------------------------------
    @property
    def showing_form(self) -> bool:
        return self.pages.currentIndex() == FORM_PAGE and self.form is not None

    def new_record(self) -> None:
        if not self._service.may(Action.CREATE_RECORD):  # coordinators
            return
        if self._leave_form():
            from intake.ui.form.new_testimony import with_defaults

            self._show_form(with_defaults(self._service.new_record()))  # dated today

    def open_record(self, record_id: str) -> None:
        if self.form is not None and self._form_record == record_id:
            self.pages.setCurrentIndex(FORM_PAGE)
            return
        if not self._leave_form():
            return
        try:
            record = self._service.load(record_id)
        except IntakeError as error:
            self._dialogs.error(self, _("The testimony could not be opened"), error_text(error))
            self.record_list.refresh()
            return
        self._show_form(record)

    def _show_form(self, record: Record) -> None:
        # Imported when a testimony is opened: the list does not need the form's modules.
        from intake.ui.form.interview_form import InterviewForm

        form = InterviewForm(self._service, record, self.can_review, self._dialogs,
                             parent=self.form_page)
        # One truth: the status bar says what the form's own status line says.
        form.status_changed.connect(self.status_message)
        self._attach_review(form)
        self._form_layout.addWidget(form, 1)
        self.form, self._form_record = form, record.id
        self.pages.setCurrentIndex(FORM_PAGE)
        form.setFocus(Qt.FocusReason.OtherFocusReason)

    def _attach_review(self, form: InterviewForm) -> None:
        """The review panel and the consent step beside the form."""
        from intake.ui.records.consent_step import ConsentController
        from intake.ui.records.review_panel import ReviewPanel

        panel = ReviewPanel(self._review, form, self._dialogs, form, quotes=self._desk.quotes)
        form.add_side_panel(panel, N_("Review"))
        consent = ConsentController(form, self._review, self._dialogs)
        consent.changed.connect(lambda _record: panel.refresh())
        self.review_panel, self.consent = panel, consent
        if self.queue is not None and self.queue.showing:  # opened to be reviewed
            form.side_tabs.setCurrentWidget(panel)
        desk = self._desk
        if self._tasks is not None and desk.role.holds_identity_key and desk.has_identity_key:
            from intake.ui.records.attachments_panel import AttachmentsPanel

            files = AttachmentsPanel(desk, lambda: form.record_id if form.is_stored else None,
                                     form.store, self._tasks, self._dialogs, form)
            form.add_side_panel(files, N_("Attachments"))
            self.attachments_panel = files
            from intake.ui.records import workspace_recording

            self.recording_bar = workspace_recording.attach(
                form, desk, files, consent, self.form_row)

    # -- where the interviewer is --------------------------------------------------------
    def place(self) -> Place | None:
        """The stored testimony, section and question the form shows (ids only); None on
        the list or for a testimony never saved."""
        form = self.form
        if form is None or not self.showing_form or not form.is_stored:
            return None
        page = form.current_page
        focused = QApplication.focusWidget()
        question = next((qid for qid, row in page.rows.items()
                         if focused is not None and row.isAncestorOf(focused)), "")
        return Place(form.record_id, page.section.id, question)

    def resume(self, place: Place) -> bool:
        """Open the testimony at ``place`` again, on its section, the question focused;
        False (and the list) when it cannot be opened any more."""
        try:
            record = self._service.load(place.record_id)  # once: its identity is decrypted
        except IntakeError:
            return False
        if not self._leave_form():
            return False
        self._show_form(record)
        form = self.form
        if form is None:
            return False
        index = next((i for i, page in enumerate(form.section_pages)
                      if page.section.id == place.section), 0)
        form.go_to_section(index)
        row = form.current_page.rows.get(place.question)
        if row is None:
            form.focus_first_field()
        else:
            form.current_page.ensureWidgetVisible(row)
            row.focus_widget().setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def back_to_list(self) -> None:
        record_id = self._form_record
        if self._leave_form():
            self._service.index_pending()  # what was typed is searchable from the list
            self.pages.setCurrentIndex(LIST_PAGE)
            self.record_list.refresh(keep=record_id)
            self._update_empty()
            self.record_list.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def _leave_form(self) -> bool:
        """Save and close the open form; False if the user chose to stay on it."""
        if self.form is None:
            return True
        if not self._flush_form() and not self._dialogs.ask(
            self, _("Changes not saved"),
            _("The last changes to this testimony could not be saved. Leave it anyway? "
              "Those changes will be lost."),
        ):
            return False
        self._close_form()
        return True

    def _flush_form(self) -> bool:
        form = self.form
        return form.flush() if form is not None else True

    def _close_form(self) -> None:
        form, self.form, self._form_record = self.form, None, None
        self.review_panel = self.consent = None
        self.recording_bar = None  # it stops its recording as the form closes
        if form is not None:
            form.hide()
            self._form_layout.removeWidget(form)
            form.deleteLater()

    def show_list(self) -> None:
        """Back to the list (saving the form first), e.g. for Find."""
        if self.pages.currentIndex() == FORM_PAGE:
            self.back_to_list()

    def show_queue(self) -> None:
        """The review queue (case managers): the list in its queue mode."""
        self.show_list()
        if self.queue is not None and self.pages.currentIndex() == LIST_PAGE:
            self.queue.show_queue(True)
            self.record_list.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_search(self) -> None:
        self.show_list()
        if self.pages.currentIndex() == LIST_PAGE:
            self.record_list.focus_search()

    # -- saving, locking ------------------------------------------------------------------
    def flush(self) -> bool:
        """Save what the open form holds (before a lock or quit); True when nothing is lost."""
        if self.form is None:
            return True
        saved = self._flush_form()
        if not saved:
            log.warning("the open testimony could not be saved before closing")
        else:
            self._service.index_pending()
        return saved

    def adopt_recording(self, recording: RecordingClient) -> bool:
        """After an unlock: the recording that went on while locked, shown again on its
        testimony's form (opened); False when that testimony cannot be opened."""
        if not self.resume(Place(recording.record_id, "", "")) or self.recording_bar is None:
            return False
        self.recording_bar.adopt(recording)
        return True

    def release(self, idle: bool = False, discard: bool = False) -> None:
        """The vault is about to lock: no more edits, no summaries kept in memory; a
        recording stops, goes on by itself after an auto-lock (``idle``), or is thrown
        away (``discard``: travel mode, the panic wipe)."""
        from intake.ui.records import workspace_recording

        workspace_recording.for_lock(self.recording_bar, idle, discard)
        if self.form is not None:
            self.form.setEnabled(False)
        self.record_list.release()

    def _update_empty(self) -> None:
        self.empty.setVisible(self._service.count() == 0)

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        role = self._desk.role
        self.heading.setText(_("Testimonies"))
        self.status.setText(_("Unlocked as {user} ({role}).").format(
            user=self._desk.user, role=_(role.label)))
        self.empty.setText(empty_vault_text(role))
        self.lock_button.setText(_("Lock"))
        self.back_button.setText(_("Back to the list"))
        self.record_list.retranslate()
        if self.queue is not None:
            self.queue.retranslate()
        if self.form is not None:
            self.form.retranslate()
        if self.review_panel is not None:
            self.review_panel.retranslate()
        if self.consent is not None:
            self.consent.retranslate()
