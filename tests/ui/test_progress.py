"""Progress with Cancel: the dialog appears only for work still running after
half a second, follows the figures the work reports, and Cancel either stops the work
(``stop``: the work raises ``Cancelled``) or discards its result (``abandon``); the
backup and Check the vault… go through it in the main window."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from intake.app import Gui
from intake.ui.kit.progress import (
    ABANDON,
    SHOW_AFTER_MS,
    ProgressDialog,
    Ticker,
    run_with_progress,
)
from intake.ui.kit.worker import BackgroundTasks
from tests.ui.conftest import TASK_TIMEOUT_MS, wait_for_tasks
from tests.ui.helpers import unlock


class Outcome:
    def __init__(self) -> None:
        self.done: list[object] = []
        self.failed: list[BaseException] = []
        self.cancelled = 0
        self.discarded: list[object] = []

    @property
    def over(self) -> bool:
        return bool(self.done or self.failed or self.cancelled)


@pytest.fixture
def parent(qtbot: QtBot) -> Iterator[QWidget]:
    """The dialog's and the tasks' parent, alive for the whole test."""
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.close()


def start(parent: QWidget, work, mode: str = "stop"):  # type: ignore[no-untyped-def]
    tasks = BackgroundTasks(parent)
    outcome = Outcome()
    dialog = run_with_progress(
        tasks, parent, "Working", "Doing it", work, outcome.done.append,
        outcome.failed.append, cancelled=lambda: setattr(outcome, "cancelled", 1),
        mode=mode, discard=outcome.discarded.append)
    return dialog, outcome, tasks


def test_quick_work_shows_no_dialog(qtbot: QtBot, parent: QWidget,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[bool] = []
    monkeypatch.setattr(ProgressDialog, "showEvent", lambda self, event: shown.append(True))
    dialog, outcome, _tasks = start(parent, lambda tick: 42)
    qtbot.waitUntil(lambda: outcome.over, timeout=TASK_TIMEOUT_MS)
    assert outcome.done == [42]
    qtbot.wait(SHOW_AFTER_MS + 200)
    assert not shown and not outcome.cancelled


def test_slow_work_shows_progress_and_stops_on_cancel(qtbot: QtBot, parent: QWidget) -> None:
    reached = threading.Event()

    def work(tick: Ticker) -> str:
        for step in range(200):
            tick(step, 200)
            if step == 5:
                reached.set()
            time.sleep(0.02)
        return "finished"

    dialog, outcome, _tasks = start(parent, work)
    qtbot.waitUntil(dialog.isVisible, timeout=SHOW_AFTER_MS + 1000)
    qtbot.waitUntil(lambda: dialog.bar.maximum() == 200 and dialog.bar.value() > 5)
    dialog.cancel_button.click()
    qtbot.waitUntil(lambda: outcome.over, timeout=TASK_TIMEOUT_MS)
    assert outcome.cancelled and not outcome.done and not outcome.failed


def test_abandon_discards_the_result(qtbot: QtBot, parent: QWidget) -> None:
    release = threading.Event()

    def work(tick: Ticker) -> str:
        tick(0, 0)  # no figure: the bar keeps moving
        release.wait(10)
        tick(1, 0)  # does not raise in abandon mode
        return "an unlocked vault"

    dialog, outcome, _tasks = start(parent, work, mode=ABANDON)
    qtbot.waitUntil(dialog.isVisible, timeout=SHOW_AFTER_MS + 1000)
    assert dialog.bar.maximum() == 0
    dialog.reject()  # Escape or closing the window
    assert dialog.label.text() == "Stopping…" and not dialog.isVisible()
    release.set()
    qtbot.waitUntil(lambda: outcome.over, timeout=TASK_TIMEOUT_MS)
    assert outcome.cancelled and outcome.discarded == ["an unlocked vault"]
    assert not outcome.done


def test_errors_still_reach_the_caller(qtbot: QtBot, parent: QWidget) -> None:
    def work(tick: Ticker) -> None:
        raise OSError(28, "No space left on device")

    _dialog, outcome, _tasks = start(parent, work)
    qtbot.waitUntil(lambda: outcome.over, timeout=TASK_TIMEOUT_MS)
    assert isinstance(outcome.failed[0], OSError) and not outcome.cancelled


def test_backup_and_check_in_the_main_window(qtbot: QtBot, locked_gui: Gui,
                                             tmp_path: Path) -> None:
    window = locked_gui.window
    unlock(qtbot, locked_gui)
    assert window.check_action.isEnabled()
    window.dialogs.set_next_answer(True)  # the "intact" message
    window.check_action.trigger()
    wait_for_tasks(qtbot, window)
    qtbot.waitUntil(lambda: "Check the vault" in window.dialogs.shown)
    target = tmp_path / "copy.backup"
    window.field.choose_file = lambda *_a, **_k: target
    window.backup_action.trigger()
    wait_for_tasks(qtbot, window)
    qtbot.waitUntil(target.exists, timeout=TASK_TIMEOUT_MS)
    assert "Backup written" in window.statusBar().currentMessage()
