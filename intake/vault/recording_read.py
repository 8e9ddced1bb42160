"""Reading a recording spool with the recording private key (format:
:mod:`intake.vault.recording_spool`): every segment opened, every record checked, in order.

What a crash leaves is told from damage: a kill -9 or a power cut can only leave the file's
*end* short (a frame cut inside, or its last frame written in part, or zeros where the
file system had not yet written the data). Such a tail is dropped and counted
(:attr:`SpoolReading.dropped_bytes`); the recording is then not :attr:`~SpoolReading.
complete` (its closing record is missing). Anything else — a frame that fails before the
end, a segment or record out of its place, a frame after the closing record, another
spool's frame, a header that does not match the file's name, a segment sealed to the
vault's public key by someone the vault did not grant the spool to — raises
:class:`SpoolDamaged`, and the spool is left as it is.
"""

from __future__ import annotations

import hmac
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.errors import ExitCode, IntakeError
from intake.i18n import N_
from intake.vault import sealing
from intake.vault.recording_spool import (
    FRAME_HEAD,
    FRAME_MAX,
    HEADER_BYTES,
    KEY_BYTES,
    KIND_RECORD,
    KIND_SEGMENT,
    MAGIC,
    TOKEN_BYTES,
    Marker,
    record_aad,
    record_nonce,
    segment_info,
    segment_token,
    spool_key,
)

_SEGMENT_HEAD = 12  # segment number (4) ‖ first record number (8)
_READ = 1 << 16


class SpoolDamaged(IntakeError):
    template = N_("A recording could not be recovered: its file is damaged or was changed. "
                  "The file is kept as it is.")
    exit_code = ExitCode.INTEGRITY


@dataclass
class SpoolReading:
    """What a spool held, filled in as :func:`open_spool` reads it."""

    spool_id: bytes
    record_id: str | None = None
    media_type: str = "application/octet-stream"
    markers: list[Marker] = field(default_factory=list)
    complete: bool = False
    dropped_bytes: int = 0
    seconds: float = 0.0
    audio_bytes: int = 0
    segments: int = 0
    records: int = 0


@dataclass
class _Frame:
    kind: bytes
    body: bytes
    start: int
    at_end: bool  # the file ends right after it


def _all_zero(handle: BinaryIO) -> bool:
    while block := handle.read(_READ):
        if block.strip(b"\x00"):
            return False
    return True


def _frames(handle: BinaryIO, size: int, reading: SpoolReading) -> Iterator[_Frame]:
    """The whole frames; a cut tail is counted in ``reading.dropped_bytes``."""
    position = HEADER_BYTES
    while position < size:
        head = handle.read(FRAME_HEAD)
        length = int.from_bytes(head[1:], "big") if len(head) == FRAME_HEAD else 0
        if len(head) < FRAME_HEAD or (head[:1] in (KIND_SEGMENT, KIND_RECORD)
                                      and length <= FRAME_MAX
                                      and position + FRAME_HEAD + length > size):
            reading.dropped_bytes = size - position  # cut inside this frame
            return
        if head[:1] not in (KIND_SEGMENT, KIND_RECORD) or length > FRAME_MAX:
            if head.strip(b"\x00") or not _all_zero(handle):
                raise SpoolDamaged()
            reading.dropped_bytes = size - position  # zeros a power cut left
            return
        body = handle.read(length)
        if len(body) != length:
            raise SpoolDamaged()
        end = position + FRAME_HEAD + length
        yield _Frame(head[:1], body, position, end == size)
        position = end


