"""The case manager's review in the window: the queue, the
review panel's transitions and history, an indicator override with its required reason;
what an interviewer and a coordinator get instead (tests/ui/test_permissions_ui.py covers
the list and the form's rows; here: every text a coordinator's window shows)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from intake.domain.indicators import FINDING_LABELS, Finding
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.i18n import _
from intake.services.interviews import InterviewService
from intake.services.review import ReviewService
from intake.ui.records.review_panel import ReviewPanel
from intake.ui.records.workspace import Workspace
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import BuildGui
from tests.ui.helpers import as_role, unlock
from tests.ui.test_permissions_ui import OTHER

NAME = "김철호"
LEFT = Qt.MouseButton.LeftButton
INDICATOR = "excessive_overtime"


def _record(author: str, status: Status, day: int) -> Record:
    record = Record.new(author)
    record.status = status
    record.created_at = dt.datetime(2025, 1, day, 9, tzinfo=dt.UTC).isoformat()
    record.answers.update({
        "consent.internal_documentation": True, "identity.full_name": NAME,
        "narrative.summary": "연해주 벌목장.", "work.hours_per_day": 14,
        "work.days_per_week": 7})
    return record


@pytest.fixture
def records(existing_vault: tuple[Path, str]) -> dict[str, str]:
    made = {
        "second": _record(OTHER, Status.SUBMITTED, 5),
        "first": _record(OTHER, Status.SUBMITTED, 2),
        "reviewing": _record(USER, Status.IN_REVIEW, 1),
        "draft": _record(OTHER, Status.DRAFT, 1),
        "verified": _record(OTHER, Status.VERIFIED, 1),
        "own": _record(USER, Status.SUBMITTED, 3),
    }
    with Vault.open(existing_vault[0], USER, PASSPHRASE) as vault:
        InterviewService(vault).import_records(made.values())
    return {key: record.id for key, record in made.items()}


def shown(workspace: Workspace) -> list[str]:
    model = workspace.record_list.model
    return [model.record_id(row) for row in range(model.rowCount())]


def panel_of(workspace: Workspace) -> ReviewPanel:
    assert workspace.form is not None and workspace.review_panel is not None
    return workspace.review_panel


def click(qtbot: QtBot, panel: ReviewPanel, button: QWidget) -> None:
    """A real click on ``button`` once it is laid out and scrolled into view (after a
    resize, the layout settles on the next event-loop turns; a click before lands on the
    old geometry)."""
    qtbot.waitUntil(lambda: button.isVisible() and button.width() > 20)
    panel.ensureWidgetVisible(button)
    qtbot.wait(0)
    qtbot.mouseClick(button, LEFT)


def test_a_case_manager_reviews_overrides_and_verifies(
    qtbot: QtBot, records: dict[str, str], make_gui: BuildGui,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_role(monkeypatch, Role.CASE_MANAGER)
    gui = make_gui()
    workspace = unlock(qtbot, gui)
    assert gui.window.queue_action.isEnabled()
    gui.window.queue_action.trigger()
    assert workspace.queue is not None and workspace.queue.showing
    assert shown(workspace) == [records[k] for k in ("first", "own", "second", "reviewing")]

    # Opening the oldest from the queue with the keyboard.
    table = workspace.record_list.table
    table.setFocus()
    table.selectRow(0)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    form, panel = workspace.form, panel_of(workspace)
    assert form is not None and form.record.id == records["first"]
    assert form.side_tabs.currentWidget() is panel  # opened from the queue: the review tab
    assert panel.status_value.text() == _("Submitted")
    form.row("identity.full_name")  # its page built (pages are built on the first visit)
    assert any(NAME in text for text in texts(form))  # texts() does find a name
    window = gui.window
    window.resize(1366, 768)
    assert window.minimumSizeHint().width() <= 1366
    assert window.minimumSizeHint().height() <= 768
    assert [b.text() for b in panel.transition_buttons.values()] == [_("Start review")]

    click(qtbot, panel, panel.transition_buttons[Status.IN_REVIEW])
    assert form.record.status is Status.IN_REVIEW
    assert panel.status_value.text() == _("In review")
    assert set(panel.transition_buttons) == {Status.VERIFIED, Status.NEEDS_FOLLOW_UP}
    # An edit after the transition saves with the new status (no stale status written back).
    form.row("narrative.summary").editor.set_value("연해주 벌목장, 하루 14시간.")
    assert form.flush()
    review = ReviewService(gui.session.vault)  # type: ignore[arg-type]
    assert review.interviews.load(records["first"]).status is Status.IN_REVIEW

    # The override: disabled without a reason, then derived and final side by side.
    overrides = panel.overrides
    assert not overrides.editor.isHidden()
    overrides.select(INDICATOR)
    derived = overrides.view(INDICATOR)
    assert derived is not None and derived.derived is Finding.PRESENT
    overrides.choice.setCurrentIndex(overrides.choice.findData("absent"))
    assert not overrides.override_button.isEnabled()
    qtbot.keyClicks(overrides.reason, "   ")
    assert not overrides.override_button.isEnabled()
    qtbot.keyClicks(overrides.reason, "Rest days were given in winter")
    assert overrides.override_button.isEnabled()
    # Scrolled into view first, as a user would: a mouse click goes to whatever is at its
    # place in the window, and at 1366x768 the button can sit below the panel's fold.
    click(qtbot, panel, overrides.override_button)
    assert gui.window.dialogs.shown == []
    view = overrides.view(INDICATOR)
    assert view is not None and view.final is Finding.ABSENT and view.derived is Finding.PRESENT
    assert overrides.selected() == INDICATOR
    table_row = overrides.table.selectionModel().selectedRows()[0].row()
    cell = overrides.table.model().index
    assert cell(table_row, 1).data() == _(FINDING_LABELS[Finding.PRESENT])
    assert cell(table_row, 2).data() == _("{finding} (reviewed)").format(
        finding=_(FINDING_LABELS[Finding.ABSENT]))
    assert USER in overrides.who.text()
    assert form.indicator_panel.final(INDICATOR) is Finding.ABSENT
    assert form.indicator_panel.finding(INDICATOR) is Finding.PRESENT

    click(qtbot, panel, panel.transition_buttons[Status.VERIFIED])
    assert form.record.status is Status.VERIFIED
    assert [b.text() for b in panel.transition_buttons.values()] == [_("Reopen")]
    lines = [panel.history.item(i).text() for i in range(panel.history.count())]
    assert len(lines) == 2 and all(USER in line for line in lines)
    assert lines[0].endswith(f"{_('Submitted')} → {_('In review')}")
    assert lines[1].endswith(f"{_('In review')} → {_('Verified')}")

    # Back in the queue: the verified testimony left it; the list counts the final value.
    qtbot.mouseClick(workspace.back_button, LEFT)
    assert records["first"] not in shown(workspace)
    finals = review.indicators(records["first"])
    present = sum(v.final is Finding.PRESENT for v in finals.values())
    workspace.queue.show_queue(False)
    model = workspace.record_list.model
    summary = next(model.summary(r) for r in range(model.rowCount())
                   if model.record_id(r) == records["first"])
    assert summary.indicators_present == present


def test_an_interviewer_gets_no_review_buttons(
    qtbot: QtBot, records: dict[str, str], make_gui: BuildGui,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_role(monkeypatch, Role.INTERVIEWER)
    gui = make_gui()
    workspace = unlock(qtbot, gui)
    assert not gui.window.queue_action.isEnabled()
    assert workspace.queue is None
    workspace.open_record(records["own"])
    panel = panel_of(workspace)
    assert panel.transition_buttons == {}  # submitted: the rest is the reviewers'
    assert panel.overrides.editor.isHidden() and panel.notes_button.isHidden()
    assert "review" not in [p.section.id for p in workspace.form.section_pages]  # type: ignore[union-attr]
    workspace.new_record()
    panel = panel_of(workspace)
    assert panel.transition_buttons == {} and not panel.unsaved.isHidden()


def texts(widget: QWidget) -> list[str]:
    """Every text a widget tree shows or tells assistive technology, tooltips included,
    and every cell of its item views."""
    found: list[str] = []
    for child in [widget, *widget.findChildren(QWidget)]:
        found += [child.toolTip(), child.accessibleName(), child.accessibleDescription()]
        if isinstance(child, QLabel | QAbstractButton | QLineEdit):
            found.append(child.text())
        elif isinstance(child, QPlainTextEdit):
            found.append(child.toPlainText())
        elif isinstance(child, QComboBox):
            found += [child.itemText(i) for i in range(child.count())]
        if isinstance(child, QAbstractItemView) and child.model() is not None:
            model = child.model()
            try:
                columns = max(1, model.columnCount(child.rootIndex()))
            except TypeError:  # a list model keeps columnCount private: one column
                columns = 1
            for row in range(model.rowCount(child.rootIndex())):
                for column in range(columns):
                    index = model.index(row, column, child.rootIndex())
                    for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                        found.append(str(model.data(index, role) or ""))
    return found


def test_a_coordinator_sees_no_identity_in_any_view(
    qtbot: QtBot, records: dict[str, str], make_gui: BuildGui,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_role(monkeypatch, Role.COORDINATOR)
    gui = make_gui()
    workspace = unlock(qtbot, gui)
    assert not any(NAME in text for text in texts(workspace))  # the list, its tooltips
    assert workspace.queue is None and not gui.window.queue_action.isEnabled()
    workspace.open_record(records["first"])
    form, panel = workspace.form, panel_of(workspace)
    assert form is not None
    assert not any(row.question.is_identifying for row in form.rows.values())
    assert form.consent_button is None  # coordinators do not edit
    assert panel.transition_buttons == {} and panel.overrides.editor.isHidden()
    for index in range(form.side_tabs.count()):
        form.side_tabs.setCurrentIndex(index)
    for index in range(len(form.section_pages)):
        form.go_to_section(index)
    assert not any(NAME in text for text in texts(gui.window))
