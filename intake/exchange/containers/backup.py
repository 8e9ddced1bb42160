"""The backup file: one file holding a vault's key file, a consistent copy of its
encrypted database, and its encrypted attachments, exactly as they are on disk: a backup
is as safe, and as unreadable without a passphrase or the recovery code, as the vault.

Layout::

    MAGIC (8 bytes) | manifest length (4, big-endian) | manifest (canonical JSON, ASCII)
    | the files' bytes, one after the other, in the manifest's order

The manifest lists each file's name (``keyslots.json``, ``intake.db``, or
``attachments/<hex id>``), size and SHA-256. Reading checks every name, size and hash and
that nothing follows the last file; a name can never leave the folder it is restored to.
"""

from __future__ import annotations

import hashlib
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
    manifest = json.dumps({"format": FORMAT, "files": [
        {"name": e.name, "size": e.size, "sha256": e.sha256} for e in entries]},
        sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
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


def read_manifest(handle: BinaryIO, total: int) -> list[Entry]:
    """The manifest of the backup open as ``handle`` (``total`` bytes long), checked."""
    start = handle.read(12)
    if len(start) != 12 or not start.startswith(MAGIC):
        raise BackupInvalid(what="not a backup")
    (size,) = struct.unpack(">I", start[8:])
    if size > MAX_MANIFEST_BYTES:
        raise BackupInvalid(what="manifest")
    raw = handle.read(size)
    try:
        document = json.loads(raw.decode("ascii"))
        if not isinstance(document, dict) or set(document) != {"format", "files"}:
            raise ValueError("manifest")
        if document["format"] != FORMAT:
            raise BackupInvalid(what=f"format {str(document['format'])[:40]}")
        entries = [Entry(f["name"], f["size"], f["sha256"]) for f in document["files"]]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise BackupInvalid(what="manifest") from exc
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


def extract(handle: BinaryIO, entries: list[Entry], folder: Path) -> Iterator[Path]:
    """Write each file of the backup into ``folder`` (created by the caller), checking its
    hash; yields the paths written."""
    for entry in entries:
        target = folder / entry.name
        target.parent.mkdir(mode=0o700, exist_ok=True)
        digest = hashlib.sha256()
        left = entry.size
        with open(target, "xb") as out:
            while left:
                chunk = handle.read(min(_CHUNK, left))
                if not chunk:
                    raise BackupInvalid(what="truncated")
                out.write(chunk)
                digest.update(chunk)
                left -= len(chunk)
            out.flush()
            os.fsync(out.fileno())
        target.chmod(0o600)
        if digest.hexdigest() != entry.sha256:
            raise BackupInvalid(what=entry.name)
        yield target
