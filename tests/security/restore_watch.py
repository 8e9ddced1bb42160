"""Run a restore in this process and record every file operation that could write under a
watched folder (Python audit hooks: ``open`` for writing, mkdir, rename, remove, chmod...).

    python tests/security/restore_watch.py WATCHED REPORT cli ARGS...   # the real CLI
    python tests/security/restore_watch.py WATCHED REPORT old BACKUP TARGET USER SECRET

(with the repository on PYTHONPATH).
``cli`` runs ``intake.cli.main.main(ARGS)``, exactly what ``python -m intake ARGS`` runs.
``old`` is the control: the restore as it was before issue 16 (extract the whole backup
into a staging folder, then try the secret on it). The report (JSON, written outside the
watched folder) holds the exit code, the error's class name, and the events.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_CHANGES = {"os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.chmod",
            "os.chown", "os.truncate", "os.symlink", "os.link", "os.utime", "os.mkfifo",
            "os.mknod", "shutil.rmtree", "shutil.copyfile", "shutil.move"}


def _under(watched: str, path: Any) -> bool:
    if isinstance(path, int):  # a file descriptor: its opening was recorded already
        return False
    try:
        text = os.path.abspath(os.fsdecode(path))
    except TypeError:
        return False
    return text == watched or text.startswith(watched + os.sep)


def _writes(event: str, args: tuple[Any, ...]) -> bool:
    if event == "open":
        mode, flags = args[1], args[2]
        return (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(
            isinstance(flags, int) and flags & _WRITE_FLAGS)
    return event in _CHANGES


def watch(watched: str, events: list[list[str]]) -> None:
    def hook(event: str, args: tuple[Any, ...]) -> None:
        if (event == "open" or event in _CHANGES) and _writes(event, args):
            paths = [a for a in args[:2] if isinstance(a, (str, bytes, os.PathLike))]
            hits = [os.fsdecode(p) for p in paths if _under(watched, p)]
            if hits:
                events.append([event, *hits])

    sys.addaudithook(hook)


def old_restore(source: Path, target: Path, user: str, secret: str) -> None:
    """The restore before issue 16, step by step: extract, then open."""
    from intake.exchange.containers import backup
    from intake.vault.vault import Vault

    staging = target.parent / f".{target.name}.restoring"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(mode=0o700, parents=True)
        with source.open("rb") as handle:
            entries = backup.read_manifest(handle, source.stat().st_size)
            for _written in backup.extract(handle, entries, staging):
                pass
        with Vault.open(staging, user, secret) as vault:
            vault.verify_integrity()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def main(argv: list[str]) -> int:
    watched, report, how, *rest = argv
    events: list[list[str]] = []
    watch(os.path.abspath(watched), events)
    code, error = 0, None
    try:
        if how == "cli":
            from intake.cli.main import main as cli_main

            code = cli_main(rest)
        else:
            old_restore(Path(rest[0]), Path(rest[1]), rest[2], rest[3])
    except Exception as exc:  # the control's refusal
        code, error = 99, type(exc).__name__
    Path(report).write_text(json.dumps({"code": code, "error": error, "events": events}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
