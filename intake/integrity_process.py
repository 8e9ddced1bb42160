"""The process that checks a vault after an unlock (:mod:`intake.vault.background_check`
starts it): hardened (no core dump, private umask), at the lowest CPU priority, it reads
the database key from its standard input into a buffer, never as text, runs the checks and
exits with their outcome."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from pathlib import Path

from intake.hardening import harden_process
from intake.vault.background_check import KEY_BYTES, Outcome, run


def _lowest_priority() -> None:
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


def main() -> int:
    harden_process()
    _lowest_priority()
    count = os.read(0, 1)  # how many keys follow: 1 (the database's) or 2 (and the index's)
    keys = [_read_key() for _ in range(count[0] if count in (b"\x01", b"\x02") else 0)]
    if not keys or any(key is None for key in keys):
        return int(Outcome.FAILED)
    header = json.loads(sys.stdin.buffer.readline().decode())
    raw = header["head"]
    head = (int(raw[0]), str(raw[1])) if raw is not None else None
    key, index_key = keys[0], keys[1] if len(keys) == 2 else None
    assert key is not None
    return int(run(Path(header["folder"]), key, head, float(header.get("at_least", 0)),
                   index_key))


def _read_key() -> bytearray | None:
    """The next key from the descriptor itself (no buffered copy of it anywhere)."""
    key, got = bytearray(KEY_BYTES), 0
    while got < KEY_BYTES:
        view = memoryview(key)[got:]
        read = os.readv(0, [view])
        view.release()
        if read == 0:
            return None
        got += read
    return key


if __name__ == "__main__":
    sys.exit(main())
