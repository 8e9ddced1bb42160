"""One question on a section page: label, help, editor, answer state, estimate, error.

The answer state says whether the person gave a value, does not know or declined; the
three stay distinct in storage. Its first entry reads "Not asked" while the editor is
empty (the case file's word for a blank) and "Answer" once something is typed. Choosing
unknown or declined clears and disables the editor, but the value is kept aside while the
form is open, so a slip of the hand is undone by choosing the first entry again. A masked
row (identifying answers) shows neither its value nor its editor until the form reveals
the record's identity.

One Tab stop per question, so an interview is not a walk through three boxes a question:
the editor while it takes the answer, the state box instead while the row is marked
unknown or declined (the editor is disabled then, and the row must stay reachable to be
undone). The state and the estimate are set by keys on the focused question (Alt+U,
Alt+D, Alt+E: ``keys.py``), or by the mouse. The answer is checked when the focus leaves
the question; the error line's room is always kept, so an error never moves the page. Where
the state and the estimate sit (beside the editor, or under it on a narrow page) is
:mod:`intake.ui.form.row_layout`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from intake.domain.answers import AnswerError, is_empty, normalize
from intake.domain.questionnaire import Meta, QType, Question
from intake.errors import IntakeError
from intake.i18n import N_, _
from intake.services.casefile_text import NOT_ASKED
from intake.ui.form.date_money_fields import DateEditor, MoneyEditor
from intake.ui.form.descriptions import ESTIMATE_HINT, STATE_HINT, describe, joined
from intake.ui.form.error_line import ErrorLine
from intake.ui.form.fields import (
    BoolEditor,
    ChoiceEditor,
    FieldEditor,
    FormCombo,
    ListEditor,
    LongTextEditor,
    MultiEditor,
    NumberEditor,
    TextEditor,
    part_name,
)
from intake.ui.form.row_layout import StateLine, tint
from intake.ui.kit.headings import heading

ERROR_STYLE = "color: #a40000;"
HELP_STYLE = "color: #5f6368;"
#: A multiple choice answered with none of its codes ("no threats"): an answer, not a mark.
NONE_OF_THESE = "none_of_these"
ANSWERED = N_("Answer")  # the first state once the editor holds something
STATES = (
    (None, NOT_ASKED),
    (Meta.UNKNOWN.value, N_("Unknown")),
    (Meta.DECLINED.value, N_("Declined")),
)
MULTI_STATES = (*STATES, (NONE_OF_THESE, N_("None of these")))

EDITORS: dict[QType, type[FieldEditor]] = {
    QType.BOOL: BoolEditor,
    QType.CHOICE: ChoiceEditor,
    QType.MULTI: MultiEditor,
    QType.INT: NumberEditor,
    QType.NUMBER: NumberEditor,
    QType.YEAR: NumberEditor,
    QType.DATE: DateEditor,
    QType.MONEY: MoneyEditor,
    QType.TEXT: TextEditor,
    QType.LONGTEXT: LongTextEditor,
    QType.LIST: ListEditor,
}


def editor_for(question: Question, parent: QWidget | None = None) -> FieldEditor:
    return EDITORS[question.type](question, parent)


@dataclass(frozen=True)
class RowAnswer:
    """What a row holds now: a valid value, a mark, an error, or nothing."""

    value: Any | None = None
    mark: str | None = None
    error: AnswerError | None = None


class QuestionRow(QWidget):
    changed = Signal(str)  # the question id
    tab_stop_changed = Signal()  # the state box became, or stopped being, the Tab stop

    def __init__(self, question: Question, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        self.setObjectName(f"row:{question.id}")
        self._stash: Any | None = None
        self._masked = False
        self._read_only = False  # shown, changed elsewhere (consent: the consent step)
        self._error: IntakeError | None = None

        # Only the widgets a question needs (a help line, a masked value's notice): a form
        # opens in the time it takes to build its first section.
        self.label = heading(self)
        self.help: QLabel | None = None
        if question.help:
            self.help = QLabel(self)
            self.help.setWordWrap(True)
            tint(self.help, HELP_STYLE)
            small = self.help.font()
            small.setPointSizeF(small.pointSizeF() * 0.9)
            self.help.setFont(small)

        self.stack = QStackedWidget(self)
        self.editor = editor_for(question, self.stack)
        self.stack.addWidget(self.editor)
        self.hidden: QLabel | None = None
        if question.is_identifying:
            self.hidden = QLabel(self.stack)
            self.hidden.setObjectName("masked_value")
            self.hidden.setWordWrap(True)  # long in Korean and large text: never widens
            self.stack.addWidget(self.hidden)
        self.state = FormCombo(self)
        self.state.setObjectName("answer_state")
        self.state.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a Tab stop only while marked
        self._states = MULTI_STATES if question.type is QType.MULTI else STATES
        for mark, _text in self._states:
            self.state.addItem("", mark)
        self.estimate: QCheckBox | None = None
        # Rows without an estimate keep its room, so the state controls line up; a
        # narrative has its state under it instead and takes the whole width.
        self.narrative = question.type is QType.LONGTEXT
        self._estimate_room = QCheckBox(self)
        self._estimate_room.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Alt+E, or the mouse
        if question.type.takes_estimate:
            self.estimate = self._estimate_room
            self.estimate.setObjectName("estimate")
        else:
            policy = self._estimate_room.sizePolicy()
            policy.setRetainSizeWhenHidden(not self.narrative)
            self._estimate_room.setSizePolicy(policy)
            self._estimate_room.hide()
        self.error = ErrorLine(self)
        self.error.setObjectName("field_error")
        tint(self.error, ERROR_STYLE)
        self.error.hide()

        line = StateLine(self.stack, self.state, self._estimate_room, self.narrative)
        self._line = line
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)  # the error line's kept room is the gap
        layout.setSpacing(3)
        layout.addWidget(self.label)
        if self.help is not None:
            layout.addWidget(self.help)
        layout.addLayout(line, 1)
        layout.addWidget(self.error)

        self.label.setBuddy(self.editor.focus_widget())
        for widget in self.editor.inputs():
            widget.installEventFilter(self)
        self.editor.changed.connect(self._edited)
        self.state.currentIndexChanged.connect(lambda _i: self._state_changed())
        if self.estimate is not None:
            self.estimate.toggled.connect(lambda _on: self.changed.emit(self.question.id))
        self.retranslate()

    # -- state ----------------------------------------------------------------------------
    @property
    def mark(self) -> str | None:
        """Unknown or declined; None when the row holds an answer (or nothing)."""
        data = self.state.currentData()
        return data if data in (Meta.UNKNOWN.value, Meta.DECLINED.value) else None

    @property
    def _editing(self) -> bool:
        """The editor holds the answer (not a mark, not "none of these")."""
        return self.state.currentData() is None

    def set_mark(self, mark: str | None) -> None:
        """Unknown, declined or None (answered); the same as choosing it in the combo."""
        self.state.setCurrentIndex(max(self.state.findData(mark), 0) if mark else 0)

    def toggle_mark(self, mark: str) -> None:
        """Alt+U / Alt+D: mark the row unknown or declined, or, if it is already, take the
        answer again; the focus stays on this question (on whichever of the editor and the
        state box is its Tab stop now)."""
        if not self.state.isEnabled():
            return
        had_focus = self.has_focus()
        self.set_mark(None if self.state.currentData() == mark else mark)
        if had_focus:
            self.take_focus()

    def toggle_estimate(self) -> None:
        """Alt+E: tick or clear the estimate (where the question takes one)."""
        if self.estimate is not None and self.estimate.isEnabled():
            self.estimate.toggle()

    def has_focus(self) -> bool:
        focused = QApplication.focusWidget()
        return focused is not None and self.isAncestorOf(focused)

    def take_focus(self) -> None:
        """Focus this question's Tab stop (the state box while the editor is disabled)."""
        target = self.focus_widget() if self.editor.isEnabled() else self.state
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _state_changed(self) -> None:
        marked = not self._editing
        if marked:
            try:
                value = self.editor.value()
            except AnswerError:
                value = None
            if not is_empty(value):
                self._stash = value
            with QSignalBlocker(self.editor):
                self.editor.set_value(None)
            self.show_error(None)
        elif self._stash is not None:
            with QSignalBlocker(self.editor):
                self.editor.set_value(self._stash)
            self._stash = None
        self._update_enabled()
        self.changed.emit(self.question.id)

    def _update_enabled(self) -> None:
        answering = self._editing and not self._masked and not self._read_only
        self.editor.setEnabled(answering)
        self.state.setEnabled(not self._masked and not self._read_only)
        policy = Qt.FocusPolicy.NoFocus if self._editing else Qt.FocusPolicy.StrongFocus
        if self.state.focusPolicy() != policy:
            self.state.setFocusPolicy(policy)
            self.tab_stop_changed.emit()
        self._show_first_state()
        if self.estimate is not None:
            if not self._editing:
                with QSignalBlocker(self.estimate):
                    self.estimate.setChecked(False)
            self.estimate.setEnabled(answering)

    def _edited(self) -> None:
        if not self.error.isHidden():
            self.validate()  # clears the error as soon as the input is right
        self._show_first_state()
        self.changed.emit(self.question.id)

    def _show_first_state(self) -> None:
        """"Not asked" for a blank, "Answer" once the editor holds something."""
        text = _(NOT_ASKED) if self._editing and self.editor.is_empty() else _(ANSWERED)
        if self.state.itemText(0) != text:
            self.state.setItemText(0, text)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The answer is checked when the focus leaves the question (not when it moves
        between the parts of a date, nor into a list the combo box opens)."""
        if (event.type() == QEvent.Type.FocusOut and isinstance(event, QFocusEvent)
                and event.reason() != Qt.FocusReason.PopupFocusReason
                and not self.has_focus() and self._editing and not self._masked):
            self.validate()
        return super().eventFilter(watched, event)

    # -- values ---------------------------------------------------------------------------
    def collect(self) -> RowAnswer:
        """The answer in canonical form (the domain's rules), its mark, or its error."""
        if self.state.currentData() == NONE_OF_THESE:
            return RowAnswer(value=[])
        if self.mark is not None:
            return RowAnswer(mark=self.mark)
        try:
            raw = self.editor.value()
            if is_empty(raw):
                return RowAnswer()
            value = normalize(self.question, raw)
        except AnswerError as error:
            return RowAnswer(error=error)
        estimate = self.estimate is not None and self.estimate.isChecked()
        return RowAnswer(value=value, mark=Meta.ESTIMATE.value if estimate else None)

    def validate(self) -> RowAnswer:
        """``collect()``, showing or clearing the error under the field."""
        answer = self.collect()
        self.show_error(answer.error)
        return answer

    def load(self, value: Any | None, mark: str | None) -> None:
        """Show a stored answer without announcing a change."""
        self._stash = None
        blockers = [QSignalBlocker(w) for w in (self.editor, self.state, self.estimate) if w]
        try:
            self.editor.set_value(value if mark in (None, Meta.ESTIMATE.value) else None)
            self.set_mark(mark if mark in (Meta.UNKNOWN.value, Meta.DECLINED.value) else None)
            if value == [] and self.question.type is QType.MULTI:
                self.state.setCurrentIndex(self.state.findData(NONE_OF_THESE))
            if self.estimate is not None:
                self.estimate.setChecked(mark == Meta.ESTIMATE.value)
        finally:
            for blocker in blockers:
                blocker.unblock()
        self.show_error(None)
        self._update_enabled()

    def is_answered(self) -> bool:
        """Answered for the progress count: a value, unknown or declined."""
        return not self._editing or not self.editor.is_empty()

    def show_error(self, error: IntakeError | None) -> None:
        """Show ``error`` under the field (None clears it); kept to be retranslated."""
        self._error = error
        if isinstance(error, AnswerError):
            message = error.reason_text()
        else:
            message = error.message() if error is not None else ""
        self.error.setText(message)
        self.error.setVisible(bool(message))
        describe(self.editor, message)
        self.state.setAccessibleDescription(joined(message, _(STATE_HINT)))
        if self.estimate is not None:
            self.estimate.setAccessibleDescription(_(ESTIMATE_HINT))

    @property
    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""

    # -- masking and focus ----------------------------------------------------------------
    @property
    def masked(self) -> bool:
        return self._masked

    def set_masked(self, masked: bool) -> None:
        self._masked = masked and self.hidden is not None  # identifying rows only
        self.stack.setCurrentWidget(self.hidden if self._masked and self.hidden else self.editor)
        self._update_enabled()

    @property
    def read_only(self) -> bool:
        return self._read_only

    def set_read_only(self, read_only: bool) -> None:
        """Show the answer without letting it be edited here."""
        self._read_only = read_only
        self._update_enabled()

    def inputs(self) -> list[QWidget]:
        widgets = [*self.editor.inputs(), self.state]
        return [*widgets, self.estimate] if self.estimate is not None else widgets

    def tab_stops(self) -> list[QWidget]:
        """The inputs Tab may stop at: the editor's, and the state box while marked."""
        return [w for w in self.inputs() if w.focusPolicy() & Qt.FocusPolicy.TabFocus]

    def focus_widget(self) -> QWidget:
        return self.editor.focus_widget()

    # -- narrow pages ---------------------------------------------------------------------
    def wide_width(self) -> int:
        """The width the row needs with the answer state beside the editor."""
        return self._line.wide_width(self.editor)

    @property
    def compact(self) -> bool:
        return self._line.compact

    def set_compact(self, compact: bool) -> None:
        """On a narrow page (large text, long Korean labels, a small screen) the answer
        state and the estimate go under the editor, which takes its narrow form too, so
        the page never needs scrolling sideways (:mod:`intake.ui.form.row_layout`)."""
        self._line.set_compact(compact, self.editor)

    def retranslate(self) -> None:
        q = self.question
        label = _(q.label)
        self.label.setText(label)
        if self.help is not None:
            self.help.setText(_(q.help) if q.help else "")
        if self.hidden is not None:
            self.hidden.setText(_("Hidden. Choose “Show identity” to see or change it."))
        self.editor.retranslate()
        for index, (_mark, text) in enumerate(self._states):
            self.state.setItemText(index, _(text))
        self._show_first_state()
        self.state.setAccessibleName(part_name(label, _("answer state")))
        self._estimate_room.setText(_("Estimate"))
        if self.estimate is not None:
            self.estimate.setAccessibleName(part_name(label, _("estimate")))
        self.show_error(self._error)
