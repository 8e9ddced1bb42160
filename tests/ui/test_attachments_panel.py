"""The Attachments tab: attach (consent checked), show a photo from memory, save
a decrypted copy only after a warning, remove; the original is offered for deletion; no tab
for coordinators."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QImage
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.services.interviews import InterviewService
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import wait_for_tasks
from tests.ui.helpers import as_role, unlock


def seeded(folder: Path, **consent: bool) -> str:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        record = Record.new(USER)
        record.status = Status.SUBMITTED
        record.answers.update({"consent.internal_documentation": True, **consent})
        InterviewService(vault).import_records([record])
    return record.id


def png(path: Path) -> Path:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("darkred"))
    assert image.save(str(path), "PNG")
    return path


def test_attach_show_copy_and_remove(qtbot: QtBot, locked_gui: Gui, tmp_path: Path,
                                     existing_vault: tuple[Path, str]) -> None:
    record_id = seeded(existing_vault[0], **{"consent.photos": True,
                                            "consent.audio_recording": False})
    window = locked_gui.window
    workspace = unlock(qtbot, locked_gui)
    workspace.open_record(record_id)
    panel = workspace.attachments_panel
    assert panel is not None and panel.list.count() == 0
    photo = png(tmp_path / "site.png")
    panel.choose = lambda *_a, **_k: photo
    window.dialogs.set_next_answer(False)  # keep the original for now
    panel.buttons["photo"].click()
    wait_for_tasks(qtbot, window)
    assert panel.list.count() == 1 and photo.exists()
    panel.buttons["audio"].click()  # no consent to recordings
    wait_for_tasks(qtbot, window)
    assert "did not consent" in panel.message.text() and panel.list.count() == 1

    panel.list.setCurrentRow(0)
    assert panel.show_button.isEnabled()
    panel.show_selected()
    assert panel.photo_dialog.isVisible()
    panel.photo_dialog.close()

    copy = tmp_path / "copy.png"
    panel.choose = lambda *_a, **_k: copy
    window.dialogs.set_next_answer(True)  # the warning
    panel.copy_button.click()
    wait_for_tasks(qtbot, window)
    assert copy.read_bytes() == photo.read_bytes()

    panel.list.setCurrentRow(0)
    window.dialogs.set_next_answer(True)
    panel.remove_button.click()
    assert panel.list.count() == 0


def test_the_original_is_deleted_when_asked(qtbot: QtBot, locked_gui: Gui, tmp_path: Path,
                                            existing_vault: tuple[Path, str]) -> None:
    record_id = seeded(existing_vault[0])
    window = locked_gui.window
    workspace = unlock(qtbot, locked_gui)
    workspace.open_record(record_id)
    panel = workspace.attachments_panel
    assert panel is not None
    document = tmp_path / "contract.pdf"
    document.write_bytes(b"%PDF-1.4 a contract")
    panel.choose = lambda *_a, **_k: document
    window.dialogs.set_next_answer(True)
    panel.buttons["document"].click()
    wait_for_tasks(qtbot, window)
    assert panel.list.count() == 1 and not document.exists()


def test_no_attachments_tab_for_a_coordinator(qtbot: QtBot, locked_gui: Gui,
                                              monkeypatch: pytest.MonkeyPatch,
                                              existing_vault: tuple[Path, str]) -> None:
    record_id = seeded(existing_vault[0])
    as_role(monkeypatch, Role.COORDINATOR)
    workspace = unlock(qtbot, locked_gui)
    workspace.open_record(record_id)
    assert workspace.attachments_panel is None
