"""Encrypted attachments: audio recordings, photos and documents of a record.

Each file is encrypted as it is read, in 64 KiB chunks (:mod:`intake.vault.stream`), under
its own random key, with its id as associated data, into ``attachments/<id>`` in the vault
folder; the key, the SHA-256 of the plaintext (chain of custody), the kind, the media type
and the size are in the ``attachments`` table inside the encrypted database (migration 6).
Nothing of the plaintext is written anywhere: it is read back into memory for viewing.
A flipped, cut, reordered or swapped chunk, or a file put under another id, fails with
:class:`AttachmentDamaged`.

Sizes (format 2, migration 8): the plaintext is padded (:func:`stream.pad`, ``0x80 0x00…``
to its Padmé length) inside the encrypted stream, so neither the file's length nor the
``size`` column (the padded size) tells two photos of nearly the same size apart; the true
size is sealed with the identity key (``private.ATTACHMENT_SIZE``). A format-2 file starts
with :data:`MAGIC` and is sealed under a key derived from the file key (so re-encrypting
an old file under its own file key never uses a nonce twice); a file without it is format
1, unpadded, as written before, and still opens. Migration 8 re-encrypts format-1 files,
each crash-safely (:mod:`intake.vault.attachment_padding`).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import queue
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from intake.atomic import fsync_dir
from intake.errors import ExitCode, IntakeError
from intake.i18n import N_
from intake.vault import private, stream
from intake.vault.database import Connection

FOLDER = "attachments"
KINDS = ("audio", "photo", "document")
_ID = re.compile(r"[0-9a-f]{32}")
#: Read into memory at most this much (viewing); larger files are exported on request.
MAX_IN_MEMORY = 512 << 20
#: The first bytes of a padded (format 2) file; a file that does not start so is format 1.
MAGIC = b"intake attachment v2\n"


class AttachmentDamaged(IntakeError):
    template = N_("The attached file is damaged or was changed; it cannot be opened.")
    exit_code = ExitCode.INTEGRITY


class AttachmentMissing(IntakeError):
    template = N_("The attached file is missing from the vault folder.")
    exit_code = ExitCode.INTEGRITY


class AttachmentUnreadable(IntakeError):
    template = N_("The file {path} cannot be read. Nothing was attached.")
    exit_code = ExitCode.INVALID_INPUT


@dataclass(frozen=True)
class Attachment:
    id: str
    record_id: str
    kind: str
    media_type: str
    size: int
    sha256: str
    created_at: str
    author: str


def folder_of(vault_folder: Path) -> Path:
    return vault_folder / FOLDER


def path_of(vault_folder: Path, attachment_id: str) -> Path:
    if not _ID.fullmatch(attachment_id):
        raise ValueError("attachment id")
    return folder_of(vault_folder) / attachment_id


def _stream_key(key: bytes) -> bytes:
    """The format-2 stream's key: HKDF-SHA-256(file key, "intake attachment file v2")."""
    return HKDF(algorithm=hashes.SHA256(), length=stream.KEY_BYTES, salt=None,
                info=b"intake attachment file v2").derive(key)


def sealer(key: bytes, attachment_id: str) -> stream.Sealer:
    return stream.Sealer(_stream_key(key), MAGIC + attachment_id.encode("ascii"))


def stored_size(plain_size: int) -> int:
    """The length of the file holding ``plain_size`` bytes (format 2)."""
    return len(MAGIC) + stream.sealed_size(stream.padded_size(plain_size))


def _chunks(handle: object, size: int = stream.CHUNK_BYTES) -> Iterator[bytes]:
    read = handle.read  # type: ignore[attr-defined]
    while chunk := read(size):
        yield chunk


def _hash_all(pending: queue.Queue[bytes | None], digest: hashlib._Hash) -> None:
    while (chunk := pending.get()) is not None:
        digest.update(chunk)


