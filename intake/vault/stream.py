"""Chunked authenticated encryption (the STREAM construction, as age uses it) for data too
large to seal in one piece: transfer bundles now, attachments later.

The plaintext is cut into chunks of ``CHUNK_BYTES``; chunk *i* is sealed with AES-256-GCM
under a key used for this one stream, with the nonce ``i`` (11 bytes, big-endian) followed
by a flag byte that is 1 on the last chunk only, and ``aad`` as associated data. So a
flipped bit fails its chunk's tag; chunks reordered or swapped between streams fail (the
nonce or the key differs); a stream cut after any chunk fails (no chunk carries the last
flag); and bytes appended after the last chunk are refused. An empty plaintext is one
empty last chunk.

:func:`pad` and :func:`unpad` hide a plaintext's exact length (attachments): it is followed
by ``0x80`` and zero bytes (ISO/IEC 7816-4) up to :func:`padded_size`, the Padmé length
(Nikitin et al., "Reducing metadata leakage from encrypted files and communication with
PURBs", 2019): at most about 12 % more, and lengths that share their high bits look alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
KEY_BYTES = 32
_MAX_CHUNKS = 1 << 64


class StreamInvalid(Exception):
    """A chunk failed its tag, the stream was cut short, or it went on past its end."""


def _nonce(index: int, last: bool) -> bytes:
    if index >= _MAX_CHUNKS // 256:
        raise StreamInvalid("too many chunks")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def sealed_size(plain_size: int) -> int:
    """The size of the sealed stream of ``plain_size`` bytes."""
    chunks = max(1, -(-plain_size // CHUNK_BYTES))
    return plain_size + chunks * TAG_BYTES


def padme(length: int) -> int:
    """``length`` rounded up to a multiple of 2^(E − ⌊log2 E⌋ − 1), E = ⌊log2 length⌋."""
    if length < 2:
        return length
    exponent = length.bit_length() - 1
    low_bits = exponent - exponent.bit_length()
    mask = (1 << low_bits) - 1
    return (length + mask) & ~mask


def padded_size(plain_size: int) -> int:
    """The length of ``plain_size`` bytes once padded by :func:`pad` (the marker counts)."""
    return padme(plain_size + 1)


def pad(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``chunks`` followed by ``0x80 0x00…`` up to :func:`padded_size`, as chunks of exactly
    ``CHUNK_BYTES`` but the last (full chunks given pass through without a copy)."""
    pending = bytearray()
    size = 0
    for piece in chunks:
        size += len(piece)
        if not pending and len(piece) == CHUNK_BYTES:
            yield piece
            continue
        pending += piece
        while len(pending) >= CHUNK_BYTES:
            yield bytes(pending[:CHUNK_BYTES])
            del pending[:CHUNK_BYTES]
    pending.append(0x80)
    zeros = padded_size(size) - size - 1
    while True:
        take = min(zeros, CHUNK_BYTES - len(pending))
        pending += bytes(take)
        zeros -= take
        if not zeros:
            break
        yield bytes(pending)
        pending = bytearray()
    yield bytes(pending)


def unpad(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The plaintext :func:`pad` padded, as chunks (runs of zeros are held back, as a count,
    until it is known whether they are padding). Raises :class:`StreamInvalid` when the
    padding is not ``0x80 0x00…`` to the Padmé length."""
    held: int | None = None  # the last non-zero byte so far: the marker if nothing follows
    zeros = total = size = 0
    for chunk in chunks:
        total += len(chunk)
        stripped = chunk.rstrip(b"\x00")
        if not stripped:
            zeros += len(chunk)
            continue
        if held is not None:  # it was data, and so were the zeros after it
            yield bytes((held,))
            size += 1
        size += zeros
        while zeros:
            take = min(zeros, CHUNK_BYTES)
            yield bytes(take)
            zeros -= take
        if len(stripped) > 1:
            yield stripped[:-1]
            size += len(stripped) - 1
        held, zeros = stripped[-1], len(chunk) - len(stripped)
    if held != 0x80 or total != padded_size(size):
        raise StreamInvalid("padding")


def seal(key: bytes, chunks: Iterable[bytes], aad: bytes = b"") -> Iterator[bytes]:
    """Sealed chunks of the plaintext given as ``chunks`` (of any sizes)."""
    aead = AESGCM(key)
    pending = bytearray()
    index = 0
    for piece in chunks:
        pending += piece
        while len(pending) > CHUNK_BYTES:  # keep one chunk back: it may be the last
            yield aead.encrypt(_nonce(index, False), bytes(pending[:CHUNK_BYTES]), aad)
            del pending[:CHUNK_BYTES]
            index += 1
    yield aead.encrypt(_nonce(index, True), bytes(pending), aad)


class Sealer:
    """Chunk-at-a-time sealing for callers that know which chunk is the last (a file read
    with one chunk of look-ahead): the same stream as :func:`seal`, without its copying."""

    def __init__(self, key: bytes, aad: bytes = b"") -> None:
        self._aead, self._aad, self._index, self._done = AESGCM(key), aad, 0, False

    def seal(self, chunk: bytes, last: bool) -> bytes:
        if self._done or len(chunk) > CHUNK_BYTES or (not last and len(chunk) != CHUNK_BYTES):
            raise ValueError("chunk")
        sealed = self._aead.encrypt(_nonce(self._index, last), chunk, self._aad)
        self._index += 1
        self._done = last
        return sealed


def seal_bytes(key: bytes, data: bytes, aad: bytes = b"") -> bytes:
    return b"".join(seal(key, (data[i:i + CHUNK_BYTES]
                               for i in range(0, len(data), CHUNK_BYTES)), aad))


def open_chunks(key: bytes, sealed: Iterable[bytes], aad: bytes = b"") -> Iterator[bytes]:
    """The plaintext chunks of a sealed stream given as its sealed chunks (each exactly
    ``CHUNK_BYTES + TAG_BYTES`` long but the last). Raises :class:`StreamInvalid`."""
    aead = AESGCM(key)
    index = 0
    finished = False
    for chunk in sealed:
        if finished:
            raise StreamInvalid("data after the last chunk")
        if len(chunk) < TAG_BYTES or len(chunk) > CHUNK_BYTES + TAG_BYTES:
            raise StreamInvalid("chunk size")
        last = len(chunk) < CHUNK_BYTES + TAG_BYTES
        try:
            plain = aead.decrypt(_nonce(index, last), chunk, aad)
        except InvalidTag:
            if last:
                raise StreamInvalid("chunk") from None
            try:  # a full-size chunk may still be the last one
                plain = aead.decrypt(_nonce(index, True), chunk, aad)
            except InvalidTag:
                raise StreamInvalid("chunk") from None
            last = True
        finished = last
        index += 1
        yield plain
    if not finished:
        raise StreamInvalid("cut short")


def open_bytes(key: bytes, data: bytes, aad: bytes = b"") -> bytes:
    size = CHUNK_BYTES + TAG_BYTES
    return b"".join(open_chunks(key, (data[i:i + size] for i in range(0, len(data), size))
                                if data else iter(()), aad))
