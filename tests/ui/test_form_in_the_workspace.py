"""The form in the whole window: one saved state (the form's line and the status bar say
the same), the check before Submit, today as a new testimony's date, and the narrative box
using the room it has at 1366×768.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.record import Record, Status
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.ui.form.interview_form import InterviewForm
from intake.ui.form.submit_check import submit_text
from intake.ui.records.workspace import Workspace
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.helpers import unlock

SAVE_TIMEOUT_MS = 5_000


def draft() -> Record:
    record = Record.new(USER)
    record.answers.update({
        "consent.internal_documentation": True, "narrative.summary": "연해주 벌목장.",
        "work.hours_per_day": 14, "interview.language": "ko"})
    return record


@pytest.fixture
def draft_id(existing_vault: tuple[Path, str]) -> str:
    record = draft()
    with Vault.open(existing_vault[0], USER, PASSPHRASE) as vault:
        InterviewService(vault).import_records([record])
    return record.id


def opened(qtbot: QtBot, gui: Gui, record_id: str | None = None) -> tuple[Workspace,
                                                                           InterviewForm]:
    workspace = unlock(qtbot, gui)
    if record_id is None:
        workspace.new_record()
    else:
        workspace.open_record(record_id)
    form = workspace.form
    assert form is not None
    return workspace, form


def go_to(form: InterviewForm, section_id: str) -> None:
    ids = [p.section.id for p in form.section_pages]
    form.go_to_section(ids.index(section_id), focus=True)
    QApplication.processEvents()


# -- one saved state -----------------------------------------------------------------------
def test_the_status_bar_and_the_form_say_the_same(
    qtbot: QtBot, locked_gui: Gui, draft_id: str
) -> None:
    window = locked_gui.window
    _workspace, form = opened(qtbot, locked_gui, draft_id)
    bar = window.statusBar()
    go_to(form, "work")
    row = form.row("work.days_per_week")
    row.focus_widget().setFocus()
    qtbot.keyClicks(row.focus_widget(), "9")  # more than 7: an error
    assert form.status_label.text() == _("Unsaved changes") == bar.currentMessage()
    with qtbot.waitSignal(form.saved, timeout=SAVE_TIMEOUT_MS):
        form.flush()
    assert "1 answer has an error" in form.status_label.text()
    assert bar.currentMessage() == form.status_label.text()  # never "saved" alone
    row.editor.set_value(6)
    with qtbot.waitSignal(form.saved, timeout=SAVE_TIMEOUT_MS):
        form.flush()
    assert "error" not in form.status_label.text()
    assert bar.currentMessage() == form.status_label.text()
    locked_gui.languages.apply("ko", remember=False)
    assert bar.currentMessage() == form.status_label.text()


# -- the check before Submit ---------------------------------------------------------------
def test_submit_shows_what_is_missing_and_asks(
    qtbot: QtBot, locked_gui: Gui, draft_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = locked_gui.window
    workspace, form = opened(qtbot, locked_gui, draft_id)
    panel = workspace.review_panel
    assert panel is not None and Status.SUBMITTED in panel.transition_buttons
    go_to(form, "work")
    form.row("work.days_per_week").editor.set_value(9)  # an error
    asked: list[tuple[str, str]] = []
    answers = [False, True]

    def ask(_parent: QWidget | None, title: str, text: str, details: str = "") -> bool:
        assert "1 answer has an error." in text and "questions are not answered." in text
        asked.append((title, details))  # the list, in the box's scrolling details
        return answers.pop(0)

    monkeypatch.setattr(window.dialogs, "ask", ask)
    assert not panel.transition(Status.SUBMITTED)  # cancelled: still a draft
    assert form.record.status is Status.DRAFT
    vault = locked_gui.session.vault
    assert vault is not None
    assert InterviewService(vault).load(draft_id).status is Status.DRAFT
    title, text = asked[0]
    assert title == _("Submit the testimony?")
    assert "Working time and conditions (1/9):" in text
    assert "With an error: Working days per week" in text
    assert "Not answered: Rest days per month, Was there a work quota?" in text
    assert "About this interview (1/" in text  # the language only
    assert "Narrative (1/2):" in text and "Not answered: Quotes" in text
    assert text.index("About this interview") < text.index("Working time")  # form order
    assert "Review" not in text.split("\n")[0]

    assert panel.transition(Status.SUBMITTED)  # confirmed
    assert len(asked) == 2
    assert InterviewService(vault).load(draft_id).status is Status.SUBMITTED
    assert form.record.status is Status.SUBMITTED


def test_a_complete_record_is_still_confirmed() -> None:
    assert submit_text([]).startswith(_("Every question is answered"))


# -- today as the interview date -------------------------------------------------------------
def test_a_new_testimony_is_dated_today(qtbot: QtBot, locked_gui: Gui, draft_id: str) -> None:
    workspace, form = opened(qtbot, locked_gui)
    today = dt.date.today().isoformat()  # the local date
    assert form.row("interview.date").collect().value == today
    assert form.row("interview.date").state.currentText() == _("Answer")
    assert not form.has_unsaved_changes  # nothing stored until the interviewer types
    # An existing testimony keeps what is stored, even a blank date.
    workspace.open_record(draft_id)
    assert workspace.form is not None
    assert workspace.form.row("interview.date").collect().value is None


# -- the narrative uses the room it has --------------------------------------------------------
def test_the_narrative_box_fills_its_page_at_1366x768(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    window.resize(1366, 768)
    _workspace, form = opened(qtbot, locked_gui)
    QApplication.processEvents()
    go_to(form, "narrative")
    page = form.current_page
    editor = form.row("narrative.summary").focus_widget()
    quotes = form.row("narrative.quotes").focus_widget()
    qtbot.waitUntil(lambda: editor.isVisible() and editor.width() > 100, timeout=5_000)
    room = page.viewport().width()
    # The whole width of the page but its margins (was 490 px beside an empty gutter)...
    assert editor.width() >= room - 2 * 16 - 8, (editor.width(), room)
    # ...and the page's height: the rows fill it (no blank space under them), the summary
    # taking the larger share, and it grows with the window.
    assert editor.height() > quotes.height() and editor.height() > 190, editor.height()
    body = page.widget()
    assert body is not None and body.height() <= page.viewport().height() + 1  # no scrolling
    last = form.row("narrative.quotes")
    assert last.geometry().bottom() >= body.height() - 16 - 2  # down to the bottom margin
    before = editor.height()
    window.resize(1366, 1000)
    qtbot.waitUntil(lambda: editor.height() > before + 100, timeout=5_000)
