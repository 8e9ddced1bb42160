"""Opening, creating and wiping a vault: how the headless commands reach one.

Above the services layer nothing imports ``intake.vault`` (tests/unit/test_layers.py): the
commands open a vault here and get a :class:`~intake.services.desk.Desk`, whose services
do the work; the few vault facts a command's arguments need (the KDF policy, the range of
the failed-unlock wipe, the audit actions) are named here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from intake.services.desk import Desk
from intake.vault.audit import AuditAction
from intake.vault.files import vault_exists
from intake.vault.kdf import KdfPolicy
from intake.vault.keyslots import WIPE_AFTER_RANGE
from intake.vault.vault import Vault
from intake.vault.wipe import WipeReport, wipe_vault

__all__ = ["WIPE_AFTER_RANGE", "AuditAction", "Desk", "KdfPolicy", "WipeReport", "create",
           "exists", "open_desk", "open_with_recovery_code", "wipe"]


def open_desk(folder: Path, user: str, passphrase: str,
              meanwhile: Callable[[], object] | None = None) -> Desk:
    """Unlock ``folder`` as ``user``; the desk (close it, or use it as a context).
    ``meanwhile`` runs while the key is derived (an import's parsing, on the other core);
    its exception stops the unlock before anything is written."""
    return Desk(Vault.open(folder, user, passphrase, meanwhile=meanwhile))


def open_with_recovery_code(folder: Path, user: str, code: str) -> Desk:
    return Desk(Vault.open_with_recovery_code(folder, user, code))


def create(folder: Path, user: str, passphrase: str, policy: KdfPolicy) -> tuple[Desk, str]:
    """A new vault with ``user`` as its administrator: its desk and recovery code."""
    vault, code = Vault.create(folder, user, passphrase, policy)
    return Desk(vault), code


def exists(folder: Path) -> bool:
    return vault_exists(folder)


def wipe(folder: Path) -> WipeReport:
    """The panic wipe (keys first; no passphrase needed)."""
    return wipe_vault(folder)
