"""The review panel, a tab beside the form's indicators (the case manager's review).

It shows the record's status with the transitions the current user may make as buttons
(``ReviewService.allowed_transitions``: a case manager gets Start review, Verify, Needs
follow-up, Reopen…; an interviewer only Submit on their own draft), the status history (who,
when, from → to), the reliability a reviewer gave, and each ILO indicator derived and final
with the reviewer's override (``ui/records/review_overrides.py``).

Reliability, notes and follow-up actions are questions of the form's reviewers-only
"Review" section, and stay there (autosaved with the rest of the record, validated like any
answer); the panel shows the reliability and a button that opens that section, so they are
never edited in two places.

Before a transition the form is saved (``flush``); the record the service returns is given
back to the form (``InterviewForm.adopt``), so the form never autosaves an older status.
Submitting first shows what is unanswered or wrong, section by section, and asks
(``ui/form/submit_check.py``); declining keeps the draft.

"Quotes for publication…" (only for a reviewer holding the identity key) opens
``ui/records/quote_approval.py`` for the stored record.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from intake.dates import stamp_text
from intake.domain.codelists import RELIABILITY, STATUSES
from intake.domain.record import Record, Status
from intake.errors import IntakeError
from intake.i18n import N_, _
from intake.services.quotes import QuoteService
from intake.services.review import ReviewService, StatusChange
from intake.ui.form.interview_form import InterviewForm
from intake.ui.form.question_row import HELP_STYLE
from intake.ui.form.submit_check import confirm_submit
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading
from intake.ui.kit.theme import icon
from intake.ui.records.quote_approval import QuoteApprovalDialog
from intake.ui.records.review_overrides import IndicatorOverrides

log = logging.getLogger(__name__)

RELIABILITY_QUESTION = "review.reliability"
REVIEW_SECTION = "review"
_STATUS_LABELS = {code.value: code.label for code in STATUSES}
_RELIABILITY_LABELS = {code.value: code.label for code in RELIABILITY}

#: (from, to) → the button's label; a pair not listed uses the target status's label.
ACTION_LABELS: dict[tuple[Status, Status], str] = {
    (Status.DRAFT, Status.SUBMITTED): N_("Submit"),
    (Status.NEEDS_FOLLOW_UP, Status.SUBMITTED): N_("Resubmit"),
    (Status.SUBMITTED, Status.IN_REVIEW): N_("Start review"),
    (Status.IN_REVIEW, Status.VERIFIED): N_("Verify"),
    (Status.IN_REVIEW, Status.NEEDS_FOLLOW_UP): N_("Needs follow-up"),
    (Status.NEEDS_FOLLOW_UP, Status.IN_REVIEW): N_("Review again"),
    (Status.VERIFIED, Status.IN_REVIEW): N_("Reopen"),
}


def status_label(status: str) -> str:
    return _(_STATUS_LABELS.get(status, status))


def history_line(change: StatusChange) -> str:
    return _("{at} · {user}: {from_status} → {to_status}").format(
        at=stamp_text(change.at), user=change.user,
        from_status=status_label(change.from_status), to_status=status_label(change.to_status))


class ReviewPanel(QScrollArea):
    changed = Signal()  # the status or an indicator's final value changed (refresh lists)

    def __init__(self, review: ReviewService, form: InterviewForm, dialogs: Dialogs,
                 parent: QWidget | None = None, *, quotes: QuoteService | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("review_panel")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._review, self._form, self._dialogs = review, form, dialogs
        self.can_review = review.may_review()
        self._status: Status | None = None
        self._targets: list[Status] = []
        self._changes: list[StatusChange] = []
        body = QWidget(self)
        self.status_title = heading(body)
        self.status_value = QLabel(body)
        self.status_value.setObjectName("review_status")
        self.status_value.setWordWrap(True)
        self.conflict = QLabel(body)
        self.conflict.setObjectName("review_conflict")
        self.conflict.setWordWrap(True)
        self.conflict.hide()
        self._conflict: tuple[str | None, list[str]] = (None, [])
        self.unsaved = QLabel(body)
        self.unsaved.setWordWrap(True)
        self.unsaved.setStyleSheet(HELP_STYLE)
        self.transitions = QHBoxLayout()
        self.transition_buttons: dict[Status, QPushButton] = {}
        self.history_title = heading(body)
        self.history = QListWidget(body)
        self.history.setObjectName("status_history")
        self.history.setWordWrap(True)
        self.history.setMaximumHeight(120)
        self.reliability_title = heading(body)
        self.reliability = QLabel(body)
        self.reliability.setObjectName("review_reliability")
        self.reliability.setWordWrap(True)
        self.notes_button = QPushButton(icon("clipboard-check"), "", body)
        self.notes_button.setObjectName("open_review_section")
        self.notes_button.clicked.connect(self.open_review_section)
        # the desk's quote service (desk.quotes); one for this vault when none is given
        self._quotes = quotes if quotes is not None else QuoteService(review.vault)
        self.quotes_button = QPushButton(icon("clipboard-check"), "", body)
        self.quotes_button.setObjectName("open_quote_approval")
        self.quotes_button.clicked.connect(self.open_quotes)
        self.quote_dialog: QuoteApprovalDialog | None = None
        self.overrides = IndicatorOverrides(self.can_review, body)
        self.overrides.override_requested.connect(self.override)
        self.overrides.clear_requested.connect(self.clear_override)

        layout = QVBoxLayout(body)
        layout.addWidget(self.status_title)
        layout.addWidget(self.status_value)
        layout.addWidget(self.conflict)
        layout.addWidget(self.unsaved)
        layout.addLayout(self.transitions)
        layout.addWidget(self.history_title)
        layout.addWidget(self.history)
        if self.can_review:
            layout.addWidget(self.reliability_title)
            layout.addWidget(self.reliability)
            layout.addWidget(self.notes_button, 0, Qt.AlignmentFlag.AlignLeft)
        if self._quotes.may_approve():
            layout.addWidget(self.quotes_button, 0, Qt.AlignmentFlag.AlignLeft)
        else:
            self.quotes_button.hide()
        if not self.can_review:
            for widget in (self.reliability_title, self.reliability, self.notes_button):
                widget.hide()
        layout.addWidget(self.overrides)
        layout.addStretch(1)
        self.setWidget(body)
        form.saved.connect(self._form_saved)
        self.retranslate()

    # -- what is shown --------------------------------------------------------------------
    def refresh(self) -> None:
        """Read status, transitions, history and indicators again from the vault."""
        record = self._form.record
        self._status = record.status
        self._targets, self._changes = [], []
        if self._form.is_stored and self._review.is_open:
            try:
                self._targets = self._review.allowed_transitions(record.id)
                self._changes = self._review.history(record.id)
                self.overrides.show_views(self._review.indicators(record.id))
                self._conflict = self._review.conflict(record.id)
            except IntakeError as error:
                log.warning("review data of record %s not read: %s", record.id,
                            type(error).__name__)
        self._form.show_overrides(self.overrides.finals())
        self._render()

    def _render(self) -> None:
        """Show what ``refresh`` read (again after a language switch, without queries)."""
        record = self._form.record
        self.unsaved.setVisible(not self._form.is_stored)
        self.quotes_button.setEnabled(self._form.is_stored)
        self._set_transitions(record.status, self._targets)
        self.history.clear()
        for change in self._changes:
            self.history.addItem(history_line(change))
        self._show_status(record)

    def _show_conflict(self) -> None:
        original, copies = self._conflict
        if original is not None:
            text = _("This is the field's version of testimony {id}, which was changed at "
                     "the office too. Compare the two and keep what is right.").format(
                id=original[:8])
        elif copies:
            text = _("The field sent another version of this testimony, changed there "
                     "while it was changed here; it is kept as testimony {id}. Compare the "
                     "two and keep what is right.").format(id=copies[-1][:8])
        else:
            text = ""
        self.conflict.setText(text)
        self.conflict.setVisible(bool(text))

    def _show_status(self, record: Record) -> None:
        self._show_conflict()
        self.status_value.setText(status_label(record.status.value))
        self.status_value.setAccessibleName(
            _("Status: {status}").format(status=status_label(record.status.value)))
        value = record.answers.get(RELIABILITY_QUESTION)
        self.reliability.setText(_(_RELIABILITY_LABELS[value]) if value in _RELIABILITY_LABELS
                                 else _("Not assessed yet"))

    def _set_transitions(self, current: Status, targets: list[Status]) -> None:
        for button in self.transition_buttons.values():
            self.transitions.removeWidget(button)
            button.deleteLater()
        self.transition_buttons = {}
        for target in targets:
            button = QPushButton(self.widget())
            button.setObjectName(f"transition:{target.value}")
            button.setProperty("label", ACTION_LABELS.get((current, target),
                                                          _STATUS_LABELS[target.value]))
            button.setText(_(button.property("label")))
            button.clicked.connect(lambda _c=False, t=target: self.transition(t))
            self.transitions.addWidget(button)
            self.transition_buttons[target] = button

    def _form_saved(self, _stamp: str) -> None:
        if self._status is None or not self.unsaved.isHidden():
            self.refresh()  # the first save: the record exists now
        else:
            self._show_status(self._form.record)

    # -- actions --------------------------------------------------------------------------
    def _saved_first(self) -> bool:
        if self._form.flush():
            return True
        self._dialogs.error(self, _("Not saved"),
                            _("The last changes could not be saved; try again."))
        return False

    def transition(self, target: Status) -> bool:
        """Move the record to ``target``; True when done."""
        if not self._saved_first():
            return False
        if target is Status.SUBMITTED and not confirm_submit(self._form, self._dialogs, self):
            return False  # what is missing was shown; the interviewer stays on the draft
        record_id = self._form.record.id
        try:
            record = self._review.transition(record_id, target)
        except IntakeError as error:
            self._dialogs.error(self, _("The status was not changed"), error_text(error))
            self.refresh()
            return False
        self._form.adopt(record)
        self.refresh()
        self.changed.emit()
        return True

    def override(self, indicator: str, value: str, reason: str) -> bool:
        if not self._saved_first():
            return False
        try:
            self._review.override(self._form.record.id, indicator, value, reason)
        except IntakeError as error:
            self._dialogs.error(self, _("The indicator was not overridden"),
                                error_text(error))
            return False
        self.refresh()
        self.overrides.select(indicator)
        self.changed.emit()
        return True

    def clear_override(self, indicator: str) -> bool:
        try:
            self._review.clear_override(self._form.record.id, indicator)
        except IntakeError as error:
            self._dialogs.error(self, _("The override was not cleared"), error_text(error))
            return False
        self.refresh()
        self.overrides.select(indicator)
        self.changed.emit()
        return True

    def open_quotes(self) -> QuoteApprovalDialog | None:
        """Quotes for publication of the record (saved first), in a window-modal dialog."""
        if not self._quotes.may_approve() or not self._form.is_stored \
                or not self._saved_first():
            return None
        dialog = QuoteApprovalDialog(self._quotes, self._form.record.id, self._dialogs, self)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.destroyed.connect(lambda: setattr(self, "quote_dialog", None))
        self.quote_dialog = dialog
        dialog.open()
        return dialog

    def open_review_section(self) -> None:
        """Reliability, notes and follow-up are the form's "Review" section."""
        ids = [p.section.id for p in self._form.section_pages]
        if REVIEW_SECTION in ids:
            self._form.go_to_section(ids.index(REVIEW_SECTION), focus=True)

    # -- language -------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.status_title.setText(_("Status"))
        self.unsaved.setText(_("Not saved yet: the status can change once the testimony is "
                               "saved."))
        self.history_title.setText(_("Status history"))
        self.history.setAccessibleName(_("Status history"))
        self.reliability_title.setText(_("Reliability"))
        self.notes_button.setText(_("Reliability, notes and follow-up…"))
        self.quotes_button.setText(_("Quotes for publication…"))
        self.overrides.retranslate()
        if self._status is None:
            self.refresh()
        else:
            self._render()
