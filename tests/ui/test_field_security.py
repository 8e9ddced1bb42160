"""Field security in the GUI: the screen locking or the machine sleeping locks the
vault, a lock closes modal dialogs, the security settings, travel mode, a duress passphrase
set from the users dialog, the wipe after too many wrong passphrases, and a passphrase left
on a hidden unlock screen being cleared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.i18n import _
from intake.paths import app_paths
from intake.services.interviews import InterviewService
from intake.settings import SettingsStore
from intake.ui.admin.security_settings import SecuritySettingsDialog
from intake.ui.admin.users_dialog import EDIT, UsersDialog
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.ui.screens.wizard import FirstRunWizard
from intake.ui.shell.main_window import MainWindow
from intake.vault import accounts, keyslots
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import BuildGui, screen, wait_for_tasks
from tests.ui.helpers import submit_unlock, unlock

LEFT = Qt.MouseButton.LeftButton
RECORDS = 3
DURESS = "a duress passphrase for the border"
WRONG = "not the passphrase at all"


# -- helpers ------------------------------------------------------------------------------
def seed_records(folder: Path, count: int = RECORDS) -> None:
    """``count`` testimonies saved through the service into the closed vault at ``folder``."""
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = InterviewService(vault)
        for number in range(count):
            record = service.new_record()
            record.answers.update({"identity.full_name": f"person {number}",
                                   "narrative.summary": f"testimony {number}"})
            service.save(record)
        assert service.count() == count


def record_count(gui: Gui) -> int:
    vault = gui.session.vault
    assert vault is not None
    return InterviewService(vault).count()


def assert_locked(gui: Gui) -> None:
    assert not gui.session.unlocked
    assert gui.session.vault is None
    assert isinstance(screen(gui.window), UnlockScreen)


def run_modal(qtbot: QtBot, drive: Callable[[QWidget], None],
              start: Callable[[], object]) -> list[BaseException]:
    """Call ``start`` (which exec()s a modal dialog) and, once that dialog is the active
    modal widget, ``drive`` it from inside its event loop. The dialog is always closed in
    the end so that a failed step cannot hang the run; returns the errors of ``drive``."""
    errors: list[BaseException] = []
    tries = [0]

    def step() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            tries[0] += 1
            if tries[0] < 200:
                QTimer.singleShot(10, step)
            return
        try:
            drive(modal)
        except BaseException as error:  # reported after exec() returns
            errors.append(error)
        if modal.isVisible() and isinstance(modal, QDialog):
            errors.append(AssertionError(f"{modal.objectName() or modal} was left open"))
            modal.reject()

    QTimer.singleShot(0, step)
    start()
    return errors


def settings_store(env: dict[str, str]) -> SettingsStore:
    return SettingsStore(app_paths(env).settings_file)


# -- fixtures -----------------------------------------------------------------------------
@pytest.fixture
def admin(qtbot: QtBot, locked_gui: Gui) -> Gui:
    """The administrator's workspace over an empty vault."""
    unlock(qtbot, locked_gui)
    return locked_gui


@pytest.fixture
def with_records(qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui) -> Gui:
    """The administrator's workspace over a vault of ``RECORDS`` testimonies."""
    folder, _code = existing_vault
    seed_records(folder)
    gui = make_gui()
    unlock(qtbot, gui)
    assert record_count(gui) == RECORDS
    return gui


# -- 1. screen lock and suspend -----------------------------------------------------------
def test_the_screen_saver_turning_on_locks_an_unlocked_vault(
    qtbot: QtBot, admin: Gui
) -> None:
    window = admin.window
    assert "qt" in window.field.screen_lock.sources
    workspace = screen(window)
    window.field.screen_lock.screen_saver_changed(False)
    assert admin.session.unlocked and screen(window) is workspace
    window.field.screen_lock.screen_saver_changed(True)
    assert_locked(admin)
    assert not window.auto_lock.active


