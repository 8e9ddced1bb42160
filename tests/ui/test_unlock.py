"""The unlock screen: passphrase, wrong input, recovery code, and an older key file."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.errors import GenerationMismatch, WrongPassphrase, WrongRecoveryCode
from intake.i18n import _
from intake.services.desk import Desk
from intake.ui.screens.unlock import RECOVER, UNLOCK, UnlockScreen
from intake.vault.files import KEYSLOTS_NAME
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import screen, wait_for_tasks

LEFT = Qt.MouseButton.LeftButton
NEW_PASSPHRASE = "purple elephant under the bridge"


def unlock_screen(gui: Gui) -> UnlockScreen:
    widget = screen(gui.window)
    assert isinstance(widget, UnlockScreen)
    return widget


def type_into(qtbot: QtBot, field: QLineEdit, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)


def submit(qtbot: QtBot, gui: Gui, user: str, passphrase: str) -> UnlockScreen:
    """Type the credentials, press Enter in the passphrase field, wait for the result."""
    page = unlock_screen(gui)
    type_into(qtbot, page.user, user)
    type_into(qtbot, page.passphrase, passphrase)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert page.passphrase.text() == ""  # cleared the moment the work started
    wait_for_tasks(qtbot, gui.window)
    return page


def test_starts_on_the_unlock_screen(locked_gui: Gui) -> None:
    page = unlock_screen(locked_gui)
    assert page.objectName() == "unlock_screen"
    assert page.mode == UNLOCK
    assert page.submit.text() == _("Unlock")
    assert not locked_gui.session.unlocked
    assert not locked_gui.window.lock_action.isEnabled()


def test_correct_passphrase_unlocks(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    page = unlock_screen(locked_gui)
    field_at_success: list[str] = []
    page.unlocked.connect(lambda _vault: field_at_success.append(page.passphrase.text()))

    type_into(qtbot, page.user, USER)
    type_into(qtbot, page.passphrase, PASSPHRASE)
    qtbot.mouseClick(page.submit, LEFT)
    assert window.tasks.busy
    assert page.busy.isVisible()
    assert not page.submit.isEnabled()
    assert page.passphrase.text() == ""
    wait_for_tasks(qtbot, window)

    assert field_at_success == [""]
    assert screen(window).objectName() == "workspace"
    assert locked_gui.session.unlocked
    assert locked_gui.session.user == USER
    assert window.lock_action.isEnabled()


def test_wrong_passphrase_shows_the_error_and_stays_locked(
    qtbot: QtBot, locked_gui: Gui
) -> None:
    page = submit(qtbot, locked_gui, USER, "not the passphrase at all")
    assert screen(locked_gui.window) is page
    assert page.error.text() == WrongPassphrase().message()
    assert page.passphrase.text() == ""
    assert page.submit.isEnabled()
    assert not page.busy.isVisible()
    assert not locked_gui.session.unlocked

    # The next attempt clears the old error and works.
    submit(qtbot, locked_gui, USER, PASSPHRASE)
    assert locked_gui.session.unlocked


def test_an_unknown_user_is_told_what_a_wrong_passphrase_is(qtbot: QtBot,
                                                             locked_gui: Gui) -> None:
    page = submit(qtbot, locked_gui, "nobody", PASSPHRASE)
    assert page.error.text() == WrongPassphrase().message()
    assert page.passphrase.text() == ""
    assert not locked_gui.session.unlocked


def test_missing_user_name_is_asked_for_without_work(qtbot: QtBot, locked_gui: Gui) -> None:
    page = unlock_screen(locked_gui)
    type_into(qtbot, page.passphrase, PASSPHRASE)
    qtbot.mouseClick(page.submit, LEFT)
    assert not locked_gui.window.tasks.busy
    assert page.error.text() == _("Type your user name.")
    assert not locked_gui.session.unlocked


def test_recovery_code_sets_a_new_passphrase(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]
) -> None:
    folder, code = existing_vault
    window = locked_gui.window
    page = unlock_screen(locked_gui)
    qtbot.mouseClick(page.switch_mode, LEFT)
    assert page.mode == RECOVER
    assert page.title.text() == _("Recover access")
    assert page.submit.text() == _("Set passphrase and unlock")
    assert page.recovery_code.isVisible()
    assert not page.passphrase.isVisible()
    assert not page.submit.isEnabled()

    type_into(qtbot, page.user, USER)
    qtbot.keyClicks(page.recovery_code, code.lower().replace("-", " "))  # forgiving input
    assert not page.submit.isEnabled()  # no new passphrase yet
    qtbot.keyClicks(page.new_passphrase.first, NEW_PASSPHRASE)
    qtbot.keyClicks(page.new_passphrase.second, NEW_PASSPHRASE)
    assert page.submit.isEnabled()

    qtbot.mouseClick(page.submit, LEFT)
    assert page.recovery_code.text() == ""
    assert page.new_passphrase.first.text() == ""
    assert page.new_passphrase.second.text() == ""
    wait_for_tasks(qtbot, window)
    assert screen(window).objectName() == "workspace", page.error.text()
    assert locked_gui.session.unlocked

    # Lock, then the old passphrase is refused and the new one opens the vault.
    window.lock()
    assert not locked_gui.session.unlocked
    page = submit(qtbot, locked_gui, USER, PASSPHRASE)
    assert page.error.text() == WrongPassphrase().message()
    submit(qtbot, locked_gui, USER, NEW_PASSPHRASE)
    assert screen(window).objectName() == "workspace"
    assert locked_gui.session.unlocked


def test_wrong_recovery_code_is_refused(qtbot: QtBot, locked_gui: Gui) -> None:
    page = unlock_screen(locked_gui)
    qtbot.mouseClick(page.switch_mode, LEFT)
    type_into(qtbot, page.user, USER)
    qtbot.keyClicks(page.recovery_code, "0" * 40)
    qtbot.keyClicks(page.new_passphrase.first, NEW_PASSPHRASE)
    qtbot.keyClicks(page.new_passphrase.second, NEW_PASSPHRASE)
    qtbot.mouseClick(page.submit, LEFT)
    wait_for_tasks(qtbot, locked_gui.window)
    assert page.error.text() == WrongRecoveryCode().message()
    assert page.recovery_code.text() == ""
    assert page.new_passphrase.first.text() == ""
    assert not locked_gui.session.unlocked

    qtbot.mouseClick(page.switch_mode, LEFT)  # back to unlocking, error cleared
    assert page.mode == UNLOCK
    assert page.error.text() == ""
    assert page.passphrase.isVisible()


# -- an older copy of the key file ----------------------------------------------------------
def put_back_an_older_key_file(folder: Path) -> None:
    """The passphrase was changed, then the key file from before the change was restored."""
    old = folder.parent / "keyslots.old.json"
    shutil.copy2(folder / KEYSLOTS_NAME, old)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.change_passphrase(NEW_PASSPHRASE)
    shutil.copy2(old, folder / KEYSLOTS_NAME)


def mismatch_message(folder: Path) -> str:
    return GenerationMismatch(path=str(folder), older=GenerationMismatch.KEY_FILE).message()


def test_old_key_file_refused_when_the_user_says_no(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]
) -> None:
    folder, _code = existing_vault
    put_back_an_older_key_file(folder)
    dialogs = locked_gui.window.dialogs
    dialogs.set_next_answer(False)

    page = submit(qtbot, locked_gui, USER, PASSPHRASE)
    assert dialogs.shown == [_("Old copy detected")]
    assert page.error.text() == mismatch_message(folder)
    assert page.passphrase.text() == ""
    assert not locked_gui.session.unlocked
    assert screen(locked_gui.window) is page


def test_old_key_file_opens_after_yes_and_the_passphrase_again(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]
) -> None:
    folder, _code = existing_vault
    put_back_an_older_key_file(folder)
    dialogs = locked_gui.window.dialogs
    dialogs.set_next_answer(True)

    page = submit(qtbot, locked_gui, USER, PASSPHRASE)
    assert dialogs.shown == [_("Old copy detected")]
    assert page.error.text() == _("Type the passphrase again to open this copy.")
    assert page.passphrase.text() == ""
    assert not locked_gui.session.unlocked

    submit(qtbot, locked_gui, USER, PASSPHRASE)  # asked once only: no second dialog
    assert dialogs.shown == [_("Old copy detected")]
    assert screen(locked_gui.window).objectName() == "workspace", page.error.text()
    assert locked_gui.session.unlocked

    # Accepted once, the restored key file is now the vault's: no question next time.
    locked_gui.window.lock()
    submit(qtbot, locked_gui, USER, PASSPHRASE)
    assert dialogs.shown == [_("Old copy detected")]
    assert locked_gui.session.unlocked


def test_cancel_while_unlocking_closes_what_opens(qtbot: QtBot, locked_gui: Gui,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The key derivation cannot stop half-way: Cancel gives the form back at once, and
    the vault it opens in the background is closed, never shown."""
    window = locked_gui.window
    page = unlock_screen(locked_gui)
    release = threading.Event()
    opened: list[Vault] = []
    real_open = locked_gui.session.open_vault

    def slow_open(*args: object, **kwargs: object) -> Desk:
        release.wait(10)
        desk = real_open(*args, **kwargs)  # type: ignore[arg-type]
        opened.append(desk.vault)
        return desk

    monkeypatch.setattr(locked_gui.session, "open_vault", slow_open)
    type_into(qtbot, page.user, USER)
    type_into(qtbot, page.passphrase, PASSPHRASE)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    assert page.cancel.isVisible() and page.cancel.hasFocus()
    qtbot.keyClick(page.cancel, Qt.Key.Key_Space)  # Cancel, from the keyboard
    assert not page.cancel.isVisible() and page.submit.isEnabled()
    assert page.error.text() == _("Unlocking was cancelled.")
    release.set()
    wait_for_tasks(qtbot, window)
    assert len(opened) == 1 and opened[0]._keys is None  # closed: keys dropped
    assert unlock_screen(locked_gui) is page and not locked_gui.session.unlocked
    monkeypatch.undo()
    submit(qtbot, locked_gui, USER, PASSPHRASE)  # and the next attempt opens it
    assert locked_gui.session.unlocked
