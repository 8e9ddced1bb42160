"""The editors of the interview form, one question row at a time: round trips, answer states,
estimates, unreadable and out-of-range input, size limits, accessibility and IME input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QInputMethodEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from intake.domain.answers import ABOVE, TOO_LONG, TOO_MANY, AnswerError, normalize
from intake.domain.questionnaire import QType
from intake.domain.questions import LIST_MAX_ITEMS, QUESTIONNAIRE, TEXT_MAX
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.ui.form.date_money_fields import DAY, MONTH, YEAR, DateEditor
from intake.ui.form.fields import FormCombo
from intake.ui.form.interview_form import InterviewForm
from intake.ui.form.question_row import QuestionRow
from intake.ui.kit.dialogs import Dialogs
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

MakeRow = Callable[[str], QuestionRow]

ROUND_TRIPS: list[tuple[str, Any]] = [
    ("interview.interpreter_used", True),
    ("interview.interpreter_used", False),
    ("profile.sex", "female"),
    ("deployment.destination_region", "primorsky"),
    ("abuse.threats", ["repatriation", "harm_to_family"]),
    ("deployment.team_size", 35),
    ("work.hours_per_day", 12.5),
    ("work.hours_per_day", 14),
    ("profile.birth_year", 1988),
    ("interview.date", "2024-05-03"),
    ("interview.date", "2019-03"),
    ("interview.date", "2017"),
    ("wages.promised_monthly", {"amount": 800, "currency": "USD"}),
    ("wages.received_monthly", {"amount": 1250.5, "currency": "RUB"}),
    ("deployment.dispatching_entity", "남강무역회사"),
    ("narrative.summary", "벌목장에서 하루 열네 시간 일했습니다.\n둘째 줄입니다."),
    ("identity.aliases", ["리철", "Ri Chol"]),
]


def unreadable_text(question_id: str) -> str:
    """The domain's reason for input of the wrong kind, in the current language."""
    with pytest.raises(AnswerError) as raised:
        normalize(QUESTIONNAIRE.question(question_id), object())
    return raised.value.reason_text()


@pytest.fixture
def make_row(qtbot: QtBot) -> MakeRow:
    def make(question_id: str) -> QuestionRow:
        row = QuestionRow(QUESTIONNAIRE.question(question_id))
        qtbot.addWidget(row)
        return row
    return make


@pytest.fixture
def service(tmp_path: Path, policy: KdfPolicy) -> Iterator[InterviewService]:
    vault, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    yield InterviewService(vault)
    vault.close()


@pytest.fixture
def form(qtbot: QtBot, service: InterviewService) -> Iterator[InterviewForm]:
    widget = InterviewForm(service, service.new_record(), True, Dialogs())
    qtbot.addWidget(widget)
    yield widget
    widget.autosave.stop()


# -- values -------------------------------------------------------------------------------
@pytest.mark.parametrize(("question_id", "value"), ROUND_TRIPS)
def test_set_and_get_round_trip(make_row: MakeRow, question_id: str, value: Any) -> None:
    row = make_row(question_id)
    assert row.collect().value is None
    assert not row.is_answered()
    row.editor.set_value(value)
    assert row.editor.value() == value
    assert row.collect().value == value
    assert row.is_answered()
    row.editor.set_value(None)
    assert row.collect().value is None
    assert not row.is_answered()


def test_set_value_announces_a_change_and_load_does_not(qtbot: QtBot, make_row: MakeRow) -> None:
    row = make_row("work.days_per_week")
    with qtbot.waitSignal(row.changed) as blocker:
        row.editor.set_value(6)
    assert blocker.args == ["work.days_per_week"]
    with qtbot.assertNotEmitted(row.changed):
        row.load(7, None)
    assert row.collect().value == 7


def test_yes_no_has_a_distinct_unanswered_state(make_row: MakeRow) -> None:
    row = make_row("surveillance.phone_allowed")
    combo = row.editor.focus_widget()
    assert isinstance(combo, QComboBox)
    assert [combo.itemData(i) for i in range(combo.count())] == [None, True, False]
    assert [combo.itemText(i) for i in range(combo.count())] == ["", _("Yes"), _("No")]
    combo.setCurrentIndex(2)
    assert row.collect().value is False
    combo.setCurrentIndex(0)
    assert row.collect().value is None


