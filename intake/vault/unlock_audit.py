"""What unlocking and locking leave in the audit log, and the count of failed
unlocks kept until the next successful one.

A failed unlock cannot be written into the encrypted log (there is no key then), so it is
counted in ``failed_unlocks`` beside the key file: a number and nothing else, no name and
no time. The next successful unlock writes the count into the log and removes the file.
At lock the log's head is bound into the key file (see ``KeySlotFile.audit_head``), so a
history rewritten inside the database no longer leads to it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import sqlcipher3

from intake.atomic import fsync_dir, write_atomic
from intake.errors import IntakeError
from intake.vault import audit, keyslots
from intake.vault.database import Connection, transaction
from intake.vault.files import VaultFiles
from intake.vault.keyslots import KeySlotFile

log = logging.getLogger(__name__)

FAILURES_NAME = "failed_unlocks"


def _path(folder: Path) -> Path:
    return folder / FAILURES_NAME


def failures(folder: Path) -> int:
    try:
        text = _path(folder).read_text(encoding="ascii").strip()
        return max(int(text), 0)
    except (OSError, ValueError):
        return 0


def count_failure(folder: Path) -> int:
    """One more failed unlock (best effort: a read-only folder must not hide the error);
    returns the count."""
    count = failures(folder) + 1
    with contextlib.suppress(OSError):
        write_atomic(_path(folder), f"{count}\n".encode("ascii"))
    return count


def carry_failures(folder: Path, count: int) -> None:
    """Write ``count`` failed unlocks into a new vault in ``folder`` (a duress decoy's, so
    that its first unlock logs the attempts before it, as the real vault would have)."""
    if count > 0:
        with contextlib.suppress(OSError):
            write_atomic(_path(folder), f"{count}\n".encode("ascii"))


def on_unlock(conn: Connection, folder: Path, user: str, *, recovery_code: bool) -> None:
    count = failures(folder)
    with transaction(conn):
        audit.note_failed_unlocks(conn, user, count)
        audit.append(conn, user, audit.AuditAction.UNLOCK,
                     detail={"recovery_code": True} if recovery_code else None)
    if count:
        with contextlib.suppress(OSError):
            _path(folder).unlink()
            fsync_dir(folder)


def on_lock(connect: Callable[[], Connection], user: str, files: VaultFiles,
            file: KeySlotFile, dbk: bytes | bytearray,
            accepted_older_copy: bool) -> KeySlotFile:
    """Log the lock and bind the head; the key file as it is now (``file``, or the one
    written with the new head). A failure here never stops the lock."""
    try:
        conn = connect()
        audit.append(conn, user, audit.AuditAction.LOCK)
        head = audit.head(conn)
        if (file.audit_head is not None and head[0] < file.audit_head[0]
                and not accepted_older_copy):
            # an older copy of the database opened on purpose: never bind its shorter
            # history over the evidence of the longer one
            log.warning("lock: the log is behind the key file; head not bound")
        elif head != file.audit_head:
            bound = file.with_audit_head(head, dbk)
            write_atomic(files.keyslots, keyslots.serialize(bound))
            return bound
    except (IntakeError, sqlcipher3.Error, OSError, ValueError) as exc:
        log.warning("lock: audit head not bound (%s)", type(exc).__name__)
    return file