def test_the_machine_going_to_sleep_locks_and_waking_does_nothing(
    qtbot: QtBot, admin: Gui
) -> None:
    window = admin.window
    workspace = screen(window)
    window.field.screen_lock.prepare_for_sleep(False)  # waking up
    assert admin.session.unlocked and screen(window) is workspace
    window.field.screen_lock.prepare_for_sleep(True)
    assert_locked(admin)


def test_qt_reporting_the_application_suspended_locks(qtbot: QtBot, admin: Gui) -> None:
    window = admin.window
    window.field.screen_lock._state_changed(Qt.ApplicationState.ApplicationInactive)
    assert admin.session.unlocked
    window.field.screen_lock._state_changed(Qt.ApplicationState.ApplicationSuspended)
    assert_locked(admin)


def test_the_screen_locking_while_already_locked_changes_nothing(locked_gui: Gui) -> None:
    window = locked_gui.window
    page = screen(window)
    window.field.screen_lock.screen_saver_changed(True)
    window.field.screen_lock.prepare_for_sleep(True)
    assert screen(window) is page  # no fresh unlock screen: nothing was locked again
    assert not locked_gui.session.unlocked


# -- 2. a lock closes modal dialogs -------------------------------------------------------
def test_locking_closes_a_modal_dialog_and_shows_the_unlock_screen(
    qtbot: QtBot, admin: Gui
) -> None:
    window = admin.window
    dialog = QDialog(window)
    dialog.setModal(True)
    seen: list[QWidget | None] = []

    def lock_from_inside(modal: QWidget) -> None:
        seen.append(modal)
        window.lock()

    errors = run_modal(qtbot, lock_from_inside, dialog.exec)
    assert not errors
    assert seen == [dialog]
    assert dialog.result() == QDialog.DialogCode.Rejected  # as if cancelled
    assert not dialog.isVisible()
    assert QApplication.activeModalWidget() is None
    assert_locked(admin)


def test_locking_closes_nested_modal_dialogs(qtbot: QtBot, admin: Gui) -> None:
    window = admin.window
    outer = QDialog(window)
    outer.setModal(True)
    inner = QDialog(outer)
    inner.setModal(True)
    results: list[int] = []

    def open_inner(_modal: QWidget) -> None:
        QTimer.singleShot(0, window.lock)
        results.append(inner.exec())

    errors = run_modal(qtbot, open_inner, lambda: results.append(outer.exec()))
    assert not errors
    assert results == [QDialog.DialogCode.Rejected, QDialog.DialogCode.Rejected]
    assert not inner.isVisible() and not outer.isVisible()
    assert_locked(admin)


# -- 3. security settings -----------------------------------------------------------------
def test_security_settings_save_the_minutes_and_lock_on_minimize(
    qtbot: QtBot, admin: Gui, env: dict[str, str]
) -> None:
    window = admin.window
    assert window.security_action.isEnabled()
    assert window.security_action in window.vault_menu.actions()
    shown: list[SecuritySettingsDialog] = []

    def fill(modal: QWidget) -> None:
        assert isinstance(modal, SecuritySettingsDialog)
        shown.append(modal)
        assert not window.auto_lock.active  # stopped while the modal dialog is open
        modal.minutes.setValue(7)
        modal.on_minimize.setChecked(True)
        assert modal.wipe.isVisibleTo(modal)  # an administrator sees the vault's setting
        save = modal.buttons.button(modal.buttons.StandardButton.Save)
        qtbot.mouseClick(save, LEFT)

    errors = run_modal(qtbot, fill, window.security_action.trigger)
    assert not errors, errors
    assert shown and shown[0].result() == QDialog.DialogCode.Accepted
    saved = settings_store(env).load()
    assert saved.auto_lock_minutes == 7
    assert saved.lock_on_minimize is True
    assert admin.session.unlocked
    assert window.auto_lock.active  # restarted after the dialog
    assert window.auto_lock.interval_ms == 7 * 60_000


