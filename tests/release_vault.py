"""The vault the release-ledger tests share (issue 18): 240 generated testimonies (seed
18), every one consenting to statistics and anonymized release, half verified, opened
as a coordinator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.services.interviews import InterviewService
from intake.vault.kdf import KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.security.test_release_differencing import TODAY, N, _consenting, generate


@pytest.fixture
def vault(tmp_path: Path, policy: KdfPolicy) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, policy)
    InterviewService(opened).import_records(
        _consenting(list(generate(N, seed=18, author=USER, today=TODAY))))
    opened.role = Role.COORDINATOR
    yield opened
    opened.close()


def classes_of(rows: list[dict[str, str]],
               quasi: list[str]) -> dict[tuple[str, ...], list[dict[str, str]]]:
    """A written file's rows by their values of ``quasi``: the classes as the adversary
    groups them."""
    out: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for row in rows:
        out.setdefault(tuple(row[q] for q in quasi), []).append(row)
    return out
