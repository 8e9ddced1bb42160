"""First unlock with an initial passphrase (set by an administrator): the user must choose their
own before the workspace opens; the initial one is refused; the next unlock goes straight in."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.roles import Role
from intake.errors import WrongPassphrase
from intake.i18n import _
from intake.services.users import UserService
from intake.ui.records.workspace import Workspace
from intake.ui.screens.first_passphrase import FirstPassphraseScreen, InitialPassphrase
from intake.ui.screens.unlock import UnlockScreen
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import BuildGui, screen, wait_for_tasks

LEFT = Qt.MouseButton.LeftButton
NEW_USER = "park"
INITIAL = "initial passphrase for park"
OWN = "park's very own secret words"


@pytest.fixture
def park_gui(existing_vault: tuple[Path, str], make_gui: BuildGui) -> Gui:
    folder, _code = existing_vault
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        UserService(vault).add(NEW_USER, Role.INTERVIEWER, INITIAL)
    return make_gui()


def unlock(qtbot: QtBot, gui: Gui, passphrase: str) -> None:
    page = screen(gui.window)
    assert isinstance(page, UnlockScreen)
    page.user.clear()  # after a lock it holds the user who locked
    qtbot.keyClicks(page.user, NEW_USER)
    qtbot.keyClicks(page.passphrase, passphrase)
    qtbot.keyClick(page.passphrase, Qt.Key.Key_Return)
    wait_for_tasks(qtbot, gui.window)


def choose(qtbot: QtBot, gui: Gui, page: FirstPassphraseScreen, passphrase: str) -> None:
    qtbot.keyClicks(page.passphrase.first, passphrase)
    qtbot.keyClicks(page.passphrase.second, passphrase)
    assert page.submit.isEnabled()
    qtbot.keyClick(page.passphrase.second, Qt.Key.Key_Return)
    assert page.passphrase.first.text() == "" and page.passphrase.second.text() == ""
    wait_for_tasks(qtbot, gui.window)


def test_the_initial_passphrase_must_be_replaced(qtbot: QtBot, park_gui: Gui) -> None:
    window = park_gui.window
    unlock(qtbot, park_gui, INITIAL)
    page = screen(window)
    assert isinstance(page, FirstPassphraseScreen)  # not the workspace
    assert page.title.text() == _("Choose your own passphrase")
    assert park_gui.session.unlocked and window.lock_action.isEnabled()
    for action in (window.new_record_action, window.find_action, window.export_action,
                   window.users_action, window.audit_action):
        assert not action.isEnabled()
    assert page.passphrase.first.accessibleName() and page.passphrase.second.accessibleName()

    choose(qtbot, park_gui, page, INITIAL)
    assert screen(window) is page
    assert page.error.text() == _(
        "That is the initial passphrase. Choose a new one that only you know.")

    choose(qtbot, park_gui, page, OWN)
    assert isinstance(screen(window), Workspace)
    vault = park_gui.session.vault
    assert vault is not None and not vault.must_change_passphrase
    assert window.new_record_action.isEnabled()

    window.lock_action.trigger()
    unlock(qtbot, park_gui, OWN)
    assert isinstance(screen(window), Workspace)  # straight in this time
    window.lock_action.trigger()
    unlock(qtbot, park_gui, INITIAL)
    page_after = screen(window)
    assert isinstance(page_after, UnlockScreen)
    assert page_after.error.text() == WrongPassphrase().message()


def test_locking_from_the_change_screen(qtbot: QtBot, park_gui: Gui) -> None:
    window = park_gui.window
    unlock(qtbot, park_gui, INITIAL)
    assert isinstance(screen(window), FirstPassphraseScreen)
    window.lock_action.trigger()
    assert not park_gui.session.unlocked
    assert isinstance(screen(window), UnlockScreen)
    unlock(qtbot, park_gui, INITIAL)  # still the initial one: still asked to change it
    assert isinstance(screen(window), FirstPassphraseScreen)


def test_the_initial_passphrase_is_compared_not_kept() -> None:
    initial = InitialPassphrase(INITIAL)
    assert initial.matches(INITIAL) and not initial.matches(OWN)
    assert not any(INITIAL in repr(getattr(initial, slot)) for slot in initial.__slots__)