def test_an_administrator_sets_the_wipe_after_failures_in_the_key_file(
    qtbot: QtBot, admin: Gui, default_vault_folder: Path
) -> None:
    window = admin.window
    assert keyslots.read(default_vault_folder / KEYSLOTS_NAME).wipe_after_failures is None

    def fill(modal: QWidget) -> None:
        assert isinstance(modal, SecuritySettingsDialog)
        assert not modal.wipe.isChecked() and not modal.wipe_count.isEnabled()
        modal.wipe.setChecked(True)
        assert modal.wipe_count.isEnabled()
        modal.wipe_count.setValue(4)
        qtbot.mouseClick(modal.buttons.button(modal.buttons.StandardButton.Save), LEFT)

    errors = run_modal(qtbot, fill, window.security_action.trigger)
    assert not errors, errors
    assert keyslots.read(default_vault_folder / KEYSLOTS_NAME).wipe_after_failures == 4

    def check_and_cancel(modal: QWidget) -> None:  # shown as saved the next time
        assert isinstance(modal, SecuritySettingsDialog)
        assert modal.wipe.isChecked() and modal.wipe_count.value() == 4
        modal.reject()

    errors = run_modal(qtbot, check_and_cancel, window.security_action.trigger)
    assert not errors, errors


def test_cancelling_the_security_settings_saves_nothing(
    qtbot: QtBot, admin: Gui, env: dict[str, str], default_vault_folder: Path
) -> None:
    window = admin.window

    def change_and_cancel(modal: QWidget) -> None:
        assert isinstance(modal, SecuritySettingsDialog)
        modal.minutes.setValue(42)
        modal.wipe.setChecked(True)
        qtbot.mouseClick(modal.buttons.button(modal.buttons.StandardButton.Cancel), LEFT)

    errors = run_modal(qtbot, change_and_cancel, window.security_action.trigger)
    assert not errors, errors
    assert settings_store(env).load().auto_lock_minutes == 5
    assert keyslots.read(default_vault_folder / KEYSLOTS_NAME).wipe_after_failures is None


def test_security_settings_are_not_offered_while_locked(locked_gui: Gui) -> None:
    assert not locked_gui.window.security_action.isEnabled()
    assert not locked_gui.window.travel_action.isEnabled()


# -- 4. travel mode -----------------------------------------------------------------------
def answer_count(monkeypatch: pytest.MonkeyPatch, window: MainWindow,
                 answer: str | None) -> list[int]:
    """``_ask_count`` answers ``answer``; returns the counts it was asked with."""
    asked: list[int] = []

    def ask_count(count: int) -> str | None:
        asked.append(count)
        return answer

    monkeypatch.setattr(window.field, "_ask_count", ask_count)
    return asked


def test_travel_mode_with_both_confirmations_deletes_every_testimony(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, with_records: Gui
) -> None:
    window = with_records.window
    before = screen(window)
    assert window.travel_action.isEnabled()
    assert window.travel_action in window.vault_menu.actions()
    asked = answer_count(monkeypatch, window, f" {RECORDS} ")
    window.dialogs.set_next_answer(True)
    window.travel_action.trigger()
    wait_for_tasks(qtbot, window)
    assert window.dialogs.shown == [_("Travel mode")]
    assert asked == [RECORDS]
    assert with_records.session.unlocked
    assert record_count(with_records) == 0
    workspace = screen(window)
    assert isinstance(workspace, Workspace) and workspace is not before  # a fresh one
    assert window.statusBar().currentMessage() == _(
        "{count} testimonies were deleted.").format(count=RECORDS)


def test_travel_mode_with_the_wrong_number_deletes_nothing(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, with_records: Gui
) -> None:
    window = with_records.window
    before = screen(window)
    asked = answer_count(monkeypatch, window, str(RECORDS + 1))
    window.dialogs.set_next_answer(True)  # the question
    window.dialogs.set_next_answer(True)  # "the number did not match"
    window.travel_action.trigger()
    assert asked == [RECORDS]
    assert window.dialogs.shown == [_("Travel mode"), _("Travel mode")]
    assert record_count(with_records) == RECORDS
    assert screen(window) is before


