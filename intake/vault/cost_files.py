"""How long things took on this machine, kept beside the vault so that a duress unlock can
take as long as a real one (:mod:`intake.vault.duress`): plain numbers of milliseconds,
nothing else.

- ``unlock_cost``: a real unlock's time after the key derivation (padded, see below);
- ``check_cost``: the full check after an unlock (:mod:`intake.vault.background_check`);
- ``create_cost``: making a new, empty vault after the key derivation, measured when the
  vault was made. A duress unlock makes one (the decoy), so a real unlock waits until its
  own time after the derivation reaches this figure: on a small or fast vault, a real
  unlock's checks take less than making a vault, and without the wait a duress unlock
  would be the slower one.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from intake.atomic import write_atomic

COST_NAME = "unlock_cost"
CHECK_COST_NAME = "check_cost"
CREATE_COST_NAME = "create_cost"
NAMES = (COST_NAME, CHECK_COST_NAME, CREATE_COST_NAME)


def record_cost(folder: Path, seconds: float, name: str = COST_NAME, *,
                exact: bool = False) -> None:
    """Remember how long ``name`` took (best effort; unless ``exact``, a figure within
    10 % or 5 ms of the one kept is not written again, sparing the disk a write on every
    unlock)."""
    path = folder / name
    millis = max(int(seconds * 1000), 1)
    if not exact:
        with contextlib.suppress(OSError, ValueError):
            previous = int(path.read_text(encoding="ascii").strip())
            if abs(previous - millis) <= max(previous // 10, 5):
                return
    with contextlib.suppress(OSError):
        write_atomic(path, f"{millis}\n".encode("ascii"))


def recorded_cost(folder: Path, name: str = COST_NAME) -> float | None:
    try:
        millis = int((folder / name).read_text(encoding="ascii").strip())
        if 0 < millis < 3_600_000:
            return millis / 1000
    except (OSError, ValueError):
        pass
    return None
