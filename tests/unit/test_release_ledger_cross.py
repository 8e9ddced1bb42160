"""Issue 18: a table release and statistics are compared both ways.

The state puts an anonymized table and statistics side by side as it does two tables: the
statistics' counts per period, sector group and federal district, less the counts the
table implies, are the persons added or withdrawn in between. Table, ONE new testimony,
statistics: refused (and statistics, one, a table); five alike: released; the same data
both ways: released (a testimony one release suppressed is no change). Withdrawals, a
purged withdrawal (forgotten, still counted in the groups the ledger kept) and an edit
that moves a person's groups are refused too. The adversary's subtraction on the written
files is tests/security/test_release_cross_differencing.py.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.errors import ExitCode
from intake.exchange.analysis.statistics import compute_statistics
from intake.services import releases_diverse
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.releases import (
    STATISTICS_K,
    ReleaseService,
    StatisticsAfterTableRefused,
    TableAfterStatisticsRefused,
    UniformChangeRefused,
    statistics_groups,
)
from intake.services.releases_cross import UNKNOWN, cross_difference, groups_of_table
from intake.services.review import ReviewService
from intake.vault import database, migrations, release_ledger
from intake.vault.release_ledger import Member, canonical
from intake.vault.vault import Vault
from tests.release_vault import vault
from tests.security.test_release_differencing import (
    PROFILE,
    SETTINGS,
    TODAY,
    K,
    N,
    _add,
    _copies_of,
    _ledger,
    _newcomer,
)

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(120)
#: Every person released (no row suppressed): a newcomer is in the table.
WHOLE = ExportSettings(k=K, l=1, columns=PROFILE, max_suppression=0.0)
YEAR = "deployment.year_departed"


def _table(vault: Vault, folder: Path, settings: ExportSettings = WHOLE) -> None:
    service = ExportService(vault)
    service.write(service.prepare(settings), folder, tool_version="test")


def _stats(vault: Vault, folder: Path) -> None:
    service = ExportService(vault)
    service.write_statistics(service.statistics(), folder, tool_version="test")


def _withdraw(vault: Vault, record_ids: list[str], purge: bool = False) -> None:
    vault.role = Role.ADMIN
    for record_id in record_ids:
        ReviewService(vault).withdraw(record_id, TODAY, purge=purge)
    vault.role = Role.COORDINATOR


def _kinds(vault: Vault) -> list[str]:
    return [r.kind for r in _ledger(vault)]


def _table_members(vault: Vault) -> list[Member]:
    table = release_ledger.releases(vault.connection(), "anonymized")[-1]
    return release_ledger.members(vault.connection(), table.seq)


# -- statistics after a table ------------------------------------------------------------
def test_statistics_after_a_table_and_one_new_testimony_are_refused(
        vault: Vault, tmp_path: Path) -> None:
    _table(vault, tmp_path / "table")
    _add(vault, [_newcomer()])
    with pytest.raises(StatisticsAfterTableRefused) as refused:
        _stats(vault, tmp_path / "stats")
    assert refused.value.exit_code == ExitCode.INVALID_INPUT == 5
    message = refused.value.message()
    assert "anonymized table of" in message and "(release 1)" in message
    assert f"at least {STATISTICS_K} new testimonies" in message
    assert not (tmp_path / "stats").exists() and _kinds(vault) == ["anonymized"]


def test_statistics_after_a_table_and_five_alike_pass_the_count(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Five changed persons in one group meet the count; being alike, they are then
    refused by the check of alike changes (tests/security/test_release_cross_uniform.py),
    patched out here."""
    _table(vault, tmp_path / "table")
    _add(vault, _copies_of(ExportService(vault).records()[0], STATISTICS_K))
    with pytest.raises(UniformChangeRefused):
        ExportService(vault).statistics()
    monkeypatch.setattr(releases_diverse, "uniform_statistics", lambda *a, **k: (0, None))
    _stats(vault, tmp_path / "stats")
    assert _kinds(vault) == ["anonymized", "statistics"]


def test_statistics_after_a_table_of_the_same_data_are_released(vault: Vault,
                                                                tmp_path: Path) -> None:
    """The default table suppresses a few testimonies the statistics count: the vault held
    them unchanged, so they are no change (as between two tables)."""
    _table(vault, tmp_path / "table", SETTINGS)
    assert len(_table_members(vault)) < N  # control: some were suppressed
    _stats(vault, tmp_path / "stats")
    assert _kinds(vault) == ["anonymized", "statistics"]


def test_statistics_after_one_withdrawal_from_a_table_are_refused(vault: Vault,
                                                                  tmp_path: Path) -> None:
    _table(vault, tmp_path / "table")
    _withdraw(vault, [_table_members(vault)[0].record_id])
    with pytest.raises(StatisticsAfterTableRefused):
        _stats(vault, tmp_path / "stats")
    assert _kinds(vault) == ["anonymized"]


