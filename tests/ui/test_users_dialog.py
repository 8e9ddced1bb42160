"""Vault → Users…: add, change role, reset, remove with a rekey and a new
recovery code shown once, errors in words, and the action only for administrators."""

from __future__ import annotations

from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.roles import Role
from intake.i18n import _
from intake.ui.admin.add_user_dialog import AddUserDialog
from intake.ui.admin.users_dialog import EDIT, LIST, RECOVERY, UsersDialog
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.shell.main_window import MainWindow
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import screen, wait_for_tasks
from tests.ui.helpers import submit_unlock

LEFT = Qt.MouseButton.LeftButton
INITIAL = "initial passphrase for park"


def unlock(qtbot: QtBot, gui: Gui, user: str = USER, passphrase: str = PASSPHRASE) -> None:
    submit_unlock(qtbot, gui, user, passphrase)


def open_users(window: MainWindow) -> UsersDialog:
    assert window.users_action.isEnabled()
    window.users_action.trigger()
    dialog = window.users_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def names(dialog: UsersDialog) -> list[str]:
    return [user.name for user in dialog.users]


def select(dialog: UsersDialog, name: str) -> None:
    dialog.table.selectRow(names(dialog).index(name))


def open_add(qtbot: QtBot, dialog: UsersDialog) -> AddUserDialog:
    qtbot.mouseClick(dialog.add_button, LEFT)
    form = dialog.add_dialog
    assert form is not None
    qtbot.waitExposed(form)
    assert dialog.pages.currentIndex() == LIST  # the list stays behind the Add dialog
    return form


def add(qtbot: QtBot, window: MainWindow, dialog: UsersDialog, name: str,
        role: Role = Role.CASE_MANAGER) -> AddUserDialog:
    form = open_add(qtbot, dialog)
    qtbot.keyClicks(form.name, name)
    form.role.setCurrentIndex(form.role.findData(role.value))
    qtbot.keyClicks(form.passphrase.first, INITIAL)
    qtbot.keyClicks(form.passphrase.second, INITIAL)
    assert form.apply_button.isEnabled()
    qtbot.mouseClick(form.apply_button, LEFT)
    assert dialog.running and form.running and not form.apply_button.isEnabled()
    assert form.passphrase.first.text() == ""  # handed to the job, field cleared
    wait_for_tasks(qtbot, window)
    return form


@pytest.fixture
def admin(qtbot: QtBot, locked_gui: Gui) -> Gui:
    unlock(qtbot, locked_gui)
    assert isinstance(screen(locked_gui.window), Workspace)
    return locked_gui


def test_add_change_role_and_reset(qtbot: QtBot, admin: Gui) -> None:
    window = admin.window
    assert window.users_action in window.vault_menu.actions()
    dialog = open_users(window)
    assert names(dialog) == [USER]
    form = open_add(qtbot, dialog)
    for widget in (form.name, form.role, form.passphrase.first, dialog.role, dialog.table):
        assert widget.accessibleName()
    qtbot.keyClick(form.name, Qt.Key.Key_Escape)  # back to the list, the dialog stays
    qtbot.waitUntil(lambda: dialog.add_dialog is None, timeout=5_000)
    assert dialog.isVisible() and dialog.pages.currentIndex() == LIST

    form = add(qtbot, window, dialog, "park")
    qtbot.waitUntil(lambda: not shiboken6.isValid(form) or not form.isVisible(),
                    timeout=5_000)  # added: the Add dialog closed
    assert dialog.add_dialog is None and dialog.pages.currentIndex() == LIST
    assert "park" in dialog.message.text()
    row = names(dialog).index("park")
    assert dialog.users[row].role is Role.CASE_MANAGER
    assert dialog.table.item(row, 1).text() == _("Case manager")
    assert dialog.table.item(row, 3).text() == _("Yes")  # must change at first unlock

    select(dialog, "park")
    qtbot.mouseClick(dialog.role_button, LEFT)
    assert dialog.pages.currentIndex() == EDIT
    assert dialog.role.currentData() == Role.CASE_MANAGER.value
    dialog.role.setCurrentIndex(dialog.role.findData(Role.INTERVIEWER.value))
    qtbot.mouseClick(dialog.apply_button, LEFT)
    wait_for_tasks(qtbot, window)
    assert dialog.pages.currentIndex() == LIST  # no identity key taken away: no rekey
    assert dialog.users[names(dialog).index("park")].role is Role.INTERVIEWER

    select(dialog, "park")
    qtbot.mouseClick(dialog.reset_button, LEFT)
    assert not dialog.apply_button.isEnabled()
    qtbot.keyClicks(dialog.passphrase.first, "another initial phrase")
    qtbot.keyClicks(dialog.passphrase.second, "another initial phrase")
    qtbot.keyClick(dialog.apply_button, Qt.Key.Key_Space)
    wait_for_tasks(qtbot, window)
    assert dialog.pages.currentIndex() == LIST
    assert "park" in dialog.message.text()


