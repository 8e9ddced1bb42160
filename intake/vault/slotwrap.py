"""Wrapping the vault's keys in a slot, and opening them again (the slots themselves and the
key file are :mod:`intake.vault.keyslots`).

A slot's private key (format 2) or the keys themselves (format 1) are encrypted with
AES-256-GCM under Argon2id of the passphrase; in format 2 the keys are sealed to the slot's
public key with HPKE (:mod:`intake.vault.sealing`), so they can be sealed anew without the
passphrase (:func:`reseal`).

A user slot also carries a *duress verifier*: an HMAC under the key that a duress
passphrase derives with the slot's own salt and parameters (random when none is set). The
one derivation an unlock makes therefore answers both questions — "is this the passphrase?"
and, only when it is not, "is this the duress passphrase?" — so both take the same time.
The verifier depends on the salt, which is why rewriting a slot under a new passphrase
keeps its salt and parameters (:func:`wrap` with ``keep``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
import uuid
from dataclasses import replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.domain.roles import Role
from intake.vault import sealing
from intake.vault.kdf import SALT_BYTES, KdfParams, derive
from intake.vault.keyslots import (
    DURESS_BYTES,
    FORMAT_V1,
    FORMAT_V2,
    HAS_IDK,
    KEY_BYTES,
    KIND_USER,
    NONCE_BYTES,
    PAYLOAD_VERSION,
    ROLE_BYTES,
    DuressPassphraseEntered,
    KeySlot,
    SlotContent,
    SlotFileDamaged,
    SlotTagInvalid,
    VaultKeys,
    canonical,
    kdf_json,
    user_tag,
)

#: The label binding a passphrase part (format 2 slots) and every sealed box (all slots) to
#: their purpose: the format that introduced them, kept as it is so those slots still open
SEAL_LABEL = FORMAT_V2


class DuressMatchesPassphrase(Exception):
    """A duress passphrase must differ from the slot's passphrase (it would never fire)."""


def _aad(vault_id: str, slot: KeySlot) -> bytes:
    """What the passphrase part is bound to (legacy slots: as format 1 wrote it)."""
    bound: dict[str, Any] = {
        "format": FORMAT_V1 if slot.legacy else SEAL_LABEL,
        "vault_id": vault_id,
        "slot_id": slot.id,
        "kind": slot.kind,
        "user_tag": slot.user_tag,
        "generation": slot.generation,
        "kdf": kdf_json(slot.kdf, slot.salt),
    }
    if slot.public_key is not None:
        bound["public_key"] = hashlib.sha256(slot.public_key).hexdigest()
    return canonical(bound)


def _info(vault_id: str, slot: KeySlot, sealed_generation: int) -> bytes:
    """What a sealed box is bound to: the slot it belongs to and when it was sealed."""
    assert slot.public_key is not None
    return canonical({
        "format": SEAL_LABEL, "vault_id": vault_id, "slot_id": slot.id, "kind": slot.kind,
        "user_tag": slot.user_tag, "sealed_generation": sealed_generation,
        "public_key": hashlib.sha256(slot.public_key).hexdigest()})


def _payload(content: SlotContent) -> bytes:
    keys = content.keys
    flags = HAS_IDK if keys.idk is not None else 0
    role = (content.role.value if content.role else "").encode("ascii").ljust(ROLE_BYTES, b"\0")
    idk = bytes(keys.idk) if keys.idk is not None else bytes(KEY_BYTES)
    return struct.pack("BB", PAYLOAD_VERSION, flags) + bytes(keys.dbk) + idk + role


def _parse_payload(data: bytes) -> SlotContent:
    if len(data) < 2 + 2 * KEY_BYTES or data[0] != PAYLOAD_VERSION:
        raise SlotFileDamaged("payload")
    flags = data[1]
    dbk = bytearray(data[2 : 2 + KEY_BYTES])
    idk = bytearray(data[2 + KEY_BYTES : 2 + 2 * KEY_BYTES]) if flags & HAS_IDK else None
    # padded to ROLE_BYTES (equal lengths for every role); unpadded in older files
    role_text = data[2 + 2 * KEY_BYTES :].rstrip(b"\0").decode("ascii", errors="strict")
    try:
        role = Role(role_text) if role_text else None
    except ValueError as exc:
        raise SlotFileDamaged("role") from exc
    return SlotContent(VaultKeys(dbk, idk), role)


def _duress_info(vault_id: str, slot: KeySlot) -> bytes:
    return canonical({"purpose": "intake duress v1", "vault_id": vault_id, "slot_id": slot.id,
                      "user_tag": slot.user_tag, "kdf": kdf_json(slot.kdf, slot.salt)})


