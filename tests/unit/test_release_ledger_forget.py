"""Issue 18: travel mode and a purged withdrawal forget who was released.

The release ledger links a release to the vault's records (pseudonymous record ids, and
the persons' cell keys). Read as an adversary holding the passphrase would: the key
file opened with the passphrase (tests/security/vault_reader.py, no intake code), every
row of the database file through sqlcipher3, and every page of the file and its WAL
decrypted. Control: before travel mode the ledger's rows hold the record ids and the
pages hold them as the ledger stores them (person and record id side by side); after it,
neither does, while the ledger keeps each release's date, parameters, file hashes and
number of persons. A purged withdrawal forgets that record alone, and a later release is
still refused for it (it counts as withdrawn).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.services.exports import ExportService
from intake.services.interviews import InterviewService
from intake.services.releases import DifferencingRefused
from intake.services.review import ReviewService
from intake.vault import release_ledger
from intake.vault.files import DATABASE_NAME
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.release_vault import vault
from tests.security import vault_reader
from tests.security.test_release_differencing import TODAY, N, _release

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(300)


def _released(vault: Vault, tmp_path: Path) -> list[str]:
    """A table release and statistics; the record ids the table released."""
    _release(vault, tmp_path / "table")
    service = ExportService(vault)
    service.write_statistics(service.statistics(), tmp_path / "stats", tool_version="test")
    table = release_ledger.releases(vault.connection(), "anonymized")[0]
    return [m.record_id for m in release_ledger.members(vault.connection(), table.seq)]


def _adversary(folder: Path, copy: Path) -> tuple[dict[str, list[dict[str, object]]], bytes]:
    """(every row of every table, every decrypted page of the file and its WAL) of a copy
    of the folder, opened with the passphrase alone."""
    shutil.copytree(folder, copy)
    slot = vault_reader.open_user_slot(copy, USER, PASSPHRASE)
    tables = vault_reader.dump(copy / DATABASE_NAME, slot.dbk)
    assert tables is not None
    pages = b""
    for name in (DATABASE_NAME, DATABASE_NAME + "-wal"):
        if (copy / name).exists():
            decrypted = vault_reader.decrypt_file(copy / name, {"dbk": slot.dbk})
            assert not decrypted.failed  # every page read (a truncated WAL has none)
            pages += b"".join(decrypted.data)
    assert pages
    return tables, pages


def _ledger_holds(tables: dict[str, list[dict[str, object]]], ids: set[str]) -> int:
    rows = tables["release_members"] + tables["release_population"] + tables["cell_keys"]
    return sum(1 for row in rows for value in row.values() if value in ids)


@pytest.mark.parametrize("attempt", range(5))
def test_travel_mode_leaves_no_record_id_in_the_ledger(vault: Vault, tmp_path: Path,
                                                      attempt: int) -> None:
    """Five times: where the b-tree moved cells differs from run to run (random cell keys
    and forgotten names), and before the file was rebuilt after the deletion
    (``database.scrub``) one run in four left a member's record id in an index page's
    unused space."""
    ids = set(_released(vault, tmp_path))
    before = release_ledger.releases(vault.connection())
    tables, pages = _adversary(vault.files.folder, tmp_path / "before")
    assert _ledger_holds(tables, ids) >= 3 * len(ids)  # control: members, population, keys
    side_by_side = [(i + i).encode() for i in ids]  # person ‖ record id, as stored
    assert sum(p in pages for p in side_by_side) >= len(ids) // 2

    vault.role = Role.ADMIN
    assert InterviewService(vault).clear_all_records() == N
    tables, pages = _adversary(vault.files.folder, tmp_path / "after")
    assert _ledger_holds(tables, ids) == 0
    assert not any(p in pages for p in side_by_side)
    members = tables["release_members"]
    assert members and all(m["record_id"] == "" and m["digest"] == "" for m in members)
    assert all(str(m["person"]).startswith("forgotten:") for m in members)
    after = release_ledger.releases(vault.connection())
    assert after == before  # date, parameters, file hashes, persons: kept


def test_a_purged_withdrawal_forgets_that_record_only(vault: Vault, tmp_path: Path) -> None:
    ids = _released(vault, tmp_path)
    gone, kept = ids[0], set(ids[1:])
    vault.role = Role.ADMIN
    ReviewService(vault).withdraw(gone, TODAY, purge=True)
    tables, pages = _adversary(vault.files.folder, tmp_path / "after")
    assert _ledger_holds(tables, {gone}) == 0 and (gone + gone).encode() not in pages
    assert _ledger_holds(tables, kept) >= 2 * len(kept)  # control: the others stay
    vault.role = Role.COORDINATOR
    with pytest.raises(DifferencingRefused):  # the withdrawal still counts
        _release(vault, tmp_path / "second")


def test_the_ledger_refuses_any_other_update(vault: Vault, tmp_path: Path) -> None:
    _released(vault, tmp_path)
    conn = vault.connection()
    for statement in ("UPDATE release_members SET class = 'x'",
                      "UPDATE release_members SET person = 'someone'",
                      "UPDATE release_population SET revision = revision + 1",
                      "UPDATE releases SET user = 'x'"):
        with pytest.raises(Exception, match="append-only"):
            conn.execute(statement)


def test_forgetting_a_linked_testimony_forgets_the_person_it_keys(
        vault: Vault, tmp_path: Path) -> None:
    """A person's key is the smallest record id of their linked testimonies; the release
    held another of them (its representative). Forgetting the keying testimony alone (a
    purged withdrawal) must leave its id nowhere in the ledger."""
    ids = _released(vault, tmp_path)
    conn = vault.connection()
    released = ids[0]
    keying = "0" * 8 + released[8:]  # sorts first: the person's key, never released itself
    table = release_ledger.releases(conn, "anonymized")[0]
    conn.execute("DELETE FROM release_members WHERE release = ? AND record_id = ?",
                 (table.seq, released))
    conn.execute("INSERT INTO release_members (release, person, record_id, class, digest,"
                 " quasi) VALUES (?, ?, ?, 'c', 'd', 'q')", (table.seq, keying, released))
    held = [r for r in conn.execute("SELECT person, record_id FROM release_members")
            if keying in r]
    assert held == [(keying, released)]  # control: the ledger names the person by that id
    release_ledger.forget(conn, [keying])
    assert not [r for r in conn.execute("SELECT person, record_id FROM release_members")
                if keying in r]
    assert not conn.execute("SELECT 1 FROM release_members WHERE release = ? AND"
                            " record_id = ?", (table.seq, released)).fetchall()
