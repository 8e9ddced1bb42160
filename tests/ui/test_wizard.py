"""The first-run wizard, walked as a user would: keyboard into fields, clicks on buttons."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.errors import InvalidUserName, VaultExists
from intake.i18n import _
from intake.ui.screens.wizard import (
    ACCOUNT,
    CREATING,
    PASSPHRASE,
    RECOVERY,
    WELCOME,
    FirstRunWizard,
)
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.recovery import GROUP_SIZE, GROUPS
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE as GOOD_PASSPHRASE
from tests.conftest import USER
from tests.ui.conftest import screen, wait_for_tasks

LEFT = Qt.MouseButton.LeftButton


def wizard_of(gui: Gui) -> FirstRunWizard:
    widget = screen(gui.window)
    assert isinstance(widget, FirstRunWizard)
    return widget


def click_next(qtbot: QtBot, wizard: FirstRunWizard) -> None:
    assert wizard.next_button.isVisible() and wizard.next_button.isEnabled()
    qtbot.mouseClick(wizard.next_button, LEFT)


def type_passphrases(qtbot: QtBot, wizard: FirstRunWizard, first: str, second: str) -> None:
    wizard.passphrase.first.clear()
    wizard.passphrase.second.clear()
    qtbot.keyClicks(wizard.passphrase.first, first)
    qtbot.keyClicks(wizard.passphrase.second, second)


def to_passphrase_page(qtbot: QtBot, wizard: FirstRunWizard) -> None:
    click_next(qtbot, wizard)
    assert wizard.pages.currentIndex() == ACCOUNT
    qtbot.keyClicks(wizard.user_name, USER)
    click_next(qtbot, wizard)
    assert wizard.pages.currentIndex() == PASSPHRASE


def test_first_run_shows_the_wizard(gui: Gui) -> None:
    wizard = wizard_of(gui)
    assert wizard.objectName() == "first_run_wizard"
    assert wizard.isVisible()
    assert wizard.pages.currentIndex() == WELCOME
    assert not gui.session.unlocked
    assert not gui.window.lock_action.isEnabled()


def test_invalid_user_name_is_refused_and_the_page_stays(qtbot: QtBot, gui: Gui) -> None:
    wizard = wizard_of(gui)
    click_next(qtbot, wizard)
    qtbot.keyClicks(wizard.user_name, "kim park!")
    click_next(qtbot, wizard)
    assert wizard.pages.currentIndex() == ACCOUNT
    assert wizard.error.text() == InvalidUserName().message()

    wizard.user_name.clear()  # an empty name is refused as well
    click_next(qtbot, wizard)
    assert wizard.pages.currentIndex() == ACCOUNT
    assert wizard.error.text() == InvalidUserName().message()

    qtbot.keyClicks(wizard.user_name, USER)
    click_next(qtbot, wizard)
    assert wizard.pages.currentIndex() == PASSPHRASE
    assert wizard.error.text() == ""


def test_a_folder_holding_a_vault_is_refused(
    qtbot: QtBot, gui: Gui, tmp_path: Path, policy: KdfPolicy
) -> None:
    taken = tmp_path / "taken"
    vault, _code = Vault.create(taken, USER, GOOD_PASSPHRASE, policy)
    vault.close()
    before = sorted(p.name for p in taken.iterdir())

    wizard = wizard_of(gui)
    click_next(qtbot, wizard)
    wizard.folder.clear()
    qtbot.keyClicks(wizard.folder, str(taken))
    qtbot.keyClicks(wizard.user_name, "park")
    click_next(qtbot, wizard)
    assert wizard.pages.currentIndex() == ACCOUNT
    assert wizard.error.text() == VaultExists(path=str(taken)).message()
    assert sorted(p.name for p in taken.iterdir()) == before


def test_create_is_enabled_only_for_two_equal_passphrases_of_ten_characters(
    qtbot: QtBot, gui: Gui
) -> None:
    wizard = wizard_of(gui)
    to_passphrase_page(qtbot, wizard)
    create = wizard.next_button
    assert create.text() == _("Create vault")
    assert not create.isEnabled()  # nothing typed yet

    type_passphrases(qtbot, wizard, "nine char", "nine char")  # 9 characters
    assert not create.isEnabled()
    type_passphrases(qtbot, wizard, "ten chars!", "ten chars?")  # 10, but they differ
    assert not create.isEnabled()
    assert _("The two passphrases differ.") in wizard.passphrase.hint.text()
    type_passphrases(qtbot, wizard, "ten chars!", "")
    assert not create.isEnabled()
    type_passphrases(qtbot, wizard, "ten chars!", "ten chars!")
    assert create.isEnabled()
    qtbot.keyClick(wizard.passphrase.second, Qt.Key.Key_Backspace)
    assert not create.isEnabled()


def test_back_clears_the_passphrases(qtbot: QtBot, gui: Gui) -> None:
    wizard = wizard_of(gui)
    to_passphrase_page(qtbot, wizard)
    type_passphrases(qtbot, wizard, GOOD_PASSPHRASE, GOOD_PASSPHRASE)
    qtbot.mouseClick(wizard.back_button, LEFT)
    assert wizard.pages.currentIndex() == ACCOUNT
    assert wizard.passphrase.first.text() == ""
    assert wizard.passphrase.second.text() == ""


def test_create_shows_the_recovery_code_then_the_workspace(
    qtbot: QtBot, gui: Gui, default_vault_folder: Path
) -> None:
    window = gui.window
    wizard = wizard_of(gui)
    to_passphrase_page(qtbot, wizard)
    type_passphrases(qtbot, wizard, GOOD_PASSPHRASE, GOOD_PASSPHRASE)

    click_next(qtbot, wizard)  # "Create vault": the work goes to a worker thread
    assert window.tasks.busy
    assert wizard.pages.currentIndex() == CREATING
    assert not wizard.next_button.isVisible()
    assert wizard.passphrase.first.text() == ""
    assert wizard.passphrase.second.text() == ""
    wait_for_tasks(qtbot, window)

    assert wizard.pages.currentIndex() == RECOVERY, wizard.error.text()
    groups = wizard.recovery_code.text().split(" ")
    assert len(groups) == GROUPS
    assert all(len(group) == GROUP_SIZE for group in groups)
    code = " ".join(groups)
    assert wizard.passphrase.first.text() == ""
    assert wizard.passphrase.second.text() == ""

    finish = wizard.next_button
    assert finish.text() == _("Finish")
    assert not finish.isEnabled()
    qtbot.mouseClick(finish, LEFT)  # a click on a disabled button does nothing
    assert wizard.pages.currentIndex() == RECOVERY
    wizard.written_down.setFocus()
    qtbot.keyClick(wizard.written_down, Qt.Key.Key_Space)
    assert wizard.written_down.isChecked()
    assert finish.isEnabled()
    qtbot.keyClick(wizard.written_down, Qt.Key.Key_Space)
    assert not finish.isEnabled()
    qtbot.keyClick(wizard.written_down, Qt.Key.Key_Space)

    click_next(qtbot, wizard)
    assert screen(window).objectName() == "workspace"
    assert gui.session.unlocked
    assert gui.session.user == USER
    assert window.lock_action.isEnabled()
    assert (default_vault_folder / KEYSLOTS_NAME).is_file()
    assert (default_vault_folder / DATABASE_NAME).is_file()

    # The code shown on screen really opens the vault.
    window.close()
    assert not gui.session.unlocked
    with Vault.open_with_recovery_code(default_vault_folder, USER, code) as vault:
        assert vault.is_open
        assert vault.user == USER


def test_create_in_another_folder_is_remembered(
    qtbot: QtBot, gui: Gui, tmp_path: Path
) -> None:
    folder = tmp_path / "elsewhere" / "intake-vault"
    wizard = wizard_of(gui)
    click_next(qtbot, wizard)
    wizard.folder.clear()
    qtbot.keyClicks(wizard.folder, str(folder))
    qtbot.keyClicks(wizard.user_name, USER)
    click_next(qtbot, wizard)
    type_passphrases(qtbot, wizard, GOOD_PASSPHRASE, GOOD_PASSPHRASE)
    click_next(qtbot, wizard)
    wait_for_tasks(qtbot, gui.window)
    assert wizard.pages.currentIndex() == RECOVERY, wizard.error.text()
    assert gui.settings.load().vault_dir == str(folder)
    assert (folder / KEYSLOTS_NAME).is_file()
    qtbot.keyClick(wizard.written_down, Qt.Key.Key_Space)
    click_next(qtbot, wizard)
    assert gui.session.vault is not None
    assert gui.session.vault.files.folder == folder


def test_closing_the_window_on_the_recovery_page_releases_the_vault(
    qtbot: QtBot, gui: Gui, default_vault_folder: Path
) -> None:
    """Quitting before Finish must lock the new vault like any other quit: keys dropped and
    the lock file released, so the next start (or the CLI) can open it."""
    wizard = wizard_of(gui)
    to_passphrase_page(qtbot, wizard)
    type_passphrases(qtbot, wizard, GOOD_PASSPHRASE, GOOD_PASSPHRASE)
    click_next(qtbot, wizard)
    wait_for_tasks(qtbot, gui.window)
    assert wizard.pages.currentIndex() == RECOVERY, wizard.error.text()

    gui.window.close()
    assert not gui.session.unlocked
    with Vault.open(default_vault_folder, USER, GOOD_PASSPHRASE) as vault:
        assert vault.is_open
