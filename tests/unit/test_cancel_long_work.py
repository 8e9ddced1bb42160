"""Cancel in the middle of a backup, a bundle being sealed and a bundle being merged
(the work behind the progress bars): the ``tick`` the services report to raises ``Cancelled`` at
every point it is called, and each time nothing is left behind — no backup file or
database copy, no bundle file and no sequence number used, no record merged — and the same
operation then succeeds."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from intake.errors import Cancelled
from intake.services.backup import BackupService, copy_path
from intake.services.transfer import TransferService
from intake.vault import transfer_keys
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.unit.test_backup import vault_with_records  # noqa: F401 (fixture)
from tests.unit.test_transfer import (  # noqa: F401 (fixture)
    OFFICE_ADMIN,
    OFFICE_PASS,
    World,
    office_records,
    world,
)

Tick = Callable[[int, int], None]


class StopAt:
    """Raises ``Cancelled`` at the ``n``-th call (1-based) and records every call."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.calls: list[tuple[int, int]] = []

    def __call__(self, done: int, total: int) -> None:
        self.calls.append((done, total))
        assert 0 <= done <= total or total == 0
        if len(self.calls) == self.n:
            raise Cancelled()


def count_calls(run: Callable[[Tick], object]) -> int:
    calls: list[tuple[int, int]] = []
    run(lambda done, total: calls.append((done, total)))
    assert calls and calls == sorted(calls)  # progress only goes forward
    return len(calls)


def test_a_cancelled_backup_leaves_nothing(vault_with_records: tuple[Path, str],  # noqa: F811
                                           tmp_path: Path) -> None:
    folder = vault_with_records[0]
    probe = tmp_path / "probe.backup"
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        calls = count_calls(lambda tick: BackupService(vault).create(probe, tick))
        probe.unlink()
        assert calls >= 2
        for n in range(1, calls + 1):
            out = tmp_path / f"cancelled-{n}.backup"
            with pytest.raises(Cancelled):
                BackupService(vault).create(out, StopAt(n))
            assert not out.exists() and not copy_path(vault.files).exists()
        BackupService(vault).create(tmp_path / "whole.backup")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".backup") == [
        "whole.backup"]


def test_a_cancelled_bundle_is_not_written_and_uses_no_sequence(world: World) -> None:  # noqa: F811
    with Vault.open(world.field, USER, PASSPHRASE) as vault:
        service = TransferService(vault)
        probe = world.out()
        calls = count_calls(lambda tick: service.create_bundle(probe, tick=tick))
        probe.unlink()
        # sending again "since last" would now find nothing: start from a fresh state
        vault.connection().execute("DELETE FROM sent_records")
        sequence = transfer_keys.device(vault.connection(), vault.identity_key).last_sequence
        for n in range(1, calls + 1):
            out = world.out()
            with pytest.raises(Cancelled):
                service.create_bundle(out, tick=StopAt(n))
            assert not out.exists()
        device = transfer_keys.device(vault.connection(), vault.identity_key)
        assert device.last_sequence == sequence
        assert vault.connection().execute("SELECT count(*) FROM sent_records").fetchone()[0] == 0


def test_a_cancelled_merge_changes_nothing(world: World) -> None:  # noqa: F811
    path = world.send()
    data = path.read_bytes()
    with Vault.open(world.office, OFFICE_ADMIN, OFFICE_PASS) as vault:
        service = TransferService(vault)
        for n in range(1, 6):  # stages 0..4: the last one is inside the transaction
            with pytest.raises(Cancelled):
                service.import_bundle(data, trust_device=world.device_fp, tick=StopAt(n))
            assert transfer_keys.trusted_device(
                vault.connection(), vault.identity_key, _device_public(data, vault)) is None
    assert office_records(world) == {}
    assert world.receive(path, trust=world.device_fp).added > 0  # type: ignore[attr-defined]


def _device_public(data: bytes, vault: Vault) -> bytes:
    from intake.exchange.containers import bundle

    org = transfer_keys.org(vault.connection(), vault.identity_key)
    assert org is not None
    return bundle.open_bundle(data, org.hpke_private, org.public.fingerprint).device_public



def test_a_cancelled_attachment_leaves_no_file(tmp_path: Path) -> None:
    from intake.vault import attachments

    source = tmp_path / "recording.wav"
    source.write_bytes(os.urandom(3 * 1024 * 1024 + 5))
    folder = tmp_path / "vault"
    folder.mkdir()
    calls = count_calls(lambda tick: attachments.encrypt_file(source, folder, tick))
    assert calls >= 3
    before = sorted(attachments.folder_of(folder).iterdir())
    for n in range(1, calls + 1):
        with pytest.raises(Cancelled):
            attachments.encrypt_file(source, folder, StopAt(n))
        assert sorted(attachments.folder_of(folder).iterdir()) == before
