"""Adversary (issue 18): a table and statistics side by side, with k alike persons added in
between.

The count check between the two kinds asks for at least k changed persons per statistics
group (test_release_cross_differencing.py); five copies of one testimony pass it. But the
statistics' counts less the counts the table implies, per figure, then move by five on
each indicator the five reported present and by nothing elsewhere: the perturbation
blurs a change by about two, not five, so the state reads the five's answers
(a newcomer the state knows: it knows who escaped). Now refused both ways
(``UniformChangeRefused``, services/releases_diverse.refuse_across), as between two
releases of one kind. Positive control, with the check of alike changes patched out: the
statistics go out and the subtraction reads every indicator of the five rightly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.domain.indicators import Finding, derive
from intake.services import releases_diverse
from intake.services.releases import STATISTICS_K, UniformChangeRefused
from intake.vault.vault import Vault
from tests.release_vault import vault
from tests.security.test_release_cross_differencing import (
    _newcomer,
    _stats,
    _subtract,
    _table,
)
from tests.security.test_release_differencing import _add, _copies_of, _ledger

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(120)


def _alike(vault: Vault) -> list:  # type: ignore[type-arg]
    """STATISTICS_K copies of one testimony of the commonest year sent (one group)."""
    return _copies_of(_newcomer(vault), STATISTICS_K)


def test_statistics_after_a_table_and_k_alike_newcomers_are_refused(
        vault: Vault, tmp_path: Path) -> None:
    _table(vault, tmp_path / "table")
    _add(vault, _alike(vault))
    with pytest.raises(UniformChangeRefused) as refused:
        _stats(vault, tmp_path / "stats")
    assert "the same answer" in refused.value.message()
    assert not (tmp_path / "stats").exists() and len(_ledger(vault)) == 1


def test_positive_control_the_subtraction_reads_the_alike_newcomers(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check off: the perturbed statistics go out, and each indicator's figure less
    the table's count moves by at least three where the five reported it present and by
    at most two elsewhere."""
    table = _table(vault, tmp_path / "table")
    alike = _alike(vault)
    _add(vault, alike)
    monkeypatch.setattr(releases_diverse, "uniform_statistics", lambda *a, **k: (0, None))
    moved = _subtract(table, _stats(vault, tmp_path / "stats"))
    findings = derive(alike[0].answers)
    read = {name: count >= 3 for (kind, name), count in moved.items() if kind == "ilo"}
    assert len(read) >= 2
    assert read == {name: findings[name] is Finding.PRESENT for name in read}


def test_a_table_after_statistics_and_k_alike_newcomers_is_refused(
        vault: Vault, tmp_path: Path) -> None:
    _stats(vault, tmp_path / "stats")
    _add(vault, _alike(vault))
    with pytest.raises(UniformChangeRefused):
        _table(vault, tmp_path / "table")
    assert not (tmp_path / "table").exists() and len(_ledger(vault)) == 1


def test_control_a_table_after_statistics_goes_out_without_the_check(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The refusal above is the check of alike changes, nothing else."""
    _stats(vault, tmp_path / "stats")
    _add(vault, _alike(vault))
    monkeypatch.setattr(releases_diverse, "uniform_statistics", lambda *a, **k: (0, None))
    _table(vault, tmp_path / "table")
    assert len(_ledger(vault)) == 2
