"""An editing session and a clock set back (issue 18: what a release compares).

A release ends the editing sessions open when it is written
(``release_ledger.end_editing_sessions``), so that an edit after it starts a new revision
and the next release compares it. It ended only the sessions begun within the revision
window (10 minutes) of the release: a session begun at 12:00 and released at 12:15 stayed
open, and an autosave with the laptop's clock set back to 12:05 (the session's age 5
minutes) joined the revision the release's population held: the next release saw no
change of that record and compared nothing. Now every open session ends at a release, and
a save dated before its session began starts a new revision (``RecordStore._age``).
Controls: the window's rule put back leaves that session open; a later save within the
window still joins its session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest

from intake.domain.record import Record
from intake.exchange.demo.generate import generate
from intake.services import saving
from intake.services.interviews import InterviewService
from intake.vault import release_ledger
from intake.vault.kdf import FLOOR, KdfPolicy
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER

pytestmark = pytest.mark.timeout(120)
SESSION = "a sitting"


@contextmanager
def _at(monkeypatch: pytest.MonkeyPatch, when: str) -> Iterator[None]:
    """Saves dated ``when`` (UTC, "HH:MM" on 2026-12-01): the laptop's clock says so."""
    monkeypatch.setattr(saving, "now", lambda: f"2026-12-01T{when}:00+00:00")
    yield


@pytest.fixture()
def vault(tmp_path: Path) -> Iterator[Vault]:
    opened, _code = Vault.create(tmp_path / "vault", USER, PASSPHRASE, KdfPolicy(FLOOR))
    with opened:
        InterviewService(opened).import_records(
            generate(1, seed=5, author=USER, today=dt.date(2026, 11, 27)))
        yield opened


def _edit(vault: Vault, record: Record, text: str) -> Record:
    return InterviewService(vault).save(replace(
        record, session=SESSION, answers={**record.answers, "narrative.summary": text}))


def _opened_at_noon(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> Record:
    service = InterviewService(vault)
    record = service.load(service.summaries(limit=1)[0].id)
    with _at(monkeypatch, "12:00"):
        return _edit(vault, record, "begun")  # a session, a new revision


def _session(vault: Vault, record_id: str) -> str | None:
    row = vault.connection().execute("SELECT session FROM records WHERE id = ?",
                                     (record_id,)).fetchone()
    return None if row[0] is None else str(row[0])


def test_a_release_ends_a_session_begun_long_before_it(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    begun = _opened_at_noon(vault, monkeypatch)
    assert _session(vault, begun.id) is not None
    release_ledger.end_editing_sessions(vault.connection())  # a release at 12:15
    assert _session(vault, begun.id) is None
    with _at(monkeypatch, "12:05"):  # the clock set back: 5 minutes into the session
        edited = _edit(vault, begun, "after the release")
    assert edited.revision == begun.revision + 1  # compared by the next release


def test_a_save_dated_before_its_session_began_starts_a_new_revision(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    begun = _opened_at_noon(vault, monkeypatch)
    with _at(monkeypatch, "11:55"):
        edited = _edit(vault, begun, "clock set back")
    assert edited.revision == begun.revision + 1


def test_control_a_save_within_the_window_joins_its_session(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    begun = _opened_at_noon(vault, monkeypatch)
    with _at(monkeypatch, "12:05"):
        edited = _edit(vault, begun, "typing on")
    assert edited.revision == begun.revision


def test_control_the_windows_rule_left_that_session_open(
        vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule before: only sessions begun within the window of the release (12:15)
    ended; the session of 12:00 stayed open for a save with the clock set back."""
    begun = _opened_at_noon(vault, monkeypatch)
    vault.connection().execute(
        "UPDATE records SET session = NULL WHERE session IS NOT NULL"
        " AND revision_started_at >= ?", ("2026-12-01T12:05:00+00:00",))
    assert _session(vault, begun.id) == SESSION
