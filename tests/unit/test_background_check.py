"""The full check that runs after an unlock, in a child process (intake.vault.background
_check), attacked as the adversary would: an audit entry rewritten with the database key
(the chain breaks), a page damaged where the unlock does not read; and what the child
exposes: its command line and environment (no key), its priority (idle), how fast a lock
ends it. Control: an untouched vault is intact.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest

from intake.exchange.demo.generate import generate
from intake.services.interviews import InterviewService
from intake.vault import background_check
from intake.vault.background_check import Outcome
from intake.vault.database import PAGE_SIZE
from intake.vault.files import DATABASE_NAME
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.tamper import tamper


def wait(check: background_check.Check, seconds: float = 60) -> Outcome:
    deadline = time.monotonic() + seconds
    while (outcome := check.poll()) is None:
        assert time.monotonic() < deadline, "the check did not end"
        time.sleep(0.02)
    return outcome


@pytest.fixture
def folder(tmp_path: Path, policy: KdfPolicy) -> Path:
    folder = tmp_path / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, policy)
    with vault:
        InterviewService(vault).import_records(
            list(generate(40, seed=3, author=USER, today=dt.date(2026, 11, 27))))
    return folder


def test_an_untouched_vault_is_intact(folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert wait(vault.start_background_check()) is Outcome.INTACT


def test_an_audit_entry_rewritten_with_the_database_key_is_found(folder: Path) -> None:
    tamper(folder, "UPDATE audit SET user = 'nobody' WHERE seq = 2")
    with Vault.open(folder, USER, PASSPHRASE) as vault:  # the unlock does not read it all
        assert wait(vault.start_background_check()) is Outcome.AUDIT_BROKEN


def test_a_page_the_unlock_did_not_read_is_found(folder: Path) -> None:
    path = folder / DATABASE_NAME
    pages = path.stat().st_size // PAGE_SIZE
    found = 0
    for page in range(pages - 1, 1, -1):  # from the end: record pages, not the schema
        data = bytearray(path.read_bytes())
        data[page * PAGE_SIZE + PAGE_SIZE // 2] ^= 0x01
        path.write_bytes(bytes(data))
        try:
            vault = Vault.open(folder, USER, PASSPHRASE)
        except Exception:  # noqa: BLE001 - read at unlock: refused there; try another page
            data[page * PAGE_SIZE + PAGE_SIZE // 2] ^= 0x01
            path.write_bytes(bytes(data))
            continue
        with vault:
            assert wait(vault.start_background_check()) is Outcome.DAMAGED
        found += 1
        break
    assert found == 1, "every page was read at unlock: no page left for the check to find"


def test_the_child_holds_the_key_only_in_memory_runs_idle_and_dies_at_once(
        folder: Path) -> None:
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        key = bytes(vault._require_keys().dbk)
        check = vault.start_background_check()
        pid = check.process.pid
        exposed = (Path(f"/proc/{pid}/cmdline").read_bytes()
                   + Path(f"/proc/{pid}/environ").read_bytes())
        for form in (key, key.hex().encode(), key.hex().upper().encode()):
            assert form not in exposed
        if hasattr(os, "SCHED_IDLE"):
            deadline = time.monotonic() + 10
            while os.sched_getscheduler(pid) != os.SCHED_IDLE and check.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.005)
        started = time.monotonic()
        check.cancel()
        assert time.monotonic() - started < 2
        assert check.process.poll() is not None
        assert not Path(f"/proc/{pid}").exists() or check.process.returncode is not None


def test_a_damaged_index_database_is_found_too(folder: Path) -> None:
    """index.db (the text index, under its own key) is checked beside intake.db; control:
    a coordinator's check, without the index key, cannot open it and does not try."""
    with Vault.open(folder, USER, PASSPHRASE):
        pass
    path = folder / "index.db"
    data = bytearray(path.read_bytes())
    data[-100] ^= 0x01
    path.write_bytes(bytes(data))
    try:
        vault = Vault.open(folder, USER, PASSPHRASE)
    except Exception:  # noqa: BLE001 - read at unlock: found there
        return
    with vault:
        assert wait(vault.start_background_check()) is Outcome.DAMAGED


def test_the_child_is_started_through_the_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    """`intake --check-vault`, also from the frozen app (its executable is the interpreter);
    the entry knows the same flag."""
    from intake import entry, supervisor

    assert entry.CHECK_FLAG == background_check.CHECK_FLAG
    assert entry.SESSION_FLAG == supervisor.SESSION_FLAG
    assert background_check._command()[-3:] == ["-m", "intake", "--check-vault"]
    monkeypatch.setattr("sys.frozen", True, raising=False)
    assert background_check._command()[1:] == ["--check-vault"]
