"""The key file's model (``keyslots.json``): its slots, the file, the wrapped keys, the
errors, and the canonical body its checksum and MAC cover. Read it through
:mod:`intake.vault.keyslots`, which also parses (:mod:`intake.vault.keyslot_parse`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass, replace
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.domain.roles import Role
from intake.vault.kdf import KdfParams

FORMAT = "intake.keyslots/3"
#: User slots found by a name tag, each with its own salt: read, and rewritten as format 3
#: at their user's next unlock
FORMAT_V2 = "intake.keyslots/2"
#: The first format: each slot wrapped the keys directly under its passphrase. Read, and
#: such slots still open, but every slot written now is sealed (see ``sealing``).
FORMAT_V1 = "intake.keyslots/1"
KEY_BYTES = 32
NONCE_BYTES = 12
#: the audit head sealed: nonce, sequence number (8) and hash (32), tag
AUDIT_BOX_BYTES = NONCE_BYTES + 8 + 32 + 16
KIND_USER = "user"
KIND_RECOVERY = "recovery"
PAYLOAD_VERSION = 1
HAS_IDK = 0x01
#: The role in a sealed payload is padded to this many bytes: equal lengths for every role
ROLE_BYTES = 16
#: What finds a format 3 user slot: derived from the unlock key, nothing else
CHECK_BYTES = 16
#: A format 3 user slot's duress box (nonce, sealed plan, tag); random when none is set
DURESS_BOX_BYTES = 12 + 72 + 16
#: Size of a user slot's duress verifier (random when no duress passphrase is set, so a
#: seized file does not tell whether one is)
DURESS_BYTES = 32
#: Bounds for the optional wipe after that many failed unlocks in a row
WIPE_AFTER_RANGE = (3, 99)


class SlotFileDamaged(Exception):
    """The file cannot be parsed, fails its checksum, or holds an out-of-range field."""


class SlotTagInvalid(Exception):
    """A slot did not open: wrong passphrase or recovery code."""


class SlotFileMacInvalid(Exception):
    """The file was changed by someone without the vault's key."""


class SlotEdited(Exception):
    """The passphrase found its slot but the slot no longer opens: it was edited."""


@dataclass
class DecoyPlan:
    """What a duress passphrase set on a format 3 slot prepared, when it was set, for the
    vault it leads to: a fresh salt, the key the same name and duress passphrase derive
    with it (so the decoy's slot needs no second derivation now), when it was set and the
    user's role then."""

    salt: bytes
    key: bytearray
    made_at: int  # seconds since the epoch
    role: Role
    slot_id: str = ""  # the slot whose box it was (the decoy's own slot takes its place)

    def wipe(self) -> None:
        self.key[:] = bytes(len(self.key))


class DuressPassphraseEntered(Exception):
    """The secret given for a user slot was its duress passphrase. Carries what a new vault
    for it needs without a second, telltale derivation: ``decoy`` (format 3), or the key
    derived with a format 2 slot's own salt (``wrapping_key``)."""

    def __init__(self, wrapping_key: bytes = b"", decoy: DecoyPlan | None = None) -> None:
        super().__init__("duress")
        self.wrapping_key = bytearray(wrapping_key)
        self.decoy = decoy

    def wipe(self) -> None:
        self.wrapping_key[:] = bytes(len(self.wrapping_key))
        if self.decoy is not None:
            self.decoy.wipe()


@dataclass
class VaultKeys:
    """The unwrapped keys. Held as bytearrays so they can be zeroed on lock."""

    dbk: bytearray
    idk: bytearray | None

    @classmethod
    def generate(cls) -> VaultKeys:
        return cls(bytearray(os.urandom(KEY_BYTES)), bytearray(os.urandom(KEY_BYTES)))

    def without_identity_key(self) -> VaultKeys:
        return VaultKeys(bytearray(self.dbk), None)

    def wipe(self) -> None:
        for key in (self.dbk, self.idk):
            if key is not None:
                key[:] = bytes(len(key))


@dataclass(frozen=True)
class SlotContent:
    keys: VaultKeys
    role: Role | None  # None for the recovery slot


@dataclass(frozen=True)
class FileKdf:
    """The salt and parameters every format 3 user slot of a file derives with."""

    params: KdfParams
    salt: bytes


