"""The files of a vault folder, the single-instance lock, and reading the key file.

Nothing here writes to an existing vault: finding the files, taking the lock and parsing
the key file all happen before any key work, and fail with a typed error.

The key file's reader (and with it ``cryptography``) is imported by :func:`prepare`, when a
vault is opened: asking whether a vault exists is all the unlock window's start needs
(issue 17).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intake.atomic import fsync_dir
from intake.errors import (
    DatabaseMissing,
    KeySlotsDamaged,
    KeySlotsMissing,
    VaultBusy,
    VaultNotFound,
    VaultNotWritable,
)
from intake.vault.lockfile import LockBusy, LockNotWritable, VaultLock

if TYPE_CHECKING:
    from intake.vault.keyslots import KeySlotFile

KEYSLOTS_NAME = "keyslots.json"
DATABASE_NAME = "intake.db"


@dataclass(frozen=True)
class VaultFiles:
    folder: Path

    @property
    def keyslots(self) -> Path:
        return self.folder / KEYSLOTS_NAME

    @property
    def database(self) -> Path:
        return self.folder / DATABASE_NAME

    def exists(self) -> bool:
        return self.keyslots.exists() or self.database.exists()


def vault_exists(folder: Path) -> bool:
    return VaultFiles(folder).exists()


def acquire(files: VaultFiles) -> VaultLock:
    if not os.access(files.folder, os.W_OK):
        raise VaultNotWritable(path=str(files.folder))
    lock = VaultLock(files.folder)
    try:
        lock.acquire()
    except LockBusy as exc:
        raise VaultBusy(path=str(files.folder)) from exc
    except LockNotWritable as exc:
        raise VaultNotWritable(path=str(files.folder)) from exc
    return lock


def prepare(folder: Path) -> tuple[VaultFiles, VaultLock, KeySlotFile]:
    """Find the vault's files, take the lock and read the key file; nothing is written."""
    from intake.vault import keyslots

    files = VaultFiles(folder)
    if not folder.is_dir() or not files.exists():
        raise VaultNotFound(path=str(folder))
    if not files.keyslots.exists():
        raise KeySlotsMissing(path=str(folder))
    if not files.database.exists():
        raise DatabaseMissing(path=str(folder))
    lock = acquire(files)
    try:
        try:
            slot_file = keyslots.read(files.keyslots)
        except keyslots.SlotFileDamaged as exc:
            raise KeySlotsDamaged(path=str(folder)) from exc
        except OSError as exc:
            raise KeySlotsDamaged(path=str(folder)) from exc
    except BaseException:
        lock.release()
        raise
    return files, lock, slot_file


def remove_partial(files: VaultFiles) -> None:
    """Undo a creation that failed half-way (the vault held no data yet)."""
    for path in (
        files.database,
        files.database.with_name(DATABASE_NAME + "-wal"),
        files.database.with_name(DATABASE_NAME + "-shm"),
        files.database.with_name("index.db"),
        files.database.with_name("index.db-wal"),
        files.database.with_name("index.db-shm"),
        files.keyslots,
    ):
        with contextlib.suppress(OSError):
            path.unlink()
    with contextlib.suppress(OSError):
        fsync_dir(files.folder)