def test_travel_mode_declined_at_the_first_question_deletes_nothing(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, with_records: Gui
) -> None:
    window = with_records.window
    before = screen(window)
    asked = answer_count(monkeypatch, window, str(RECORDS))
    window.dialogs.set_next_answer(False)
    window.travel_action.trigger()
    assert asked == []  # never got to the second confirmation
    assert record_count(with_records) == RECORDS
    assert screen(window) is before


def test_travel_mode_cancelled_at_the_count_deletes_nothing(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, with_records: Gui
) -> None:
    window = with_records.window
    before = screen(window)
    answer_count(monkeypatch, window, None)
    window.dialogs.set_next_answer(True)
    window.travel_action.trigger()
    assert record_count(with_records) == RECORDS
    assert screen(window) is before


# -- 5. a duress passphrase from the users dialog -----------------------------------------
def open_users(window: MainWindow) -> UsersDialog:
    window.users_action.trigger()
    dialog = window.users_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_a_duress_passphrase_set_in_the_users_dialog_opens_an_empty_new_vault(
    qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui
) -> None:
    folder, _code = existing_vault
    seed_records(folder)
    gui = make_gui()
    window = gui.window
    unlock(qtbot, gui)
    old_id = keyslots.read(folder / KEYSLOTS_NAME).vault_id

    dialog = open_users(window)
    dialog.table.selectRow([user.name for user in dialog.users].index(USER))
    assert dialog.duress_button.isEnabled()
    qtbot.mouseClick(dialog.duress_button, LEFT)
    assert dialog.pages.currentIndex() == EDIT
    assert dialog.remove_duress_button.isVisibleTo(dialog)
    assert not dialog.apply_button.isEnabled()
    qtbot.keyClicks(dialog.passphrase.first, DURESS)
    qtbot.keyClicks(dialog.passphrase.second, DURESS)
    assert dialog.apply_button.isEnabled()
    qtbot.mouseClick(dialog.apply_button, LEFT)
    wait_for_tasks(qtbot, window)
    assert dialog.message.text() == _("{name} has a duress passphrase now.").format(name=USER)
    assert keyslots.read(folder / KEYSLOTS_NAME).vault_id == old_id  # nothing happened yet

    window.lock_action.trigger()
    assert_locked(gui)
    page = submit_unlock(qtbot, gui, USER, DURESS)
    workspace = screen(window)
    assert isinstance(workspace, Workspace), page.error.text()
    assert gui.session.unlocked
    assert record_count(gui) == 0
    assert keyslots.read(folder / KEYSLOTS_NAME).vault_id != old_id


def test_removing_the_duress_passphrase_leaves_it_a_wrong_passphrase(
    qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui
) -> None:
    folder, _code = existing_vault
    seed_records(folder)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        accounts.set_duress_passphrase(vault, USER, DURESS)
    gui = make_gui()
    window = gui.window
    unlock(qtbot, gui)
    old_id = keyslots.read(folder / KEYSLOTS_NAME).vault_id

    dialog = open_users(window)
    dialog.table.selectRow([user.name for user in dialog.users].index(USER))
    qtbot.mouseClick(dialog.duress_button, LEFT)
    qtbot.mouseClick(dialog.remove_duress_button, LEFT)
    wait_for_tasks(qtbot, window)
    assert dialog.message.text() == _(
        "The duress passphrase of {name} was removed.").format(name=USER)
    assert window.dialogs.shown == []

    window.lock_action.trigger()
    page = submit_unlock(qtbot, gui, USER, DURESS)
    assert screen(window) is page and page.error.text()  # refused, nothing destroyed
    assert keyslots.read(folder / KEYSLOTS_NAME).vault_id == old_id
    page.user.clear()
    unlock(qtbot, gui)
    assert record_count(gui) == RECORDS


# -- 6. wipe after too many wrong passphrases ----------------------------------------------
def submit_wrong(qtbot: QtBot, gui: Gui) -> None:
    page = screen(gui.window)
    assert isinstance(page, UnlockScreen)
    page.user.clear()
    qtbot.keyClicks(page.user, USER)
    qtbot.keyClicks(page.passphrase, WRONG)
    qtbot.mouseClick(page.submit, LEFT)
    wait_for_tasks(qtbot, gui.window)


