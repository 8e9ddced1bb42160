"""Issue 18, safe across releases: an edit of a released testimony is a change.

Release, edit ONE testimony's quasi-identifier answer (the year they left, a year
earlier; released as it is in the default profile on this data), release again: side by
side, the two releases held a row of that person's old answers and a row of the new ones.
The second release is now refused (the person is a withdrawal plus an addition, each
alone in its class); editing a whole class alike is released; releasing again without
an edit is released (control). Positive control: the pipeline alone, without the
ledger, shows the edited person's old and new rows as the difference. The ledger keeps
per record a keyed digest of its released row: it matches the row under the key derived
from the vault's database key, not a plain hash.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from intake.domain.roles import Role
from intake.exchange.analysis.anonymize.pipeline import anonymize
from intake.services.exports import ExportService
from intake.services.interviews import InterviewService
from intake.services.releases import DifferencingRefused
from intake.vault import release_ledger
from intake.vault.vault import Vault
from tests.release_vault import vault
from tests.security.test_release_differencing import (
    PROFILE,
    K,
    _ledger,
    _profile,
    _release,
    _rows,
)

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(300)
YEAR = "deployment.year_departed"


def _edit(vault: Vault, record_ids: list[str]) -> None:
    """Each record now says it left a year earlier."""
    role, vault.role = vault.role, Role.ADMIN
    service = InterviewService(vault)
    for record_id in record_ids:
        record = service.load(record_id)
        record.answers[YEAR] = int(record.answers[YEAR]) - 1
        service.save(record)
    vault.role = role


def _released_ids(vault: Vault) -> list[str]:
    """The records of the last release whose year was released (not suppressed)."""
    return [m.record_id for m in release_ledger.members(vault.connection(),
                                                        _ledger(vault)[-1].seq)
            if json.loads(m.quasi)[YEAR] != "*"]


def test_releasing_again_without_an_edit_is_released(vault: Vault, tmp_path: Path) -> None:
    _release(vault, tmp_path / "first")
    _release(vault, tmp_path / "second")  # control: nothing changed, nothing refused
    assert len(_ledger(vault)) == 2
    assert _profile(_rows(tmp_path / "first")) == _profile(_rows(tmp_path / "second"))


def test_editing_one_released_testimony_is_refused(vault: Vault, tmp_path: Path) -> None:
    _release(vault, tmp_path / "first")
    _edit(vault, _released_ids(vault)[:1])
    with pytest.raises(DifferencingRefused) as refused:
        _release(vault, tmp_path / "second")
    assert f"at least {K} new testimonies" in refused.value.message()
    assert not (tmp_path / "second").exists() and len(_ledger(vault)) == 1


def test_editing_k_testimonies_of_one_class_alike_is_released(vault: Vault,
                                                             tmp_path: Path) -> None:
    _release(vault, tmp_path / "first")
    members = release_ledger.members(vault.connection(), _ledger(vault)[0].seq)
    by_class: dict[str, list[str]] = {}
    for member in members:
        by_class.setdefault(member.cls, []).append(member.record_id)
    group = max(by_class.values(), key=len)  # a whole class: they stay together
    _edit(vault, group)
    _release(vault, tmp_path / "second")
    assert len(_ledger(vault)) == 2 and len(group) >= K


def test_positive_control_without_the_ledger_an_edit_shows_old_and_new_answers(
        vault: Vault) -> None:
    service = ExportService(vault)
    first = anonymize(service.records(), k=K, l=1, columns=PROFILE, max_suppression=0.2)
    index = next(i for i, row in enumerate(first.rows) if row[YEAR] != "*")
    edited = first.record_ids[index]
    _edit(vault, [edited])
    second = anonymize(service.records(), k=K, l=1, columns=PROFILE, max_suppression=0.2)
    assert first.levels == second.levels
    old_row = _profile([first.rows[index]])
    assert next(iter(old_row)) in _profile(first.rows) - _profile(second.rows)
    if edited in second.record_ids:  # (the final gate may suppress it: then it only went)
        new_row = _profile([second.rows[second.record_ids.index(edited)]])
        assert old_row != new_row
        assert next(iter(new_row)) in _profile(second.rows) - _profile(first.rows)


def test_the_digest_is_keyed_by_the_database_key(vault: Vault, tmp_path: Path) -> None:
    """The ledger's digest of a row is HMAC under HKDF(database key): recomputed with the
    key it matches; a plain SHA-256 of the same row (what a state could try against the
    released file) does not."""
    _release(vault, tmp_path / "first")
    member = release_ledger.members(vault.connection(), _ledger(vault)[0].seq)[0]
    rows = _rows(tmp_path / "first")
    released = [{c: v for c, v in row.items() if c != "pseudonym"} for row in rows]
    key = release_ledger.digest_key(vault._require_keys().dbk)
    assert member.digest in {release_ledger.row_digest(key, r) for r in released}
    plain = {hashlib.sha256(release_ledger.canonical(r).encode()).hexdigest()[:32]
             for r in released}
    assert member.digest not in plain
    assert set(json.loads(member.quasi)) == set(_ledger(vault)[0].columns)