def test_choice_shows_labels_and_stores_codes(make_row: MakeRow) -> None:
    row = make_row("deployment.sector")
    combo = row.editor.focus_widget()
    assert isinstance(combo, QComboBox)
    assert combo.itemText(0) == ""
    index = combo.findData("logging")
    assert combo.itemText(index) == _("Logging")
    combo.setCurrentIndex(index)
    assert row.collect().value == "logging"


def test_multi_keeps_the_code_list_order(make_row: MakeRow) -> None:
    row = make_row("wages.deductions")
    row.editor.set_value(["party_contribution", "food"])
    assert row.collect().value == ["food", "party_contribution"]


def test_full_width_digits_from_an_ime_are_read(make_row: MakeRow) -> None:
    row = make_row("work.days_per_week")
    row.editor.set_value(None)
    line = row.editor.focus_widget()
    assert isinstance(line, QLineEdit)
    line.setText("６")
    assert row.collect().value == 6


# -- answer states ------------------------------------------------------------------------
@pytest.mark.parametrize("mark", ["unknown", "declined"])
def test_unknown_and_declined_clear_and_disable_the_value(make_row: MakeRow, mark: str) -> None:
    row = make_row("deployment.dispatching_entity")
    row.editor.set_value("남강무역회사")
    row.set_mark(mark)
    assert not row.editor.isEnabled()
    assert row.editor.value() is None
    assert row.collect().value is None
    assert row.collect().mark == mark
    assert row.is_answered()
    # A slip of the hand is undone by choosing "Answer" again.
    row.set_mark(None)
    assert row.editor.isEnabled()
    assert row.collect().value == "남강무역회사"
    assert row.collect().mark is None


def test_the_answer_state_control_is_translated_and_ordered(make_row: MakeRow) -> None:
    row = make_row("profile.sex")
    # A blank reads "Not asked" (as in the case file), an answer "Answer".
    assert [row.state.itemText(i) for i in range(3)] == [
        _("Not asked"), _("Unknown"), _("Declined")]
    assert [row.state.itemData(i) for i in range(3)] == [None, "unknown", "declined"]
    row.editor.set_value("female")
    assert row.state.itemText(0) == _("Answer")


def test_estimate_only_for_numbers_years_dates_and_money(make_row: MakeRow) -> None:
    for question in QUESTIONNAIRE.questions():
        row = make_row(question.id)
        assert (row.estimate is not None) == question.type.takes_estimate, question.id
        row.close()


def test_estimate_is_stored_with_a_value_and_not_without(make_row: MakeRow) -> None:
    row = make_row("profile.birth_year")
    assert row.estimate is not None
    row.estimate.setChecked(True)
    assert row.collect().mark is None  # no value: nothing to call an estimate
    row.editor.set_value(1985)
    assert row.collect().value == 1985
    assert row.collect().mark == "estimate"
    row.set_mark("unknown")
    assert not row.estimate.isChecked()
    assert not row.estimate.isEnabled()


# -- errors -------------------------------------------------------------------------------
def test_hours_over_24_show_an_error_and_are_not_saved(
    qtbot: QtBot, form: InterviewForm, service: InterviewService
) -> None:
    row = form.row("work.hours_per_day")
    row.editor.set_value(14)
    assert form.flush()
    row.editor.set_value(25)
    assert form.flush()  # the rest of the record is saved
    assert row.error_text == _(ABOVE).format(maximum=24)
    assert row.error.isVisibleTo(row)
    assert form.invalid_questions() == ["work.hours_per_day"]
    # The stored record keeps the last valid answer.
    assert service.load(form.record.id).answers["work.hours_per_day"] == 14
    row.editor.set_value(13)  # correcting it clears the error at once
    assert row.error_text == ""
    assert form.flush()
    assert service.load(form.record.id).answers["work.hours_per_day"] == 13


def test_unreadable_numbers_are_explained(make_row: MakeRow) -> None:
    row = make_row("work.days_per_week")
    line = row.editor.focus_widget()
    assert isinstance(line, QLineEdit)
    line.setText("six")
    answer = row.validate()
    assert answer.value is None and answer.error is not None
    assert row.error_text == unreadable_text("work.days_per_week")
    assert row.is_answered() is True  # something was typed; the count does not hide it


def test_text_over_its_limit_is_kept_whole_with_a_message(make_row: MakeRow) -> None:
    row = make_row("identity.full_name")
    long_name = "가" * (TEXT_MAX + 1)
    row.editor.set_value(long_name)
    row.validate()
    assert row.editor.value() == long_name  # never cut silently
    assert row.error_text == _(TOO_LONG).format(maximum=TEXT_MAX)
    row.editor.set_value("가" * TEXT_MAX)
    assert row.error_text == ""


