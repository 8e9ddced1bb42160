"""Testimonies → Possible duplicates… (issue 20) on a real vault and the real engine: one
witness interviewed as 리명철 and again as 이명철 (same province, birth year one off) and a
stranger; a coordinator and an interviewer who must not reach the view.

The pair is listed and shown side by side; Same person links it (the service's persons and
the audit log say so), Not the same keeps it out of the next search, Not sure keeps it and
moves on, Unlink undoes a link after asking; the view follows the language and is gone,
emptied, after a lock."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.app import Gui
from intake.i18n import _
from intake.services.desk import Desk
from intake.ui.records.duplicates_pair import AGREEMENT, FIRST, QUESTION, SECOND
from intake.ui.records.duplicates_view import SOURCE, DuplicatesView
from intake.ui.shell.main_window import MainWindow
from intake.vault.audit import AuditAction
from tests.ui.conftest import BuildGui, has_hangul, wait_for_tasks
from tests.ui.helpers import submit_unlock, unlock
from tests.unit.duplicate_records import (
    compile_korean,
    make_vault,
    staff_passphrase,
    stranger,
    third_time,
    witness_twice,
)

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def twice(default_vault_folder: Path, make_gui: BuildGui) -> tuple[Gui, tuple[str, str]]:
    """A vault (admin kim, coordinator park, interviewer choi) with the witness twice and
    a stranger; the witness's two ids, smallest first."""
    first, second = witness_twice()
    make_vault(default_vault_folder, [first, second, stranger()], staff=True)
    a, b = sorted((first.id, second.id))
    return make_gui(), (a, b)


@pytest.fixture
def thrice(default_vault_folder: Path, make_gui: BuildGui) -> Gui:
    """The witness three times (three pairs), and the stranger."""
    first, second = witness_twice()
    make_vault(default_vault_folder, [first, second, third_time(first), stranger()],
               staff=True)
    return make_gui()


def desk_of(window: MainWindow) -> Desk:
    desk = window.desk
    assert desk is not None
    return desk


def open_view(qtbot: QtBot, gui: Gui, search: bool = True) -> DuplicatesView:
    window = gui.window
    unlock(qtbot, gui)
    assert window.duplicates_action.isEnabled()
    window.duplicates_action.trigger()
    view = window.duplicates_view
    assert view is not None and view.isVisible()
    if search:
        qtbot.mouseClick(view.search_button, LEFT)
        assert view.searching and not view.same_button.isEnabled()
        wait_for_tasks(qtbot, window)
        assert not view.searching
    return view


def rows(view: DuplicatesView) -> dict[str, tuple[str, str, str]]:
    """The pair's compared questions: question id → (first, second, agreement code)."""
    table, found = view.pair.table, {}
    review = view.pair.review
    assert review is not None
    for row, comparison in enumerate(review.fields):
        assert table.item(row, QUESTION).text() == comparison.label
        found[comparison.field] = (table.item(row, FIRST).text(),
                                   table.item(row, SECOND).text(),
                                   table.item(row, AGREEMENT).data(Qt.ItemDataRole.UserRole))
    return found


def audit_decisions(desk: Desk, action: AuditAction) -> list[dict[str, object]]:
    return [dict(e.detail) | {"record": e.record_id}
            for e in desk.audit.entries(action=action.value)]


