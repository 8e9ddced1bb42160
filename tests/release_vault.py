"""The vault the release-ledger tests share (issue 18): 240 generated testimonies (seed
18), every one consenting to statistics and anonymized release, half verified, opened
as a coordinator."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.exchange.demo.generate import generate
from intake.services.exports import ExportService
from intake.services.interviews import InterviewService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

TODAY = dt.date(2026, 11, 27)
N = 240


def _consenting(records: list[Record]) -> list[Record]:
    for i, record in enumerate(records):
        record.answers.pop("consent.withdrawn_on", None)
        record.answers["consent.anonymized_statistics"] = True
        record.answers["consent.internal_documentation"] = True
        record.status = Status.SUBMITTED if i % 2 else Status.VERIFIED
    return records


def consenting_vault(tmp_path: Path, policy: KdfPolicy, seed: int) -> Iterator[Vault]:
    """N consenting testimonies of ``seed``, opened as a coordinator (for a fixture)."""
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    InterviewService(opened).import_records(
        _consenting(list(generate(N, seed=seed, author=USER, today=TODAY))))
    opened.role = Role.COORDINATOR
    yield opened
    opened.close()


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    yield from consenting_vault(tmp_path, policy, 18)


def classes_of(rows: list[dict[str, str]],
               quasi: list[str]) -> dict[tuple[str, ...], list[dict[str, str]]]:
    """A written file's rows by their values of ``quasi``: the classes as the adversary
    groups them."""
    out: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for row in rows:
        out.setdefault(tuple(row[q] for q in quasi), []).append(row)
    return out


def twins(vault: Vault, count: int) -> list[Record]:
    """``count`` copies of the first exportable testimony under new ids (one class),
    imported."""
    model = ExportService(vault).records()[0]
    made = []
    for _ in range(count):
        twin = copy.deepcopy(model)
        twin.id = str(uuid.uuid4())
        made.append(twin)
    role, vault.role = vault.role, Role.ADMIN
    InterviewService(vault).import_records(made)
    vault.role = role
    return made
