"""Wrapping the vault's keys in a slot, and opening them again (the slots themselves and the
key file are :mod:`intake.vault.keyslots`).

A slot's private key (format 2) or the keys themselves (format 1) are encrypted with
AES-256-GCM under Argon2id of the passphrase; in format 2 the keys are sealed to the slot's
public key with HPKE (:mod:`intake.vault.sealing`), so they can be sealed anew without the
passphrase (:func:`reseal`).
"""

from __future__ import annotations

import hashlib
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
    FORMAT,
    FORMAT_V1,
    HAS_IDK,
    KEY_BYTES,
    NONCE_BYTES,
    PAYLOAD_VERSION,
    KeySlot,
    SlotContent,
    SlotFileDamaged,
    SlotTagInvalid,
    VaultKeys,
    canonical,
    kdf_json,
    user_tag,
)


def _aad(vault_id: str, slot: KeySlot) -> bytes:
    """What the passphrase part is bound to (legacy slots: as format 1 wrote it)."""
    bound: dict[str, Any] = {
        "format": FORMAT_V1 if slot.legacy else FORMAT,
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
        "format": FORMAT, "vault_id": vault_id, "slot_id": slot.id, "kind": slot.kind,
        "user_tag": slot.user_tag, "sealed_generation": sealed_generation,
        "public_key": hashlib.sha256(slot.public_key).hexdigest()})


def _payload(content: SlotContent) -> bytes:
    keys = content.keys
    flags = HAS_IDK if keys.idk is not None else 0
    role = (content.role.value if content.role else "").encode("ascii")
    idk = bytes(keys.idk) if keys.idk is not None else bytes(KEY_BYTES)
    return struct.pack("BB", PAYLOAD_VERSION, flags) + bytes(keys.dbk) + idk + role


def _parse_payload(data: bytes) -> SlotContent:
    if len(data) < 2 + 2 * KEY_BYTES or data[0] != PAYLOAD_VERSION:
        raise SlotFileDamaged("payload")
    flags = data[1]
    dbk = bytearray(data[2 : 2 + KEY_BYTES])
    idk = bytearray(data[2 + KEY_BYTES : 2 + 2 * KEY_BYTES]) if flags & HAS_IDK else None
    role_text = data[2 + 2 * KEY_BYTES :].decode("ascii", errors="strict")
    try:
        role = Role(role_text) if role_text else None
    except ValueError as exc:
        raise SlotFileDamaged("role") from exc
    return SlotContent(VaultKeys(dbk, idk), role)


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
) -> KeySlot:
    """A new slot holding ``content``, opened by ``secret`` (already normalized): a fresh
    key pair, its private half under the passphrase, ``content`` sealed to it."""
    private, public = sealing.new_key_pair()
    slot = KeySlot(
        id=slot_id or str(uuid.uuid4()),
        kind=kind,
        user_tag=user_tag(vault_id, user) if user is not None else None,
        generation=generation,
        kdf=params,
        salt=os.urandom(SALT_BYTES),
        nonce=os.urandom(NONCE_BYTES),
        ciphertext=b"",
        public_key=public,
    )
    wrapping_key = derive(secret.encode("utf-8"), slot.salt, params)
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


def unwrap(vault_id: str, slot: KeySlot, secret: str) -> SlotContent:
    wrapping_key = derive(secret.encode("utf-8"), slot.salt, slot.kdf)
    try:
        inner = AESGCM(wrapping_key).decrypt(slot.nonce, slot.ciphertext, _aad(vault_id, slot))
    except InvalidTag as exc:
        raise SlotTagInvalid() from exc
    if slot.legacy:
        return _parse_payload(inner)
    private = bytearray(inner)
    try:
        assert slot.sealed is not None and slot.sealed_generation is not None
        payload = sealing.open_box(private, slot.sealed,
                                   _info(vault_id, slot, slot.sealed_generation))
    except sealing.SealedBoxInvalid as exc:  # the passphrase was right: damage or tamper
        raise SlotFileDamaged("sealed") from exc
    finally:
        private[:] = bytes(len(private))
    return _parse_payload(payload)


