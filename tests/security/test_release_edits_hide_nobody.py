"""Adversary (issue 18, safe across releases): a testimony added (or withdrawn) beside
edits of others in its class.

An edit counts as a withdrawal (the old row) plus an addition (the new row). Counted in
the same group as a testimony added, five edits made a group of six added and five
withdrawn, and the release passed; but an edited row's old and new versions cancel on
every column the edit left alone, so the two ``data.csv`` side by side showed the class
grown by one and every column moved by one on the newcomer's answer: their whole row
(found by an outside review, also for a withdrawal and over several releases). Now the
added and the withdrawn are counted apart from the edited and the release is refused.
Positive control: with the two counted together, the same comparison (plain Python over
the files) reads the newcomer's row.
"""

from __future__ import annotations

import copy
import csv
import uuid
from collections import Counter
from pathlib import Path

import pytest

from intake.domain.indicators import Finding
from intake.domain.record import Record
from intake.domain.roles import Role
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.services import releases_cross
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.releases import DifferencingRefused
from intake.vault import release_ledger
from intake.vault.vault import Vault
from tests.release_vault import classes_of, vault

__all__ = ["vault"]  # the fixture, used by name
pytestmark = pytest.mark.timeout(300)

K = 3
EDITS = 5
SETTINGS = ExportSettings(k=K, l=1, columns=PROFILES["ilo_by_period_region"],
                          max_suppression=0.2)


def _release(vault: Vault, folder: Path) -> list[dict[str, str]]:
    service = ExportService(vault)
    service.write(service.prepare(SETTINGS), folder, tool_version="test")
    with (folder / "data.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _import(vault: Vault, records: list[Record]) -> None:
    role, vault.role = vault.role, Role.ADMIN
    InterviewService(vault).import_records(records)
    vault.role = role


def _newcomer_and_edits(vault: Vault) -> Record:
    """A class of the first release with a member to copy and EDITS others to edit: the
    copy is added under a new id, and the others' hours, days and rest days changed so
    that excessive overtime (a released indicator) turns, without moving their class."""
    release = release_ledger.releases(vault.connection(), "anonymized")[0]
    members = release_ledger.members(vault.connection(), release.seq)
    by_class: dict[str, list[str]] = {}
    for member in members:
        by_class.setdefault(member.cls, []).append(member.record_id)
    ids = max(by_class.values(), key=len)
    assert len(ids) > EDITS
    service = InterviewService(vault)
    newcomer = copy.deepcopy(service.load(ids[0]))
    newcomer.id = str(uuid.uuid4())
    edited = []
    for record_id in ids[1:EDITS + 1]:
        record = service.load(record_id)
        overtime = service.indicators(record)["excessive_overtime"] is Finding.PRESENT
        answers = {"work.hours_per_day": 8, "work.days_per_week": 5,
                   "work.rest_days_per_month": 6} if overtime else {"work.hours_per_day": 14}
        for qid, value in answers.items():
            record.answers[qid] = value
            record.meta.pop(qid, None)
        record.revision += 1
        edited.append(record)
    _import(vault, [newcomer, *edited])
    return newcomer


def test_one_added_beside_edits_is_refused(vault: Vault, tmp_path: Path) -> None:
    _release(vault, tmp_path / "first")
    _newcomer_and_edits(vault)
    with pytest.raises(DifferencingRefused):
        _release(vault, tmp_path / "second")
    assert not (tmp_path / "second").exists()


def test_positive_control_counted_together_the_files_tell_the_row(
        vault: Vault, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _release(vault, tmp_path / "first")
    newcomer = _newcomer_and_edits(vault)
    monkeypatch.setattr(releases_cross, "change_key",
                        lambda sign, person, group, old, new: ("any", sign, group))
    second = _release(vault, tmp_path / "second")
    quasi = list(release_ledger.releases(vault.connection())[0].columns)
    before, after = classes_of(first, quasi), classes_of(second, quasi)
    [grown] = [c for c in after if len(after[c]) - len(before.get(c, [])) == 1]
    read: dict[str, str] = {}
    for column in first[0]:
        if column == "pseudonym" or column in quasi:
            continue
        moved = Counter(r[column] for r in after[grown])
        moved.subtract(Counter(r[column] for r in before[grown]))
        up = [v for v, n in moved.items() if n > 0]
        if len(up) == 1 and moved[up[0]] == 1 and sum(moved.values()) == 1:
            read[column] = up[0]
    prepared = ExportService(vault).prepare(SETTINGS)
    row = prepared.result.rows[prepared.result.record_ids.index(newcomer.id)]
    unedited = [c for c in read if c != "ilo.excessive_overtime"]
    assert len(unedited) >= 5  # every indicator the edits left alone
    assert all(read[c] == row[c] for c in unedited)
