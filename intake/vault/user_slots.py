"""User slots that name no one (key file format 3).

An unlock derives ONE key: Argon2id over the user name and the passphrase together, with
the key file's own salt and parameters (``KeySlotFile.user_kdf``). From it come, by HKDF,
the *check* that finds the user's slot among all of them, the key that opens the slot's
private half, and the key of every slot's *duress box*. So:

- a key file lists no names: testing a guessed name costs a full derivation, exactly like
  testing a passphrase, and an unknown name does the same work and gets the same answer as
  a wrong passphrase;
- an unlock costs one derivation whatever the number of slots (the rest is HMAC and
  AES-GCM trials, microseconds each);
- a check that matches a slot whose tag then fails means the slot was edited (tampering),
  never "wrong passphrase".

The duress box (fixed size, random when no duress passphrase is set) is sealed under the
key the duress passphrase derives. It holds what the decoy vault needs, prepared when the
duress passphrase was set: a fresh salt and the key the same name and duress passphrase
derive with it, the time the vault was made and the user's role then. A duress unlock therefore
makes the decoy with fresh salts and ids as ``intake init`` would, with no second (and
telltale) derivation.
"""

from __future__ import annotations

import hmac
import os
import time
import uuid
from dataclasses import replace

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.domain.roles import Role
from intake.vault import sealing, slotwrap
from intake.vault.kdf import SALT_BYTES, KdfParams, derive
from intake.vault.keyslots import (
    CHECK_BYTES,
    DURESS_BOX_BYTES,
    FORMAT,
    KEY_BYTES,
    KIND_USER,
    NONCE_BYTES,
    ROLE_BYTES,
    DecoyPlan,
    DuressPassphraseEntered,
    FileKdf,
    KeySlot,
    KeySlotFile,
    SlotContent,
    SlotEdited,
    SlotTagInvalid,
    canonical,
    kdf_json,
    name_bytes,
)

_PLAN_BYTES = SALT_BYTES + KEY_BYTES + 8 + ROLE_BYTES


def new_file_kdf(params: KdfParams) -> FileKdf:
    return FileKdf(params, os.urandom(SALT_BYTES))


def _kdf_input(user: str, secret: str) -> bytes:
    """Name and passphrase, unambiguously joined (the name length-prefixed)."""
    name = name_bytes(user)
    return b"intake user slot v3\0" + len(name).to_bytes(4, "big") + name + secret.encode()


def derive_user_key(kdf: FileKdf, user: str, secret: str) -> bytearray:
    """The one derivation of an unlock (``secret`` already normalized)."""
    return bytearray(derive(_kdf_input(user, secret), kdf.salt, kdf.params))


