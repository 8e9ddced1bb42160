"""What a vault trusts for transfer, authenticated by the identity key (separation by key).

A coordinator's slot holds the database key, so it can write any row of ``intake.db``. The
rows that decide where testimonies go and whose bundles merge must therefore carry a
value only identity-key holders can compute (:func:`intake.vault.private.row_mac`):

- ``trusted_org`` (the office a field vault seals every bundle to): a MAC over its public
  halves and fingerprint;
- ``trusted_devices`` (the devices an office accepts, the last bundle number of each, a
  revocation): a MAC over every column, so inserting a device, clearing ``revoked_at`` or
  lowering ``last_sequence`` is refused;
- the office's own ``org_identity`` and this vault's ``device_identity``: their public
  halves are checked against the private halves, which are sealed under the identity key
  (:func:`check_org_pair`, :func:`check_device_pair`).

Every write by an identity-key holder writes the MAC; every read that decides something
checks it first and refuses with :class:`TrustTampered` (exit 4) before anything is sent
or written. A missing MAC is a failing one. What a MAC cannot stop: someone who copied an
authentic row earlier putting it back (a rollback to a state the vault once had, e.g.
before a revocation), or deleting a row (a device no longer trusted is refused, not
accepted).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from intake.errors import ExitCode, IntakeError
from intake.i18n import N_
from intake.vault import private, sealing
from intake.vault.database import Connection

ORG_CONTEXT = "trusted_org"
DEVICE_CONTEXT = "trusted_devices"
#: The columns of ``trusted_devices`` a MAC covers, in this order.
DEVICE_FIELDS = ("fingerprint", "sign_public", "trusted_at", "last_sequence", "revoked_at",
                 "revoked_by")
ORG_FIELDS = ("hpke_public", "sign_public", "fingerprint")
DEVICE_COLUMNS = ", ".join((*DEVICE_FIELDS, "mac"))

Key = bytes | bytearray


class TrustTampered(IntakeError):
    """Exit 4: a row only the database key protects no longer matches its MAC."""

    template = N_("The keys this vault trusts for sending and receiving bundles (the "
                  "office's key, the trusted devices, a revocation) were changed by someone "
                  "without the identity key. Nothing was sent or imported. Restore the "
                  "vault from a backup, then compare the fingerprints with the office again.")
    exit_code = ExitCode.INTEGRITY


def org_mac(idk: Key, hpke_public: bytes, sign_public: bytes, fingerprint: str) -> bytes:
    return private.row_mac(idk, ORG_CONTEXT, bytes(hpke_public), bytes(sign_public),
                           fingerprint)


def device_mac(idk: Key, values: Sequence[Any]) -> bytes:
    """The MAC of a ``trusted_devices`` row, ``values`` in :data:`DEVICE_FIELDS` order."""
    fp, sign_public, trusted_at, last_sequence, revoked_at, revoked_by = values
    return private.row_mac(idk, DEVICE_CONTEXT, fp, bytes(sign_public), trusted_at,
                           int(last_sequence), revoked_at, revoked_by)


def _org_ok(idk: Key, values: Sequence[Any], mac: bytes | None) -> bool:
    return private.row_mac_ok(idk, ORG_CONTEXT, mac, bytes(values[0]), bytes(values[1]),
                              values[2])


def _device_ok(idk: Key, values: Sequence[Any], mac: bytes | None) -> bool:
    fp, sign_public, trusted_at, last_sequence, revoked_at, revoked_by = values
    return private.row_mac_ok(idk, DEVICE_CONTEXT, mac, fp, bytes(sign_public), trusted_at,
                              int(last_sequence), revoked_at, revoked_by)


def check_org(idk: Key, values: Sequence[Any], mac: bytes | None) -> None:
    """Refuse a ``trusted_org`` row (:data:`ORG_FIELDS` order) whose MAC fails."""
    if not _org_ok(idk, values, mac):
        raise TrustTampered()


def check_device(idk: Key, values: Sequence[Any], mac: bytes | None) -> None:
    """Refuse a ``trusted_devices`` row (:data:`DEVICE_FIELDS` order) whose MAC fails."""
    if not _device_ok(idk, values, mac):
        raise TrustTampered()


@dataclass(frozen=True)
class TrustedDevice:
    fingerprint: str
    trusted_at: str
    last_sequence: int
    revoked_at: str | None = None
    revoked_by: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def device_of(idk: Key, row: Sequence[Any]) -> TrustedDevice:
    """The device of a row (:data:`DEVICE_COLUMNS`) whose MAC holds under ``idk``."""
    check_device(idk, row[:6], row[6])
    return TrustedDevice(str(row[0]), str(row[2]), int(row[3]), row[4], row[5])


def write_device(conn: Connection, idk: Key, sign_public: bytes,
                 device: TrustedDevice) -> None:
    """Insert or update a device's row, its MAC under ``idk``."""
    values = (device.fingerprint, sign_public, device.trusted_at, device.last_sequence,
              device.revoked_at, device.revoked_by)
    conn.execute(
        f"INSERT INTO trusted_devices ({DEVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (fingerprint) DO UPDATE SET sign_public = excluded.sign_public,"
        " trusted_at = excluded.trusted_at,"
        " last_sequence = excluded.last_sequence, revoked_at = excluded.revoked_at,"
        " revoked_by = excluded.revoked_by, mac = excluded.mac",
        (*values, device_mac(idk, values)))


