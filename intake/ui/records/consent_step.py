"""The consent step: the only place where a testimony's consent changes.

The form shows the consent answers read-only; its "Change consent…" and "Withdraw
consent…" buttons open the two dialogs here, which call ``ReviewService.set_consent`` and
``ReviewService.withdraw`` (each decision with the date the person made it, never in the
future) and hand the stored record back to the form (``InterviewForm.adopt``).

A new testimony is saved first (an empty draft), then its consent is recorded through
``set_consent`` like any other: every decision, the first ones included, gets its date in
the consent history. (A first save carrying consent answers would store them without a
date.)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QDate, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from intake.dates import date_text, stamp_date_text, stored_date_text
from intake.domain.record import Record
from intake.errors import IntakeError
from intake.i18n import _
from intake.services.record_changes import RESTRICTIONS, WITHDRAWN, consent_scopes
from intake.services.review import ReviewService
from intake.ui.form.interview_form import InterviewForm
from intake.ui.form.question_row import ERROR_STYLE, HELP_STYLE
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.kit.headings import heading

log = logging.getLogger(__name__)


def decision_date(parent: QWidget, name: str) -> QDateEdit:
    """A date field for the day the person decided: today by default, never later."""
    edit = QDateEdit(parent)
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    today = QDate.currentDate()
    edit.setMaximumDate(today)
    edit.setMinimumDate(QDate(1990, 1, 1))
    edit.setDate(today)
    return edit


def chosen_day(edit: QDateEdit) -> dt.date:
    day = edit.date()
    return dt.date(day.year(), day.month(), day.day())


class DecisionDialog(QDialog):
    """What the two consent dialogs share: the date row, the error line and recording
    through the review service, which emits ``recorded`` and closes the dialog."""

    recorded = Signal(object)  # the Record as stored
    _record_id: str
    date_label: QLabel
    date: QDateEdit
    error: QLabel

    def _error_label(self, name: str = "") -> QLabel:
        label = QLabel(self)
        if name:
            label.setObjectName(name)
        label.setWordWrap(True)
        label.setStyleSheet(ERROR_STYLE)
        label.hide()
        return label

    def _date_row(self) -> QGridLayout:
        dates = QGridLayout()
        dates.addWidget(self.date_label, 0, 0)
        dates.addWidget(self.date, 0, 1)
        dates.setColumnStretch(0, 1)
        return dates

    def _record(self, what: str, call: Callable[[], Record]) -> None:
        """``call`` stores the decision; its refusal is shown under the fields (and logged
        by type, as ``what`` of the record, never by value)."""
        try:
            record = call()
        except IntakeError as error:
            log.warning("%s of record %s not recorded: %s", what, self._record_id,
                        type(error).__name__)
            self.error.setText(error_text(error))
            self.error.show()
            return
        self.recorded.emit(record)
        self.accept()


class ConsentStep(DecisionDialog):
    """Each scope yes/no, the date of the decisions and the restrictions the person asked
    for; "Save" records them and emits ``recorded`` with the stored record."""

    def __init__(self, review: ReviewService, record_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consent_step")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._review, self._record_id = review, record_id
        states = review.consent(record_id)
        questionnaire = review.questionnaire
        self.title = heading(self, 1.2)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setStyleSheet(HELP_STYLE)
        grid = QGridLayout()
        grid.setColumnStretch(0, 1)
        self.scopes: dict[str, QComboBox] = {}
        self._labels: dict[str, QLabel] = {}
        self._latest: dict[str, QLabel] = {}
        for row, qid in enumerate(consent_scopes(questionnaire)):
            label, combo, latest = QLabel(self), QComboBox(self), QLabel(self)
            label.setWordWrap(True)
            label.setBuddy(combo)
            combo.setObjectName(f"scope:{qid}")
            value = states[qid].value if qid in states else None
            if not isinstance(value, bool):  # not asked yet: may stay undecided
                combo.addItem("", None)
            combo.addItem("", True)
            combo.addItem("", False)
            combo.setCurrentIndex(max(combo.findData(value), 0) if isinstance(value, bool)
                                  else 0)
            latest.setStyleSheet(HELP_STYLE)
            decided = states[qid].decided_on if qid in states else None
            latest.setProperty("decided_on", decided or "")
            grid.addWidget(label, row, 0)
            grid.addWidget(combo, row, 1)
            grid.addWidget(latest, row, 2)
            self.scopes[qid], self._labels[qid], self._latest[qid] = combo, label, latest
        self._question_labels = {qid: questionnaire.question(qid).label
                                 for qid in (*self.scopes, RESTRICTIONS)}
        self.date_label = QLabel(self)
        self.date = decision_date(self, "consent_date")
        self.date_label.setBuddy(self.date)
        self.restrictions_label = QLabel(self)
        self.restrictions = QPlainTextEdit(self)
        self.restrictions.setObjectName("consent_restrictions")
        self.restrictions.setTabChangesFocus(True)
        self.restrictions.setMaximumHeight(90)
        restrictions = states[RESTRICTIONS].value if RESTRICTIONS in states else None
        self.restrictions.setPlainText(restrictions if isinstance(restrictions, str) else "")
        self.error = self._error_label("consent_error")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
            self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setDefault(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(grid)
        layout.addLayout(self._date_row())
        layout.addWidget(self.restrictions_label)
        layout.addWidget(self.restrictions)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)
        self.retranslate()
        first = next(iter(self.scopes.values()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def choices(self) -> dict[str, bool]:
        """The scopes given a yes or no (undecided ones are left out)."""
        return {qid: combo.currentData() for qid, combo in self.scopes.items()
                if isinstance(combo.currentData(), bool)}

    def save(self) -> None:
        self._record("consent", lambda: self._review.set_consent(
            self._record_id, self.choices(), chosen_day(self.date),
            restrictions=self.restrictions.toPlainText()))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Consent"))
        self.title.setText(_("The person's consent"))
        self.intro.setText(_("Ask for each use separately. Record what the person decided "
                             "and on which day; earlier decisions stay in the record's "
                             "history."))
        for qid, combo in self.scopes.items():
            label = _(self._question_labels[qid])
            self._labels[qid].setText(label)
            combo.setAccessibleName(label)
            for index in range(combo.count()):
                data = combo.itemData(index)
                combo.setItemText(index, _("Yes") if data is True else
                                  _("No") if data is False else _("Not decided"))
            decided = self._latest[qid].property("decided_on")
            self._latest[qid].setText(
                _("decided {date}").format(date=stored_date_text(decided)) if decided else "")
        self.date_label.setText(_("Date of the decision"))
        self.date.setAccessibleName(_("Date of the decision"))
        self.restrictions_label.setText(_(self._question_labels[RESTRICTIONS]))
        self.restrictions.setAccessibleName(_(self._question_labels[RESTRICTIONS]))


class WithdrawDialog(DecisionDialog):
    """The day consent was withdrawn and whether to erase the identity section; asks for
    confirmation (through ``Dialogs``) before it calls ``withdraw``."""

    def __init__(self, review: ReviewService, record_id: str, dialogs: Dialogs,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("withdraw_consent")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._review, self._record_id, self._dialogs = review, record_id, dialogs
        self.title = heading(self, 1.2)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.date_label = QLabel(self)
        self.date = decision_date(self, "withdrawal_date")
        self.date_label.setBuddy(self.date)
        self.purge = QCheckBox(self)
        self.purge.setObjectName("purge_identity")
        self.purge_note = QLabel(self)
        self.purge_note.setWordWrap(True)
        self.purge_note.setStyleSheet(HELP_STYLE)
        self.error = self._error_label()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.withdraw)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.intro)
        layout.addLayout(self._date_row())
        layout.addWidget(self.purge)
        layout.addWidget(self.purge_note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(480)
        self.retranslate()
        self.date.setFocus(Qt.FocusReason.OtherFocusReason)

    def withdraw(self) -> None:
        purge = self.purge.isChecked()
        question = _("Record that the person withdrew consent on {date}? The testimony "
                     "leaves every export from then on.").format(
            date=date_text(chosen_day(self.date)))
        if purge:
            question += "\n\n" + _(
                "The identity section and all its earlier versions will be erased for "
                "good; only a tombstone with the record's id and the date is kept. This "
                "cannot be undone.")
        if not self._dialogs.ask(self, _("Withdraw consent"), question):
            return
        self._record("withdrawal", lambda: self._review.withdraw(
            self._record_id, chosen_day(self.date), purge))

    def retranslate(self) -> None:
        self.setWindowTitle(_("Withdraw consent"))
        self.title.setText(_("Withdraw consent"))
        self.intro.setText(_("From the day of the withdrawal, the testimony is left out of "
                             "every export and transfer."))
        self.date_label.setText(_("Date of the withdrawal"))
        self.date.setAccessibleName(_("Date of the withdrawal"))
        self.purge.setText(_("Erase the identity section for good"))
        self.purge.setAccessibleName(self.purge.text())
        self.purge_note.setText(_("Erases who the person is from this testimony and from "
                                  "all its earlier versions. Cannot be undone."))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Withdraw…"))


class ConsentController(QObject):
    """Connects one form to the consent step: opens the dialogs, gives the stored record
    back to the form and shows the withdrawal banner. ``changed`` follows every change."""

    changed = Signal(object)  # the Record as stored

    def __init__(self, form: InterviewForm, review: ReviewService, dialogs: Dialogs) -> None:
        super().__init__(form)
        self._form, self._review, self._dialogs = form, review, dialogs
        self.step: ConsentStep | None = None
        self.withdrawal: WithdrawDialog | None = None
        self._purged_on: str | None = None  # the tombstone's date, read by refresh_banner
        form.consent_requested.connect(self.open_step)
        form.withdraw_requested.connect(self.open_withdrawal)
        self.refresh_banner()

    def _stored_form(self) -> bool:
        """Save the form first (a new record too); False, told, when that failed."""
        if self._form.store():
            return True
        self._dialogs.error(self._form, _("Not saved"),
                            _("The testimony must be saved before its consent is recorded."))
        return False

    def open_step(self) -> ConsentStep | None:
        if not self._stored_form():
            return None
        try:
            step = ConsentStep(self._review, self._form.record.id, self._form)
        except IntakeError as error:
            self._dialogs.error(self._form, _("Consent"), error_text(error))
            return None
        step.recorded.connect(self._adopt)
        step.finished.connect(self._back_to_form)
        self.step = step
        step.open()
        return step

    def open_withdrawal(self) -> WithdrawDialog | None:
        if not self._stored_form():
            return None
        dialog = WithdrawDialog(self._review, self._form.record.id, self._dialogs, self._form)
        dialog.recorded.connect(self._adopt)
        dialog.finished.connect(self._back_to_form)
        self.withdrawal = dialog
        dialog.open()
        return dialog

    def _back_to_form(self, _result: int) -> None:
        """The keyboard goes on where it was (the button that opened the step)."""
        self._form.activateWindow()

    def _adopt(self, record: Record) -> None:
        self._form.adopt(record)
        self.refresh_banner()
        self.changed.emit(record)

    def refresh_banner(self, query: bool = True) -> None:
        """A withdrawn consent (and an erased identity) shown above the questions."""
        form = self._form
        withdrawn = form.record.answers.get(WITHDRAWN)
        if query:
            self._purged_on = None
            if withdrawn and form.is_stored and self._review.is_open:
                try:
                    tombstone = self._review.tombstone(form.record.id)
                except IntakeError:
                    tombstone = None
                self._purged_on = stamp_date_text(tombstone.purged_at) if tombstone else None
        if not withdrawn:
            form.show_banner("")
            return
        text = _("Consent withdrawn on {date}: this testimony is left out of every export."
                 ).format(date=stored_date_text(str(withdrawn)))
        if self._purged_on is not None:
            text += " " + _("Its identity section was erased on {date}.").format(
                date=self._purged_on)
        form.show_banner(text)

    def retranslate(self) -> None:
        self.refresh_banner(query=False)
        for dialog in (self.step, self.withdrawal):
            if dialog is not None and shiboken6.isValid(dialog):  # closed ones are deleted
                dialog.retranslate()
