"""An interviewer completes a testimony without touching the mouse: unlock, Ctrl+N, the
answers, the consent step, the sections by Ctrl+PgDown, Ctrl+S, and the submission for
review from the side tab, all by key presses sent to whatever has the focus (no clicks,
no setters). Then the stored record is read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.record import Status
from intake.domain.roles import Role
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.ui.form.interview_form import InterviewForm
from intake.ui.records.workspace import Workspace
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import screen, wait_for_tasks
from tests.ui.helpers import as_role

NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SUMMARY = "Worked fourteen hours a day at a logging camp"


def focused() -> QWidget:
    """Where a key press goes: the focus widget, else the active window (as a keyboard's
    events do when nothing has the focus)."""
    widget = QApplication.focusWidget() or QApplication.activeWindow()
    assert widget is not None, "no window is active"
    return widget


def has_focus(widget: QWidget) -> bool:
    current = QApplication.focusWidget()
    return current is not None and (current is widget or widget.isAncestorOf(current))


def press(qtbot: QtBot, key: Qt.Key, modifier: Qt.KeyboardModifier = NONE) -> None:
    """A key press where the keyboard's would go. Shortcuts only fire in the active
    window, so the press waits for the focus widget's window to be it (an earlier test's
    window can stay active for a moment after it closed)."""
    target = focused()
    window = target.window()
    if not window.isActiveWindow():
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(target, key, modifier)


def type_keys(qtbot: QtBot, text: str) -> None:
    qtbot.keyClicks(focused(), text)


def tab_to(qtbot: QtBot, target: QWidget, most: int = 40) -> None:
    for _press in range(most):
        if has_focus(target):
            return
        press(qtbot, Qt.Key.Key_Tab)
    assert has_focus(target), f"Tab never reached {target.accessibleName()!r}"


def section_by_keys(qtbot: QtBot, form: InterviewForm, section_id: str) -> None:
    for _step in range(len(form.section_pages)):
        if form.current_page.section.id == section_id:
            return
        press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert form.current_page.section.id == section_id


def unlock_by_keys(qtbot: QtBot, gui: Gui) -> Workspace:
    window = gui.window
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    user_field = screen(window).findChild(QWidget, "unlock_user")
    assert user_field is not None and has_focus(user_field)
    type_keys(qtbot, USER)
    press(qtbot, Qt.Key.Key_Return)  # to the passphrase
    type_keys(qtbot, PASSPHRASE)
    press(qtbot, Qt.Key.Key_Return)  # unlocks
    wait_for_tasks(qtbot, window)
    workspace = screen(window)
    assert isinstance(workspace, Workspace)
    return workspace


def test_an_interviewer_completes_a_testimony_from_the_keyboard(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_role(monkeypatch, Role.INTERVIEWER)
    workspace = unlock_by_keys(qtbot, locked_gui)
    assert locked_gui.session.role is Role.INTERVIEWER

    press(qtbot, Qt.Key.Key_N, CTRL)  # Testimonies → New testimony
    form = workspace.form
    assert form is not None and workspace.showing_form
    # the new form is shown and takes the focus
    qtbot.waitUntil(lambda: form.isVisible() and has_focus(form), timeout=5_000)

    # F6: the sections; Enter: the first field of the first one.
    press(qtbot, Qt.Key.Key_F6)
    assert has_focus(form.section_list)
    press(qtbot, Qt.Key.Key_Return)
    date = form.row("interview.date").editor
    assert has_focus(date.focus_widget())
    type_keys(qtbot, "2025")
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "3")  # month
    press(qtbot, Qt.Key.Key_Tab)
    type_keys(qtbot, "14")  # day
    country = form.row("interview.country").editor.focus_widget()
    tab_to(qtbot, country)
    press(qtbot, Qt.Key.Key_Down)  # the first country of the list
    tab_to(qtbot, form.row("interview.language").editor.focus_widget())
    press(qtbot, Qt.Key.Key_Down)

    # Consent: the page's button opens the consent step; arrows decide, Enter records.
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert form.current_page.section.id == "consent"
    assert form.consent_button is not None and has_focus(form.consent_button)
    press(qtbot, Qt.Key.Key_Space)
    consent = workspace.consent
    assert consent is not None and consent.step is not None
    step = consent.step
    qtbot.waitUntil(step.isActiveWindow, timeout=5_000)
    assert has_focus(step.scopes["consent.internal_documentation"])
    press(qtbot, Qt.Key.Key_Down)  # yes
    tab_to(qtbot, step.scopes["consent.anonymized_statistics"])
    press(qtbot, Qt.Key.Key_Down)  # yes
    with qtbot.waitSignal(step.recorded):
        press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(form.isActiveWindow, timeout=5_000)
    assert has_focus(form.consent_button)

    # The working day, then the narrative; Ctrl+PgDown skips what was not asked.
    section_by_keys(qtbot, form, "work")
    hours = form.row("work.hours_per_day").editor.focus_widget()
    assert has_focus(hours)
    type_keys(qtbot, "14")
    section_by_keys(qtbot, form, "narrative")
    press(qtbot, Qt.Key.Key_PageUp, CTRL)  # back and forth: Ctrl+PgUp, Ctrl+PgDown
    assert form.current_page.section.id != "narrative"
    press(qtbot, Qt.Key.Key_PageDown, CTRL)
    assert has_focus(form.row("narrative.summary").editor.focus_widget())
    type_keys(qtbot, SUMMARY)

    # Ctrl+S saves at once (long before the autosave's pause would).
    assert form.has_unsaved_changes
    with qtbot.waitSignal(form.saved, timeout=100):
        press(qtbot, Qt.Key.Key_S, CTRL)
    assert not form.has_unsaved_changes

    # F7: the side tabs; Right: the review tab; Tab: its Submit button; Space: submit.
    press(qtbot, Qt.Key.Key_F7)
    tabs = form.side_tabs
    assert has_focus(tabs.tabBar())
    panel = workspace.review_panel
    assert panel is not None
    for _tab in range(tabs.count()):
        if tabs.currentWidget() is panel:
            break
        press(qtbot, Qt.Key.Key_Right)
    assert tabs.currentWidget() is panel
    submit = panel.transition_buttons[Status.SUBMITTED]
    tab_to(qtbot, submit)
    locked_gui.window.dialogs.set_next_answer(True)  # the submit check: submit all the same
    press(qtbot, Qt.Key.Key_Space)
    assert locked_gui.window.dialogs.shown[-1] == _("Submit the testimony?")

    vault = locked_gui.session.vault
    assert vault is not None
    stored = InterviewService(vault).load(form.record.id)
    assert stored.status is Status.SUBMITTED
    assert stored.author == USER
    answers = stored.answers
    assert answers["interview.date"] == "2025-03-14"
    questionnaire = InterviewService(vault).questionnaire
    codes = questionnaire.question("interview.country").codes
    assert codes is not None
    assert answers["interview.country"] == codes.values()[0]
    assert answers["consent.internal_documentation"] is True
    assert answers["consent.anonymized_statistics"] is True
    assert answers["work.hours_per_day"] == 14
    assert answers["narrative.summary"] == SUMMARY
