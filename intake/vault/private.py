"""Which key opens which data: the one place that says it (docs/vault.md, the table).

The database key (DBK) opens ``intake.db``; every role holds it. Everything that can
identify a person is additionally under the identity key (IDK), which coordinators' slots
never carry, so a coordinator's passphrase and a copy of the vault folder reveal no one:

- a record's *private section*, one AES-256-GCM blob per record and revision under the IDK
  itself (:mod:`intake.vault.identity`, the record id as associated data): every direct
  identifier (class D) and every free text of any class (narratives, quotes,
  ``*.details``, review notes and follow-ups, consent restrictions, company names), as
  :attr:`Questionnaire.private_ids` lists them; the same for pending answers;
- single values kept in their own rows (an indicator override's reason, the office's HPKE
  and signing private keys, the device's signing key, an attachment's SHA-256 and true
  size): sealed with :func:`seal` under a key derived from the IDK, bound to a context
  string naming the row and column, so a sealed value cannot be moved to another row
  (:data:`SEALED_COLUMNS`);
- an attachment's file key: AES-256-GCM under the IDK itself, associated data
  ``b"intake attachment key v1\0" + id`` (:mod:`intake.vault.attachments`);
- the text index and its excerpts: a second SQLCipher database, ``index.db``, keyed by
  :func:`index_key` and attached only for slots that hold the IDK
  (:mod:`intake.vault.text_index`). It is derived data: ``intake.db`` stays the one
  authoritative file, so a save commits atomically in one file and the index is rebuilt
  from it whenever it is behind, missing or keyed by an identity key that was replaced.

The stores take the IDK or ``None``; with ``None`` they cannot decrypt and say so
(:class:`~intake.vault.record_types.IdentityKeyMissing`), whatever a service asks.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.errors import DatabaseDamaged

Connection = Any  # sqlcipher3.Connection (intake.vault.database.Connection)

NONCE_BYTES = 12
_SEALED_VALUE = b"intake sealed value v1"
_TEXT_INDEX = b"intake text index v1"

Key = bytes | bytearray


def _derive(idk: Key, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(bytes(idk))


def index_key(idk: Key) -> bytes:
    """The raw SQLCipher key of ``index.db``: HKDF-SHA-256(IDK, "intake text index v1")."""
    return _derive(idk, _TEXT_INDEX)


def seal(idk: Key, context: str, data: bytes) -> bytes:
    """``nonce ‖ AES-256-GCM(HKDF(IDK, "intake sealed value v1"), data, ad=context)``."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_derive(idk, _SEALED_VALUE)).encrypt(
        nonce, data, context.encode("utf-8"))


def unseal(idk: Key, context: str, blob: bytes) -> bytes:
    """The value :func:`seal` sealed; a failing tag is damage or tampering (or a value
    moved from another row)."""
    try:
        return AESGCM(_derive(idk, _SEALED_VALUE)).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode("utf-8"))
    except (InvalidTag, ValueError) as exc:
        raise DatabaseDamaged(path="intake.db") from exc


def seal_text(idk: Key, context: str, text: str) -> bytes:
    return seal(idk, context, text.encode("utf-8"))


def unseal_text(idk: Key, context: str, blob: bytes) -> str:
    return unseal(idk, context, blob).decode("utf-8")


# -- the columns of single sealed values ----------------------------------------------------
@dataclass(frozen=True)
class SealedColumn:
    """A column whose values are sealed with :func:`seal`, each bound to its row."""

    table: str
    column: str
    key: tuple[str, ...]  # the columns naming a row
    hex: bool = False  # a TEXT column: the value (and the sealed value) stored as hex

    def context(self, *row_key: object) -> str:
        return f"{self.table}.{self.column}:" + ":".join(str(v) for v in row_key)

    def load(self, stored: str | bytes) -> bytes:
        return bytes.fromhex(str(stored)) if self.hex else bytes(stored)  # type: ignore[arg-type]

    def store(self, value: bytes) -> str | bytes:
        return value.hex() if self.hex else value