def test_too_many_wrong_passphrases_destroy_the_vault_and_show_the_wizard(
    qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui
) -> None:
    folder, _code = existing_vault
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        accounts.set_wipe_after_failures(vault, 3)
    gui = make_gui()
    window = gui.window
    for _attempt in range(2):
        submit_wrong(qtbot, gui)
        page = screen(window)
        assert isinstance(page, UnlockScreen) and page.error.text()
        assert (folder / KEYSLOTS_NAME).exists()
    assert window.dialogs.shown == []
    window.dialogs.set_next_answer(True)  # the "vault destroyed" message
    submit_wrong(qtbot, gui)
    assert window.dialogs.shown == [_("Vault destroyed")]
    assert isinstance(screen(window), FirstRunWizard)
    assert not (folder / KEYSLOTS_NAME).exists()
    assert not (folder / DATABASE_NAME).exists()
    assert not gui.session.unlocked
    assert not window.panic_wipe_action.isEnabled()


def test_a_successful_unlock_starts_the_count_again(
    qtbot: QtBot, existing_vault: tuple[Path, str], make_gui: BuildGui
) -> None:
    folder, _code = existing_vault
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        accounts.set_wipe_after_failures(vault, 3)
    gui = make_gui()
    window = gui.window
    submit_wrong(qtbot, gui)
    submit_wrong(qtbot, gui)
    page = screen(window)
    assert isinstance(page, UnlockScreen)
    page.user.clear()
    unlock(qtbot, gui)
    window.lock_action.trigger()
    submit_wrong(qtbot, gui)
    submit_wrong(qtbot, gui)
    assert isinstance(screen(window), UnlockScreen)
    assert (folder / KEYSLOTS_NAME).exists()
    assert window.dialogs.shown == []


# -- 7. a passphrase left on a hidden unlock screen ---------------------------------------
def unlock_page(qtbot: QtBot, gui: Gui) -> UnlockScreen:
    page = screen(gui.window)
    assert isinstance(page, UnlockScreen)
    page.hidden_timer.setInterval(50)
    return page


def test_a_passphrase_on_a_hidden_unlock_screen_is_cleared(
    qtbot: QtBot, locked_gui: Gui
) -> None:
    page = unlock_page(qtbot, locked_gui)
    qtbot.keyClicks(page.user, USER)
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    page.hide()
    assert page.hidden_timer.isActive()
    qtbot.waitUntil(lambda: page.passphrase.text() == "", timeout=5_000)
    assert page.user.text() == USER  # only the secrets go


def test_showing_the_unlock_screen_again_stops_the_clearing(
    qtbot: QtBot, locked_gui: Gui
) -> None:
    page = unlock_page(qtbot, locked_gui)
    page.hide()
    assert page.hidden_timer.isActive()
    page.show()
    assert not page.hidden_timer.isActive()
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.wait(300)
    assert page.passphrase.text() == PASSPHRASE


def test_an_inactive_application_clears_the_passphrase_and_active_stops_it(
    qtbot: QtBot, locked_gui: Gui
) -> None:
    page = unlock_page(qtbot, locked_gui)
    assert page.isVisible()
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    page._application_state(Qt.ApplicationState.ApplicationInactive)
    assert page.hidden_timer.isActive()
    qtbot.waitUntil(lambda: page.passphrase.text() == "", timeout=5_000)

    page._application_state(Qt.ApplicationState.ApplicationInactive)
    page._application_state(Qt.ApplicationState.ApplicationActive)  # back before it fires
    assert not page.hidden_timer.isActive()
    qtbot.keyClicks(page.passphrase, PASSPHRASE)
    qtbot.wait(300)
    assert page.passphrase.text() == PASSPHRASE


def test_the_timer_waits_thirty_seconds_by_default(locked_gui: Gui) -> None:
    page = screen(locked_gui.window)
    assert isinstance(page, UnlockScreen)
    assert page.hidden_timer.interval() == 30_000
    assert page.hidden_timer.isSingleShot()
