"""Finishing a recording spool (issue 19): with the identity key, at Stop or at the next
unlock, the spool is opened (:mod:`intake.vault.recording_read`), every record checked, and
its audio re-sealed as an ordinary attachment of its record — the same file format, the
same row, the same checks as any attachment (:mod:`intake.vault.attachments`), nothing
relaxed. Its markers are sealed under the identity key in ``recordings`` beside it.

Order, so that a crash at any point loses nothing and attaches nothing twice: the new
attachment file is written and flushed (a crash leaves a file no row names, which
``attachments.sweep`` removes); then one transaction stores the attachment's row, the
``recordings`` row (naming the spool) and the audit entries; then the spool is removed. A
spool whose id is already in ``recordings`` was finished before a crash: it is only
removed.

A spool cut by a crash is finished with what was flushed: the cut tail is dropped and
said — :attr:`FinishedRecording.complete` is False, ``dropped_bytes`` counts it, and the
audit log says ``recording_recovered`` (``count``: the bytes dropped) rather than
``recording_saved``. Audio the writer had not flushed was never on disk: at most the last
flush interval.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from intake.atomic import fsync_dir
from intake.errors import ExitCode, IntakeError
from intake.i18n import N_
from intake.vault import attachments, audit, private, stream
from intake.vault.attachments import Attachment
from intake.vault.audit import AuditAction
from intake.vault.database import Connection, transaction
from intake.vault.record_types import IdentityKeyMissing
from intake.vault.recording_keys import RECORDING_MARKERS, recording_private
from intake.vault.recording_read import SpoolReading, open_spool
from intake.vault.recording_spool import Marker, spool_id_of


class SpoolBusy(IntakeError):
    template = N_("This recording is still being written; it is finished when it stops.")
    exit_code = ExitCode.INVALID_INPUT


@dataclass(frozen=True)
class FinishedRecording:
    """What a finish made: the attachment (None when nothing was recorded), its markers,
    whether the writer closed the spool, the bytes of a cut tail dropped, and the audio's
    position at the last record kept (seconds). ``record_missing``: the record was deleted
    while it was recorded, so the recording went with it (as its attachments did)."""

    attachment: Attachment | None
    markers: tuple[Marker, ...]
    complete: bool
    dropped_bytes: int
    seconds: float
    record_missing: bool = False


def _counted(chunks: Iterator[bytes], digest: hashlib._Hash, size: list[int]) -> Iterator[bytes]:
    for chunk in chunks:
        digest.update(chunk)
        size[0] += len(chunk)
        yield chunk


def _rechunk(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """Pieces of at most one stream chunk (``stream.pad`` expects no larger ones)."""
    for chunk in chunks:
        for start in range(0, len(chunk), stream.CHUNK_BYTES):
            yield chunk[start:start + stream.CHUNK_BYTES]


def _seal_markers(idk: private.Key, attachment_id: str, markers: list[Marker]) -> bytes:
    data = json.dumps([[m.offset, m.label] for m in markers], separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
    return private.seal(idk, RECORDING_MARKERS.context(attachment_id), data)


def markers_of(conn: Connection, idk: private.Key | None,
               attachment_id: str) -> tuple[Marker, ...]:
    """A finished recording's markers (an attachment that was not recorded has none)."""
    if idk is None:
        raise IdentityKeyMissing()
    row = conn.execute("SELECT markers FROM recordings WHERE attachment_id = ?",
                       (attachment_id,)).fetchone()
    if row is None:
        return ()
    data = private.unseal(idk, RECORDING_MARKERS.context(attachment_id), bytes(row[0]))
    return tuple(Marker(float(offset), str(label)) for offset, label in json.loads(data))


def _write_attachment(vault_folder: Path, handle: object, private_half: bytearray,
                      reading: SpoolReading) -> tuple[str, bytes, int, str]:
    """The spool's audio sealed into a new attachment file: (id, key, size, sha256)."""
    attachment_id = secrets.token_hex(16)
    key = os.urandom(stream.KEY_BYTES)
    digest, size = hashlib.sha256(), [0]
    target = attachments.path_of(vault_folder, attachment_id)
    audio = _counted(_rechunk(open_spool(handle, private_half, reading)),  # type: ignore[arg-type]
                     digest, size)
    attachments.write_durably(
        target, target.with_name(f".{attachment_id}.part"),
        lambda fd: attachments.seal_into(fd, audio, attachments.sealer(key, attachment_id)))
    return attachment_id, key, size[0], digest.hexdigest()


