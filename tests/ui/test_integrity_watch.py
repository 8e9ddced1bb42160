"""The check after an unlock, in the real window: the unlock does not wait for it; an audit
log rewritten with the database key (which only the full check sees) is found within
seconds, said, and the vault locked; a lock stops a running check at once. Control: an
untouched vault stays open and its check ends intact.
"""

from __future__ import annotations

import time
from pathlib import Path

from pytestqt.qtbot import QtBot

from intake.i18n import _
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from tests.tamper import tamper
from tests.ui.conftest import Gui, screen
from tests.ui.helpers import unlock

CHECK_MS = 30_000


def _unlocked(qtbot: QtBot, gui: Gui) -> Workspace:
    gui.window.integrity.delay_ms = 0
    return unlock(qtbot, gui)


def test_an_untouched_vault_stays_open(qtbot: QtBot, locked_gui: Gui) -> None:
    _unlocked(qtbot, locked_gui)
    watch = locked_gui.window.integrity
    qtbot.waitUntil(lambda: watch.outcome is not None, timeout=CHECK_MS)
    assert watch.outcome == "intact"
    assert isinstance(screen(locked_gui.window), Workspace)
    assert _("Check the vault") not in locked_gui.window.dialogs.shown


def test_a_rewritten_audit_log_is_found_and_the_vault_locked(
        qtbot: QtBot, locked_gui: Gui, existing_vault: tuple[Path, str]) -> None:
    folder, _code = existing_vault
    tamper(folder, "UPDATE audit SET user = 'nobody' WHERE seq = 1")
    window = locked_gui.window
    window.dialogs.set_next_answer(True)  # the error box, answered
    _unlocked(qtbot, locked_gui)  # the unlock itself does not read the whole log
    qtbot.waitUntil(lambda: window.integrity.outcome is not None, timeout=CHECK_MS)
    assert window.integrity.outcome == "audit"
    assert window.dialogs.shown[-1] == _("Check the vault")
    assert isinstance(screen(window), UnlockScreen)
    assert not locked_gui.session.unlocked


def test_a_lock_stops_the_check_at_once(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    _unlocked(qtbot, locked_gui)
    qtbot.waitUntil(lambda: window.integrity.running or window.integrity.outcome is not None,
                    timeout=CHECK_MS)
    check = window.integrity._check
    started = time.monotonic()
    window.lock()
    assert time.monotonic() - started < 5
    assert not window.integrity.running
    if check is not None:  # it was still running: it is gone now
        assert check._check.process.poll() is not None
