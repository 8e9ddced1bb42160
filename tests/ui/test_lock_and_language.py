"""Locking destroys the workspace and frees the vault; the language switches at once."""

from __future__ import annotations

from pathlib import Path

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from intake import i18n
from intake.app import Gui
from intake.errors import VaultBusy
from intake.i18n import _
from intake.paths import app_paths
from intake.settings import SettingsStore
from intake.ui.records.empty_states import empty_vault_text
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.screens.wizard import WELCOME, FirstRunWizard
from intake.ui.shell.main_window import MainWindow
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import (
    BuildGui,
    has_hangul,
    require_korean_catalog,
    require_qt_korean,
    screen,
)
from tests.ui.helpers import unlock

LEFT = Qt.MouseButton.LeftButton


# -- locking ------------------------------------------------------------------------------
def assert_locked_and_released(
    qtbot: QtBot, gui: Gui, workspace: Workspace, folder: Path
) -> None:
    assert not gui.session.unlocked
    assert gui.session.vault is None
    assert isinstance(screen(gui.window), UnlockScreen)
    assert not gui.window.lock_action.isEnabled()
    qtbot.waitUntil(lambda: not shiboken6.isValid(workspace), timeout=5_000)
    # The GUI let go of the vault's lock file: another opener gets in.
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert vault.is_open


def test_ctrl_l_locks(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]
) -> None:
    folder, _code = existing_vault
    window = locked_gui.window
    workspace = unlock(qtbot, locked_gui)
    assert window.lock_action.shortcut().toString() == "Ctrl+L"
    # While unlocked the vault is held: nobody else can open it.
    try:
        Vault.open(folder, USER, PASSPHRASE).close()
    except VaultBusy:
        pass
    else:
        raise AssertionError("the vault opened twice while the GUI held it")

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert_locked_and_released(qtbot, locked_gui, workspace, folder)


def test_lock_action_and_lock_button_lock(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]
) -> None:
    folder, _code = existing_vault
    workspace = unlock(qtbot, locked_gui)
    locked_gui.window.lock_action.trigger()
    assert_locked_and_released(qtbot, locked_gui, workspace, folder)

    workspace = unlock(qtbot, locked_gui)
    qtbot.mouseClick(workspace.lock_button, LEFT)
    assert_locked_and_released(qtbot, locked_gui, workspace, folder)


def test_unlock_screen_after_lock_holds_no_secret(qtbot: QtBot, locked_gui: Gui) -> None:
    unlock(qtbot, locked_gui)
    locked_gui.window.lock_action.trigger()
    page = screen(locked_gui.window)
    assert isinstance(page, UnlockScreen)
    assert page.passphrase.text() == ""
    assert page.user.text() == USER  # the user who locked (in memory), not a secret
    assert page.error.text() == ""


# -- language -----------------------------------------------------------------------------
def menu_titles(window: MainWindow) -> list[str]:
    return [window.vault_menu.title(), window.language_menu.title(), window.help_menu.title()]


def expected_menu_titles() -> list[str]:
    return [_("&Vault"), _("L&anguage"), _("&Help")]


def settings_language(env: dict[str, str]) -> str | None:
    return SettingsStore(app_paths(env).settings_file).load().language


def qt_cancel_text() -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    try:
        return box.button(QDialogButtonBox.StandardButton.Cancel).text()
    finally:
        box.deleteLater()


def test_switch_to_korean_and_back_on_the_unlock_screen(
    qtbot: QtBot, locked_gui: Gui, env: dict[str, str]
) -> None:
    window = locked_gui.window
    page = screen(window)
    assert isinstance(page, UnlockScreen)
    english_unlock, english_menus = page.submit.text(), menu_titles(window)
    assert english_unlock == "Unlock"
    assert settings_language(env) is None

    qtbot.mouseClick(page.language_switch.buttons["ko"], LEFT)
    assert i18n.current_language() == "ko"
    assert locked_gui.languages.language == "ko"
    assert screen(window) is page  # retranslated in place, not rebuilt
    assert page.language_switch.buttons["ko"].isChecked()
    assert window.language_actions["ko"].isChecked()
    assert page.submit.text() == _("Unlock")
    assert page.title.text() == _("Unlock the vault")
    assert menu_titles(window) == expected_menu_titles()
    assert window.lock_action.text() == _("&Lock")
    assert settings_language(env) == "ko"

    qtbot.mouseClick(page.language_switch.buttons["en"], LEFT)
    assert i18n.current_language() == "en"
    assert page.submit.text() == english_unlock
    assert menu_titles(window) == english_menus
    assert window.language_actions["en"].isChecked()
    assert settings_language(env) == "en"
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    assert qt_cancel_text() == "Cancel"


