"""Managing the people who use a vault: only administrators; the key work is in
:mod:`intake.vault.accounts`."""

from __future__ import annotations

from dataclasses import dataclass

from intake.domain.permissions import Action, require
from intake.domain.roles import Role
from intake.vault import accounts
from intake.vault.accounts import UserInfo
from intake.vault.vault import Vault

__all__ = ["UserInfo", "UserService"]


@dataclass
class UserService:
    vault: Vault

    def _check(self) -> None:
        require(self.vault.role, Action.MANAGE_USERS)

    def list(self) -> list[UserInfo]:
        self._check()
        return accounts.list_users(self.vault)

    def add(self, name: str, role: Role, initial_passphrase: str) -> UserInfo:
        """A new user who must choose their own passphrase at first unlock."""
        self._check()
        return accounts.add_user(self.vault, name, role, initial_passphrase)

    def set_role(self, name: str, role: Role) -> str | None:
        """The new recovery code when the identity key was taken away (everything was
        rekeyed), else None."""
        self._check()
        return accounts.set_role(self.vault, name, role)

    def reset_passphrase(self, name: str, initial_passphrase: str) -> None:
        self._check()
        accounts.reset_passphrase(self.vault, name, initial_passphrase)

    def remove(self, name: str) -> str:
        """Remove ``name`` and rekey the vault; returns the new recovery code."""
        self._check()
        return accounts.remove_user(self.vault, name)

    def set_duress_passphrase(self, name: str, passphrase: str | None) -> None:
        """Set ``name``'s duress passphrase, or remove it (``None``)."""
        self._check()
        accounts.set_duress_passphrase(self.vault, name, passphrase)

    def wipe_after_failures(self) -> int | None:
        self._check()
        return accounts.wipe_after_failures(self.vault)

    def set_wipe_after_failures(self, count: int | None) -> None:
        """Destroy the vault after ``count`` failed unlocks in a row (``None``: never)."""
        self._check()
        accounts.set_wipe_after_failures(self.vault, count)

    def new_recovery_code(self) -> str:
        """A new recovery code (shown once); the old one stops working."""
        self._check()
        return accounts.new_recovery_code(self.vault)