def test_the_pair_side_by_side_then_linked_then_unlinked(
        qtbot: QtBot, twice: tuple[Gui, tuple[str, str]]) -> None:
    gui, (a, b) = twice
    view = open_view(qtbot, gui)
    assert [(e.a, e.b) for e in view.entries] == [(a, b)]  # not the stranger
    assert view.queue.rowCount() == 1 and view.current_pair() == (a, b)
    assert view.queue.item(0, SOURCE).text() == _("Search")
    shown = rows(view)
    # which of the two is "first" goes by the ids (random): the names say which is which
    north_first = shown["identity.full_name"][0] == "리명철"
    order = (lambda x, y: (x, y)) if north_first else (lambda x, y: (y, x))
    assert shown["identity.full_name"] == (*order("리명철", "이명철"), "variant")
    assert shown["profile.home_province"][2] == "exact"
    assert shown["profile.birth_year"][:2] == order("1985", "1986 " + _("(estimate)"))
    assert view.pair.table.item(0, AGREEMENT).text() == _("Spelling variant")
    assert not any("abuse" in field for field in shown)  # restricted: never shown
    assert view.pair.context[0][3].text() == view.pair.context[1][3].text() == "kim"
    assert view.pair.score.text().endswith("%")
    desk = desk_of(gui.window)
    assert desk.duplicates.persons() == {}  # the control: nothing linked before

    qtbot.mouseClick(view.same_button, LEFT)
    assert desk.duplicates.persons() == {a: a, b: a}
    assert {"decision": "same", "paired_with": b, "record": a} in audit_decisions(
        desk, AuditAction.DUPLICATE_DECIDED)
    assert view.entries == [] and view.pair.review is None
    assert not view.same_button.isEnabled()
    assert [g.record_ids for g in view.linked.groups] == [(a, b)]

    view.tabs.setCurrentWidget(view.linked)
    assert not view.linked.unlink_button.isEnabled()  # a person, not a testimony, yet
    assert view.linked.select(b) and view.linked.unlink_button.isEnabled()
    gui.window.dialogs.set_next_answer(False)  # asked first: No keeps the link
    qtbot.mouseClick(view.linked.unlink_button, LEFT)
    assert desk.duplicates.persons() == {a: a, b: a}
    gui.window.dialogs.set_next_answer(True)
    qtbot.mouseClick(view.linked.unlink_button, LEFT)
    assert gui.window.dialogs.shown[-2:] == [_("Unlink this testimony?")] * 2
    assert desk.duplicates.persons() == {}
    assert view.linked.groups == [] and view.linked.tree.topLevelItemCount() == 0
    assert {"decision": "same", "paired_with": b, "record": a} in audit_decisions(
        desk, AuditAction.DUPLICATE_UNDONE)


def test_not_the_same_is_not_proposed_again(
        qtbot: QtBot, twice: tuple[Gui, tuple[str, str]]) -> None:
    gui, (a, b) = twice
    view = open_view(qtbot, gui)
    assert view.current_pair() == (a, b)  # the search proposed it (the control)
    qtbot.mouseClick(view.distinct_button, LEFT)
    assert view.entries == [] and view.queue.rowCount() == 0
    desk = desk_of(gui.window)
    assert desk.duplicates.persons() == {}
    assert {"decision": "distinct", "paired_with": b, "record": a} in audit_decisions(
        desk, AuditAction.DUPLICATE_DECIDED)
    qtbot.mouseClick(view.search_button, LEFT)
    wait_for_tasks(qtbot, gui.window)
    assert view.entries == [] and view.queue.rowCount() == 0
    assert view.status.text().startswith(_("{count} new pairs found.").format(count=0))


def test_not_sure_keeps_the_pair_and_selects_the_next(qtbot: QtBot, thrice: Gui) -> None:
    view = open_view(qtbot, thrice)
    pairs = [(e.a, e.b) for e in view.entries]
    assert len(pairs) == 3 and view.current_pair() == pairs[0]
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow, timeout=5_000)
    view.queue.setFocus()
    qtbot.keyClick(view.queue, Qt.Key.Key_Down)  # keyboard: the second pair
    assert view.current_pair() == pairs[1]
    assert view.pair.review is not None and view.pair.review.a == pairs[1][0]
    qtbot.keyClick(view.queue, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # Not s&ure
    # a mnemonic animates the click: the answer comes a moment later
    qtbot.waitUntil(lambda: any(e.source == "unsure" for e in view.entries), timeout=5_000)
    assert {(e.a, e.b) for e in view.entries} == set(pairs)  # still waiting, marked
    marked = next(e for e in view.entries if (e.a, e.b) == pairs[1])
    assert marked.source == "unsure" and marked.by == "kim"
    assert view.current_pair() == pairs[2]  # the next one
    qtbot.mouseClick(view.same_button, LEFT)  # the last one: back to the first left
    assert view.current_pair() == pairs[0]


@pytest.mark.parametrize("user", ["park", "choi"])  # a coordinator, an interviewer
def test_no_duplicates_for_a_coordinator_or_an_interviewer(
        qtbot: QtBot, twice: tuple[Gui, tuple[str, str]], user: str) -> None:
    gui, _ids = twice
    window = gui.window
    submit_unlock(qtbot, gui, user, staff_passphrase(user))
    assert window.desk is not None and window.desk.user == user  # unlocked, as them
    assert window.new_record_action.isEnabled() or window.dashboard_action.isEnabled()
    assert not window.duplicates_action.isEnabled()
    window.vault_views.open_duplicates()  # even asked directly
    assert window.duplicates_view is None


def test_the_view_follows_the_language(qtbot: QtBot, tmp_path: Path,
                                       twice: tuple[Gui, tuple[str, str]]) -> None:
    gui, _ids = twice
    view = open_view(qtbot, gui)
    english = view.same_button.text()
    i18n.set_language("ko", compile_korean(tmp_path / "catalogs"))
    try:
        QCoreApplication.sendEvent(view, QEvent(QEvent.Type.LanguageChange))
        for text in (view.windowTitle(), view.same_button.text(), view.tabs.tabText(1),
                     view.pair.table.item(0, QUESTION).text(),
                     view.pair.table.item(0, AGREEMENT).text(),
                     view.queue.item(0, SOURCE).text(), view.status.text()):
            assert has_hangul(text), text
        assert view.same_button.text() != english
    finally:
        i18n.set_language("en")
        QCoreApplication.sendEvent(view, QEvent(QEvent.Type.LanguageChange))
    assert view.same_button.text() == english


def test_the_view_is_gone_and_empty_after_a_lock(
        qtbot: QtBot, twice: tuple[Gui, tuple[str, str]]) -> None:
    gui, _ids = twice
    window = gui.window
    view = open_view(qtbot, gui)
    assert view.pair.review is not None and view.pair.table.rowCount() > 0
    cleared: list[bool] = []
    view.finished.connect(lambda _r: cleared.append(
        view.pair.review is None and view.pair.table.rowCount() == 0
        and view.queue.rowCount() == 0 and view.linked.tree.topLevelItemCount() == 0))
    window.lock()
    assert cleared and all(cleared)  # (a lock closes modal dialogs, then the views)
    assert window.duplicates_view is None
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=5_000)
    assert not window.duplicates_action.isEnabled()


