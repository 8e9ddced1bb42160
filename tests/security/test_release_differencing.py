"""Adversary (issue 18, safe across releases): the sending state keeps every release and
puts two side by side.

Release, add ONE testimony, release again (and the same with a withdrawal): before issue
18 exactly one new row carried that person's whole profile and every statistics cell they
belong to moved by exactly one (``abuse.sexual`` included). Now the second table release
and the second statistics are refused (exit 5, nothing written, no ledger row), while a
release that adds k persons together goes through. Positive controls: the same attack on
the pipeline without the ledger check finds the person's row, and on statistics without
the perturbation reads the person's answers from the cells that moved by one. The attack
is plain Python over the written files (``data.csv``, ``statistics.csv``).
"""

from __future__ import annotations

import copy
import csv
import uuid
from collections import Counter
from pathlib import Path

import pytest

from intake.domain.record import Record
from intake.domain.roles import Role
from intake.errors import ExitCode, PermissionDenied
from intake.exchange.analysis.anonymize.pipeline import anonymize
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.exchange.analysis.statistics import compute_statistics
from intake.exchange.demo.generate import generate
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.releases import (
    STATISTICS_K,
    DifferencingRefused,
    ReleaseService,
    StatisticsDifferencingRefused,
)
from intake.services.review import ReviewService
from intake.vault import release_ledger
from intake.vault.vault import Vault
from tests.conftest import USER
from tests.release_vault import TODAY, N, _consenting, vault

__all__ = ["N", "TODAY", "_consenting", "generate", "vault"]  # used by the other tests
pytestmark = pytest.mark.timeout(300)

K = 3
PROFILE = PROFILES["ilo_by_period_region"]
SETTINGS = ExportSettings(k=K, l=1, columns=PROFILE, max_suppression=0.2)


def _newcomer(seed: int = 99) -> Record:
    return _consenting(list(generate(1, seed=seed, author=USER, today=TODAY)))[0]


def _copies_of(record: Record, count: int) -> list[Record]:
    """``count`` testimonies with ``record``'s answers under new ids (the same class)."""
    out = []
    for _i in range(count):
        twin = copy.deepcopy(record)
        twin.id = str(uuid.uuid4())
        out.append(twin)
    return out


def _add(vault: Vault, records: list[Record]) -> None:
    role, vault.role = vault.role, Role.ADMIN
    InterviewService(vault).import_records(records)
    vault.role = role


def _rows(folder: Path, name: str = "data.csv") -> list[dict[str, str]]:
    with (folder / name).open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _profile(rows: list[dict[str, str]]) -> Counter[tuple[tuple[str, str], ...]]:
    """The rows as the adversary compares them: every column but the fresh pseudonym."""
    return Counter(tuple(sorted((k, v) for k, v in row.items() if k != "pseudonym"))
                   for row in rows)


def _ledger(vault: Vault) -> list[release_ledger.Release]:
    return release_ledger.releases(vault.connection())


def _exported(vault: Vault) -> int:
    return vault.connection().execute(
        "SELECT count(*) FROM audit WHERE action = 'exported'").fetchone()[0]


def _release(vault: Vault, folder: Path) -> None:
    service = ExportService(vault)
    service.write(service.prepare(SETTINGS), folder, tool_version="test")


# -- table releases ----------------------------------------------------------------------
def test_adding_one_testimony_is_refused_and_writes_nothing(vault: Vault,
                                                            tmp_path: Path) -> None:
    _release(vault, tmp_path / "first")
    assert [r.kind for r in _ledger(vault)] == ["anonymized"]
    assert _ledger(vault)[0].persons == len(_rows(tmp_path / "first"))
    before = _exported(vault)
    _add(vault, [_newcomer()])
    with pytest.raises(DifferencingRefused) as refused:
        _release(vault, tmp_path / "second")
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert f"at least {K} new testimonies" in refused.value.message()
    assert not (tmp_path / "second").exists()
    assert len(_ledger(vault)) == 1 and _exported(vault) == before


def test_positive_control_without_the_ledger_the_difference_is_the_person(
        vault: Vault) -> None:
    """The attack of the issue on the pipeline alone: release, add one, release again;
    the rows of the second not in the first are the newcomer's row, whole."""
    service = ExportService(vault)
    first = anonymize(service.records(), k=K, l=1, columns=PROFILE, max_suppression=0.2)
    newcomer = _newcomer()
    _add(vault, [newcomer])
    second = anonymize(service.records(), k=K, l=1, columns=PROFILE, max_suppression=0.2)
    assert first.levels == second.levels  # same node: the adversary's easy case
    new_rows = _profile(second.rows) - _profile(first.rows)
    assert sum(new_rows.values()) == 1
    row = second.rows[second.record_ids.index(newcomer.id)]
    assert next(iter(new_rows)) == next(iter(_profile([row])))