class _Reader:
    def __init__(self, private_half: bytes | bytearray, reading: SpoolReading) -> None:
        self.private, self.reading = private_half, reading
        self.spool_key = spool_key(private_half, reading.spool_id)
        self.aead: AESGCM | None = None
        self.segment = -1

    def _cut(self, item: _Frame, size: int) -> bool:
        """A frame that failed: the end of a cut file (dropped, counted) or damage."""
        if not item.at_end:
            raise SpoolDamaged()
        self.reading.dropped_bytes = size - item.start
        return True

    def segment_frame(self, item: _Frame, size: int) -> bool:
        """Open a segment's key; True when the file's cut tail was reached."""
        reading = self.reading
        body = item.body
        segment = int.from_bytes(body[:4], "big")
        first = int.from_bytes(body[4:_SEGMENT_HEAD], "big")
        if len(body) <= _SEGMENT_HEAD or segment != self.segment + 1 or first != reading.records:
            raise SpoolDamaged()
        info = segment_info(reading.spool_id, segment, first)
        try:
            payload = bytearray(sealing.open_box(self.private, body[_SEGMENT_HEAD:], info))
        except sealing.SealedBoxInvalid:
            return self._cut(item, size)
        key, token = payload[:KEY_BYTES], bytes(payload[KEY_BYTES:KEY_BYTES + TOKEN_BYTES])
        header_bytes = bytes(payload[KEY_BYTES + TOKEN_BYTES:])
        if not hmac.compare_digest(token, segment_token(self.spool_key, info, key,
                                                        header_bytes)):
            raise SpoolDamaged()  # sealed to our key, but not by a writer we granted
        try:
            header = json.loads(header_bytes.decode("utf-8"))
            record_id, media = str(header["record"]), str(header["media"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SpoolDamaged() from exc
        if reading.record_id is not None and (record_id, media) != (
                reading.record_id, reading.media_type):
            raise SpoolDamaged()
        reading.record_id, reading.media_type = record_id, media
        self.aead = AESGCM(key)
        payload[:] = bytes(len(payload))
        key[:] = bytes(len(key))
        self.segment, reading.segments = segment, reading.segments + 1
        return False

    def record_frame(self, item: _Frame, size: int) -> tuple[bool, bytes]:
        """(cut tail reached, the record's audio); markers and position noted."""
        reading = self.reading
        if self.aead is None:
            raise SpoolDamaged()
        aad = record_aad(reading.spool_id, self.segment, reading.records)
        plain = None
        for last in (False, True):
            try:
                plain = self.aead.decrypt(record_nonce(reading.records, last), item.body, aad)
            except InvalidTag:
                continue
            reading.complete = last
            break
        if plain is None:
            return self._cut(item, size), b""
        reading.records += 1
        return False, self._contents(plain)

    def _contents(self, plain: bytes) -> bytes:
        reading = self.reading
        try:
            position = _unpack_position(plain)
            length = int.from_bytes(plain[8:12], "big")
            markers = json.loads(plain[12:12 + length].decode("utf-8"))
            reading.markers.extend(Marker(float(offset), str(label))
                                   for offset, label in markers)
        except (ValueError, TypeError) as exc:
            raise SpoolDamaged() from exc
        reading.seconds = max(reading.seconds, position)
        audio = plain[12 + length:]
        reading.audio_bytes += len(audio)
        return audio

    def wipe(self) -> None:
        self.aead = None


def _unpack_position(plain: bytes) -> float:
    if len(plain) < 12:
        raise ValueError("record")
    position: float = struct.unpack(">d", plain[:8])[0]
    if not 0 <= position < 1e7:
        raise ValueError("position")
    return position


def open_spool(handle: BinaryIO, private_half: bytes | bytearray,
               reading: SpoolReading) -> Iterator[bytes]:
    """The spool's audio, record by record, checked; ``reading`` is complete once this is
    exhausted. Raises :class:`SpoolDamaged` (possibly after yielding some audio: the
    caller discards what it made of it)."""
    size = os.fstat(handle.fileno()).st_size
    header = handle.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES:  # cut before its first segment was written
        reading.dropped_bytes = len(header)
        return
    if header[:len(MAGIC)] != MAGIC or header[len(MAGIC):] != reading.spool_id:
        raise SpoolDamaged()
    reader = _Reader(private_half, reading)
    try:
        for item in _frames(handle, size, reading):
            if reading.complete:
                raise SpoolDamaged()  # a frame after the closing record
            if item.kind == KIND_SEGMENT:
                if reader.segment_frame(item, size):
                    return
                continue
            cut, audio = reader.record_frame(item, size)
            if cut:
                return
            if audio:
                yield audio
    finally:
        reader.wipe()
