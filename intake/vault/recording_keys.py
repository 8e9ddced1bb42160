"""The vault's recording key pair (issue 19): what a recorder seals its segment keys to.

The pair is the hybrid ML-KEM-768 + X25519 HPKE key of :mod:`intake.vault.sealing` (the
same suite as key slots and bundles): a spool file may be seized today and kept, so its
segment keys must not fall to a future quantum computer either. Each segment's box costs
1,120 bytes of encapsulation and well under a millisecond, once a minute.

- The **public** half is in the clear in the ``recording_key`` row (migration 12), so a
  recorder needs no vault key to seal to it: a lock while recording does not stop it.
- The **private** half is sealed under the identity key (:func:`intake.vault.private.seal`,
  bound to its row: :data:`RECORDING_PRIVATE`): only an identity-key holder finishes a
  spool, a coordinator's slot cannot.
- A database-key holder could put a public key of their own in the row, so that later
  recordings are sealed to them: :func:`recording_public` takes the identity key and
  checks the public half against the sealed private half (:class:`RecordingKeyTampered`).

The pair is independent of the identity key: a rekey re-seals the private half
(:data:`RECORDING_PRIVATE` must be among ``private.SEALED_COLUMNS`` for that) and spools
written before it still open.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os

from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from intake.errors import ExitCode, IntakeError
from intake.i18n import N_
from intake.vault import private, sealing
from intake.vault.database import Connection, transaction
from intake.vault.record_types import IdentityKeyMissing
from intake.vault.recording_spool import SPOOL_ID_BYTES, SpoolGrant, spool_key

#: The private half's row and column, and a finished recording's markers (sealed under the
#: identity key; in ``private.SEALED_COLUMNS``, so a rekey carries them).
RECORDING_PRIVATE = private.RECORDING_PRIVATE
RECORDING_MARKERS = private.RECORDING_MARKERS


class RecordingKeyTampered(IntakeError):
    template = N_("The vault's recording key was changed outside the app; nothing is "
                  "recorded with it.")
    exit_code = ExitCode.INTEGRITY


def _need(idk: private.Key | None) -> private.Key:
    if idk is None:
        raise IdentityKeyMissing()
    return idk


def public_of(private_half: bytes | bytearray) -> bytes:
    """The public half of a :func:`sealing.new_key_pair` private half."""
    if len(private_half) != sealing.PRIVATE_BYTES:
        raise sealing.SealedBoxInvalid("private key length")
    seed = bytes(private_half[:sealing.MLKEM_SEED_BYTES])
    dh = bytes(private_half[sealing.MLKEM_SEED_BYTES:])
    return (mlkem.MLKEM768PrivateKey.from_seed_bytes(seed).public_key().public_bytes_raw()
            + x25519.X25519PrivateKey.from_private_bytes(dh).public_key().public_bytes_raw())


def _create(conn: Connection, idk: private.Key) -> bytes:
    secret, public = sealing.new_key_pair()
    try:
        sealed = private.seal(idk, RECORDING_PRIVATE.context(1), bytes(secret))
    finally:
        secret[:] = bytes(len(secret))
    row = (public, sealed, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    insert = "INSERT INTO recording_key (one, public, private, created_at) VALUES (1, ?, ?, ?)"
    if conn.in_transaction:
        conn.execute(insert, row)
    else:
        with transaction(conn):
            conn.execute(insert, row)
    return public


def recording_private(conn: Connection, idk: private.Key | None) -> bytearray:
    """The private half (the caller wipes it), checked against the public half; raises
    :class:`IdentityKeyMissing` without the identity key, :class:`RecordingKeyTampered`
    when there is no pair or the halves do not match."""
    key = _need(idk)
    row = conn.execute("SELECT public, private FROM recording_key WHERE one = 1").fetchone()
    if row is None:
        raise RecordingKeyTampered()
    secret = bytearray(private.unseal(key, RECORDING_PRIVATE.context(1), bytes(row[1])))
    try:
        matches = hmac.compare_digest(public_of(secret), bytes(row[0]))
    except (ValueError, sealing.SealedBoxInvalid):
        matches = False
    if not matches:
        secret[:] = bytes(len(secret))
        raise RecordingKeyTampered()
    return secret


def recording_public(conn: Connection, idk: private.Key | None) -> bytes:
    """The public half a recorder seals to (made on first use), checked against the
    sealed private half: call it while unlocked with the identity key, before recording."""
    key = _need(idk)
    row = conn.execute("SELECT public FROM recording_key WHERE one = 1").fetchone()
    if row is None:
        return _create(conn, key)
    secret = recording_private(conn, key)
    secret[:] = bytes(len(secret))
    return bytes(row[0])


def grant_spool(conn: Connection, idk: private.Key | None) -> SpoolGrant:
    """What a recorder needs for one new spool (call it while unlocked with the identity
    key, at Record): the public half, a new spool id and that spool's authentication key,
    derived from the private half — which is wiped again before this returns."""
    public = recording_public(conn, idk)
    secret = recording_private(conn, idk)
    try:
        spool_id = os.urandom(SPOOL_ID_BYTES)
        return SpoolGrant(spool_id, public, spool_key(secret, spool_id))
    finally:
        secret[:] = bytes(len(secret))