def _sub(key: bytes | bytearray, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(bytes(key))


def _check(key: bytes | bytearray) -> bytes:
    return _sub(key, b"intake slot check v3")[:CHECK_BYTES]


def _aad(vault_id: str, slot: KeySlot) -> bytes:
    assert slot.public_key is not None and slot.check is not None
    return canonical({"format": FORMAT, "vault_id": vault_id, "slot_id": slot.id,
                      "kind": slot.kind, "generation": slot.generation,
                      "kdf": kdf_json(slot.kdf, slot.salt), "check": slot.check.hex(),
                      "public_key": slot.public_key.hex()})


def _duress_aad(vault_id: str, slot_id: str) -> bytes:
    return canonical({"purpose": "intake duress v3", "vault_id": vault_id, "slot_id": slot_id})


def wrap(vault_id: str, kdf: FileKdf, *, user: str, secret: str, content: SlotContent,
         generation: int, slot_id: str | None = None, keep: KeySlot | None = None,
         key: bytes | bytearray | None = None) -> KeySlot:
    """A new nameless slot for ``user`` under ``secret`` (normalized) holding ``content``.

    ``keep``: the slot this one replaces (same id); its duress box carries over, and
    ``secret`` may not be its duress passphrase. ``key``: the derivation already made."""
    own = key is None
    key = derive_user_key(kdf, user, secret) if key is None else bytearray(key)
    private, public = sealing.new_key_pair()
    try:
        slot_id = slot_id or (keep.id if keep is not None else str(uuid.uuid4()))
        box = keep.duress if keep is not None and keep.nameless else None
        if box is not None and _open_box(key, vault_id, slot_id, box) is not None:
            raise slotwrap.DuressMatchesPassphrase()
        slot = KeySlot(id=slot_id, kind=KIND_USER, user_tag=None, generation=generation,
                       kdf=kdf.params, salt=kdf.salt, nonce=os.urandom(NONCE_BYTES),
                       ciphertext=b"", public_key=public,
                       duress=box or os.urandom(DURESS_BOX_BYTES), check=_check(key))
        ciphertext = AESGCM(_sub(key, b"intake slot wrap v3")).encrypt(
            slot.nonce, bytes(private), _aad(vault_id, slot))
    finally:
        private[:] = bytes(len(private))
        if own:
            key[:] = bytes(len(key))
    return slotwrap.reseal(vault_id, replace(slot, ciphertext=ciphertext), content, generation)


def open_user(file: KeySlotFile, user: str, secret: str) -> tuple[KeySlot, SlotContent]:
    """The slot ``user`` opens with ``secret`` (normalized), and its keys: one derivation.

    Raises ``SlotTagInvalid`` (unknown user or wrong passphrase: the same work either
    way), ``DuressPassphraseEntered``, ``SlotEdited`` or ``SlotFileDamaged``."""
    tagged = file.tagged_slot(user)
    if tagged is not None:  # a format 2 slot, found by its name tag
        return tagged, slotwrap.unwrap(file.vault_id, tagged, secret)
    key = derive_user_key(file.user_kdf or _stand_in(file), user, secret)
    try:
        return _open_with_key(file, key)
    finally:
        key[:] = bytes(len(key))


def _stand_in(file: KeySlotFile) -> FileKdf:
    """A file of format 2 with no nameless slot: derive anyway, so that an unknown name
    costs what a wrong passphrase does."""
    params = next((s.kdf for s in file.slots), KdfParams())
    return FileKdf(params, bytes(SALT_BYTES))


def _open_with_key(file: KeySlotFile, key: bytearray) -> tuple[KeySlot, SlotContent]:
    check = _check(key)
    found = [s for s in file.nameless_slots()
             if hmac.compare_digest(s.check or b"", check)]
    if not found:
        for candidate in file.nameless_slots():
            plan = _open_box(key, file.vault_id, candidate.id, candidate.duress or b"")
            if plan is not None:
                plan.slot_id = candidate.id
                raise DuressPassphraseEntered(decoy=plan)
        raise SlotTagInvalid()
    slot = found[0]
    try:
        private = AESGCM(_sub(key, b"intake slot wrap v3")).decrypt(
            slot.nonce, slot.ciphertext, _aad(file.vault_id, slot))
    except InvalidTag as exc:  # the right name and passphrase found it: it was edited
        raise SlotEdited() from exc
    return slot, slotwrap.open_sealed(file.vault_id, slot, bytearray(private))


# -- the duress box -----------------------------------------------------------------------
def _open_box(key: bytes | bytearray, vault_id: str, slot_id: str,
              box: bytes) -> DecoyPlan | None:
    try:
        plain = AESGCM(_sub(key, b"intake duress v3")).decrypt(
            box[:NONCE_BYTES], box[NONCE_BYTES:], _duress_aad(vault_id, slot_id))
    except (InvalidTag, ValueError):
        return None
    salt, rest = plain[:SALT_BYTES], plain[SALT_BYTES:]
    decoy_key, rest = bytearray(rest[:KEY_BYTES]), rest[KEY_BYTES:]
    made_at, role = int.from_bytes(rest[:8], "big"), rest[8:].rstrip(b"\0").decode("ascii")
    return DecoyPlan(salt, decoy_key, made_at, Role(role))


def with_duress(vault_id: str, kdf: FileKdf, slot: KeySlot, *, user: str,
                duress_secret: str | None, role: Role, made_at: int | None = None) -> KeySlot:
    """``slot`` with a duress passphrase (normalized) set for ``user``, or cleared (None:
    random bytes, indistinguishable from a set box). Costs two derivations: the duress
    passphrase's with this file's salt (to seal the box) and with a fresh salt (the decoy's
    key, prepared now so a duress unlock needs none). Refuses ``user``'s own passphrase.
    ``made_at`` (seconds since the epoch): when the decoy is to say it was made, the time
    the vault was made (its files' birth times; None: now)."""
    if not slot.nameless:
        raise ValueError("only a nameless user slot has a duress box")
    if duress_secret is None:
        return replace(slot, duress=os.urandom(DURESS_BOX_BYTES))
    key = derive_user_key(kdf, user, duress_secret)
    try:
        if hmac.compare_digest(_check(key), slot.check or b""):
            raise slotwrap.DuressMatchesPassphrase()
        decoy_kdf = new_file_kdf(kdf.params)
        decoy_key = derive_user_key(decoy_kdf, user, duress_secret)
        made = int(time.time() if made_at is None else made_at)
        plan = (decoy_kdf.salt + bytes(decoy_key) + made.to_bytes(8, "big")
                + role.value.encode("ascii").ljust(ROLE_BYTES, b"\0"))
        decoy_key[:] = bytes(len(decoy_key))
        assert len(plan) == _PLAN_BYTES
        nonce = os.urandom(NONCE_BYTES)
        box = nonce + AESGCM(_sub(key, b"intake duress v3")).encrypt(
            nonce, plan, _duress_aad(vault_id, slot.id))
    finally:
        key[:] = bytes(len(key))
    assert len(box) == DURESS_BOX_BYTES
    return replace(slot, duress=box)
