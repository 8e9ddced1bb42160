"""The interview form driven like an interviewer drives it: from the keyboard, in Korean,
section by section, with autosave and the consent step; then the record read back and shown
again."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.domain.indicators import FINDING_LABELS, INDICATORS, Finding
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.ui.form.interview_form import InterviewForm
from intake.ui.kit.dialogs import Dialogs
from intake.ui.records.consent_step import ConsentController
from intake.vault.vault import Vault
from tests.ui.conftest import MakeForm, has_hangul, require_korean_catalog

SUMMARY = "벌목장에서 하루 열네 시간 일했습니다"
CTRL = Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier
ALT = Qt.KeyboardModifier.AltModifier
SAVE_TIMEOUT_MS = 3_000



# -- keyboard helpers ---------------------------------------------------------------------
def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def has_focus(widget: QWidget) -> bool:
    current = QApplication.focusWidget()
    return current is not None and (current is widget or widget.isAncestorOf(current))


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = NONE) -> None:
    qtbot.keyClick(focused(), key, modifier)


def type_text(text: str) -> None:
    """Key presses carrying each character, as a keyboard (or an IME's commit) sends them.
    ``qtbot.keyClicks`` cannot send Hangul (QTest maps characters to Latin-1 keys)."""
    for char in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, focused(), Qt.Key.Key_unknown, char, NONE)


def tab_to(qtbot: QtBot, target: QWidget, most: int = 12) -> int:
    """Press Tab until ``target`` has focus; returns the number of presses."""
    for presses in range(most + 1):
        if has_focus(target):
            return presses
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {target.accessibleName()!r}")


def next_section(qtbot: QtBot, form: InterviewForm, section_id: str) -> None:
    for _step in range(len(form.section_pages)):
        if form.current_page.section.id == section_id:
            return
        press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert form.current_page.section.id == section_id


def progress_text(form: InterviewForm, section_id: str) -> str:
    index = [p.section.id for p in form.section_pages].index(section_id)
    return form.section_list.item(index).text()


# -- a whole interview from the keyboard --------------------------------------------------
EXPECTED_ANSWERS: dict[str, Any] = {
    "interview.date": "2024-05-03",
    "interview.country": "KR",
    "interview.language": "ko",
    "interview.interpreter_used": False,
    "consent.internal_documentation": True,
    "consent.anonymized_statistics": True,
    "consent.media": False,
    "identity.full_name": "리명철",
    "profile.sex": "male",
    "profile.birth_year": 1988,
    "work.hours_per_day": 14,
    "work.days_per_week": 7,
    "wages.promised_monthly": {"amount": 800, "currency": "USD"},
    "narrative.summary": SUMMARY,
}
EXPECTED_META = {
    "profile.birth_year": "estimate",
    "work.rest_days_per_month": "unknown",
    "wages.received_monthly": "declined",
}


def test_a_whole_interview_from_the_keyboard(
    qtbot: QtBot, make_form: MakeForm, vault: Vault
) -> None:
    form = make_form()
    consent = ConsentController(form, ReviewService(vault), Dialogs())  # as the workspace
    assert form.indicator_panel.finding("excessive_overtime") is Finding.INSUFFICIENT

    # F6 puts the focus on the section list; Enter opens the section at its first field.
    press(qtbot, Qt.Key.Key_F6)
    assert has_focus(form.section_list)
    press(qtbot, Qt.Key.Key_Return)
    date = form.row("interview.date").editor
    assert has_focus(date.inputs()[0])
    type_text("2024")
    press(qtbot, Qt.Key.Key_Tab)
    type_text("5")
    press(qtbot, Qt.Key.Key_Tab)
    type_text("3")
    tab_to(qtbot, form.row("interview.country").editor.focus_widget())
    press(qtbot, Qt.Key.Key_Down)
    tab_to(qtbot, form.row("interview.language").editor.focus_widget())
    press(qtbot, Qt.Key.Key_Down)
    tab_to(qtbot, form.row("interview.interpreter_used").editor.focus_widget())
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    assert progress_text(form, "interview") == _("About this interview") + " (4/9)"

    # Consent: read-only in the form; the consent step records it, dated today.
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert form.current_page.section.id == "consent"
    assert not form.row("consent.internal_documentation").editor.isEnabled()
    assert form.consent_button is not None and has_focus(form.consent_button)
    press(qtbot, Qt.Key.Key_Space)
    step = consent.step
    assert step is not None
    qtbot.waitExposed(step)
    qtbot.waitUntil(step.isActiveWindow, timeout=5_000)
    assert has_focus(step.scopes["consent.internal_documentation"])
    press(qtbot, Qt.Key.Key_Down)  # yes
    tab_to(qtbot, step.scopes["consent.anonymized_statistics"])
    press(qtbot, Qt.Key.Key_Down)
    tab_to(qtbot, step.scopes["consent.media"])
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)  # no
    with qtbot.waitSignal(step.recorded):
        press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(form.isActiveWindow, timeout=5_000)
    assert form.row("consent.internal_documentation").collect().value is True
    assert has_focus(form.consent_button)

    # Identity: hidden until shown, on purpose, for this record.
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert form.current_page.section.id == "identity"
    page = form.current_page
    assert page.identity_button is not None and has_focus(page.identity_button)
    assert form.row("identity.full_name").masked
    with qtbot.waitSignal(form.identity_revealed) as revealed:
        press(qtbot, Qt.Key.Key_Space)
    assert revealed.args == [form.record.id]
    tab_to(qtbot, form.row("identity.full_name").editor.focus_widget())
    type_text("리명철")

    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    birth_year = form.row("profile.birth_year")
    tab_to(qtbot, birth_year.editor.focus_widget())
    type_text("1988")
    assert birth_year.estimate is not None
    press(qtbot, Qt.Key.Key_E, ALT)  # the estimate is no Tab stop: Alt+E on the question

    next_section(qtbot, form, "work")
    type_text("14")  # the first field of the section has the focus
    # The indicator panel follows the answers before anything is saved.
    assert form.indicator_panel.finding("excessive_overtime") is Finding.PRESENT
    assert form.indicator_panel.values["excessive_overtime"].text() == _(
        FINDING_LABELS[Finding.PRESENT])
    tab_to(qtbot, form.row("work.days_per_week").editor.focus_widget())
    type_text("7")
    tab_to(qtbot, form.row("work.rest_days_per_month").editor.focus_widget())
    press(qtbot, Qt.Key.Key_U, ALT)  # unknown; the state box is the question's Tab stop now
    assert has_focus(form.row("work.rest_days_per_month").state)
    assert progress_text(form, "work").endswith("(3/9)")

    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert form.current_page.section.id == "wages"
    type_text("800")
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Down)
    press(qtbot, Qt.Key.Key_Down)
    tab_to(qtbot, form.row("wages.received_monthly").editor.focus_widget(), most=20)
    press(qtbot, Qt.Key.Key_D, ALT)  # declined

    next_section(qtbot, form, "narrative")
    assert has_focus(form.row("narrative.summary").editor.focus_widget())
    with qtbot.waitSignal(form.saved, timeout=SAVE_TIMEOUT_MS) as saved:
        type_text(SUMMARY)
    assert saved.args == [form.record.updated_at]
    assert form.status_label.text().startswith(_("Saved at {time}").split("{")[0])
    assert not form.has_unsaved_changes

    stored = InterviewService(vault).load(form.record.id)
    assert stored.answers == EXPECTED_ANSWERS
    assert stored.meta == EXPECTED_META

    # Opened again, every answer is shown where it was typed; the identity is hidden again.
    again = make_form(stored)
    for qid, value in EXPECTED_ANSWERS.items():
        assert again.row(qid).collect().value == value, qid
    for qid, mark in EXPECTED_META.items():
        assert again.row(qid).collect().mark == mark, qid
    again.go_to_section(2)
    name_row = again.row("identity.full_name")
    assert name_row.masked and not name_row.editor.isVisible() and name_row.hidden.isVisible()
    assert again.identity_masked
    again.reveal_identity()
    assert name_row.editor.isVisible()
    assert progress_text(again, "work").endswith("(3/9)")
    assert again.indicator_panel.finding("excessive_overtime") is Finding.PRESENT


def test_tab_follows_the_visual_order(qtbot: QtBot, make_form: MakeForm) -> None:
    form = make_form()
    form.reveal_identity()
    for index, page in enumerate(form.section_pages):
        form.go_to_section(index, focus=True)
        # One Tab stop per question: the state and the estimate are set by keys.
        expected = [w for row in page.rows.values() for w in row.tab_stops()
                    if w.isEnabled()]
        seen: list[QWidget] = []
        for _widget in expected:
            current = focused()
            owner = next((w for w in expected if w is current or w.isAncestorOf(current)),
                         current)
            seen.append(owner)
            press(qtbot, Qt.Key.Key_Tab)
        assert [w.accessibleName() for w in seen] == [w.accessibleName() for w in expected]


def test_section_shortcuts(qtbot: QtBot, make_form: MakeForm) -> None:
    form = make_form()
    form.focus_first_field()
    press(qtbot, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert form.current_page.section.id == "profile"
    assert has_focus(form.row("profile.sex").editor.focus_widget())
    press(qtbot, Qt.Key.Key_PageUp, CTRL)
    assert form.current_page.section.id == "identity"
    # Ctrl+PgDown works from inside a narrative too.
    next_section(qtbot, form, "narrative")
    assert has_focus(form.row("narrative.summary").editor.focus_widget())
    press(qtbot, Qt.Key.Key_PageUp, CTRL)
    assert form.current_page.section.id == "escape"


# -- what is shown to whom ----------------------------------------------------------------
def test_restricted_questions_and_review_only_for_reviewers(
    make_form: MakeForm, service: InterviewService
) -> None:
    reviewer = make_form(can_review=True, show=False)
    assert "abuse.sexual" in reviewer.rows and "review.notes" in reviewer.rows
    reviewer.row("abuse.sexual").editor.set_value(True)
    reviewer.row("review.notes").editor.set_value("확인 필요")
    assert reviewer.flush()

    interviewer = make_form(service.load(reviewer.record.id), can_review=False, show=False)
    assert "abuse.sexual" not in interviewer.rows
    assert "review" not in [p.section.id for p in interviewer.section_pages]
    interviewer.row("abuse.physical").editor.set_value(True)
    assert interviewer.flush()
    stored = service.load(reviewer.record.id)  # what the interviewer cannot see is kept
    assert stored.answers["abuse.sexual"] is True
    assert stored.answers["review.notes"] == "확인 필요"
    assert stored.answers["abuse.physical"] is True


def test_without_the_identity_key_identifiers_are_not_offered(
    make_form: MakeForm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Vault, "has_identity_key", property(lambda _self: False))
    form = make_form(show=False)
    assert "identity" not in [p.section.id for p in form.section_pages]
    assert not any(row.question.is_identifying for row in form.rows.values())


# -- language -----------------------------------------------------------------------------
def test_switching_to_korean_relabels_the_form(make_form: MakeForm) -> None:
    require_korean_catalog()
    form = make_form(can_review=True, show=False)
    english = form.row("narrative.summary").label.text()
    i18n.set_language("ko")
    form.retranslate()
    for qid, row in form.rows.items():
        assert row.label.text() == _(row.question.label), qid
    assert form.row("narrative.summary").label.text() != english
    assert has_hangul(form.row("narrative.summary").label.text())
    for index, page in enumerate(form.section_pages):
        assert form.section_list.item(index).text().startswith(_(page.section.label))
    for indicator in INDICATORS:
        assert form.indicator_panel.names[indicator.id].text() == _(indicator.label)
    choice = form.row("deployment.sector").editor.focus_widget()
    assert choice.property("currentText") == ""
    i18n.set_language("en")
    form.retranslate()
    assert form.row("narrative.summary").label.text() == english
