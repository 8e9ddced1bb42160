"""Transfer → Office and devices: the devices the office trusts, revoked ones with when and
by whom; revoking one asks first (No changes nothing) and is audited; replacing the office
key asks first; a coordinator (no identity key) sees neither the devices nor the key
buttons, and the dialog opens for them without a device key."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.domain.roles import Role
from intake.services.transfer import TransferService
from intake.ui.shell.office import OfficeDialog
from intake.vault import accounts, audit, transfer_keys
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.helpers import unlock


def trust_new_device(vault: Vault) -> str:
    public = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    return transfer_keys.trust_device(vault.connection(), vault.identity_key, public,
                                      transfer_keys.fingerprint(public))


def revocations(vault: Vault) -> list[dict[str, object]]:
    return [dict(e.detail) for e in audit.entries(vault.connection(), action="device_revoked")]


def row_of(dialog: OfficeDialog, fingerprint: str) -> int:
    items = dialog.devices.devices
    return next(i for i in range(items.count()) if fingerprint in items.item(i).text())


def test_revoking_a_device_asks_first_and_is_listed(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    vault = window._session.vault
    assert vault is not None
    kept, earlier = trust_new_device(vault), trust_new_device(vault)
    TransferService(vault).revoke_device(earlier)
    dialog = OfficeDialog(TransferService(vault), window.transfer, window)
    qtbot.addWidget(dialog)
    assert dialog.devices.isVisibleTo(dialog) and dialog.devices.devices.count() == 2
    revoked_text = dialog.devices.devices.item(row_of(dialog, earlier)).text()
    assert "revoked" in revoked_text and USER in revoked_text
    dialog.devices.devices.setCurrentRow(row_of(dialog, earlier))
    assert not dialog.devices.revoke_button.isEnabled()  # revoked already
    dialog.devices.devices.setCurrentRow(row_of(dialog, kept))
    assert dialog.devices.revoke_button.isEnabled()

    window.dialogs.set_next_answer(False)  # No: nothing changes
    dialog.devices.revoke_button.click()
    assert len(revocations(vault)) == 1
    assert "trusted since" in dialog.devices.devices.item(row_of(dialog, kept)).text()

    window.dialogs.set_next_answer(True)
    dialog.devices.revoke_button.click()
    assert revocations(vault)[-1] == {"device": kept}
    assert "revoked" in dialog.devices.devices.item(row_of(dialog, kept)).text()
    assert "revoked" in dialog.message.text()
    assert all(d.revoked for d in TransferService(vault).trusted_devices())


def test_replacing_the_office_key_asks_first(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    vault = window._session.vault
    assert vault is not None
    dialog = OfficeDialog(TransferService(vault), window.transfer, window)
    qtbot.addWidget(dialog)
    assert not dialog.rotate_org.isEnabled()  # no key yet
    dialog._create_org()
    first = dialog.org_value.text()
    assert dialog.rotate_org.isEnabled()
    window.dialogs.set_next_answer(False)
    dialog.rotate_org.click()
    assert dialog.org_value.text() == first
    window.dialogs.set_next_answer(True)
    dialog.rotate_org.click()
    assert dialog.org_value.text() not in (first, "") and dialog.org_value.text() in \
        dialog.message.text()
    assert [fp for fp, _at in TransferService(vault).retired_org_keys()] == [first]


def test_a_coordinator_sees_fingerprints_and_folders_only(
        qtbot: QtBot, locked_gui: Gui, tmp_path: Path, policy: KdfPolicy) -> None:
    folder = tmp_path / "office"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        TransferService(vault).init_org()
        trust_new_device(vault)
        accounts.add_user(vault, "lee", Role.COORDINATOR, "initial passphrase lee")
    with Vault.open(folder, "lee", "initial passphrase lee") as coordinator:
        assert coordinator.identity_key is None
        dialog = OfficeDialog(TransferService(coordinator), locked_gui.window.transfer)
        qtbot.addWidget(dialog)
        for hidden in (dialog.devices, dialog.create_org, dialog.rotate_org,
                       dialog.save_public, dialog.trust_button):
            assert not hidden.isVisibleTo(dialog)
        assert dialog.device_value.text() == "none (your role does not send bundles)"
        assert transfer_keys.device_public(coordinator.connection()) is None  # none made
        dialog.reject()
