"""The GUI follows the services' permissions (domain/permissions.py): a coordinator gets no "New
testimony" and no identity; an interviewer's list holds only their own testimonies.

The role comes from the users table, patched here until users with other roles can be
added; the services refuse the rest (tests/unit/test_permissions.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from intake.domain.record import Record, Status
from intake.domain.roles import Role
from intake.services.interviews import InterviewService
from intake.ui.records.workspace import Workspace
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import BuildGui
from tests.ui.helpers import as_role, unlock

OTHER = "lee"


def _record(author: str) -> Record:
    record = Record.new(author)
    record.status = Status.SUBMITTED
    record.answers.update({"consent.internal_documentation": True,
                           "identity.full_name": "김철호", "narrative.summary": "연해주."})
    return record


@pytest.fixture
def records(existing_vault: tuple[Path, str]) -> dict[str, str]:
    own, other = _record(USER), _record(OTHER)
    with Vault.open(existing_vault[0], USER, PASSPHRASE) as vault:
        InterviewService(vault).import_records([own, other])
    return {"own": own.id, "other": other.id}


def listed(workspace: Workspace) -> set[str]:
    model = workspace.record_list.model
    return {model.record_id(row) for row in range(model.rowCount())}


def test_a_coordinator_cannot_start_a_testimony_and_sees_no_identity(
    qtbot: QtBot, records: dict[str, str], make_gui: BuildGui,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_role(monkeypatch, Role.COORDINATOR)
    gui = make_gui()
    workspace = unlock(qtbot, gui)
    assert not gui.window.new_record_action.isEnabled()
    assert not workspace.record_list.new_button.isEnabled()
    workspace.new_record()
    assert not workspace.showing_form
    assert listed(workspace) == set(records.values())
    workspace.open_record(records["other"])
    assert workspace.form is not None
    assert "identity.full_name" not in workspace.form.rows


def test_an_interviewer_lists_only_their_own_testimonies(
    qtbot: QtBot, records: dict[str, str], make_gui: BuildGui,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    as_role(monkeypatch, Role.INTERVIEWER)
    gui = make_gui()
    workspace = unlock(qtbot, gui)
    assert gui.window.new_record_action.isEnabled()
    assert workspace.record_list.new_button.isEnabled()
    assert listed(workspace) == {records["own"]}
