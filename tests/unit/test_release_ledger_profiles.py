"""Issue 18: releases of different purpose profiles are compared on the quasi-identifiers
they share.

An adversary holding a release of one profile and a later release of another projects
both onto the quasi-identifiers they share: a group that grew or shrank by one tells
that a person with those answers came or went (positive control on the pipeline alone).
A new table release is therefore compared with every earlier one, whatever its profile:
the records added, withdrawn or edited since must form groups of at least k there;
records that one profile suppresses and another keeps are no change of the data.

Side by side, two releases of the same testimonies grouped otherwise narrow each person
to the intersection of their two classes: a release whose pairs of classes (earlier,
now) hold fewer than k persons is refused (JointReleaseRefused), with a control that
finds such pairs without the ledger.
"""

from __future__ import annotations

import copy
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.record import Record
from intake.domain.roles import Role
from intake.exchange.analysis.anonymize.pipeline import anonymize
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.releases import DifferencingRefused, JointReleaseRefused
from intake.vault import release_ledger
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.release_vault import consenting_vault
from tests.security.test_release_differencing import _add, _newcomer

pytestmark = pytest.mark.timeout(300)
K = 3
YEAR = "deployment.year_departed"
#: shares the four "when and where" quasi-identifiers with the ILO profile
OTHER = "working_conditions"


def _settings(name: str) -> ExportSettings:
    return ExportSettings(k=K, l=1, columns=PROFILES[name], max_suppression=0.2)


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    yield from consenting_vault(tmp_path, policy, 7)


def _release(vault: Vault, name: str, folder: Path) -> None:
    service = ExportService(vault)
    service.write(service.prepare(_settings(name)), folder / name, tool_version="test")


def _twins(record: Record, count: int) -> list[Record]:
    out = []
    for _i in range(count):
        twin = copy.deepcopy(record)
        twin.id = str(uuid.uuid4())
        out.append(twin)
    return out


def test_the_same_profile_again_on_the_same_data_is_released(vault: Vault,
                                                             tmp_path: Path) -> None:
    _release(vault, "ilo_by_period_region", tmp_path / "a")
    _release(vault, "ilo_by_period_region", tmp_path / "b")
    assert len(release_ledger.releases(vault.connection())) == 2


def _joint_under_k(a: str, b: str, records: list[Record]) -> int:
    """Without the ledger: records in both releases whose pair of released
    quasi-identifier values (in a, in b) is shared by fewer than K records."""
    first, second = (anonymize(records, k=K, l=1, columns=PROFILES[name],
                               max_suppression=0.2) for name in (a, b))
    rows = [{rid: tuple(row[q] for q in r.quasi_identifiers)
             for rid, row in zip(r.record_ids, r.rows, strict=True)} for r in (first, second)]
    pairs = [(rows[0][rid], rows[1][rid]) for rid in rows[0].keys() & rows[1].keys()]
    sizes = Counter(pairs)
    return sum(1 for pair in pairs if sizes[pair] < K)


@pytest.mark.parametrize("first, then", [("ilo_by_period_region", "wages"),
                                         ("wages", "everything"),
                                         ("everything", "ilo_by_period_region")])
def test_a_profile_that_narrows_an_earlier_release_is_refused(
        vault: Vault, tmp_path: Path, first: str, then: str) -> None:
    """Put side by side, the two releases' classes of one person narrow each other: the
    control (no ledger) finds persons in pairs of classes under k; the ledger refuses."""
    assert _joint_under_k(first, then, ExportService(vault).records()) > 0  # control
    _release(vault, first, tmp_path)
    with pytest.raises(JointReleaseRefused):
        _release(vault, then, tmp_path)
    assert not (tmp_path / then).exists()
    assert len(release_ledger.releases(vault.connection())) == 1


def test_a_profile_that_keeps_k_side_by_side_is_released(vault: Vault,
                                                         tmp_path: Path) -> None:
    """ILO, then working conditions (the same when-and-where columns at the same levels,
    and the passport's holder): no pair of classes under k, so both are released."""
    assert _joint_under_k("ilo_by_period_region", OTHER, ExportService(vault).records()) == 0
    _release(vault, "ilo_by_period_region", tmp_path)
    _release(vault, OTHER, tmp_path)
    assert len(release_ledger.releases(vault.connection())) == 2


def test_a_newcomer_is_refused_by_the_first_release_of_another_profile(
        vault: Vault, tmp_path: Path) -> None:
    _release(vault, "ilo_by_period_region", tmp_path)
    _add(vault, [_newcomer()])
    with pytest.raises(DifferencingRefused):  # never released before: compared with ILO
        ExportService(vault).prepare(_settings(OTHER))


def test_k_alike_newcomers_are_released_in_another_profile(vault: Vault,
                                                          tmp_path: Path) -> None:
    _release(vault, "ilo_by_period_region", tmp_path)
    _add(vault, _twins(_newcomer(), K))
    _release(vault, OTHER, tmp_path)
    assert len(release_ledger.releases(vault.connection())) == 2


def test_an_edit_of_a_shared_quasi_identifier_is_refused_in_another_profile(
        vault: Vault, tmp_path: Path) -> None:
    _release(vault, "ilo_by_period_region", tmp_path)
    seq = release_ledger.releases(vault.connection())[0].seq
    record_id = release_ledger.members(vault.connection(), seq)[0].record_id
    role, vault.role = vault.role, Role.ADMIN
    service = InterviewService(vault)
    record = service.load(record_id)
    record.answers[YEAR] = int(record.answers[YEAR]) - 1
    service.save(record)
    vault.role = role
    with pytest.raises(DifferencingRefused):
        _release(vault, OTHER, tmp_path)


def test_positive_control_the_shared_columns_show_the_newcomer(vault: Vault) -> None:
    """Without the ledger: ILO before, working conditions after one newcomer, both
    projected on the quasi-identifiers they share at the same level: the newcomer's
    group is the one that grew, by one."""
    service = ExportService(vault)
    ilo = _settings("ilo_by_period_region")
    before = anonymize(service.records(), k=K, l=1, columns=ilo.columns, max_suppression=0.2)
    newcomer = _newcomer()
    _add(vault, [newcomer])
    after = anonymize(service.records(), k=K, l=1, columns=_settings(OTHER).columns,
                      max_suppression=0.2)
    shared = sorted(c for c in set(before.quasi_identifiers) & set(after.quasi_identifiers)
                    if before.levels[c] == after.levels[c])  # released alike in both
    assert shared

    def groups(rows: list[dict[str, str]]) -> Counter[tuple[str, ...]]:
        return Counter(tuple(row[c] for c in shared) for row in rows)

    grew = groups(after.rows) - groups(before.rows)
    mine = tuple(after.rows[after.record_ids.index(newcomer.id)][c] for c in shared)
    assert grew[mine] == 1 and sum(grew.values()) == 1  # the one group that grew: theirs
    assert any(v != "*" for v in mine)  # and it says when they left and came back
