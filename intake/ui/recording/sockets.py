"""Where the recorder processes listen (issue 19): one private folder per user, one socket
per running recording, named after the vault folder's hash and the spool id.

Light on purpose (no Qt, no vault): the unlock screen looks here for a recording that goes
on while locked before it imports anything of the recording (issue 17's start budget).
"""

from __future__ import annotations

import os
from pathlib import Path


class SocketFolderUnsafe(OSError):
    """The sockets' folder is not a private folder of this user (0700, no symlink)."""


def _folder_path() -> Path:
    import tempfile  # here, not at the start: the unlock window waits for nothing

    base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
    return Path(base) / f"intake-recording-{os.getuid()}"


def socket_folder() -> Path:
    """The private folder of the recorders' sockets: ``$XDG_RUNTIME_DIR`` (else the
    temporary folder) / ``intake-recording-<uid>``, 0700 and ours, or refused; made by
    the first recording."""
    folder = _folder_path()
    folder.mkdir(mode=0o700, exist_ok=True)
    info = folder.lstat()
    if not folder.is_dir() or folder.is_symlink() or info.st_uid != os.getuid() or \
            info.st_mode & 0o077:
        raise SocketFolderUnsafe(str(folder))
    return folder


def vault_tag(vault_folder: Path) -> str:
    import hashlib

    return hashlib.sha256(str(Path(vault_folder).resolve()).encode()).hexdigest()[:16]


def sockets_of(vault_folder: Path) -> list[Path]:
    """The sockets of recordings of this vault (some may belong to ended recorders);
    looking makes no folder."""
    if not _folder_path().is_dir():
        return []
    try:
        folder = socket_folder()
    except OSError:
        return []
    return sorted(folder.glob(f"{vault_tag(vault_folder)}-*"))
