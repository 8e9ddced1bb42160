"""The identity blob of a record: its identifying answers (class D) and their meta,
encrypted with AES-256-GCM under the identity key, the record id as associated data (so a
blob cannot be moved to another record). Roles without the identity key never open one."""

from __future__ import annotations

import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.errors import DatabaseDamaged

NONCE_BYTES = 12


def seal(key: bytes, record_id: str, answers: dict[str, Any],
         meta: dict[str, str]) -> bytes | None:
    """The blob, or None when there is nothing identifying to keep."""
    if not answers and not meta:
        return None
    nonce = os.urandom(NONCE_BYTES)
    plaintext = json.dumps({"answers": answers, "meta": meta}, ensure_ascii=False,
                           sort_keys=True, separators=(",", ":")).encode("utf-8")
    return nonce + AESGCM(key).encrypt(nonce, plaintext, record_id.encode("utf-8"))


def unseal(key: bytes, record_id: str, blob: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers, meta); a blob that fails its tag is damage or tampering."""
    try:
        plaintext = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:],
                                        record_id.encode("utf-8"))
    except InvalidTag as exc:
        raise DatabaseDamaged(path="intake.db") from exc
    data = json.loads(plaintext)
    return data["answers"], data["meta"]