def test_five_withdrawals_in_the_same_groups_pass_the_count(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count rule; whether the five also answer alike is the other check's
    (tests/security/test_release_cross_uniform.py), patched out here: five taken as they
    come from one group often all report one common indicator."""
    _table(vault, tmp_path / "table")
    by_groups: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for record_id, groups in statistics_groups(ExportService(vault).records()).items():
        by_groups[groups].append(record_id)
    alike = max(by_groups.values(), key=len)
    assert len(alike) >= STATISTICS_K
    _withdraw(vault, alike[:STATISTICS_K])
    monkeypatch.setattr(releases_diverse, "uniform_statistics", lambda *a, **k: (0, None))
    _stats(vault, tmp_path / "stats")
    assert _kinds(vault) == ["anonymized", "statistics"]


def test_a_purged_withdrawal_is_still_counted_in_the_groups_kept(vault: Vault,
                                                                 tmp_path: Path) -> None:
    """Forgotten: no record id, no digest; its statistics groups stay (they name no
    record), so the statistics are refused for it."""
    _table(vault, tmp_path / "table")
    gone = _table_members(vault)[0]
    assert len(json.loads(gone.groups)) == 3  # control: the ledger kept the groups
    _withdraw(vault, [gone.record_id], purge=True)
    forgotten = [m for m in _table_members(vault) if m.person.startswith("forgotten:")]
    assert len(forgotten) == 1 and forgotten[0].record_id == "" == forgotten[0].digest
    assert forgotten[0].groups == gone.groups
    assert not vault.connection().execute(
        "SELECT 1 FROM release_population WHERE record_id = ?", (gone.record_id,)).fetchall()
    with pytest.raises(StatisticsAfterTableRefused):
        _stats(vault, tmp_path / "stats")


def test_an_edit_that_moves_a_persons_groups_is_refused(vault: Vault, tmp_path: Path) -> None:
    """A year sent three years earlier is another period: the statistics would count the
    person in another band than the table implies."""
    _table(vault, tmp_path / "table")
    vault.role = Role.ADMIN
    service = InterviewService(vault)
    record = service.load(_table_members(vault)[0].record_id)
    record.answers[YEAR] = int(record.answers[YEAR]) - 3
    service.save(record)
    vault.role = Role.COORDINATOR
    with pytest.raises(StatisticsAfterTableRefused):
        _stats(vault, tmp_path / "stats")


# -- a table after statistics ------------------------------------------------------------
def test_a_table_after_statistics_and_one_new_testimony_is_refused(
        vault: Vault, tmp_path: Path) -> None:
    _stats(vault, tmp_path / "stats")
    _add(vault, [_newcomer()])
    with pytest.raises(TableAfterStatisticsRefused) as refused:
        _table(vault, tmp_path / "table")
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert "statistics of" in refused.value.message()
    assert f"at least {STATISTICS_K} new testimonies" in refused.value.message()
    assert not (tmp_path / "table").exists() and _kinds(vault) == ["statistics"]


def test_a_table_after_statistics_of_the_same_data_is_released(vault: Vault,
                                                               tmp_path: Path) -> None:
    _stats(vault, tmp_path / "stats")
    _table(vault, tmp_path / "table", SETTINGS)  # a few suppressed: no change
    _table(vault, tmp_path / "whole")
    assert _kinds(vault) == ["statistics", "anonymized", "anonymized"]


def test_a_table_after_statistics_and_one_withdrawal_is_refused(vault: Vault,
                                                                tmp_path: Path) -> None:
    _stats(vault, tmp_path / "stats")
    _withdraw(vault, [ExportService(vault).records()[0].id])
    with pytest.raises(TableAfterStatisticsRefused):
        _table(vault, tmp_path / "table")


def test_a_table_after_statistics_and_five_alike_pass_the_count(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the other way round: the count is met, the check of alike changes refuses."""
    _stats(vault, tmp_path / "stats")
    _add(vault, _copies_of(ExportService(vault).records()[0], STATISTICS_K))
    with pytest.raises(UniformChangeRefused):
        _table(vault, tmp_path / "table")
    monkeypatch.setattr(releases_diverse, "uniform_statistics", lambda *a, **k: (0, None))
    _table(vault, tmp_path / "table")
    assert _kinds(vault) == ["statistics", "anonymized"]


# -- the rule on the ledger's members ----------------------------------------------------
def _member(person: str, groups: tuple[str, ...] | None, *, table: bool,
            digest: str = "") -> Member:
    if table:
        return Member(person, person, "class", "row", "{}",
                      canonical(list(groups)) if groups else "")
    return Member(person, person, canonical(list(groups or ())), digest)


G = ("2019-2021", "construction", "far_eastern")


def test_a_withdrawn_member_without_groups_counts_in_an_unknown_group() -> None:
    """A table release recorded before migration 14 kept no groups: its withdrawn member
    counts in ``unknown``, which must itself hold the required number of changes."""
    table = {p: _member(p, G, table=True) for p in "abcdef"}
    table["old"] = _member("old", None, table=True)
    stats = {p: _member(p, G, table=False) for p in "abcdef"}
    same = {p: 1 for p in table}
    assert cross_difference(table, stats, old_is_table=True, k=5, then=same,
                            now={**same, "old": 2}) == (1, 1)
    assert groups_of_table(table["old"]) == UNKNOWN
    assert groups_of_table(Member("x", "x", "c", groups="[]")) == UNKNOWN
    # control: with its groups kept and four others alike withdrawn, it is released
    table["old"] = _member("old", G, table=True)
    gone = {p: 2 for p in "abcd"}
    assert cross_difference(table, {"e": stats["e"], "f": stats["f"]}, old_is_table=True,
                            k=5, then=same, now={**same, **gone, "old": 2}) == (5, 0)


def test_without_the_earlier_population_every_difference_counts() -> None:
    stats = {p: _member(p, G, table=False) for p in "abcdef"}
    table = {p: _member(p, G, table=True) for p in "abcde"}  # f suppressed, unchanged
    now = {p: 1 for p in "abcdef"}
    assert cross_difference(stats, table, old_is_table=False, k=5, then=now,
                            now=now) == (0, 0)
    assert cross_difference(stats, table, old_is_table=False, k=5, then={},
                            now=now) == (1, 1)


def test_statistics_of_several_testimonies_differ_from_the_table() -> None:
    """Counting testimonies, a linked person is counted in each: the table held one."""
    table = {"a": _member("a", G, table=True)}
    stats = {"a": _member("a", G + G, table=False, digest="several")}
    assert cross_difference(table, stats, old_is_table=True, k=5, then={"a": 1},
                            now={"a": 1}) == (2, 2)


def test_the_groups_are_the_statistics_members(vault: Vault) -> None:
    records = ExportService(vault).records()
    members = compute_statistics(records).members
    groups = statistics_groups(records)
    assert members and members == {i: groups[i] for i in members}


def test_the_kept_groups_cannot_be_changed(vault: Vault, tmp_path: Path) -> None:
    _table(vault, tmp_path / "table")
    with pytest.raises(Exception, match="append-only"):
        vault.connection().execute("UPDATE release_members SET stat_groups = 'x'")


def test_migration_14_keeps_earlier_members_without_groups(tmp_path: Path) -> None:
    """A table release recorded at version 13 reads back with no groups (counted as
    ``unknown``); forgetting it still works and still cannot touch the groups."""
    conn = database.connect(tmp_path / "old.db", os.urandom(32), create=True)
    try:
        before = tuple(m for m in migrations.MIGRATIONS if m.version < 14)
        migrations.migrate(conn, os.urandom(32), before)
        with database.transaction(conn):
            seq = conn.execute(  # as version 13 wrote it
                "INSERT INTO releases (released_at, user, kind, parameters, columns, files,"
                " manifest_sha256, audit_seq) VALUES ('2026-01-01', 'u', 'anonymized', '{}',"
                " '[]', '{}', '', 1)").lastrowid
            conn.execute("INSERT INTO release_members (release, person, record_id, class,"
                         " digest, quasi) VALUES (?, 'r1', 'r1', 'c', 'd', '{}')", (seq,))
        assert migrations.migrate(conn, None) == [14, 15, 16, 17]
        [member] = release_ledger.members(conn, seq)
        assert member.groups == "" and cross_difference(
            {"r1": member}, {}, old_is_table=True, k=5, then={"r1": 1}, now={}) == (1, 1)
        with database.transaction(conn):
            assert release_ledger.forget(conn, ["r1"]) == 1
        with pytest.raises(Exception, match="append-only"):
            conn.execute("UPDATE release_members SET stat_groups = '[]'")
    finally:
        database.checkpoint_and_close(conn)


def test_a_table_member_without_groups_keeps_none(vault: Vault) -> None:
    """A caller that gives no groups (not the export service) stores "" (unknown), never
    an empty list that would put the member in no group at all."""
    record_id = ExportService(vault).records()[0].id
    [member] = ReleaseService(vault).check_table([record_id], [{"q": "a"}], ["q"], 1)
    assert member.groups == ""
    [member] = ReleaseService(vault).check_table([record_id], [{"q": "a"}], ["q"], 1,
                                                 groups={record_id: ("p", "s", "d")})
    assert json.loads(member.groups) == ["p", "s", "d"]
