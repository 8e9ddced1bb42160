"""The write-only recording path (issue 19): a recorder's encoded audio, encrypted as it is
captured into a spool file that the recorder itself cannot read back.

A :class:`RecordingWriter` is opened while the vault is unlocked, with the vault folder,
the record id and a :class:`SpoolGrant` (:func:`intake.vault.recording_keys.grant_spool`):
the vault's recording *public* key, a new spool id and that one spool's authentication key
— no database key, no identity key. A lock while recording therefore does not stop it, and
a laptop seized while recording holds, in the writer, only the current segment's key and
the audio not yet flushed: every earlier segment's key exists only sealed to the public
key, whose private half is under the identity key. :func:`intake.vault.recording_finish.
finish_spool` opens the spool with the identity key and re-seals it as an ordinary
attachment.

The spool file, ``attachments/<spool id, 32 hex>.spool`` (0600; its name never matches an
attachment's, so ``attachments.sweep`` leaves it), is::

    MAGIC ‖ spool id (16 bytes) ‖ frame*
    frame = kind (1 byte) ‖ length (4 bytes, big-endian) ‖ body
    kind "K", a segment: segment number (4) ‖ first record number (8) ‖ HPKE box of
        (segment key (32) ‖ token (32) ‖ JSON {"record": record id, "media": media type}),
        info = SEGMENT_INFO ‖ spool id ‖ segment number ‖ first record number; token =
        HMAC-SHA-256(spool key, info ‖ segment key ‖ JSON), spool key = HKDF-SHA-256(
        recording private key, SPOOL_AUTH_INFO ‖ spool id)
    kind "D", a record: AES-256-GCM under the segment key, nonce = record number (11 bytes,
        big-endian) ‖ last flag (1 on the closing record only), associated data
        RECORD_AAD ‖ spool id ‖ segment number ‖ record number; the plaintext is the audio
        position in seconds (float64) ‖ markers' length (4) ‖ markers (JSON
        [[offset, label], …]) ‖ encoded audio

The public key is readable with the database key, so anyone holding it could seal a
spool; the token says the spool was granted by an identity-key holder (the spool key is
derived from the private half), so a coordinator cannot plant a recording in a record.

Record numbers run on across segments and segments are numbered from 0, both bound into
every box and tag: a segment or record removed, repeated, reordered or moved from another
spool fails, and only the writer's :meth:`close` writes the last flag. Each :meth:`flush`
seals what was written since the previous one as one record (at most :data:`RECORD_MAX`
bytes of audio; more makes several), writes it and fsyncs: a kill -9 or a power cut loses
only what was not flushed, and a frame cut by it is recognised and reported as such.

Every ``rotate_seconds`` (60 by default) a flush starts a new segment: the old key's
``bytearray`` is zeroed and its AESGCM object dropped. What Python cannot promise: the
``bytes`` copies handed to ``cryptography`` (the HPKE payload, each record's plaintext
before sealing, the grant's spool key) are freed, not zeroed, and freed memory may keep
them until reused; a dropped AESGCM object's copy of the key lives in an OpenSSL cipher
context, which OpenSSL clears as it frees it (not checked by a test here). The unflushed
audio is in a ``bytearray`` zeroed once sealed. A seized running writer also gives its
spool key: that spool could be extended by whoever holds it (never another spool).

The writer holds an exclusive ``flock`` on its file while open; :func:`pending_spools`
lists only spools no live writer holds (a kill -9 releases the lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import re
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.atomic import fsync_dir
from intake.vault import attachments, sealing

MAGIC = b"intake recording spool v1\n"
SPOOL_ID_BYTES = 16
HEADER_BYTES = len(MAGIC) + SPOOL_ID_BYTES
SUFFIX = ".spool"
KIND_SEGMENT, KIND_RECORD = b"K", b"D"
FRAME_HEAD = 5
SEGMENT_INFO = b"intake recording segment v1\x00"
RECORD_AAD = b"intake recording record v1\x00"
SPOOL_AUTH_INFO = b"intake recording spool auth v1\x00"
TOKEN_BYTES = 32
KEY_BYTES = 32
#: The most audio one record carries; a larger write is sealed as several records.
RECORD_MAX = 1 << 20
#: The longest markers' JSON one record carries (a flush with more splits them).
MARKERS_MAX = 1 << 16
#: The largest frame body a reader accepts (a longer declared length is damage).
FRAME_MAX = RECORD_MAX + MARKERS_MAX + 4096
ROTATE_SECONDS = 60.0
LABEL_MAX = 200
_NAME = re.compile(r"[0-9a-f]{32}\.spool")
_POSITION = struct.Struct(">dI")


@dataclass(frozen=True)
class Marker:
    """A section or question the interviewer reached, ``offset`` seconds into the audio."""

    offset: float
    label: str


@dataclass(frozen=True)
class SpoolGrant:
    """What a recorder needs for one spool, and nothing that opens the vault."""

    spool_id: bytes
    public: bytes
    spool_key: bytes


def spool_key(private_half: bytes | bytearray, spool_id: bytes) -> bytes:
    """The spool's authentication key: HKDF-SHA-256(private half, SPOOL_AUTH_INFO ‖ id)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=SPOOL_AUTH_INFO + spool_id).derive(bytes(private_half))


