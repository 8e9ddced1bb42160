"""Users of a vault and their keys: add, list, change role, reset a passphrase,
remove. Who may call these is the services' business; this module keeps keys and the
users table consistent.

- **Add**: a new slot (fresh key pair) under an initial passphrase that the user must
  replace at first unlock; the identity key goes in only for roles that hold it.
- **Change role**: the user's slot gets its keys sealed anew, with or without the identity
  key, without their passphrase. Taking the identity key *away* rekeys everything (the
  person may have kept it): see ``remove``.
- **Remove** (and taking the identity key away): new database and identity keys; the
  database is copied under them (:mod:`intake.vault.rekey`), identity sections are
  re-encrypted, the new keys are sealed to every remaining slot, the removed slot is gone,
  and a new recovery code replaces the old one (the person may have seen it). A copied old
  key file or passphrase no longer opens the vault.

Every change of users is written with the key file through the generation protocol
(docs/vault.md), so a crash leaves either the old state or the new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from intake.atomic import write_atomic
from intake.domain.roles import Role
from intake.domain.users import (
    look_alike_key,
    normalize_user_name,
    validate_new_passphrase,
    validate_user_name,
)
from intake.errors import InvalidInput, PassphraseIsDuress, StorageFailed
from intake.i18n import N_
from intake.vault import audit, keyslots, recovery, rekey, roster, slotwrap, user_slots
from intake.vault.keyslots import KIND_RECOVERY, KeySlot, SlotContent, VaultKeys
from intake.vault.vault import Vault


class UserExists(InvalidInput):
    template = N_("There is already a user named {name} in this vault.")


class NoSuchUser(InvalidInput):
    template = N_("There is no user named {name} in this vault.")


class LastAdministrator(InvalidInput):
    template = N_("This would leave the vault without an administrator. Make another user "
                  "an administrator first.")


class CannotChangeOwnAccount(InvalidInput):
    template = N_("You cannot remove yourself or change your own role; another "
                  "administrator must do it.")


class SlotNeedsUnlock(InvalidInput):
    template = N_("The key slot of {name} was written by an older version of intake: {name} "
                  "must unlock the vault once before keys can be changed for everyone.")


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: Role
    created_at: str
    must_change_passphrase: bool


def _key(name: str) -> str:
    return normalize_user_name(name).casefold()


def list_users(vault: Vault) -> list[UserInfo]:
    return [UserInfo(row["name"], Role(row["role"]), row["created_at"],
                     bool(row["must_change_passphrase"]))
            for row in rekey.users_rows(vault.connection())]


def _rows(vault: Vault) -> list[dict[str, Any]]:
    """The users table, checked against its MAC (vault/roster.py) before a key operation
    seals anything from it: a role rewritten by a holder of the database key alone would
    otherwise be handed the identity key."""
    conn = vault.connection()
    idk = vault._require_keys().idk
    if idk is None:
        raise RuntimeError("changing users needs the identity key")
    roster.check(conn, idk, str(vault.files.folder))
    return rekey.users_rows(conn)


def _find(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    row = next((r for r in rows if r["name_key"] == _key(name)), None)
    if row is None:
        raise NoSuchUser(name=normalize_user_name(name))
    return row


def _content(keys: VaultKeys, role: Role) -> SlotContent:
    return SlotContent(keys if role.holds_identity_key else keys.without_identity_key(), role)


def _params(vault: Vault) -> Any:
    file = vault._slot_file
    return file.user_kdf.params if file.user_kdf is not None else vault._recovery_params()


def _user_kdf(vault: Vault) -> keyslots.FileKdf:
    """The salt and parameters of the file's nameless slots (new ones for a file read as
    format 2 that has none yet)."""
    return vault._slot_file.user_kdf or user_slots.new_file_kdf(_params(vault))


def _with_user_slot(vault: Vault, slot: KeySlot, kdf: keyslots.FileKdf) -> keyslots.KeySlotFile:
    file = vault._slot_file
    return file.resealed(vault._require_keys().dbk, generation=file.generation + 1,
                         slots=file.slots_with(slot), user_kdf=kdf)


def add_user(vault: Vault, name: str, role: Role, passphrase: str) -> UserInfo:
    """A new user with ``role`` and an initial ``passphrase`` to change at first unlock."""
    name = validate_user_name(name)
    passphrase = validate_new_passphrase(passphrase)
    rows = _rows(vault)
    if any(look_alike_key(r["name"]) == look_alike_key(name) for r in rows):
        raise UserExists(name=name)  # the same name, or one that only looks the same
    keys = vault._require_keys()
    file = vault._slot_file
    kdf = _user_kdf(vault)
    slot = user_slots.wrap(file.vault_id, kdf, user=name, secret=passphrase,
                           content=_content(keys, role), generation=file.generation + 1)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    rows.append({"name_key": _key(name), "name": name, "role": role.value,
                 "slot_id": slot.id, "created_at": created, "must_change_passphrase": 1})
    vault._write_slot_file(_with_user_slot(vault, slot, kdf), rows)
    _log(vault, audit.AuditAction.USER_ADDED, target_user=name, role=role.value)
    return UserInfo(name, role, created, True)


def reset_passphrase(vault: Vault, name: str, passphrase: str) -> None:
    """A new slot for ``name`` under an initial passphrase they must change (their old
    passphrase stops working)."""
    passphrase = validate_new_passphrase(passphrase)
    rows = _rows(vault)
    row = _find(rows, name)
    keys = vault._require_keys()
    file = vault._slot_file
    old = file.slot_by_id(row["slot_id"])
    kdf = _user_kdf(vault)
    try:
        slot = user_slots.wrap(file.vault_id, kdf, user=row["name"], secret=passphrase,
                               content=_content(keys, Role(row["role"])),
                               generation=file.generation + 1, slot_id=row["slot_id"],
                               keep=old)
    except slotwrap.DuressMatchesPassphrase as exc:
        raise PassphraseIsDuress() from exc
    row["must_change_passphrase"] = 1
    vault._write_slot_file(_with_user_slot(vault, slot, kdf), rows)
    _log(vault, audit.AuditAction.PASSPHRASE_RESET, target_user=row["name"])


def set_role(vault: Vault, name: str, role: Role) -> str | None:
    """Give ``name`` a new role. Returns the new recovery code when the change took the
    identity key away (everything was rekeyed), else None."""
    rows = _rows(vault)
    row = _find(rows, name)
    old = Role(row["role"])
    _check_not_self(vault, row)
    row["role"] = role.value
    _check_an_admin_remains(rows)
    if old is role:
        return None
    code = None
    if old.holds_identity_key and not role.holds_identity_key:
        code = _rotate(vault, rows)
    else:
        file = vault._slot_file
        slot = _slot_of(vault, row)
        keys = vault._require_keys()
        resealed = slotwrap.reseal(file.vault_id, slot, _content(keys, role),
                                   file.generation + 1)
        vault._write_slot_file(file.with_slot(resealed, keys.dbk), rows)
    _log(vault, audit.AuditAction.ROLE_CHANGED, target_user=row["name"], role=role.value,
         previous_role=old.value)
    return code


def remove_user(vault: Vault, name: str) -> str:
    """Remove ``name`` and rekey the vault; returns the new recovery code (shown once)."""
    rows = _rows(vault)
    row = _find(rows, name)
    _check_not_self(vault, row)
    rest = [r for r in rows if r is not row]
    _check_an_admin_remains(rest)
    code = _rotate(vault, rest)
    _log(vault, audit.AuditAction.USER_REMOVED, target_user=row["name"], role=row["role"])
    return code


def set_duress_passphrase(vault: Vault, name: str, passphrase: str | None) -> None:
    """Set ``name``'s duress passphrase, or remove it (``None``). The verifier is replaced
    by random bytes when removed, so the key file looks the same either way."""
    secret = validate_new_passphrase(passphrase) if passphrase is not None else None
    rows = _rows(vault)
    row = _find(rows, name)
    slot = _slot_of(vault, row)
    kdf = vault._slot_file.user_kdf
    if not slot.nameless or kdf is None:  # format 2: rewritten at its user's next unlock
        raise SlotNeedsUnlock(name=row["name"])
    try:
        new_slot = user_slots.with_duress(vault._slot_file.vault_id, kdf, slot,
                                          user=row["name"], duress_secret=secret,
                                          role=Role(row["role"]), made_at=_made_at(vault))
    except slotwrap.DuressMatchesPassphrase as exc:
        raise PassphraseIsDuress() from exc
    keys = vault._require_keys()
    vault._write_slot_file(vault._slot_file.with_slot(new_slot, keys.dbk), rows)
    # Which user has a duress passphrase is not said: anyone a vault is opened to under
    # coercion could read it (the entry says only that this user's security changed).
    _log(vault, audit.AuditAction.SECURITY_CHANGED, target_user=row["name"])


def _made_at(vault: Vault) -> int | None:
    """When the vault was made (seconds since the epoch), which its decoy is to say of
    itself: its files were born then, and a decoy is written into them (review d8: a decoy
    dated when the duress passphrase was set began its log after its files' birth)."""
    row = vault.connection().execute("SELECT value FROM meta WHERE key = 'created_at'"
                                     ).fetchone()
    try:
        return int(dt.datetime.fromisoformat(str(row[0])).timestamp()) if row else None
    except ValueError:
        return None


class WipeLimitOutOfRange(InvalidInput):
    template = N_("The number of failed unlocks must be between {low} and {high}.")


def set_wipe_after_failures(vault: Vault, count: int | None) -> None:
    """Destroy the vault after ``count`` failed unlocks in a row (``None``: never)."""
    low, high = keyslots.WIPE_AFTER_RANGE
    if count is not None and not low <= count <= high:
        raise WipeLimitOutOfRange(low=low, high=high)
    keys = vault._require_keys()
    vault._write_slot_file(vault._slot_file.with_wipe_after_failures(count, keys.dbk))
    _log(vault, audit.AuditAction.SECURITY_CHANGED, wipe_after_failed_unlocks=count or 0)


def wipe_after_failures(vault: Vault) -> int | None:
    return vault._slot_file.wipe_after_failures


def _log(vault: Vault, action: audit.AuditAction, **detail: str | bool | int) -> None:
    audit.append(vault.connection(), vault.user, action, detail=detail)


def new_recovery_code(vault: Vault) -> str:
    """Replace the recovery slot with one under a new code (returned, to show once): when
    the old code may have been seen, or was never written down after a rekey."""
    keys = vault._require_keys()
    if keys.idk is None:  # the recovery slot holds every key
        raise RuntimeError("a new recovery code needs the identity key")
    file = vault._slot_file
    old = file.recovery_slot()
    code = recovery.generate()
    slot = slotwrap.wrap(
        file.vault_id, kind=KIND_RECOVERY, user=None, secret=recovery.normalize(code) or "",
        content=SlotContent(keys, None), params=old.kdf if old is not None else _params(vault),
        generation=file.generation + 1, slot_id=old.id if old is not None else None)
    vault._write_slot_file(file.with_slot(slot, keys.dbk))
    _log(vault, audit.AuditAction.PASSPHRASE_RESET, recovery_code=True)
    return code


def _check_not_self(vault: Vault, row: dict[str, Any]) -> None:
    if row["name_key"] == _key(vault.user):
        raise CannotChangeOwnAccount()


def _check_an_admin_remains(rows: list[dict[str, Any]]) -> None:
    if not any(r["role"] == Role.ADMIN.value for r in rows):
        raise LastAdministrator()


def _slot_of(vault: Vault, row: dict[str, Any]) -> KeySlot:
    slot = next((s for s in vault._slot_file.slots if s.id == row["slot_id"]), None)
    if slot is None or slot.legacy:
        raise SlotNeedsUnlock(name=row["name"])
    return slot


def _rotate(vault: Vault, rows: list[dict[str, Any]]) -> str:
    """New keys for everyone in ``rows`` (the users after the change): the database copied
    under them, sealed to each slot, a new recovery slot; returns the new recovery code."""
    old_keys = vault._require_keys()
    if old_keys.idk is None:  # identity sections could never be opened again
        raise RuntimeError("rekeying needs the identity key")
    file = vault._slot_file
    target = file.generation + 1
    slots = [_slot_of(vault, row) for row in rows]  # refuses before anything is written
    new_keys = VaultKeys.generate()
    sealed = [slotwrap.reseal(file.vault_id, slot, _content(new_keys, Role(row["role"])),
                              target) for slot, row in zip(slots, rows, strict=True)]
    code = recovery.generate()
    old_recovery = file.recovery_slot()
    recovery_slot = slotwrap.wrap(
        file.vault_id, kind=KIND_RECOVERY, user=None, secret=recovery.normalize(code) or "",
        content=SlotContent(new_keys, None),
        params=old_recovery.kdf if old_recovery is not None else _params(vault),
        generation=target)
    new_file = keyslots.sealed(file.vault_id, target, (*sealed, recovery_slot), new_keys.dbk,
                               audit_head=file.audit_head,
                               wipe_after_failures=file.wipe_after_failures,
                               user_kdf=file.user_kdf)
    assert new_keys.idk is not None
    identity_keys = (bytes(old_keys.idk), bytes(new_keys.idk))
    conn = vault.connection()
    try:
        rekey.write_copy(conn, vault.files, new_keys.dbk, users=rows,
                         new_generation=target, identity_keys=identity_keys)
        vault.close_connections()
        write_atomic(vault.files.keyslots, keyslots.serialize(new_file))
        rekey.swap_in(vault.files)
    except OSError as exc:
        new_keys.wipe()
        raise StorageFailed(reason=exc.strerror or type(exc).__name__) from exc
    old_keys.wipe()
    vault._keys = new_keys
    vault._slot_file = new_file
    return code
