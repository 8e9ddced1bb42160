"""The friendlier edges: Enter walks the first-run wizard, every passphrase field has an eye,
the unlock screen after a lock knows who locked (in memory only), the users dialog's Add
is a dialog of its own, and empty lists say what to do next."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.roles import Role
from intake.exchange.demo.generate import generate
from intake.i18n import _
from intake.paths import app_paths
from intake.services.interviews import InterviewService
from intake.services.users import UserService
from intake.ui.admin.users_dialog import EDIT, LIST
from intake.ui.kit.passphrase_fields import reveal_action
from intake.ui.records.empty_states import empty_vault_text
from intake.ui.records.workspace import Workspace
from intake.ui.screens.first_passphrase import FirstPassphraseScreen
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.screens.wizard import ACCOUNT, PASSPHRASE, RECOVERY, WELCOME, FirstRunWizard
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE as GOOD_PASSPHRASE
from tests.conftest import USER
from tests.ui.conftest import BuildGui, screen, wait_for_tasks
from tests.ui.helpers import submit_unlock, unlock

RETURN = Qt.Key.Key_Return
CTRL = Qt.KeyboardModifier.ControlModifier
PASSWORD = QLineEdit.EchoMode.Password


def password_fields(root: QWidget) -> list[QLineEdit]:
    """Every line edit under ``root`` that hides what is typed, or did (its eye is open)."""
    return [edit for edit in root.findChildren(QLineEdit)
            if edit.echoMode() == PASSWORD or reveal_action(edit) is not None]


def assert_every_passphrase_field_has_an_eye(root: QWidget, at_least: int) -> None:
    fields = password_fields(root)
    assert len(fields) >= at_least, [f.objectName() for f in fields]  # positive control
    bare = [f.objectName() for f in fields if reveal_action(f) is None]
    assert bare == []


def eye_button(field: QLineEdit) -> QWidget:
    action = reveal_action(field)
    assert action is not None
    buttons = [w for w in action.associatedObjects()
               if isinstance(w, QWidget) and w is not field]
    assert len(buttons) == 1
    return buttons[0]


# -- Enter in the wizard ------------------------------------------------------------------
def test_enter_walks_the_wizard_to_the_workspace(qtbot: QtBot, gui: Gui) -> None:
    window = gui.window
    wizard = screen(window)
    assert isinstance(wizard, FirstRunWizard) and wizard.pages.currentIndex() == WELCOME
    qtbot.keyClick(wizard.language_switch, RETURN)
    assert wizard.pages.currentIndex() == ACCOUNT
    qtbot.keyClicks(wizard.user_name, USER)
    qtbot.keyClick(wizard.user_name, RETURN)
    assert wizard.pages.currentIndex() == PASSPHRASE
    assert wizard.passphrase.first.hasFocus() or wizard.focusWidget() is wizard.passphrase.first
    qtbot.keyClicks(wizard.passphrase.first, GOOD_PASSPHRASE)
    wizard.passphrase.first.setFocus()
    qtbot.keyClick(wizard.passphrase.first, RETURN)  # to the second field, not Create
    assert wizard.pages.currentIndex() == PASSPHRASE
    qtbot.keyClicks(wizard.passphrase.second, "not the same")
    qtbot.keyClick(wizard.passphrase.second, RETURN)  # Create is disabled: nothing happens
    assert wizard.pages.currentIndex() == PASSPHRASE and not window.tasks.busy
    wizard.passphrase.second.clear()
    qtbot.keyClicks(wizard.passphrase.second, GOOD_PASSPHRASE)
    qtbot.keyClick(wizard.passphrase.second, RETURN)  # Create vault
    wait_for_tasks(qtbot, window)
    assert wizard.pages.currentIndex() == RECOVERY, wizard.error.text()
    qtbot.keyClick(wizard.written_down, RETURN)  # not written down yet: stays
    assert wizard.pages.currentIndex() == RECOVERY
    qtbot.keyClick(wizard.written_down, Qt.Key.Key_Space)
    qtbot.keyClick(wizard.written_down, Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert isinstance(screen(window), Workspace)


def test_enter_on_back_goes_back(qtbot: QtBot, gui: Gui) -> None:
    wizard = screen(gui.window)
    assert isinstance(wizard, FirstRunWizard)
    qtbot.keyClick(wizard, RETURN)
    assert wizard.pages.currentIndex() == ACCOUNT
    wizard.back_button.setFocus()
    qtbot.keyClick(wizard.back_button, RETURN)
    assert wizard.pages.currentIndex() == WELCOME


def test_an_invalid_account_is_refused_on_enter_too(qtbot: QtBot, gui: Gui) -> None:
    wizard = screen(gui.window)
    assert isinstance(wizard, FirstRunWizard)
    qtbot.keyClick(wizard, RETURN)
    qtbot.keyClicks(wizard.user_name, "kim park!")
    qtbot.keyClick(wizard.user_name, RETURN)
    assert wizard.pages.currentIndex() == ACCOUNT and wizard.error.text()


# -- the eye on every passphrase field ------------------------------------------------------
def test_the_wizard_and_the_unlock_screen_have_eyes(
    qtbot: QtBot, gui: Gui, make_gui: BuildGui
) -> None:
    assert_every_passphrase_field_has_an_eye(screen(gui.window), 2)


def test_the_unlock_screen_eye_shows_and_hides(qtbot: QtBot, locked_gui: Gui) -> None:
    page = screen(locked_gui.window)
    assert isinstance(page, UnlockScreen)
    assert_every_passphrase_field_has_an_eye(page, 4)  # passphrase, code, new twice
    field = page.passphrase
    action = reveal_action(field)
    assert action is not None and field.echoMode() == PASSWORD
    button = eye_button(field)
    assert button.accessibleName() == "Show passphrase"
    qtbot.keyClicks(field, "secret words")
    action.trigger()
    assert field.echoMode() == QLineEdit.EchoMode.Normal
    assert button.accessibleName() == "Hide passphrase"
    field.clear()  # emptied: hidden again
    assert field.echoMode() == PASSWORD and not action.isChecked()

    qtbot.keyClicks(field, "secret words")
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_H, CTRL)  # the keyboard has it too
    assert field.echoMode() == QLineEdit.EchoMode.Normal
    page.hide()  # the screen hidden: hidden again
    assert field.echoMode() == PASSWORD
    page.show()

    locked_gui.languages.apply("ko", remember=False)
    assert button.accessibleName() == _("Show passphrase") == "암호 보기"
    locked_gui.languages.apply("en", remember=False)
    assert button.accessibleName() == "Show passphrase"


def test_the_first_passphrase_screen_has_eyes(
    qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui
) -> None:
    folder, _code = existing_vault
    with Vault.open(folder, USER, GOOD_PASSPHRASE) as vault:
        UserService(vault).add("park", Role.INTERVIEWER, "initial passphrase for park")
    gui = make_gui()
    submit_unlock(qtbot, gui, "park", "initial passphrase for park")
    page = screen(gui.window)
    assert isinstance(page, FirstPassphraseScreen)
    assert_every_passphrase_field_has_an_eye(page, 2)


def test_the_users_dialog_and_its_add_dialog_have_eyes(qtbot: QtBot, locked_gui: Gui) -> None:
    unlock(qtbot, locked_gui)
    window = locked_gui.window
    window.users_action.trigger()
    dialog = window.users_dialog
    assert dialog is not None
    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == EDIT
    assert_every_passphrase_field_has_an_eye(dialog, 2)
    dialog.back_to_list()
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    add = dialog.add_dialog
    assert add is not None
    qtbot.waitExposed(add)
    assert_every_passphrase_field_has_an_eye(add, 2)
    for top in QApplication.topLevelWidgets():  # nothing else open has a bare one
        if top.isVisible():
            assert [f for f in password_fields(top) if reveal_action(f) is None] == []


def test_no_passphrase_field_is_made_outside_the_one_that_adds_the_eye() -> None:
    """A new passphrase field elsewhere (a QLineEdit or QInputDialog in Password mode)
    would have no eye: hidden text is only ever set up by ``add_reveal_toggle``."""
    ui = Path(__file__).resolve().parents[2] / "intake"
    hiding = re.compile(r"EchoMode\.(Password|PasswordEchoOnEdit)")
    makers = {str(p.relative_to(ui)) for p in ui.rglob("*.py") if hiding.search(p.read_text())}
    assert makers == {"ui/kit/passphrase_fields.py"}  # the one place, found: the scan works


# -- the users dialog's Add ---------------------------------------------------------------
def test_add_is_one_form_with_one_row_of_buttons(qtbot: QtBot, locked_gui: Gui) -> None:
    unlock(qtbot, locked_gui)
    window = locked_gui.window
    window.users_action.trigger()
    dialog = window.users_dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    add = dialog.add_dialog
    assert add is not None
    qtbot.waitExposed(add)
    boxes = [b for b in add.findChildren(QDialogButtonBox) if b.isVisible()]
    assert len(boxes) == 1
    buttons = [b for b in add.findChildren(QPushButton) if b.isVisible()]
    assert {b.mapTo(add, b.rect().center()).y() for b in buttons} == {
        add.apply_button.mapTo(add, add.apply_button.rect().center()).y()}
    fields = [add.name, add.role, add.passphrase.first, add.passphrase.second]
    lefts = {f.mapTo(add, f.rect().topLeft()).x() for f in fields}
    assert len(lefts) == 1, lefts  # one column of labels, one of fields
    add.reject()
    qtbot.waitUntil(lambda: dialog.add_dialog is None, timeout=5_000)

    dialog.table.selectRow(0)
    qtbot.mouseClick(dialog.reset_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == EDIT
    assert not dialog.close_buttons.isVisible()  # the form's own buttons only
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.currentIndex() == LIST and dialog.close_buttons.isVisible()


# -- who locked -----------------------------------------------------------------------------
LOCKER = "locker_q7z"


def holds(path: Path, needle: bytes) -> bool:
    return any(needle in file.read_bytes() for file in path.rglob("*") if file.is_file())


def test_after_a_lock_the_user_is_filled_in_and_left_nowhere(
    qtbot: QtBot, env: dict[str, str], default_vault_folder: Path, policy: KdfPolicy,
    make_gui: BuildGui, tmp_path: Path,
) -> None:
    Vault.create(default_vault_folder, LOCKER, GOOD_PASSPHRASE, policy)[0].close()
    gui = make_gui()
    window = gui.window
    first = screen(window)
    assert isinstance(first, UnlockScreen) and first.user.text() == ""  # a fresh start
    submit_unlock(qtbot, gui, LOCKER, GOOD_PASSPHRASE)
    assert isinstance(screen(window), Workspace)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_L, CTRL)
    page = screen(window)
    assert isinstance(page, UnlockScreen) and not gui.session.unlocked
    assert page.user.text() == LOCKER
    qtbot.waitUntil(page.passphrase.hasFocus, timeout=5_000)
    assert page.passphrase.text() == ""

    needle = LOCKER.encode()
    config = app_paths(env).settings_file.parent
    home = Path(env["INTAKE_HOME"])
    outside_vault = [p for p in home.rglob("*") if p.is_file()
                     and default_vault_folder not in p.parents]
    assert not any(needle in p.read_bytes() for p in outside_vault)
    assert not holds(config, needle)
    settings = QSettings()
    assert all(LOCKER not in str(settings.value(key)) for key in settings.allKeys())
    assert not any(LOCKER in value for value in (*env.values(), *os.environ.values()))
    assert not any(LOCKER in arg for arg in (*sys.argv, *QCoreApplication.arguments()))

    planted = tmp_path / "control"  # the scan finds the name where it is
    planted.mkdir()
    (planted / "x").write_bytes(b"..." + needle)
    assert holds(planted, needle)

    window.show_unlock()  # as after a start: nobody is filled in
    assert isinstance(screen(window), UnlockScreen) and screen(window).user.text() == ""


# -- empty states ---------------------------------------------------------------------------
def test_an_empty_vault_says_what_to_do_next(qtbot: QtBot, locked_gui: Gui) -> None:
    workspace = unlock(qtbot, locked_gui)
    qtbot.waitUntil(workspace.empty.isVisible, timeout=10_000)  # once the list has loaded
    assert "Ctrl+N" in workspace.empty.text() and _("New testimony") in workspace.empty.text()
    coordinator = empty_vault_text(Role.COORDINATOR)
    assert "Ctrl+N" not in coordinator and "Transfer → Receive from field…" in coordinator
    assert "Transfer → Receive from field…" in empty_vault_text(Role.CASE_MANAGER) or (
        "Ctrl+N" in empty_vault_text(Role.CASE_MANAGER))


def test_a_search_that_finds_nothing_offers_to_clear(
    qtbot: QtBot, locked_gui: Gui, default_vault_folder: Path
) -> None:
    with Vault.open(default_vault_folder, USER, GOOD_PASSPHRASE) as vault:
        InterviewService(vault).import_records(
            generate(1, seed=3, author=USER, today=dt.date(2026, 11, 27)))
    workspace = unlock(qtbot, locked_gui)
    records = workspace.record_list
    # the window shows the workspace once the unlock's events are handled (under load, a
    # moment after the screen switched)
    qtbot.waitUntil(records.table.isVisible, timeout=5_000)
    assert not records.no_match.isVisible()
    qtbot.keyClicks(records.search, "zzzqqq")
    records.apply_filter()
    qtbot.waitUntil(records.no_match.isVisible, timeout=5_000)
    assert not records.table.isVisible()
    assert "zzzqqq" in records.no_match.text.text()
    qtbot.mouseClick(records.no_match.clear_button, Qt.MouseButton.LeftButton)
    assert records.search.text() == "" and records.table.isVisible()
    assert not records.no_match.isVisible() and records.model.total == 1