def hpke_public_of(hpke_private: bytes | bytearray) -> bytes:
    """The HPKE public key (ML-KEM-768 ‖ X25519) of a private key as sealing.py keeps it."""
    seed = bytes(hpke_private[:sealing.MLKEM_SEED_BYTES])
    kem = mlkem.MLKEM768PrivateKey.from_seed_bytes(seed)
    dh = x25519.X25519PrivateKey.from_private_bytes(
        bytes(hpke_private[sealing.MLKEM_SEED_BYTES:]))
    return kem.public_key().public_bytes_raw() + dh.public_key().public_bytes_raw()


def sign_public_of(sign_private: bytes | bytearray) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(bytes(sign_private)).public_key() \
        .public_bytes_raw()


def check_org_pair(hpke_private: bytes | bytearray, hpke_public: bytes,
                   sign_private: bytes | bytearray, sign_public: bytes) -> None:
    """Refuse the office's key pair when its stored public halves are not those of its
    private halves (sealed under the identity key, so they are the authentic ones)."""
    if hpke_public_of(hpke_private) != bytes(hpke_public) \
            or sign_public_of(sign_private) != bytes(sign_public):
        raise TrustTampered()


def check_device_pair(sign_private: bytes | bytearray, sign_public: bytes) -> None:
    if sign_public_of(sign_private) != bytes(sign_public):
        raise TrustTampered()


# -- every row at once: the migration and the rekey ---------------------------------------
def _org_rows(conn: Connection) -> list[tuple[Any, ...]]:
    return conn.execute(f"SELECT {', '.join(ORG_FIELDS)}, mac FROM trusted_org").fetchall()


def _device_rows(conn: Connection) -> list[tuple[Any, ...]]:
    return conn.execute(f"SELECT {', '.join(DEVICE_FIELDS)}, mac FROM trusted_devices"
                        ).fetchall()


def _write(conn: Connection, idk: Key, old: Key | None) -> None:
    """Every row's MAC under ``idk``; with ``old``, only for rows whose MAC holds under
    ``old`` (the others get none: still refused, never blessed by the rekey)."""
    for *values, mac in _org_rows(conn):
        ok = old is None or _org_ok(old, values, mac)
        conn.execute("UPDATE trusted_org SET mac = ?", (org_mac(idk, *values) if ok else None,))
    for *values, mac in _device_rows(conn):
        ok = old is None or _device_ok(old, values, mac)
        conn.execute("UPDATE trusted_devices SET mac = ? WHERE fingerprint = ?",
                     (device_mac(idk, values) if ok else None, values[0]))


def mac_trust_rows(conn: Connection, idk: Key) -> None:
    """Migration 8: the MAC of every row trusted so far (as the vault holds them now)."""
    _write(conn, idk, None)


def remac(conn: Connection, old: Key, new: Key) -> None:
    """A rekey: every MAC checked under the ``old`` identity key and written under ``new``;
    a row whose MAC fails keeps none (refused when used) and does not stop the rekey (the
    administrator removing a coerced coordinator must not be blocked by its tampering)."""
    _write(conn, new, old)
