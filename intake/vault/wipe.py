"""Panic wipe (field security): make a vault unreadable within a second, then remove it.

The key file goes first: it is overwritten with random bytes, flushed to the disk and
unlinked, so the database — encrypted with keys that only the slots held — is unreadable
from that moment, whatever happens next. Then the database, its WAL and shared-memory
files, a leftover rekey copy, the count of failed unlocks and the lock file are removed;
files up to 4 MiB are overwritten first, larger ones are only unlinked (without the key
they are noise, and overwriting gigabytes would delay the rest). Each step is
independent: a failure is noted and the next step still runs. Flash storage and
copy-on-write file systems may keep old blocks: the key, small and destroyed first, is
what counts.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from intake.atomic import fsync_dir
from intake.vault.cost_files import CHECK_COST_NAME, COST_NAME, CREATE_COST_NAME
from intake.vault.files import DATABASE_NAME, KEYSLOTS_NAME
from intake.vault.lockfile import LOCK_NAME
from intake.vault.record_index import INDEX_NAME
from intake.vault.rekey import SUFFIX
from intake.vault.unlock_audit import FAILURES_NAME

#: Files at most this large are overwritten whole before they are unlinked.
OVERWRITE_WHOLE = 4 << 20
_CHUNK = 1 << 20


@dataclass
class WipeReport:
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # names of files a step could not remove


def _overwrite(path: Path, limit: int) -> None:
    size = path.stat().st_size
    with open(path, "r+b", buffering=0) as handle:
        written = 0
        while written < min(size, limit):
            chunk = os.urandom(min(_CHUNK, min(size, limit) - written))
            handle.write(chunk)
            written += len(chunk)
        os.fsync(handle.fileno())


def _destroy(path: Path, report: WipeReport, *, limit: int) -> None:
    if not path.exists() and not path.is_symlink():
        return
    try:
        if limit > 0 and path.is_file() and not path.is_symlink():
            _overwrite(path, limit)  # (nothing to write: no flush of the file either)
    except OSError:
        report.failed.append(path.name)  # overwriting failed: still try to unlink
    try:
        path.unlink()
        report.removed.append(path.name)
    except FileNotFoundError:
        pass
    except OSError:
        if path.name not in report.failed:
            report.failed.append(path.name)


def _empty(path: Path, report: WipeReport) -> None:
    """Cut ``path`` to no bytes, in place: the same file (inode, birth time) for the decoy
    to write into, as a real unlock writes into the file it found."""
    try:
        os.truncate(path, 0)
        report.removed.append(path.name)
    except FileNotFoundError:
        pass
    except OSError:
        report.failed.append(path.name)


def _scrubbed(path: Path, report: WipeReport) -> None:
    """The key file overwritten whole and flushed, then cut to no bytes, in place: its
    inode stays taken until the decoy's first lock replaces the file, as a real lock
    replaces the file it found. (Unlinked, its freed inode number could come back to the
    decoy's key file at that lock, seconds later: a key file that kept its inode across an
    unlock, which a real one never does; seen in test_adversary_review_d8 under load.)"""
    try:
        if path.is_file() and not path.is_symlink():
            _overwrite(path, OVERWRITE_WHOLE)
    except OSError:
        report.failed.append(path.name)
    _empty(path, report)


def wipe_vault(folder: Path, *, for_decoy: bool = False) -> WipeReport:
    """Destroy the vault in ``folder``: key file first (overwritten, flushed, unlinked),
    then everything else. Never raises for a file that could not be removed: the report
    names it. ``for_decoy`` (a duress unlock, which must neither take longer than a real
    one nor leave other traces on the files): only the key file is overwritten (the rest
    is unreadable without it), and emptied in place; the database and the index are
    emptied in place, not unlinked, and the lock and cost files stay, so that each file's
    birth, change and modification times are those a real unlock leaves (the decoy writes
    into the same files)."""
    report = WipeReport()
    limit = 0 if for_decoy else OVERWRITE_WHOLE
    if for_decoy:  # overwritten and emptied in place: the decoy's key file is this file
        _scrubbed(folder / KEYSLOTS_NAME, report)
    else:
        _destroy(folder / KEYSLOTS_NAME, report, limit=OVERWRITE_WHOLE)
    with contextlib.suppress(OSError):
        fsync_dir(folder)
    database = folder / DATABASE_NAME
    kept = (COST_NAME, CHECK_COST_NAME, CREATE_COST_NAME) if for_decoy else ()
    for name in (f"{DATABASE_NAME}-wal", f"{DATABASE_NAME}-shm", DATABASE_NAME,
                 DATABASE_NAME + SUFFIX, f"{DATABASE_NAME}{SUFFIX}-wal",
                 f"{DATABASE_NAME}{SUFFIX}-shm", FAILURES_NAME, COST_NAME, CHECK_COST_NAME,
                 CREATE_COST_NAME,
                 f"{DATABASE_NAME}.backup", f"{DATABASE_NAME}.backup-wal",
                 f"{DATABASE_NAME}.backup-shm", INDEX_NAME, f"{INDEX_NAME}-wal",
                 f"{INDEX_NAME}-shm"):
        if for_decoy and name in (DATABASE_NAME, INDEX_NAME):
            _empty(database.with_name(name), report)
        elif name not in kept:
            _destroy(database.with_name(name), report, limit=limit)
    for leftover in folder.glob(f".{KEYSLOTS_NAME}.*.tmp"):  # an interrupted atomic write
        _destroy(leftover, report, limit=OVERWRITE_WHOLE)
    attachments = folder / "attachments"  # encrypted; their keys went with the database
    if attachments.is_dir() and not attachments.is_symlink():
        for path in sorted(attachments.iterdir()):
            _destroy(path, report, limit=0)
        with contextlib.suppress(OSError):
            attachments.rmdir()
    if for_decoy:
        return report
    _destroy(folder / LOCK_NAME, report, limit=0)
    with contextlib.suppress(OSError):
        fsync_dir(folder)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when nothing else is in it
    return report
