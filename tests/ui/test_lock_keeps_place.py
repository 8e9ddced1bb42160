"""A lock keeps the interviewer's place and words: an answer that does not validate yet
("25" working hours, a word typed into a number) survives Ctrl+L, the auto-lock and a
kill -9 right after the lock, kept encrypted in the vault as the record's pending answer;
unlocking returns to the same testimony, section and question with the error shown. The
auto-lock warns first, and moving the mouse dismisses the warning.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.services.drafts import ResumePlace
from intake.services.interviews import InterviewService
from intake.ui.records.workspace import Workspace
from intake.ui.screens.unlock import UnlockScreen
from intake.vault.vault import Vault
from tests.conftest import PASSPHRASE, USER
from tests.ui.conftest import screen
from tests.ui.helpers import unlock

HOURS = "work.hours_per_day"
TYPED = "fourteenQZX"  # a word in a number field: never valid, unique on disk


def type_invalid(qtbot: QtBot, workspace: Workspace, text: str = TYPED) -> str:
    """Start a testimony, go to the hours question's section, type ``text`` there and let
    the autosave run; the record id."""
    workspace.new_record()
    form = workspace.form
    assert form is not None
    form.store()
    row = form.row(HOURS)
    index = next(i for i, page in enumerate(form.section_pages) if HOURS in page.rows)
    form.go_to_section(index)
    editor = row.focus_widget()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus, timeout=5000)
    qtbot.keyClicks(editor, text)
    assert form.flush()
    assert row.error_text  # not valid: not stored as an answer
    return form.record_id


def assert_back_at_the_question(qtbot: QtBot, gui: Gui, record_id: str,
                                text: str = TYPED) -> None:
    workspace = screen(gui.window)
    assert isinstance(workspace, Workspace)
    form = workspace.form
    assert form is not None and workspace.showing_form
    assert form.record_id == record_id
    assert HOURS in form.current_page.rows
    row = form.row(HOURS)
    assert row.editor.inputs()[0].text() == text  # type: ignore[attr-defined]
    assert row.error_text  # shown again with its error
    qtbot.waitUntil(lambda: row.isAncestorOf(QApplication.focusWidget()), timeout=5000)
    assert HOURS not in form.record.answers and not form.has_unsaved_changes


def test_an_invalid_answer_and_the_place_survive_ctrl_l(qtbot: QtBot, locked_gui: Gui) -> None:
    workspace = unlock(qtbot, locked_gui)
    record_id = type_invalid(qtbot, workspace)
    qtbot.keyClick(locked_gui.window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    unlock_screen = screen(locked_gui.window)
    assert isinstance(unlock_screen, UnlockScreen)
    unlock(qtbot, locked_gui)
    assert_back_at_the_question(qtbot, locked_gui, record_id)


def test_an_invalid_answer_survives_the_auto_lock(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    workspace = unlock(qtbot, locked_gui)
    record_id = type_invalid(qtbot, workspace)
    window.auto_lock_interval_ms = 600
    window.start_auto_lock()
    qtbot.waitUntil(lambda: window.lock_countdown.isVisible(), timeout=5000)
    assert "locks in" in window.lock_countdown.text()
    qtbot.waitUntil(lambda: isinstance(screen(window), UnlockScreen), timeout=5000)
    assert not window.lock_countdown.isVisible()
    window.auto_lock_interval_ms = None
    unlock(qtbot, locked_gui)
    assert_back_at_the_question(qtbot, locked_gui, record_id)


def test_moving_the_mouse_dismisses_the_countdown(qtbot: QtBot, locked_gui: Gui) -> None:
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    window.auto_lock_interval_ms = 2000
    window.start_auto_lock()
    countdown = window.lock_countdown
    qtbot.waitUntil(countdown.isVisible, timeout=5000)
    assert 0 < countdown.seconds_left() <= 1
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, move)
    assert not countdown.isVisible() and window.auto_lock.active
    assert isinstance(screen(window), Workspace)  # and no lock
    qtbot.waitUntil(countdown.isVisible, timeout=5000)  # the wait started afresh


def test_on_the_list_the_place_is_forgotten(qtbot: QtBot, locked_gui: Gui) -> None:
    workspace = unlock(qtbot, locked_gui)
    type_invalid(qtbot, workspace)
    workspace.back_to_list()
    locked_gui.window.lock()
    workspace = unlock(qtbot, locked_gui)
    assert not workspace.showing_form


def test_the_place_and_the_words_stay_out_of_every_file(qtbot: QtBot, locked_gui: Gui,
                                                        tmp_path: Path) -> None:
    """Encrypted in the vault, nowhere else: the typed word and the record id are in no
    file under the test's folder (settings, Qt's config, the vault's files) in any common
    encoding; the vault itself holds both (positive control, through its own key)."""
    workspace = unlock(qtbot, locked_gui)
    record_id = type_invalid(qtbot, workspace)
    locked_gui.window.lock()
    forms = [form for text in (TYPED, record_id)
             for form in (text.encode(), text.encode("utf-16-le"))]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [f for f in forms if f in data], path
    folder = next(p.parent for p in tmp_path.rglob("keyslots.json"))
    with Vault.open(folder, USER, PASSPHRASE) as vault:
        assert ResumePlace(vault).place().record_id == record_id  # type: ignore[union-attr]
        pending = InterviewService(vault).pending_answers(record_id)
    assert TYPED in str(pending[HOURS])


KILL_AFTER_LOCK = """
import sys
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from intake.app import build

app = QApplication.instance() or QApplication([])
import os
gui = build(app, os.environ)
window = gui.window
window.show()
QTest.qWaitForWindowActive(window)
page = window.centralWidget()
page.user.setText(sys.argv[1])
page.passphrase.setText(sys.stdin.readline().rstrip("\\n"))
page.submit.click()
while window.workspace is None:
    app.processEvents()
    QTest.qWait(20)
workspace = window.workspace
workspace.new_record()
form = workspace.form
form.store()
index = next(i for i, p in enumerate(form.section_pages) if sys.argv[2] in p.rows)
form.go_to_section(index)
editor = form.row(sys.argv[2]).focus_widget()
editor.setFocus()
while not editor.hasFocus():
    QTest.qWait(20)
QTest.keyClicks(editor, sys.argv[3])
window.lock()
print("LOCKED", form.record_id, flush=True)
sys.stdin.readline()  # killed here
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_kill_9_right_after_the_lock(tmp_path: Path, existing_vault: tuple[Path, str],
                                     env: dict[str, str]) -> None:
    driver = tmp_path / "lock_then_die.py"
    driver.write_text(KILL_AFTER_LOCK, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(driver), USER, HOURS, TYPED], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
        env={**os.environ, **env, "QT_QPA_PLATFORM": "offscreen"},
        cwd=Path(__file__).parents[2])
    try:
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(PASSPHRASE + "\n")
        child.stdin.flush()
        line = child.stdout.readline()  # bounded by the per-test backstop
        assert line.startswith("LOCKED "), child.stderr.read() if child.stderr else ""
        record_id = line.split()[1]
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
    with Vault.open(existing_vault[0], USER, PASSPHRASE) as vault:
        vault.verify_integrity()
        place = ResumePlace(vault).place()
        pending = InterviewService(vault).pending_answers(record_id)
    assert place is not None and place.record_id == record_id and place.question == HOURS
    assert TYPED in str(pending[HOURS])