def _read_full(handle: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes, fewer only at the end of the file."""
    data = handle.read(size)
    while data and len(data) < size:
        more = handle.read(size - len(data))
        if not more:
            break
        data += more
    return data


def _write_all(fd: int, buffers: list[bytes]) -> None:
    views = [memoryview(b) for b in buffers]
    while views:
        written = os.writev(fd, views)
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if views and written:
            views[0] = views[0][written:]


def _source(handle: BinaryIO, pending: queue.Queue[bytes | None],
            read: list[int]) -> Iterator[bytes]:
    """``handle`` to its end in chunks, each handed to the hashing thread and counted."""
    while chunk := _read_full(handle, stream.CHUNK_BYTES):
        pending.put(chunk)
        read[0] += len(chunk)
        yield chunk


def seal_into(fd: int, chunks: Iterator[bytes], sealer: stream.Sealer,
               progress: Callable[[], None] | None = None) -> None:
    """Write :data:`MAGIC` and the sealed ``chunks`` padded, sixteen at a time (one chunk
    of look-ahead tells the last)."""
    padded = stream.pad(chunks)
    batch = [MAGIC]
    current = next(padded)
    for following in itertools.chain(padded, (None,)):
        batch.append(sealer.seal(current, following is None))
        if following is None or len(batch) >= 16:
            _write_all(fd, batch)
            batch = []
            if progress is not None:
                progress()
        if following is None:
            return
        current = following


def write_durably(target: Path, partial: Path, write: Callable[[int], None]) -> None:
    """``write`` into the new file ``partial`` (0600), flush it, rename it over ``target``
    and flush the folder: a crash leaves ``target`` as it was or whole and new."""
    target.parent.mkdir(mode=0o700, exist_ok=True)
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            write(fd)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, target)
        fsync_dir(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def encrypt_file(source: Path, vault_folder: Path,
                 tick: Callable[[int, int], None] | None = None
                 ) -> tuple[str, bytes, int, str]:
    """Encrypt ``source`` into the vault folder; returns (id, key, size, sha256 of the
    plaintext). The file is complete and durable when this returns; the caller records it
    in the database (and removes the file with :func:`remove` if that fails).
    ``tick(bytes read, file size)`` hears the progress every sixteen chunks and may raise
    (``Cancelled``) to stop: the partial file is removed.

    The plaintext is hashed on a second thread while this one encrypts and writes (hashlib
    and file writes release the GIL), and sealed chunks are written sixteen at a time: on a
    200 MB file this runs about as fast as ``cp`` (tests/perf/test_attachment_perf.py)."""
    attachment_id = secrets.token_hex(16)
    key = os.urandom(stream.KEY_BYTES)
    target = path_of(vault_folder, attachment_id)
    digest = hashlib.sha256()
    try:
        handle = source.open("rb", buffering=0)
        expected = os.fstat(handle.fileno()).st_size
    except OSError as exc:
        raise AttachmentUnreadable(path=str(source)) from exc
    pending: queue.Queue[bytes | None] = queue.Queue(maxsize=64)
    hasher = threading.Thread(target=_hash_all, args=(pending, digest), daemon=True,
                              name="attachment-sha256")
    hasher.start()
    read = [0]

    def progress() -> None:
        if tick is not None:
            tick(min(read[0], expected), max(read[0], expected))

    try:
        with handle:
            write_durably(target, target.with_name(f".{attachment_id}.part"), lambda fd:
                           seal_into(fd, _source(handle, pending, read),
                                      sealer(key, attachment_id), progress))
    finally:
        pending.put(None)
        hasher.join()
    return attachment_id, key, read[0], digest.hexdigest()


def encrypt_bytes(data: bytes, vault_folder: Path, attachment_id: str) -> bytes:
    """Encrypt ``data`` (an attachment received in a bundle, kept under its own id) into
    the vault folder, padded; returns the new file key. Durable when this returns."""
    key = os.urandom(stream.KEY_BYTES)
    target = path_of(vault_folder, attachment_id)
    pieces = (data[i:i + stream.CHUNK_BYTES] for i in range(0, len(data), stream.CHUNK_BYTES))
    write_durably(target, target.with_name(f".{attachment_id}.part"),
                   lambda fd: seal_into(fd, pieces, sealer(key, attachment_id)))
    return key


def valid_id(text: object) -> bool:
    return isinstance(text, str) and bool(_ID.fullmatch(text))


def decrypt_chunks(vault_folder: Path, attachment_id: str, key: bytes) -> Iterator[bytes]:
    """The plaintext, exactly as attached (either format), as chunks."""
    path = path_of(vault_folder, attachment_id)
    try:
        handle = path.open("rb")
    except FileNotFoundError as exc:
        raise AttachmentMissing() from exc
    with handle:
        padded = handle.read(len(MAGIC)) == MAGIC
        if not padded:
            handle.seek(0)
        sealed = _chunks(handle, stream.CHUNK_BYTES + stream.TAG_BYTES)
        try:
            if padded:
                yield from stream.unpad(stream.open_chunks(
                    _stream_key(key), sealed, MAGIC + attachment_id.encode("ascii")))
            else:
                yield from stream.open_chunks(key, sealed, attachment_id.encode("ascii"))
        except stream.StreamInvalid as exc:
            raise AttachmentDamaged() from exc


def is_padded(vault_folder: Path, attachment_id: str) -> bool:
    with path_of(vault_folder, attachment_id).open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


# -- the file keys, sealed with the identity key -------------------------------------------
def _key_aad(attachment_id: str) -> bytes:
    return b"intake attachment key v1\x00" + attachment_id.encode("ascii")


def seal_key(identity_key: bytes, attachment_id: str, key: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(identity_key).encrypt(nonce, key, _key_aad(attachment_id))


def open_key(identity_key: bytes, attachment_id: str, sealed: bytes) -> bytes:
    try:
        return AESGCM(identity_key).decrypt(sealed[:12], sealed[12:], _key_aad(attachment_id))
    except (InvalidTag, ValueError) as exc:
        raise AttachmentDamaged() from exc


# -- the table ----------------------------------------------------------------------------
def sealed_size(identity_key: bytes, attachment_id: str, size: int) -> str | bytes:
    col = private.ATTACHMENT_SIZE
    return col.store(private.seal(identity_key, col.context(attachment_id),
                                  size.to_bytes(8, "big")))


def insert(conn: Connection, attachment: Attachment, sealed_key: bytes,
           identity_key: bytes) -> None:
    """Store the row (``attachment.size`` is the true size); the SHA-256 and the true size
    are sealed, ``size`` holds the padded size (vault/private.py)."""
    col = private.ATTACHMENT_SHA256
    sha256 = col.store(private.seal(identity_key, col.context(attachment.id),
                                    bytes.fromhex(attachment.sha256)))
    conn.execute(
        "INSERT INTO attachments (id, record_id, kind, media_type, size, sealed_size, sha256,"
        " file_key, created_at, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (attachment.id, attachment.record_id, attachment.kind, attachment.media_type,
         stream.padded_size(attachment.size),
         sealed_size(identity_key, attachment.id, attachment.size), sha256, sealed_key,
         attachment.created_at, attachment.author))


_COLUMNS = "id, record_id, kind, media_type, size, sha256, created_at, author, sealed_size"


def _attachment(row: tuple[Any, ...], identity_key: bytes | None) -> Attachment:
    """The row; its SHA-256 and true size only with the identity key (else "" and the
    padded size)."""
    attachment_id, record_id, kind, media_type, size, sha256, created_at, author, sealed = row
    if identity_key is None:
        sha256 = ""
    else:
        col = private.ATTACHMENT_SHA256
        sha256 = private.unseal(identity_key, col.context(attachment_id), col.load(sha256)).hex()
        if sealed is not None:  # (None only in migration 8, before pad_existing)
            col = private.ATTACHMENT_SIZE
            size = int.from_bytes(private.unseal(
                identity_key, col.context(attachment_id), col.load(sealed)), "big")
    return Attachment(attachment_id, record_id, kind, media_type, size, sha256, created_at,
                      author)


def of_record(conn: Connection, record_id: str,
              identity_key: bytes | None = None) -> list[Attachment]:
    return [_attachment(row, identity_key) for row in conn.execute(
        f"SELECT {_COLUMNS} FROM attachments WHERE record_id = ? ORDER BY created_at, id",
        (record_id,))]


def get(conn: Connection, attachment_id: str,
        identity_key: bytes | None = None) -> tuple[Attachment, bytes] | None:
    row = conn.execute(f"SELECT {_COLUMNS}, file_key FROM attachments WHERE id = ?",
                       (attachment_id,)).fetchone()
    return (_attachment(row[:-1], identity_key), bytes(row[-1])) if row is not None else None


def delete_row(conn: Connection, attachment_id: str) -> None:
    conn.execute("DELETE FROM attachments WHERE id = ?", (attachment_id,))


def remove(vault_folder: Path, attachment_id: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        path_of(vault_folder, attachment_id).unlink()


def sweep(conn: Connection, vault_folder: Path, *, partial: bool = False) -> int:
    """Remove encrypted files no row refers to (their record was deleted), and with
    ``partial`` the pieces of an encryption that never finished (only when nothing can be
    encrypting: at unlock); returns how many. Without its key such a file is noise, but it
    should not stay."""
    folder = folder_of(vault_folder)
    if not folder.is_dir():
        return 0
    known = {row[0] for row in conn.execute("SELECT id FROM attachments")}
    removed = 0
    for path in folder.iterdir():
        stale = (_ID.fullmatch(path.name) and path.name not in known) or (
            partial and path.name.startswith(".") and path.name.endswith((".part", ".tmp")))
        if stale and path.is_file():
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
    return removed