def test_adding_k_testimonies_of_one_class_is_released(vault: Vault, tmp_path: Path) -> None:
    _release(vault, tmp_path / "first")
    model = ExportService(vault).records()[0]
    _add(vault, _copies_of(model, K))
    _release(vault, tmp_path / "second")
    ledger = _ledger(vault)
    assert len(ledger) == 2 and ledger[1].persons >= ledger[0].persons
    assert ledger[1].files["MANIFEST.sha256"] == ledger[1].manifest_sha256
    new_rows = _profile(_rows(tmp_path / "second")) - _profile(_rows(tmp_path / "first"))
    assert all(n >= K for n in new_rows.values())  # no new row stands alone


def test_a_newcomer_is_refused_by_every_profile_released_before(vault: Vault,
                                                               tmp_path: Path) -> None:
    """Two choices of columns released on the same data (the second, the ILO profile less
    one indicator, groups the testimonies as the first: side by side it passes); one
    newcomer: both are refused (more: tests/unit/test_release_ledger_profiles.py)."""
    _release(vault, tmp_path / "first")
    service = ExportService(vault)
    assert PROFILE is not None
    other_columns = PROFILE - {"ilo.isolation"}
    other = ExportSettings(k=K, l=1, columns=other_columns, max_suppression=0.2)
    service.write(service.prepare(other), tmp_path / "other", tool_version="test")
    _add(vault, [_newcomer()])
    with pytest.raises(DifferencingRefused):
        service.prepare(other)
    with pytest.raises(DifferencingRefused):
        _release(vault, tmp_path / "second")
    assert [r.parameters["columns"] for r in _ledger(vault)] == [
        sorted(PROFILE or ()), sorted(other_columns)]


def test_withdrawing_one_testimony_is_refused(vault: Vault, tmp_path: Path) -> None:
    _release(vault, tmp_path / "first")
    member = release_ledger.members(vault.connection(), _ledger(vault)[0].seq)[0]
    vault.role = Role.ADMIN
    ReviewService(vault).withdraw(member.record_id, TODAY, purge=False)
    vault.role = Role.COORDINATOR
    with pytest.raises(DifferencingRefused):
        _release(vault, tmp_path / "second")
    assert not (tmp_path / "second").exists() and len(_ledger(vault)) == 1


