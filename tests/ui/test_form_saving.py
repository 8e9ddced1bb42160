"""The interview form's saving: within two seconds, at once on a section change, what is
valid saved while errors stay at their fields, failures told once and retried, a locked
vault left alone, and derived answers kept derived."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from intake.domain.indicators import Finding
from intake.domain.record import Record, Status
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.ui.kit.dialogs import Dialogs
from intake.vault.vault import Vault
from tests.ui.conftest import MakeForm

SUMMARY = "벌목장에서 하루 열네 시간 일했습니다"
CTRL = Qt.KeyboardModifier.ControlModifier
NONE = Qt.KeyboardModifier.NoModifier
SAVE_TIMEOUT_MS = 3_000


# -- keyboard --------------------------------------------------------------------------------
def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = NONE) -> None:
    qtbot.keyClick(focused(), key, modifier)


def type_text(text: str) -> None:
    """Key presses carrying each character, as a keyboard (or an IME's commit) sends them.
    ``qtbot.keyClicks`` cannot send Hangul (QTest maps characters to Latin-1 keys)."""
    for char in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, focused(), Qt.Key.Key_unknown, char, NONE)


# -- autosave -----------------------------------------------------------------------------
def test_a_change_is_saved_within_two_seconds(qtbot: QtBot, make_form: MakeForm) -> None:
    form = make_form()
    form.go_to_section(len(form.section_pages) - 1, focus=True)
    started = time.monotonic()
    with qtbot.waitSignal(form.saved, timeout=SAVE_TIMEOUT_MS):
        type_text("첫")
    assert time.monotonic() - started < 2.0 + 0.5  # the bound, with room for a slow machine
    assert form.autosave.last_duration_ms < 500


def test_changing_section_saves_at_once(
    qtbot: QtBot, make_form: MakeForm, service: InterviewService
) -> None:
    form = make_form()
    form.focus_first_field()
    type_text("2023")
    assert form.has_unsaved_changes
    with qtbot.waitSignal(form.saved, timeout=100):
        press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert not form.has_unsaved_changes
    assert form.record.revision == 1
    assert service.load(form.record.id).answers == {}  # a year at day precision: invalid
    assert form.invalid_questions() == ["interview.date"]


def test_flush_saves_what_is_valid_and_keeps_the_errors(
    make_form: MakeForm, service: InterviewService
) -> None:
    form = make_form(show=False)
    form.row("narrative.summary").editor.set_value(SUMMARY)
    form.row("work.hours_per_day").editor.set_value(25)
    assert form.flush()
    stored = service.load(form.record.id)
    assert stored.answers == {"narrative.summary": SUMMARY}
    assert form.invalid_questions() == ["work.hours_per_day"]
    assert "1" in form.status_label.text()
    assert form.flush()  # nothing new: no second save needed


def test_a_failed_save_is_told_once_and_retried(
    qtbot: QtBot, make_form: MakeForm, service: InterviewService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dialogs = Dialogs()
    form = make_form(dialogs=dialogs, show=False)

    def broken(_record: Record) -> Record:
        raise OSError("disk full")

    monkeypatch.setattr(service, "save", broken)
    dialogs.set_next_answer(True)  # the error box, answered without a real modal
    form.row("narrative.summary").editor.set_value(SUMMARY)
    with qtbot.waitSignal(form.save_failed) as failed:
        assert not form.flush()
    assert failed.args[0]
    assert form.has_unsaved_changes
    assert form.status_label.text().startswith(_("Not saved: {reason}").split("{")[0])
    qtbot.waitUntil(lambda: dialogs.shown == [_("Not saved")])
    assert not form.flush()
    assert dialogs.shown == [_("Not saved")]  # not again at every retry
    monkeypatch.undo()
    assert form.flush()
    assert service.load(form.record.id).answers == {"narrative.summary": SUMMARY}


def test_a_locked_vault_is_not_written_and_not_reported_as_a_box(
    make_form: MakeForm, vault: Vault
) -> None:
    dialogs = Dialogs()
    form = make_form(dialogs=dialogs, show=False)
    form.row("narrative.summary").editor.set_value(SUMMARY)
    vault.close()
    assert not form.flush()
    assert form.has_unsaved_changes and not form.autosave.scheduled
    assert dialogs.shown == []


def test_the_state_share_is_computed_and_stays_computed(
    make_form: MakeForm, service: InterviewService
) -> None:
    form = make_form(show=False)
    form.row("wages.gross_monthly").editor.set_value({"amount": 1000, "currency": "USD"})
    form.row("wages.state_quota_monthly").editor.set_value({"amount": 400, "currency": "USD"})
    share = form.row("wages.state_share_percent")
    assert share.editor.focus_widget().property("placeholderText") == _(
        "Computed: {value}").format(value=40.0)
    assert form.indicator_panel.finding("withholding_of_wages") is Finding.PRESENT
    assert form.flush()
    stored = service.load(form.record.id)
    assert stored.answers["wages.state_share_percent"] == 40.0
    again = make_form(stored, show=False)
    assert again.row("wages.state_share_percent").collect().value is None  # not typed



def test_consent_cannot_be_taken_back_silently_from_a_submitted_record(
    make_form: MakeForm, service: InterviewService
) -> None:
    """A record past draft needs consent to internal documentation: turning it to "no" is
    shown at that question, its stored "yes" is kept, and the other answers are saved."""
    record = service.new_record()
    record.answers["consent.internal_documentation"] = True
    service.save(record)
    service.set_status(record, Status.SUBMITTED)
    form = make_form(service.load(record.id), show=False)
    form.row("consent.internal_documentation").editor.set_value(False)
    form.row("narrative.summary").editor.set_value(SUMMARY)
    assert form.flush()
    stored = service.load(record.id)
    assert stored.answers["consent.internal_documentation"] is True
    assert stored.answers["narrative.summary"] == SUMMARY
    assert stored.status is Status.SUBMITTED
    assert form.invalid_questions() == ["consent.internal_documentation"]
    consent = form.row("consent.internal_documentation")
    assert consent.error_text == _(
        "The person's consent to internal documentation is needed before the record can "
        "leave the draft state.")
