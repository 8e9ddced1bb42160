"""The full check after an unlock, in a process of its own at the lowest priority.

An unlock checks only what does not grow with the vault (:func:`unlock_checks.
check_database`); SQLCipher authenticates every page it reads. Every page's HMAC
(``cipher_integrity_check``), every b-tree and index (``integrity_check``) and the audit
log's chain up to the head the key file bound are then checked here, in a child process:

- **low priority**: the child runs under ``SCHED_IDLE`` (Linux; ``nice 19`` elsewhere), so
  it only takes CPU nobody else wants, and never holds the GIL of the window's process;
- **cancellable at once**: a lock (or quitting) kills it, whatever PRAGMA it is in; it holds
  the database key only while it runs and only in its own memory, which ends with it;
- **reading only**: it reads beside the session's connection (WAL readers never block the
  writer) and writes nothing.

The key reaches the child through its standard input, from the vault's key buffer, never
as text or argument. Its exit status is the outcome, its output how long the check took;
nothing is written anywhere. A duress passphrase's decoy is small, so its check goes on as
long as the replaced vault's did (``check_cost``, recorded like ``unlock_cost``): seen from
outside, the background work after a duress unlock is that of the real vault.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_BYTES = 32
#: how the child is started: ``intake --check-vault`` (intake/entry.py runs
#: intake/integrity_process.py, which hardens the process first); the frozen app is its own
#: interpreter
CHECK_FLAG = "--check-vault"


def _command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, CHECK_FLAG]
    return [sys.executable, "-m", "intake", CHECK_FLAG]


class Outcome(enum.IntEnum):
    INTACT = 0
    DAMAGED = 4  # a page, a b-tree or an index
    AUDIT_BROKEN = 5  # the audit log's chain or the head the key file bound
    FAILED = 1  # the check itself could not run (not a finding about the vault)


@dataclass
class Check:
    """A running check; ``poll`` until it has an outcome, ``cancel`` at lock."""

    process: subprocess.Popen[bytes]

    def poll(self) -> Outcome | None:
        code = self.process.poll()
        if code is None:
            return None
        try:
            return Outcome(code)
        except ValueError:  # killed, or crashed: no finding
            return Outcome.FAILED

    def seconds(self) -> float | None:
        """How long one round of an intact vault's check took (None: not intact, or not
        ended)."""
        if self.poll() is not Outcome.INTACT or self.process.stdout is None:
            return None
        try:
            return int(self.process.stdout.read().strip() or b"0") / 1000 or None
        except (OSError, ValueError):
            return None

    def cancel(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


def start(folder: Path, dbk: bytearray, audit_head: tuple[int, str] | None,
          at_least: float = 0.0, index_key: bytes | bytearray | None = None) -> Check:
    """The check of the vault in ``folder`` under ``dbk`` (and of its ``index.db`` under
    ``index_key``, for a role that holds it), started; an intact vault's goes on for
    ``at_least`` seconds (see :func:`run`)."""
    process = subprocess.Popen(
        _command(), stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, close_fds=True)
    assert process.stdin is not None
    header = json.dumps({"folder": str(folder), "head": audit_head,
                         "at_least": at_least}).encode() + b"\n"
    try:
        fd = process.stdin.fileno()
        os.write(fd, b"\x01" if index_key is None else b"\x02")  # how many keys follow
        os.write(fd, dbk)  # the buffer itself: no bytes or str copy of the key here
        if index_key is not None:
            os.write(fd, index_key)
        os.write(fd, header)
        process.stdin.close()
    except OSError:
        process.kill()
    return Check(process)


def _check_once(conn: Any, head: tuple[int, str] | None) -> Outcome:
    import sqlcipher3

    from intake.errors import AuditLogBroken
    from intake.vault import audit, database, record_index

    try:
        if database.integrity_problems(conn, full=True):
            return Outcome.DAMAGED
        pages = f"PRAGMA {record_index.SCHEMA}.cipher_integrity_check"
        if record_index.is_attached(conn) and conn.execute(pages).fetchall():
            return Outcome.DAMAGED
    except sqlcipher3.DatabaseError:
        return Outcome.DAMAGED
    try:
        audit.check(conn, head)
    except AuditLogBroken:
        return Outcome.AUDIT_BROKEN
    return Outcome.INTACT


def run(folder: Path, key: bytearray, head: tuple[int, str] | None,
        at_least: float, index_key: bytearray | None = None) -> Outcome:
    """The checks; an intact vault's are repeated until ``at_least`` seconds have passed
    (the time this vault's check took before a duress passphrase replaced it: the decoy's
    check looks like the vault's). Prints how long one round took (ms) when intact."""
    import sqlcipher3

    from intake.vault import database, record_index
    from intake.vault.files import DATABASE_NAME

    started = time.monotonic()
    try:
        conn = database.connect(folder / DATABASE_NAME, key)
    except Exception:  # noqa: BLE001 - no finding: the session reports its own errors
        return Outcome.FAILED
    finally:
        key[:] = bytes(len(key))
    if index_key is not None:  # index.db too: its pages, and its b-trees with the main's
        try:
            record_index.attach(conn, folder, bytes(index_key))
        except (record_index.IndexUnreadable, sqlcipher3.DatabaseError):
            conn.close()
            return Outcome.DAMAGED
        finally:
            index_key[:] = bytes(len(index_key))
    try:
        outcome = _check_once(conn, head)
        one_round = time.monotonic() - started
        while outcome is Outcome.INTACT and time.monotonic() - started < at_least:
            outcome = _check_once(conn, head)
    finally:
        conn.close()
    if outcome is Outcome.INTACT:
        sys.stdout.write(f"{max(int(one_round * 1000), 1)}\n")
    return outcome