def _store(conn: Connection, idk: private.Key, found: Attachment, key: bytes,
           reading: SpoolReading) -> None:
    with transaction(conn):
        attachments.insert(conn, found, attachments.seal_key(bytes(idk), found.id, key),
                           bytes(idk))
        conn.execute(
            "INSERT INTO recordings (attachment_id, spool_id, markers, complete,"
            " dropped_bytes, seconds) VALUES (?, ?, ?, ?, ?, ?)",
            (found.id, reading.spool_id.hex(), _seal_markers(idk, found.id, reading.markers),
             int(reading.complete), reading.dropped_bytes, reading.seconds))
        audit.append(conn, found.author, AuditAction.RECORD_EDITED, found.record_id,
                     detail={"kind": "attachment"})
        if reading.complete:
            audit.append(conn, found.author, AuditAction.RECORDING_SAVED, found.record_id)
        else:
            audit.append(conn, found.author, AuditAction.RECORDING_RECOVERED,
                         found.record_id, detail={"count": reading.dropped_bytes})


def _remove_spool(spool: Path) -> None:
    spool.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        fsync_dir(spool.parent)


def _finished_before(conn: Connection, spool_id: bytes) -> bool:
    return conn.execute("SELECT 1 FROM recordings WHERE spool_id = ?",
                        (spool_id.hex(),)).fetchone() is not None


def discard_spool(spool: Path) -> None:
    """Remove a spool without finishing it (its record's consent was withdrawn, say);
    :class:`SpoolBusy` while a writer holds it."""
    with spool.open("rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SpoolBusy() from exc
        _remove_spool(spool)


def spool_record(conn: Connection, idk: private.Key | None, spool: Path) -> str | None:
    """The record a spool belongs to (read from its first segment, with the identity
    key), so that a service can check the record's consent before finishing it; None
    when no segment was written whole."""
    if idk is None:
        raise IdentityKeyMissing()
    reading = SpoolReading(spool_id_of(spool))
    private_half = recording_private(conn, idk)
    try:
        with spool.open("rb") as handle:
            for _audio in open_spool(handle, private_half, reading):
                break
    finally:
        private_half[:] = bytes(len(private_half))
    return reading.record_id


def finish_spool(conn: Connection, vault_folder: Path, idk: private.Key | None,
                 spool: Path, user: str) -> FinishedRecording:
    """Re-seal ``spool`` as an audio attachment of its record, authored by ``user``, and
    remove it. Raises :class:`IdentityKeyMissing` without the identity key,
    :class:`SpoolBusy` while a writer holds it, :class:`~intake.vault.recording_read.
    SpoolDamaged` when it was changed (the spool is kept then)."""
    if idk is None:
        raise IdentityKeyMissing()
    spool_id = spool_id_of(spool)
    if _finished_before(conn, spool_id):
        _remove_spool(spool)
        return FinishedRecording(None, (), True, 0, 0.0)
    with spool.open("rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SpoolBusy() from exc
        reading = SpoolReading(spool_id)
        private_half = recording_private(conn, idk)
        try:
            attachment_id, key, size, sha256 = _write_attachment(
                vault_folder, handle, private_half, reading)
        finally:
            private_half[:] = bytes(len(private_half))
    if reading.record_id is None or (size == 0 and not reading.markers):
        attachments.remove(vault_folder, attachment_id)  # nothing was recorded
        _remove_spool(spool)
        return FinishedRecording(None, (), reading.complete, reading.dropped_bytes, 0.0)
    if conn.execute("SELECT 1 FROM records WHERE id = ?", (reading.record_id,)).fetchone() \
            is None:
        attachments.remove(vault_folder, attachment_id)
        _remove_spool(spool)
        return FinishedRecording(None, (), reading.complete, reading.dropped_bytes,
                                 reading.seconds, record_missing=True)
    found = Attachment(attachment_id, reading.record_id, "audio", reading.media_type, size,
                       sha256, dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), user)
    try:
        _store(conn, idk, found, key, reading)
    except BaseException:
        attachments.remove(vault_folder, attachment_id)
        raise
    _remove_spool(spool)
    return FinishedRecording(found, tuple(reading.markers), reading.complete,
                             reading.dropped_bytes, reading.seconds)
