"""The backup file: one file holding a vault's key file, a consistent copy of its
encrypted database, and its encrypted attachments, exactly as they are on disk: a backup
is as safe, and as unreadable without a passphrase or the recovery code, as the vault.

Layout::

    MAGIC (8 bytes) | manifest length (4, big-endian) | manifest (canonical JSON, ASCII)
    | the files' bytes, one after the other, in the manifest's order

The manifest lists each file's name (``keyslots.json``, ``intake.db``, or
``attachments/<hex id>``), size and SHA-256. Reading checks every name, size and hash and
that nothing follows the last file; a name can never leave the folder it is restored to.
The manifest must be exactly as :func:`write` writes it (canonical JSON, each file with its
three fields and no more): nothing can ride along that the manifest does not account for.

A restore reads in three passes, writing nothing until the last: :func:`read_manifest`,
:func:`check` (every file's size and hash, one chunk in memory at a time), and
:func:`read_entry` (the key file alone, into memory), then :func:`extract`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from intake.errors import ExitCode, IntakeError
from intake.i18n import N_

MAGIC = b"INTAKEK\x01"
FORMAT = "intake.backup/1"
MAX_MANIFEST_BYTES = 1 << 22
#: The most :func:`read_entry` reads into memory (the key file of a vault is a few KiB).
MAX_ENTRY_BYTES = 1 << 24
_CHUNK = 1 << 20
REQUIRED = ("keyslots.json", "intake.db")
_ATTACHMENT = re.compile(r"attachments/[0-9a-f]{32}")


class BackupInvalid(IntakeError):
    template = N_("This is not a backup of an intake vault, or it is damaged ({what}). "
                  "Nothing was restored.")
    exit_code = ExitCode.INTEGRITY


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    sha256: str


def _allowed(name: object) -> bool:
    return isinstance(name, str) and (name in REQUIRED or bool(_ATTACHMENT.fullmatch(name)))


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def write(out: BinaryIO, files: list[tuple[str, Path]],
          tick: Callable[[int, int], None] | None = None) -> list[Entry]:
    """Write the backup of ``files`` ((name, path) pairs) to ``out``; returns the manifest.
    ``tick(bytes written, bytes in all)`` follows the copy (and may raise to stop it)."""
    entries = []
    for name, path in files:
        if not _allowed(name):
            raise ValueError(name)
        digest = hashlib.sha256()
        size = 0
        for chunk in _chunks(path):
            digest.update(chunk)
            size += len(chunk)
        entries.append(Entry(name, size, digest.hexdigest()))
    manifest = _canonical({"format": FORMAT, "files": [
        {"name": e.name, "size": e.size, "sha256": e.sha256} for e in entries]})
    out.write(MAGIC + struct.pack(">I", len(manifest)) + manifest)
    total, copied = sum(e.size for e in entries), 0
    for (_name, path), entry in zip(files, entries, strict=True):
        digest = hashlib.sha256()
        written = 0
        for chunk in _chunks(path):
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
            copied += len(chunk)
            if tick is not None:
                tick(copied, total)
        if written != entry.size or digest.hexdigest() != entry.sha256:
            raise BackupInvalid(what="a file changed while it was copied")
    return entries


def _canonical(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True).encode("ascii")


def _entries(raw: bytes) -> list[Entry]:
    """The manifest's entries, its JSON exactly as :func:`write` writes it."""
    try:
        document = json.loads(raw.decode("ascii"))
        if not isinstance(document, dict) or set(document) != {"format", "files"}:
            raise ValueError("manifest")
        if document["format"] != FORMAT:
            raise BackupInvalid(what=f"format {str(document['format'])[:40]}")
        files = document["files"]
        if not isinstance(files, list) or not all(
                isinstance(f, dict) and set(f) == {"name", "size", "sha256"} for f in files):
            raise ValueError("manifest")
        if _canonical(document) != raw:  # padding, other spellings: room to hide data
            raise ValueError("manifest")
        return [Entry(f["name"], f["size"], f["sha256"]) for f in files]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise BackupInvalid(what="manifest") from exc


def read_manifest(handle: BinaryIO, total: int) -> list[Entry]:
    """The manifest of the backup open as ``handle`` (``total`` bytes long), checked: every
    name allowed and listed once, every size and hash well-formed, and the files filling the
    rest of the backup exactly (no byte the manifest does not account for). ``handle`` is
    left at the first file's bytes."""
    start = handle.read(12)
    if len(start) != 12 or not start.startswith(MAGIC):
        raise BackupInvalid(what="not a backup")
    (size,) = struct.unpack(">I", start[8:])
    if size > MAX_MANIFEST_BYTES:
        raise BackupInvalid(what="manifest")
    entries = _entries(handle.read(size))
    names = [e.name for e in entries]
    if (len(set(names)) != len(names) or not all(_allowed(n) for n in names)
            or not all(n in names for n in REQUIRED)):
        raise BackupInvalid(what="file names")
    for entry in entries:
        if (isinstance(entry.size, bool) or not isinstance(entry.size, int) or entry.size < 0
                or not isinstance(entry.sha256, str)
                or not re.fullmatch(r"[0-9a-f]{64}", entry.sha256)):
            raise BackupInvalid(what="manifest")
    if 12 + size + sum(e.size for e in entries) != total:
        raise BackupInvalid(what="truncated or extended")
    return entries


def _read_checked(handle: BinaryIO, entry: Entry) -> Iterator[bytes]:
    """The bytes of ``entry`` from where ``handle`` stands, a chunk at a time; raises
    :class:`BackupInvalid` after the last chunk when the hash does not match."""
    digest = hashlib.sha256()
    left = entry.size
    while left:
        chunk = handle.read(min(_CHUNK, left))
        if not chunk:
            raise BackupInvalid(what="truncated")
        digest.update(chunk)
        left -= len(chunk)
        yield chunk
    if not hmac.compare_digest(digest.hexdigest(), entry.sha256):
        raise BackupInvalid(what=entry.name)


def check(handle: BinaryIO, start: int, entries: list[Entry]) -> None:
    """Read every file of the backup (its bytes begin at offset ``start``) and check its
    size and hash, writing nothing and holding one chunk in memory at a time."""
    handle.seek(start)
    for entry in entries:
        for _chunk in _read_checked(handle, entry):
            pass
    if handle.read(1):
        raise BackupInvalid(what="truncated or extended")


def read_entry(handle: BinaryIO, start: int, entries: list[Entry], name: str,
               limit: int = MAX_ENTRY_BYTES) -> bytes:
    """The bytes of the file ``name`` alone (at most ``limit``), its hash checked; the
    backup's files begin at offset ``start``."""
    offset = start
    for entry in entries:
        if entry.name == name:
            if entry.size > limit:
                raise BackupInvalid(what=name)
            handle.seek(offset)
            return b"".join(_read_checked(handle, entry))
        offset += entry.size
    raise BackupInvalid(what="file names")


def extract(handle: BinaryIO, entries: list[Entry], folder: Path) -> Iterator[Path]:
    """Write each file of the backup, from where ``handle`` stands (the first file's bytes),
    into ``folder`` (created by the caller), checking its hash; yields the paths written."""
    for entry in entries:
        target = folder / entry.name
        target.parent.mkdir(mode=0o700, exist_ok=True)
        with open(target, "xb") as out:
            for chunk in _read_checked(handle, entry):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        target.chmod(0o600)
        yield target
