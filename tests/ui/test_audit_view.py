"""Vault → Audit log…: newest first, filters, details in words, Verify (intact,
then the entry someone with the key changed), and no action for an interviewer."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.roles import Role
from intake.errors import AuditLogBroken
from intake.i18n import _
from intake.services.users import UserService
from intake.ui.admin.audit_view import ACTION, BY, DETAILS, RECORD, SEQ, AuditView
from intake.ui.shell.main_window import MainWindow
from intake.vault import audit
from intake.vault.audit import AuditAction
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.tamper import tamper
from tests.ui.conftest import BuildGui, wait_for_tasks
from tests.ui.helpers import as_role, submit_unlock

LEFT = Qt.MouseButton.LeftButton
RECORD_ID = str(uuid.UUID(int=7))


@pytest.fixture
def logged(existing_vault: tuple[Path, str], make_gui: BuildGui) -> Gui:
    """A vault whose log has a user added, an edit naming two questions, a status change."""
    folder, _code = existing_vault
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        UserService(vault).add("park", Role.CASE_MANAGER, "initial passphrase for park")
        conn = vault.connection()
        audit.append(conn, "park", AuditAction.RECORD_EDITED, RECORD_ID,
                     {"questions": ["narrative.summary", "profile.sex"]})
        audit.append(conn, USER, AuditAction.STATUS_CHANGED, RECORD_ID,
                     {"from": "draft", "to": "submitted"})
    return make_gui()


def unlock(qtbot: QtBot, gui: Gui) -> None:
    submit_unlock(qtbot, gui)


def open_audit(window: MainWindow) -> AuditView:
    assert window.audit_action.isEnabled()
    window.audit_action.trigger()
    view = window.audit_view
    assert view is not None and view.isVisible()
    return view


def column(view: AuditView, index: int) -> list[str]:
    return [view.table.item(row, index).text() for row in range(view.table.rowCount())]


def test_entries_newest_first_with_filters(qtbot: QtBot, logged: Gui) -> None:
    window = logged.window
    unlock(qtbot, logged)
    view = open_audit(window)
    seqs = [entry.seq for entry in view.entries]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 4
    assert column(view, SEQ)[0] == str(seqs[0])
    actions = column(view, ACTION)
    assert _("Status changed") in actions and _("User added") in actions
    edited = actions.index(_("Record edited"))
    details = column(view, DETAILS)[edited]
    assert _("Summary of the testimony") in details and _("Sex") in details
    assert "narrative.summary" not in details
    for widget in (view.user, view.action, view.record, view.since, view.until, view.table):
        assert widget.accessibleName()

    view.user.setCurrentIndex(view.user.findData("park"))
    assert column(view, BY) == ["park"]
    view.user.setCurrentIndex(0)  # all users
    view.action.setCurrentIndex(view.action.findData(AuditAction.STATUS_CHANGED.value))
    assert column(view, ACTION) == [_("Status changed")]
    assert column(view, DETAILS) == [_("from {status}").format(status=_("Draft")) + ", "
                                     + _("to {status}").format(status=_("Submitted"))]
    view.action.setCurrentIndex(0)
    qtbot.keyClicks(view.record, RECORD_ID.upper())
    qtbot.keyClick(view.record, Qt.Key.Key_Return)
    assert column(view, RECORD) == [RECORD_ID, RECORD_ID]
    view.record.clear()
    assert len(view.entries) >= len(seqs)

    tomorrow = QDate.currentDate().addDays(1)
    view.since.setDate(tomorrow)
    view.use_since.setChecked(True)
    assert view.entries == [] and view.table.rowCount() == 0
    view.since.setDate(QDate.currentDate().addDays(-1))
    view.until.setDate(QDate.currentDate())
    view.use_until.setChecked(True)
    assert len(view.entries) >= len(seqs)
    view.until.setDate(QDate.currentDate().addDays(-2))
    assert view.entries == []

    logged.languages.apply("ko", remember=False)
    hint = view.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 700
    logged.languages.apply("en", remember=False)
    assert view.verify_button.text() == _("&Verify the log") and view.entries == []

    window.lock_action.trigger()
    qtbot.waitUntil(lambda: not shiboken6.isValid(view), timeout=5_000)
    assert window.audit_view is None and not window.audit_action.isEnabled()


def verify(qtbot: QtBot, window: MainWindow, view: AuditView) -> str:
    qtbot.mouseClick(view.verify_button, LEFT)
    assert view.running
    wait_for_tasks(qtbot, window)
    assert not view.running
    return view.outcome.text()


def test_verify_says_intact_then_names_the_changed_entry(
    qtbot: QtBot, logged: Gui, default_vault_folder: Path
) -> None:
    window = logged.window
    unlock(qtbot, logged)
    view = open_audit(window)
    vault = logged.session.vault
    assert vault is not None
    total = audit.count(vault.connection())
    assert verify(qtbot, window, view) == _("The log is intact ({count} entries).").format(
        count=total)

    window.lock_action.trigger()
    with Vault.open(default_vault_folder, USER, PASSPHRASE) as opened:
        edited = next(e.seq for e in audit.entries(opened.connection())
                      if e.action == AuditAction.RECORD_EDITED)
    tamper(default_vault_folder, f"UPDATE audit SET user = 'someone' WHERE seq = {edited}")
    unlock(qtbot, logged)
    view = open_audit(window)
    text = verify(qtbot, window, view)
    assert text == AuditLogBroken(seq=edited, problem="hash").message()
    assert f"{edited}" in text
    selected = view.table.selectionModel().selectedRows()
    assert selected and view.entries[selected[0].row()].seq == edited


def test_an_interviewer_has_no_audit_log(
    qtbot: QtBot, logged: Gui, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.INTERVIEWER)
    window = logged.window
    unlock(qtbot, logged)
    assert logged.session.role is Role.INTERVIEWER
    assert not window.audit_action.isEnabled()
    window.open_audit()
    assert window.audit_view is None


def test_a_case_manager_has_it(
    qtbot: QtBot, logged: Gui, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_role(monkeypatch, Role.CASE_MANAGER)
    unlock(qtbot, logged)
    assert open_audit(logged.window).entries
