"""The session: which vault is open, for whom; creating, unlocking and locking it.

Qt-free, shared by the GUI and the tests. Unlocking is slow on purpose (Argon2id), so the UI
calls :meth:`Session.open_vault` on a worker thread and hands the result to
:meth:`Session.attach` on its own thread.
"""

from __future__ import annotations

import logging
from pathlib import Path

from intake.domain.roles import Role
from intake.vault.files import vault_exists
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault

log = logging.getLogger(__name__)


class Session:
    def __init__(self, policy: KdfPolicy) -> None:
        self._policy = policy
        self._vault: Vault | None = None

    # -- work that may run on a worker thread (touches no session state) ------------------
    def create_vault(self, folder: Path, user: str, passphrase: str) -> tuple[Vault, str]:
        return Vault.create(folder, user, passphrase, self._policy)

    @staticmethod
    def open_vault(
        folder: Path, user: str, passphrase: str, accept_generation_mismatch: bool = False
    ) -> Vault:
        return Vault.open(
            folder, user, passphrase, accept_generation_mismatch=accept_generation_mismatch
        )

    @staticmethod
    def recover_vault(folder: Path, user: str, code: str, new_passphrase: str) -> Vault:
        vault = Vault.open_with_recovery_code(folder, user, code)
        try:
            vault.change_passphrase(new_passphrase)
            vault.release_thread_connection()
        except BaseException:
            vault.close()
            raise
        return vault

    @staticmethod
    def exists(folder: Path) -> bool:
        return vault_exists(folder)

    # -- state (UI thread) ----------------------------------------------------------------
    def attach(self, vault: Vault) -> None:
        if self._vault is vault:
            return
        if self._vault is not None:
            self._vault.close()
        self._vault = vault
        log.info("vault unlocked")

    @property
    def vault(self) -> Vault | None:
        return self._vault

    @property
    def unlocked(self) -> bool:
        return self._vault is not None and self._vault.is_open

    @property
    def user(self) -> str | None:
        return self._vault.user if self._vault else None

    @property
    def role(self) -> Role | None:
        return self._vault.role if self._vault else None

    def lock(self) -> None:
        """Checkpoint, close every connection and drop the keys."""
        if self._vault is not None:
            vault, self._vault = self._vault, None
            vault.close()
            log.info("vault locked")