def test_korean_texts_are_really_korean(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    page = screen(window)
    assert isinstance(page, UnlockScreen)
    english = [page.submit.text(), page.title.text(), *menu_titles(window)]
    qtbot.mouseClick(page.language_switch.buttons["ko"], LEFT)
    korean = [page.submit.text(), page.title.text(), *menu_titles(window)]

    require_korean_catalog()
    for before, after in zip(english, korean, strict=True):
        assert after != before
        assert has_hangul(after), after


def test_qt_own_strings_follow_the_language(qtbot: QtBot, locked_gui: Gui) -> None:
    require_qt_korean()
    page = screen(locked_gui.window)
    assert isinstance(page, UnlockScreen)
    qtbot.mouseClick(page.language_switch.buttons["ko"], LEFT)
    assert has_hangul(QCoreApplication.translate("QPlatformTheme", "Cancel"))
    assert has_hangul(qt_cancel_text())
    qtbot.mouseClick(page.language_switch.buttons["en"], LEFT)
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Cancel"
    assert qt_cancel_text() == "Cancel"


def test_menu_switch_changes_the_language(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    page = screen(window)
    assert isinstance(page, UnlockScreen)
    window.language_actions["ko"].trigger()
    assert i18n.current_language() == "ko"
    assert page.language_switch.buttons["ko"].isChecked()
    assert page.submit.text() == _("Unlock")
    window.language_actions["en"].trigger()
    assert page.submit.text() == "Unlock"


def test_the_workspace_follows_the_language(qtbot: QtBot, locked_gui: Gui) -> None:
    workspace = unlock(qtbot, locked_gui)
    locked_gui.window.language_actions["ko"].trigger()
    assert screen(locked_gui.window) is workspace  # still unlocked, not rebuilt
    assert locked_gui.session.unlocked
    assert workspace.heading.text() == _("Testimonies")
    assert workspace.lock_button.text() == _("Lock")
    assert workspace.empty.text() == empty_vault_text(locked_gui.session.role)
    require_korean_catalog()
    assert has_hangul(workspace.heading.text())


def test_the_choice_is_remembered_by_a_new_gui(
    qtbot: QtBot, locked_gui: Gui, make_gui: BuildGui, env: dict[str, str]
) -> None:
    page = screen(locked_gui.window)
    assert isinstance(page, UnlockScreen)
    qtbot.mouseClick(page.language_switch.buttons["ko"], LEFT)
    locked_gui.window.close()
    i18n.set_language("en")  # as after a restart: the new GUI must choose by itself

    again = make_gui()
    assert i18n.current_language() == "ko"
    assert again.languages.language == "ko"
    page = screen(again.window)
    assert isinstance(page, UnlockScreen)
    assert page.language_switch.buttons["ko"].isChecked()
    assert page.submit.text() == _("Unlock")
    assert menu_titles(again.window) == expected_menu_titles()
    require_korean_catalog()
    assert has_hangul(page.submit.text())


def test_language_switch_on_the_wizard(
    qtbot: QtBot, gui: Gui, env: dict[str, str]
) -> None:
    wizard = screen(gui.window)
    assert isinstance(wizard, FirstRunWizard)
    english_title = wizard.welcome_title.text()

    qtbot.mouseClick(wizard.language_switch.buttons["ko"], LEFT)
    assert i18n.current_language() == "ko"
    assert screen(gui.window) is wizard
    assert wizard.pages.currentIndex() == WELCOME  # still on the first page
    assert wizard.welcome_title.text() == _("Welcome to intake")
    assert wizard.next_button.text() == _("Next")
    assert wizard.passphrase.first.accessibleName() == _("New passphrase")
    assert menu_titles(gui.window) == expected_menu_titles()
    assert settings_language(env) == "ko"
    korean_title = wizard.welcome_title.text()

    qtbot.mouseClick(wizard.language_switch.buttons["en"], LEFT)
    assert wizard.welcome_title.text() == english_title == "Welcome to intake"
    assert wizard.next_button.text() == "Next"

    require_korean_catalog()
    assert korean_title != english_title
    assert has_hangul(korean_title)
