"""The desk builds each service once for its vault and closes a worker's connection."""

from __future__ import annotations

import threading
from pathlib import Path

from intake.services.desk import Desk
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

SERVICES = ("records", "review", "exports", "transfer", "users", "audit", "attachments",
            "backup", "dashboard", "casefile", "resume")


def test_one_of_each_service_for_this_session(created_vault: tuple[Path, str]) -> None:
    with Vault.open(created_vault[0], USER, PASSPHRASE) as vault:
        desk = Desk(vault)
        assert (desk.user, desk.role, desk.has_identity_key) == (USER, vault.role, True)
        for name in SERVICES:
            service = getattr(desk, name)
            assert getattr(desk, name) is service  # made once
            assert getattr(service, "vault", vault) is vault


def test_a_worker_thread_leaves_no_connection(created_vault: tuple[Path, str]) -> None:
    with Vault.open(created_vault[0], USER, PASSPHRASE) as vault:
        desk = Desk(vault)
        desk.records.count()  # the opener's own connection

        def job() -> None:
            desk.records.count()
            assert len(vault._connections) == 2  # the worker's own, beside the opener's
            desk.end_thread()

        worker = threading.Thread(target=job)
        worker.start()
        worker.join(timeout=60)
        assert not worker.is_alive()
        assert list(vault._connections) == [threading.get_ident()]