def _duress_verifier(wrapping_key: bytes, vault_id: str, slot: KeySlot) -> bytes:
    return hmac.new(wrapping_key, _duress_info(vault_id, slot), hashlib.sha256).digest()


def wrap(
    vault_id: str,
    *,
    kind: str,
    user: str | None,
    secret: str,
    content: SlotContent,
    params: KdfParams,
    generation: int,
    slot_id: str | None = None,
    keep: KeySlot | None = None,
    wrapping_key: bytes | None = None,
) -> KeySlot:
    """A new slot holding ``content``, opened by ``secret`` (already normalized): a fresh
    key pair, its private half under the passphrase, ``content`` sealed to it.

    ``keep``: the slot this one replaces under a new passphrase; its salt, parameters and
    duress verifier carry over (so a duress passphrase survives a change of passphrase).
    ``wrapping_key``: the key ``secret`` derives with ``keep``'s salt, already computed.
    """
    private, public = sealing.new_key_pair()
    slot = KeySlot(
        id=slot_id or str(uuid.uuid4()),
        kind=kind,
        user_tag=user_tag(vault_id, user) if user is not None else None,
        generation=generation,
        kdf=keep.kdf if keep is not None and not keep.legacy else params,
        salt=keep.salt if keep is not None and not keep.legacy else os.urandom(SALT_BYTES),
        nonce=os.urandom(NONCE_BYTES),
        ciphertext=b"",
        public_key=public,
        duress=(None if kind != KIND_USER else
                keep.duress if keep is not None and keep.duress is not None
                else os.urandom(DURESS_BYTES)),
    )
    if wrapping_key is None:
        wrapping_key = derive(secret.encode("utf-8"), slot.salt, slot.kdf)
    if slot.duress is not None and hmac.compare_digest(
            _duress_verifier(wrapping_key, vault_id, slot), slot.duress):
        raise DuressMatchesPassphrase()
    try:
        ciphertext = AESGCM(wrapping_key).encrypt(slot.nonce, bytes(private),
                                                  _aad(vault_id, slot))
    finally:
        private[:] = bytes(len(private))
    return reseal(vault_id, replace(slot, ciphertext=ciphertext), content, generation)


def reseal(vault_id: str, slot: KeySlot, content: SlotContent, generation: int) -> KeySlot:
    """``slot`` with ``content`` sealed to it anew (no passphrase needed): how keys reach
    other users' slots when they change."""
    if slot.public_key is None:
        raise ValueError("a legacy slot cannot be resealed")
    box = sealing.seal(slot.public_key, _payload(content), _info(vault_id, slot, generation))
    return replace(slot, sealed=box, sealed_generation=generation)


def with_duress(vault_id: str, slot: KeySlot, duress_secret: str | None) -> KeySlot:
    """``slot`` with a duress passphrase (already normalized) set, or cleared (``None``:
    a new random verifier, indistinguishable from a set one). Costs one derivation; refuses
    the slot's own passphrase."""
    if slot.legacy or slot.kind != KIND_USER:
        raise ValueError("only a sealed user slot has a duress verifier")
    if duress_secret is None:
        return replace(slot, duress=os.urandom(DURESS_BYTES))
    key = derive(duress_secret.encode("utf-8"), slot.salt, slot.kdf)
    try:
        AESGCM(key).decrypt(slot.nonce, slot.ciphertext, _aad(vault_id, slot))
    except InvalidTag:
        return replace(slot, duress=_duress_verifier(key, vault_id, slot))
    raise DuressMatchesPassphrase()


def unwrap(vault_id: str, slot: KeySlot, secret: str) -> SlotContent:
    wrapping_key = derive(secret.encode("utf-8"), slot.salt, slot.kdf)
    try:
        inner = AESGCM(wrapping_key).decrypt(slot.nonce, slot.ciphertext, _aad(vault_id, slot))
    except InvalidTag as exc:
        if slot.duress is not None and hmac.compare_digest(
                _duress_verifier(wrapping_key, vault_id, slot), slot.duress):
            raise DuressPassphraseEntered(wrapping_key) from None
        raise SlotTagInvalid() from exc
    if slot.legacy:
        return _parse_payload(inner)
    return open_sealed(vault_id, slot, bytearray(inner))


def open_sealed(vault_id: str, slot: KeySlot, private: bytearray) -> SlotContent:
    """The keys sealed to ``slot``, opened with its private half (zeroed after)."""
    try:
        assert slot.sealed is not None and slot.sealed_generation is not None
        payload = sealing.open_box(private, slot.sealed,
                                   _info(vault_id, slot, slot.sealed_generation))
    except sealing.SealedBoxInvalid as exc:  # the passphrase was right: damage or tamper
        raise SlotFileDamaged("sealed") from exc
    finally:
        private[:] = bytes(len(private))
    return _parse_payload(payload)


