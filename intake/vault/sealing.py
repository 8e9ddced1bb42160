"""Per-slot key pairs, so that an administrator can hand keys to a slot without its
passphrase (a rekey on user removal or a role change).

A key slot holds a hybrid post-quantum key pair (ML-KEM-768 + X25519, the HPKE KEM of
RFC 9180 through ``cryptography``): the private half is wrapped under the slot's
passphrase-derived key, the public half is in the clear, and the vault's keys are sealed
to the public half with HPKE (HKDF-SHA-256, AES-256-GCM). Whoever holds the vault's keys
(an administrator) can therefore seal *new* keys to every remaining slot; only the slot's
passphrase opens them. The hybrid KEM matters because the public halves sit in a file
that may be seized today: a future quantum computer must not turn them into the keys.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
MLKEM_SEED_BYTES = 64
MLKEM_PUBLIC_BYTES = 1184
X25519_BYTES = 32
PRIVATE_BYTES = MLKEM_SEED_BYTES + X25519_BYTES
PUBLIC_BYTES = MLKEM_PUBLIC_BYTES + X25519_BYTES


class SealedBoxInvalid(Exception):
    """A sealed box did not open with the slot's private key, or a key is malformed."""


def new_key_pair() -> tuple[bytearray, bytes]:
    """(private, public) as bytes: ML-KEM seed ‖ X25519 private; ML-KEM ‖ X25519 public."""
    kem = mlkem.MLKEM768PrivateKey.generate()
    dh = x25519.X25519PrivateKey.generate()
    private = bytearray(kem.private_bytes_raw() + dh.private_bytes_raw())
    public = kem.public_key().public_bytes_raw() + dh.public_key().public_bytes_raw()
    return private, public


def _public(public: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(public) != PUBLIC_BYTES:
        raise SealedBoxInvalid("public key length")
    try:
        return hpke.MLKEM768X25519PublicKey(
            mlkem.MLKEM768PublicKey.from_public_bytes(public[:MLKEM_PUBLIC_BYTES]),
            x25519.X25519PublicKey.from_public_bytes(public[MLKEM_PUBLIC_BYTES:]))
    except ValueError as exc:
        raise SealedBoxInvalid("public key") from exc


def check_public(public: bytes) -> None:
    """Raise :class:`SealedBoxInvalid` unless ``public`` is a well-formed public key."""
    _public(public)


def _private(private: bytes | bytearray) -> hpke.MLKEM768X25519PrivateKey:
    if len(private) != PRIVATE_BYTES:
        raise SealedBoxInvalid("private key length")
    try:
        return hpke.MLKEM768X25519PrivateKey(
            mlkem.MLKEM768PrivateKey.from_seed_bytes(bytes(private[:MLKEM_SEED_BYTES])),
            x25519.X25519PrivateKey.from_private_bytes(bytes(private[MLKEM_SEED_BYTES:])))
    except ValueError as exc:
        raise SealedBoxInvalid("private key") from exc


def seal(public: bytes, payload: bytes, info: bytes) -> bytes:
    """``payload`` sealed to ``public``; ``info`` binds the box to its context."""
    return SUITE.encrypt(payload, _public(public), info=info)


def open_box(private: bytes | bytearray, box: bytes, info: bytes) -> bytes:
    try:
        return SUITE.decrypt(box, _private(private), info=info)
    except (InvalidTag, ValueError) as exc:
        raise SealedBoxInvalid("box") from exc