@dataclass(frozen=True)
class KeySlot:
    id: str
    kind: str
    user_tag: str | None  # format 2 user slots only
    generation: int  # when the passphrase part was written
    kdf: KdfParams  # format 3 user slots: the file's (``KeySlotFile.user_kdf``)
    salt: bytes
    nonce: bytes
    ciphertext: bytes  # the slot's private key (legacy: the payload) under the passphrase
    public_key: bytes | None = None  # None: a legacy slot of format 1
    sealed: bytes | None = None  # the payload sealed to ``public_key``
    sealed_generation: int | None = None  # when the keys were last sealed to it
    #: format 2: HMAC under the key a duress passphrase derives; format 3: the duress box
    #: (see :mod:`intake.vault.user_slots`); random when none is set
    duress: bytes | None = None
    #: format 3 user slots: what the unlock key derives to find this slot
    check: bytes | None = None

    @property
    def legacy(self) -> bool:
        return self.public_key is None

    @property
    def nameless(self) -> bool:
        """A format 3 user slot: found by its check, not by a name tag."""
        return self.check is not None


@dataclass(frozen=True)
class KeySlotFile:
    vault_id: str
    generation: int
    slots: tuple[KeySlot, ...]
    mac: str
    format: str = FORMAT  # the format it was read as (the body its MAC covers)
    #: (sequence number, hash) of the audit log's last entry when the file was written: a
    #: history rewritten inside the database no longer leads to it (``intake check``)
    audit_head: tuple[int, str] | None = None
    #: wipe the vault after this many failed unlocks in a row (None: never)
    wipe_after_failures: int | None = None
    #: what every format 3 user slot derives with (None: a file of format 2 or older)
    user_kdf: FileKdf | None = None
    #: ``audit_head`` sealed under the database key, as the file holds it (its sequence
    #: number would tell how much happened in the vault; a decoy's would not match its
    #: generation); ``audit_head`` is known once the file is ``opened``
    audit_box: bytes | None = None

    def opened(self, dbk: bytes | bytearray) -> KeySlotFile:
        """This file with its audit head read from its box (its MAC already checked)."""
        if self.audit_box is None or self.audit_head is not None:
            return self
        try:
            plain = AESGCM(_audit_key(dbk)).decrypt(self.audit_box[:NONCE_BYTES],
                                        self.audit_box[NONCE_BYTES:], self.vault_id.encode())
        except InvalidTag as exc:
            raise SlotFileMacInvalid() from exc
        head = (int.from_bytes(plain[:8], "big"), plain[8:].hex())
        return replace(self, audit_head=head)

    # -- lookup ---------------------------------------------------------------------------
    def tagged_slot(self, user: str) -> KeySlot | None:
        """The format 2 (or 1) slot whose name tag is ``user``'s, if any."""
        tag = user_tag(self.vault_id, user)
        return next((s for s in self.slots if s.kind == KIND_USER and s.user_tag == tag), None)

    def nameless_slots(self) -> tuple[KeySlot, ...]:
        return tuple(s for s in self.slots if s.nameless)

    def slot_by_id(self, slot_id: str | None) -> KeySlot | None:
        return next((s for s in self.slots if s.id == slot_id), None)

    def recovery_slot(self) -> KeySlot | None:
        return next((s for s in self.slots if s.kind == KIND_RECOVERY), None)

    # -- integrity ------------------------------------------------------------------------
    def verify_mac(self, dbk: bytes | bytearray) -> None:
        expected = _mac(dbk, _body(self))
        if not hmac.compare_digest(expected, self.mac):
            raise SlotFileMacInvalid()

    def resealed(self, dbk: bytes | bytearray, **changes: Any) -> KeySlotFile:
        """This file with ``changes`` (fields of KeySlotFile), written as the current
        format and MAC'd under ``dbk``."""
        return sealed(self.vault_id, changes.pop("generation", self.generation),
                      changes.pop("slots", self.slots), dbk,
                      audit_head=changes.pop("audit_head", self.audit_head),
                      wipe_after_failures=changes.pop("wipe_after_failures",
                                                      self.wipe_after_failures),
                      user_kdf=changes.pop("user_kdf", self.user_kdf))

    def with_slot(self, slot: KeySlot, dbk: bytes | bytearray) -> KeySlotFile:
        """A new generation of the file with ``slot`` added or replacing one of its id."""
        return self.resealed(dbk, generation=self.generation + 1, slots=self.slots_with(slot))

    def slots_with(self, slot: KeySlot) -> tuple[KeySlot, ...]:
        """The slots with ``slot`` in the place of the one of its id (order kept: which slot
        was rewritten shows no more than its bytes), or added last."""
        if any(s.id == slot.id for s in self.slots):
            return tuple(slot if s.id == slot.id else s for s in self.slots)
        return (*self.slots, slot)

    def with_audit_head(self, head: tuple[int, str], dbk: bytes | bytearray) -> KeySlotFile:
        """The same generation binding the audit log's ``head`` instead (no key changes:
        the generation counts key changes, which the database mirrors)."""
        return self.resealed(dbk, audit_head=head)

    def with_wipe_after_failures(self, count: int | None,
                                 dbk: bytes | bytearray) -> KeySlotFile:
        """A new generation with the failed-unlock wipe set to ``count`` (None: off); a new
        generation, so an older copy of the file cannot quietly turn it off again."""
        return self.resealed(dbk, generation=self.generation + 1, wipe_after_failures=count)


