"""Adversary (issue 18): a table and statistics side by side, ONE testimony edited in
between on an answer that is no statistics group (a debt recorded in a follow-up
interview: debt bondage becomes present).

The state subtracts the table's count of each indicator from the statistics' (or the
other way round): the edited person's indicator is the difference. Before, only an edit
of the period, sector or district was a change between a table and statistics, so both
releases went out. Now the ledger compares what both released: the table's cell digest of
each indicator against what the statistics count now (statistics after a table), and the
statistics' digest of what a person added to the cells against today's (a table after
statistics); an edit is a withdrawal plus an addition, and one alone is refused.

Positive controls, with the edit comparison patched out and exact counts: the second
release is written, and the subtraction (plain Python over data.csv and statistics.csv)
reads debt bondage moved by exactly one, and nothing else.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from intake.domain.indicators import Finding, derive
from intake.domain.roles import Role
from intake.exchange.analysis.statistics import compute_statistics, counted_of
from intake.services import exports, releases_cross
from intake.services.exports import ExportService
from intake.services.interviews import InterviewService
from intake.services.releases import StatisticsAfterTableRefused, TableAfterStatisticsRefused
from intake.vault.vault import Vault
from tests.release_vault import vault
from tests.security.test_release_cross_differencing import _stats, _subtract, _table
from tests.security.test_release_differencing import (
    _ledger,
)

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(120)
INDICATOR = "debt_bondage"


def _exact(monkeypatch: pytest.MonkeyPatch) -> None:
    real = compute_statistics
    monkeypatch.setattr(exports, "compute_statistics",
                        lambda records, threshold, keys=None: real(records, threshold))


def _debt_recorded(vault: Vault) -> None:
    """A counted testimony whose debt is recorded: debt bondage absent → present."""
    role, vault.role = vault.role, Role.ADMIN
    try:
        service = InterviewService(vault)
        for record in ExportService(vault).records():
            edited = {**record.answers, "wages.debt": True}
            if derive(record.answers)[INDICATOR] is Finding.ABSENT \
                    and derive(edited)[INDICATOR] is Finding.PRESENT:
                service.save(dataclasses.replace(service.load(record.id), answers=edited))
                return
        raise AssertionError("no testimony to edit")
    finally:
        vault.role = role


def _unseen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The edit comparison patched out (the rule before)."""
    never: Any = lambda *_a: (lambda _then, _now: False)  # noqa: E731
    monkeypatch.setattr(releases_cross, "table_edited", never)
    monkeypatch.setattr(releases_cross, "statistics_edited", never)


def test_statistics_after_a_table_and_one_edited_indicator_are_refused(
        vault: Vault, tmp_path: Path) -> None:
    _table(vault, tmp_path / "table")
    _debt_recorded(vault)
    with pytest.raises(StatisticsAfterTableRefused):
        _stats(vault, tmp_path / "stats")
    assert not (tmp_path / "stats").exists() and len(_ledger(vault)) == 1


def test_a_table_after_statistics_and_one_edited_indicator_is_refused(
        vault: Vault, tmp_path: Path) -> None:
    _stats(vault, tmp_path / "stats")
    _debt_recorded(vault)
    with pytest.raises(TableAfterStatisticsRefused):
        _table(vault, tmp_path / "table")
    assert not (tmp_path / "table").exists() and len(_ledger(vault)) == 1


def test_unedited_both_ways_go_out(vault: Vault, tmp_path: Path) -> None:
    _table(vault, tmp_path / "table")
    _stats(vault, tmp_path / "stats")
    _table(vault, tmp_path / "table-again")
    assert [r.kind for r in _ledger(vault)] == ["anonymized", "statistics", "anonymized"]


def test_positive_control_statistics_after_a_table_tell_the_edit(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = _table(vault, tmp_path / "table")
    _debt_recorded(vault)
    _unseen(monkeypatch)
    _exact(monkeypatch)
    moved = _subtract(table, _stats(vault, tmp_path / "stats"))
    assert moved[("ilo", INDICATOR)] == 1
    assert {key: value for key, value in moved.items() if value} == {("ilo", INDICATOR): 1}


def test_positive_control_a_table_after_statistics_tells_the_edit(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _exact(monkeypatch)
    cells = _stats(vault, tmp_path / "stats")
    _debt_recorded(vault)
    _unseen(monkeypatch)
    moved = {key: -value for key, value in _subtract(_table(vault, tmp_path / "table"),
                                                     cells).items()}
    assert {key: value for key, value in moved.items() if value} == {("ilo", INDICATOR): 1}


def test_what_a_table_release_counts_is_what_the_statistics_count(vault: Vault) -> None:
    """The table side's ``counted_of`` equals the statistics' own ``counted`` (the two
    digests compared by ``statistics_edited`` are of the same thing)."""
    records = ExportService(vault).records()
    counted = compute_statistics(records).counted
    assert counted and counted == counted_of([r for r in records if r.id in counted])
    assert len({value for value in counted.values()}) > len(counted) // 4  # not constant
