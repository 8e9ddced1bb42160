"""The session: which vault is open, for whom; creating, unlocking and locking it.

Qt-free, shared by the GUI and the tests. Unlocking is slow on purpose (Argon2id), so the UI
calls :meth:`Session.open_vault` on a worker thread and hands the result to
:meth:`Session.attach` on its own thread. What the UI gets is the unlocked vault's
:class:`~intake.services.desk.Desk`, never the vault.

The desk and the vault are imported by the methods that make them (issue 17: the unlock
window is up before they are imported; the window imports them after, see
:mod:`intake.ui.shell.warm_up`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intake.domain.roles import Role
    from intake.services.desk import Desk
    from intake.vault.kdf import KdfPolicy
    from intake.vault.vault import Vault

log = logging.getLogger(__name__)


class Session:
    def __init__(self, policy: KdfPolicy | None = None) -> None:
        self._policy = policy  # None: the default one, made when first needed
        self._desk: Desk | None = None

    @property
    def policy(self) -> KdfPolicy:
        """How new key slots are derived (it calibrates once, when first asked)."""
        if self._policy is None:
            from intake.vault.kdf import KdfPolicy

            self._policy = KdfPolicy()
        return self._policy

    # -- work that may run on a worker thread (touches no session state) ------------------
    def create_vault(self, folder: Path, user: str, passphrase: str) -> tuple[Desk, str]:
        from intake.services.desk import Desk
        from intake.vault.vault import Vault

        vault, code = Vault.create(folder, user, passphrase, self.policy)
        return Desk(vault), code

    @staticmethod
    def open_vault(
        folder: Path, user: str, passphrase: str, accept_generation_mismatch: bool = False
    ) -> Desk:
        from intake.services.desk import Desk
        from intake.vault.vault import Vault

        return Desk(Vault.open(
            folder, user, passphrase, accept_generation_mismatch=accept_generation_mismatch
        ))

    @staticmethod
    def recover_vault(folder: Path, user: str, code: str, new_passphrase: str) -> Desk:
        from intake.services.desk import Desk
        from intake.vault.vault import Vault

        desk = Desk(Vault.open_with_recovery_code(folder, user, code))
        try:
            desk.change_passphrase(new_passphrase)
            desk.end_thread()
        except BaseException:
            desk.close()
            raise
        return desk

    @staticmethod
    def exists(folder: Path) -> bool:
        from intake.vault.files import vault_exists

        return vault_exists(folder)

    # -- state (UI thread) ----------------------------------------------------------------
    def attach(self, desk: Desk) -> None:
        if self._desk is desk:
            return
        if self._desk is not None:
            self._desk.close()
        self._desk = desk
        log.info("vault unlocked")

    @property
    def desk(self) -> Desk | None:
        return self._desk

    @property
    def vault(self) -> Vault | None:
        """The open vault itself: for tests and services, never for widgets."""
        return self._desk.vault if self._desk is not None else None

    @property
    def unlocked(self) -> bool:
        return self._desk is not None and self._desk.is_open

    @property
    def user(self) -> str | None:
        return self._desk.user if self._desk else None

    @property
    def role(self) -> Role | None:
        return self._desk.role if self._desk else None

    def lock(self) -> None:
        """Checkpoint, close every connection and drop the keys."""
        if self._desk is not None:
            desk, self._desk = self._desk, None
            desk.close()
            log.info("vault locked")
