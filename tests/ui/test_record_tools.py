"""Testimonies → Dashboard… (Ctrl+D) and Print case file… (Ctrl+P) in the main window:
enabled only with the vault open, one dashboard at a time, the case file asks
for a testimony when none is open or selected, and locking closes and empties both."""

from __future__ import annotations

import shiboken6
from pytestqt.qtbot import QtBot

from intake.app import Gui
from tests.ui.conftest import TASK_TIMEOUT_MS
from tests.ui.helpers import unlock
from tests.ui.test_attachments_panel import seeded


def test_actions_follow_the_lock(qtbot: QtBot, locked_gui: Gui) -> None:
    tools = locked_gui.window.tools
    assert not tools.dashboard_action.isEnabled() and not tools.casefile_action.isEnabled()
    assert tools.dashboard_action.shortcut().toString() == "Ctrl+D"
    assert tools.casefile_action.shortcut().toString() == "Ctrl+P"
    unlock(qtbot, locked_gui)
    assert tools.dashboard_action.isEnabled() and tools.casefile_action.isEnabled()


def test_one_dashboard_closed_and_emptied_on_lock(qtbot: QtBot, locked_gui: Gui,
                                                 existing_vault: tuple) -> None:
    seeded(existing_vault[0], **{"consent.anonymized_statistics": True})
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    window.tools.dashboard_action.trigger()
    view = window.tools.dashboard
    assert view is not None and view.isVisible()
    qtbot.waitUntil(lambda: view.dashboard is not None, timeout=TASK_TIMEOUT_MS)
    window.tools.dashboard_action.trigger()
    assert window.tools.dashboard is view  # raised, not a second one
    window.lock_action.trigger()
    assert window.tools.dashboard is None
    assert not shiboken6.isValid(view) or not view.isVisible()


def test_case_file_needs_a_testimony(qtbot: QtBot, locked_gui: Gui,
                                     existing_vault: tuple) -> None:
    record_id = seeded(existing_vault[0])
    window = locked_gui.window
    workspace = unlock(qtbot, locked_gui)
    window.dialogs.set_next_answer(True)
    window.tools.casefile_action.trigger()
    assert window.dialogs.shown[-1] == "Print case file" and window.tools.casefile is None
    workspace.open_record(record_id)
    window.tools.casefile_action.trigger()
    dialog = window.tools.casefile
    assert dialog is not None and dialog.isVisible()
    window.lock_action.trigger()
    assert window.tools.casefile is None
