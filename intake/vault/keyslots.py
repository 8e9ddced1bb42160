"""The key file (``keyslots.json``): LUKS-style slots that wrap the vault's keys (the
wrapping itself is :mod:`intake.vault.slotwrap`).

Each slot wraps the database key (DBK), and the identity key (IDK) where the role may see
identities, with AES-256-GCM under a key derived from a passphrase or the recovery code
(Argon2id). The slot's associated data binds the vault id, slot id, kind, user tag, KDF
parameters and the generation at which it was written, so no field can be swapped or
weakened without the tag failing.

Two checks cover the whole file:
- ``checksum`` (SHA-256, unkeyed) tells accidental damage or hand edits apart from a wrong
  passphrase *before* any derivation: a slot that fails its tag in an intact file means the
  passphrase is wrong;
- ``mac`` (HMAC-SHA-256 under a key derived from DBK) proves, once a slot is open, that the
  file, its generation included, was written by someone holding the vault's key.

User names are not stored in the clear: a slot carries ``HMAC-SHA-256(vault id, name)`` so
a seized key file does not list who works with the vault. The role travels inside the
encrypted payload.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.domain.roles import Role
from intake.vault import sealing
from intake.vault.kdf import SALT_BYTES, KdfParams

FORMAT = "intake.keyslots/2"
#: The first format: each slot wrapped the keys directly under its passphrase. Read, and
#: such slots still open, but every slot written now is sealed (see ``sealing``).
FORMAT_V1 = "intake.keyslots/1"
KEY_BYTES = 32
NONCE_BYTES = 12
KIND_USER = "user"
KIND_RECOVERY = "recovery"
PAYLOAD_VERSION = 1
HAS_IDK = 0x01
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


class DuressPassphraseEntered(Exception):
    """The secret given for a user slot was its duress passphrase. Carries the key derived
    from it (the slot's salt and parameters), so that a new vault can be made for it
    without a second, telltale derivation."""

    def __init__(self, wrapping_key: bytes) -> None:
        super().__init__("duress")
        self.wrapping_key = bytearray(wrapping_key)


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
class KeySlot:
    id: str
    kind: str
    user_tag: str | None
    generation: int  # when the passphrase part was written
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    ciphertext: bytes  # the slot's private key (legacy: the payload) under the passphrase
    public_key: bytes | None = None  # None: a legacy slot of format 1
    sealed: bytes | None = None  # the payload sealed to ``public_key``
    sealed_generation: int | None = None  # when the keys were last sealed to it
    #: HMAC under the key a duress passphrase derives (random when none is set); user slots
    #: of format 2 only
    duress: bytes | None = None

    @property
    def legacy(self) -> bool:
        return self.public_key is None


@dataclass(frozen=True)
class KeySlotFile:
    vault_id: str
    generation: int
    slots: tuple[KeySlot, ...]
    mac: str
    format: str = FORMAT  # FORMAT_V1 only for a file read as written by format 1
    #: (sequence number, hash) of the audit log's last entry when the file was written: a
    #: history rewritten inside the database no longer leads to it (``intake check``)
    audit_head: tuple[int, str] | None = None
    #: wipe the vault after this many failed unlocks in a row (None: never)
    wipe_after_failures: int | None = None

    # -- lookup ---------------------------------------------------------------------------
    def user_slot(self, user: str) -> KeySlot | None:
        tag = user_tag(self.vault_id, user)
        return next((s for s in self.slots if s.kind == KIND_USER and s.user_tag == tag), None)

    def recovery_slot(self) -> KeySlot | None:
        return next((s for s in self.slots if s.kind == KIND_RECOVERY), None)

    # -- integrity ------------------------------------------------------------------------
    def verify_mac(self, dbk: bytes | bytearray) -> None:
        expected = _mac(dbk, _body(self))
        if not hmac.compare_digest(expected, self.mac):
            raise SlotFileMacInvalid()

    def with_slot(self, slot: KeySlot, dbk: bytes | bytearray) -> KeySlotFile:
        """A new generation of the file with ``slot`` added or replacing one of its id."""
        others = tuple(s for s in self.slots if s.id != slot.id)
        return sealed(self.vault_id, self.generation + 1, (*others, slot), dbk,
                      audit_head=self.audit_head, wipe_after_failures=self.wipe_after_failures)

    def with_audit_head(self, head: tuple[int, str], dbk: bytes | bytearray) -> KeySlotFile:
        """The same generation binding the audit log's ``head`` instead (no key changes:
        the generation counts key changes, which the database mirrors)."""
        return sealed(self.vault_id, self.generation, self.slots, dbk, audit_head=head,
                      wipe_after_failures=self.wipe_after_failures)

    def with_wipe_after_failures(self, count: int | None,
                                 dbk: bytes | bytearray) -> KeySlotFile:
        """A new generation with the failed-unlock wipe set to ``count`` (None: off); a new
        generation, so an older copy of the file cannot quietly turn it off again."""
        return sealed(self.vault_id, self.generation + 1, self.slots, dbk,
                      audit_head=self.audit_head, wipe_after_failures=count)


def user_tag(vault_id: str, user: str) -> str:
    key = unicodedata.normalize("NFC", user).strip().casefold().encode("utf-8")
    return hmac.new(vault_id.encode("ascii"), key, hashlib.sha256).hexdigest()


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
    out: dict[str, Any] = {
        "id": slot.id,
        "kind": slot.kind,
        "user_tag": slot.user_tag,
        "generation": slot.generation,
        "kdf": kdf_json(slot.kdf, slot.salt),
        "nonce": _b64(slot.nonce),
        "ciphertext": _b64(slot.ciphertext),
    }
    if slot.public_key is not None:
        out["public_key"] = _b64(slot.public_key)
        out["sealed"] = _b64(slot.sealed or b"")
        out["sealed_generation"] = slot.sealed_generation
    if slot.duress is not None:
        out["duress"] = _b64(slot.duress)
    return out


def _body_of(vault_id: str, generation: int, slots: tuple[KeySlot, ...],
             file_format: str = FORMAT,
             audit_head: tuple[int, str] | None = None,
             wipe_after_failures: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "format": file_format,
        "vault_id": vault_id,
        "generation": generation,
        "slots": [_slot_json(s) for s in slots],
    }
    if audit_head is not None:
        body["audit_head"] = {"seq": audit_head[0], "hash": audit_head[1]}
    if wipe_after_failures is not None:
        body["wipe_after_failed_unlocks"] = wipe_after_failures
    return body


def _body(file: KeySlotFile) -> dict[str, Any]:
    return _body_of(file.vault_id, file.generation, file.slots, file.format, file.audit_head,
                    file.wipe_after_failures)


def _mac(dbk: bytes | bytearray, body: dict[str, Any]) -> str:
    mac_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"intake keyslots mac v1"
    ).derive(bytes(dbk))
    return hmac.new(mac_key, canonical(body), hashlib.sha256).hexdigest()


def sealed(
    vault_id: str, generation: int, slots: tuple[KeySlot, ...], dbk: bytes | bytearray,
    *, audit_head: tuple[int, str] | None = None, wipe_after_failures: int | None = None,
) -> KeySlotFile:
    body = _body_of(vault_id, generation, slots, FORMAT, audit_head, wipe_after_failures)
    return KeySlotFile(vault_id, generation, slots, _mac(dbk, body), FORMAT, audit_head,
                       wipe_after_failures)


def serialize(file: KeySlotFile) -> bytes:
    body = _body(file)
    document = dict(body)
    document["checksum"] = hashlib.sha256(canonical(body)).hexdigest()
    document["mac"] = file.mac
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")


def _int(value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SlotFileDamaged("integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise SlotFileDamaged("string")
    return value


def _parse_slot(raw: Any, file_format: str) -> KeySlot:
    if not isinstance(raw, dict) or not isinstance(raw.get("kdf"), dict):
        raise SlotFileDamaged("slot")
    kdf = raw["kdf"]
    if kdf.get("name") != "argon2id":
        raise SlotFileDamaged("kdf")
    params = KdfParams(
        memory_kib=_int(kdf.get("memory_kib"), 1, 1 << 30),
        iterations=_int(kdf.get("iterations"), 1, 1 << 16),
        lanes=_int(kdf.get("lanes"), 1, 1 << 8),
    )
    if not params.is_acceptable():
        raise SlotFileDamaged("kdf parameters below the floor")
    kind = raw.get("kind")
    if kind not in (KIND_USER, KIND_RECOVERY):
        raise SlotFileDamaged("kind")
    tag = raw.get("user_tag")
    if kind == KIND_USER:
        tag = _str(tag)
    elif tag is not None:
        raise SlotFileDamaged("user_tag")
    sealed_fields = {"public_key", "sealed", "sealed_generation"}
    present = sealed_fields & set(raw)
    if present and (present != sealed_fields or file_format == FORMAT_V1):
        raise SlotFileDamaged("sealed fields")
    if "duress" in raw and (not present or kind != KIND_USER):
        raise SlotFileDamaged("duress")
    return KeySlot(
        id=_str(raw.get("id")),
        kind=kind,
        user_tag=tag,
        generation=_int(raw.get("generation"), 1, 1 << 62),
        kdf=params,
        salt=_unb64(kdf.get("salt"), SALT_BYTES),
        nonce=_unb64(raw.get("nonce"), NONCE_BYTES),
        ciphertext=_unb64(raw.get("ciphertext")),
        public_key=_unb64(raw["public_key"], sealing.PUBLIC_BYTES) if present else None,
        sealed=_unb64(raw["sealed"]) if present else None,
        sealed_generation=(_int(raw["sealed_generation"], 1, 1 << 62) if present else None),
        duress=_unb64(raw["duress"], DURESS_BYTES) if "duress" in raw else None,
    )


def _audit_head(raw: Any, file_format: str) -> tuple[int, str] | None:
    if raw is None:
        return None
    if file_format == FORMAT_V1 or not isinstance(raw, dict) or set(raw) != {"seq", "hash"}:
        raise SlotFileDamaged("audit_head")
    digest = raw["hash"]
    if not isinstance(digest, str) or len(digest) != 64 or digest.strip("0123456789abcdef"):
        raise SlotFileDamaged("audit_head")
    return _int(raw["seq"], 0, 1 << 62), digest


def parse(data: bytes) -> KeySlotFile:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # deep nesting: damage
        raise SlotFileDamaged("json") from exc
    if not isinstance(document, dict) or document.get("format") not in (FORMAT, FORMAT_V1):
        raise SlotFileDamaged("format")
    file_format = document["format"]
    checksum, mac = document.pop("checksum", None), document.pop("mac", None)
    fields = {"format", "vault_id", "generation", "slots"}
    optional = {"audit_head", "wipe_after_failed_unlocks"}
    if not set(document) - fields <= optional or not fields <= set(document):
        raise SlotFileDamaged("fields")
    if set(document) & optional and file_format == FORMAT_V1:
        raise SlotFileDamaged("fields")
    audit_head = _audit_head(document.get("audit_head"), file_format)
    wipe_after = document.get("wipe_after_failed_unlocks")
    if wipe_after is not None:
        wipe_after = _int(wipe_after, *WIPE_AFTER_RANGE)
    if not isinstance(checksum, str) or not hmac.compare_digest(
        checksum, hashlib.sha256(canonical(document)).hexdigest()
    ):
        raise SlotFileDamaged("checksum")
    if not isinstance(document["slots"], list):
        raise SlotFileDamaged("slots")
    slots = tuple(_parse_slot(raw, file_format) for raw in document["slots"])
    if len({s.id for s in slots}) != len(slots):
        raise SlotFileDamaged("duplicate slot")
    file = KeySlotFile(
        vault_id=_str(document["vault_id"]),
        generation=_int(document["generation"], 1, 1 << 62),
        slots=slots,
        mac=_str(mac),
        format=file_format,
        audit_head=audit_head,
        wipe_after_failures=wipe_after,
    )
    # The file must re-serialize to the same body it was read from, so a field we do not
    # model cannot ride along unauthenticated.
    if canonical(_body(file)) != canonical(document):
        raise SlotFileDamaged("non-canonical")
    return file


def read(path: Path) -> KeySlotFile:
    return parse(path.read_bytes())
