"""The form while someone talks: one Tab stop per question, the answer state and the
estimate by keys (Alt+U, Alt+D, Alt+E), a blank reads "Not asked", an answer is checked
when the focus leaves it without moving the page, and pages are built when first visited.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.domain.questionnaire import Meta
from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.i18n import _
from intake.ui.form.completeness import gaps, is_answered
from intake.ui.form.interview_form import InterviewForm
from intake.ui.form.keys import DECLINED, ESTIMATE, FORM_KEYS, UNKNOWN
from intake.ui.form.question_row import QuestionRow
from intake.ui.form.submit_check import submit_text
from tests.ui.conftest import MakeForm, has_hangul, require_korean_catalog

ALT = Qt.KeyboardModifier.AltModifier
WORK = "work"  # a section whose questions each have a one-part editor


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def row_of(widget: QWidget) -> QuestionRow | None:
    while widget is not None and not isinstance(widget, QuestionRow):
        widget = widget.parentWidget()
    return widget


def open_section(form: InterviewForm, section_id: str) -> None:
    ids = [p.section.id for p in form.section_pages]
    form.go_to_section(ids.index(section_id), focus=True)
    QApplication.processEvents()


# -- one Tab stop per question -------------------------------------------------------------
def test_tab_stops_once_at_each_question(qtbot: QtBot, make_form: MakeForm) -> None:
    form = make_form()
    open_section(form, WORK)
    rows = list(form.current_page.rows.values())
    visited = []
    for _question in rows:
        visited.append(row_of(focused()))
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert [r.question.id if r else None for r in visited] == [r.question.id for r in rows]
    assert len(visited) == len(rows) == 9
    # Everywhere: the state box and the estimate are no Tab stops while answering.
    for qid, row in form.rows.items():
        assert row.tab_stops() == row.editor.inputs(), qid


def test_a_marked_question_is_still_one_tab_stop(qtbot: QtBot, make_form: MakeForm) -> None:
    form = make_form()
    open_section(form, WORK)
    rest = form.row("work.rest_days_per_month")
    rest.set_mark(Meta.UNKNOWN.value)
    # the editor is disabled: the state box is the question's stop
    assert [w for w in rest.tab_stops() if w.isEnabled()] == [rest.state]
    form.row("work.days_per_week").focus_widget().setFocus()
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is rest.state
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is form.row("work.quota_system").focus_widget()


# -- the state and the estimate by keys ------------------------------------------------------
def test_alt_u_d_e_on_the_focused_question(qtbot: QtBot, make_form: MakeForm) -> None:
    form = make_form()
    open_section(form, WORK)
    row = form.row("work.hours_per_day")
    assert focused() is row.focus_widget()
    qtbot.keyClicks(focused(), "12")
    assert row.estimate is not None and not row.estimate.isChecked()
    qtbot.keyClick(focused(), Qt.Key.Key_E, ALT)
    assert row.estimate.isChecked() and row.collect().mark == Meta.ESTIMATE.value
    qtbot.keyClick(focused(), Qt.Key.Key_E, ALT)
    assert not row.estimate.isChecked()

    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)
    assert row.mark == Meta.UNKNOWN.value and not row.editor.isEnabled()
    assert focused() is row.state  # still on this question
    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)  # again: back to the answer, kept aside
    assert row.mark is None and focused() is row.focus_widget()
    assert row.collect().value == 12

    qtbot.keyClick(focused(), Qt.Key.Key_D, ALT)
    assert row.mark == Meta.DECLINED.value
    qtbot.keyClick(focused(), Qt.Key.Key_U, ALT)  # from declined straight to unknown
    assert row.mark == Meta.UNKNOWN.value
    # Only the focused question changes.
    assert form.row("work.days_per_week").mark is None


def test_the_keys_are_described_and_listed_in_both_languages(make_form: MakeForm) -> None:
    form = make_form(show=False)
    row = form.row("work.hours_per_day")
    description = row.focus_widget().accessibleDescription()
    assert "Alt+U" in description and "Alt+D" in description and "Alt+E" in description
    assert "Alt+E" not in form.row("work.quota_system").focus_widget().accessibleDescription()
    listed = {QKeySequence(k.keys).toString(): k for k in FORM_KEYS}
    for keys in (UNKNOWN, DECLINED, ESTIMATE):
        assert keys in listed and listed[keys].bound
    require_korean_catalog()
    i18n.set_language("ko")
    form.retranslate()
    assert all(has_hangul(_(listed[keys].description)) for keys in (UNKNOWN, DECLINED, ESTIMATE))
    assert "Alt+U" in row.focus_widget().accessibleDescription()
    assert has_hangul(row.focus_widget().accessibleDescription())


# -- "Not asked" ---------------------------------------------------------------------------
def test_a_blank_reads_not_asked_in_both_languages(qtbot: QtBot, make_form: MakeForm) -> None:
    form = make_form()
    open_section(form, WORK)
    row = form.row("work.days_per_week")
    assert row.state.currentText() == "Not asked"
    qtbot.keyClicks(row.focus_widget(), "6")
    assert row.state.currentText() == "Answer"  # positive control: the text does change
    blank = form.row("work.rest_days_per_month")
    require_korean_catalog()
    i18n.set_language("ko")
    form.retranslate()
    assert blank.state.currentText() == "묻지 않음"  # the case file's word for a blank
    assert row.state.currentText() == "답변함"
    row.editor.set_value(None)  # emptied again
    assert row.state.currentText() == "묻지 않음"


# -- checked when the focus leaves, without moving the page --------------------------------
def test_an_error_shows_on_leaving_the_field_and_moves_nothing(
    qtbot: QtBot, make_form: MakeForm
) -> None:
    form = make_form()
    open_section(form, WORK)
    hours = form.row("work.hours_per_day")
    below = [form.row(q) for q in ("work.days_per_week", "work.quota_system",
                                   "work.injured_at_work")]
    before = [r.geometry() for r in below]
    qtbot.keyClicks(focused(), "30")  # more than 24
    assert hours.error_text == ""  # not while typing
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    QApplication.processEvents()
    assert hours.error_text  # at once, not at the autosave ~2 s later
    assert hours.error.isVisible()
    assert form.has_unsaved_changes and form.autosave.scheduled  # no save happened yet
    assert [r.geometry() for r in below] == before
    assert focused() is form.row("work.days_per_week").focus_widget()
    # Corrected: the error goes as soon as the input is right, still without a move.
    hours.focus_widget().setFocus()
    qtbot.keyClick(focused(), Qt.Key.Key_Backspace)
    QApplication.processEvents()
    assert hours.error_text == "" and [r.geometry() for r in below] == before


def test_moving_inside_a_date_does_not_check_it_yet(qtbot: QtBot, make_form: MakeForm) -> None:
    form = make_form()
    date = form.row("interview.date")
    assert focused() is not None
    date.focus_widget().setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(focused(), "2024")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)  # to the month: still the same question
    assert date.error_text == ""
    for _part in range(3):  # month, day, precision: then out of the question
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert date.error_text  # a full date without month and day


# -- pages built when first visited ----------------------------------------------------------
def test_only_the_first_page_is_built_at_open(make_form: MakeForm) -> None:
    form = make_form(show=False)
    assert [p.is_built for p in form.section_pages] == \
        [True] + [False] * (len(form.section_pages) - 1)
    assert "work.hours_per_day" in form.rows and len(form.rows) == sum(
        len(p.questions) for p in form.section_pages)
    progress = form.section_list.item(5).text()
    assert progress.endswith(f"(0/{len(form.page(WORK).questions)})")
    form.row("work.hours_per_day")  # asking for a row builds its page
    assert form.page(WORK).is_built


def test_pages_not_built_yet_can_be_resized_and_grabbed(qtbot: QtBot,
                                                        make_form: MakeForm) -> None:
    form = make_form()
    form.resize(560, 600)  # every page of the stack is resized, built or not
    QApplication.processEvents()
    picture = form.grab()  # sends the hidden pages their pending resize events
    assert not picture.isNull() and picture.width() == form.width()
    assert not form.page(WORK).is_built  # grabbing built nothing
    form.go_to_section(5)
    assert form.page(WORK).is_built and form.row("work.hours_per_day").compact


def test_an_unvisited_page_keeps_its_stored_answers(make_form: MakeForm) -> None:
    from intake.services.interviews import InterviewService

    form = make_form(show=False)
    service: InterviewService = form._service
    record = service.new_record()
    record.answers.update({"work.hours_per_day": 14, "narrative.summary": "벌목장."})
    record.meta["work.days_per_week"] = Meta.DECLINED.value
    service.save(record)
    stored = service.load(record.id)
    form = make_form(stored)
    assert not form.page(WORK).is_built
    assert form.section_list.item(5).text().endswith("(2/9)")  # counted from the record
    form.row("interview.language").editor.set_value("ko")
    assert form.flush()
    again = service.load(record.id)
    assert again.answers["work.hours_per_day"] == 14
    assert again.answers["narrative.summary"] == "벌목장."
    assert again.meta["work.days_per_week"] == Meta.DECLINED.value
    assert again.answers["interview.language"] == "ko"


# -- the submit check's content (no Qt) ------------------------------------------------------
def test_gaps_lists_unanswered_and_invalid_per_section() -> None:
    record = Record.new("kim")
    record.answers.update({"work.hours_per_day": 14, "work.days_per_week": 6})
    record.meta["work.rest_days_per_month"] = Meta.UNKNOWN.value
    work = QUESTIONNAIRE.section(WORK)
    assert is_answered(work.questions[2], record)  # unknown counts as asked
    found = gaps([(work, work.questions)], record, {"work.days_per_week"})
    assert len(found) == 1
    section = found[0]
    assert [q.id for q in section.invalid] == ["work.days_per_week"]
    assert [q.id for q in section.unanswered] == [q.id for q in work.questions[3:]]
    assert section.answered == 2
    text = submit_text(found)
    assert "Working time and conditions (2/9):" in text
    assert "With an error: Working days per week" in text
    assert "Not answered: Was there a work quota?" in text and "and 3 more" in text
    assert "Submit" in submit_text([])


def test_a_long_submit_check_keeps_its_buttons_on_a_small_screen(qtbot: QtBot) -> None:
    """Every section missing answers: the list scrolls in the box's details and the box,
    buttons included, fits a 1366x768 laptop (the whole list as text did not)."""
    from PySide6.QtWidgets import QMessageBox, QTextEdit

    from intake.ui.form.submit_check import submit_parts
    from intake.ui.kit.dialogs import question_box

    record = Record.new("kim")
    sections = [(s, s.questions) for s in QUESTIONNAIRE.sections if not s.reviewers_only]
    summary, details = submit_parts(gaps(sections, record, set()))
    assert details.count("\n") > 25 and summary.count("\n") < 6
    box = question_box(None, "Submit the testimony?", summary, details)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    assert box.height() <= 700
    shown = box.findChild(QTextEdit)
    assert shown is not None and shown.isVisible() and "Profile" in shown.toPlainText()
    yes = box.button(QMessageBox.StandardButton.Yes)
    assert yes.isVisible() and yes.mapTo(box, yes.rect().bottomLeft()).y() <= box.height()
    box.close()
    whole = question_box(None, "Submit the testimony?", summary + "\n" + details)
    qtbot.addWidget(whole)
    whole.show()
    qtbot.waitExposed(whole)
    assert whole.height() > 700  # control: the list as text alone is too tall
    whole.close()
