"""The vault: one folder holding the key file, the encrypted database and a lock.

``Vault.create`` makes one; ``Vault.open`` unlocks one for a user; ``close`` locks it
(checkpoint, close every connection, drop the keys and what was kept). Key operations that
only rewrap a slot never touch the database's pages. Failures are checked before anything
is written; a database that failed to open is never recreated or overwritten."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlcipher3

from intake.atomic import write_atomic, write_in_place
from intake.domain.passphrase import normalize
from intake.domain.roles import Role
from intake.domain.users import validate_new_passphrase, validate_user_name
from intake.errors import (
    DatabaseDamaged,
    KeySlotsTampered,
    PassphraseIsDuress,
    StorageFailed,
    UnknownUser,
    VaultExists,
    VaultNotWritable,
    WrongPassphrase,
    WrongRecoveryCode,
)
from intake.vault import (
    attachments,
    audit,
    background_check,
    connections,
    creation,
    database,
    duress,
    edit_sessions,
    generation,
    keyslots,
    migrations,
    private,
    record_index,
    recovery,
    rekey,
    roster,
    slotwrap,
    unlock_audit,
    unlock_checks,
    user_slots,
)
from intake.vault.connections import ThreadConnections
from intake.vault.database import Connection
from intake.vault.files import (
    VaultFiles,
    acquire,
    prepare,
)
from intake.vault.kdf import KdfParams, KdfPolicy
from intake.vault.keyslots import KeySlotFile, SlotContent, VaultKeys
from intake.vault.lockfile import VaultLock

log = logging.getLogger(__name__)


class Vault:
    """An unlocked vault. Hold it only while unlocked; ``close()`` drops everything."""

    def __init__(
        self,
        files: VaultFiles,
        lock: VaultLock,
        slot_file: KeySlotFile,
        keys: VaultKeys,
        user: str,
        role: Role,
    ) -> None:
        self.files = files
        self._lock = lock
        self._slot_file = slot_file.opened(keys.dbk)  # its audit head, sealed in the file
        self._keys: VaultKeys | None = keys
        self.user = user
        self.role = role
        self._pool = ThreadConnections(self._open_connection)
        self._connections = self._pool.by_thread  # thread id → connection (for tests)
        #: set by an administrator for a new user or a reset passphrase: the user must
        #: choose their own passphrase before doing anything else
        self.must_change_passphrase = False
        #: the user chose to open an older copy (``accept_generation_mismatch``)
        self.accepted_older_copy = False

    # -- creation -------------------------------------------------------------------------
    @classmethod
    def create(
        cls, folder: Path, user: str, passphrase: str, policy: KdfPolicy
    ) -> tuple[Vault, str]:
        """A new vault with ``user`` as its admin; returns it, open, and the recovery code."""
        user = validate_user_name(user)
        passphrase = validate_new_passphrase(passphrase)
        files = VaultFiles(folder)
        if files.exists():
            raise VaultExists(path=str(folder))
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise VaultNotWritable(path=str(folder)) from exc
        lock = acquire(files)
        try:
            if files.exists():  # created by someone else while we waited for the lock
                raise VaultExists(path=str(folder))
            return cls._create_locked(files, lock, user, passphrase, policy)
        except BaseException:
            lock.release()
            raise

    @classmethod
    def create_after_duress(cls, files: VaultFiles, lock: VaultLock, user: str,
                            passphrase: str, start: creation.Start, policy: KdfPolicy) -> Vault:
        """The new, empty vault a duress passphrase leads to (see :mod:`duress`): ``user``
        in their own role under the duress passphrase, made as ``intake init`` makes a
        vault, at the time ``start`` says (when the replaced vault was made), with the
        key already derived; its recovery slot opens with no code anyone knows."""
        vault, _code = cls._create_locked(files, lock, user, passphrase, policy, start)
        conn = vault.connection()
        audit.append(conn, user, audit.AuditAction.LOCK, at=start.at)  # as init's first lock
        vault._slot_file = vault._slot_file.with_audit_head(audit.head(conn),
                                                            vault._require_keys().dbk)
        write_in_place(files.keyslots, keyslots.serialize(vault._slot_file))  # its inode
        unlock_audit.on_unlock(conn, vault.files.folder, vault.user, recovery_code=False)
        return vault

    @classmethod
    def _create_locked(
        cls, files: VaultFiles, lock: VaultLock, user: str, passphrase: str, policy: KdfPolicy,
        start: creation.Start | None = None,
    ) -> tuple[Vault, str]:
        start = start or creation.Start()
        slot_file, keys, code = creation.write_new(files, user, passphrase, policy, start)
        if not start.role.holds_identity_key:
            own = keys.without_identity_key()
            keys.wipe()
            keys = own
        log.info("vault created")
        return cls(files, lock, slot_file, keys, user, start.role), code

    # -- unlocking ------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: Path, user: str, passphrase: str, *,
             accept_generation_mismatch: bool = False,
             meanwhile: Callable[[], object] | None = None) -> Vault:
        """Unlock ``folder`` for ``user``; checks integrity, changes nothing on failure (but
        :mod:`duress`, the wipe after failures); ``meanwhile``: ``unlock_checks.open_user``."""
        files, lock, slot_file = prepare(folder)
        entered: keyslots.DuressPassphraseEntered | None = None
        try:
            try:
                slot, content = unlock_checks.open_user(files, slot_file, user,
                                                        normalize(passphrase), meanwhile)
            except keyslots.DuressPassphraseEntered as exc:
                entered = exc
            derived_at = time.perf_counter()
            if entered is None:
                rekey.finish(files, content.keys.dbk, slot_file.generation)
                vault = cls(files, lock, slot_file, content.keys, user,
                            content.role or Role.ADMIN)
        except BaseException as exc:
            if isinstance(exc, WrongPassphrase):
                unlock_checks.count_failure(files, slot_file, lock)
            lock.release()
            raise
        if entered is not None:
            return duress.start_over(cls.create_after_duress, files, lock, user,
                                     normalize(passphrase), slot_file, entered, derived_at)
        vault._verify_open(slot_id=slot.id, accept_mismatch=accept_generation_mismatch)
        if not slot.nameless:  # format 1 or 2: rewrite it nameless, under the same passphrase
            vault._rewrap_own_slot(normalize(passphrase), keep_must_change=True)
        duress.after_real_unlock(files.folder, derived_at)
        return vault

    @classmethod
    def open_with_recovery_code(
        cls, folder: Path, user: str, code: str, *, accept_generation_mismatch: bool = False
    ) -> Vault:
        """Unlock with the recovery code, as ``user`` (who must exist)."""
        files, lock, slot_file = prepare(folder)
        try:
            slot = slot_file.recovery_slot()
            secret = recovery.normalize(code)
            if slot is None or secret is None:
                raise WrongRecoveryCode()
            content = unlock_checks.unwrap(files, slot_file, slot, secret, WrongRecoveryCode)
            rekey.finish(files, content.keys.dbk, slot_file.generation)
            vault = cls(files, lock, slot_file, content.keys, user, Role.ADMIN)
        except BaseException as exc:
            if isinstance(exc, WrongRecoveryCode):
                unlock_checks.count_failure(files, slot_file, lock)
            lock.release()
            raise
        vault._verify_open(slot_id=None, accept_mismatch=accept_generation_mismatch)
        return vault

    def _verify_open(self, *, slot_id: str | None, accept_mismatch: bool) -> None:
        """Open the database, check it, match it to the key file, log the unlock. Closes on
        failure (a page that fails its HMAC when read: ``DatabaseDamaged``)."""
        try:
            conn = self._open_connection()
            try:
                unlock_checks.check_database(conn, self.files.folder,
                                             self._slot_file.vault_id)
                generation.reconcile(
                    conn, self._slot_file.generation, str(self.files.folder), accept_mismatch
                )
                if accept_mismatch:  # an older copy opened on purpose: its log is the log
                    self.accepted_older_copy = True
                else:
                    unlock_checks.check_audit_head(conn, self.files.folder,
                                                   self._slot_file.audit_head)
                idk = self._require_keys().idk
                if migrations.migrate(conn, idk) and idk is not None:
                    record_index.reconcile(conn, fresh=True)
                self._load_user(conn, slot_id)
                if idk is not None:  # the roles a key operation would seal, untouched
                    roster.check(conn, idk, str(self.files.folder))
                attachments.sweep(conn, self.files.folder, partial=True)  # crash leftovers
                unlock_audit.on_unlock(conn, self.files.folder, self.user,
                                       recovery_code=slot_id is None)
            finally:
                database.checkpoint_and_close(conn)
        except sqlcipher3.DatabaseError as exc:  # a page read here failed its HMAC
            self._drop()
            raise DatabaseDamaged(path=str(self.files.folder)) from exc
        except BaseException:
            self._drop()
            raise

    def _load_user(self, conn: Connection, slot_id: str | None) -> None:
        row = conn.execute(
            "SELECT name, role, slot_id, must_change_passphrase FROM users WHERE name_key = ?",
            (creation.name_key(self.user),)).fetchone()
        if row is None:
            raise UnknownUser()
        name, role, stored_slot, must_change = row
        self.must_change_passphrase = bool(must_change) and slot_id is not None
        if slot_id is not None and (stored_slot != slot_id or role != self.role.value):
            raise KeySlotsTampered(path=str(self.files.folder))
        self.user, self.role = name, Role(role)

    # -- key operations -------------------------------------------------------------------
    def change_passphrase(self, new_passphrase: str) -> None:
        """Rewrap this user's slot under a new passphrase (the data is not re-encrypted)."""
        new_passphrase = validate_new_passphrase(new_passphrase)
        self._rewrap_own_slot(new_passphrase, keep_must_change=False)
        audit.append(self.connection(), self.user, audit.AuditAction.PASSPHRASE_CHANGED)
        log.info("passphrase changed (slot rewrapped)")

    def _rewrap_own_slot(self, passphrase: str, *, keep_must_change: bool) -> None:
        """This user's slot written anew, nameless (fresh key pair, sealed keys) under
        ``passphrase``; its duress box carries over. A file without nameless slots yet
        gets its user salt and parameters here (from the old slot's parameters)."""
        keys = self._require_keys()
        conn = self.connection()
        row = conn.execute(
            "SELECT slot_id FROM users WHERE name_key = ?", (creation.name_key(self.user),)
        ).fetchone()
        old = self._slot_file.slot_by_id(row[0] if row else None)
        file = self._slot_file
        kdf = file.user_kdf or user_slots.new_file_kdf(
            old.kdf if old is not None else self._recovery_params())
        content_keys = keys if self.role.holds_identity_key else keys.without_identity_key()
        try:
            new_slot = user_slots.wrap(
                file.vault_id, kdf, user=self.user, secret=passphrase,
                content=SlotContent(content_keys, self.role), generation=file.generation + 1,
                slot_id=row[0] if row else None, keep=old)
        except slotwrap.DuressMatchesPassphrase as exc:
            raise PassphraseIsDuress() from exc
        users = [dict(r, slot_id=new_slot.id, must_change_passphrase=int(
                     keep_must_change and bool(r["must_change_passphrase"])))
                 if r["name_key"] == creation.name_key(self.user) else r
                 for r in rekey.users_rows(conn)]
        self._write_slot_file(file.resealed(keys.dbk, generation=file.generation + 1,
                                            slots=file.slots_with(new_slot), user_kdf=kdf), users)
        self.must_change_passphrase = keep_must_change and self.must_change_passphrase

    def _recovery_params(self) -> KdfParams:
        slot = self._slot_file.recovery_slot()
        return slot.kdf if slot is not None else KdfParams()

    def _write_slot_file(self, new_file: KeySlotFile,
                         users: Sequence[Mapping[str, Any]] | None = None) -> None:
        """Replace the key file so that a crash at any point is recoverable.

        The database first records the generation about to be written (pending), then the
        key file is replaced atomically, then the database records it as current, with
        ``users`` (the whole users table after the change) when given. Opening finishes an
        interrupted change; anything else is an old copy put back.
        """
        conn = self.connection()
        idk = self._require_keys().idk
        users_mac = (roster.mac(idk, new_file.vault_id, users)
                     if users is not None and idk is not None else None)
        try:
            generation.begin_change(conn, new_file.generation, users, users_mac)
            write_atomic(self.files.keyslots, keyslots.serialize(new_file))
            self._slot_file = new_file
            generation.set_current(conn, new_file.generation)
        except OSError as exc:
            raise StorageFailed(reason=exc.strerror or type(exc).__name__) from exc

    # -- connections ----------------------------------------------------------------------
    def _require_keys(self) -> VaultKeys:
        if self._keys is None:
            raise RuntimeError("the vault is locked")
        return self._keys

    def _open_connection(self) -> Connection:
        return connections.open_connection(self.files, self._require_keys(),
                                           may_remake_index=not self._pool.by_thread)

    def connection(self) -> Connection:
        """This thread's connection, opened on first use (connections are thread-bound)."""
        return self._pool.get()

    def release_thread_connection(self) -> None:
        """Close the calling thread's connection (workers call this when done)."""
        self._pool.release()

    def verify_integrity(self) -> None:
        """The full check (``intake check``): every page's HMAC and every index."""
        try:
            problems = database.integrity_problems(self.connection(), full=True)
        except sqlcipher3.DatabaseError as exc:
            raise DatabaseDamaged(path=str(self.files.folder)) from exc
        if problems:
            log.info("integrity check found %d problems", len(problems))
            raise DatabaseDamaged(path=str(self.files.folder))
        audit.check(self.connection(), self.audit_head)

    def start_background_check(self) -> background_check.Check:
        """``verify_integrity`` (index.db's too) in a child at the lowest priority."""
        idk, folder = self._require_keys().idk, self.files.folder
        return background_check.start(folder, self._require_keys().dbk, self.audit_head,
                                      duress.check_seconds(folder),
                                      private.index_key(idk) if idk is not None else None)

    @property
    def audit_head(self) -> tuple[int, str] | None:
        """The audit log's head as the key file bound it at the last lock."""
        return self._slot_file.audit_head

    @property
    def is_open(self) -> bool:
        return self._keys is not None

    @property
    def identity_key(self) -> bytes | None:
        """The identity key, for the record store; None for roles that do not hold it."""
        keys = self._require_keys()
        return bytes(keys.idk) if keys.idk is not None else None

    @property
    def has_identity_key(self) -> bool:
        return self._keys is not None and self._keys.idk is not None

    @property
    def generation(self) -> int:
        return self._slot_file.generation

    def close(self) -> None:
        """Lock: log it and bind the audit head into the key file, checkpoint (TRUNCATE),
        close every connection, drop the keys, unlock."""
        if self._keys is not None:
            self._slot_file = unlock_audit.on_lock(
                self.connection, self.user, self.files, self._slot_file,
                self._require_keys().dbk, self.accepted_older_copy)
        self.close_connections()
        record_index.forget_matches()  # no kept search result outlives the lock, nor the
        edit_sessions.forget()  # last editing session's logged question ids
        self._drop()

    def close_connections(self) -> None:
        """Checkpoint and close every connection open; the keys stay (``connection()``)."""
        self._pool.close_all()

    def _drop(self) -> None:
        if self._keys is not None:
            self._keys.wipe()
            self._keys = None
        self._lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
