"""Issue 18: releases of different purpose profiles are compared on the quasi-identifiers
they share.

An adversary holding a release of one profile and a later release of another projects
both onto the quasi-identifiers they share: a group that grew or shrank by one tells
that a person with those answers came or went (positive control on the pipeline alone).
A new table release is therefore compared with every earlier one, whatever its profile:
the records added, withdrawn or edited since must form groups of at least k there. The
four profiles released in a row on the same data (demo data, seed 7) all pass: records
that one profile suppresses and another keeps are no change of the data.
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
from intake.services.releases import DifferencingRefused
from intake.vault import release_ledger
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security.test_release_differencing import TODAY, _add, _consenting, _newcomer, generate

pytestmark = pytest.mark.timeout(300)
N, K = 240, 3
YEAR = "deployment.year_departed"
#: shares the four "when and where" quasi-identifiers with the ILO profile
OTHER = "working_conditions"


def _settings(name: str) -> ExportSettings:
    return ExportSettings(k=K, l=1, columns=PROFILES[name], max_suppression=0.2)


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    InterviewService(opened).import_records(
        _consenting(list(generate(N, seed=7, author=USER, today=TODAY))))
    opened.role = Role.COORDINATOR
    yield opened
    opened.close()


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


def test_the_four_profiles_in_a_row_on_the_same_data_are_released(vault: Vault,
                                                                  tmp_path: Path) -> None:
    for name in PROFILES:
        _release(vault, name, tmp_path)
    assert len(release_ledger.releases(vault.connection())) == len(PROFILES) == 4


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
