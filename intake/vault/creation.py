"""Writing a new vault: its keys, its two slots (the admin's and the recovery code's), the
database with its metadata and first user, and the key file — removed again if anything
fails, so a half-made vault is never left behind."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from dataclasses import dataclass

from intake.atomic import write_atomic, write_in_place
from intake.domain.roles import Role
from intake.domain.users import normalize_user_name
from intake.errors import StorageFailed
from intake.vault import (
    database,
    generation,
    keyslots,
    migrations,
    private,
    record_index,
    recovery,
    roster,
    slotwrap,
    user_slots,
)
from intake.vault.cost_files import CREATE_COST_NAME, record_cost
from intake.vault.database import transaction
from intake.vault.files import VaultFiles, remove_partial
from intake.vault.kdf import KdfParams, KdfPolicy
from intake.vault.keyslots import KIND_RECOVERY, KIND_USER, KeySlotFile, SlotContent, VaultKeys


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def name_key(user: str) -> str:
    """How a user name is found in the users table (normalized, case-folded)."""
    return normalize_user_name(user).casefold()


@dataclass
class Start:
    """How a new vault begins: as ``intake init`` makes it (the defaults), or as the decoy a
    duress passphrase leads to — the user's own role, the time and key-file generation it
    is to show, and the key already derived (``plan``; format 2: ``template`` and
    ``wrapping_key``, the slot's own salt reused)."""

    role: Role = Role.ADMIN
    at: dt.datetime | None = None
    generation: int = 1
    wipe_after_failures: int | None = None
    plan: keyslots.DecoyPlan | None = None
    template: keyslots.KeySlot | None = None
    wrapping_key: bytes | None = None
    #: the replaced key file's slots in order: (kind, or "own" for the user's slot;
    #: generation; sealed generation; KDF parameters), so that the decoy's has the same
    #: shape: as many slots (it tells how many people use the vault), the same order and
    #: ages; the others are stand-ins no one opens
    layout: tuple[tuple[str, int, int, KdfParams], ...] = ()

    @property
    def decoy(self) -> bool:
        return self.plan is not None or self.wrapping_key is not None

    def time(self) -> str:
        return (self.at or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")


def _user_slot(vault_id: str, user: str, passphrase: str, keys: VaultKeys, policy: KdfPolicy,
               start: Start) -> tuple[keyslots.KeySlot, keyslots.FileKdf | None]:
    content = SlotContent(keys if start.role.holds_identity_key
                          else keys.without_identity_key(), start.role)
    if start.wrapping_key is not None:  # a decoy for a format 2 slot: its salt, tagged
        return slotwrap.wrap(vault_id, kind=KIND_USER, user=user, secret=passphrase,
                             content=content, params=policy.params(),
                             generation=start.generation, keep=start.template,
                             wrapping_key=start.wrapping_key), None
    if start.plan is not None:
        kdf = keyslots.FileKdf(policy.params(), start.plan.salt)
        return user_slots.wrap(vault_id, kdf, user=user, secret=passphrase, content=content,
                               generation=start.generation, key=start.plan.key), kdf
    kdf = user_slots.new_file_kdf(policy.params())
    return user_slots.wrap(vault_id, kdf, user=user, secret=passphrase, content=content,
                           generation=start.generation), kdf


def _laid_out(vault_id: str, kdf: keyslots.FileKdf, user: str, passphrase: str,
              keys: VaultKeys, start: Start) -> tuple[keyslots.KeySlot, ...]:
    """The decoy's slots in the replaced file's layout: the user's own under the prepared
    key, the recovery slot under a random one, stand-ins under random keys holding random
    keys (like any slot, opened by no one)."""
    assert start.plan is not None
    own = SlotContent(keys if start.role.holds_identity_key else keys.without_identity_key(),
                      start.role)
    slots = []
    for kind, made, sealed_at, params in start.layout:
        content = (own if kind == "own" else SlotContent(keys, None) if kind == KIND_RECOVERY
                   else SlotContent(VaultKeys.generate(), start.role))
        if kind == KIND_RECOVERY:
            slot = slotwrap.wrap(vault_id, kind=KIND_RECOVERY, user=None, secret="",
                                 content=content, params=params, generation=made,
                                 wrapping_key=os.urandom(keyslots.KEY_BYTES))
        else:
            slot = user_slots.wrap(
                vault_id, kdf, user=user, secret=passphrase, content=content, generation=made,
                key=start.plan.key if kind == "own" else os.urandom(keyslots.KEY_BYTES))
        slots.append(slot if sealed_at == made else
                     slotwrap.reseal(vault_id, slot, content, sealed_at))
    return tuple(slots)


def write_new(files: VaultFiles, user: str, passphrase: str, policy: KdfPolicy,
              start: Start | None = None) -> tuple[KeySlotFile, VaultKeys, str]:
    """Write a new vault into ``files`` (locked by the caller) with ``user`` in ``start``'s
    role (an admin for ``intake init``); its key file, keys and recovery code. A decoy's
    recovery slot opens with a random key, no code (no second derivation)."""
    start = start or Start()
    params = policy.params()
    vault_id = str(uuid.uuid4())
    keys = VaultKeys.generate()
    code = recovery.generate()
    user_kdf: keyslots.FileKdf | None
    if start.plan is not None and start.layout:  # a decoy in the replaced file's shape
        user_kdf = keyslots.FileKdf(params, start.plan.salt)
        slots = _laid_out(vault_id, user_kdf, user, passphrase, keys, start)
        user_slot = slots[[kind for kind, *_ in start.layout].index("own")]
    else:
        user_slot, user_kdf = _user_slot(vault_id, user, passphrase, keys, policy, start)
        slots = (user_slot, slotwrap.wrap(
            vault_id, kind=KIND_RECOVERY, user=None, secret=recovery.normalize(code) or "",
            content=SlotContent(keys, None), params=params, generation=start.generation,
            wrapping_key=os.urandom(keyslots.KEY_BYTES) if start.decoy else None))
    made_from = time.perf_counter()  # the derivations are done: what a decoy repeats
    slot_file = keyslots.sealed(vault_id, start.generation, slots, keys.dbk,
                                wipe_after_failures=start.wipe_after_failures,
                                user_kdf=user_kdf)
    try:
        conn = database.connect(files.database, keys.dbk, create=True)
        if os.name == "posix":
            os.chmod(files.database, 0o600)
        try:
            migrations.migrate(conn, keys.idk)
            if keys.idk is not None:  # the index too (a decoy's user may hold no key to it)
                record_index.open_attached(conn, files.folder, private.index_key(keys.idk),
                                           may_remake=True, ready=True)
            with transaction(conn):
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("vault_id", vault_id), (generation.GENERATION, str(start.generation)),
                     ("created_at", start.time())],
                )
                conn.execute(
                    "INSERT INTO users (name_key, name, role, slot_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name_key(user), user, start.role.value, user_slot.id, start.time()),
                )
                roster.store(conn, keys.idk or b"")  # a new vault's keys always carry it
        finally:
            database.checkpoint_and_close(conn)
        (write_in_place if start.decoy else write_atomic)(  # (a decoy: into the emptied
            files.keyslots, keyslots.serialize(slot_file))  # key file, see wipe._scrubbed)
        if not start.decoy:  # (a decoy keeps the figure of the vault it replaced)
            record_cost(files.folder, time.perf_counter() - made_from, CREATE_COST_NAME)
    except OSError as exc:
        remove_partial(files)
        raise StorageFailed(reason=exc.strerror or type(exc).__name__) from exc
    except BaseException:
        remove_partial(files)
        raise
    return slot_file, keys, code
