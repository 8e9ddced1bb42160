"""The duress passphrase (field security): typed under coercion, it destroys the vault and
opens a new, empty one that looks like a vault that user really owns, in about the time a
real unlock takes.

What an observer sees must not differ from a real unlock: no message, no second key
derivation (the decoy's key was prepared when the duress passphrase was set, see
:mod:`intake.vault.user_slots`), the same duration, and a vault as ``intake init`` makes
one — fresh ids and salts, the user in their own role, a first lock at the time the vault
was made (its files' birth), the key file's generation kept. What an examiner with an earlier image
of the folder can still tell is in docs/threat-model.md. A real unlock's time after the key
derivation depends on the size of the database (the integrity checks read every page), so
each real unlock records how long that part took (``unlock_cost``: a number of
milliseconds, nothing else), and the duress path waits until its own post-derivation time
matches. Without a recorded figure, the time is estimated from the database's size. The
other way round, making the decoy can take longer than a real unlock of a small vault
(whose checks read little): so a real unlock first waits until it covers making one
(:func:`after_real_unlock`, from the ``create_cost`` measured when the vault was made;
:mod:`intake.vault.cost_files`). Only the key file is overwritten by the duress wipe; the
decoy is written into the files it finds (the database and the index emptied in place, the
lock and cost files kept), so that no file's times tell it from a real unlock: nothing is
set back (``os.utime`` would move a file's change time to the moment of coercion).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

from intake.vault import unlock_audit
from intake.vault.cost_files import (
    CHECK_COST_NAME,
    CREATE_COST_NAME,
    record_cost,
    recorded_cost,
)
from intake.vault.creation import Start
from intake.vault.files import VaultFiles, acquire
from intake.vault.kdf import KdfPolicy
from intake.vault.keyslots import DuressPassphraseEntered, KeySlotFile
from intake.vault.lockfile import VaultLock
from intake.vault.record_index import index_path
from intake.vault.wipe import wipe_vault

V = TypeVar("V")

#: Fallback estimate of a real unlock's post-derivation time: a fixed part plus a part per
#: MiB of database (measured by tests/perf/test_duress_timing.py on a 2-core laptop-class
#: machine; the recorded figure replaces it after the first real unlock)
BASE_SECONDS = 0.04
SECONDS_PER_MIB = 0.012


#: A real unlock waits until its time after the derivation is at least this many times
#: the recorded ``create_cost`` (the database and key file of a new vault): a duress unlock
#: also wipes, audits its first lock, rewrites the key file and settles its files, about
#: 1.6x that figure on this machine (tests/perf/test_duress_timing.py).
DECOY_FACTOR = 2.0


def after_real_unlock(folder: Path, derived_at: float) -> None:
    """A real unlock's end: wait until its time after the derivation (``derived_at``,
    perf_counter) covers making a decoy, then record that time (``unlock_cost``), which a
    duress unlock waits for in turn. The index's modification time is set to now, as a
    decoy's, which writes a new index into the file (a real unlock may write nothing
    there)."""
    made = recorded_cost(folder, CREATE_COST_NAME)
    if made is not None:
        remaining = DECOY_FACTOR * made - (time.perf_counter() - derived_at)
        if remaining > 0:
            time.sleep(remaining)
    record_cost(folder, time.perf_counter() - derived_at)
    with contextlib.suppress(OSError):
        os.utime(index_path(folder))


def check_seconds(folder: Path) -> float:
    """How long the check after an unlock is to last at least (that of the vault a duress
    passphrase replaced, for a decoy; for a real vault, its own last one)."""
    return recorded_cost(folder, CHECK_COST_NAME) or 0.0


def expected_cost(folder: Path, database_bytes: int) -> float:
    recorded = recorded_cost(folder)
    if recorded is not None:
        return recorded
    return BASE_SECONDS + SECONDS_PER_MIB * database_bytes / (1 << 20)


def _start(slot_file: KeySlotFile, user: str,
           entered: DuressPassphraseEntered) -> tuple[Start, KdfPolicy]:
    """How the decoy begins: as the user's own vault, made when the vault was (the plan's
    time), at the key file's generation (format 2 slots: as before, an admin's)."""
    plan = entered.decoy
    if plan is not None:
        assert slot_file.user_kdf is not None
        return Start(role=plan.role, at=dt.datetime.fromtimestamp(plan.made_at, dt.UTC),
                     generation=slot_file.generation,
                     wipe_after_failures=slot_file.wipe_after_failures, plan=plan,
                     layout=tuple(("own" if s.id == plan.slot_id else s.kind, s.generation,
                                   s.sealed_generation or s.generation, s.kdf)
                                  for s in slot_file.slots),
                     ), KdfPolicy(slot_file.user_kdf.params)
    slot = slot_file.tagged_slot(user)
    assert slot is not None
    return Start(template=replace(slot, duress=None),
                 wrapping_key=bytes(entered.wrapping_key)), KdfPolicy(slot.kdf)


def start_over(create: Callable[..., V], files: VaultFiles, lock: VaultLock, user: str,
               passphrase: str, slot_file: KeySlotFile, entered: DuressPassphraseEntered,
               derived_at: float) -> V:
    """Wipe the vault in ``files`` and return a new one, open, for ``user`` under the
    duress ``passphrase`` (made by ``create``: ``Vault.create_after_duress``); ``derived_at``
    is when the key derivation ended (perf_counter)."""
    folder = files.folder
    try:
        size = files.database.stat().st_size
    except OSError:
        size = 0
    target = expected_cost(folder, size)
    failed = unlock_audit.failures(folder)  # logged by the decoy's unlock, as a real one's
    try:
        start, policy = _start(slot_file, user, entered)
        try:
            # key file first: the old data is unreadable from here on (and nothing else
            # is overwritten: that would make this unlock the slower one); the database
            # and the index are emptied in place, for the decoy to write into
            wipe_vault(folder, for_decoy=True)
        finally:
            lock.release()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        unlock_audit.carry_failures(folder, failed)
        new_lock = acquire(files)
        try:
            vault = create(files, new_lock, user, passphrase, start, policy)
        except BaseException:
            new_lock.release()
            raise
    finally:
        entered.wipe()
    remaining = target - (time.perf_counter() - derived_at)
    if remaining > 0:
        time.sleep(remaining)
    # the cost files stayed (a real unlock rewrites one only when its figure moved): the
    # decoy's check after unlock lasts as long as the replaced vault's last one (see there)
    record_cost(folder, target)  # a real unlock leaves this figure too
    settle = getattr(vault, "close_connections", None)
    if callable(settle):  # the new files written out now (WALs folded back), not at lock
        settle()
    return vault
