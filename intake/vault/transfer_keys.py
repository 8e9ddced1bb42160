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

Separation by key (migration 8, :mod:`intake.vault.private`): every private half (the
office's HPKE and signing keys, its retired HPKE keys, the device's signing key) is sealed
under the identity key (IDK), bound to its row. Every function that makes or reads one
takes the IDK and refuses without it (:class:`TransferKeyMissing`): a coordinator's slot,
which carries the database key but never the IDK, can neither open a bundle nor sign one.
Public halves stay plain (fingerprints, the office's public key file), but what decides
where bundles go and whose bundles merge is authenticated by the IDK
(:mod:`intake.vault.transfer_trust`): the rows of ``trusted_org`` and ``trusted_devices``
carry a MAC, and the office's and the device's public halves are checked against their
sealed private halves; a mismatch is refused (:class:`TrustTampered`, exit 4).

After ``rotate_org`` the previous pair moves to ``org_retired_keys``: bundles sealed to an
earlier public key still open (:func:`opening_key`). A revoked device
(:func:`revoke_device`) stays listed, with when and by whom; its bundles are refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from intake.errors import InvalidInput
from intake.i18n import N_
from intake.vault import private, sealing, transfer_trust
from intake.vault.database import Connection
from intake.vault.record_types import IdentityKeyMissing
from intake.vault.transfer_trust import TrustedDevice as TrustedDevice
from intake.vault.transfer_trust import TrustTampered as TrustTampered
from intake.vault.transfer_trust import mac_trust_rows as mac_trust_rows
from intake.vault.transfer_trust import remac as remac

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


class TransferKeyMissing(IdentityKeyMissing):
    """Exit 3: the private keys of transfer are sealed under the identity key."""

    template = N_("Opening, merging or signing bundles and the office's private key need the "
                  "identity key, which your passphrase does not hold (a coordinator's never "
                  "does). Ask a case manager or an administrator. Nothing was changed.")


class UnknownDevice(InvalidInput):
    template = N_("No trusted device has the fingerprint {fingerprint}. Nothing was changed.")


Key = bytes | bytearray


def _need(idk: Key | None) -> bytes:
    if idk is None:
        raise TransferKeyMissing()
    return bytes(idk)


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
def _new_org() -> tuple[bytearray, bytes, bytes, bytes]:
    """(HPKE private, HPKE public, signing private, signing public) of a new pair."""
    hpke_private, hpke_public = sealing.new_key_pair()
    signer = Ed25519PrivateKey.generate()
    return (hpke_private, hpke_public, signer.private_bytes_raw(),
            signer.public_key().public_bytes_raw())


def create_org(conn: Connection, idk: Key | None) -> OrgPublic:
    """The office's key pair, the private halves sealed under ``idk``."""
    key = _need(idk)
    if conn.execute("SELECT 1 FROM org_identity").fetchone() is not None:
        raise OrganisationExists()
    hpke_private, hpke_public, sign_private, sign_public = _new_org()
    conn.execute(
        "INSERT INTO org_identity (one, hpke_private, hpke_public, sign_private, sign_public,"
        " created_at) VALUES (1, ?, ?, ?, ?, ?)",
        (private.seal(key, private.ORG_HPKE.context(1), bytes(hpke_private)), hpke_public,
         private.seal(key, private.ORG_SIGN.context(1), sign_private), sign_public, _now()))
    hpke_private[:] = bytes(len(hpke_private))
    return OrgPublic(hpke_public, sign_public)


def org_public(conn: Connection) -> OrgPublic | None:
    """The office's public key as stored, unchecked (whether there is one): what is handed
    out comes from :func:`org`, checked against the private halves."""
    row = conn.execute("SELECT hpke_public, sign_public FROM org_identity").fetchone()
    return OrgPublic(bytes(row[0]), bytes(row[1])) if row is not None else None


def org(conn: Connection, idk: Key | None) -> OrgPrivate | None:
    """The office's key pair, unsealed with ``idk``; None when there is none."""
    key = _need(idk)
    row = conn.execute("SELECT hpke_private, hpke_public, sign_private, sign_public"
                       " FROM org_identity").fetchone()
    if row is None:
        return None
    found = OrgPrivate(private.unseal(key, private.ORG_HPKE.context(1), bytes(row[0])),
                       OrgPublic(bytes(row[1]), bytes(row[3])),
                       private.unseal(key, private.ORG_SIGN.context(1), bytes(row[2])))
    transfer_trust.check_org_pair(found.hpke_private, found.public.hpke_public,
                                  found.sign_private, found.public.sign_public)
    return found


def rotate_org(conn: Connection, idk: Key | None) -> tuple[OrgPublic, OrgPublic]:
    """(retired, new): a new pair; the previous one moves to ``org_retired_keys`` (its
    HPKE private half sealed to its fingerprint), so bundles sealed to it still open."""
    key = _need(idk)
    current = org(conn, key)
    if current is None:
        raise NoOrganisation()
    retired = current.public
    conn.execute(
        "INSERT INTO org_retired_keys (fingerprint, hpke_private, hpke_public, sign_public,"
        " retired_at) VALUES (?, ?, ?, ?, ?)",
        (retired.fingerprint, private.seal(key, private.ORG_RETIRED_HPKE.context(
            retired.fingerprint), current.hpke_private), retired.hpke_public,
         retired.sign_public, _now()))
    hpke_private, hpke_public, sign_private, sign_public = _new_org()
    conn.execute(
        "UPDATE org_identity SET hpke_private = ?, hpke_public = ?, sign_private = ?,"
        " sign_public = ?, created_at = ? WHERE one = 1",
        (private.seal(key, private.ORG_HPKE.context(1), bytes(hpke_private)), hpke_public,
         private.seal(key, private.ORG_SIGN.context(1), sign_private), sign_public, _now()))
    hpke_private[:] = bytes(len(hpke_private))
    return retired, OrgPublic(hpke_public, sign_public)


def opening_key(conn: Connection, idk: Key | None, recipient: str) -> bytes | None:
    """The HPKE private key of the office's pair (current or retired) whose fingerprint is
    ``recipient``; None when this office never had it."""
    key = _need(idk)
    current = org(conn, key)
    if current is None:
        raise NoOrganisation()
    if current.public.fingerprint == recipient:
        return current.hpke_private
    row = conn.execute("SELECT hpke_private FROM org_retired_keys WHERE fingerprint = ?",
                       (recipient,)).fetchone()
    if row is None:
        return None
    return private.unseal(key, private.ORG_RETIRED_HPKE.context(recipient), bytes(row[0]))


def retired_orgs(conn: Connection) -> list[tuple[str, str]]:
    """(fingerprint, retired at) of the office's earlier pairs, oldest first."""
    return [(str(r[0]), str(r[1])) for r in conn.execute(
        "SELECT fingerprint, retired_at FROM org_retired_keys ORDER BY retired_at")]


# -- the office a field vault sends to ----------------------------------------------------
def trust_org(conn: Connection, idk: Key | None, public: OrgPublic, confirmed: str) -> None:
    """Trust ``public`` once its fingerprint was compared; its row MACed under ``idk``."""
    key = _need(idk)
    if normalize_fingerprint(confirmed) != public.fingerprint:
        raise FingerprintMismatch()
    conn.execute(
        "INSERT INTO trusted_org (one, hpke_public, sign_public, fingerprint, trusted_at, mac)"
        " VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (one) DO UPDATE SET hpke_public = excluded."
        "hpke_public, sign_public = excluded.sign_public, fingerprint = excluded.fingerprint,"
        " trusted_at = excluded.trusted_at, mac = excluded.mac",
        (public.hpke_public, public.sign_public, public.fingerprint, _now(),
         transfer_trust.org_mac(key, public.hpke_public, public.sign_public,
                                public.fingerprint)))


def trusted_org(conn: Connection, idk: Key | None) -> OrgPublic | None:
    """The office this vault seals to, its MAC checked under ``idk`` (:class:`TrustTampered`
    when it fails)."""
    key = _need(idk)
    row = conn.execute("SELECT hpke_public, sign_public, fingerprint, mac FROM trusted_org"
                       ).fetchone()
    if row is None:
        return None
    transfer_trust.check_org(key, row[:3], row[3])
    return OrgPublic(bytes(row[0]), bytes(row[1]))


def trusted_org_unchecked(conn: Connection) -> OrgPublic | None:
    """The same, unchecked: only to show to a role without the identity key."""
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


def device(conn: Connection, idk: Key | None) -> Device:
    """This vault's device key, made on first use (in the caller's transaction), its
    private half sealed under ``idk``."""
    key = _need(idk)
    context = private.DEVICE_SIGN.context(1)
    row = conn.execute("SELECT sign_private, sign_public, last_sequence, last_sent_at"
                       " FROM device_identity").fetchone()
    if row is None:
        signer = Ed25519PrivateKey.generate()
        raw = signer.private_bytes_raw()
        row = (private.seal(key, context, raw), signer.public_key().public_bytes_raw(), 0,
               None)
        conn.execute("INSERT INTO device_identity (one, sign_private, sign_public,"
                     " last_sequence, created_at) VALUES (1, ?, ?, 0, ?)",
                     (row[0], row[1], _now()))
    found = Device(private.unseal(key, context, bytes(row[0])), bytes(row[1]), int(row[2]),
                   row[3])
    transfer_trust.check_device_pair(found.sign_private, found.sign_public)
    return found


def device_public(conn: Connection) -> bytes | None:
    """This vault's device public key, if it has one yet (no identity key needed)."""
    row = conn.execute("SELECT sign_public FROM device_identity").fetchone()
    return bytes(row[0]) if row is not None else None


def note_sent(conn: Connection, sequence: int, sent_at: str) -> None:
    conn.execute("UPDATE device_identity SET last_sequence = ?, last_sent_at = ?",
                 (sequence, sent_at))


# -- devices the office trusts (rows checked and written in vault/transfer_trust.py) -------
_DEVICE_COLUMNS = transfer_trust.DEVICE_COLUMNS


def trusted_device(conn: Connection, idk: Key | None, sign_public: bytes
                   ) -> TrustedDevice | None:
    """The device the office trusted (or trusted and revoked) with this key, or None; its
    row's MAC checked under ``idk``."""
    key = _need(idk)
    row = conn.execute(f"SELECT {_DEVICE_COLUMNS} FROM trusted_devices WHERE sign_public = ?",
                       (sign_public,)).fetchone()
    return transfer_trust.device_of(key, row) if row is not None else None


def trust_device(conn: Connection, idk: Key | None, sign_public: bytes, confirmed: str) -> str:
    key = _need(idk)
    found = fingerprint(sign_public)
    if normalize_fingerprint(confirmed) != found:
        raise FingerprintMismatch()
    if trusted_device(conn, key, sign_public) is None:
        transfer_trust.write_device(conn, key, sign_public, TrustedDevice(found, _now(), 0))
    return found


def _device_row(conn: Connection, key: bytes, found: str) -> tuple[TrustedDevice, bytes]:
    row = conn.execute(f"SELECT {_DEVICE_COLUMNS} FROM trusted_devices WHERE fingerprint = ?",
                       (found,)).fetchone()
    if row is None:
        raise UnknownDevice(fingerprint=found or "?")
    return transfer_trust.device_of(key, row), bytes(row[1])


def note_received(conn: Connection, idk: Key | None, device_fp: str, sequence: int) -> None:
    """The number of the last bundle merged from a trusted device (replays are refused)."""
    key = _need(idk)
    device, sign_public = _device_row(conn, key, device_fp)
    transfer_trust.write_device(conn, key, sign_public, replace(device, last_sequence=sequence))


def revoke_device(conn: Connection, idk: Key | None, typed: str, user: str
                  ) -> tuple[TrustedDevice, bool]:
    """(the device, whether it was revoked now): from now on its bundles are refused. A
    device revoked before keeps its first revocation."""
    key = _need(idk)
    device, sign_public = _device_row(conn, key, normalize_fingerprint(typed))
    if device.revoked:
        return device, False
    device = replace(device, revoked_at=_now(), revoked_by=user)
    transfer_trust.write_device(conn, key, sign_public, device)
    return device, True


def list_trusted_devices(conn: Connection, idk: Key | None) -> list[TrustedDevice]:
    """Every trusted device, each row's MAC checked under ``idk``."""
    key = _need(idk)
    return [transfer_trust.device_of(key, r) for r in conn.execute(
        f"SELECT {_DEVICE_COLUMNS} FROM trusted_devices ORDER BY trusted_at, fingerprint")]