ORG_HPKE = SealedColumn("org_identity", "hpke_private", ("one",))
ORG_SIGN = SealedColumn("org_identity", "sign_private", ("one",))
DEVICE_SIGN = SealedColumn("device_identity", "sign_private", ("one",))
ORG_RETIRED_HPKE = SealedColumn("org_retired_keys", "hpke_private", ("fingerprint",))
OVERRIDE_REASON = SealedColumn("indicator_overrides", "reason", ("record_id", "indicator"))
#: The SHA-256 of an attachment's plaintext (chain of custody): in the clear it would let
#: whoever holds a candidate photo or recording confirm that the vault has it.
ATTACHMENT_SHA256 = SealedColumn("attachments", "sha256", ("id",), hex=True)
#: An attachment's true size (8 bytes, big-endian; ``size`` holds the padded size): the
#: exact size confirms a photo or recording as its SHA-256 would (vault/attachments.py).
ATTACHMENT_SIZE = SealedColumn("attachments", "sealed_size", ("id",), hex=True)
#: The recording key pair's private half, and a finished recording's markers (issue 19).
RECORDING_PRIVATE = SealedColumn("recording_key", "private", ("one",))
RECORDING_MARKERS = SealedColumn("recordings", "markers", ("attachment_id",))
SEALED_COLUMNS = (ORG_HPKE, ORG_SIGN, DEVICE_SIGN, ORG_RETIRED_HPKE, OVERRIDE_REASON,
                  ATTACHMENT_SHA256, ATTACHMENT_SIZE, RECORDING_PRIVATE, RECORDING_MARKERS)


def transform_columns(conn: Connection, change: Callable[[SealedColumn, str, bytes], bytes],
                      columns: Iterable[SealedColumn] = SEALED_COLUMNS) -> None:
    """Rewrite every value of ``columns`` through ``change(column, context, value)`` (a
    rekey re-seals under the new identity key; the migration seals what was plain)."""
    for col in columns:
        keys = ", ".join(col.key)
        where = " AND ".join(f"{k} = ?" for k in col.key)
        rows = conn.execute(f"SELECT {keys}, {col.column} FROM {col.table}").fetchall()
        for *row_key, value in rows:
            new = change(col, col.context(*row_key), col.load(value))
            conn.execute(f"UPDATE {col.table} SET {col.column} = ? WHERE {where}",
                         (col.store(new), *row_key))


def reseal_columns(conn: Connection, old: Key, new: Key) -> None:
    transform_columns(conn, lambda _col, ctx, value: seal(new, ctx, unseal(old, ctx, value)))


# -- rows authenticated, not sealed ---------------------------------------------------------
_ROW_MAC = b"intake row mac v1"
RowField = bytes | bytearray | str | int | None


def _field(value: RowField) -> bytes:
    """A field with its type and length: no two different rows encode alike."""
    if value is None:
        tag, data = b"n", b""
    elif isinstance(value, bool | int):
        tag, data = b"i", str(int(value)).encode("ascii")
    elif isinstance(value, str):
        tag, data = b"s", value.encode("utf-8")
    else:
        tag, data = b"b", bytes(value)
    return tag + len(data).to_bytes(4, "big") + data


def row_mac(idk: Key, context: str, *fields: RowField) -> bytes:
    """HMAC-SHA-256 under HKDF-SHA-256(IDK, "intake row mac v1") of ``context`` and
    ``fields``, length-prefixed: a row in the clear that only an identity-key holder can
    have written (what a vault trusts for transfer, :mod:`intake.vault.transfer_trust`)."""
    message = _field(context) + b"".join(_field(value) for value in fields)
    return hmac.new(_derive(idk, _ROW_MAC), message, hashlib.sha256).digest()


def row_mac_ok(idk: Key, context: str, mac: bytes | None, *fields: RowField) -> bool:
    """Whether ``mac`` is :func:`row_mac` of the row (constant time; a missing one is not)."""
    return mac is not None and hmac.compare_digest(bytes(mac), row_mac(idk, context, *fields))
