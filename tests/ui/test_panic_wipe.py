"""Panic wipe from the GUI: Vault → Panic wipe… (Ctrl+Shift+Delete), on the unlock screen
and while unlocked. Confirmed, the vault's files are gone and the first-run wizard shows;
declined, nothing changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.i18n import _
from intake.settings import Settings
from intake.ui.kit.dialogs import Dialogs
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.screens.wizard import FirstRunWizard
from intake.ui.shell.main_window import MainWindow
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import screen
from tests.ui.helpers import unlock


def assert_wiped(gui: Gui, folder: Path) -> None:
    assert not (folder / KEYSLOTS_NAME).exists()
    assert not (folder / DATABASE_NAME).exists()
    assert not gui.session.unlocked
    assert gui.session.vault is None
    assert isinstance(screen(gui.window), FirstRunWizard)
    assert not gui.window.auto_lock.active
    assert not gui.window.panic_wipe_action.isEnabled()  # nothing left to wipe


def assert_untouched(folder: Path) -> None:
    assert (folder / KEYSLOTS_NAME).exists()
    assert (folder / DATABASE_NAME).exists()


# -- the real wipe ------------------------------------------------------------------------
def test_confirmed_wipe_while_unlocked_destroys_the_vault_and_shows_the_wizard(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]
) -> None:
    folder, _code = existing_vault
    unlock(qtbot, locked_gui)
    locked_gui.window.dialogs.set_next_answer(True)
    locked_gui.window.panic_wipe_action.trigger()
    assert _("Panic wipe") in locked_gui.window.dialogs.shown
    assert_wiped(locked_gui, folder)


def test_the_shortcut_wipes_from_the_unlock_screen(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]
) -> None:
    folder, _code = existing_vault
    window = locked_gui.window
    assert isinstance(screen(window), UnlockScreen)
    assert window.panic_wipe_action.isEnabled()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    window.dialogs.set_next_answer(True)
    qtbot.keyClick(window, Qt.Key.Key_Delete,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert_wiped(locked_gui, folder)


# -- the GUI's part, whatever the wipe does ----------------------------------------------
def test_the_menu_entry_on_the_unlock_screen(locked_gui: Gui) -> None:
    action = locked_gui.window.panic_wipe_action
    assert action.shortcut().toString() == "Ctrl+Shift+Del"
    assert action in locked_gui.window.vault_menu.actions()
    assert action.text()
    assert action.isEnabled()  # anyone may wipe, without unlocking


def test_no_wipe_on_the_first_run_wizard(gui: Gui) -> None:
    assert isinstance(screen(gui.window), FirstRunWizard)
    assert not gui.window.panic_wipe_action.isEnabled()  # no vault yet


def test_declined_wipe_changes_nothing(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]
) -> None:
    folder, _code = existing_vault
    window = locked_gui.window
    page = screen(window)
    window.dialogs.set_next_answer(False)
    window.panic_wipe_action.trigger()
    assert screen(window) is page
    assert_untouched(folder)

    workspace = unlock(qtbot, locked_gui)
    window.dialogs.set_next_answer(False)
    window.panic_wipe_action.trigger()
    assert _("Panic wipe") in window.dialogs.shown
    assert screen(window) is workspace
    assert isinstance(workspace, Workspace)
    assert locked_gui.session.unlocked
    assert window.auto_lock.active
    assert_untouched(folder)


@dataclass
class FakeReport:
    failed: list[str] = field(default_factory=list)


def fake_wipe(monkeypatch: pytest.MonkeyPatch, calls: list[tuple[Path, bool]],
              failed: list[str]) -> list[Gui]:
    """A stand-in ``wipe_vault`` that deletes the two files and records whether the vault
    was still open when it ran; returns the list to put the GUI in."""
    gui_session: list[Gui] = []

    def wipe_vault(folder: Path) -> FakeReport:
        calls.append((folder, gui_session[0].session.unlocked if gui_session else False))
        for name in (KEYSLOTS_NAME, DATABASE_NAME):
            (folder / name).unlink(missing_ok=True)
        return FakeReport(list(failed))

    monkeypatch.setattr("intake.services.opening.wipe", wipe_vault)
    return gui_session


def test_the_vault_is_closed_before_the_wipe_and_failures_are_reported(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, locked_gui: Gui,
    existing_vault: tuple[Path, str],
) -> None:
    folder, _code = existing_vault
    calls: list[tuple[Path, bool]] = []
    fake_wipe(monkeypatch, calls, failed=["attachments"]).append(locked_gui)
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    window.dialogs.set_next_answer(True)  # the confirmation
    window.dialogs.set_next_answer(True)  # the error about the failed step
    window.panic_wipe_action.trigger()
    assert calls == [(folder, False)]
    assert window.dialogs.shown == [_("Panic wipe"), _("Panic wipe")]
    assert_wiped(locked_gui, folder)


# -- the settings -------------------------------------------------------------------------
def test_a_wipe_forgets_a_custom_vault_folder(
    qtbot: QtBot, tmp_path: Path, policy: KdfPolicy, gui: Gui,
    default_vault_folder: Path,
) -> None:
    custom = tmp_path / "elsewhere"
    Vault.create(custom, USER, PASSPHRASE, policy)[0].close()
    gui.settings.save(gui.settings.load().with_changes(vault_dir=str(custom)))
    window = MainWindow(gui.session, gui.languages, gui.settings, custom, Dialogs(),
                        default_folder=default_vault_folder)
    qtbot.addWidget(window)
    assert isinstance(screen(window), UnlockScreen)
    window.dialogs.set_next_answer(True)
    window.panic_wipe_action.trigger()
    assert not (custom / KEYSLOTS_NAME).exists()
    assert gui.settings.load().vault_dir is None
    wizard = screen(window)
    assert isinstance(wizard, FirstRunWizard)
    assert wizard.folder.text() == str(default_vault_folder)  # as if newly installed


def test_a_wipe_leaves_first_run_settings_and_no_empty_data_folder(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str], tmp_path: Path,
) -> None:
    """Nothing names where a vault, an outbox or an inbox was (issue 16); the language
    stays. Control: before the wipe the settings file does name them."""
    folder, _code = existing_vault
    store = locked_gui.settings
    store.save(store.load().with_changes(
        language="ko", outbox_dir=str(tmp_path / "outbox-SECRET"),
        inbox_dir=str(tmp_path / "inbox-SECRET"), auto_lock_minutes=7,
        lock_on_minimize=True))
    assert b"SECRET" in store.path.read_bytes()
    locked_gui.window.dialogs.set_next_answer(True)
    locked_gui.window.panic_wipe_action.trigger()
    assert_wiped(locked_gui, folder)
    assert store.load() == Settings(language="ko")
    assert b"SECRET" not in store.path.read_bytes()
    assert not folder.exists()  # no empty vault folder, and no empty data folder above it
    assert not folder.parent.exists() or any(folder.parent.iterdir())
