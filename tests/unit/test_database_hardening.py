"""Every connection reads its pragmas back (docs/ARCHITECTURE.md, "Every connection's
pragmas"): `cipher_memory_security` OFF in a process whose lock ends it, ON after
`require_memory_security` (the window that locks in its own process), and a pragma that did
not stick is refused. Each case runs in a fresh interpreter: the setting is process-wide
and, once on, SQLCipher never turns it off.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import json, os, sys
from pathlib import Path
from intake.vault import database
if sys.argv[2] == "require":
    database.require_memory_security()
conn = database.connect(Path(sys.argv[1]), bytearray(os.urandom(32)), create=True)
names = [name for _statement, name, _value in database.HARDENING]
print(json.dumps({name: str(conn.execute(f"PRAGMA {name}").fetchone()[0]).lower()
                  for name in names}))
"""


def read_back(tmp_path: Path, mode: str) -> dict[str, str]:
    done = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "probe.db"), mode],
                          capture_output=True, text=True, timeout=60, check=True)
    result: dict[str, str] = json.loads(done.stdout)
    return result


def test_memory_security_is_off_where_a_lock_ends_the_process(tmp_path: Path) -> None:
    pragmas = read_back(tmp_path, "default")
    assert pragmas == {"cipher_memory_security": "0", "temp_store": "2", "secure_delete": "1",
                       "journal_mode": "wal", "synchronous": "2", "foreign_keys": "1"}


def test_memory_security_is_on_where_the_lock_stays_in_the_process(tmp_path: Path) -> None:
    pragmas = read_back(tmp_path, "require")
    assert pragmas["cipher_memory_security"] == "1"
    assert pragmas["secure_delete"] == "1" and pragmas["temp_store"] == "2"


def test_a_pragma_that_does_not_stick_is_refused(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-back is what refuses: the statement sets one value, the check expects
    another (as a build that ignores the pragma would leave it)."""
    import os

    from intake.errors import UnsafeDatabaseEngine
    from intake.vault import database

    monkeypatch.setattr(database, "HARDENING", tuple(
        ("secure_delete = OFF", name, "1") if name == "secure_delete" else entry
        for entry in database.HARDENING for name in (entry[1],)))
    with pytest.raises(UnsafeDatabaseEngine):
        database.connect(tmp_path / "refused.db", bytearray(os.urandom(32)), create=True)