def test_a_hostile_value_is_shown_as_written(qtbot: QtBot) -> None:
    """Defence in depth (imports already refuse them): a bidi override in an answer is
    shown as a marker, an interviewer's name as plain text, never as HTML."""
    from PySide6.QtGui import QTextDocument

    from intake.services.duplicate_types import FieldComparison, PairReview, TestimonySide
    from intake.ui.records.duplicates_pair import PairPanel

    hostile = "<b>관리자</b>"
    override = "Vladivostok\u202eetiS"
    side = TestimonySide("a" * 36, "submitted", "2026-01-01T00:00:00+00:00", hostile, "a")
    other = TestimonySide("b" * 36, "verified", "2026-01-02T00:00:00+00:00", "kim", "b")
    panel = PairPanel()
    qtbot.addWidget(panel)
    panel.show_review(PairReview("a" * 36, "b" * 36, 0.9, side, other, (
        FieldComparison("deployment.worksite", "Work site", override, "", "differs", -1.0),),
        None))
    cell = panel.table.item(0, FIRST).text()
    assert "\u202e" not in cell and "⟨U+202E⟩" in cell  # the raw value holds it (control)
    assert "\u202e" in override
    assert panel.table.item(0, SECOND).text() == "—"
    assert panel.table.item(0, AGREEMENT).text() == _("Differs")
    label = panel.context[0][3]
    assert label.text() == hostile and label.textFormat() == Qt.TextFormat.PlainText
    document = QTextDocument()
    document.setHtml(hostile)
    assert document.toPlainText() != hostile  # the control: as HTML it would be restyled
    panel.clear()
    assert panel.table.rowCount() == 0 and label.text() == ""


def test_a_slot_without_the_identity_key_gets_the_refusal_in_words(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch,
        twice: tuple[Gui, tuple[str, str]]) -> None:
    """The coordinator's slot (no identity key) under a case manager's role: the action is
    there by role, the view says why it shows nothing and offers no answer."""
    from intake.domain.roles import Role
    from intake.vault.record_types import IdentityKeyMissing
    from tests.ui.helpers import as_role

    gui, _ids = twice
    as_role(monkeypatch, Role.CASE_MANAGER)
    window = gui.window
    submit_unlock(qtbot, gui, "park", staff_passphrase("park"))
    assert window.desk is not None and not window.desk.has_identity_key
    assert window.duplicates_action.isEnabled()
    window.duplicates_action.trigger()
    view = window.duplicates_view
    assert view is not None
    assert view.status.text() == IdentityKeyMissing().message()
    assert view.entries == [] and view.pair.review is None
    assert not view.same_button.isEnabled()
    qtbot.mouseClick(view.search_button, LEFT)
    wait_for_tasks(qtbot, window)
    assert view.status.text() == IdentityKeyMissing().message() and view.entries == []