def segment_token(key: bytes | bytearray, info: bytes, segment_key: bytes | bytearray,
                  header: bytes) -> bytes:
    return hmac.new(bytes(key), info + bytes(segment_key) + header, hashlib.sha256).digest()


def segment_info(spool_id: bytes, segment: int, first_record: int) -> bytes:
    return SEGMENT_INFO + spool_id + segment.to_bytes(4, "big") + first_record.to_bytes(8, "big")


def record_aad(spool_id: bytes, segment: int, record: int) -> bytes:
    return RECORD_AAD + spool_id + segment.to_bytes(4, "big") + record.to_bytes(8, "big")


def record_nonce(record: int, last: bool) -> bytes:
    return record.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def frame(kind: bytes, body: bytes) -> bytes:
    return kind + len(body).to_bytes(4, "big") + body


def is_spool_name(name: str) -> bool:
    return bool(_NAME.fullmatch(name))


def spool_id_of(path: Path) -> bytes:
    if not is_spool_name(path.name):
        raise ValueError("spool name")
    return bytes.fromhex(path.name[:-len(SUFFIX)])


def _locked(path: Path) -> bool:
    """Whether a live writer (or a finish under way) holds the spool's lock."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken here
    return False


def pending_spools(vault_folder: Path) -> list[Path]:
    """The spools no writer holds, oldest first: recordings cut by a crash, a kill or a
    power cut, or stopped and not yet finished. The unlock finishes each with the
    identity key (:func:`intake.vault.recording_finish.finish_spool`)."""
    folder = attachments.folder_of(vault_folder)
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if is_spool_name(p.name) and p.is_file()]
    found.sort(key=lambda p: (p.stat().st_mtime, p.name))
    return [p for p in found if not _locked(p)]


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _check_marker(offset: float, label: str) -> Marker:
    if not isinstance(label, str) or not label or len(label) > LABEL_MAX:
        raise ValueError("marker label: a section or question id")
    if not isinstance(offset, int | float) or not 0 <= float(offset) < 1e7:
        raise ValueError("marker offset: seconds from the start")
    return Marker(float(offset), label)


class RecordingWriter:
    """Appends encoded audio and markers to a new spool, sealed to ``public_key``."""

    def __init__(self, vault_folder: Path, record_id: str, grant: SpoolGrant, *,
                 media_type: str = "audio/ogg", rotate_seconds: float = ROTATE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        sealing.check_public(grant.public)
        if rotate_seconds <= 0 or len(grant.spool_id) != SPOOL_ID_BYTES:
            raise ValueError("rotate_seconds or spool id")
        self._public, self._clock, self._rotate = grant.public, clock, rotate_seconds
        self._spool_key = bytearray(grant.spool_key)  # wiped at close
        self._header = json.dumps({"record": record_id, "media": media_type},
                                  separators=(",", ":")).encode("utf-8")
        self.spool_id = grant.spool_id
        folder = attachments.folder_of(vault_folder)
        folder.mkdir(mode=0o700, exist_ok=True)
        self.path = folder / f"{self.spool_id.hex()}{SUFFIX}"
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._pending = bytearray()
        self._markers: list[Marker] = []
        self._key: bytearray | None = None
        self._aead: AESGCM | None = None
        self._segment, self._record = -1, 0
        self._started = clock()
        self._segment_started = self._started
        self._size = 0
        try:
            self._append(MAGIC + self.spool_id)
            self._start_segment()
            os.fsync(self._fd)
            fsync_dir(folder)
        except BaseException:
            self._abandon()
            self.path.unlink(missing_ok=True)
            raise

    @property
    def segment(self) -> int:
        """The current segment's number (0 first)."""
        return self._segment

    @property
    def closed(self) -> bool:
        return self._fd is None

    def _need_open(self) -> int:
        if self._fd is None:
            raise ValueError("the recording spool is closed")
        return self._fd

    def _wipe_key(self) -> None:
        self._aead = None
        if self._key is not None:
            self._key[:] = bytes(len(self._key))
            self._key = None

    def _append(self, data: bytes) -> None:
        """One whole frame, or nothing: a failed write (a full disk) is cut off again, so a
        half frame never stands between whole ones."""
        fd = self._need_open()
        try:
            _write_all(fd, data)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, self._size)
                os.lseek(fd, self._size, os.SEEK_SET)
            raise
        self._size += len(data)

    def _start_segment(self) -> None:
        """A new segment, its key sealed to the public key; once it is written the previous
        key is wiped (if it could not be written, the previous segment goes on)."""
        key = bytearray(os.urandom(KEY_BYTES))
        segment = self._segment + 1
        try:
            info = segment_info(self.spool_id, segment, self._record)
            token = segment_token(self._spool_key, info, key, self._header)
            box = sealing.seal(self._public, bytes(key) + token + self._header, info)
            body = segment.to_bytes(4, "big") + self._record.to_bytes(8, "big") + box
            self._append(frame(KIND_SEGMENT, body))
        except BaseException:
            key[:] = bytes(KEY_BYTES)
            raise
        self._wipe_key()
        self._segment, self._key, self._aead = segment, key, AESGCM(key)
        self._segment_started = self._clock()

    def _take_markers(self) -> tuple[int, bytes]:
        """(how many, their JSON) of the pending markers that fit in one record."""
        taken: list[list[object]] = []
        size = 2
        for marker in self._markers:
            size += len(marker.label) * 4 + 40
            if size >= MARKERS_MAX and taken:
                break
            taken.append([marker.offset, marker.label])
        return len(taken), json.dumps(taken, separators=(",", ":"),
                                      ensure_ascii=False).encode("utf-8")

    def _seal_record(self, audio_bytes: int, position: float, last: bool) -> None:
        """One record of the first ``audio_bytes`` pending bytes and pending markers; they
        leave the buffers only once the record is written."""
        if self._aead is None:
            raise ValueError("no segment key")
        count, markers = self._take_markers()
        plain = bytearray(_POSITION.pack(position, len(markers)))
        plain += markers
        plain += self._pending[:audio_bytes]
        try:
            sealed = self._aead.encrypt(record_nonce(self._record, last), bytes(plain),
                                        record_aad(self.spool_id, self._segment, self._record))
        finally:
            plain[:] = bytes(len(plain))
        self._append(frame(KIND_RECORD, sealed))
        self._record += 1
        del self._markers[:count]
        self._pending[:audio_bytes] = bytes(audio_bytes)  # zeroed, then dropped
        del self._pending[:audio_bytes]

    def _position(self, offset_seconds: float | None) -> float:
        if offset_seconds is None:
            return max(0.0, self._clock() - self._started)
        return float(offset_seconds)

    def write(self, encoded: bytes | bytearray | memoryview) -> None:
        """Encoded audio, kept in memory until the next :meth:`flush` (a megabyte or more
        is sealed and written at once, fsynced at the flush)."""
        self._need_open()
        self._pending += encoded
        while len(self._pending) >= RECORD_MAX:
            self._seal_record(RECORD_MAX, self._position(None), False)

    def mark(self, offset_seconds: float, label_key: str) -> None:
        """A marker (a section or question id), sealed with the next flush."""
        self._need_open()
        self._markers.append(_check_marker(offset_seconds, label_key))

    def flush(self, offset_seconds: float | None = None) -> None:
        """Seal what was written and marked since the last flush, write it and fsync; then,
        when the segment is ``rotate_seconds`` old, start the next one (the old key wiped).
        ``offset_seconds``: the audio's position now (the encoder's count), else the time
        since the writer opened. Call it every few seconds (≤ 5)."""
        fd = self._need_open()
        position = self._position(offset_seconds)
        while self._pending or self._markers:
            self._seal_record(min(len(self._pending), RECORD_MAX), position, False)
        if self._clock() - self._segment_started >= self._rotate:
            self._start_segment()
        os.fsync(fd)

    def close(self, offset_seconds: float | None = None) -> None:
        """The closing record (the last flag: the recording ended here), fsynced; the key
        wiped. Calling it again does nothing."""
        if self._fd is None:
            return
        try:
            position = self._position(offset_seconds)
            while self._pending or self._markers:
                self._seal_record(min(len(self._pending), RECORD_MAX), position, False)
            self._seal_record(0, position, True)  # empty: only says "ended here"
            os.fsync(self._fd)
        finally:
            self._abandon()

    def _abandon(self) -> None:
        """Keys and pending audio wiped, the file closed (its lock released)."""
        self._wipe_key()
        self._spool_key[:] = bytes(len(self._spool_key))
        self._pending[:] = bytes(len(self._pending))
        self._pending.clear()
        self._markers.clear()
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
