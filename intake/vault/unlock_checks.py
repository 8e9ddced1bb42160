"""What an unlock checks before it trusts a vault: the key slot opens and the key file's MAC
holds, the database is sound and is the key file's, and the audit entry the key file bound
at the last lock is there; a failed unlock is counted (and, at the vault's limit, the
vault is destroyed)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

import sqlcipher3

from intake.domain.passphrase import normalize
from intake.errors import (
    DatabaseDamaged,
    GenerationMismatch,
    KeySlotsDamaged,
    KeySlotsTampered,
    VaultTooNew,
    VaultWipedAfterFailures,
    WrongPassphrase,
    WrongRecoveryCode,
)
from intake.vault import (
    generation,
    keyslots,
    migrations,
    recovery,
    slotwrap,
    unlock_audit,
    user_slots,
    wipe,
)
from intake.vault.database import Connection
from intake.vault.files import VaultFiles
from intake.vault.keyslots import KeySlotFile, SlotContent
from intake.vault.lockfile import VaultLock

log = logging.getLogger(__name__)


def check_database(conn: Connection, folder: Path, vault_id: str) -> None:
    """What unlock checks of the database, in time that does not grow with it: the pages it
    reads here authenticate (SQLCipher checks a page's HMAC whenever it reads one), it is
    the key file's (same vault id), its schema one this code knows. Every page and every
    index is checked after unlock, in the background (:mod:`intake.vault.background_check`),
    and by ``intake check``."""
    try:
        stored_id = generation.get_meta(conn, "vault_id")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as exc:
        raise DatabaseDamaged(path=str(folder)) from exc
    if stored_id != vault_id:
        raise DatabaseDamaged(path=str(folder))
    try:
        migrations.pending(conn)
    except migrations.SchemaTooNew as exc:
        raise VaultTooNew(path=str(folder)) from exc


def check_audit_head(conn: Connection, folder: Path, head: tuple[int, str] | None) -> None:
    """The log entry the key file bound at the last lock must be in the database: an
    older copy of the database (of the same key generation) has no such entry yet."""
    if head is None:
        return
    row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (head[0],)).fetchone()
    if row is None or row[0] != head[1]:
        raise GenerationMismatch(path=str(folder),
                                 older=GenerationMismatch.DATABASE)


def count_failure(files: VaultFiles, slot_file: KeySlotFile, lock: VaultLock) -> None:
    """Count a failed unlock; at the vault's limit (when one is set) destroy the vault."""
    count = unlock_audit.count_failure(files.folder)
    limit = slot_file.wipe_after_failures
    if limit is None or count < limit:
        return
    wipe.wipe_vault(files.folder)
    lock.release()
    raise VaultWipedAfterFailures(count=count)


def _checked(files: VaultFiles, slot_file: KeySlotFile, wrong: type[Exception],
             opening: Callable[[], tuple[keyslots.KeySlot, SlotContent]],
             ) -> tuple[keyslots.KeySlot, SlotContent]:
    """What ``opening`` opens, the file's MAC checked; slot errors as the user sees them."""
    try:
        slot, content = opening()
    except keyslots.SlotTagInvalid as exc:
        raise wrong() from exc
    except keyslots.SlotEdited as exc:
        raise KeySlotsTampered(path=str(files.folder)) from exc
    except keyslots.SlotFileDamaged as exc:
        raise KeySlotsDamaged(path=str(files.folder)) from exc
    try:
        slot_file.verify_mac(content.keys.dbk)
    except keyslots.SlotFileMacInvalid as exc:
        content.keys.wipe()
        raise KeySlotsTampered(path=str(files.folder)) from exc
    return slot, content


def unwrap(files: VaultFiles, slot_file: KeySlotFile, slot: keyslots.KeySlot, secret: str,
           wrong: type[Exception]) -> SlotContent:
    """The keys in ``slot`` (the recovery slot) for ``secret``."""
    return _checked(files, slot_file, wrong,
                    lambda: (slot, slotwrap.unwrap(slot_file.vault_id, slot, secret)))[1]


def open_user(files: VaultFiles, slot_file: KeySlotFile, user: str, secret: str,
              meanwhile: Callable[[], object] | None = None,
              ) -> tuple[keyslots.KeySlot, SlotContent]:
    """``user``'s slot and keys for the passphrase ``secret`` (normalized): one derivation;
    ``WrongPassphrase`` alike for an unknown name and a wrong passphrase.

    ``meanwhile`` (an import's parsing) runs in this thread while the derivation runs in
    another (Argon2id releases the GIL: the two share the time on two cores). A wrong
    passphrase is raised as without it (the failure is counted); after a right one or a
    duress one, an exception from ``meanwhile`` wipes what was derived and is raised
    before anything is written: a duress passphrase given with a bad file changes the
    folder no more than the real one does (its decoy is made at the next unlock)."""
    if meanwhile is None:
        return _checked(files, slot_file, WrongPassphrase,
                        lambda: user_slots.open_user(slot_file, user, secret))
    outcome: list[tuple[keyslots.KeySlot, SlotContent] | BaseException] = []

    def derive() -> None:
        try:
            outcome.append(open_user(files, slot_file, user, secret))
        except BaseException as exc:  # handed to the calling thread
            outcome.append(exc)

    worker = threading.Thread(target=derive, name="intake-unlock", daemon=True)
    worker.start()
    try:
        meanwhile()
    except BaseException:
        worker.join()
        found = outcome[0]
        if isinstance(found, keyslots.DuressPassphraseEntered):
            found.wipe()  # as for the real passphrase: nothing written, the file's error
            raise
        if isinstance(found, BaseException):
            raise found from None
        found[1].keys.wipe()
        raise
    worker.join()
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def open_slot_file(slot_file: KeySlotFile, folder: Path, user: str, secret: str, *,
                   recovery_code: bool = False) -> SlotContent:
    """The keys ``slot_file`` gives ``user`` for ``secret`` (a passphrase, or the recovery
    code when ``recovery_code``), its MAC checked; no database is touched and no failure is
    counted (a restore checks a backup's key file with this before writing anything).

    Raises WrongPassphrase (or WrongRecoveryCode), KeySlotsDamaged, KeySlotsTampered. A
    duress passphrase is a wrong passphrase here."""
    files = VaultFiles(folder)
    if recovery_code:
        slot = slot_file.recovery_slot()
        code = recovery.normalize(secret)
        if slot is None or code is None:
            raise WrongRecoveryCode()
        return unwrap(files, slot_file, slot, code, WrongRecoveryCode)
    try:
        return open_user(files, slot_file, user, normalize(secret))[1]
    except keyslots.DuressPassphraseEntered as exc:
        exc.wipe()
        raise WrongPassphrase() from None
