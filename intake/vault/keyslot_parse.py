"""Reading the key file: every field checked for type, size and range before any key is
derived, so a damaged or edited file is reported as such (exit 4), never as a wrong
passphrase, and never makes an unlock slow: KDF parameters outside what this app writes
(:data:`intake.vault.kdf.MAX_MEMORY_KIB`, ``MAX_ITERATIONS``) are refused as tampering."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from intake.vault import sealing
from intake.vault.kdf import MAX_LANES, SALT_BYTES, KdfParams
from intake.vault.keyslot_model import (
    AUDIT_BOX_BYTES,
    CHECK_BYTES,
    DURESS_BOX_BYTES,
    DURESS_BYTES,
    FORMAT,
    FORMAT_V1,
    FORMAT_V2,
    KIND_RECOVERY,
    KIND_USER,
    NONCE_BYTES,
    WIPE_AFTER_RANGE,
    FileKdf,
    KeySlot,
    KeySlotFile,
    SlotFileDamaged,
    _body,
    _unb64,
    canonical,
)

FORMATS = (FORMAT, FORMAT_V2, FORMAT_V1)


def _int(value: Any, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise SlotFileDamaged("integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise SlotFileDamaged("string")
    return value


def _kdf(raw: Any) -> FileKdf:
    """Argon2id parameters and salt; refused below the floor and above the ceiling."""
    if not isinstance(raw, dict) or set(raw) != {"name", "memory_kib", "iterations",
                                                  "lanes", "salt"}:
        raise SlotFileDamaged("kdf")
    if raw["name"] != "argon2id":
        raise SlotFileDamaged("kdf")
    params = KdfParams(
        memory_kib=_int(raw["memory_kib"], 1, 1 << 30),
        iterations=_int(raw["iterations"], 1, 1 << 16),
        lanes=_int(raw["lanes"], 1, MAX_LANES),
    )
    if not params.is_acceptable():
        raise SlotFileDamaged("kdf parameters outside the floor and ceiling")
    return FileKdf(params, _unb64(raw["salt"], SALT_BYTES))


def _sealed_fields(raw: dict[str, Any], file_format: str) -> dict[str, Any]:
    sealed_fields = {"public_key", "sealed", "sealed_generation"}
    present = sealed_fields & set(raw)
    if not present:
        return {}
    if present != sealed_fields or file_format == FORMAT_V1:
        raise SlotFileDamaged("sealed fields")
    return {"public_key": _unb64(raw["public_key"], sealing.PUBLIC_BYTES),
            "sealed": _unb64(raw["sealed"]),
            "sealed_generation": _int(raw["sealed_generation"], 1, 1 << 62)}


def _parse_slot(raw: Any, file_format: str, user_kdf: FileKdf | None) -> KeySlot:
    if not isinstance(raw, dict):
        raise SlotFileDamaged("slot")
    kind = raw.get("kind")
    if kind not in (KIND_USER, KIND_RECOVERY):
        raise SlotFileDamaged("kind")
    sealed = _sealed_fields(raw, file_format)
    nameless = "check" in raw
    check: bytes | None
    duress: bytes | None
    if nameless:  # format 3 user slot: the file's salt and parameters, no name tag
        if (file_format != FORMAT or kind != KIND_USER or user_kdf is None or not sealed
                or {"kdf", "user_tag"} & set(raw) or "duress" not in raw):
            raise SlotFileDamaged("nameless slot")
        kdf, tag, check = user_kdf, None, _unb64(raw["check"], CHECK_BYTES)
        duress = _unb64(raw["duress"], DURESS_BOX_BYTES)
    else:
        kdf, tag, check = _kdf(raw.get("kdf")), raw.get("user_tag"), None
        if kind == KIND_USER:
            tag = _str(tag)
        elif tag is not None:
            raise SlotFileDamaged("user_tag")
        if "duress" in raw and (not sealed or kind != KIND_USER):
            raise SlotFileDamaged("duress")
        duress = _unb64(raw["duress"], DURESS_BYTES) if "duress" in raw else None
    return KeySlot(
        id=_str(raw.get("id")), kind=kind, user_tag=tag,
        generation=_int(raw.get("generation"), 1, 1 << 62),
        kdf=kdf.params, salt=kdf.salt,
        nonce=_unb64(raw.get("nonce"), NONCE_BYTES),
        ciphertext=_unb64(raw.get("ciphertext")),
        duress=duress, check=check, **sealed,
    )


def _audit_head(raw: Any, file_format: str) -> tuple[int, str] | bytes | None:
    """The head in the clear (files written before it was sealed), or its sealed box."""
    if raw is None:
        return None
    if isinstance(raw, str) and file_format == FORMAT:
        return _unb64(raw, AUDIT_BOX_BYTES)
    if file_format == FORMAT_V1 or not isinstance(raw, dict) or set(raw) != {"seq", "hash"}:
        raise SlotFileDamaged("audit_head")
    digest = raw["hash"]
    if not isinstance(digest, str) or len(digest) != 64 or digest.strip("0123456789abcdef"):
        raise SlotFileDamaged("audit_head")
    return _int(raw["seq"], 0, 1 << 62), digest


def _document(data: bytes) -> tuple[dict[str, Any], Any, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # deep nesting: damage
        raise SlotFileDamaged("json") from exc
    if not isinstance(document, dict) or document.get("format") not in FORMATS:
        raise SlotFileDamaged("format")
    checksum, mac = document.pop("checksum", None), document.pop("mac", None)
    fields = {"format", "vault_id", "generation", "slots"}
    optional = {"audit_head", "wipe_after_failed_unlocks", "user_kdf"}
    if not set(document) - fields <= optional or not fields <= set(document):
        raise SlotFileDamaged("fields")
    if set(document) & optional and document["format"] == FORMAT_V1:
        raise SlotFileDamaged("fields")
    if "user_kdf" in document and document["format"] != FORMAT:
        raise SlotFileDamaged("fields")
    if not isinstance(checksum, str) or not hmac.compare_digest(
        checksum, hashlib.sha256(canonical(document)).hexdigest()
    ):
        raise SlotFileDamaged("checksum")
    if not isinstance(document["slots"], list) or len(document["slots"]) > 1000:
        raise SlotFileDamaged("slots")
    return document, checksum, mac


def parse_file(data: bytes) -> KeySlotFile:
    document, _checksum, mac = _document(data)
    file_format = document["format"]
    head = _audit_head(document.get("audit_head"), file_format)
    audit_head, audit_box = (None, head) if isinstance(head, bytes) else (head, None)
    wipe_after = document.get("wipe_after_failed_unlocks")
    if wipe_after is not None:
        wipe_after = _int(wipe_after, *WIPE_AFTER_RANGE)
    user_kdf = _kdf(document["user_kdf"]) if "user_kdf" in document else None
    slots = tuple(_parse_slot(raw, file_format, user_kdf) for raw in document["slots"])
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
        user_kdf=user_kdf,
        audit_box=audit_box,
    )
    # The file must re-serialize to the same body it was read from, so a field we do not
    # model cannot ride along unauthenticated.
    if canonical(_body(file)) != canonical(document):
        raise SlotFileDamaged("non-canonical")
    return file
