"""Shared fixtures: a fast but floor-respecting KDF, a vault on tmp_path, English by default."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from intake import i18n
from intake.domain.record import Record
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

USER = "kim"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _english_and_isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Every test starts in English with its own INTAKE_HOME, and leaves English behind."""
    monkeypatch.setenv("INTAKE_HOME", str(tmp_path / "home"))
    i18n.set_language("en")
    yield
    i18n.set_language("en")


@pytest.fixture
def policy() -> KdfPolicy:
    """Argon2id at the floor (64 MiB, 3 iterations): the minimum the vault ever accepts."""
    return KdfPolicy(FLOOR)


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def created_vault(vault_dir: Path, policy: KdfPolicy) -> tuple[Path, str]:
    """A closed vault with admin ``kim``; returns its folder and recovery code."""
    vault, code = Vault.create(vault_dir, USER, PASSPHRASE, policy)
    vault.close()
    return vault_dir, code


def vault_with(folder: Path, records: Iterable[Record]) -> Path:
    """A closed vault at ``folder`` (admin ``kim``, the cheapest KDF) holding ``records``:
    a module's template, copied for each test by :func:`opened_copy`."""
    from intake.services.interviews import InterviewService

    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    try:
        InterviewService(vault).import_records(records)
    finally:
        vault.close()
    return folder


@contextmanager
def opened_copy(template: Path, tmp_path: Path) -> Iterator[Vault]:
    """A copy of the vault ``template`` in ``tmp_path``, open as ``kim``; closed after."""
    folder = tmp_path / "vault"
    shutil.copytree(template, folder)
    opened = Vault.open(folder, USER, PASSPHRASE)
    try:
        yield opened
    finally:
        if opened.is_open:
            opened.close()