def test_list_over_its_length_is_refused_with_a_message(make_row: MakeRow) -> None:
    row = make_row("identity.contacts")
    row.editor.set_value([f"010-0000-{i:04d}" for i in range(LIST_MAX_ITEMS + 1)])
    row.validate()
    assert row.error_text == _(TOO_MANY).format(maximum=LIST_MAX_ITEMS)


def test_date_precision_controls_the_parts(make_row: MakeRow) -> None:
    row = make_row("interview.date")
    editor = row.editor
    assert isinstance(editor, DateEditor)
    editor.set_value("2019-03")
    assert editor.precision_code == MONTH
    assert editor.month.isEnabled() and not editor.day.isEnabled()
    editor.set_precision(DAY)
    row.validate()  # a day precision with no day is an error, never the 1st silently
    assert row.error_text == unreadable_text("interview.date")
    editor.day.setValue(14)
    assert row.validate().value == "2019-03-14"
    editor.set_precision(YEAR)
    assert editor.month.value() == 0 and editor.day.value() == 0
    assert row.validate().value == "2019"
    editor.year.setText("2999")
    row.validate()
    assert row.error_text == unreadable_text("interview.date")  # in the future


def test_money_needs_a_currency(make_row: MakeRow) -> None:
    row = make_row("wages.promised_monthly")
    row.editor.set_value({"amount": 800, "currency": "USD"})
    row.editor.inputs()[1].setProperty("currentIndex", 0)
    row.validate()
    assert row.error_text == unreadable_text("wages.promised_monthly")


# -- accessibility and input methods ------------------------------------------------------
def test_every_input_has_a_name_and_every_label_a_buddy(make_row: MakeRow) -> None:
    for question in QUESTIONNAIRE.questions():
        row = make_row(question.id)
        assert row.label.buddy() is row.editor.focus_widget(), question.id
        assert row.label.text() == _(question.label)
        for widget in row.inputs():
            assert _(question.label) in widget.accessibleName(), (question.id, widget)
        row.close()


def _commit(widget: QWidget, preedit: str, text: str) -> None:
    """What an input method sends: a composition, then the committed syllables."""
    QApplication.sendEvent(widget, QInputMethodEvent(preedit, []))
    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def test_korean_input_methods_work_in_every_text_field(make_row: MakeRow) -> None:
    text_types = (QType.TEXT, QType.LONGTEXT, QType.LIST)
    for question in (q for q in QUESTIONNAIRE.questions() if q.type in text_types):
        row = make_row(question.id)
        widget = row.editor.focus_widget()
        assert isinstance(widget, QLineEdit | QPlainTextEdit)
        assert widget.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled), question.id
        if isinstance(widget, QLineEdit):
            assert widget.inputMask() == ""
            assert widget.validator() is None
            assert widget.echoMode() == QLineEdit.EchoMode.Normal
        _commit(widget, "ㅂ", "벌목장")
        _commit(widget, "ㅇ", "에서")
        expected: Any = ["벌목장에서"] if question.type is QType.LIST else "벌목장에서"
        assert row.collect().value == expected, question.id
        row.close()


def test_the_mouse_wheel_does_not_change_an_unfocused_combo(qtbot: QtBot) -> None:
    combo = FormCombo()
    qtbot.addWidget(combo)
    combo.addItems(["", "a", "b"])
    event = QWheelEvent(QPointF(5, 5), QPointF(5, 5), QPoint(0, 0), QPoint(0, -120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(combo, event)
    assert combo.currentIndex() == 0


def test_a_multiple_choice_can_be_answered_with_none_of_its_codes(qtbot) -> None:  # type: ignore[no-untyped-def]
    """"No threats" is an answer ([]), distinct from not asked and from unknown."""
    from intake.domain.questions import QUESTIONNAIRE
    from intake.ui.form.question_row import NONE_OF_THESE, QuestionRow

    row = QuestionRow(QUESTIONNAIRE.question("abuse.threats"))
    qtbot.addWidget(row)
    assert row.collect().value is None and not row.is_answered()
    row.state.setCurrentIndex(row.state.findData(NONE_OF_THESE))
    assert row.collect().value == [] and row.collect().mark is None
    assert row.is_answered() and not row.editor.isEnabled()
    fresh = QuestionRow(QUESTIONNAIRE.question("abuse.threats"))
    qtbot.addWidget(fresh)
    fresh.load([], None)
    assert fresh.state.currentData() == NONE_OF_THESE and fresh.collect().value == []
