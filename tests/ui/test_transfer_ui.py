"""The Transfer menu (field to office): trusting the office's key by its fingerprint, Send to office
(with "delete after sending"), Receive from field (trusting a new device by its
fingerprint), the office key, and the inbox folder imported while the vault is open."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.services.transfer import TransferService
from intake.ui.shell.transfer import OfficeDialog
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import wait_for_tasks
from tests.ui.helpers import unlock

TODAY = dt.date(2026, 11, 27)


def seed(folder: Path, count: int = 4, seed: int = 9) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        records = list(generate(count, seed=seed, author=USER, today=TODAY))
        for record in records:
            record.answers["consent.internal_documentation"] = True
            record.answers.pop("consent.withdrawn_on", None)
        InterviewService(vault).import_records(records)


def office_vault(tmp_path: Path, policy: KdfPolicy) -> tuple[Path, bytes, str]:
    folder = tmp_path / "office"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        public = TransferService(vault).init_org()
    return folder, public.to_file(), public.fingerprint


def count(folder: Path) -> int:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        return InterviewService(vault).count()


def test_field_trusts_the_office_and_sends(qtbot: QtBot, locked_gui: Gui, tmp_path: Path,
                                         policy: KdfPolicy,
                                         existing_vault: tuple[Path, str]) -> None:
    field_folder, _code = existing_vault
    seed(field_folder)
    office, org_file, fingerprint = office_vault(tmp_path, policy)
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    menu = window.transfer
    assert menu.send_action.isEnabled() and menu.receive_action.isEnabled()
    key_file = tmp_path / "org.pub"
    key_file.write_bytes(org_file)
    out = tmp_path / "to-office.intake"
    menu.choose = lambda *_a, **_k: key_file
    menu.ask_fingerprint = lambda *_a: "0" * 40  # misread: refused, nothing trusted
    vault = window._session.vault
    assert vault is not None
    dialog = OfficeDialog(TransferService(vault), menu, window)
    qtbot.addWidget(dialog)
    dialog._trust()
    assert "does not match" in dialog.message.text()
    assert dialog.trusted_value.text() == "not set yet"
    menu.ask_fingerprint = lambda *_a: fingerprint.replace(" ", "")
    dialog._trust()
    assert dialog.trusted_value.text() == fingerprint
    device = dialog.device_value.text()
    dialog.reject()

    menu.choose = lambda *_a, **_k: out
    window.dialogs.set_next_answer(False)  # keep them on the laptop for now
    menu.send_action.trigger()
    wait_for_tasks(qtbot, window)
    assert out.exists() and "sealed" in window.statusBar().currentMessage()

    with Vault.open(office, USER, PASSPHRASE) as vault:
        result = TransferService(vault).import_bundle(out.read_bytes(), trust_device=device)
    assert result.added == 4


def test_office_receives_a_file_and_the_inbox(qtbot: QtBot, locked_gui: Gui, tmp_path: Path,
                                             policy: KdfPolicy) -> None:
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    menu = window.transfer
    vault = window._session.vault
    assert vault is not None
    dialog = OfficeDialog(TransferService(vault), menu, window)
    qtbot.addWidget(dialog)
    dialog._create_org()
    fingerprint = dialog.org_value.text()
    public_file = tmp_path / "org.pub"
    menu.choose = lambda *_a, **_k: public_file
    dialog._save_public()
    assert public_file.exists() and fingerprint in dialog.message.text()

    field = tmp_path / "field"
    Vault.create(field, USER, PASSPHRASE, policy)[0].close()
    seed(field, 3)
    with Vault.open(field, USER, PASSPHRASE) as fvault:
        service = TransferService(fvault)
        service.trust_org(public_file.read_bytes(), fingerprint)
        device = service.device_fingerprint()
        assert device is not None
        first = service.create_bundle(tmp_path / "first.intake")

    menu.choose = lambda *_a, **_k: first.path
    asked: list[str] = []
    menu.ask_fingerprint = lambda _p, text: asked.append(text) or device  # type: ignore[func-returns-value]
    window.dialogs.set_next_answer(True)  # the summary box
    menu.receive_action.trigger()
    wait_for_tasks(qtbot, window)
    qtbot.waitUntil(lambda: not window.tasks.busy)
    wait_for_tasks(qtbot, window)
    assert asked and device in asked[0]
    assert InterviewService(vault).count() == 3
    assert "Added 3" in window.statusBar().currentMessage()

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    dialog.inbox.setText(str(inbox))
    dialog.save()
    seed(field, 2, seed=10)
    with Vault.open(field, USER, PASSPHRASE) as fvault:
        TransferService(fvault).send_to_outbox(inbox)
    menu.update(True)  # starts watching (as unlocking does)
    qtbot.waitUntil(lambda: InterviewService(vault).count() == 5, timeout=10_000)
    wait_for_tasks(qtbot, window)
    assert "received" in window.statusBar().currentMessage()


def test_a_coordinator_has_neither_send_nor_receive(qtbot: QtBot, locked_gui: Gui,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from intake.domain.roles import Role
    from tests.ui.helpers import as_role

    as_role(monkeypatch, Role.COORDINATOR)
    unlock(qtbot, locked_gui)
    menu = locked_gui.window.transfer
    assert not menu.send_action.isEnabled() and not menu.receive_action.isEnabled()
    assert menu.office_action.isEnabled()


def test_back_up_from_the_vault_menu(qtbot: QtBot, locked_gui: Gui, tmp_path: Path) -> None:
    from intake.services.backup import restore

    window = locked_gui.window
    unlock(qtbot, locked_gui)
    target = tmp_path / "office-copy"
    window.field.choose_file = lambda *_a, **_k: target
    assert window.backup_action in window.vault_menu.actions()
    window.backup_action.trigger()
    wait_for_tasks(qtbot, window)
    written = target.with_name("office-copy.backup")
    assert written.exists() and "Backup written" in window.statusBar().currentMessage()
    restore(written, tmp_path / "restored", USER, PASSPHRASE)
    assert count(tmp_path / "restored") == 0


def test_the_review_panel_says_which_testimony_is_the_fields_copy(
    qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str],
) -> None:
    folder = existing_vault[0]
    seed(folder, 1)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        original = InterviewService(vault).summaries(limit=1)[0].id
        record = InterviewService(vault).load(original)
        record.id = "0" * 8 + record.id[8:]
        InterviewService(vault).import_records([record])
        copy = record.id
        vault.connection().execute(
            "INSERT INTO record_conflicts (copy_id, record_id, device, revision, detected_at)"
            " VALUES (?, ?, '00000 00000 00000 00000 00000 00000 00000 00000', 1, 'x')",
            (copy, original))
    workspace = unlock(qtbot, locked_gui)
    workspace.open_record(copy)
    panel = workspace.review_panel
    assert panel is not None and panel.conflict.isVisibleTo(panel)
    assert original[:8] in panel.conflict.text()
    workspace.back_to_list()
    workspace.open_record(original)
    panel = workspace.review_panel
    assert panel is not None and copy[:8] in panel.conflict.text()
