"""The vault's folder goes away or stops being writable while the vault is open (a USB stick
pulled out, a folder moved, permissions changed), and a second instance: clear, typed
errors, nothing recreated at the old place, nothing lost that was reported saved.

What test_bad_input.py already covers (a read-only or missing folder before unlocking, a
second process refused while the vault is open) is not repeated; these are the cases that
happen *while* the vault is open, and the second instance as the unlock screen shows it.

On Linux an open file keeps working after its folder is renamed or its file system lazily
unmounted, so a save on the connection already open still lands in the (moved) files; the
failure comes when the vault opens a connection again (after a checkpoint-and-close, in a
worker thread, at lock). Both are asserted: the first save is not lost, the next one is
refused with a typed error, and the old path is left alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from intake.app import build
from intake.errors import ExitCode, IntakeError, VaultBusy, VaultNotFound, VaultNotWritable
from intake.paths import app_paths
from intake.services.interviews import InterviewService
from intake.ui.kit.dialogs import Dialogs
from intake.ui.kit.errors import error_text
from intake.ui.screens.unlock import UnlockScreen
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security.test_bad_input import read_only

TEXT = "narrative.summary"


def new_vault(folder: Path) -> tuple[Vault, InterviewService, str]:
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    service = InterviewService(vault)
    record = service.new_record()
    record.answers[TEXT] = "first"
    service.save(record)
    return vault, service, record.id


def save_text(service: InterviewService, record_id: str, text: str) -> int:
    record = service.load(record_id)
    record.answers[TEXT] = text
    return service.save(record).revision


def assert_clear(error: IntakeError) -> None:
    message = error.message()
    assert message and "Traceback" not in message and PASSPHRASE not in message
    assert error_text(error) == message  # what the form and the unlock screen show


def assert_holds(folder: Path, record_id: str, text: str) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        vault.verify_integrity()
        assert InterviewService(vault).load(record_id).answers[TEXT] == text


def assert_gone_and_refused(folder: Path) -> None:
    with pytest.raises(VaultNotFound) as info:
        Vault.open(folder, USER, PASSPHRASE)
    assert info.value.exit_code == ExitCode.ERROR
    assert_clear(info.value)
    assert "There is no vault at" in info.value.message()


# -- the folder moved away ----------------------------------------------------------------
def test_a_vault_folder_moved_away_while_open_is_never_recreated_and_the_next_save_is_refused(
    tmp_path: Path,
) -> None:
    folder, moved = tmp_path / "vault", tmp_path / "elsewhere"
    vault, service, record_id = new_vault(folder)
    try:
        folder.rename(moved)
        # the open connection's files moved with the folder: this save is kept, there
        assert save_text(service, record_id, "second") == 2
        vault.close_connections()  # as a lock or a worker's end does
        with pytest.raises(IntakeError) as info:
            save_text(service, record_id, "third")
        assert_clear(info.value)
        assert not folder.exists()
    finally:
        vault.close()  # the lock cannot bind the audit head: logged, not raised
    assert not folder.exists()
    assert_gone_and_refused(folder)
    assert not folder.exists()
    assert_holds(moved, record_id, "second")


# -- a real file system unmounted ---------------------------------------------------------
@contextmanager
def stick(mount_point: Path) -> Iterator[Path]:
    """A small tmpfs at ``mount_point`` (root and Linux only), lazily unmounted at the end."""
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount (Linux)")
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs",
                           str(mount_point)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mount failed: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


def pull_out(mount_point: Path) -> None:
    subprocess.run(["umount", "-l", str(mount_point)], check=True, capture_output=True)


def test_a_stick_pulled_out_while_the_vault_is_open_leaves_its_mount_point_untouched(
    tmp_path: Path,
) -> None:
    with stick(tmp_path / "stick") as mount_point:
        folder = mount_point / "vault"
        vault, service, record_id = new_vault(folder)
        try:
            pull_out(mount_point)
            assert list(mount_point.iterdir()) == []
            vault.close_connections()
            with pytest.raises(IntakeError) as info:
                save_text(service, record_id, "second")
            assert_clear(info.value)
        finally:
            vault.close()
        assert list(mount_point.iterdir()) == []  # no vault, lock or WAL made at the old path
        assert_gone_and_refused(folder)
        assert list(mount_point.iterdir()) == []


# -- the folder made read-only ------------------------------------------------------------
def test_a_vault_folder_made_read_only_while_open_keeps_saving_and_refuses_the_next_unlock(
    tmp_path: Path,
) -> None:
    """The database, WAL and lock files exist already, so saves go on; the lock cannot
    replace the key file (the audit head is not bound: logged), and unlocking a read-only
    folder says so. Writable again, the vault opens whole, with the last save."""
    folder = tmp_path / "vault"
    vault, service, record_id = new_vault(folder)
    closed = False
    try:
        with read_only(folder):
            assert save_text(service, record_id, "second") == 2
            vault.close()
            closed = True
            with pytest.raises(VaultNotWritable) as info:
                Vault.open(folder, USER, PASSPHRASE)
            assert_clear(info.value)
            assert str(folder) in info.value.message()
    finally:
        if not closed:
            vault.close()
    assert_holds(folder, record_id, "second")


# -- a second instance --------------------------------------------------------------------
def test_a_second_instance_is_told_the_vault_is_open_elsewhere_on_the_unlock_screen(
    qapp: QApplication, qtbot: QtBot, tmp_path: Path
) -> None:
    env = {"INTAKE_HOME": str(tmp_path / "home"), "LANG": "en_US.UTF-8"}
    folder = app_paths(env).default_vault
    first, _service, _record_id = new_vault(folder)  # the first instance holds the vault
    gui = build(qapp, env, KdfPolicy(FLOOR), Dialogs())
    qtbot.addWidget(gui.window)
    try:
        gui.window.show()
        page = gui.window.screen_widget
        assert isinstance(page, UnlockScreen)

        def submit() -> None:
            qtbot.keyClicks(page.user, USER)
            qtbot.keyClicks(page.passphrase, PASSPHRASE)
            page.start()
            qtbot.waitUntil(lambda: not gui.window.tasks.busy, timeout=15_000)

        submit()
        assert page.error.text() == VaultBusy(path=str(folder)).message()
        assert "Traceback" not in page.error.text()
        assert gui.window.screen_widget is page and not gui.session.unlocked
        first.close()
        page.user.clear()
        submit()
        assert gui.session.unlocked, page.error.text()
    finally:
        gui.window.tasks.wait_all()
        gui.window.close()
        gui.session.lock()
        if first.is_open:
            first.close()
