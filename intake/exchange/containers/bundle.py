"""Sealed transfer bundles, field → office: the file format, without policy.

One file::

    MAGIC (8 bytes) | header length (4, big-endian) | header (canonical JSON, ASCII)
    | sealed key length (4) | sealed key (HPKE) | payload (STREAM chunks)

- The **header** says only what the office needs before opening anything: the format
  version, a random bundle id, the recipient's fingerprint, how many record lines and how
  many payload bytes follow. No file name, path, user name or time.
- The **sealed key**: a fresh 256-bit content key, sealed with HPKE (RFC 9180; hybrid
  ML-KEM-768 + X25519, HKDF-SHA-256, AES-256-GCM) to the organisation's public key, with
  the header in HPKE's ``info``: a changed header no longer opens the key.
- The **payload**: the content key seals (:mod:`intake.vault.stream`, SHA-256 of the header
  as associated data) UTF-8 lines: first an envelope ``{"device", "sequence", "signature"}``,
  then one JSON record line per record revision, as ``intake import`` reads them. The
  signature is Ed25519 by the sending device over the header, the device key, the sequence
  number and every record line, so who sent what, in which order, is fixed inside the seal.

The sender keeps no private key of the organisation: it cannot open what it sealed.
Everything is checked in memory before anything is written; each failure is one typed
error (see :class:`BundleRejected`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from intake.errors import ExitCode, IntakeError
from intake.i18n import N_
from intake.vault import sealing, stream

MAGIC = b"INTAKEB\x01"
FORMAT = "intake.bundle/1"
SUITE_INFO = b"intake bundle v1\x00"
SIGNATURE_CONTEXT = b"intake bundle signature v1\x00"
MAX_HEADER_BYTES = 4096
MAX_BUNDLE_BYTES = 1 << 30  # 1 GiB of records (attachments travel apart)
MAX_LINES = 1_000_000
SEALED_KEY_BYTES = 1088 + 32 + stream.KEY_BYTES + stream.TAG_BYTES  # ML-KEM ct, X25519, key
HEADER_KEYS = {"format", "bundle", "recipient", "lines", "payload_bytes"}
ENVELOPE_KEYS = {"device", "sequence", "signature"}


class BundleRejected(IntakeError):
    """Nothing was written. Integrity and trust failures exit 4, malformed content 5."""

    exit_code = ExitCode.INTEGRITY


class NotABundle(BundleRejected):
    template = N_("This file is not a transfer bundle of intake. Nothing was imported.")
    exit_code = ExitCode.INVALID_INPUT


class UnknownBundleVersion(BundleRejected):
    template = N_("This bundle was made by a newer or unknown version of intake ({found}). "
                  "Nothing was imported.")
    exit_code = ExitCode.INVALID_INPUT


class WrongRecipient(BundleRejected):
    template = N_("This bundle is sealed to another organisation's key, not to this "
                  "office. Nothing was imported.")


class BundleDamaged(BundleRejected):
    template = N_("This bundle is damaged or was changed after it was sealed (truncated, "
                  "altered or extended). Nothing was imported; ask for it to be sent again.")


class BundleTooLarge(BundleRejected):
    template = N_("This bundle declares more than intake accepts ({what}). Nothing was "
                  "imported.")
    exit_code = ExitCode.INVALID_INPUT


class BadSignature(BundleRejected):
    template = N_("The signature inside this bundle is not valid: it may have been forged. "
                  "Nothing was imported.")


@dataclass(frozen=True)
class Header:
    bundle: str
    recipient: str
    lines: int
    payload_bytes: int

    def to_bytes(self) -> bytes:
        return _canonical({"format": FORMAT, "bundle": self.bundle,
                           "recipient": self.recipient, "lines": self.lines,
                           "payload_bytes": self.payload_bytes})


@dataclass(frozen=True)
class Opened:
    """A bundle opened and its signature checked against the key it names (whether that
    device is trusted is the caller's decision)."""

    header: Header
    device_public: bytes
    sequence: int
    lines: list[str]
    sha256: str  # of the whole file, for the audit log


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode("ascii")


def _signed(header: bytes, device_public: bytes, sequence: int,
            lines: Sequence[bytes]) -> bytes:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(len(line).to_bytes(8, "big") + line)
    return (SIGNATURE_CONTEXT + hashlib.sha256(header).digest() + device_public
            + sequence.to_bytes(8, "big") + digest.digest())


# -- sealing ------------------------------------------------------------------------------
def seal(recipient_public: bytes, recipient_fingerprint: str, device_private: bytes,
         sequence: int, lines: Sequence[str]) -> bytes:
    """The bundle of ``lines`` (record lines without line ends), signed by the device and
    sealed to the organisation."""
    signer = Ed25519PrivateKey.from_private_bytes(device_private)
    device_public = signer.public_key().public_bytes_raw()
    encoded = [line.encode("utf-8") for line in lines]
    body = b"".join(line + b"\n" for line in encoded)
    # The envelope's size does not depend on its values' (fixed-length fields), so the
    # header can state the payload's size before the signature exists.
    placeholder = _envelope(device_public, sequence, bytes(64))
    header = Header(str(uuid.uuid4()), recipient_fingerprint, len(lines),
                    len(placeholder) + 1 + len(body))
    header_bytes = header.to_bytes()
    signature = signer.sign(_signed(header_bytes, device_public, sequence, encoded))
    payload = _envelope(device_public, sequence, signature) + b"\n" + body
    assert len(payload) == header.payload_bytes
    key = os.urandom(stream.KEY_BYTES)
    sealed_key = sealing.seal(recipient_public, key, SUITE_INFO + header_bytes)
    sealed = stream.seal_bytes(key, payload, hashlib.sha256(header_bytes).digest())
    return b"".join((MAGIC, struct.pack(">I", len(header_bytes)), header_bytes,
                     struct.pack(">I", len(sealed_key)), sealed_key, sealed))


def _envelope(device_public: bytes, sequence: int, signature: bytes) -> bytes:
    return _canonical({"device": base64.b64encode(device_public).decode("ascii"),
                       "sequence": f"{sequence:020d}",
                       "signature": base64.b64encode(signature).decode("ascii")})


# -- opening ------------------------------------------------------------------------------
def read_header(data: bytes) -> tuple[Header, int]:
    """The header and the offset after it; checks only the header itself."""
    if len(data) < len(MAGIC) + 4 or not data.startswith(MAGIC):
        raise NotABundle()
    (size,) = struct.unpack(">I", data[8:12])
    if size > MAX_HEADER_BYTES or len(data) < 12 + size:
        raise NotABundle()
    raw = data[12:12 + size]
    try:
        document = json.loads(raw.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotABundle() from exc
    if not isinstance(document, dict):
        raise NotABundle()
    if document.get("format") != FORMAT:
        found = document.get("format")
        raise UnknownBundleVersion(found=str(found)[:40] if found is not None else "?")
    if set(document) != HEADER_KEYS or _canonical(document) != raw:
        raise NotABundle()
    lines, payload_bytes = document["lines"], document["payload_bytes"]
    bundle, recipient = document["bundle"], document["recipient"]
    for value in (lines, payload_bytes):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise NotABundle()
    if not isinstance(bundle, str) or not isinstance(recipient, str) or len(recipient) > 64:
        raise NotABundle()
    try:
        if str(uuid.UUID(bundle)) != bundle:
            raise ValueError(bundle)
    except ValueError as exc:
        raise NotABundle() from exc
    if lines > MAX_LINES:
        raise BundleTooLarge(what=f"{lines} > {MAX_LINES}")
    if payload_bytes > MAX_BUNDLE_BYTES:
        raise BundleTooLarge(what=f"{payload_bytes} > {MAX_BUNDLE_BYTES}")
    return Header(bundle, recipient, lines, payload_bytes), 12 + size


def open_bundle(data: bytes, recipient_private: bytes, recipient_fingerprint: str) -> Opened:
    """Open and check a bundle for this office; see the module's docstring."""
    if len(data) > MAX_BUNDLE_BYTES + (1 << 20):
        raise BundleTooLarge(what=f"{len(data)} bytes")
    header, offset = read_header(data)
    if header.recipient != recipient_fingerprint:
        raise WrongRecipient()
    header_bytes = header.to_bytes()
    if len(data) < offset + 4:
        raise BundleDamaged()
    (key_size,) = struct.unpack(">I", data[offset:offset + 4])
    offset += 4
    if key_size != SEALED_KEY_BYTES or len(data) < offset + key_size:
        raise BundleDamaged()
    if len(data) - offset - key_size != stream.sealed_size(header.payload_bytes):
        raise BundleDamaged()  # cut short, or more than the header declares
    try:
        key = sealing.open_box(recipient_private, data[offset:offset + key_size],
                               SUITE_INFO + header_bytes)
        if len(key) != stream.KEY_BYTES:
            raise BundleDamaged()
        payload = stream.open_bytes(key, data[offset + key_size:],
                                    hashlib.sha256(header_bytes).digest())
    except (sealing.SealedBoxInvalid, stream.StreamInvalid) as exc:
        raise BundleDamaged() from exc
    if len(payload) != header.payload_bytes:
        raise BundleDamaged()
    device_public, sequence, signature, lines = _parse_payload(payload, header)
    try:
        Ed25519PublicKey.from_public_bytes(device_public).verify(
            signature, _signed(header_bytes, device_public, sequence,
                               [line.encode("utf-8") for line in lines]))
    except InvalidSignature as exc:
        raise BadSignature() from exc
    return Opened(header, device_public, sequence, lines, hashlib.sha256(data).hexdigest())


def _parse_payload(payload: bytes, header: Header) -> tuple[bytes, int, bytes, list[str]]:
    if not payload.endswith(b"\n"):
        raise BundleDamaged()
    raw_lines = payload[:-1].split(b"\n")
    if len(raw_lines) != header.lines + 1:
        raise BundleDamaged()
    try:
        envelope: Any = json.loads(raw_lines[0].decode("ascii"))
        if not isinstance(envelope, dict) or set(envelope) != ENVELOPE_KEYS:
            raise ValueError("envelope")
        device_public = base64.b64decode(envelope["device"], validate=True)
        signature = base64.b64decode(envelope["signature"], validate=True)
        sequence_text = envelope["sequence"]
        if not isinstance(sequence_text, str) or not sequence_text.isdigit():
            raise ValueError("sequence")
        sequence = int(sequence_text)
        lines = [line.decode("utf-8") for line in raw_lines[1:]]
    except (ValueError, UnicodeDecodeError, TypeError, KeyError) as exc:
        raise BundleDamaged() from exc
    if len(device_public) != 32 or len(signature) != 64 or sequence < 1:
        raise BundleDamaged()
    return device_public, sequence, signature, lines
