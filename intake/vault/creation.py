"""Writing a new vault: its keys, its two slots (the admin's and the recovery code's), the
database with its metadata and first user, and the key file — removed again if anything
fails, so a half-made vault is never left behind."""

from __future__ import annotations

import datetime as dt
import os
import uuid

from intake.atomic import write_atomic
from intake.domain.roles import Role
from intake.domain.users import normalize_user_name
from intake.errors import StorageFailed
from intake.vault import (
    database,
    generation,
    keyslots,
    migrations,
    recovery,
    roster,
    slotwrap,
)
from intake.vault.database import transaction
from intake.vault.files import VaultFiles, remove_partial
from intake.vault.kdf import KdfPolicy
from intake.vault.keyslots import KIND_RECOVERY, KIND_USER, KeySlotFile, SlotContent, VaultKeys


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def name_key(user: str) -> str:
    """How a user name is found in the users table (normalized, case-folded)."""
    return normalize_user_name(user).casefold()


def write_new(files: VaultFiles, user: str, passphrase: str, policy: KdfPolicy, *,
              template: keyslots.KeySlot | None = None, wrapping_key: bytes | None = None
              ) -> tuple[KeySlotFile, VaultKeys, str]:
    """Write a new vault into ``files`` (locked by the caller) with ``user`` as its admin;
    its key file, keys and recovery code. ``template`` and ``wrapping_key``: the user's slot
    reuses a key already derived (after a duress passphrase; the recovery slot then opens
    with a random key, no code)."""
    params = policy.params()
    vault_id = str(uuid.uuid4())
    keys = VaultKeys.generate()
    code = recovery.generate()
    first_generation = 1
    user_slot = slotwrap.wrap(
        vault_id, kind=KIND_USER, user=user, secret=passphrase,
        content=SlotContent(keys, Role.ADMIN), params=params, generation=first_generation,
        keep=template, wrapping_key=wrapping_key,
    )
    recovery_slot = slotwrap.wrap(
        vault_id, kind=KIND_RECOVERY, user=None, secret=recovery.normalize(code) or "",
        content=SlotContent(keys, None), params=params, generation=first_generation,
        # after duress: a random key in place of the code's (no second derivation)
        wrapping_key=os.urandom(keyslots.KEY_BYTES) if wrapping_key is not None else None,
    )
    slots = (user_slot, recovery_slot)
    slot_file = keyslots.sealed(vault_id, first_generation, slots, keys.dbk)
    try:
        conn = database.connect(files.database, keys.dbk, create=True)
        if os.name == "posix":
            os.chmod(files.database, 0o600)
        try:
            migrations.migrate(conn, keys.idk)
            with transaction(conn):
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, ?)",
                    [("vault_id", vault_id), (generation.GENERATION, str(first_generation)),
                     ("created_at", now())],
                )
                conn.execute(
                    "INSERT INTO users (name_key, name, role, slot_id, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (name_key(user), user, Role.ADMIN.value, user_slot.id, now()),
                )
                roster.store(conn, keys.idk or b"")  # a new vault's keys always carry it
        finally:
            database.checkpoint_and_close(conn)
        write_atomic(files.keyslots, keyslots.serialize(slot_file))
    except OSError as exc:
        remove_partial(files)
        raise StorageFailed(reason=exc.strerror or type(exc).__name__) from exc
    except BaseException:
        remove_partial(files)
        raise
    return slot_file, keys, code