def test_positive_control_without_the_ledger_a_withdrawal_shows_the_person(
        vault: Vault) -> None:
    service = ExportService(vault)
    first = anonymize(service.records(), k=K, l=1, columns=PROFILE, max_suppression=0.2)
    gone = first.record_ids[0]
    vault.role = Role.ADMIN
    ReviewService(vault).withdraw(gone, TODAY, purge=False)
    vault.role = Role.COORDINATOR
    second = anonymize(service.records(), k=K, l=1, columns=PROFILE, max_suppression=0.2)
    assert first.levels == second.levels
    missing = _profile(first.rows) - _profile(second.rows)
    # the withdrawn person's row, with every answer released, is among the few rows that
    # went (the final gate may move a cell of others when one record leaves: 1–5 rows of
    # 234 usually, 24 once, as its greedy repairs follow the fresh pseudonyms' order)
    assert 1 <= sum(missing.values()) <= max(2 * K, len(first.rows) // 5)
    assert next(iter(_profile([first.rows[0]]))) in missing


def test_a_failed_ledger_write_leaves_no_files_no_audit_no_row(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _exported(vault)

    def broken(*_args: object, **_kwargs: object) -> int:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(release_ledger, "add", broken)
    with pytest.raises(RuntimeError):
        _release(vault, tmp_path / "first")
    folder = tmp_path / "first"
    assert not folder.exists() or not any(folder.iterdir())
    assert _ledger(vault) == [] and _exported(vault) == before


def test_the_ledger_is_listed_without_record_ids(vault: Vault, tmp_path: Path) -> None:
    from intake.dates import stamp_date_text
    from intake.services.releases import describe

    _release(vault, tmp_path / "first")
    releases = ReleaseService(vault).releases()
    lines = [describe(r) for r in releases]
    ids = {r.id for r in ExportService(vault).records()}
    assert len(lines) == 1 and not any(i in lines[0] for i in ids)
    # a local date, as the other listings show it, not the stored ISO time
    assert stamp_date_text(releases[0].released_at) in lines[0]
    assert releases[0].released_at not in lines[0]
    vault.role = Role.INTERVIEWER
    with pytest.raises(PermissionDenied):
        ReleaseService(vault).releases()


# -- statistics --------------------------------------------------------------------------
def _cells(folder: Path) -> dict[tuple[str, str, str], str]:
    return {(r["table"], r["row"], r["column"]): r["count"]
            for r in _rows(folder, "statistics.csv")}


def test_statistics_after_adding_one_are_refused(vault: Vault, tmp_path: Path) -> None:
    service = ExportService(vault)
    service.write_statistics(service.statistics(), tmp_path / "s1", tool_version="test")
    again = service.statistics()  # the same persons: the same figures, nothing averaged
    first = _cells(tmp_path / "s1")
    service.write_statistics(again, tmp_path / "s2", tool_version="test")
    assert _cells(tmp_path / "s2") == first
    _add(vault, [_newcomer()])
    with pytest.raises(StatisticsDifferencingRefused) as refused:
        service.statistics()
    assert refused.value.exit_code == ExitCode.INVALID_INPUT
    assert [r.kind for r in _ledger(vault)] == ["statistics", "statistics"]


def test_statistics_after_k_testimonies_of_one_group_are_released(vault: Vault,
                                                                  tmp_path: Path) -> None:
    """k newcomers of one period, sector group and district, with answers that differ
    (copies of k different testimonies of that group); k alike ones are refused
    (tests/security/test_release_uniform_changes.py)."""
    service = ExportService(vault)
    service.write_statistics(service.statistics(), tmp_path / "s1", tool_version="test")
    _add(vault, [c for r in _diverse_group(service.records()) for c in _copies_of(r, 1)])
    service.write_statistics(service.statistics(), tmp_path / "s2", tool_version="test")
    assert len(_ledger(vault)) == 2


def _diverse_group(records: list[Record]) -> list[Record]:
    """STATISTICS_K testimonies of one statistics group that do not all give one answer
    to any ILO finding nor to sexual violence (as the statistics count them)."""
    import itertools

    from intake.exchange.analysis.statistics import counted_of
    from intake.services.releases import statistics_groups

    groups: dict[tuple[str, ...], list[Record]] = {}
    for record, group in zip(records, statistics_groups(records).values(), strict=True):
        groups.setdefault(group, []).append(record)
    counted = {r: text.split("\x1f") for r, text in counted_of(records).items()}
    fields = [*range(11), -1]  # the findings, in INDICATORS' order, and sexual violence
    common = set()  # (field, answer) given by at least 95 % of those who answered
    for at in fields:
        given = Counter(f[at] for f in counted.values() if f[at] not in ("insufficient", ""))
        common |= {(at, a) for a, n in given.items() if n >= 0.95 * sum(given.values())}
    for members in sorted(groups.values(), key=len, reverse=True):
        for chosen in itertools.islice(itertools.combinations(members, STATISTICS_K), 5000):
            answers = [({counted[r.id][at] for r in chosen} - {"insufficient", ""}, at)
                       for at in fields]
            if all(len(a) != 1 or (at, next(iter(a))) in common for a, at in answers):
                return list(chosen)
    raise AssertionError("no diverse group in the vault")


def test_positive_control_exact_statistics_tell_the_newcomers_answers(vault: Vault) -> None:
    """Without the perturbation (and the ledger), the cells that moved by exactly one are
    the newcomer's: every ILO indicator of theirs is read back."""
    service = ExportService(vault)
    before = compute_statistics(service.records())
    newcomer = _newcomer()
    _add(vault, [newcomer])
    after = compute_statistics(service.records())
    moved = {i for i, c in after.cells.items() if c.count - before.cells[i].count == 1}
    assert len(moved) > 30
    from intake.domain.indicators import INDICATORS, Finding, derive

    findings = derive(newcomer.answers)
    for indicator in INDICATORS:
        present = f"indicators_overall/{indicator.id}/{Finding.PRESENT.value}" in moved
        assert present == (findings[indicator.id] is Finding.PRESENT)


def test_perturbed_counts_are_consistent_and_bounded(vault: Vault) -> None:
    records = ExportService(vault).records()
    keys = ReleaseService(vault).cell_keys(r.id for r in records)
    exact = compute_statistics(records)
    one = compute_statistics(records, keys=keys)
    two = compute_statistics(list(reversed(records)), keys=keys)
    assert {i: c.count for i, c in one.cells.items()} == {i: c.count for i, c in two.cells.items()}
    assert all(abs(one.cells[i].count - c.count) <= 2 for i, c in exact.cells.items())
    assert all(one.cells[i].count == 0 for i, c in exact.cells.items() if c.count == 0)
    assert any(one.cells[i].count != c.count for i, c in exact.cells.items())
    assert one.perturbation is not None and one.perturbation["max_deviation"] == 2
