"""Backup and restore: the whole vault in one file, and back.

``create`` copies the open database with SQLite's backup API (a consistent copy under the
same key, whatever else is being written), then writes the key file, the copy and the
attachments into one new file (:mod:`intake.exchange.containers.backup`). ``restore`` first
checks, writing nothing, the backup's manifest and every file's hash, then opens the
backup's key file alone (read into memory) with a user's passphrase or the recovery code: a
wrong secret or a damaged or padded backup leaves no trace on disk and counts as no failed
unlock. Only then does it extract the backup into a hidden folder beside the target, open
it, run the full integrity check, and move it into place; a vault already at the target is
never overwritten unless asked, and then moved aside, not deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from intake.atomic import fsync_dir
from intake.errors import ExitCode, IntakeError, KeySlotsDamaged, NewFileExists, VaultExists
from intake.exchange.containers import backup
from intake.i18n import N_
from intake.vault import audit, database, keyslots, unlock_checks
from intake.vault.attachments import valid_id
from intake.vault.audit import AuditAction
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME, VaultFiles, vault_exists
from intake.vault.vault import Vault

COPY_SUFFIX = ".backup"


class BackupNotWritten(IntakeError):
    template = N_("The backup could not be written to {path} ({reason}). Nothing was "
                  "changed.")


BackupExists = NewFileExists


class TargetNotEmpty(IntakeError):
    template = N_("{path} holds other files; restore into a new or empty folder. Nothing "
                  "was restored.")
    exit_code = ExitCode.INVALID_INPUT


class BackupUnreadable(IntakeError):
    template = N_("The backup {path} cannot be read. Nothing was restored.")
    exit_code = ExitCode.INVALID_INPUT


@dataclass(frozen=True)
class BackupMade:
    path: Path
    files: int
    bytes: int
    sha256: str


def copy_path(files: VaultFiles) -> Path:
    return files.database.with_name(DATABASE_NAME + COPY_SUFFIX)


def _files(vault_files: VaultFiles, copy: Path) -> list[tuple[str, Path]]:
    found = [("keyslots.json", vault_files.keyslots), ("intake.db", copy)]
    attachments = vault_files.folder / "attachments"
    if attachments.is_dir():
        found += [(f"attachments/{p.name}", p) for p in sorted(attachments.iterdir())
                  if p.is_file() and valid_id(p.name)]  # not a piece left by a crash
    return found


Tick = Callable[[int, int], None]
#: Progress is reported in steps: the database copy, then writing the backup file.
STEPS = 1000
#: Pages copied per step of SQLite's backup (4 MiB at SQLCipher's 4 KiB pages).
BACKUP_PAGES = 1024


def _pages(tick: Tick) -> Callable[[int, int, int], None]:
    def progress(_status: int, remaining: int, total: int) -> None:
        tick((total - remaining) * STEPS // max(total, 1), 2 * STEPS)

    return progress


@dataclass
class BackupService:
    vault: Vault

    def create(self, out: Path, tick: Tick | None = None) -> BackupMade:
        """A backup of the open vault in the new file ``out`` (0600, flushed).

        ``tick(done, total)`` hears the progress (the database copy, then the file written:
        :data:`STEPS` each) and may raise ``Cancelled``: the copy and ``out`` are removed."""
        files = self.vault.files
        copy = copy_path(files)
        if self.vault.connection().in_transaction:  # the backup would wait for itself
            raise RuntimeError("backup inside an open transaction")
        for stale in (copy, copy.with_name(copy.name + "-wal"),
                      copy.with_name(copy.name + "-shm")):
            stale.unlink(missing_ok=True)
        try:
            handle = open(out, "xb")  # noqa: SIM115 - closed below, removed on failure
        except FileExistsError as exc:
            raise BackupExists(path=str(out)) from exc
        except OSError as exc:
            raise BackupNotWritten(path=str(out), reason=exc.strerror or "?") from exc
        try:
            os.chmod(out, 0o600)
            conn = self.vault.connection()
            dest = database.connect(copy, self.vault._require_keys().dbk, create=True)
            try:
                os.chmod(copy, 0o600)
                conn.backup(dest, pages=BACKUP_PAGES,
                            progress=None if tick is None else _pages(tick))
            finally:
                database.checkpoint_and_close(dest)
            with handle:
                entries = backup.write(handle, _files(files, copy), None if tick is None
                                       else lambda done, total: tick(
                                           STEPS + done * STEPS // max(total, 1), 2 * STEPS))
                handle.flush()
                os.fsync(handle.fileno())
            fsync_dir(out.parent)
        except BaseException as exc:
            handle.close()
            out.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise BackupNotWritten(path=str(out), reason=exc.strerror or "?") from exc
            raise
        finally:
            for leftover in (copy, copy.with_name(copy.name + "-wal"),
                             copy.with_name(copy.name + "-shm")):
                leftover.unlink(missing_ok=True)
        digest = hashlib.sha256()
        with out.open("rb") as readback:
            for chunk in iter(lambda: readback.read(1 << 20), b""):
                digest.update(chunk)
        audit.append(self.vault.connection(), self.vault.user, AuditAction.EXPORTED,
                     detail={"kind": "backup", "count": len(entries),
                             "manifest_sha256": digest.hexdigest()})
        return BackupMade(out, len(entries), out.stat().st_size, digest.hexdigest())


def _checked(handle: BinaryIO, source: Path) -> tuple[list[backup.Entry], int]:
    """The backup's manifest and where its files begin, after every file's size and hash
    were checked (read, not written; memory bounded); nothing unaccounted for is let in."""
    try:
        entries = backup.read_manifest(handle, os.fstat(handle.fileno()).st_size)
        start = handle.tell()
        backup.check(handle, start, entries)
    except OSError as exc:
        raise BackupUnreadable(path=str(source)) from exc
    return entries, start


def _check_secret(handle: BinaryIO, start: int, entries: list[backup.Entry], source: Path,
                  target: Path, user: str, secret: str, recovery_code: bool) -> None:
    """Open the backup's key file, read into memory alone, with ``secret``: a wrong one is
    refused here, before anything is written, and is no failed unlock of any vault."""
    try:
        data = backup.read_entry(handle, start, entries, KEYSLOTS_NAME)
    except OSError as exc:
        raise BackupUnreadable(path=str(source)) from exc
    try:
        slot_file = keyslots.parse(data)
    except keyslots.SlotFileDamaged as exc:
        raise KeySlotsDamaged(path=str(source)) from exc
    content = unlock_checks.open_slot_file(slot_file, target, user, secret,
                                           recovery_code=recovery_code)
    content.keys.wipe()


def _stage(handle: BinaryIO, start: int, entries: list[backup.Entry], staging: Path,
           user: str, secret: str, recovery_code: bool) -> None:
    """Extract the backup into ``staging``, open it and run the full integrity check."""
    staging.mkdir(mode=0o700, parents=True)
    handle.seek(start)
    for _written in backup.extract(handle, entries, staging):
        pass
    fsync_dir(staging)
    opener = Vault.open_with_recovery_code if recovery_code else Vault.open
    with opener(staging, user, secret) as vault:
        vault.verify_integrity()


def restore(source: Path, target: Path, user: str, secret: str, *,
            recovery_code: bool = False, replace: bool = False) -> Path:
    """Restore the backup ``source`` as the vault ``target``; returns where an existing
    vault was moved when ``replace``.

    Nothing is written (not even the staging folder) until the manifest and every file's
    hash are checked and the backup's key file opens with ``secret``; a backup holding
    anything its manifest does not account for is refused as damaged."""
    if vault_exists(target) and not replace:
        raise VaultExists(path=str(target))
    if target.is_dir() and not vault_exists(target) and any(target.iterdir()):
        raise TargetNotEmpty(path=str(target))
    staging = target.parent / f".{target.name}.restoring"
    try:
        handle = source.open("rb")
    except OSError as exc:
        raise BackupUnreadable(path=str(source)) from exc
    with handle:
        entries, start = _checked(handle, source)
        _check_secret(handle, start, entries, source, target, user, secret, recovery_code)
        shutil.rmtree(staging, ignore_errors=True)  # left by a restore that was cut short
        try:
            _stage(handle, start, entries, staging, user, secret, recovery_code)
            moved_aside = target.with_name(
                f"{target.name}.before-restore-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}")
            if target.exists():
                if vault_exists(target):
                    target.rename(moved_aside)
                else:
                    target.rmdir()  # an empty folder only; anything else refuses
            staging.rename(target)
            fsync_dir(target.parent)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return moved_aside if replace else target
