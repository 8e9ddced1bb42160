"""Organisation and device keys for field-to-office transfer, kept inside the
encrypted database (migration 5).

- The **organisation** (the office vault) has an HPKE key pair, hybrid ML-KEM-768 + X25519
  (:mod:`intake.vault.sealing`), that bundles are sealed to, and an Ed25519 key it signs
  with. Its public half travels as a small file; a field vault trusts it once a person has
  compared its fingerprint (by phone, say).
- Every vault has its own Ed25519 **device** key, made on first use; bundles are signed with
  it, and the office trusts a device once a person has compared the device's fingerprint.

A fingerprint is SHA-256 of the public keys shown as eight groups of five digits: easy to
read aloud in Korean or English, with about 132 bits to compare.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from intake.errors import InvalidInput
from intake.i18n import N_
from intake.vault import sealing
from intake.vault.database import Connection

ORG_FORMAT = "intake.org-public/1"
GROUPS, GROUP_DIGITS = 8, 5
SIGN_BYTES = 32


class OrgFileInvalid(InvalidInput):
    template = N_("This is not an organisation key file of intake, or it is damaged.")


class FingerprintMismatch(InvalidInput):
    template = N_("The fingerprint does not match: do not trust this file. Compare the "
                  "fingerprint with the office again, digit by digit.")


class NoOrganisation(InvalidInput):
    template = N_("This vault has no organisation key yet (intake org init, at the office).")


class OrganisationExists(InvalidInput):
    template = N_("This vault already has an organisation key.")


class NoTrustedOrganisation(InvalidInput):
    template = N_("This vault does not know the office's key yet (intake org trust).")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def fingerprint(*public_keys: bytes) -> str:
    """Eight groups of five digits from SHA-256 of the length-prefixed keys."""
    digest = hashlib.sha256(b"".join(len(k).to_bytes(4, "big") + k for k in public_keys))
    raw = digest.digest()
    groups = [int.from_bytes(raw[i * 4:(i + 1) * 4], "big") % 10 ** GROUP_DIGITS
              for i in range(GROUPS)]
    return " ".join(f"{g:0{GROUP_DIGITS}d}" for g in groups)


def normalize_fingerprint(text: str) -> str:
    """What a person typed, as digits in groups (spaces, dashes and the like ignored)."""
    digits = "".join(ch for ch in text if ch.isdigit())
    return " ".join(digits[i:i + GROUP_DIGITS] for i in range(0, len(digits), GROUP_DIGITS))


@dataclass(frozen=True)
class OrgPublic:
    hpke_public: bytes
    sign_public: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.hpke_public, self.sign_public)

    def to_file(self) -> bytes:
        document = {"format": ORG_FORMAT,
                    "hpke_public": base64.b64encode(self.hpke_public).decode("ascii"),
                    "sign_public": base64.b64encode(self.sign_public).decode("ascii"),
                    "fingerprint": self.fingerprint}
        return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("ascii")

    @classmethod
    def from_file(cls, data: bytes) -> OrgPublic:
        try:
            document = json.loads(data.decode("utf-8"))
            if not isinstance(document, dict) or document.get("format") != ORG_FORMAT:
                raise ValueError("format")
            hpke_public = base64.b64decode(document["hpke_public"], validate=True)
            sign_public = base64.b64decode(document["sign_public"], validate=True)
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise OrgFileInvalid() from exc
        if len(hpke_public) != sealing.PUBLIC_BYTES or len(sign_public) != SIGN_BYTES:
            raise OrgFileInvalid()
        try:
            Ed25519PublicKey.from_public_bytes(sign_public)
            sealing.check_public(hpke_public)
        except (ValueError, sealing.SealedBoxInvalid) as exc:
            raise OrgFileInvalid() from exc
        return cls(hpke_public, sign_public)


@dataclass(frozen=True)
class OrgPrivate:
    hpke_private: bytes
    public: OrgPublic
    sign_private: bytes


# -- the organisation (office) ------------------------------------------------------------
def create_org(conn: Connection) -> OrgPublic:
    if conn.execute("SELECT 1 FROM org_identity").fetchone() is not None:
        raise OrganisationExists()
    private, public = sealing.new_key_pair()
    signer = Ed25519PrivateKey.generate()
    sign_public = signer.public_key().public_bytes_raw()
    conn.execute(
        "INSERT INTO org_identity (one, hpke_private, hpke_public, sign_private, sign_public,"
        " created_at) VALUES (1, ?, ?, ?, ?, ?)",
        (bytes(private), public, signer.private_bytes_raw(), sign_public, _now()))
    private[:] = bytes(len(private))
    return OrgPublic(public, sign_public)


def org(conn: Connection) -> OrgPrivate | None:
    row = conn.execute("SELECT hpke_private, hpke_public, sign_private, sign_public"
                       " FROM org_identity").fetchone()
    if row is None:
        return None
    return OrgPrivate(bytes(row[0]), OrgPublic(bytes(row[1]), bytes(row[3])), bytes(row[2]))


# -- the office a field vault sends to ----------------------------------------------------
def trust_org(conn: Connection, public: OrgPublic, confirmed: str) -> None:
    if normalize_fingerprint(confirmed) != public.fingerprint:
        raise FingerprintMismatch()
    conn.execute(
        "INSERT INTO trusted_org (one, hpke_public, sign_public, fingerprint, trusted_at)"
        " VALUES (1, ?, ?, ?, ?) ON CONFLICT (one) DO UPDATE SET hpke_public = excluded."
        "hpke_public, sign_public = excluded.sign_public, fingerprint = excluded.fingerprint,"
        " trusted_at = excluded.trusted_at",
        (public.hpke_public, public.sign_public, public.fingerprint, _now()))


def trusted_org(conn: Connection) -> OrgPublic | None:
    row = conn.execute("SELECT hpke_public, sign_public FROM trusted_org").fetchone()
    return OrgPublic(bytes(row[0]), bytes(row[1])) if row is not None else None


# -- this device --------------------------------------------------------------------------
@dataclass(frozen=True)
class Device:
    sign_private: bytes
    sign_public: bytes
    last_sequence: int
    last_sent_at: str | None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_public)


def device(conn: Connection) -> Device:
    """This vault's device key, made on first use (in the caller's transaction)."""
    row = conn.execute("SELECT sign_private, sign_public, last_sequence, last_sent_at"
                       " FROM device_identity").fetchone()
    if row is None:
        signer = Ed25519PrivateKey.generate()
        row = (signer.private_bytes_raw(), signer.public_key().public_bytes_raw(), 0, None)
        conn.execute("INSERT INTO device_identity (one, sign_private, sign_public,"
                     " last_sequence, created_at) VALUES (1, ?, ?, 0, ?)",
                     (row[0], row[1], _now()))
    return Device(bytes(row[0]), bytes(row[1]), int(row[2]), row[3])


def note_sent(conn: Connection, sequence: int, sent_at: str) -> None:
    conn.execute("UPDATE device_identity SET last_sequence = ?, last_sent_at = ?",
                 (sequence, sent_at))


# -- devices the office trusts ------------------------------------------------------------
def trusted_device(conn: Connection, sign_public: bytes) -> tuple[str, int] | None:
    """(fingerprint, last sequence seen) of a trusted device, or None."""
    row = conn.execute("SELECT fingerprint, last_sequence FROM trusted_devices"
                       " WHERE sign_public = ?", (sign_public,)).fetchone()
    return (str(row[0]), int(row[1])) if row is not None else None


def trust_device(conn: Connection, sign_public: bytes, confirmed: str) -> str:
    found = fingerprint(sign_public)
    if normalize_fingerprint(confirmed) != found:
        raise FingerprintMismatch()
    conn.execute("INSERT OR IGNORE INTO trusted_devices (fingerprint, sign_public, trusted_at)"
                 " VALUES (?, ?, ?)", (found, sign_public, _now()))
    return found


def list_trusted_devices(conn: Connection) -> list[dict[str, Any]]:
    return [{"fingerprint": r[0], "trusted_at": r[1], "last_sequence": r[2]}
            for r in conn.execute("SELECT fingerprint, trusted_at, last_sequence"
                                  " FROM trusted_devices ORDER BY trusted_at")]