def test_a_duplicate_name_is_refused_in_words(qtbot: QtBot, admin: Gui) -> None:
    window = admin.window
    dialog = open_users(window)
    add(qtbot, window, dialog, "park")
    form = add(qtbot, window, dialog, "PARK")
    assert dialog.add_dialog is form and form.isVisible()  # stays, to correct the name
    assert form.message.text() == _("There is already a user named {name} in this "
                                    "vault.").format(name="PARK")
    assert form.name.hasFocus() and not form.running
    assert sorted(names(dialog)) == sorted([USER, "park"])


def test_remove_rekeys_and_shows_the_new_code_once(
    qtbot: QtBot, admin: Gui, default_vault_folder: Path
) -> None:
    window = admin.window
    dialog = open_users(window)
    add(qtbot, window, dialog, "park")
    select(dialog, "park")
    window.dialogs.set_next_answer(False)
    qtbot.mouseClick(dialog.remove_button, LEFT)
    assert window.dialogs.shown[-1] == _("Remove a user")
    assert "park" in names(dialog)  # refused: nothing happened

    window.dialogs.set_next_answer(True)
    qtbot.mouseClick(dialog.remove_button, LEFT)
    wait_for_tasks(qtbot, window)
    assert dialog.pages.currentIndex() == RECOVERY
    assert "park" not in names(dialog)
    code = dialog.recovery.code.text()
    assert len(code.split(" ")) > 3
    assert not dialog.recovery_done.isEnabled()
    dialog.reject()  # Escape waits until the code was confirmed
    assert dialog.isVisible() and dialog.pages.currentIndex() == RECOVERY
    qtbot.keyClick(dialog.recovery.written_down, Qt.Key.Key_Space)
    qtbot.mouseClick(dialog.recovery_done, LEFT)
    assert dialog.pages.currentIndex() == LIST and dialog.recovery.code.text() == ""
    workspace = screen(window)
    assert isinstance(workspace, Workspace)  # the workspace still works after the rekey
    workspace.record_list.refresh()

    window.lock_action.trigger()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=5_000)
    assert window.users_dialog is None
    with Vault.open_with_recovery_code(default_vault_folder, USER, code) as vault:
        assert vault.is_open


def test_locking_closes_the_dialog_even_on_the_code(qtbot: QtBot, admin: Gui) -> None:
    window = admin.window
    dialog = open_users(window)
    add(qtbot, window, dialog, "park", Role.ADMIN)
    select(dialog, "park")
    qtbot.mouseClick(dialog.role_button, LEFT)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.COORDINATOR.value))
    window.dialogs.set_next_answer(True)  # "will no longer hold the identity key"
    qtbot.mouseClick(dialog.apply_button, LEFT)
    wait_for_tasks(qtbot, window)
    assert dialog.pages.currentIndex() == RECOVERY
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=5_000)
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not admin.session.unlocked
    assert isinstance(screen(window), UnlockScreen)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=5_000)


def test_only_administrators_have_the_action(
    qtbot: QtBot, locked_gui: Gui, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = locked_gui.window
    assert not window.users_action.isEnabled()  # locked
    load_user = Vault._load_user

    def as_case_manager(self: Vault, *args: object, **kwargs: object) -> None:
        load_user(self, *args, **kwargs)  # type: ignore[arg-type]
        self.role = Role.CASE_MANAGER

    monkeypatch.setattr(Vault, "_load_user", as_case_manager)
    unlock(qtbot, locked_gui)
    assert locked_gui.session.role is Role.CASE_MANAGER
    assert not window.users_action.isEnabled()
    window.open_users()
    assert window.users_dialog is None


def test_switching_the_language_keeps_it_usable_and_small(qtbot: QtBot, admin: Gui) -> None:
    window = admin.window
    dialog = open_users(window)
    admin.languages.apply("ko", remember=False)
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 1366 and hint.height() <= 700
    admin.languages.apply("en", remember=False)
    assert dialog.add_button.text() == _("&Add…")
    assert window.users_action.text() == _("&Users…")
