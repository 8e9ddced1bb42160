"""Adversary (issue 18): the state puts two statistics side by side after ONE testimony was
edited in between (a follow-up interview corrects the working hours, or sexual violence is
disclosed late).

The statistics count persons, and the same persons were counted twice: before, the ledger
saw no change and let the second statistics out, and with exact counts the cells that
moved, -1 here and +1 there, were that one person's old and new answers. Now a person's
ledger entry keeps a keyed digest of what they add to the cells
(``Statistics.counted``: their findings, exact years, the distributions' codes, whether
sexual violence was answered), so an edit of any of it is a withdrawal plus an addition,
and the second statistics are refused until enough change together. An edit of what no
cell counts (a name, a note) is no change: those statistics go out.

Positive control: with the edit rule replaced by the one before (a person moves only when
another testimony represents them) and exact counts, the second statistics are written and
the subtraction of the two statistics.csv reads the edited person's hours, old and new.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import ExitCode
from intake.exchange.analysis.anonymize.generalize import cell
from intake.exchange.analysis.statistics import compute_statistics
from intake.services import exports, releases
from intake.services.exports import ExportService
from intake.services.interviews import InterviewService
from intake.services.releases import StatisticsDifferencingRefused
from intake.vault import release_ledger
from intake.vault.release_ledger import Member
from intake.vault.vault import Vault
from tests.release_vault import vault
from tests.security.test_release_differencing import (
    _cells,
    _ledger,
)

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(120)
HOURS = "work.hours_per_day"
HOURS_TABLE = "work_hours_per_day"


def _exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """Statistics without the cell-key perturbation (the control reads them as they are)."""
    real = compute_statistics
    monkeypatch.setattr(exports, "compute_statistics",
                        lambda records, threshold, keys=None: real(records, threshold))


def _stats(vault: Vault, folder: Path) -> dict[tuple[str, str, str], str]:
    service = ExportService(vault)
    service.write_statistics(service.statistics(), folder, tool_version="test")
    return _cells(folder)


def _edit(vault: Vault, change: Any) -> tuple[Record, Record]:
    """One counted testimony edited by its case manager: (before, after). The testimony
    is one whose hours fall in the second most common band (``change`` may move them to
    the most common: both cells are then published as figures, not ``<10``)."""
    role, vault.role = vault.role, Role.ADMIN
    try:
        service = InterviewService(vault)
        counted = ExportService(vault).records()
        bands = Counter(_band(r) for r in counted if r.answers.get(HOURS) is not None)
        second = bands.most_common(2)[1][0]
        record = service.load(next(r.id for r in counted if _band(r) == second))
        edited = service.save(dataclasses.replace(
            record, answers=change(record.answers, counted, bands.most_common(1)[0][0])))
        return record, edited
    finally:
        vault.role = role


def _band(record: Record) -> str:
    """The hours' band, as the statistics count it."""
    return str(cell(QUESTIONNAIRE.question(HOURS), record.answers, record.meta))


def _longer(answers: dict[str, Any], counted: list[Record], band: str) -> dict[str, Any]:
    """The hours of the most common band (another testimony's)."""
    return {**answers, HOURS: next(r.answers[HOURS] for r in counted if _band(r) == band)}


def test_statistics_after_one_edited_answer_are_refused(vault: Vault, tmp_path: Path) -> None:
    _stats(vault, tmp_path / "first")
    _edit(vault, _longer)
    with pytest.raises(StatisticsDifferencingRefused) as refused:
        _stats(vault, tmp_path / "second")
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert not (tmp_path / "second").exists() and len(_ledger(vault)) == 1


def test_statistics_after_an_edit_no_cell_counts_are_released(vault: Vault,
                                                              tmp_path: Path) -> None:
    first = _stats(vault, tmp_path / "first")
    _edit(vault, lambda answers, _c, _b: {**answers, "identity.full_name": "김영호 (가명)",
                                          "narrative.summary": "추가 면담에서 보완함"})
    second = _stats(vault, tmp_path / "second")
    assert len(_ledger(vault)) == 2
    assert second == first  # the same persons, the same cell keys: the same figures


def test_the_first_statistics_under_this_rule_compare_old_members_by_testimony(
        vault: Vault, tmp_path: Path) -> None:
    """A ledger written before edits counted ("" for a person counted from one testimony)
    is compared as then: unchanged data passes."""
    _stats(vault, tmp_path / "first")
    conn = vault.connection()
    seq = release_ledger.releases(conn, "statistics")[0].seq
    members = release_ledger.members(conn, seq)
    assert all(m.digest.startswith("c:") for m in members)
    old = [dataclasses.replace(m, digest="") for m in members]
    new = {m.person: m for m in members}
    assert not any(releases.statistics_moved(a, new[a.person]) for a in old)
    several = dataclasses.replace(members[0], digest="s:" + members[0].digest[2:])
    assert releases.statistics_moved(dataclasses.replace(members[0], digest=""), several)


def test_positive_control_without_the_edit_rule_the_cells_tell_the_new_answer(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _exact(monkeypatch)
    first = _stats(vault, tmp_path / "first")

    def by_testimony(a: Member | None, b: Member | None) -> bool:  # the rule before
        return a is None or b is None or a.record_id != b.record_id

    monkeypatch.setattr(releases, "statistics_moved", by_testimony)
    before, after = _edit(vault, _longer)
    second = _stats(vault, tmp_path / "second")
    moved = {key: int(second[key]) - int(first[key]) for key in first
             if first[key].isdigit() and second.get(key, "").isdigit()
             and second[key] != first[key]}
    hours = {row: change for (table, row, _c), change in moved.items()
             if table == HOURS_TABLE}
    assert sorted(hours.values()) == [-1, 1]  # one person's hours, old and new
    assert set(moved.values()) <= {-1, 1}
    assert before.answers[HOURS] != after.answers[HOURS]
