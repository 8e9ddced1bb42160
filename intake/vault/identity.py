"""The private blob of a record: its identifying answers (class D) and free texts
(:attr:`Questionnaire.private_ids`) with their meta,
encrypted with AES-256-GCM under the identity key, the record id as associated data (so a
blob cannot be moved to another record). Roles without the identity key never open one."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.errors import DatabaseDamaged
from intake.vault.json_text import json_bytes, json_loads

NONCE_BYTES = 12


def seal(key: bytes, record_id: str, answers: dict[str, Any],
         meta: dict[str, str]) -> bytes | None:
    """The blob, or None when there is nothing identifying to keep."""
    return seal_plaintext(key, record_id, plaintext(answers, meta))


def plaintext(answers: dict[str, Any], meta: dict[str, str]) -> bytes | None:
    """What :func:`seal` encrypts (None: nothing to keep); needs no key."""
    if not answers and not meta:
        return None
    return json_bytes({"answers": answers, "meta": meta})


def seal_plaintext(key: bytes, record_id: str, data: bytes | None) -> bytes | None:
    """:func:`plaintext`'s bytes as the blob."""
    if data is None:
        return None
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, data, record_id.encode("utf-8"))


def unseal(key: bytes, record_id: str, blob: bytes) -> tuple[dict[str, Any], dict[str, str]]:
    """(answers, meta); a blob that fails its tag is damage or tampering."""
    try:
        plaintext = AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:],
                                        record_id.encode("utf-8"))
    except InvalidTag as exc:
        raise DatabaseDamaged(path="intake.db") from exc
    data = json_loads(plaintext)
    return data["answers"], data["meta"]


def find(key: bytes, rows: Iterable[tuple[str, bytes]], text: str, limit: int,
         among: Collection[str]) -> list[str]:
    """Ids of the records whose answers to the questions ``among`` (the identifiers)
    contain ``text`` (NFC, case-folded), decrypting each blob in memory; nothing decrypted
    is kept."""
    needle = unicodedata.normalize("NFC", text).casefold().strip()
    if not needle:
        return []
    found: list[str] = []
    for record_id, blob in rows:
        answers, _meta = unseal(key, record_id, blob)
        if any(needle in unicodedata.normalize("NFC", str(v)).casefold()
               for v in _flatten(v for k, v in answers.items() if k in among)):
            found.append(record_id)
            if len(found) >= limit:
                break
    return found


def _flatten(values: Iterable[Any]) -> Iterator[Any]:
    for value in values:
        if isinstance(value, list | tuple):
            yield from value
        elif isinstance(value, dict):
            yield from value.values()
        else:
            yield value