def name_bytes(user: str) -> bytes:
    """How a user name enters the key file's derivations (format 2's tag, format 3's key)."""
    return unicodedata.normalize("NFC", user).strip().casefold().encode("utf-8")


def user_tag(vault_id: str, user: str) -> str:
    return hmac.new(vault_id.encode("ascii"), name_bytes(user), hashlib.sha256).hexdigest()


def _audit_key(dbk: bytes | bytearray) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"intake audit head v1").derive(bytes(dbk))


# -- the file -----------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: Any, size: int | None = None) -> bytes:
    if not isinstance(text, str):
        raise SlotFileDamaged("base64")
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise SlotFileDamaged("base64") from exc
    if size is not None and len(data) != size:
        raise SlotFileDamaged("length")
    return data


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def kdf_json(params: KdfParams, salt: bytes) -> dict[str, Any]:
    return {
        "name": "argon2id",
        "memory_kib": params.memory_kib,
        "iterations": params.iterations,
        "lanes": params.lanes,
        "salt": _b64(salt),
    }


def _slot_json(slot: KeySlot) -> dict[str, Any]:
    out: dict[str, Any] = {"id": slot.id, "kind": slot.kind, "generation": slot.generation,
                           "nonce": _b64(slot.nonce), "ciphertext": _b64(slot.ciphertext)}
    if slot.nameless:  # no name tag, and the file's salt and parameters
        out["check"] = _b64(slot.check or b"")
    else:
        out["user_tag"] = slot.user_tag
        out["kdf"] = kdf_json(slot.kdf, slot.salt)
    if slot.public_key is not None:
        out["public_key"] = _b64(slot.public_key)
        out["sealed"] = _b64(slot.sealed or b"")
        out["sealed_generation"] = slot.sealed_generation
    if slot.duress is not None:
        out["duress"] = _b64(slot.duress)
    return out


def _body(file: KeySlotFile) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format": file.format,
        "vault_id": file.vault_id,
        "generation": file.generation,
        "slots": [_slot_json(s) for s in file.slots],
    }
    if file.audit_box is not None:
        body["audit_head"] = _b64(file.audit_box)
    elif file.audit_head is not None:  # as an earlier file held it, in the clear
        body["audit_head"] = {"seq": file.audit_head[0], "hash": file.audit_head[1]}
    if file.wipe_after_failures is not None:
        body["wipe_after_failed_unlocks"] = file.wipe_after_failures
    if file.user_kdf is not None:
        body["user_kdf"] = kdf_json(file.user_kdf.params, file.user_kdf.salt)
    return body


def _mac(dbk: bytes | bytearray, body: dict[str, Any]) -> str:
    mac_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"intake keyslots mac v1"
    ).derive(bytes(dbk))
    return hmac.new(mac_key, canonical(body), hashlib.sha256).hexdigest()


def sealed(
    vault_id: str, generation: int, slots: tuple[KeySlot, ...], dbk: bytes | bytearray,
    *, audit_head: tuple[int, str] | None = None, wipe_after_failures: int | None = None,
    user_kdf: FileKdf | None = None,
) -> KeySlotFile:
    """A key file of the current format holding ``slots``, MAC'd under ``dbk`` (the audit
    head sealed under it)."""
    box = None
    if audit_head is not None:
        nonce = os.urandom(NONCE_BYTES)
        box = nonce + AESGCM(_audit_key(dbk)).encrypt(
            nonce, audit_head[0].to_bytes(8, "big") + bytes.fromhex(audit_head[1]),
            vault_id.encode())
    file = KeySlotFile(vault_id, generation, slots, "", FORMAT, audit_head,
                       wipe_after_failures, user_kdf, box)
    return replace(file, mac=_mac(dbk, _body(file)))


def serialize(file: KeySlotFile) -> bytes:
    body = _body(file)
    document = dict(body)
    document["checksum"] = hashlib.sha256(canonical(body)).hexdigest()
    document["mac"] = file.mac
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")
