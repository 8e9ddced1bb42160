"""An edit of a released testimony's private sections only, then a release again (issue 18).

A case manager corrects the narrative of a testimony a table release held (a typo in its
summary): the record gets a new revision, and nothing a table can hold changes (the
narrative is private, never exported). The next table release of the same profile was
refused (``JointReleaseRefused``): the check of two releases side by side left out every
person whose testimony had a new revision, so the other person of that record's pair of
classes was alone in it. Found on 500 demo testimonies (seed 3), the ``wages`` profile at
k = 2, where one class holds two persons.

Now a testimony saved again is left out of that check only when what a table can hold
changed (``release_answers.answers_edited``: every answer and mark but the consent's and
the private ones). Controls: the check without that (``edited`` not passed) refuses the
same release; an edit of a released answer of the same record is refused.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from intake.domain.questionnaire import QType
from intake.domain.questions import QUESTIONNAIRE
from intake.exchange.analysis.anonymize.profiles import PROFILES
from intake.exchange.demo.generate import generate
from intake.services import releases
from intake.services.exports import ExportService, ExportSettings
from intake.services.interviews import InterviewService
from intake.services.releases import DifferencingRefused, JointReleaseRefused
from intake.vault import release_ledger
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.release_vault import _consenting

pytestmark = pytest.mark.timeout(240)
TODAY = dt.date(2026, 11, 27)
K = 2
SETTINGS = ExportSettings(k=K, max_suppression=0.0, columns=PROFILES["wages"])
SUMMARY = "narrative.summary"


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """500 demo testimonies (seed 3) consenting to statistics, released once (``wages``,
    k = 2); and a record of that release whose class holds exactly k persons."""
    folder = tmp_path_factory.mktemp("private_edit") / "vault"
    vault, _code = Vault.create(folder, USER, PASSPHRASE, KdfPolicy(FLOOR))
    with vault:
        InterviewService(vault).import_records(
            _consenting(list(generate(500, seed=3, author=USER, today=TODAY))))
    _release(folder, folder.parent / "first")
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        conn = vault.connection()
        members = release_ledger.members(conn, release_ledger.releases(conn)[-1].seq)
    sizes = Counter(m.cls for m in members)
    pair = sorted(m.record_id for m in members if sizes[m.cls] == K)
    assert pair, sorted(sizes.values())[:5]  # the data make one class of k persons
    return folder, pair[0]


def _release(folder: Path, out: Path) -> list[str]:
    """Write a table release; the record ids it holds."""
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = ExportService(vault)
        prepared = service.prepare(SETTINGS)
        service.write(prepared, out, tool_version="test")
    return list(prepared.result.record_ids)


def _edited(released: tuple[Path, str], tmp_path: Path, question: str | None) -> Path:
    """A copy of the released vault whose record of a k-class was saved again with its
    summary corrected (``question`` None) or that released yes/no answer turned over."""
    template, record_id = released
    folder = tmp_path / "vault"
    shutil.copytree(template, folder)
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        service = InterviewService(vault)
        record = service.load(record_id)
        answers = dict(record.answers)
        if question is None:
            answers[SUMMARY] = str(answers.get(SUMMARY, "")) + " (corrected)"
        else:
            answers[question] = not answers[question]
        before = record.revision
        saved = service.save(replace(record, answers=answers), pending={})
        assert saved.revision > before  # the ledger sees a new revision
    return folder


def _released_yes_no(released: tuple[Path, str]) -> str:
    """A yes/no question of the profile that the record answered."""
    template, record_id = released
    with Vault.open(template, USER, PASSPHRASE) as vault:
        answers = InterviewService(vault).load(record_id).answers
    columns = PROFILES["wages"] or frozenset()
    return next(q.id for q in QUESTIONNAIRE.questions()
                if q.id in columns and q.type is QType.BOOL and q.id in answers)


def test_a_summary_corrected_after_a_release_does_not_refuse_the_next(
        released: tuple[Path, str], tmp_path: Path) -> None:
    assert SUMMARY in QUESTIONNAIRE.private_ids  # never in a table
    folder = _edited(released, tmp_path, None)
    held = _release(folder, tmp_path / "second")  # JointReleaseRefused before the fix
    assert released[1] in held
    assert (tmp_path / "second" / "MANIFEST.sha256").exists()


def test_control_without_the_answers_compared_the_same_release_is_refused(
        released: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = releases.joint_small
    monkeypatch.setattr(releases, "joint_small",
                        lambda old, new, k, then, now, _edited=None: real(old, new, k, then, now))
    folder = _edited(released, tmp_path, None)
    with pytest.raises(JointReleaseRefused):
        _release(folder, tmp_path / "second")
    assert not (tmp_path / "second" / "MANIFEST.sha256").exists()


def test_control_an_edit_of_a_released_answer_is_refused(
        released: tuple[Path, str], tmp_path: Path) -> None:
    folder = _edited(released, tmp_path, _released_yes_no(released))
    with pytest.raises(DifferencingRefused):
        _release(folder, tmp_path / "second")
    assert not (tmp_path / "second" / "MANIFEST.sha256").exists()
