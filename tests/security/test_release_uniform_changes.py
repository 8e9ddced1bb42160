"""Adversary (issue 18, safe across releases): testimonies added together in one class
(or one statistics group), all with the same answer to an l-diverse question.

The sending state keeps every release and knows who escaped, and so in which class of
the released columns each newcomer falls. Before this check, k newcomers of one class
passed the ledger (they form a group of k), and putting the two ``data.csv`` side by side
showed that class grown by k with one answer of an indicator grown by k: each newcomer's
answer (found by an outside review: five newcomers, all "present" on physical or sexual
violence). Now the second release is refused (exit 5, nothing written). Positive
control: with the diversity of the changes not checked, the same comparison (plain
Python over the files) reads the newcomers' answer.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from intake.domain.indicators import INDICATORS, Finding, derive
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import ExitCode
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.services import releases
from intake.services.exports import ExportService, ExportSettings
from intake.services.releases import STATISTICS_K, UniformChangeRefused
from intake.services.review import ReviewService
from intake.vault import release_ledger
from intake.vault.vault import Vault
from tests.release_vault import classes_of, twins, vault

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(300)

K = 3
SETTINGS = ExportSettings(k=K, l=2, columns=PROFILES["ilo_by_period_region"],
                          max_suppression=0.2)


def _release(vault: Vault, folder: Path) -> tuple[list[str], list[dict[str, str]]]:
    service = ExportService(vault)
    prepared = service.prepare(SETTINGS)
    service.write(prepared, folder, tool_version="test")
    return prepared.result.l_attributes, _rows(folder)


def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "data.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _newcomers(vault: Vault) -> list[Record]:
    """K testimonies with one released testimony's answers under new ids: one class,
    every answer alike."""
    return twins(vault, K)


def _read_side_by_side(first: list[dict[str, str]], second: list[dict[str, str]],
                       quasi: list[str], attributes: list[str]) -> dict[str, str]:
    """The adversary: the class that grew by K, and each attribute's answer that grew by K
    in it (every newcomer's answer)."""
    before, after = classes_of(first, quasi), classes_of(second, quasi)
    grown = [c for c in after if len(after[c]) - len(before.get(c, [])) == K]
    assert len(grown) == 1
    read = {}
    for attribute in attributes:
        moved = Counter(r[attribute] for r in after[grown[0]])
        moved.subtract(Counter(r[attribute] for r in before.get(grown[0], [])))
        [(value, count)] = [(v, n) for v, n in moved.items() if n]
        assert count == K
        read[attribute] = value
    return read


def test_k_newcomers_with_one_answer_are_refused(vault: Vault, tmp_path: Path) -> None:
    _release(vault, tmp_path / "first")
    _newcomers(vault)
    with pytest.raises(UniformChangeRefused) as refused:
        _release(vault, tmp_path / "second")
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert "the same answer" in refused.value.message()
    assert not (tmp_path / "second").exists()
    assert len(release_ledger.releases(vault.connection())) == 1


def test_positive_control_without_the_check_the_files_tell_their_answer(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attributes, first = _release(vault, tmp_path / "first")
    newcomers = _newcomers(vault)
    monkeypatch.setattr(releases, "uniform_changes", lambda *a, **k: (0, None))
    _, second = _release(vault, tmp_path / "second")
    quasi = [c for c in second[0] if c != "pseudonym" and c not in attributes]
    read = _read_side_by_side(first, second, quasi, attributes)
    prepared = ExportService(vault).prepare(SETTINGS)  # the truth, as released
    row = prepared.result.rows[prepared.result.record_ids.index(newcomers[0].id)]
    assert read == {a: row[a] for a in attributes}


@pytest.mark.parametrize("purge", [False, True])
def test_k_alike_withdrawals_from_a_table_are_refused(vault: Vault, tmp_path: Path,
                                                      purge: bool) -> None:
    """K alike testimonies released, then withdrawn (purged: the ledger forgets their
    cells, and each counts as any answer): the next table release is refused."""
    alike = _newcomers(vault)
    _release(vault, tmp_path / "first")
    _withdraw(vault, alike, purge)
    with pytest.raises(UniformChangeRefused):
        _release(vault, tmp_path / "second")
    assert not (tmp_path / "second").exists()
    assert len(release_ledger.releases(vault.connection())) == 1


def test_positive_control_without_the_check_purged_withdrawals_tell_their_answer(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The attack the refusal stops: each answer that fell most between the two files is
    what every purged person had given (over the whole files: the gate's decoys, drawn
    by each row's key, may put the K alike rows in different classes)."""
    alike = _newcomers(vault)
    attributes, first = _release(vault, tmp_path / "first")
    findings = derive(alike[0].answers)  # the truth: what each of them reported
    truth = {a: findings[a.removeprefix("ilo.")].value for a in attributes}
    _withdraw(vault, alike, purge=True)
    monkeypatch.setattr(releases, "uniform_changes", lambda *a, **k: (0, None))
    _, second = _release(vault, tmp_path / "second")
    assert len(first) - len(second) == K
    read = {}
    for attribute in attributes:
        fell = Counter(r[attribute] for r in first)
        fell.subtract(Counter(r[attribute] for r in second))
        read[attribute] = max(fell, key=lambda value: fell[value])
    assert read == truth


# -- statistics ----------------------------------------------------------------------------
def test_statistics_after_k_newcomers_with_one_answer_are_refused(vault: Vault,
                                                                   tmp_path: Path) -> None:
    """STATISTICS_K newcomers of one period, sector group and district (copies of one
    testimony), all alike: the second statistics are refused, nothing written."""
    service = ExportService(vault)
    service.write_statistics(service.statistics(), tmp_path / "s1", tool_version="test")
    twins(vault, STATISTICS_K)
    with pytest.raises(UniformChangeRefused):
        service.statistics()
    assert len(release_ledger.releases(vault.connection())) == 1


def test_positive_control_perturbed_statistics_tell_alike_newcomers_answers(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the check: each ILO finding's cell of the answer the newcomers share moves
    and the other answer's cell stays as it was (the perturbation is consistent: nobody
    entered it), so the state reads their answer through the noise."""
    service = ExportService(vault)
    before = service.statistics()
    model = twins(vault, STATISTICS_K)[0]
    monkeypatch.setattr(releases, "uniform_statistics", lambda *a, **k: (0, None))
    after = service.statistics()
    assert _read_through_noise(before, after, model) >= 8  # (11 indicators)


def _read_through_noise(before: Any, after: Any, model: Record) -> int:
    """The ILO findings whose cell of ``model``'s answer moved while the other answer's
    cell stayed as it was (nobody entered or left it): each tells that answer. The noise
    leaves a moved cell where it moved."""
    findings = derive(model.answers)
    read = 0
    for indicator in INDICATORS:
        cells = {f: f"indicators_overall/{indicator.id}/{f.value}"
                 for f in (Finding.PRESENT, Finding.ABSENT)}
        theirs = cells.pop(findings[indicator.id], None)
        if theirs is None:
            continue  # insufficient
        [other] = cells.values()
        assert after.cells[other].count == before.cells[other].count
        read += after.cells[theirs].count != before.cells[theirs].count
    return read


def _withdraw(vault: Vault, records: list[Record], purge: bool = False) -> None:
    role, vault.role = vault.role, Role.ADMIN
    for record in records:
        ReviewService(vault).withdraw(record.id, dt.date(2026, 12, 1), purge=purge)
    vault.role = role


@pytest.mark.parametrize("purge", [False, True])
def test_statistics_after_k_alike_withdrawals_are_refused(vault: Vault, tmp_path: Path,
                                                          purge: bool) -> None:
    """STATISTICS_K persons of one group, all alike, released, then all withdrawn: what
    they added is read back from the vault and checked against the ledger's digest, and
    the next statistics are refused. Purged, the ledger forgets who they were and what
    they added (a strict xfail until now): each is a wildcard, any answer, and a group of
    them is refused all the same."""
    service = ExportService(vault)
    alike = twins(vault, STATISTICS_K)
    service.write_statistics(service.statistics(), tmp_path / "s1", tool_version="test")
    _withdraw(vault, alike, purge)
    with pytest.raises(UniformChangeRefused):
        service.statistics()
    assert len(release_ledger.releases(vault.connection())) == 1


def test_positive_control_perturbed_statistics_tell_alike_withdrawals(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the withdrawn side: each finding's cell of the answer the withdrawn shared
    falls and the other answer's stays, so the state reads it through the noise."""
    service = ExportService(vault)
    alike = twins(vault, STATISTICS_K)
    before = service.statistics()
    service.write_statistics(before, tmp_path / "s1", tool_version="test")
    _withdraw(vault, alike)
    monkeypatch.setattr(releases, "uniform_statistics", lambda *a, **k: (0, None))
    after = service.statistics()
    assert _read_through_noise(before, after, alike[0]) >= 8
